"""No stored total can overflow: the largest allowed values, many times, then every report
over all time (on SQLite and PostgreSQL; PostgreSQL's 32-bit integers are the tight ones)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reporting import reports
from rewards import validation
from rewards.adjustments.services import adjust_points
from rewards.expiry.services import expire_points
from rewards.models import LedgerEntry, Purchase
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from rewards.redemptions.services import redeem_points
from tests.factories import MemberFactory
from tests.helpers import assert_ledger_consistent, balance

TIMES = 50  # 25 lots of 10^8 points expire in one entry: past 2^31, a 32-bit column


@pytest.fixture
def widest(program):
    """A program opened up to the hard ceilings (largest purchase, points at once)."""
    program.max_purchase_amount = validation.HARD_MAX_AMOUNT
    program.max_points_per_entry = validation.HARD_MAX_POINTS
    program.large_adjustment_points = validation.HARD_MAX_POINTS  # no approval in this test
    program.earn_points, program.earn_per_amount = 1, 1
    program.save()
    return program


def test_the_largest_values_many_times_keep_every_total_and_report_working(widest, web):
    member, other = MemberFactory(), MemberFactory()
    now = timezone.now()
    for index in range(TIMES):
        when = now - timedelta(days=800 if index % 2 else 1)  # half of them expired since
        purchase = record_purchase(
            channel="web",
            order_id=f"MAX-{index}",
            amount=validation.HARD_MAX_AMOUNT,
            member_id=member.pk,
            purchased_at=when,
        )
        adjust_points(
            member_id=member.pk, points=validation.HARD_MAX_POINTS, reason="largest adjustment"
        )
    assert purchase.points_earned == 99_999_999
    refund_purchase(purchase_id=purchase.pk, amount=validation.HARD_MAX_AMOUNT)
    for _ in range(3):
        redeem_points(member_id=member.pk, points=validation.HARD_MAX_POINTS)
    adjust_points(member_id=other.pk, points=5, reason="a member of normal size")

    result = expire_points()
    expired = LedgerEntry.objects.get(member=member, kind=LedgerEntry.Kind.EXPIRE)
    assert result["points"] == -expired.points > 2**31  # one entry for 25 full lots

    assert balance(member) > 2**31
    assert balance(other) == 5
    assert_ledger_consistent()
    total = sum(Purchase.objects.values_list("amount", flat=True))
    assert total == TIMES * validation.HARD_MAX_AMOUNT

    start, today = widest.earliest_date, timezone.localdate()
    everything = reports.Period(start=start, end=today)
    for name in reports.REPORTS:
        for by in ("month", "year"):
            report = reports.build(name, everything, as_of=today, by=by)
            assert report is not None, name
