"""Liability by both methods, rate estimates by effective date, breakage from cohorts, snapshots."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from loyalty.errors import ApplicationError
from reporting import reports, services, tasks
from reporting.models import LiabilitySnapshot
from rewards.adjustments.services import adjust_points
from rewards.models import RedemptionRateEstimate
from rewards.purchases.recording import record_purchase
from rewards.redemptions.services import redeem_reward
from tests.factories import RewardFactory

from .helpers import expire, moment

pytestmark = pytest.mark.usefixtures("web")


def sell_and_redeem(program, member, other_member, *, rates=()):
    """1,000 points earned in January 2025 (500 each); 300 redeemed in March.

    ``rates``: (rate, effective from) recorded first: a sale's allocation uses the
    estimate of its day, and an estimate can never be back-dated before a sale.
    """
    program.expiry_policy = program.Expiry.NEVER
    program.point_value = Decimal("0.0100")
    program.save()
    for rate, effective_from in rates:
        services.record_redemption_rate(rate=rate, effective_from=effective_from)
    for index, who in enumerate((member, other_member)):
        record_purchase(
            channel="web",
            order_id=f"J{index}",
            amount="500.00",
            member_id=who.pk,
            purchased_at=moment(2025, 1, 10),
        )
    reward = RewardFactory(points_cost=300)
    redeem_reward(member_id=member.pk, reward_id=reward.pk, effective_at=moment(2025, 3, 1))
    return member, other_member


@pytest.fixture
def earned(program, member, other_member):
    return sell_and_redeem(program, member, other_member)


def test_liability_shows_the_cost_method_beside_the_face_value(program, member, other_member):
    sell_and_redeem(program, member, other_member, rates=[("0.9", date(2025, 1, 1))])
    services.set_cost_per_point(cost="0.004")
    figures = reports.liability_figures(date(2025, 6, 30)).as_dict()
    assert figures["outstanding"] == 700
    assert figures["face_value"] == Decimal("7.00")
    assert figures["cost_liability"] == Decimal("2.52")  # 700 x 0.9 x 0.004


def test_the_cost_method_says_not_set_until_finance_sets_the_cost(earned):
    report = reports.liability(date(2025, 6, 30))
    lines = {row["line"]: row["value"] for row in report.rows}
    assert lines["Cost method: cost per point"] == "not set"
    assert report.summary["cost_liability"] is None


def test_liability_contract_liability_is_allocated_less_recognised(program, member, other_member):
    sell_and_redeem(program, member, other_member, rates=[("0.8", date(2025, 1, 1))])
    figures = reports.liability_figures(date(2025, 6, 30)).as_dict()
    # each 500.00 sale: 500 x 4 / 504 = 3.97 allocated to its 500 points (SSP 5.00 x 0.8)
    assert figures["allocated"] == Decimal("7.94")
    assert figures["recognised"] == Decimal("2.98")  # 7.94 x 300 / 800
    assert figures["contract_liability"] == Decimal("4.96")


def test_a_report_for_a_past_date_keeps_the_rate_that_applied_then(program, member, other_member):
    sell_and_redeem(program, member, other_member, rates=[("0.8", date(2025, 1, 1))])
    services.record_redemption_rate(rate="0.6", effective_from=date(2025, 7, 1))
    assert reports.liability_figures(date(2025, 6, 30)).position.rate == Decimal("0.8")
    assert reports.liability_figures(date(2025, 7, 31)).position.rate == Decimal("0.6")
    assert RedemptionRateEstimate.objects.count() == 2  # nothing overwritten


def test_a_later_estimate_changes_the_catch_up_never_the_allocation(program, member, other_member):
    sell_and_redeem(program, member, other_member, rates=[("0.8", date(2025, 1, 1))])
    services.record_redemption_rate(rate="0.6", effective_from=date(2025, 7, 1))
    before, after = (reports.liability_figures(date(2025, d[0], d[1])) for d in [(6, 30), (7, 31)])
    assert before.position.total.allocated == after.position.total.allocated == Decimal("7.94")
    assert after.position.total.recognised == Decimal("3.97")  # 7.94 x 300 / 600


def test_an_estimate_cannot_take_effect_before_the_latest_recorded_sale(earned):
    with pytest.raises(ApplicationError, match="from 2025-01-11 at the earliest"):
        services.record_redemption_rate(rate="0.5", effective_from=date(2025, 1, 10))
    assert not RedemptionRateEstimate.objects.exists()


def test_a_rate_above_one_is_refused(program):
    with pytest.raises(ApplicationError, match="between 0 and 1"):
        services.record_redemption_rate(rate="1.2", effective_from=date(2025, 1, 1))
    assert not RedemptionRateEstimate.objects.exists()


def test_a_rate_dated_in_a_closed_period_is_refused(program):
    services.close_period(start=date(2025, 1, 1), end=date(2025, 3, 31))
    with pytest.raises(ApplicationError, match="closed period"):
        services.record_redemption_rate(rate="0.5", effective_from=date(2025, 2, 1))


def test_breakage_is_estimated_from_earning_cohorts(earned):
    member, other = earned
    expire(member, 200, moment(2025, 12, 1), key="exp:a")
    expire(other, 500, moment(2025, 12, 1), key="exp:b")
    estimate = reports.estimate_rate(date(2025, 12, 31))
    # The January cohort is matured: 300 redeemed, 700 expired, nothing open.
    assert estimate.rate == Decimal("0.300000")
    assert "300 of 1000 resolved points redeemed" in estimate.explanation


def test_an_estimated_rate_is_recorded_with_how_it_was_computed(earned):
    expire(earned[1], 100, moment(2025, 12, 1), key="exp:c")
    estimate = services.estimate_redemption_rate(
        as_of=date(2025, 12, 31), effective_from=date(2026, 1, 1), explanation="memo 7"
    )
    assert estimate.method == RedemptionRateEstimate.Method.COHORT
    # 300 redeemed of 400 resolved (0.75); the 600 open points are projected at that share.
    assert estimate.rate == Decimal("0.750000")
    assert "cohort method" in estimate.explanation
    assert estimate.explanation.endswith("memo 7")


def test_with_no_history_the_rate_cannot_be_estimated(program):
    with pytest.raises(ApplicationError, match="cannot estimate"):
        services.estimate_redemption_rate(as_of=date(2025, 1, 1), effective_from=date(2025, 1, 1))


def test_rerunning_an_open_days_snapshot_replaces_it(earned, member):
    tasks.recalc_liability.delay("2025-06-30").get()
    adjust_points(member_id=member.pk, points=50, reason="late", effective_at=moment(2025, 6, 1))
    tasks.recalc_liability.delay("2025-06-30").get()
    snapshot = LiabilitySnapshot.objects.get()
    assert (snapshot.as_of, snapshot.outstanding_points) == (date(2025, 6, 30), 750)


def test_rerunning_a_closed_days_snapshot_keeps_it_and_says_so(earned, member, capsys):
    call_command("recalc_liability", "--as-of", "2025-06-30")
    services.close_period(start=date(2025, 1, 1), end=date(2025, 6, 30))
    adjust_points(member_id=member.pk, points=50, reason="late", effective_at=moment(2025, 6, 1))
    call_command("recalc_liability", "--as-of", "2025-06-30")
    assert "in a closed period: its snapshot is kept" in capsys.readouterr().out
    assert LiabilitySnapshot.objects.get().outstanding_points == 700
    assert reports.liability_figures(date(2025, 6, 30)).outstanding == 700


def test_recalc_liability_command_stores_the_days_snapshot(earned, capsys):
    call_command("recalc_liability", "--as-of", "2025-03-31")
    assert LiabilitySnapshot.objects.get(as_of=date(2025, 3, 31)).outstanding_points == 700
    assert "700 points outstanding" in capsys.readouterr().out


def test_recalc_liability_command_refuses_a_bad_date_in_one_line(program):
    with pytest.raises(CommandError, match="--as-of must be a date"):
        call_command("recalc_liability", "--as-of", "yesterday")


def test_the_nightly_snapshot_is_scheduled(db):
    task = PeriodicTask.objects.get(task="reporting.tasks.recalc_liability")
    assert (task.crontab.hour, task.crontab.minute, task.enabled) == ("1", "30", True)


def test_it_validates_ownership_the_liability_counts_each_members_points_once(earned):
    member, other = earned
    adjust_points(member_id=other.pk, points=10, reason="x", effective_at=moment(2025, 4, 1))
    figures = reports.liability_figures(date(2025, 6, 30)).as_dict()
    assert (figures["outstanding"], figures["from_other"]) == (710, 10)
