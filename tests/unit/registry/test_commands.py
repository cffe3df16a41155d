import pytest
from pydantic import ValidationError

from tests.helpers import command


@pytest.mark.parametrize("sender,field", [
    ({"name": "Иван", "personal_number": "7501020019", "personal_number_kind": "egn", "email": "a@b.bg"},
     "personal_number"),
    ({"name": "Иван", "phone": "12", "preferred_channel": "sms"}, "phone"),
    ({"name": "Иван", "email": "not-an-email"}, "email"),
    ({"name": "Иван", "preferred_channel": "post"}, "sender"),
])
def test_invalid_personal_data_is_refused_with_bulgarian_message(sender, field):
    with pytest.raises(ValidationError) as err:
        command(sender=sender)
    text = str(err.value)
    assert field in text or "изисква" in text
    assert any(ch in text for ch in "абвгдежзийклмнопрстуфхцчшщъьюя")


def test_phone_normalised_to_e164_and_lnch_accepted():
    cmd = command(sender={"name": "John Smith", "personal_number": "1000000001", "personal_number_kind": "lnch",
                          "phone": "0888 123 456",
                          "preferred_channel": "sms"})
    assert cmd.sender.phone == "+359888123456"


def test_box_items_are_not_registered_and_long_subject_refused():
    with pytest.raises(ValidationError):
        command(channel="box")
    with pytest.raises(ValidationError):
        command(subject="x" * 1001)
