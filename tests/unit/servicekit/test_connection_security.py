"""The security settings become the clients' keyword arguments, and combinations that cannot
work (or would send a password in clear) are refused when the settings are read."""
import pytest
from pydantic import ValidationError

from servicekit.secure import refusal
from servicekit.settings import KitSettings


def test_plaintext_is_the_default_and_adds_nothing_secret():
    options = KitSettings().kafka_options()
    assert options["security_protocol"] == "PLAINTEXT" and "sasl_plain_password" not in options
    assert KitSettings().mongo_tls_options() == {}


def test_sasl_ssl_reads_the_password_from_its_file(tmp_path):
    (tmp_path / "password").write_text("s3cret\n")
    options = KitSettings(kafka_security_protocol="SASL_SSL", kafka_sasl_username="delovod",
                          kafka_sasl_password_file=tmp_path / "password", kafka_ssl_ca_file=tmp_path / "ca.crt").kafka_options()
    assert options["sasl_mechanism"] == "SCRAM-SHA-512" and options["sasl_plain_password"] == "s3cret"
    assert options["ssl_cafile"] == str(tmp_path / "ca.crt") and options["ssl_check_hostname"] is True


@pytest.mark.parametrize("settings, says", [
    ({"kafka_security_protocol": "SASL_SSL"}, "needs kafka_sasl_username"),
    ({"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_mechanism": "PLAIN", "kafka_sasl_username": "u",
      "kafka_sasl_password_file": "/dev/null"}, "in clear"),
    ({"kafka_ssl_cert_file": "/x.crt"}, "go together"),
])
def test_settings_that_cannot_work_are_refused(settings, says):
    with pytest.raises(ValidationError, match=says):
        KitSettings(**settings)


def test_mongo_tls_options(tmp_path):
    assert KitSettings(mongo_tls=True, mongo_tls_ca_file=tmp_path / "ca.crt").mongo_tls_options() == \
        {"tls": True, "tlsCAFile": str(tmp_path / "ca.crt")}


def test_a_refusal_names_the_setting_to_look_at():
    said = refusal("k:9093", ["Bootstrap connection to bootstrap-0 failed: SaslAuthenticationFailedError: "
                              "Authentication failed (backoff 0.1 secs)"], TimeoutError("Unable to bootstrap"))
    assert "wrong SASL username or password" in said and said.endswith("Authentication failed")
    assert "down or unreachable" in refusal("k:9093", [], TimeoutError("Unable to bootstrap"))


def test_a_connection_closed_during_the_handshake_points_at_the_credentials_and_tls():
    """What the client sees of a SASL refusal under eventlet's green TLS: the socket closing."""
    from servicekit.secure import refusal

    said = refusal("127.0.0.1:9093", ["Bootstrap connection to bootstrap-0 failed: KafkaConnectionError: "
                                      "socket disconnected (backoff 0.04 secs)"], TimeoutError("Unable to bootstrap"))
    assert "wrong SASL username or password (kafka_sasl_username, kafka_sasl_password_file)" in said
    assert said.endswith("The client saw: Bootstrap connection to bootstrap-0 failed: KafkaConnectionError: "
                         "socket disconnected")
    down = refusal("127.0.0.1:9093", ["Bootstrap connection to bootstrap-0 failed: ConnectionRefusedError"],
                   TimeoutError("Unable to bootstrap"))
    assert "the brokers are down or unreachable" in down
