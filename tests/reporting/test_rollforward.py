"""The roll-forward reconciles to the ledger and to the members' balances, to the point."""

from datetime import date, timedelta

import pytest
from django.db.models import F, Sum
from django.utils import timezone

from members.models import Member
from reporting import reports, services
from rewards.adjustments.services import adjust_points
from rewards.expiry.release import release_pending_points
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from rewards.redemptions.services import cancel_redemption, redeem_reward
from tests.factories import RewardFactory
from tests.helpers import assert_ledger_consistent

from .helpers import at, expire, moment

pytestmark = pytest.mark.usefixtures("web")
YEAR = reports.Period(date(2025, 1, 1), date(2025, 12, 31))


def lines(report) -> dict:
    return {row["line"]: row["points"] for row in report.rows}


@pytest.fixture
def busy_year(program, member, other_member):
    """Every kind of movement in 2025, plus history before it."""
    program.return_window_days = 14
    program.expiry_policy = program.Expiry.NEVER
    program.save()
    record_purchase(
        channel="web",
        order_id="old",
        amount="80.00",
        member_id=member.pk,
        purchased_at=moment(2024, 11, 1),
    )
    release_pending_points(now=moment(2024, 12, 1))
    reward = RewardFactory(points_cost=30)
    redeem_reward(member_id=member.pk, reward_id=reward.pk, effective_at=moment(2025, 2, 1))
    cancelled = redeem_reward(
        member_id=member.pk, reward_id=reward.pk, effective_at=moment(2025, 2, 1)
    )
    cancel_redemption(redemption_id=cancelled.pk, effective_at=moment(2026, 1, 5))
    sale = record_purchase(
        channel="web",
        order_id="new",
        amount="120.00",
        member_id=other_member.pk,
        purchased_at=moment(2025, 3, 1),
    )
    refund_purchase(purchase_id=sale.pk, amount="20.00", refunded_at=moment(2025, 3, 5))
    adjust_points(
        member_id=member.pk, points=15, reason="goodwill", effective_at=moment(2025, 4, 1)
    )
    adjust_points(member_id=member.pk, points=-5, reason="typo", effective_at=moment(2025, 4, 2))
    adjust_points(
        member_id=other_member.pk,
        points=7,
        reason="survey",
        kind="action",
        effective_at=moment(2025, 5, 1),
    )
    expire(member, 10, moment(2025, 11, 1), key="expire:test")
    with at(moment(2025, 12, 29)):  # still inside its return window at the year end
        record_purchase(
            channel="web",
            order_id="late",
            amount="50.00",
            member_id=other_member.pk,
            purchased_at=moment(2025, 12, 28),
        )
    return member, other_member


def test_rollforward_closing_equals_the_sum_of_all_members_balances(busy_year):
    report = reports.rollforward(reports.Period(date(2020, 1, 1), timezone.localdate()))
    balances = Member.objects.aggregate(total=Sum(F("points_balance") + F("pending_points")))
    assert report.summary["closing"] == balances["total"]
    assert_ledger_consistent()


def test_rollforward_lines_add_up_from_opening_to_closing(busy_year):
    report = reports.rollforward(YEAR)
    got = lines(report)
    assert got["Opening outstanding"] == 80
    assert got["Issued: purchases"] == 120 + 50
    assert got["Issued reversed (refunds and returns)"] == -20
    assert got["Redeemed"] == -60
    assert (got["Adjustments: added"], got["Adjustments: removed"]) == (15, -5)
    assert got["Issued: actions"] == 7
    assert got["Expired"] == -10
    assert got["Closing outstanding"] == 80 + 170 - 20 - 60 + 15 - 5 + 7 - 10
    assert report.summary["reconciles"] is True


def test_rollforward_gives_back_cancelled_redemptions(busy_year):
    # The cancellation is dated 2026-01-05: the year 2025 shows the redemption only.
    assert lines(reports.rollforward(YEAR))["Redeemed"] == -60
    got = lines(reports.rollforward(reports.Period(date(2026, 1, 1), date(2026, 1, 31))))
    assert got["Redemptions cancelled"] == 30


def test_rollforward_splits_the_closing_into_spendable_and_pending(busy_year):
    got = lines(reports.rollforward(YEAR))
    assert got["  of which pending"] == 50  # the late purchase is inside its return window
    assert got["  of which spendable"] + got["  of which pending"] == got["Closing outstanding"]


def test_rollforward_shows_money_at_the_point_value(busy_year):
    issued = next(r for r in reports.rollforward(YEAR).rows if r["line"] == "Issued: purchases")
    assert str(issued["money"]) == "1.70"


def test_a_closed_periods_rollforward_never_changes(busy_year, member):
    services.close_period(start=YEAR.start, end=YEAR.end)
    before = reports.rollforward(YEAR).as_dict()
    adjust_points(
        member_id=member.pk, points=100, reason="late correction", effective_at=moment(2025, 6, 1)
    )
    assert reports.rollforward(YEAR).as_dict() == before
    assert lines(reports.rollforward(YEAR))["Closing outstanding"] == 177


def test_a_closed_periods_months_never_change_either(busy_year, member):
    services.close_period(start=YEAR.start, end=YEAR.end)
    june = reports.Period(date(2025, 6, 1), date(2025, 6, 30))
    before = reports.rollforward(june).as_dict()
    adjust_points(
        member_id=member.pk, points=100, reason="late correction", effective_at=moment(2025, 6, 1)
    )
    assert reports.rollforward(june).as_dict() == before


def test_a_correction_to_a_closed_period_appears_in_the_next_open_period(busy_year, member):
    services.close_period(start=YEAR.start, end=YEAR.end)
    adjust_points(
        member_id=member.pk, points=100, reason="late correction", effective_at=moment(2025, 6, 1)
    )
    following = reports.rollforward(reports.Period(date(2026, 1, 1), date(2026, 1, 31)))
    got = lines(following)
    assert got["Opening outstanding"] == 177  # the closing as it was closed
    assert got["Correction dated in a closed period: Adjustments: added"] == 100
    assert following.summary["closing"] == 177 + 100 + 30  # and the cancellation of January
    assert following.summary["reconciles"] is True


def test_closing_a_period_that_has_not_ended_is_refused(program):
    from loyalty.errors import ApplicationError

    with pytest.raises(ApplicationError, match="once it has ended"):
        services.close_period(
            start=timezone.localdate() - timedelta(days=3), end=timezone.localdate()
        )


def test_it_validates_ownership_one_members_expiry_leaves_anothers_points(busy_year):
    member, other = busy_year
    before = Member.objects.get(pk=other.pk).points_balance
    expire(member, 5, moment(2025, 11, 2), key="expire:again")
    assert Member.objects.get(pk=other.pk).points_balance == before
    assert lines(reports.rollforward(YEAR))["Expired"] == -15
