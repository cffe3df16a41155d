"""Status settings (prefix ``DELOVOD_STATUS_``)."""
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class StatusSettings(ServiceSettings):
    """Settings of the status service."""

    model_config = SettingsConfigDict(env_prefix="DELOVOD_STATUS_", frozen=True)

    http_port: int = Field(8002, description="HTTP port of the citizens' lookup and officials' API")
    mongo_uri: str = Field("mongodb://127.0.0.1:27017/status", description="MongoDB URI of the status service's own database")
