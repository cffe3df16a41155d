"""Catalogue settings (prefix ``DELOVOD_CATALOGUE_``)."""
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ROOT, ServiceSettings


class CatalogueSettings(ServiceSettings):
    """Settings of the catalogue service."""

    model_config = SettingsConfigDict(env_prefix="DELOVOD_CATALOGUE_", frozen=True)

    http_port: int = Field(8004, description="HTTP port of the public catalogue API and page")
    mongo_uri: str = Field("mongodb://127.0.0.1:27017/catalogue", description="MongoDB URI of the catalogue's own database")
    seed_file: Path = Field(ROOT / "services" / "catalogue" / "seed" / "services.json",
                            description="Seed catalogue loaded by `make up` (real services, sources inside)")
