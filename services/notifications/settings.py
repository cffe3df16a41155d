"""Notifications settings (prefix ``DELOVOD_NOTIFICATIONS_``)."""
from pathlib import Path
from typing import Literal, Optional

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """Settings of the notifications service."""

    model_config = SettingsConfigDict(env_prefix="DELOVOD_NOTIFICATIONS_", frozen=True)

    http_port: int = Field(8003, description="HTTP port of the operators' API (dead letters, replay)")
    mongo_uri: str = Field("mongodb://127.0.0.1:27017/notifications", description="MongoDB URI of the notifications service's own database")
    smtp_host: str = Field("127.0.0.1", description="SMTP relay host")
    smtp_port: int = Field(8025, description="SMTP relay port")
    smtp_starttls: Literal["required", "off"] = Field("off", description="STARTTLS to the relay: `required` (every message goes over TLS with the relay's certificate verified; a relay without STARTTLS is refused) or `off` (the local aiosmtpd)")
    smtp_ca_file: Optional[Path] = Field(None, description="PEM file of the CA that signed the relay's certificate (with STARTTLS); unset: the system's trusted CAs")
    smtp_username: str = Field("", description="SMTP AUTH username; empty: no AUTH (needs smtp_starttls=required)")
    smtp_password_file: Optional[Path] = Field(None, description="File holding the SMTP AUTH password (a mounted Secret)")
    mail_from: str = Field("Община Пловдив <noreply@plovdiv.bg>", description="From: of citizens' emails")
    bounce_local_part: str = Field("bounces", pattern=r"^[a-z0-9][a-z0-9._-]{0,20}$", description="Local part of emails' envelope sender (VERP): `<local part>+<notification id>.<tag>@<bounce domain>`; bounces come back there")
    bounce_domain: str = Field("bounces.plovdiv.bg", description="Domain of the envelope sender; its MX (or the relay) delivers bounces to the bounce receiver")
    bounce_host: str = Field("127.0.0.1", description="Address the bounce receiver (`python -m notifications.entrypoints.bounces`) listens on for SMTP")
    bounce_port: int = Field(8026, description="SMTP port of the bounce receiver")
    bounce_max_bytes: int = Field(262144, ge=16384, le=700000, description="Bytes of a bounce kept and handed on (Kafka message); a DSN's report comes before the returned original, so a longer one is cut")
    bounce_reopen_days: int = Field(5, ge=1, le=30, description="Days after an email was sent within which its hard bounce still sends the letter by the next channel; a later bounce is recorded as ignored")
    kannel_sendsms_url: str = Field("http://127.0.0.1:13013/cgi-bin/sendsms", description="Kannel smsbox's HTTP sendsms interface (SMS go out through it)")
    kannel_username: str = Field("delovod", description="Kannel sendsms-user name")
    kannel_password: SecretStr = Field(SecretStr("delovod-local-sms"), description="Kannel sendsms-user password (the local one is in deploy/local/kannel/kannel.conf)")
    kannel_smsc: Optional[str] = Field(None, description="Kannel smsc-id to route through (unset: Kannel's routing)")
    kannel_timeout_s: float = Field(10.0, gt=0, description="Bound on one sendsms call; a timeout after the request reached Kannel is not resent (its delivery report decides)")
    sms_sender: str = Field("Plovdiv", max_length=16, description="SMS sender: an alphanumeric name (11 characters at most) or a number the operator allows")
    sms_report_base_url: str = Field("http://127.0.0.1:8003", description="Where Kannel reaches this service's HTTP to deliver SMS delivery reports")
    sms_report_wait_h: float = Field(50.0, gt=0, description="Hours a handed SMS waits for its delivery report (a little longer than its validity); then the next channel the citizen allowed is tried")
    sms_validity_min: int = Field(2880, ge=1, description="Minutes the operator keeps trying to deliver an SMS (then reports it expired)")
    post_s3_endpoint: str = Field("http://127.0.0.1:8333", description="S3 endpoint of the post room's bucket (MinIO in production)")
    post_s3_access_key: str = Field("delovod-local", description="S3 access key for the post room's bucket")
    post_s3_secret_key: str = Field("delovod-local-secret", description="S3 secret key for the post room's bucket")
    post_s3_bucket: str = Field("delovod-post", description="Bucket of postal letters (one PDF each, by day) and the daily batch PDF the post room prints (created on first use)")
    unit_heads: dict[str, str] = Field(default_factory=dict, description="JSON: administrative unit (as the catalogue and the directory name it) → its head, \"Name <email>\" or \"email\"; a missed term is escalated there")
    escalation_email: Optional[str] = Field(None, description="Where missed terms of a unit not in unit_heads are escalated (default: the office's email)")
    consumer_concurrency: int = Field(48, ge=1, le=256, description="Cases whose registration or status events one process handles at once (each case's in order); the nameko workers (max_workers) must cover both consumers, the delivery reports and the timer")
    max_workers: int = Field(112, ge=1, description="Nameko workers at once in a process (HTTP requests, events, RPC calls, timers): above twice consumer_concurrency, so Kannel's delivery reports are not queued behind the events")
    max_attempts: int = Field(8, description="Delivery attempts before a notification becomes a dead letter")
    retry_base_s: float = Field(2.0, description="First retry delay; doubles each attempt (capped at 1 hour)")

    @model_validator(mode="after")
    def _auth_only_over_tls(self):
        if self.smtp_username and self.smtp_starttls != "required":
            raise ValueError("smtp_username needs smtp_starttls=required: the password must not cross the network in clear")
        if self.smtp_username and self.smtp_password_file is None:
            raise ValueError("smtp_username needs smtp_password_file")
        return self

    def smtp_security(self) -> dict:
        """Keyword arguments of ``SmtpEmailChannel``: STARTTLS, its CA, AUTH."""
        from servicekit.secure import read_secret_text

        return {"starttls": self.smtp_starttls == "required", "ca_file": self.smtp_ca_file,
                "username": self.smtp_username, "password": read_secret_text(self.smtp_password_file)}
