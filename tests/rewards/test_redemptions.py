"""Redeeming rewards: FIFO by expiry, stock and validity, one-time codes, cancellation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from loyalty.errors import ApplicationError
from members.models import Member
from rewards.models import LedgerEntry, PointLot, Redemption, Reward
from rewards.purchases.recording import record_purchase
from rewards.redemptions.services import (
    cancel_redemption,
    redeem_points,
    redeem_reward,
    use_redemption,
)
from tests.factories import RewardFactory
from tests.helpers import assert_ledger_consistent, balance

pytestmark = pytest.mark.usefixtures("web")


def earn(member, points, *, days_ago=0, order_id=None):
    return record_purchase(
        channel="web",
        order_id=order_id or f"O{points}-{days_ago}",
        amount=f"{points}.00",
        member_id=member.pk,
        purchased_at=timezone.now() - timedelta(days=days_ago),
    )


def test_redemption_spends_the_soonest_expiring_lot_first(member):
    earn(member, 100, days_ago=10)
    earn(member, 100, days_ago=200)  # expires sooner
    redeem_points(member_id=member.pk, points=150)
    lots = {
        lot.purchase.order_id: lot.remaining for lot in PointLot.objects.select_related("purchase")
    }
    assert lots == {"O100-200": 0, "O100-10": 50}
    assert_ledger_consistent()


def test_points_that_never_expire_are_spent_last(member, program):
    program.expiry_policy = "never"
    program.save()
    earn(member, 100, days_ago=300)
    program.expiry_policy = "fixed"
    program.save()
    earn(member, 100, days_ago=1)
    redeem_points(member_id=member.pk, points=100)
    never = PointLot.objects.get(expires_at__isnull=True)
    assert never.remaining == 100


def test_redeem_fails_when_balance_is_short_and_changes_nothing(member):
    earn(member, 50)
    reward = RewardFactory(points_cost=100, stock=3)
    with pytest.raises(ApplicationError, match="not enough points") as exc:
        redeem_reward(member_id=member.pk, reward_id=reward.pk)
    assert exc.value.code == "insufficient_points"
    assert balance(member) == 50
    assert Redemption.objects.count() == 0
    reward.refresh_from_db()
    assert reward.stock == 3


def test_a_suspended_member_cannot_redeem(member):
    earn(member, 200)
    Member.objects.filter(pk=member.pk).update(status="suspended")
    with pytest.raises(ApplicationError, match="suspended"):
        redeem_reward(member_id=member.pk, reward_id=RewardFactory().pk)
    assert balance(member) == 200


def test_an_out_of_stock_reward_is_refused(member):
    earn(member, 500)
    reward = RewardFactory(stock=1)
    redeem_reward(member_id=member.pk, reward_id=reward.pk)
    with pytest.raises(ApplicationError, match="out of stock"):
        redeem_reward(member_id=member.pk, reward_id=reward.pk)
    assert balance(member) == 400


def test_an_expired_reward_is_refused(member):
    earn(member, 500)
    reward = RewardFactory(valid_until=timezone.now() - timedelta(days=1))
    with pytest.raises(ApplicationError, match="not valid"):
        redeem_reward(member_id=member.pk, reward_id=reward.pk)


def test_a_reward_not_yet_valid_is_refused(member):
    earn(member, 500)
    reward = RewardFactory(valid_from=timezone.now() + timedelta(days=1))
    with pytest.raises(ApplicationError, match="not valid"):
        redeem_reward(member_id=member.pk, reward_id=reward.pk)


def test_an_inactive_reward_is_refused(member):
    earn(member, 500)
    with pytest.raises(ApplicationError, match="not available"):
        redeem_reward(member_id=member.pk, reward_id=RewardFactory(active=False).pk)


@pytest.mark.parametrize("points", [0, -10, "10", 1.5, True])
def test_a_bad_number_of_points_is_refused(member, points):
    earn(member, 100)
    with pytest.raises(ApplicationError):
        redeem_points(member_id=member.pk, points=points)
    assert balance(member) == 100


def test_a_redemption_issues_a_unique_code_worth_the_points(member, program):
    earn(member, 500)
    first = redeem_points(member_id=member.pk, points=200)
    second = redeem_points(member_id=member.pk, points=100)
    assert first.code != second.code and len(first.code) == 14
    assert str(first.value) == "2.00"


def test_a_code_is_accepted_once(member):
    earn(member, 500)
    redemption = redeem_reward(member_id=member.pk, reward_id=RewardFactory().pk)
    assert use_redemption(code=redemption.code.lower()).status == "used"
    with pytest.raises(ApplicationError, match="used"):
        use_redemption(code=redemption.code)


def test_an_unknown_code_is_refused(program):
    with pytest.raises(ApplicationError, match="redemption code .* is unknown"):
        use_redemption(code="NOPE-NOPE-NOPE")


def test_cancel_gives_the_points_back_to_the_same_lots(member):
    earn(member, 100, days_ago=5)
    earn(member, 100, days_ago=50)
    before = {lot.pk: (lot.remaining, lot.expires_at) for lot in PointLot.objects.all()}
    reward = RewardFactory(points_cost=150, stock=2)
    redemption = redeem_reward(member_id=member.pk, reward_id=reward.pk)
    cancel_redemption(redemption_id=redemption.pk, reason="checkout failed")
    after = {lot.pk: (lot.remaining, lot.expires_at) for lot in PointLot.objects.all()}
    assert after == before
    assert balance(member) == 200
    reward.refresh_from_db()
    assert reward.stock == 2
    assert_ledger_consistent()


def test_cancelling_twice_is_refused(member):
    earn(member, 100)
    redemption = redeem_points(member_id=member.pk, points=50)
    cancel_redemption(redemption_id=redemption.pk)
    with pytest.raises(ApplicationError, match="already cancelled"):
        cancel_redemption(redemption_id=redemption.pk)
    assert balance(member) == 100


def test_a_used_code_cannot_be_cancelled(member):
    earn(member, 100)
    redemption = redeem_points(member_id=member.pk, points=50)
    use_redemption(code=redemption.code)
    with pytest.raises(ApplicationError, match="cannot be cancelled"):
        cancel_redemption(redemption_id=redemption.pk)


def test_a_donation_goes_to_its_cause_and_is_final(member):
    earn(member, 300)
    reward = RewardFactory(kind=Reward.Kind.DONATION, cause="Food bank", points_cost=250)
    redemption = redeem_reward(member_id=member.pk, reward_id=reward.pk)
    assert (redemption.status, redemption.cause) == ("used", "Food bank")
    assert LedgerEntry.objects.get(kind="redeem").description == "Donation to Food bank"
    with pytest.raises(ApplicationError, match="donation"):
        cancel_redemption(redemption_id=redemption.pk)


def test_the_same_idempotency_key_redeems_once(member):
    earn(member, 300)
    reward = RewardFactory()
    first = redeem_reward(member_id=member.pk, reward_id=reward.pk, idempotency_key="k1")
    again = redeem_reward(member_id=member.pk, reward_id=reward.pk, idempotency_key="k1")
    assert first.pk == again.pk
    assert balance(member) == 200


def test_an_idempotency_key_reused_for_another_reward_is_a_conflict(member):
    earn(member, 300)
    redeem_reward(member_id=member.pk, reward_id=RewardFactory().pk, idempotency_key="k1")
    with pytest.raises(ApplicationError) as exc:
        redeem_reward(member_id=member.pk, reward_id=RewardFactory().pk, idempotency_key="k1")
    assert exc.value.code == "idempotency_conflict"


def test_points_past_their_expiry_are_not_spendable_before_the_job_runs(member):
    earn(member, 100, days_ago=400)  # expired 35 days ago, not yet processed
    earn(member, 20, days_ago=1)
    assert balance(member) == 120
    with pytest.raises(ApplicationError, match="20 spendable"):
        redeem_points(member_id=member.pk, points=50)


def test_it_validates_ownership_a_redemption_spends_only_the_members_points(member, other_member):
    earn(member, 100)
    earn(other_member, 100, order_id="other")
    with pytest.raises(ApplicationError):
        redeem_points(member_id=member.pk, points=150)
    redeem_points(member_id=member.pk, points=100)
    assert balance(other_member) == 100
