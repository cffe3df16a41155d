"""Issue 14 item 4: the answer letter's appeal route comes from the catalogue over RPC
(get_service_term), in the version bound to the case; nothing when the card says nothing."""
import datetime as dt

from catalogue.adapters.memory_repository import InMemoryServiceRepository
from catalogue.service_layer.catalogue import Catalogue
from delovod_proto.rpc import GetServiceTermRequest
from notifications.adapters.catalogue_client import RpcCatalogue
from notifications.domain.letters import Appeal
from tests.unit.catalogue.test_catalogue import row

DAY = dt.date(2026, 11, 25)


class Proxy:
    """The catalogue's RPC method as nameko calls it: a dict in, a dict out."""

    def __init__(self, cat):
        self.cat = cat

    def get_service_term(self, request):
        return self.cat.service_term(GetServiceTermRequest.model_validate(request)).model_dump(mode="json")


def catalogue():
    cat = Catalogue(InMemoryServiceRepository(), today=lambda: DAY, index_ttl_s=0)
    cat.import_rows([row("T-1", appeal={"authority": "Административен съд – Пловдив", "term": "14 дни от съобщаването"}),
                     row("T-2", name="Издаване на удостоверение за семейно положение")], valid_from=dt.date(2026, 1, 1))
    cat.import_rows([row("T-1", appeal={"authority": "Кмета на общината", "term": "7 дни"})], valid_from=dt.date(2026, 12, 1))
    return cat


def test_the_appeal_route_of_the_version_valid_on_the_registration_day():
    client = RpcCatalogue(Proxy(catalogue()))
    assert client.appeal("T-1", DAY) == Appeal("Административен съд – Пловдив", "14 дни от съобщаването")
    assert client.appeal("T-1", dt.date(2026, 12, 2)) == Appeal("Кмета на общината", "7 дни")


def test_no_appeal_in_the_card_or_no_such_service_is_none():
    client = RpcCatalogue(Proxy(catalogue()))
    assert client.appeal("T-2", DAY) is None and client.appeal("nope", DAY) is None
