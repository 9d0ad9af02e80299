"""The scenario of issue 14: a closed quarter, refunds, a cancelled redemption, an estimate
change and a late expiry run, at a whole point value (1.00), checked to the cent.

Program: 1 point per 10.00, a point is worth 1.00, points expire 3 months after earning.
- 2025-01-01: finance expects 80% of points to be redeemed.
- 2025-01-15: ten members buy 1,000.00 each: 100 points each (January cohort, 1,000).
  Allocation per sale: SSP = 100 x 1.00 x 0.8 = 80; 1,000 x 80 / 1,080 = 74.07.
- 2025-01-20: one of them is refunded 500.00: 50 points reversed, 37.04 taken back.
- 2025-02-10: five redeem 100 points each; 2025-02-12 another redeems 50, cancelled 02-14.
- 2025-03-05: a new member buys 1,000.00: 100 points (March cohort), 74.07 allocated.
- Q1 is closed. Then a refund of 200.00 of the March sale, dated 2025-03-20, is recorded
  late: it is booked in April (20 points, 14.81), and Q1 stays as it was.
- 2025-04-01: finance revises the rate to 90%.
- The expiry job runs late, as of 2025-05-31: January's 450 open points expired on 04-15.
"""

from datetime import date
from decimal import Decimal

import pytest

from reporting import closing, reports, services
from rewards.expiry.services import expire_points
from rewards.models import LedgerEntry, Program
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from rewards.redemptions.services import cancel_redemption, redeem_reward
from tests.factories import MemberFactory, RewardFactory

from .helpers import moment

pytestmark = pytest.mark.usefixtures("web")
Q1 = reports.Period(date(2025, 1, 1), date(2025, 3, 31))


@pytest.fixture
def scenario(program):
    program.point_value = Decimal("1")
    program.earn_per_amount = Decimal("10.00")
    program.expiry_policy = Program.Expiry.FIXED
    program.expiry_months = 3
    program.save()
    services.record_redemption_rate(rate="0.8", effective_from=date(2025, 1, 1))
    january = MemberFactory.create_batch(10, enrolled_at=moment(2025, 1, 1))
    sales = [
        record_purchase(
            channel="web",
            order_id=f"JAN-{i}",
            amount="1000.00",
            member_id=m.pk,
            purchased_at=moment(2025, 1, 15),
        )
        for i, m in enumerate(january)
    ]
    refund_purchase(purchase_id=sales[9].pk, amount="500.00", refunded_at=moment(2025, 1, 20))
    hundred, fifty = RewardFactory(points_cost=100), RewardFactory(points_cost=50)
    for m in january[:5]:
        redeem_reward(member_id=m.pk, reward_id=hundred.pk, effective_at=moment(2025, 2, 10))
    cancelled = redeem_reward(
        member_id=january[5].pk, reward_id=fifty.pk, effective_at=moment(2025, 2, 12)
    )
    cancel_redemption(redemption_id=cancelled.pk, effective_at=moment(2025, 2, 14))
    march = MemberFactory(enrolled_at=moment(2025, 3, 1))
    late_sale = record_purchase(
        channel="web",
        order_id="MAR-1",
        amount="1000.00",
        member_id=march.pk,
        purchased_at=moment(2025, 3, 5),
    )
    return {"sales": sales, "late_sale": late_sale}


def late_events(scenario):
    """A refund dated in Q1 recorded after it was closed, a new estimate, a late expiry run."""
    refund_purchase(
        purchase_id=scenario["late_sale"].pk, amount="200.00", refunded_at=moment(2025, 3, 20)
    )
    services.record_redemption_rate(rate="0.9", effective_from=date(2025, 4, 1))
    expire_points(as_of=moment(2025, 5, 31))


def close_q1_then_record_late_events(scenario):
    services.close_period(start=Q1.start, end=Q1.end)
    late_events(scenario)


def test_each_sale_is_allocated_to_the_cent_at_a_whole_point_value(scenario):
    assert {sale.allocated_to_points for sale in scenario["sales"]} == {Decimal("74.07")}
    assert scenario["sales"][0].allocation_rate == Decimal("0.8")


def test_the_quarter_end_liability_by_cohort(scenario):
    q1 = reports.liability_figures(Q1.end).position
    january, march = q1.cohorts
    assert (january.allocated, january.net, january.redeemed, january.outstanding) == (
        Decimal("703.66"),  # 740.70 - 37.04
        950,
        500,
        450,
    )
    # expected 950 x 0.8 = 760: 703.66 x 500 / 760 = 462.93 recognised
    assert (january.recognised, january.liability) == (Decimal("462.93"), Decimal("240.73"))
    assert (march.recognised, march.liability) == (Decimal("0.00"), Decimal("74.07"))


def test_every_report_of_the_closed_quarter_stays_the_same_after_late_events(scenario):
    services.close_period(start=Q1.start, end=Q1.end)
    before = closing.every_report(Q1)
    late_events(scenario)
    assert closing.every_report(Q1) == before


def test_the_late_refund_is_a_labelled_correction_in_april(scenario):
    close_q1_then_record_late_events(scenario)
    april = reports.rollforward(reports.Period(date(2025, 4, 1), date(2025, 4, 30)))
    lines = {row["line"]: row["points"] for row in april.rows}
    assert (
        lines["Correction dated in a closed period: Issued reversed (refunds and returns)"] == -20
    )
    assert lines["Opening outstanding"] == Q1_CLOSING
    revenue = reports.revenue(reports.Period(date(2025, 4, 1), date(2025, 4, 30)))
    assert revenue.rows[0]["corrections"] == Decimal("-14.81")  # 74.07 x 200 / 1,000


Q1_CLOSING = 1000 - 50 - 500 + 100  # January net of the refund and redemptions, and March


def test_the_expiry_is_dated_at_the_lots_own_date_though_the_job_ran_late(scenario):
    close_q1_then_record_late_events(scenario)
    dates = set(
        LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRE).values_list(
            "effective_at", flat=True
        )
    )
    assert dates == {moment(2025, 4, 15)}
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRE).count() == 5  # one a member


def test_an_expired_cohort_is_fully_recognised_and_the_pool_overstates(scenario):
    close_q1_then_record_late_events(scenario)
    figures = reports.liability_figures(date(2025, 5, 31))
    january, march = figures.position.cohorts
    assert (january.outstanding, january.liability) == (0, Decimal("0.00"))
    assert january.recognised == Decimal("703.66")
    # March: 80 points open of 80 net (after the refund), 59.26 allocated, nothing redeemed.
    assert (march.outstanding, march.allocated, march.liability) == (
        80,
        Decimal("59.26"),
        Decimal("59.26"),
    )
    total = figures.as_dict()
    assert total["contract_liability"] == Decimal("59.26")
    assert total["purchase_points_face_value"] == Decimal("80.00")
    # The pool: 762.92 x 500 / min(1,030 x 0.9, 500 + 80) = 657.69: liability 105.23, above
    # the 80.00 face value of the open points and 1.8 times the cohorts' figure.
    assert total["pool_liability"] == Decimal("105.23")
    assert total["pool_difference"] == Decimal("45.97")


def test_the_liability_report_warns_when_the_pool_would_exceed_the_face_value(scenario):
    close_q1_then_record_late_events(scenario)
    report = reports.liability(date(2025, 5, 31))
    lines = {row["line"]: row["value"] for row in report.rows}
    assert lines["Contract liability over the whole pool (for comparison)"] == Decimal("105.23")
    assert lines["  difference: pool - cohorts"] == Decimal("45.97")
    cohorts = reports.cohorts_report(date(2025, 5, 31))
    pool = next(row for row in cohorts.rows if row["cohort"].startswith("Pool"))
    assert pool["adjusted"] == "capped at redeemed + still open"


def test_it_validates_ownership_a_members_refund_takes_back_only_their_sales_share(scenario):
    close_q1_then_record_late_events(scenario)
    january = reports.liability_figures(date(2025, 5, 31)).position.cohorts[0]
    assert january.allocated == Decimal("703.66")  # the March refund did not touch January
