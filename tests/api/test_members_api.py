"""Contract of the member endpoints: look-up, enrolment, balance, ledger history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from members.models import Member
from rewards.adjustments.services import adjust_points
from rewards.purchases.recording import record_purchase
from tests.factories import MemberFactory


def test_a_member_is_found_by_email_in_any_case(api, member):
    response = api.get("/api/v1/members/lookup/", {"email": member.email.upper()})
    assert response.status_code == 200
    assert response.json()["id"] == member.pk


def test_a_member_is_found_by_external_id(api, member):
    response = api.get("/api/v1/members/lookup/", {"external_id": member.external_id})
    assert response.json()["id"] == member.pk


def test_a_member_is_found_by_the_code_of_their_card(api, member):
    response = api.get("/api/v1/members/lookup/", {"card_code": member.card_code})
    assert response.status_code == 200
    assert response.json()["card_code"] == member.card_code


def test_every_member_gets_a_distinct_card_code(program):
    codes = {MemberFactory().card_code for _ in range(20)}
    assert len(codes) == 20
    assert all(len(code) >= 16 for code in codes)


def test_a_lookup_that_matches_nobody_is_a_404(api, member):
    response = api.get("/api/v1/members/lookup/", {"card_code": "nope"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_lookup_without_a_criterion_is_a_422_the_schema_cannot_state(api):
    response = api.get("/api/v1/members/lookup/")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "no_criteria"


def test_a_lookup_with_an_empty_criterion_is_a_400(api):
    assert api.get("/api/v1/members/lookup/?email=").status_code == 400


def test_enrolment_creates_a_member(api):
    response = api.post(
        "/api/v1/members/",
        {"email": "New@Example.com", "first_name": "Ana", "external_id": "C-1"},
        format="json",
    )
    assert response.status_code == 201
    member = Member.objects.get(external_id="C-1")
    assert member.email == "new@example.com"
    assert response.json()["card_code"] == member.card_code


def test_enrolling_the_same_email_twice_is_a_409(api, member):
    response = api.post("/api/v1/members/", {"email": member.email}, format="json")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "duplicate_member",
        "message": f"A member with the email {member.email} already exists.",
        "field": "email",
    }


def test_an_invalid_email_is_a_400_on_the_email_field(api):
    response = api.post("/api/v1/members/", {"email": "not-an-email"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "email"


def test_the_balance_shows_spendable_pending_value_tier_and_expiring_points(api, member, program):
    program.return_window_days = 14
    program.save()
    adjust_points(
        member_id=member.pk,
        points=300,
        reason="gift",
        effective_at=timezone.now() - timedelta(days=350),
    )
    record_purchase(channel="web", order_id="A", amount="50.00", member_id=member.pk)
    response = api.get(f"/api/v1/members/{member.pk}/balance/")
    assert response.status_code == 200
    body = response.json()
    assert body["points"] == 300
    assert body["pending_points"] == 50
    assert body["value"] == "3.00"
    assert body["currency"] == "EUR"
    assert body["tier"] is None
    assert [row["points"] for row in body["expiring_soon"]] == [300]


def test_the_ledger_history_is_paginated_newest_first(api, member):
    for i in range(3):
        record_purchase(channel="web", order_id=f"L{i}", amount=f"{i + 1}0.00", member_id=member.pk)
    first = api.get(f"/api/v1/members/{member.pk}/ledger/", {"page_size": 2}).json()
    assert [e["points"] for e in first["results"]] == [30, 20]
    second = api.get(first["next"]).json()
    assert [e["points"] for e in second["results"]] == [10]
    assert second["next"] is None


@pytest.mark.django_db
def test_it_validates_ownership_a_ledger_shows_only_that_members_entries(api, member, other_member):
    record_purchase(channel="web", order_id="M", amount="10.00", member_id=member.pk)
    record_purchase(channel="web", order_id="O", amount="99.00", member_id=other_member.pk)
    entries = api.get(f"/api/v1/members/{member.pk}/ledger/").json()["results"]
    assert {e["member_id"] for e in entries} == {member.pk}
