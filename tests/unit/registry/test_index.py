import datetime as dt

from registry.domain.index import DEFAULT_REGISTERS, Register
from delovod_proto.vocabulary import DocumentKind


def test_default_format_and_follow_up():
    r = DEFAULT_REGISTERS[DocumentKind.COMPLAINT]
    assert r.format(123, dt.date(2026, 3, 15)) == "ЖЛБ-123/15.03.2026"
    assert r.format(123, dt.date(2026, 3, 20), seq=1) == "ЖЛБ-123-(1)/20.03.2026"


def test_configurable_pattern_roundtrips():
    r = Register("ombudsman", "", "t", pattern="{number}/{date}", follow_up_pattern="{number}#{seq}/{date}")
    assert r.format(7, dt.date(2026, 1, 2)) == "7/02.01.2026"
    assert r.parse("7#2/05.01.2026") == (7, dt.date(2026, 1, 5), 2)
    assert r.parse("ЖЛБ-7/02.01.2026") is None
