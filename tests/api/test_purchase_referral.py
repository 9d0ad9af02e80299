"""A referral code at checkout: attached as the link does it; a refusal never loses the sale."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from referrals import services as referrals
from referrals.models import Referral, ReferralSettings
from referrals.rewarding import pay_due_referrals
from rewards.models import LedgerEntry, Purchase
from tests.factories import MemberFactory


@pytest.fixture
def config(program):
    return ReferralSettings.objects.create(
        referrer_points=500, referee_points=250, min_qualifying_amount=Decimal("20.00")
    )


@pytest.fixture
def ann(config):
    return MemberFactory(email="ann@example.com")


@pytest.fixture
def bob(config):
    return MemberFactory(email="bob@example.com")


def code_of(member) -> str:
    return referrals.ensure_referral_code(member_id=member.pk).code


def buy(api, member, code, **extra):
    body = {"channel": "web", "order_id": "R-1", "amount": "50.00", "member_id": member.pk}
    return api.post("/api/v1/purchases/", {**body, "referral_code": code, **extra}, format="json")


def test_a_friends_code_attaches_and_qualifies_the_referral_on_this_purchase(api, ann, bob):
    response = buy(api, bob, code_of(ann))
    assert response.status_code == 201, response.content
    outcome = response.json()["referral"]
    referral = Referral.objects.get()
    assert outcome == {
        "code": code_of(ann),
        "attached": True,
        "referral_id": referral.pk,
        "status": "qualified",
        "error": None,
    }
    assert (referral.referrer, referral.referee, referral.source) == (ann, bob, "purchase")
    assert referral.qualifying_purchase_id == response.json()["id"]


def test_the_referral_pays_both_sides_by_the_referral_rules(api, ann, bob):
    buy(api, bob, code_of(ann))
    paid = pay_due_referrals(now=timezone.now() + timedelta(days=1))
    assert paid["rewarded"] == 1
    assert Referral.objects.get().status == "rewarded"
    assert LedgerEntry.objects.filter(kind="referral", member=ann).get().points == 500
    assert LedgerEntry.objects.filter(kind="referral", member=bob).get().points == 250


def test_a_self_referral_is_refused_and_the_purchase_is_still_recorded(api, ann):
    response = buy(api, ann, code_of(ann))
    assert response.status_code == 201
    body = response.json()
    assert body["points_earned"] == 50
    assert body["referral"]["attached"] is False
    assert body["referral"]["error"] == {
        "code": "self_referral",
        "message": "A member cannot refer themselves.",
    }
    assert Purchase.objects.filter(pk=body["id"]).exists()
    assert not Referral.objects.exists()


def test_an_existing_customer_is_refused_by_the_same_fraud_check_as_the_link(api, ann, bob):
    api.post(
        "/api/v1/purchases/",
        {"channel": "web", "order_id": "OLD", "amount": "10.00", "member_id": bob.pk},
        format="json",
    )
    outcome = buy(api, bob, code_of(ann)).json()["referral"]
    assert outcome["error"]["code"] == "not_a_new_customer"
    assert Purchase.objects.filter(member=bob).count() == 2  # both sales recorded


def test_an_unknown_code_is_reported_and_the_purchase_kept(api, bob):
    response = buy(api, bob, "NOPE1234")
    assert response.status_code == 201
    assert response.json()["referral"]["error"]["code"] == "unknown_referral_code"
    assert Purchase.objects.filter(member=bob).exists()


def test_a_code_on_a_purchase_without_a_member_is_reported(api, ann):
    body = {"channel": "web", "order_id": "G-1", "amount": "50.00", "referral_code": code_of(ann)}
    response = api.post("/api/v1/purchases/", body, format="json")
    assert response.status_code == 201
    assert response.json()["referral"]["error"]["code"] == "no_member"


@pytest.mark.parametrize("code", ["", "AB CD", "a/b", "x" * 41, "\x00", 12345])
def test_a_code_that_cannot_be_a_code_is_a_400_and_records_nothing(api, bob, code):
    response = buy(api, bob, code)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "referral_code"
    assert not Purchase.objects.exists()


def test_without_a_code_the_answer_says_so(api, bob):
    body = {"channel": "web", "order_id": "N-1", "amount": "5.00", "member_id": bob.pk}
    assert api.post("/api/v1/purchases/", body, format="json").json()["referral"] is None


def test_a_replay_with_the_same_idempotency_key_gives_the_same_outcome(api, ann, bob):
    body = {
        "channel": "web",
        "order_id": "I-1",
        "amount": "50.00",
        "member_id": bob.pk,
        "referral_code": code_of(ann),
    }
    first = api.post("/api/v1/purchases/", body, format="json", HTTP_IDEMPOTENCY_KEY="ref-1")
    again = api.post("/api/v1/purchases/", body, format="json", HTTP_IDEMPOTENCY_KEY="ref-1")
    assert first.json() == again.json()
    assert Referral.objects.count() == 1


def test_the_schema_documents_the_code_and_its_outcome(client):
    schemas = client.get("/api/v1/schema/?format=json").json()["components"]["schemas"]
    code = schemas["PurchaseInRequest"]["properties"]["referral_code"]
    assert code["pattern"] == "^[A-Za-z0-9_-]{1,40}$"
    assert "never loses the purchase" in code["description"]
    assert "referral" in schemas["PurchaseRecordedOut"]["properties"]


def test_it_validates_ownership_a_code_attaches_only_the_buyer(api, ann, bob):
    carl = MemberFactory(email="carl@example.com")
    buy(api, bob, code_of(ann))
    referral = Referral.objects.get()
    assert referral.referee == bob
    assert not Referral.objects.filter(referee=carl).exists()
