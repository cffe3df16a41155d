"""SMS parts (what the operator bills) and quiet hours, with exact boundaries."""
import datetime as dt

import pytest

from notifications.domain.sms import quiet_until, sms_parts

SOFIA = "Europe/Sofia"


@pytest.mark.parametrize("length, parts", [(70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)])
def test_cyrillic_is_ucs2_70_in_one_part_then_67_per_part(length, parts):
    counted = sms_parts(("Преписка " * 40)[:length])
    assert (counted.count, counted.unicode) == (parts, True)


@pytest.mark.parametrize("length, parts", [(160, 1), (161, 2), (306, 2), (307, 3)])
def test_latin_is_gsm7_160_in_one_part_then_153_per_part(length, parts):
    counted = sms_parts(("Case 12 " * 50)[:length])
    assert (counted.count, counted.unicode) == (parts, False)


def test_gsm_extension_characters_take_two_septets_and_one_cyrillic_letter_makes_it_ucs2():
    assert sms_parts("€" * 80).count == 1 and sms_parts("€" * 81).count == 2
    assert sms_parts("a" * 69 + "ж") == sms_parts("ж" * 70)


def utc(y, m, d, h, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("now, until", [
    (utc(2026, 12, 2, 18, 59), None),                   # 20:59 in Sofia (UTC+2): may go
    (utc(2026, 12, 2, 19, 0), utc(2026, 12, 3, 6, 0)),  # 21:00: waits for 08:00 tomorrow
    (utc(2026, 12, 2, 23, 30), utc(2026, 12, 3, 6, 0)),  # 01:30 the next day: 08:00 that day
    (utc(2026, 12, 3, 5, 59), utc(2026, 12, 3, 6, 0)),  # 07:59
    (utc(2026, 12, 3, 6, 0), None),                     # 08:00 sharp: may go
    (utc(2026, 7, 1, 17, 59), None),                    # summer (UTC+3): 20:59
    (utc(2026, 7, 1, 18, 0), utc(2026, 7, 2, 5, 0)),    # summer 21:00: 08:00 EEST is 05:00 UTC
])
def test_quiet_hours_21_to_08_local_time(now, until):
    assert quiet_until(now, SOFIA) == until
