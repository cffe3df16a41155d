"""A rejected e-portal submission says which fields are wrong, never what was in them."""
import datetime as dt

import pytest

from delovod_proto.events import Contact, EportalSubmission
from registry.service_layer.eportal import EportalIntake
from registry.service_layer.errors import Refused


@pytest.mark.parametrize("contact, field", [
    (dict(preferred_channel="email", email="petya.koleva@@example"), "email"),
    (dict(preferred_channel="sms", phone="+3591234"), "phone")])
def test_a_wrong_email_or_phone_is_named_not_quoted(contact, field):
    submission = EportalSubmission(submission_id="EP-1", submitted_at=dt.datetime.now(dt.timezone.utc), kind="signal",
                                   subject="Сметище", applicant=Contact(name="Петя Колева", **contact))
    with pytest.raises(Refused) as caught:
        EportalIntake(None, None, None, 0).register(submission, catalogue=None)
    value = contact.get("email") or contact["phone"]
    rejected = caught.value
    assert field in [e["field"] for e in rejected.errors]
    assert value not in rejected.detail and value not in str(rejected.errors)
    assert rejected.__suppress_context__  # no traceback quotes the pydantic error either
