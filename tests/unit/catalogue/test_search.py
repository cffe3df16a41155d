"""Relevance of the catalogue search on queries citizens type, and its bad input.

Queries are real wordings of the Plovdiv seed's services as people write them: Cyrillic,
the official transliteration, informal Latin ("4" for ч, "6" for ш, "j" for ж), one letter
wrong, a word cut short.
"""
import pytest

from catalogue.adapters.memory_repository import InMemoryServiceRepository
from catalogue.domain.search import InvalidSearch, SearchQuery, transliterate
from catalogue.importer import read_rows
from catalogue.service_layer.catalogue import Catalogue
from tests.unit.catalogue.test_catalogue import DAY, SEED, row


@pytest.fixture(scope="module")
def cat():
    c = Catalogue(InMemoryServiceRepository(), today=lambda: DAY, index_ttl_s=3600)
    c.import_rows(read_rows(SEED), valid_from=DAY)
    return c


def codes(cat, q, **filters):
    return [v.code for v in cat.search(q, **filters)]


# (what the citizen typed, the service that must come first)
FIRST = [
    ("удостоверение за наследници", "2016"),
    ("наследници", "2016"),
    ("удостоверение наследник", "2016"),
    ("семейно положение", "2109"),
    ("акт за смърт", "PLV-prepis-izvlechenie-akt-smart"),
    ("препис смърт", "PLV-prepis-izvlechenie-akt-smart"),
    ("данъчна оценка", "PLV-danachna-ocenka"),
    ("разрешение за строеж", "PLV-saglasuvane-investicionni-proekti"),
    ("общинско жилище под наем", "PLV-nastanyavane-obshtinsko-zhilishte"),
    ("жилище фонд резервен", "PLV-SEV-nastanyavane-rezerven"),
    ("пререгистрация на куче", "PLV-TRA-preregistracia-kuche"),
    ("скица виза", "PLV-SEV-skica-viza"),
    ("задължения към общината", "PLV-udostoverenie-zadalzhenia"),
    ("раждане дубликат", "PLV-udostoverenie-razhdane-dublikat"),
    ("технически паспорт", "PLV-SEV-tehnicheski-pasport"),
    ("административен адрес", "PLV-SEV-administrativen-adres"),
    ("кастрене строителство", "PLV-rastitelnost-stroitelstvo"),
    ("кастрене в частен имот", "PLV-ZAP-rastitelnost-chastni-tereni"),
    ("категоризиране на заведения", "PLV-kategorizirane-zavedenia"),
]

# Each group: one need, written the ways people write it; all must rank alike.
SPELLINGS = [
    ("удостоверение за наследници", "udostoverenie za naslednitsi", "udostoverenie za naslednici",
     "UDOSTOVERENIE ZA NASLEDNICI", "udostoverenie za nasledni4i"),
    ("данъчна оценка", "danachna otsenka", "danuchna ocenka", "dan4na ocenka"),
    ("семейно положение", "semeyno polozhenie", "semejno polojenie", "semeino polozenie"),
    ("общинско жилище", "obshtinsko zhilishte", "ob6tinsko jili6te", "obstinsko jiliste"),
    ("раждане дубликат", "razhdane dublikat", "raždane dublikat", "rajdane dublikat"),
    ("акт за смърт", "akt za smart", "akt za smurt", "akt za sm`rt"),
    ("регистрация на куче", "registratsia na kuche", "registracia na ku4e", "registraciya kuche"),
    ("скица виза", "skitsa viza", "skica viza", "SKICA - VIZA"),
    ("жилище резервен", "zhilishte rezerven", "jili6te rezerven", "zhilishte rezerwen"),
]

# One letter wrong, missing, extra or two letters swapped: the service is still found first.
MISSPELT = [
    ("наследнеци", "2016"),
    ("наследнци", "2016"),
    ("наслендици", "2016"),
    ("данъчна оцека", "PLV-danachna-ocenka"),
    ("семейно полужение", "2109"),
    ("obshtinsko jilishte pod naem", "PLV-nastanyavane-obshtinsko-zhilishte"),
    ("кастренне строителство", "PLV-rastitelnost-stroitelstvo"),
    ("тахнически паспорт", "PLV-SEV-tehnicheski-pasport"),
    ("пререгистрацця на куче", "PLV-TRA-preregistracia-kuche"),
    ("kopie ot arhif", "PLV-SEV-kopie-ot-arhiv"),
    ("razkopavne", "PLV-SEV-razkopavane"),
]


@pytest.mark.parametrize("q,first", FIRST)
def test_the_service_a_citizen_means_comes_first(cat, q, first):
    assert codes(cat, q)[:1] == [first]


def test_a_name_match_ranks_above_a_mention_in_the_documents_list(cat):
    found = cat.search("удостоверение за наследници")
    in_documents = [v for v in found[1:] if "наследници" in " ".join(d.name for d in v.content.required_documents)]
    assert found[0].code == "2016" and in_documents  # the visa asks for the heirs' certificate
    assert all("наследници" not in v.content.name for v in found[1:])


def test_a_name_match_ranks_above_a_documents_match_whatever_the_order_added():
    c = Catalogue(InMemoryServiceRepository(), today=lambda: DAY, index_ttl_s=0)
    c.import_rows([row("A", name="Виза за проектиране", required_documents=[{"name": "Скица на имота"}]),
                   row("B", name="Скица на поземлен имот")], valid_from=DAY)
    assert [v.code for v in c.search("скица")] == ["B", "A"]


@pytest.mark.parametrize("group", SPELLINGS, ids=lambda g: g[0])
def test_cyrillic_official_and_informal_latin_rank_alike(cat, group):
    rankings = {q: codes(cat, q) for q in group}
    assert rankings[group[0]], group[0]
    assert all(r == rankings[group[0]] for r in rankings.values()), rankings


@pytest.mark.parametrize("q,first", MISSPELT)
def test_a_misspelling_within_one_letter_still_finds_the_service(cat, q, first):
    assert codes(cat, q)[:1] == [first]


def test_a_word_cut_short_finds_the_service(cat):
    assert codes(cat, "наследн")[:1] == ["2016"]
    assert codes(cat, "udostov nasl")[:1] == ["2016"]


def test_unrelated_words_find_nothing(cat):
    assert codes(cat, "шофьорска книжка") == []


def test_an_empty_query_lists_by_name_and_filters_apply(cat):
    names = [v.content.name for v in cat.search("", limit=500)]
    assert names == sorted(names) and len(names) == len(read_rows(SEED))
    unit = next(v.content.unit.name for v in cat.search("наследници"))
    assert all(v.content.unit.name == unit for v in cat.search("", unit=unit))
    assert codes(cat, "наследници", eservice=True) == []
    assert len(cat.search("", limit=3)) == 3


@pytest.mark.parametrize("cyrillic,official", [
    ("Жеравна", "zheravna"), ("Искър", "iskar"), ("Йовков", "yovkov"), ("Мизия", "mizia"),
    ("Несебър", "nesebar"), ("Цанко", "tsanko"), ("Чипровци", "chiprovtsi"), ("Шумен", "shumen"),
    ("Щит", "shtit"), ("Ямбол", "yambol"), ("Ючбунар", "yuchbunar"), ("Кьолмен", "kyolmen"),
    ("София", "sofia"), ("Хасково", "haskovo"), ("Мария", "maria"), ("Киприянова", "kipriyanova")])
def test_transliteration_is_the_acts_streamlined_system(cyrillic, official):
    """Examples of the Transliteration Act, чл. 3 (ал. 2: "ия" ending a word is "ia")."""
    assert transliterate(cyrillic) == official


@pytest.mark.parametrize("q", ["а" * 10_000, "наследници" + "x" * 200, "наслед\x00ници", "наследници\n",
                               "нас\u202eледници", "\x1b[31m"])
def test_a_query_too_long_or_with_control_characters_is_refused_in_bulgarian(cat, q):
    with pytest.raises(InvalidSearch) as err:
        cat.search(q)
    assert err.value.errors[0]["field"] == "q"
    assert err.value.detail.startswith("Търсенето не може да бъде изпълнено")
    assert any(w in err.value.detail for w in ("знака", "знаци"))


def test_bad_filters_and_limits_are_refused():
    with pytest.raises(InvalidSearch):
        SearchQuery.of(q="скица", limit=0)
    with pytest.raises(InvalidSearch):
        SearchQuery.of(q="скица", unit="Звено\t1")
    assert SearchQuery.of(q="скица с дълго име " * 10).q


def test_the_index_is_built_once_and_rebuilt_only_when_the_catalogue_changed():
    from catalogue.adapters.tantivy_index import TantivyServiceIndex

    built = []

    def factory(versions):
        built.append(len(versions))
        return TantivyServiceIndex(versions)

    c = Catalogue(InMemoryServiceRepository(), index_factory=factory, today=lambda: DAY, index_ttl_s=0)
    c.import_rows([row("A")], valid_from=DAY)
    for _ in range(3):
        assert codes(c, "наследници") == ["A"]
    assert built == [1]
    c.import_rows([row("A")], valid_from=DAY)  # unchanged: no new version, no rebuild
    c.search("наследници")
    assert built == [1]
    c.import_rows([row("B", name="Скица на поземлен имот")], valid_from=DAY)
    assert codes(c, "скица") == ["B"] and built == [1, 2]


def test_a_query_several_services_answer_alike_lists_them_all_before_any_other(cat):
    """"общинско жилище": the three housing funds match in the name alike; none is dropped
    below a service that only mentions a dwelling elsewhere."""
    found = codes(cat, "общинско жилище")
    housing = {"PLV-nastanyavane-obshtinsko-zhilishte", "PLV-SEV-nastanyavane-rezerven", "PLV-SEV-nastanyavane-vedomstven"}
    assert set(found[:3]) == housing


def test_an_answer_is_kept_per_index_for_every_spelling_of_the_same_words():
    from catalogue.adapters.tantivy_index import TantivyServiceIndex

    c = Catalogue(InMemoryServiceRepository(), index_factory=TantivyServiceIndex, today=lambda: DAY, index_ttl_s=3600)
    c.import_rows(read_rows(SEED), valid_from=DAY)
    first = codes(c, "удостоверение за наследници")
    index = c._snapshot().index
    assert codes(c, "UDOSTOVERENIE ZA NASLEDNITSI") == codes(c, "udostoverenie naslednici") == first
    assert index._ranked.cache_info().hits == 2 and index._ranked.cache_info().misses == 1
