"""Tier perks that act: rewards reserved to tiers, a welcome gift on reaching a tier,
earn rules for some tiers only; all through the ledger."""

from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.errors import ApplicationError
from rewards.adjustments.services import adjust_points
from rewards.models import EarnRule, LedgerEntry, Redemption, TierWelcome
from rewards.purchases.recording import record_purchase
from rewards.redemptions.services import redeem_reward
from rewards.tiers.services import pin_tier as set_tier
from tests.factories import EarnRuleFactory, MemberFactory, RewardFactory, TierFactory


@pytest.fixture
def gold(program):
    return TierFactory(name="Gold", rank=2, threshold=Decimal("1000"))


def buy(member, amount, order_id):
    return record_purchase(
        channel="web",
        order_id=order_id,
        amount=amount,
        member_id=member.pk,
        purchased_at=timezone.now(),
    )


def test_a_reward_reserved_to_a_tier_is_refused_to_others_with_what_unlocks_it(member, gold, web):
    reward = RewardFactory(name="Tasting", points_cost=50)
    reward.tiers.set([gold])
    adjust_points(member_id=member.pk, points=500, reason="test")
    with pytest.raises(ApplicationError, match="Tasting is reserved to Gold members") as caught:
        redeem_reward(member_id=member.pk, reward_id=reward.pk)
    assert caught.value.code == "reward_reserved"
    assert not Redemption.objects.filter(member=member).exists()
    member.refresh_from_db()
    assert member.points_balance == 500  # nothing was spent


def test_a_member_of_the_tier_redeems_the_reserved_reward(member, gold, web):
    reward = RewardFactory(name="Tasting", points_cost=50)
    reward.tiers.set([gold])
    adjust_points(member_id=member.pk, points=500, reason="test")
    set_tier(member_id=member.pk, tier_id=gold.pk, reason="test")
    assert redeem_reward(member_id=member.pk, reward_id=reward.pk).points == 50


def test_reaching_a_tier_grants_its_welcome_points_and_reward_once_a_year(member, gold, web):
    coffee = RewardFactory(name="Free coffee", points_cost=80)
    TierWelcome.objects.create(tier=gold, points=200, reward=coffee)

    set_tier(member_id=member.pk, tier_id=gold.pk, reason="climbed")
    set_tier(member_id=member.pk, tier_id=None, reason="dropped")
    set_tier(member_id=member.pk, tier_id=gold.pk, reason="climbed again")

    entries = LedgerEntry.objects.filter(member=member, description__startswith="Welcome to Gold")
    assert sorted(entries.values_list("points", flat=True)) == [80, 200]
    (gift,) = Redemption.objects.filter(member=member)
    assert gift.reward == coffee
    member.refresh_from_db()
    assert member.points_balance == 200  # the reward's points came and went


def test_going_down_to_a_tier_grants_nothing(member, gold, web):
    silver = TierFactory(name="Silver", rank=1, threshold=Decimal("500"))
    TierWelcome.objects.create(tier=silver, points=100)
    set_tier(member_id=member.pk, tier_id=gold.pk, reason="test")
    set_tier(member_id=member.pk, tier_id=silver.pk, reason="test")
    assert not LedgerEntry.objects.filter(member=member, description="Welcome to Silver").exists()


def test_an_earn_rule_for_a_tier_counts_only_for_its_members(member, gold, web):
    rule = EarnRuleFactory(name="Gold bonus", kind=EarnRule.Kind.BONUS, bonus_points=30)
    rule.tiers.set([gold])
    other = MemberFactory()
    set_tier(member_id=member.pk, tier_id=gold.pk, reason="test")

    mine = buy(member, "10.00", "G-1")
    theirs = buy(other, "10.00", "N-1")

    assert "Gold bonus" in [row["rule"] for row in mine.earn_breakdown]
    assert "Gold bonus" not in [row["rule"] for row in theirs.earn_breakdown]
    assert mine.points_earned == theirs.points_earned + 30
