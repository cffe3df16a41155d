"""Notifications settings (prefix ``DELOVOD_NOTIFICATIONS_``)."""
from pathlib import Path
from typing import Optional

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import LOCAL, ServiceSettings


class NotificationsSettings(ServiceSettings):
    """Settings of the notifications service."""

    model_config = SettingsConfigDict(env_prefix="DELOVOD_NOTIFICATIONS_", frozen=True)

    http_port: int = Field(8003, description="HTTP port of the operators' API (dead letters, replay)")
    mongo_uri: str = Field("mongodb://127.0.0.1:27017/notifications", description="MongoDB URI of the notifications service's own database")
    smtp_host: str = Field("127.0.0.1", description="SMTP relay host")
    smtp_port: int = Field(8025, description="SMTP relay port")
    mail_from: str = Field("Община Пловдив <noreply@plovdiv.bg>", description="From: of citizens' emails")
    sms_spool_dir: Path = Field(LOCAL / "outgoing" / "sms", description="Where SMS are handed to the gateway (a spool folder locally)")
    post_s3_endpoint: str = Field("http://127.0.0.1:8333", description="S3 endpoint of the post room's bucket (MinIO in production)")
    post_s3_access_key: str = Field("delovod-local", description="S3 access key for the post room's bucket")
    post_s3_secret_key: str = Field("delovod-local-secret", description="S3 secret key for the post room's bucket")
    post_s3_bucket: str = Field("delovod-post", description="Bucket of postal letters (one PDF each, by day) and the daily batch PDF the post room prints (created on first use)")
    unit_heads: dict[str, str] = Field(default_factory=dict, description="JSON: administrative unit (as the catalogue and the directory name it) → its head, \"Name <email>\" or \"email\"; a missed term is escalated there")
    escalation_email: Optional[str] = Field(None, description="Where missed terms of a unit not in unit_heads are escalated (default: the office's email)")
    max_attempts: int = Field(8, description="Delivery attempts before a notification becomes a dead letter")
    retry_base_s: float = Field(2.0, description="First retry delay; doubles each attempt (capped at 1 hour)")
