"""Contract of the redemption endpoints: redeem, confirm, cancel, validate a code once."""

from rewards.models import Redemption
from rewards.purchases.recording import record_purchase
from tests.factories import RewardFactory
from tests.helpers import assert_ledger_consistent, balance


def fund(member, points=500):
    record_purchase(
        channel="web", order_id=f"F{member.pk}", amount=f"{points}.00", member_id=member.pk
    )


def redeem(api, **body):
    return api.post("/api/v1/redemptions/", body, format="json")


def test_points_are_redeemed_for_a_discount(api, member):
    fund(member)
    response = redeem(api, member_id=member.pk, points=200)
    assert response.status_code == 201
    body = response.json()
    assert body["points"] == 200
    assert body["value"] == "2.00"
    assert body["status"] == "issued"
    assert len(body["code"]) == 14
    assert balance(member) == 300


def test_a_reward_is_redeemed(api, member):
    fund(member)
    reward = RewardFactory(points_cost=150)
    response = redeem(api, member_id=member.pk, reward_id=reward.pk)
    assert response.status_code == 201
    assert response.json()["reward_id"] == reward.pk
    assert balance(member) == 350


def test_redeeming_more_than_the_balance_is_refused(api, member):
    fund(member, 50)
    response = redeem(api, member_id=member.pk, points=51)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "insufficient_points"
    assert balance(member) == 50


def test_both_a_reward_and_points_is_a_400(api, member):
    response = redeem(api, member_id=member.pk, points=5, reward_id=1)
    assert response.status_code == 400


def test_cancelling_a_redemption_gives_the_points_back(api, member):
    fund(member)
    redemption_id = redeem(api, member_id=member.pk, points=200).json()["id"]
    response = api.post(f"/api/v1/redemptions/{redemption_id}/cancel/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert balance(member) == 500
    assert_ledger_consistent()


def test_cancelling_twice_is_a_409(api, member):
    fund(member)
    redemption_id = redeem(api, member_id=member.pk, points=200).json()["id"]
    api.post(f"/api/v1/redemptions/{redemption_id}/cancel/", {}, format="json")
    response = api.post(f"/api/v1/redemptions/{redemption_id}/cancel/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_cancelled"
    assert balance(member) == 500


def test_confirming_uses_the_redemption_and_it_can_no_longer_be_cancelled(api, member):
    fund(member)
    redemption_id = redeem(api, member_id=member.pk, points=200).json()["id"]
    response = api.post(f"/api/v1/redemptions/{redemption_id}/confirm/")
    assert response.status_code == 200
    assert response.json()["status"] == "used"
    cancel = api.post(f"/api/v1/redemptions/{redemption_id}/cancel/", {}, format="json")
    assert cancel.status_code == 409
    assert balance(member) == 300


def test_a_code_validates_once_only(api, member):
    fund(member)
    code = redeem(api, member_id=member.pk, points=100).json()["code"]
    first = api.post("/api/v1/redemptions/validate/", {"code": code.lower()}, format="json")
    second = api.post("/api/v1/redemptions/validate/", {"code": code}, format="json")
    assert first.status_code == 200
    assert first.json()["status"] == "used"
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "code_not_usable"


def test_an_unknown_code_is_a_404(api):
    response = api.post("/api/v1/redemptions/validate/", {"code": "NOPE"}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "code"


def test_confirming_an_unknown_redemption_is_a_404(api):
    assert api.post("/api/v1/redemptions/999999/confirm/").status_code == 404


def test_it_validates_ownership_a_redemption_spends_only_its_members_points(
    api, member, other_member
):
    fund(member)
    fund(other_member)
    redeem(api, member_id=member.pk, points=100)
    assert balance(member) == 400
    assert balance(other_member) == 500
    assert Redemption.objects.get().member_id == member.pk
