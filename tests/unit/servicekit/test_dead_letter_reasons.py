"""Dead letters and their log lines name the wrong field and say why, never the value."""
from typing import Optional

import pytest
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from servicekit.reasons import describe, field_errors, scrub

EMAIL, PHONE = "petya.koleva@example.bg", "+359888123456"


class Contact(BaseModel):
    email: Optional[str] = Field(None, max_length=20)
    phone: Optional[str] = None

    @field_validator("phone")
    @classmethod
    def quoting(cls, v):  # a careless validator that quotes what it got
        raise ValueError(f"{v} is not a phone number")

    @model_validator(mode="after")
    def one_of(self):
        if self.email is None and self.phone is None:
            raise ValueError("give an email or a phone")
        return self


def errors_of(**data) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        Contact(**data)
    return caught.value


def test_a_too_long_email_is_named_by_its_field_with_no_value():
    exc = errors_of(email=EMAIL)
    assert EMAIL in str(exc)  # what used to go into the dead letter
    assert field_errors(exc) == [{"field": "email", "message": "Стойността е твърде дълга (най-много 20 знака)."}]


def test_a_validator_that_quotes_the_value_has_it_cut_out():
    [error] = field_errors(errors_of(phone=PHONE))
    assert error["field"] == "phone" and PHONE not in error["message"] and "is not a phone number" in error["message"]


def test_the_registry_senders_wrong_email_and_phone():
    from registry.domain.commands import Sender

    with pytest.raises(ValidationError) as caught:
        Sender(name="Петя Колева", email="petya@@example", phone="+35900", preferred_channel="email")
    errors = field_errors(caught.value, "sender.")
    assert [e["field"] for e in errors] == ["sender.email", "sender.phone"]
    assert all("petya" not in e["message"] and "35900" not in e["message"] for e in errors)
    assert errors[0]["message"] == "Невалиден адрес на електронна поща."


def test_a_model_level_error_has_no_field_and_no_values():
    [error] = field_errors(errors_of())
    assert error == {"field": "", "message": "give an email or a phone"}


def test_describe_of_a_validation_error_keeps_the_fields_only():
    text = describe(errors_of(email=EMAIL, phone=PHONE))
    assert EMAIL not in text and PHONE not in text and "email" in text and "phone" in text


@pytest.mark.parametrize("text", [
    f"1 validation error for X\nemail\n  bad [type=value_error, input_value='{EMAIL}', input_type=str]",
    f"duplicate key: {{ email: \"{EMAIL}\" }}", f"cannot call {PHONE}", "ЕГН 7501010010 refused",
    "call 0888 123 456 please"])
def test_scrub_removes_what_may_be_personal_data(text):
    cleaned = scrub(text)
    for value in (EMAIL, PHONE, "7501010010", "0888 123 456", "123 456"):
        assert value not in cleaned


def test_scrub_keeps_ordinary_text():
    assert scrub("catalogue did not answer within 10 s (attempt 3)") == "catalogue did not answer within 10 s (attempt 3)"


def test_many_errors_are_capped():
    class Many(BaseModel):
        xs: list[int]

    with pytest.raises(ValidationError) as caught:
        Many(xs=["a"] * 100)
    assert len(field_errors(caught.value)) == 20


def test_a_field_named_by_the_input_is_scrubbed_too():
    class Loose(BaseModel):
        model_config = {"extra": "forbid"}

    with pytest.raises(ValidationError) as caught:
        Loose(**{EMAIL: 1})
    assert EMAIL not in str(field_errors(caught.value))
