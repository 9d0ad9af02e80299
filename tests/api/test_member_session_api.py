"""The member-facing endpoints (/api/v1/me/): the portal's session, and only one's own data."""

import pytest
from rest_framework.test import APIClient

from rewards.purchases.recording import record_purchase
from tests.factories import UserFactory


@pytest.fixture
def signed_in(member):
    user = UserFactory(email=member.email)
    member.user = user
    member.save(update_fields=["user"])
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_a_signed_in_member_sees_their_balance(signed_in, member, web):
    record_purchase(channel="web", order_id="S", amount="12.00", member_id=member.pk)
    response = signed_in.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["member_id"] == member.pk
    assert response.json()["points"] == 12


def test_a_visitor_without_a_session_is_a_401_that_names_the_session(client, program):
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Session")


def test_a_login_without_a_membership_is_a_404(program):
    client = APIClient()
    client.force_login(UserFactory())
    assert client.get("/api/v1/me/").status_code == 404


def test_an_api_key_does_not_open_the_member_endpoints(api):
    assert api.get("/api/v1/me/").status_code == 401


def test_a_member_session_does_not_open_the_integration_endpoints(signed_in, member):
    response = signed_in.get(f"/api/v1/members/{member.pk}/balance/")
    assert response.status_code == 401


def test_it_validates_ownership_a_member_sees_only_their_own_ledger(
    signed_in, member, other_member, web
):
    record_purchase(channel="web", order_id="M", amount="10.00", member_id=member.pk)
    record_purchase(channel="web", order_id="O", amount="77.00", member_id=other_member.pk)
    entries = signed_in.get("/api/v1/me/ledger/").json()["results"]
    assert [e["points"] for e in entries] == [10]
    assert {e["member_id"] for e in entries} == {member.pk}
