"""Enrolment and the portal's first page."""

import pytest
from allauth.account.models import EmailAddress

from loyalty.errors import ApplicationError
from members.services import enroll_member
from rewards.purchases.recording import record_purchase
from tests.factories import MemberFactory, UserFactory


def test_enrolment_normalises_the_email(program):
    member = enroll_member(email="  Ann@Example.COM ", first_name="Ann")
    assert member.email == "ann@example.com"


def test_enrolling_the_same_email_twice_is_refused(program):
    enroll_member(email="ann@example.com")
    with pytest.raises(ApplicationError, match="already exists"):
        enroll_member(email="ANN@example.com")


def test_enrolling_the_same_external_id_twice_is_refused(program):
    enroll_member(email="a@example.com", external_id="C1")
    with pytest.raises(ApplicationError, match="external id"):
        enroll_member(email="b@example.com", external_id="C1")


def test_a_bad_email_is_refused(program):
    with pytest.raises(ApplicationError, match="not a valid email"):
        enroll_member(email="not-an-email")


def test_the_portal_shows_the_members_balance(client, program, web):
    user = UserFactory(email="ann@example.com")
    member = MemberFactory(email="ann@example.com", user=user)
    record_purchase(channel="web", order_id="1", amount="42.00", member_id=member.pk)
    client.force_login(user)
    assert b"42 points" in client.get("/").content


def test_a_verified_login_claims_the_imported_membership(client, program):
    member = MemberFactory(email="bob@example.com")
    user = UserFactory(email="bob@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    client.get("/")
    member.refresh_from_db()
    assert member.user == user


def test_it_validates_ownership_an_unverified_login_does_not_claim(client, program, web):
    member = MemberFactory(email="carol@example.com")
    record_purchase(channel="web", order_id="1", amount="77.00", member_id=member.pk)
    intruder = UserFactory(email="carol@example.com")
    EmailAddress.objects.create(user=intruder, email=intruder.email, verified=False, primary=True)
    client.force_login(intruder)
    response = client.get("/")
    assert b"77 points" not in response.content
    member.refresh_from_db()
    assert member.user is None


def test_anonymous_visitors_are_sent_to_sign_in(client, program):
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
