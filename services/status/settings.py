"""Status settings (prefix ``DELOVOD_STATUS_``)."""
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class StatusSettings(ServiceSettings):
    """Settings of the status service."""

    model_config = SettingsConfigDict(env_prefix="DELOVOD_STATUS_", frozen=True)

    http_port: int = Field(8002, description="HTTP port of the citizens' lookup and officials' API")
    mongo_uri: str = Field("mongodb://127.0.0.1:27017/status", description="MongoDB URI of the status service's own database")
    lookup_failures_per_index: int = Field(10, ge=1, description="Failed citizen lookups allowed per case index in the window, across all replicas")
    lookup_failures_per_client: int = Field(30, ge=1, description="Failed citizen lookups allowed per client address in the window, across all replicas")
    lookup_window_minutes: int = Field(15, ge=1, description="The window of those limits, in minutes")
