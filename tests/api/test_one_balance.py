"""One truth about spendable points: balance, quote, /me/, member look-up and redemption agree,
even when points are past their expiry date and the nightly job has not yet run."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from rewards.adjustments.services import adjust_points
from rewards.expiry.services import expire_points
from rewards.purchases.recording import record_purchase
from tests.factories import UserFactory


@pytest.fixture
def lapsed_member(member, web):
    """300 points earned 400 days ago (expired 35 days ago: the job has not run), 50 new."""
    adjust_points(
        member_id=member.pk,
        points=300,
        reason="welcome gift",
        effective_at=timezone.now() - timedelta(days=400),
    )
    record_purchase(channel="web", order_id="NEW", amount="50.00", member_id=member.pk)
    member.refresh_from_db()
    assert member.points_balance == 350  # the cached balance still holds the lapsed points
    return member


def spendable_everywhere(api, member) -> dict:
    user = UserFactory(email=member.email)
    member.user = user
    member.save(update_fields=["user"])
    session = APIClient()
    session.force_login(user)
    quote = {"channel": "web", "amount": "10.00", "member_id": member.pk}
    return {
        "balance": api.get(f"/api/v1/members/{member.pk}/balance/").json()["points"],
        "me": session.get("/api/v1/me/").json()["points"],
        "quote": api.post("/api/v1/purchases/quote/", quote, format="json").json()[
            "spendable_points"
        ],
        "lookup": api.get("/api/v1/members/lookup/", {"email": member.email}).json()[
            "points_balance"
        ],
        "list": api.get("/api/v1/members/", {"email": member.email}).json()["results"][0][
            "points_balance"
        ],
    }


def test_points_past_their_expiry_date_are_not_spendable_anywhere_before_the_job(
    api, lapsed_member
):
    assert set(spendable_everywhere(api, lapsed_member).values()) == {50}
    balance = api.get(f"/api/v1/members/{lapsed_member.pk}/balance/").json()
    assert balance["lapsed_points"] == 300
    assert balance["value"] == "0.50"


def test_redemption_refuses_what_the_balance_does_not_show_and_accepts_what_it_does(
    api, lapsed_member
):
    body = {"member_id": lapsed_member.pk, "points": 51}
    refused = api.post("/api/v1/redemptions/", body, format="json")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "insufficient_points"
    body["points"] = 50
    assert api.post("/api/v1/redemptions/", body, format="json").status_code == 201
    assert api.get(f"/api/v1/members/{lapsed_member.pk}/balance/").json()["points"] == 0


def test_after_the_nightly_job_the_figures_are_unchanged(api, lapsed_member):
    before = spendable_everywhere(api, lapsed_member)
    expire_points()
    after = api.get(f"/api/v1/members/{lapsed_member.pk}/balance/").json()
    assert after["points"] == before["balance"] == 50
    assert after["lapsed_points"] == 0


def test_it_validates_ownership_anothers_lapsed_points_change_nothing_here(
    api, lapsed_member, other_member
):
    record_purchase(channel="web", order_id="O", amount="70.00", member_id=other_member.pk)
    assert api.get(f"/api/v1/members/{other_member.pk}/balance/").json()["points"] == 70
    listed = api.get("/api/v1/members/").json()["results"]
    assert {row["id"]: row["points_balance"] for row in listed} == {
        lapsed_member.pk: 50,
        other_member.pk: 70,
    }
