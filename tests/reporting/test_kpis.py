"""Program KPIs: retention, repeat purchases, order values, redemptions, donations."""

from datetime import date
from decimal import Decimal

import pytest

from reporting import reports
from rewards.models import Reward
from rewards.purchases.recording import record_purchase
from rewards.redemptions.services import redeem_reward
from tests.factories import MemberFactory, RewardFactory

from .helpers import moment

pytestmark = pytest.mark.usefixtures("web")
MAY = reports.Period(date(2025, 5, 1), date(2025, 5, 31))


def buy(member, order_id, amount, when):
    return record_purchase(
        channel="web",
        order_id=order_id,
        amount=amount,
        member_id=member.pk if member else None,
        purchased_at=when,
    )


def values(report) -> dict:
    return {row["kpi"]: row["value"] for row in report.rows}


@pytest.fixture
def shoppers(program):
    program.expiry_policy = program.Expiry.NEVER
    program.save()
    loyal, lapsed, fresh = MemberFactory.create_batch(3, enrolled_at=moment(2025, 4, 1))
    buy(loyal, "a1", "100.00", moment(2025, 4, 10))
    buy(lapsed, "b1", "100.00", moment(2025, 4, 11))
    buy(loyal, "a2", "60.00", moment(2025, 5, 10))
    buy(loyal, "a3", "40.00", moment(2025, 5, 20))
    buy(fresh, "c1", "50.00", moment(2025, 5, 15))
    buy(None, "x1", "20.00", moment(2025, 5, 16))
    return loyal, lapsed, fresh


def test_retention_is_end_less_new_over_start(shoppers):
    got = values(reports.kpis(MAY))
    # start: loyal + lapsed (April); end: loyal + fresh; new: fresh -> (2 - 1) / 2
    assert got["Customer retention rate % ((end - new) / start x 100)"] == Decimal("50.00")
    assert got["Churn % (customers at start who did not buy again)"] == Decimal("50.00")


def test_repeat_purchase_rate_counts_members_with_two_purchases(shoppers):
    assert values(reports.kpis(MAY))["Repeat purchase rate % (members with 2+ purchases)"] == (
        Decimal("50.00")
    )


def test_average_order_value_of_members_and_non_members(shoppers):
    got = values(reports.kpis(MAY))
    assert got["Average order value: members"] == Decimal("50.00")
    assert got["Average order value: non-members"] == Decimal("20.00")


def test_points_donated_to_causes_are_counted(shoppers):
    loyal = shoppers[0]
    reward = RewardFactory(kind=Reward.Kind.DONATION, cause="Food bank", points_cost=40)
    redeem_reward(member_id=loyal.pk, reward_id=reward.pk, effective_at=moment(2025, 5, 25))
    got = values(reports.kpis(MAY))
    assert got["Points donated to causes"] == 40
    assert got["Points redeemed (net of cancellations)"] == 40


def test_members_without_a_tier_and_no_referrals_show_as_such(shoppers):
    MemberFactory(enrolled_at=moment(2025, 6, 2))  # not a member yet at the end of May
    got = values(reports.kpis(MAY))
    assert got["Tier: (no tier)"] == 3
    assert got["Referral conversion %"] is None  # no referral: not known


def test_it_validates_ownership_a_non_members_order_earns_no_member_kpi(shoppers):
    got = values(reports.kpis(MAY))
    assert got["Customers at end (bought in the period)"] == 2
    assert got["Points issued"] == 60 + 40 + 50
