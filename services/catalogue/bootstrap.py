"""The catalogue's composition root: the only place concrete adapters are chosen."""
from __future__ import annotations

from dataclasses import dataclass

from servicekit import mongo

from .service_layer.catalogue import Catalogue
from .settings import CatalogueSettings


@dataclass
class CatalogueApp:
    catalogue: Catalogue
    outbox: object
    settings: CatalogueSettings


def bootstrap(settings: CatalogueSettings, *, repo=None) -> CatalogueApp:
    if repo is None:
        from .adapters.mongo_repository import ALIAS, MongoServiceRepository, ServiceVersionDoc

        mongo.connect(ALIAS, settings.mongo_uri, **settings.mongo_timeouts())
        mongo.ensure_indexes(ServiceVersionDoc)
        repo = MongoServiceRepository()
        outbox = repo.outbox
    else:
        outbox = None
    from .adapters.tantivy_index import TantivyServiceIndex

    catalogue = Catalogue(repo, municipality=settings.municipality, index_factory=TantivyServiceIndex)
    return CatalogueApp(catalogue, outbox, settings)
