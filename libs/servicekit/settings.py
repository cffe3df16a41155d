"""Typed settings read from the environment once; every field documents itself.

The README's table of variables is generated from these classes (``make docs``).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / ".local"


class KitSettings(BaseSettings):
    """Settings every service shares (prefix ``DELOVOD_``)."""

    model_config = SettingsConfigDict(env_prefix="DELOVOD_", frozen=True)

    amqp_uri: str = Field("amqp://guest:guest@127.0.0.1:5672/", description="RabbitMQ URI for nameko RPC")
    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers, comma-separated")
    auth_secret_file: Path = Field(LOCAL / "secrets" / "jwt-secret", description="File holding the HS256 key that signs staff tokens")
    access_code_keys_file: Path = Field(LOCAL / "secrets" / "access-code-keys", description="File of keys (`<id> <hex>` per line, the first signs) for the citizens' access-code hashes; registry and status share it")
    public_base_url: str = Field("http://127.0.0.1:8002", description="Base URL of the public status pages (printed in QR codes and emails)")
    timezone: str = Field("Europe/Sofia", description="Administration's time zone: registration dates and due dates are local dates")
    log_level: str = Field("INFO", description="Python log level")
    dead_letters_s3_endpoint: str = Field("http://127.0.0.1:8333", description="S3 endpoint keeping the originals of dead letters too large for Kafka")
    dead_letters_s3_access_key: str = Field("delovod-local", description="S3 access key for the dead letters' bucket")
    dead_letters_s3_secret_key: str = Field("delovod-local-secret", description="S3 secret key for the dead letters' bucket")
    dead_letters_s3_bucket: str = Field("delovod-dead-letters", description="Bucket for the originals of large dead letters (created on first use; its access and retention are the dead-letter topic's)")


class ServiceSettings(BaseSettings):
    """Base of each service's settings; subclasses set ``env_prefix`` (e.g. ``DELOVOD_REGISTRY_``)."""

    model_config = SettingsConfigDict(frozen=True)

    http_host: str = Field("127.0.0.1", description="Address the HTTP entrypoints bind to")
    http_port: int = Field(8000, description="HTTP port")
    max_workers: int = Field(20, ge=1, description="Nameko workers at once in a process (HTTP requests, events, RPC calls, timers)")
    mongo_uri: str = Field("mongodb://127.0.0.1:27017/delovod", description="MongoDB URI; each service owns its database")
    kit: KitSettings = Field(default_factory=KitSettings, exclude=True)

    def auth_secret(self) -> bytes:
        """The token-signing key (``make up`` creates it); read once per process, so a
        rotated key takes effect on restart."""
        return _read_secret(self.kit.auth_secret_file)

    def access_code_keys(self):
        """The access-code keys (``make up`` creates them), read once per process."""
        from delovod_proto.access_code import AccessCodeKeys

        return AccessCodeKeys.parse(_read_secret(self.kit.access_code_keys_file).decode())


@lru_cache(maxsize=8)
def _read_secret(path: Path) -> bytes:
    return path.read_bytes().strip()
