"""A member's mobile number (E.164) and language."""

import re

import pytest

from loyalty.errors import ApplicationError
from members.services import set_language, update_profile
from members.validation import check_phone
from tests.factories import MemberFactory


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+49 151 1234 5678", "+4915112345678"),
        ("0049 (151) 1234-5678", "+4915112345678"),
        ("+1 415.555.0100", "+14155550100"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_phone_number_is_stored_in_e164(typed, stored):
    assert check_phone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("0151 12345678", "Start the phone number with + and the country code"),
        ("+0 151 1234", "not a valid phone number"),
        ("+49 151 1234 5678 9999", "not a valid phone number"),
        ("+49 151 CALL ME", "not a valid phone number"),
    ],
)
def test_a_phone_number_without_country_code_or_with_letters_is_refused(typed, says):
    with pytest.raises(ApplicationError, match=re.escape(says)) as caught:
        check_phone(typed)
    assert caught.value.field == "phone"


@pytest.mark.django_db
def test_the_profile_saves_the_number_normalised_and_none_leaves_it():
    member = MemberFactory()
    update_profile(member_id=member.pk, first_name="A", last_name="B", phone="+33 6 12 34 56 78")
    member.refresh_from_db()
    assert member.phone == "+33612345678"
    update_profile(member_id=member.pk, first_name="A", last_name="B")
    member.refresh_from_db()
    assert member.phone == "+33612345678"


@pytest.mark.django_db
def test_a_bad_number_is_refused_and_nothing_is_written():
    member = MemberFactory(first_name="Old")
    with pytest.raises(ApplicationError):
        update_profile(member_id=member.pk, first_name="New", last_name="", phone="12345")
    member.refresh_from_db()
    assert member.first_name == "Old" and member.phone == ""


@pytest.mark.django_db
def test_a_member_chooses_an_offered_language_only():
    member = MemberFactory()
    assert set_language(member_id=member.pk, language="de").language == "de"
    with pytest.raises(ApplicationError, match="not offered"):
        set_language(member_id=member.pk, language="xx")
    member.refresh_from_db()
    assert member.language == "de"
