"""Registry settings (prefix ``DELOVOD_REGISTRY_``)."""
from pathlib import Path
from typing import Optional

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    """Settings of the registry service."""

    model_config = SettingsConfigDict(env_prefix="DELOVOD_REGISTRY_", frozen=True)

    http_port: int = Field(8001, description="HTTP port of the clerks' API")
    mongo_uri: str = Field("mongodb://127.0.0.1:27017/registry", description="MongoDB URI of the registry's own database")
    s3_endpoint: str = Field("http://127.0.0.1:8333", description="S3 endpoint for scans (MinIO in production)")
    s3_access_key: str = Field("delovod-local", description="S3 access key")
    s3_secret_key: str = Field("delovod-local-secret", description="S3 secret key")
    s3_bucket: str = Field("delovod-scans", description="Bucket for scans")
    s3_public_endpoint: str = Field("", description="The S3 endpoint as clerks' browsers reach it (the upload URLs are signed for its host); empty: s3_endpoint. Its CORS must allow the desk's origin, the methods GET, PUT, POST, DELETE and expose ETag")
    s3_connect_timeout_s: float = Field(3.0, gt=0, description="How long connecting to S3 may take")
    s3_read_timeout_s: float = Field(10.0, gt=0, description="How long an S3 call waits for the answer once its request is sent (such a call is not repeated); then the clerk gets 503")
    s3_retries: int = Field(2, ge=0, description="How often an S3 call that was refused or answered 5xx is repeated (after 0.2 s, then 0.4 s)")
    s3_connection_wait_s: float = Field(5.0, gt=0, description="How long an S3 call waits for a free connection when all are in use (the pool holds one per nameko worker, plus one for the completion thread)")
    max_scan_mb: int = Field(50, description="Largest accepted scan file, in MB")
    completion_linger_ms: int = Field(50, ge=0, description="How long the work after each answer (hint, audit entry, events) waits to gather a batch; events go out this much later")
    max_request_mb: int = Field(120, ge=1, description="Largest registration request (all its scans together), in MB; larger ones get 413 before they are read")
    upload_budget_mb: int = Field(400, ge=1, description="Upload bytes this process holds in memory at once; further registrations wait (keep it well below the pod's memory limit)")
    upload_ttl_s: int = Field(3600, ge=60, description="How long an upload URL (POST /api/v1/uploads) is valid and its upload may be registered; the sweeper deletes an unregistered upload's bytes 10 minutes after that")
    upload_sweep_interval_s: float = Field(60.0, gt=0, description="How often the upload sweeper looks for uploads past their time")
    journal_cache_s: float = Field(60.0, ge=0, description="How long the journal's days and word digests that ended more than 10 minutes ago are kept in this process (0: never); another replica's late write shows within this time, this process's own at once")
    registers_file: Optional[Path] = Field(None, description="JSON overriding registers: {kind: {code, prefix, title, pattern, follow_up_pattern}}")
    calendar_file: Optional[Path] = Field(None, description="JSON table of extra days off and working Saturdays, [{date, kind, reason}], loaded into the database once, when it holds no table yet; afterwards edit it through /api/v1/calendar/exceptions")
