"""MongoDB over TLS from the settings (``mongo_tls``, its CA, a client certificate): the
stack's FerretDB started here with only a TLS listener on 127.0.0.1 and throwaway
certificates. A service's connection (servicekit.mongo.connect, as every bootstrap makes it)
works; a server certificate from an untrusted CA, a client without TLS, or one without the
client certificate the server requires is refused, and the error says why."""
import mongoengine
import pytest
from pymongo.errors import ServerSelectionTimeoutError

from catalogue.settings import CatalogueSettings
from servicekit import mongo
from servicekit.settings import KitSettings
from tests.integration.secured_servers import make_certs, start_ferretdb, stop

pytestmark = pytest.mark.integration
ALIAS = "secured-test"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certs(tmp_path_factory.mktemp("mongo-tls") / "certs")


@pytest.fixture(scope="module")
def server(tmp_path_factory, certs):
    process, port = start_ferretdb(tmp_path_factory.mktemp("ferretdb-tls"), certs)
    yield port
    stop(process)


@pytest.fixture(scope="module")
def mutual_server(tmp_path_factory, certs):
    process, port = start_ferretdb(tmp_path_factory.mktemp("ferretdb-mtls"), certs, client_ca=True)
    yield port
    stop(process)


def connect(port: int, **kit) -> None:
    settings = CatalogueSettings(mongo_uri=f"mongodb://127.0.0.1:{port}/secured", mongo_server_selection_timeout_ms=1500,
                                 mongo_operation_timeout_ms=3000, kit=KitSettings(**kit))
    mongo.connect(ALIAS, settings.mongo_uri, **settings.mongo_options())


def round_trip(uid: str) -> dict:
    rows = mongoengine.get_db(ALIAS).rows
    rows.insert_one({"_id": uid, "вид": "заявление"})
    return rows.find_one({"_id": uid})


@pytest.fixture(autouse=True)
def disconnect():
    yield
    mongo.disconnect(ALIAS)


def test_tls_with_the_ca_works(server, certs, uid):
    connect(server, mongo_tls=True, mongo_tls_ca_file=certs.ca)
    assert round_trip(uid)["вид"] == "заявление"


def test_a_server_certificate_from_an_untrusted_ca_is_refused(server, certs, uid):
    connect(server, mongo_tls=True, mongo_tls_ca_file=certs.other_ca)
    with pytest.raises(ServerSelectionTimeoutError, match="certificate verify failed"):
        round_trip(uid)


def test_a_client_without_tls_gets_nothing(server, uid):
    connect(server)
    with pytest.raises(ServerSelectionTimeoutError):
        round_trip(uid)


def test_a_required_client_certificate_is_sent_from_the_settings(mutual_server, certs, uid):
    connect(mutual_server, mongo_tls=True, mongo_tls_ca_file=certs.ca)
    with pytest.raises(ServerSelectionTimeoutError):  # the server wants a client certificate
        round_trip(uid)
    mongo.disconnect(ALIAS)
    connect(mutual_server, mongo_tls=True, mongo_tls_ca_file=certs.ca, mongo_tls_certificate_key_file=certs.client_pem)
    assert round_trip(uid)["_id"] == uid
