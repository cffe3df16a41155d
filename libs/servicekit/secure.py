"""Secured connections from settings: the keyword arguments every Kafka client (producer,
consumer, admin) and every MongoDB client of a service is built with, so TLS and SASL are
set in one place (the settings) and never per call site.

Kafka: ``DELOVOD_KAFKA_SECURITY_PROTOCOL`` (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL), SASL
SCRAM with a username and a password read from a file (a Strimzi ``KafkaUser`` secret mounted
as files), the cluster's CA (Strimzi's ``<cluster>-cluster-ca-cert``) and, for mutual TLS, a
client certificate and key. MongoDB: TLS on, its CA, and optionally a client certificate."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Optional, TypeVar

T = TypeVar("T")


class InsecureSettings(ValueError):
    """A combination of security settings that cannot work; the message says which to set."""


def kafka_client_options(kit) -> dict:
    """kafka-python keyword arguments (``KafkaProducer``, ``KafkaConsumer``,
    ``KafkaAdminClient`` take the same ones) for the shared settings ``kit``."""
    protocol = kit.kafka_security_protocol
    options: dict = {"security_protocol": protocol, "bootstrap_timeout_ms": kit.kafka_bootstrap_timeout_ms}
    if protocol.startswith("SASL_"):
        options.update(sasl_mechanism=kit.kafka_sasl_mechanism, sasl_plain_username=kit.kafka_sasl_username,
                       sasl_plain_password=read_secret_text(kit.kafka_sasl_password_file))
    if protocol.endswith("SSL"):
        # the broker's name is checked against its certificate (Strimzi's certificates
        # name every listener's service and pod addresses)
        options.update(ssl_check_hostname=True, ssl_cafile=_path(kit.kafka_ssl_ca_file),
                       ssl_certfile=_path(kit.kafka_ssl_cert_file), ssl_keyfile=_path(kit.kafka_ssl_key_file))
    return options


def mongo_client_options(kit) -> dict:
    """pymongo / mongoengine keyword arguments for the shared settings ``kit`` (empty when
    TLS is off: a URI may still carry its own ``tls=`` options)."""
    if not kit.mongo_tls:
        return {}
    options: dict = {"tls": True}
    if kit.mongo_tls_ca_file is not None:
        options["tlsCAFile"] = str(kit.mongo_tls_ca_file)
    if kit.mongo_tls_certificate_key_file is not None:
        options["tlsCertificateKeyFile"] = str(kit.mongo_tls_certificate_key_file)
    return options


def check_kafka_settings(kit) -> None:
    """Raise :class:`InsecureSettings` for a Kafka combination that cannot connect."""
    protocol = kit.kafka_security_protocol
    if protocol.startswith("SASL_") and (not kit.kafka_sasl_username or kit.kafka_sasl_password_file is None):
        raise InsecureSettings(f"kafka_security_protocol={protocol} needs kafka_sasl_username and "
                               "kafka_sasl_password_file")
    if protocol == "SASL_PLAINTEXT" and kit.kafka_sasl_mechanism == "PLAIN":
        raise InsecureSettings("SASL PLAIN over PLAINTEXT would send the password in clear: use SASL_SSL or SCRAM")
    if (kit.kafka_ssl_cert_file is None) != (kit.kafka_ssl_key_file is None):
        raise InsecureSettings("kafka_ssl_cert_file and kafka_ssl_key_file go together (a client certificate and its key)")


class KafkaRefused(ConnectionError):
    """A Kafka client could not start: the message names why (the brokers' own words) and
    which setting to look at."""


# kafka-python 3 reports why a bootstrap connection failed only in its log (its exception says
# "Unable to bootstrap"); the reasons are read from there, bounded, to say what went wrong.
_BOOTSTRAP_LOGGER = "kafka.net.manager"
_HINTS = (("Authentication failed", "wrong SASL username or password (kafka_sasl_username, kafka_sasl_password_file)"),
          ("CERTIFICATE_VERIFY_FAILED", "the brokers' certificate is not signed by a trusted CA (kafka_ssl_ca_file)"),
          ("certificate", "the brokers' certificate was refused (kafka_ssl_ca_file)"),
          ("WRONG_VERSION_NUMBER", "the listener does not speak TLS (kafka_security_protocol)"),
          ("UnsupportedSaslMechanism", "the listener does not offer this SASL mechanism (kafka_sasl_mechanism)"),
          ("IllegalSaslState", "the listener does not expect SASL (kafka_security_protocol)"),
          # Under eventlet's green TLS sockets (the services, and a test run after them) the
          # broker's SASL refusal can arrive as the connection closing, without its words.
          ("socket disconnected", "the brokers closed the connection during the TLS or SASL handshake: "
                                  "a wrong SASL username or password (kafka_sasl_username, kafka_sasl_password_file), "
                                  "or a TLS mismatch (kafka_security_protocol, kafka_ssl_ca_file)"))


class _Reasons(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record):
        text = record.getMessage()
        if "failed" in text:
            self.seen[:] = self.seen[-49:] + [text]  # the latest 50: a bootstrap retries for its whole timeout


@contextmanager
def _bootstrap_reasons():
    handler, logger = _Reasons(), logging.getLogger(_BOOTSTRAP_LOGGER)
    logger.addHandler(handler)
    try:
        yield handler.seen
    finally:
        logger.removeHandler(handler)


def explained(build: Callable[[], T], bootstrap: str) -> T:
    """``build()`` a Kafka client; one that cannot reach the brokers raises
    :class:`KafkaRefused` saying why (wrong password, untrusted certificate...)."""
    from kafka.errors import KafkaTimeoutError

    with _bootstrap_reasons() as reasons:
        try:
            return build()
        except KafkaTimeoutError as exc:  # kafka-python 3: "Unable to bootstrap from ..."
            raise KafkaRefused(refusal(bootstrap, reasons, exc)) from exc


def refusal(bootstrap: str, reasons: list[str], exc: BaseException) -> str:
    failures = [r.split(" (backoff")[0] for r in reasons if r.startswith("Bootstrap connection to")]
    for marker, hint in _HINTS:  # the telling failure, if any attempt met one (the last may just time out)
        telling = [r for r in failures if marker in r]
        if telling:
            return f"Kafka at {bootstrap} refused the connection: {hint}. The client saw: {telling[-1]}"
    said = failures[-1] if failures else str(exc)
    hint = "the brokers are down or unreachable"
    return f"Kafka at {bootstrap} refused the connection: {hint}. The client saw: {said}"


def read_secret_text(path: Optional[Path]) -> Optional[str]:
    """A secret's text from its file (a mounted Secret), without the trailing newline."""
    if path is None:
        return None
    return Path(path).read_text(encoding="utf-8").strip()


def _path(path: Optional[Path]) -> Optional[str]:
    return None if path is None else str(path)
