"""Contract of the purchase endpoints: record, quote, refund, and the errors."""

from decimal import Decimal

from rewards.models import LedgerEntry, Purchase
from tests.factories import EarnRuleFactory
from tests.helpers import assert_ledger_consistent, balance


def record(api, **extra):
    body = {"channel": "web", "order_id": "A1", "amount": "25.00", **extra}
    return api.post("/api/v1/purchases/", body, format="json")


def test_a_purchase_earns_points_and_says_which_rules_gave_them(api, member):
    EarnRuleFactory(name="Double", multiplier=Decimal("2"))
    response = record(api, member_id=member.pk)
    assert response.status_code == 201
    body = response.json()
    assert body["points_earned"] == 50
    assert sum(rule["points"] for rule in body["rules"]) == 50
    assert any(rule["rule"] == "Double" for rule in body["rules"])
    assert balance(member) == 50
    assert_ledger_consistent()


def test_a_purchase_without_a_member_is_recorded_without_points(api):
    response = record(api)
    assert response.status_code == 201
    assert response.json()["points_earned"] == 0
    assert LedgerEntry.objects.count() == 0


def test_the_same_order_on_the_same_channel_is_a_409(api, member):
    record(api, member_id=member.pk)
    response = record(api, member_id=member.pk)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "duplicate_order"
    assert balance(member) == 25


def test_an_unknown_channel_is_a_422_on_the_channel_field(api, member):
    response = record(api, channel="nope", member_id=member.pk)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "channel"


def test_another_currency_is_refused(api, member):
    response = record(api, currency="USD", member_id=member.pk)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "wrong_currency"


def test_an_unknown_member_is_a_404(api):
    response = record(api, member_id=987654)
    assert response.status_code == 404


def test_a_quote_gives_the_points_without_recording_anything(api, member):
    response = api.post(
        "/api/v1/purchases/quote/",
        {"channel": "web", "amount": "40.00", "shipping_amount": "5.00", "member_id": member.pk},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["points"] == 35
    assert response.json()["eligible_amount"] == "35.00"
    assert Purchase.objects.count() == 0


def test_a_partial_refund_reverses_points_in_proportion(api, member):
    purchase_id = record(api, amount="100.00", member_id=member.pk).json()["id"]
    response = api.post(
        f"/api/v1/purchases/{purchase_id}/refunds/",
        {"amount": "25.00", "refund_id": "R1", "reason": "one item back"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["points_reversed"] == 25
    assert balance(member) == 75
    assert_ledger_consistent()


def test_a_refund_larger_than_the_purchase_is_refused(api, member):
    purchase_id = record(api, amount="10.00", member_id=member.pk).json()["id"]
    response = api.post(
        f"/api/v1/purchases/{purchase_id}/refunds/", {"amount": "11.00"}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "refund_exceeds_purchase"
    assert balance(member) == 10


def test_a_refund_of_an_unknown_purchase_is_a_404(api):
    response = api.post("/api/v1/purchases/424242/refunds/", {"amount": "1.00"}, format="json")
    assert response.status_code == 404


def test_it_validates_ownership_a_purchase_credits_only_its_member(api, member, other_member):
    record(api, member_id=member.pk)
    assert balance(member) == 25
    assert balance(other_member) == 0
