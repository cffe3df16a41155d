"""Catalogue settings (prefix ``DELOVOD_CATALOGUE_``)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Optional

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ROOT, ServiceSettings

SEED_DIR = ROOT / "services" / "catalogue" / "seed"


@lru_cache(maxsize=4)
def seed_files(folder: Path = SEED_DIR) -> dict[str, Path]:
    """Municipality (as its seed spells it) -> its seed file; one file per municipality."""
    found: dict[str, Path] = {}
    for path in sorted(folder.glob("*.json")):
        municipality = json.loads(path.read_text(encoding="utf-8"))["meta"]["municipality"]
        if municipality in found:
            raise ValueError(f"Община {municipality} има два файла с каталог: {found[municipality].name} и "
                             f"{path.name}; оставете един.")
        found[municipality] = path
    return found


class CatalogueSettings(ServiceSettings):
    """Settings of the catalogue service."""

    model_config = SettingsConfigDict(env_prefix="DELOVOD_CATALOGUE_", frozen=True)

    http_port: int = Field(8004, description="HTTP port of the public catalogue API and page")
    mongo_uri: str = Field("mongodb://127.0.0.1:27017/catalogue", description="MongoDB URI of the catalogue's own database")
    municipality: str = Field("Пловдив", description="The one municipality this deployment serves, as its seed file "
                                                     "spells it; the page, the API and the term lookup show only its "
                                                     "services, and the importer refuses any other's")
    seed_file: Optional[Path] = Field(None, description="Seed catalogue loaded by `make up` (real services, sources "
                                                        "inside); empty: the municipality's file in "
                                                        "services/catalogue/seed/")

    @field_validator("municipality")
    @classmethod
    def known_municipality(cls, value: str) -> str:
        known = seed_files()
        if value not in known:
            raise ValueError(f"Непозната община „{value}“ в DELOVOD_CATALOGUE_MUNICIPALITY. Каталогът има данни "
                             f"за: {', '.join(sorted(known))}.")
        return value

    def seed_path(self) -> Path:
        return self.seed_file or seed_files()[self.municipality]


def load_settings(program: str) -> CatalogueSettings:
    """The settings, or exit 2 with each problem on one line (no traceback): a deployment
    with an unknown municipality must not start."""
    import sys

    from pydantic import ValidationError

    try:
        return CatalogueSettings()
    except ValidationError as exc:
        for err in exc.errors():
            message = err["ctx"]["error"] if err["type"] == "value_error" else err["msg"]
            field = ".".join(str(p) for p in err["loc"])
            print(f"{program}: DELOVOD_CATALOGUE_{field.upper()}: {message}", file=sys.stderr)
        sys.exit(2)
