"""The catalogue's composition root: the only place concrete adapters are chosen."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional
from zoneinfo import ZoneInfo

from servicekit import mongo
from servicekit.providers import ServiceApp

from .service_layer.catalogue import Catalogue
from .settings import CatalogueSettings


@dataclass
class CatalogueApp(ServiceApp):
    catalogue: Catalogue
    outbox: object
    settings: CatalogueSettings
    mongo_alias: Optional[str] = None


def bootstrap(settings: CatalogueSettings, *, repo=None) -> CatalogueApp:
    alias = None
    if repo is None:
        from .adapters.mongo_repository import ALIAS, MongoServiceRepository, ServiceVersionDoc

        mongo.connect(ALIAS, settings.mongo_uri, **settings.mongo_options())
        mongo.ensure_indexes(ServiceVersionDoc)
        repo = MongoServiceRepository()
        alias = ALIAS
    from .adapters.tantivy_index import TantivyServiceIndex

    zone = ZoneInfo(settings.kit.timezone)  # "today" is the administration's date, not the host's
    catalogue = Catalogue(repo, municipality=settings.municipality, index_factory=TantivyServiceIndex,
                          today=lambda: dt.datetime.now(zone).date())
    return CatalogueApp(catalogue, repo.outbox, settings, alias)
