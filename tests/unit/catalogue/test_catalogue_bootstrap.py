"""The catalogue's "today" (the version a query without a date gets) is the
administration's date in DELOVOD_TIMEZONE, never the host's."""
import datetime as dt
from zoneinfo import ZoneInfo

from catalogue.adapters.memory_repository import InMemoryServiceRepository
from catalogue.bootstrap import bootstrap
from catalogue.settings import CatalogueSettings
from servicekit.settings import KitSettings


def today_in(zone: str) -> dt.date:
    app = bootstrap(CatalogueSettings(kit=KitSettings(timezone=zone)), repo=InMemoryServiceRepository())
    return app.catalogue.today()


def test_today_is_the_configured_zones_date():
    # 26 hours apart: at every moment these two zones have different dates, so one host date cannot match both
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12"):
        assert today_in(zone) == dt.datetime.now(ZoneInfo(zone)).date()
