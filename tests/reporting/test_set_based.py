"""The reports are set-based: their number of queries does not grow with members or entries."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting import reports, services
from rewards.purchases.recording import record_purchase
from tests.factories import MemberFactory

from .helpers import moment

pytestmark = pytest.mark.usefixtures("web")
YEAR = reports.Period(date(2025, 1, 1), date(2025, 12, 31))


def shoppers(count: int, start: int = 0) -> None:
    for index in range(start, start + count):
        member = MemberFactory()
        record_purchase(
            channel="web",
            order_id=f"Q{index}",
            amount="10.00",
            member_id=member.pk,
            purchased_at=moment(2025, 1 + index % 12, 3),
        )


def queries(func) -> int:
    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured)


@pytest.mark.parametrize(
    "build",
    [
        lambda: reports.rollforward(YEAR),
        lambda: reports.liability(YEAR.end),
        lambda: reports.cohorts_report(YEAR.end),
        lambda: reports.revenue(YEAR, by="quarter"),
        lambda: reports.journal(YEAR, by="month"),
        lambda: reports.breakage(YEAR.end),
        lambda: reports.kpis(YEAR),
        lambda: services.record_liability_snapshot(as_of=YEAR.end),
    ],
)
def test_a_reports_queries_do_not_grow_with_the_members(program, build):
    services.record_redemption_rate(rate="0.9", effective_from=date(2025, 1, 1))
    shoppers(2)
    build()  # settings rows are created on first use
    few = queries(build)
    shoppers(20, start=2)
    assert queries(build) == few


def test_periods_are_labelled_as_finance_reads_them(db):
    assert [p.label for p in reports.split(YEAR, "quarter")] == [
        "2025-Q1",
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
    ]
    assert reports.split(reports.Period(date(2025, 1, 15), date(2025, 2, 10)), "month")[
        0
    ].label == ("2025-01-15..2025-01-31")


def test_it_validates_ownership_each_members_purchase_is_allocated_once(program):
    shoppers(3)
    total = reports.position(reports.Books.load(), date(2025, 12, 31)).total
    assert total.sales == 30
    assert total.allocated == Decimal("0.30")  # each: 10.00 x 0.10 / 10.10 = 0.099 -> 0.10
