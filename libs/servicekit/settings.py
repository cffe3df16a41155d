"""Typed settings read from the environment once; every field documents itself.

The README's table of variables is generated from these classes (``make docs``).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, Optional

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / ".local"


class KitSettings(BaseSettings):
    """Settings every service shares (prefix ``DELOVOD_``)."""

    model_config = SettingsConfigDict(env_prefix="DELOVOD_", frozen=True)

    amqp_uri: str = Field("amqp://guest:guest@127.0.0.1:5672/", description="RabbitMQ URI for nameko RPC")
    rpc_timeout_s: float = Field(10.0, gt=0, description="How long an RPC call to another service waits for its answer; then the caller answers 503 (an HTTP request) or waits and retries (an event)")
    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers, comma-separated")
    kafka_max_block_ms: int = Field(5_000, ge=100, description="How long sending an event may wait for the broker's metadata or for room in the producer's buffer before it fails")
    kafka_request_timeout_ms: int = Field(10_000, ge=100, description="How long the producer waits for the broker's answer to one request before it retries or fails")
    kafka_delivery_timeout_ms: int = Field(30_000, ge=100, description="Upper bound on an event's delivery, retries included: then it is reported failed (its outbox pointer stays and the relay sends it again); at least the request timeout")
    kafka_bootstrap_timeout_ms: int = Field(30_000, ge=100, description="How long a Kafka client (producer, consumer, admin) waits to reach the brokers when it starts; then it fails saying why (down, wrong password, untrusted certificate)")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field("PLAINTEXT", description="How every Kafka client connects: PLAINTEXT (a developer's machine), SSL (TLS), SASL_PLAINTEXT or SASL_SSL (TLS with SCRAM; Strimzi's `scram-sha-512` listener)")
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = Field("SCRAM-SHA-512", description="SASL mechanism with a SASL_* protocol (Strimzi's KafkaUser `scram-sha-512`)")
    kafka_sasl_username: str = Field("", description="SASL username with a SASL_* protocol (the KafkaUser's name)")
    kafka_sasl_password_file: Optional[Path] = Field(None, description="File holding the SASL password (the KafkaUser secret's `password`, mounted)")
    kafka_ssl_ca_file: Optional[Path] = Field(None, description="PEM file of the CA that signed the brokers' certificates (Strimzi's `<cluster>-cluster-ca-cert` `ca.crt`); unset: the system's trusted CAs")
    kafka_ssl_cert_file: Optional[Path] = Field(None, description="PEM client certificate for mutual TLS (with kafka_ssl_key_file); unset: none")
    kafka_ssl_key_file: Optional[Path] = Field(None, description="PEM private key of kafka_ssl_cert_file")
    mongo_tls: bool = Field(False, description="Connect to MongoDB over TLS (every service's mongo_uri; a URI may also say `tls=true` itself)")
    mongo_tls_ca_file: Optional[Path] = Field(None, description="PEM file of the CA that signed MongoDB's certificate (with mongo_tls); unset: the system's trusted CAs")
    mongo_tls_certificate_key_file: Optional[Path] = Field(None, description="PEM file with a client certificate and its key, for a MongoDB that requires one (with mongo_tls)")
    auth_secret_file: Path = Field(LOCAL / "secrets" / "jwt-secret", description="File holding the HS256 key that signs staff tokens")
    access_code_keys_file: Path = Field(LOCAL / "secrets" / "access-code-keys", description="File of keys (`<id> <hex>` per line, the first signs) for the citizens' access-code hashes; registry and status share it")
    public_base_url: str = Field("http://127.0.0.1:8002", description="Base URL of the public status pages (printed in QR codes and emails)")
    timezone: str = Field("Europe/Sofia", description="Administration's time zone: registration dates and due dates are local dates")
    office_name: str = Field("Община Пловдив — Звено за административно обслужване", description="The office citizens deal with: printed on receipts and under letters")
    office_hours: str = Field("понеделник – петък, 8:30 – 17:15 ч.", description="The office's hours, printed on receipts (Client Charter)")
    office_phone: str = Field("032/656 701", description="The office's phone: on receipts, under letters, and on the citizens' pages when a service is down")
    office_email: str = Field("info@plovdiv.bg", description="The office's email: on receipts and under letters")
    log_level: str = Field("INFO", description="Python log level")
    dead_letters_s3_endpoint: str = Field("http://127.0.0.1:8333", description="S3 endpoint keeping the originals of dead letters too large for Kafka")
    dead_letters_s3_access_key: str = Field("delovod-local", description="S3 access key for the dead letters' bucket")
    dead_letters_s3_secret_key: str = Field("delovod-local-secret", description="S3 secret key for the dead letters' bucket")
    dead_letters_s3_bucket: str = Field("delovod-dead-letters", description="Bucket for the originals of large dead letters (created on first use; its access and retention are the dead-letter topic's)")

    @model_validator(mode="after")
    def _connections_can_work(self):
        from .secure import check_kafka_settings

        check_kafka_settings(self)
        return self

    def kafka_options(self) -> dict:
        """Keyword arguments of every Kafka client: TLS, SASL, the bootstrap bound
        (:mod:`servicekit.secure`)."""
        from .secure import kafka_client_options

        return kafka_client_options(self)

    def mongo_tls_options(self) -> dict:
        """TLS keyword arguments of every MongoDB client (:mod:`servicekit.secure`)."""
        from .secure import mongo_client_options

        return mongo_client_options(self)


class ServiceSettings(BaseSettings):
    """Base of each service's settings; subclasses set ``env_prefix`` (e.g. ``DELOVOD_REGISTRY_``)."""

    model_config = SettingsConfigDict(frozen=True)

    http_host: str = Field("127.0.0.1", description="Address the HTTP entrypoints bind to")
    http_port: int = Field(8000, description="HTTP port")
    max_workers: int = Field(20, ge=1, description="Nameko workers at once in a process (HTTP requests, events, RPC calls, timers)")
    mongo_uri: str = Field("mongodb://127.0.0.1:27017/delovod", description="MongoDB URI; each service owns its database")
    mongo_operation_timeout_ms: int = Field(10_000, ge=100, description="Bound on one MongoDB operation, server selection and a retry included (pymongo timeoutMS); then the caller answers 503 or retries later")
    mongo_connect_timeout_ms: int = Field(3_000, ge=100, description="How long opening a connection to MongoDB may take (also bounds each heartbeat)")
    mongo_server_selection_timeout_ms: int = Field(5_000, ge=100, description="How long an operation waits for a reachable MongoDB server")
    kit: KitSettings = Field(default_factory=KitSettings, exclude=True)

    def mongo_timeouts(self) -> dict:
        """Keyword arguments of :func:`servicekit.mongo.connect`."""
        return {"operation_timeout_ms": self.mongo_operation_timeout_ms,
                "connect_timeout_ms": self.mongo_connect_timeout_ms,
                "server_selection_timeout_ms": self.mongo_server_selection_timeout_ms}

    def mongo_options(self) -> dict:
        """Keyword arguments of :func:`servicekit.mongo.connect`: the timeouts and TLS."""
        return {**self.mongo_timeouts(), **self.kit.mongo_tls_options()}

    def auth_secret(self) -> bytes:
        """The token-signing key (``make up`` creates it); read once per process, so a
        rotated key takes effect on restart."""
        return _read_secret(self.kit.auth_secret_file)

    def access_code_keys(self):
        """The access-code keys (``make up`` creates them), read once per process."""
        from delovod_proto.access_code import AccessCodeKeys

        return AccessCodeKeys.parse(_read_secret(self.kit.access_code_keys_file).decode())


@lru_cache(maxsize=1)
def kit_settings() -> KitSettings:
    """The shared settings, read from the environment once per process (for code that runs
    outside a service's settings, e.g. a failure page)."""
    return KitSettings()


@lru_cache(maxsize=8)
def _read_secret(path: Path) -> bytes:
    return path.read_bytes().strip()
