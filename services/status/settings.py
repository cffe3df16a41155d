"""Status settings (prefix ``DELOVOD_STATUS_``)."""
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class StatusSettings(ServiceSettings):
    """Settings of the status service."""

    model_config = SettingsConfigDict(env_prefix="DELOVOD_STATUS_", frozen=True)

    http_port: int = Field(8002, description="HTTP port of the citizens' lookup and officials' API")
    mongo_uri: str = Field("mongodb://127.0.0.1:27017/status", description="MongoDB URI of the status service's own database")
    lookup_failures_per_index: int = Field(100, ge=1, description="Failed citizen lookups allowed per case index in the window, from all clients and replicas together (against guessing from many addresses)")
    lookup_failures_per_index_and_client: int = Field(10, ge=1, description="Failed citizen lookups allowed per case index from one client address in the window")
    trusted_proxies: int = Field(0, ge=0, le=5, description="Proxies in front of the service that append to X-Forwarded-For (1 behind the Kubernetes ingress); the client is the address the outermost trusted one saw")
    trusted_proxy_networks: str = Field("", description="Comma-separated networks (CIDR) the trusted proxy connects from (the ingress controller's pods or nodes); X-Forwarded-For from any other peer is ignored")
    lookup_failures_per_client: int = Field(30, ge=1, description="Failed citizen lookups allowed per client address in the window, across all replicas")
    lookup_window_minutes: int = Field(15, ge=1, description="The window of those limits, in minutes")
