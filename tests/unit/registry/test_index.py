import datetime as dt

import pytest

from delovod_proto.vocabulary import DocumentKind
from registry.domain.index import DEFAULT_REGISTERS, InvalidPattern, ParsedIndex, Register


def test_default_format_and_follow_up_names_the_case_year():
    r = DEFAULT_REGISTERS[DocumentKind.COMPLAINT]
    assert r.format(123, dt.date(2026, 3, 15)) == "ЖЛБ-123/15.03.2026"
    assert r.format(123, dt.date(2026, 3, 20), seq=1, case_day=dt.date(2026, 3, 15)) == "ЖЛБ-123/2026-(1)/20.03.2026"


def test_follow_ups_to_cases_of_different_years_filed_on_one_day_differ():
    """ЖЛБ-1/10.12.2025 and ЖЛБ-1/06.01.2026 each get a follow-up on 06.01.2026."""
    r = DEFAULT_REGISTERS[DocumentKind.COMPLAINT]
    day = dt.date(2026, 1, 6)
    old_case = r.format(1, day, seq=1, case_day=dt.date(2025, 12, 10))
    new_case = r.format(1, day, seq=1, case_day=dt.date(2026, 1, 6))
    assert (old_case, new_case) == ("ЖЛБ-1/2025-(1)/06.01.2026", "ЖЛБ-1/2026-(1)/06.01.2026")
    assert r.parse(old_case) == ParsedIndex(1, day, 1, 2025)
    assert r.parse(new_case) == ParsedIndex(1, day, 1, 2026)
    assert r.parse("ЖЛБ-1/06.01.2026") == ParsedIndex(1, day, 0, None)


def test_a_follow_up_cannot_be_formatted_without_its_case():
    with pytest.raises(ValueError):
        DEFAULT_REGISTERS[DocumentKind.COMPLAINT].format(1, dt.date(2026, 1, 6), seq=1)


def test_configurable_pattern_roundtrips():
    r = Register("ombudsman", "", "t", pattern="{number}/{date}", follow_up_pattern="{number}#{seq}/{case_date}/{date}")
    assert r.format(7, dt.date(2026, 1, 2)) == "7/02.01.2026"
    assert r.format(7, dt.date(2026, 1, 5), 2, dt.date(2025, 12, 30)) == "7#2/30.12.2025/05.01.2026"
    assert r.parse("7#2/30.12.2025/05.01.2026") == (7, dt.date(2026, 1, 5), 2, 2025)
    assert r.parse("ЖЛБ-7/02.01.2026") is None and r.parse("7/31.02.2026") is None


@pytest.mark.parametrize("follow_up,words", [
    ("{prefix}-{number}-({seq})/{date}", "case's year"),  # the old default: collides across years
    ("{number}#{seq}/{date}", "case's year"),
    ("{prefix}-{number}/{case_year}/{date}", "seq"),
    ("{prefix}-{number}/{case_year}-({seq})/{day}", "unknown"),
    ("{prefix}-{number}/{case_year}-({seq})-{seq}/{date}", "twice"),
])
def test_a_follow_up_pattern_that_cannot_identify_the_case_is_refused(follow_up, words):
    with pytest.raises(InvalidPattern) as err:
        Register("complaints", "ЖЛБ", "Жалби", follow_up_pattern=follow_up)
    assert words in str(err.value) and "complaints" in str(err.value)


def test_a_case_pattern_without_number_or_date_is_refused():
    with pytest.raises(InvalidPattern, match="lacks"):
        Register("x", "Х", "t", pattern="{prefix}-{number}")


def test_a_registers_file_with_the_old_follow_up_pattern_is_refused_at_start(tmp_path, monkeypatch):
    import json

    from registry.bootstrap import load_registers
    from registry.settings import RegistrySettings

    path = tmp_path / "registers.json"
    path.write_text(json.dumps({"complaint": {"code": "complaints", "prefix": "94-00", "title": "Жалби",
                                              "follow_up_pattern": "{prefix}-{number}-({seq})/{date}"}}))
    monkeypatch.setenv("DELOVOD_REGISTRY_REGISTERS_FILE", str(path))
    with pytest.raises(InvalidPattern, match=r"register 'complaints': follow_up_pattern .* does not name the case's year"):
        load_registers(RegistrySettings())
    path.write_text(json.dumps({"complaint": {"code": "complaints", "prefix": "94-00", "title": "Жалби"}}))
    assert load_registers(RegistrySettings())[DocumentKind.COMPLAINT].format(
        7, dt.date(2026, 1, 6), 1, dt.date(2025, 12, 10)) == "94-00-7/2025-(1)/06.01.2026"
