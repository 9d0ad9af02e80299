"""Published IFRS 15 loyalty-programme examples, reproduced from the ledger to the currency unit."""

from datetime import date
from decimal import Decimal

import pytest

from reporting import reports, services
from rewards.models import Program
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from rewards.redemptions.services import redeem_reward
from tests.factories import MemberFactory, RewardFactory

from .helpers import moment, units

pytestmark = pytest.mark.usefixtures("web")


def _program(*, point_value, earn_per_amount):
    program = Program.get()
    program.point_value = Decimal(point_value)
    program.earn_per_amount = Decimal(earn_per_amount)
    program.expiry_policy = Program.Expiry.NEVER
    program.save()


def _sell(members, amount, when):
    for index, member in enumerate(members):
        record_purchase(
            channel="web",
            order_id=f"S{when:%Y%m%d}-{index}",
            amount=amount,
            member_id=member.pk,
            purchased_at=when,
        )


def _redeem(members, points_each, when):
    reward = RewardFactory(points_cost=points_each)
    for member in members:
        redeem_reward(member_id=member.pk, reward_id=reward.pk, effective_at=when)


def _years(first, last):
    period = reports.Period(date(first, 1, 1), date(last, 12, 31))
    return reports.revenue(period, by="year").rows


@pytest.fixture
def example_52(program):
    """IFRS 15 Illustrative Examples, Example 52 - Customer loyalty programme (IE267-IE270).

    Sales of CU100,000 earn 10,000 points worth CU1 each; 9,500 expected to be redeemed
    (rate 0.95); Year 1: 4,500 redeemed; Year 2: expectation revised to 9,700 (0.97),
    cumulative 8,500 redeemed. Ten customers, each buying 10,000 and earning 1,000 points.
    """
    _program(point_value="1", earn_per_amount="10.00")
    services.record_redemption_rate(rate="0.95", effective_from=date(2024, 1, 1))
    members = MemberFactory.create_batch(10)
    _sell(members, "10000.00", moment(2024, 3, 1))
    _redeem(members, 450, moment(2024, 9, 1))
    services.record_redemption_rate(rate="0.97", effective_from=date(2025, 1, 1))
    _redeem(members, 400, moment(2025, 6, 1))
    return members


def test_example_52_allocates_the_price_by_relative_stand_alone_selling_price(example_52):
    year1 = _years(2024, 2024)[0]
    assert units(year1["allocated"]) == 8_676
    assert units(year1["sales"] - year1["allocated"]) == 91_324


def test_example_52_recognises_year_1_revenue_on_redemptions(example_52):
    year1 = _years(2024, 2024)[0]
    assert (units(year1["recognised"]), units(year1["liability"])) == (4_110, 4_566)


def test_example_52_year_2_catches_up_on_the_revised_expectation(example_52):
    year1, year2 = _years(2024, 2025)
    assert units(year2["allocated"]) == 0  # a new estimate does not change the allocation
    assert units(year2["cumulative"]) == 7_603
    assert units(year2["recognised"]) == 3_493
    assert units(year2["liability"]) == 1_073
    assert year1["cumulative"] + year2["recognised"] == year2["cumulative"]


@pytest.fixture
def grocery_example(program):
    """IFRIC 13 IE1-IE5 (the grocery retailer), restated under IFRS 15 with relative SSP.

    Source: "Illustration IFRS 15" (scribd.com/presentation/318115841): sales of
    P7,200,000 earn 10,000 points; SSP of a point P100; 80% (8,000) expected to be
    redeemed; allocation: points P720,000, products P6,480,000. 2016: 4,000 redeemed,
    revenue 360,000. 2017: expectation revised to 9,000, 4,100 more redeemed (8,100),
    cumulative 648,000, revenue 288,000. 2018: 900 more (9,000), still 9,000 expected:
    cumulative 720,000, revenue 72,000, nothing left in the liability.
    """
    _program(point_value="100", earn_per_amount="720.00")
    services.record_redemption_rate(rate="0.8", effective_from=date(2016, 1, 1))
    members = MemberFactory.create_batch(10)
    _sell(members, "720000.00", moment(2016, 2, 1))
    _redeem(members, 400, moment(2016, 10, 1))
    services.record_redemption_rate(rate="0.9", effective_from=date(2017, 1, 1))
    _redeem(members, 410, moment(2017, 10, 1))
    _redeem(members, 90, moment(2018, 10, 1))
    return members


def test_grocery_example_follows_the_revised_expectation_to_a_zero_liability(grocery_example):
    rows = _years(2016, 2018)
    assert [units(r["allocated"]) for r in rows] == [720_000, 0, 0]
    assert units(rows[0]["sales"] - rows[0]["allocated"]) == 6_480_000
    assert [units(r["recognised"]) for r in rows] == [360_000, 288_000, 72_000]
    assert [units(r["liability"]) for r in rows] == [360_000, 72_000, 0]


def test_it_validates_ownership_a_refund_takes_back_only_its_own_purchases_share(example_52):
    """One customer's refund reduces the allocation by that purchase's share, not another's."""
    purchase = example_52[0].purchases.get()
    refund = refund_purchase(
        purchase_id=purchase.pk, amount="5000.00", refunded_at=moment(2025, 7, 1)
    )
    assert refund.allocated_to_points == Decimal("433.79")  # half of 867.58
    after = reports.position(reports.Books.load(), date(2025, 12, 31)).total.allocated
    assert after == Decimal("8675.80") - Decimal("433.79")


def test_a_closed_years_revenue_never_changes_and_the_correction_goes_to_the_next(example_52):
    services.close_period(start=date(2024, 1, 1), end=date(2024, 12, 31))
    _sell(example_52[:1], "10000.00", moment(2024, 6, 1))  # recorded late, dated in 2024
    year1, year2 = _years(2024, 2025)
    assert units(year1["allocated"]) == 8_676
    assert year1["closed"].startswith("closed")
    assert units(year2["allocated"]) == 868  # 10,000 x 950 / 10,950 = 867.58


def test_a_closed_years_months_keep_their_figures_too(example_52):
    services.close_period(start=date(2024, 1, 1), end=date(2024, 12, 31))
    _sell(example_52[:1], "10000.00", moment(2024, 3, 20))
    months = reports.revenue(reports.Period(date(2024, 3, 1), date(2024, 3, 31)), by="month")
    assert units(months.rows[0]["allocated"]) == 8_676


def test_example_52_journal_books_the_deferral_and_its_release(example_52):
    period = reports.Period(date(2024, 1, 1), date(2024, 12, 31))
    entries = {
        (row["debit"], row["credit"]): row["amount"]
        for row in reports.journal(period, by="year").rows
    }
    deferral = ("Revenue: sales of goods", "Contract liability: loyalty points")
    redeemed = ("Contract liability: loyalty points", "Revenue: points redeemed")
    breakage = ("Contract liability: loyalty points", "Revenue: breakage")
    assert entries[deferral] == Decimal("8675.80")
    assert entries[redeemed] == Decimal("3904.11")  # 4,500 points x 8,675.80 / 10,000
    assert entries[redeemed] + entries[breakage] == Decimal("4109.59")  # revenue of year 1
