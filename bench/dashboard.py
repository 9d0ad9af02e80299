"""The admin dashboard (every card, as a superuser) on a big ledger vs one plain SQL aggregate.

The data is the reports benchmark's (``bench.reports.generate``: members, purchases, lots,
ledger entries and lot movements by bulk SQL over two years, 2024 and 2025). In the same
run, as of 15 December 2025:
- the baseline: one hand-written ``SELECT SUM(points), SUM(pending_points)`` over the ledger
  up to that day (the outstanding points: the least any overview of the program reads),
- ``loyalty.office.dashboard.build`` for a superuser: members, the points of this month
  and last, the liability (IFRS 15 by cohort), top rewards, tiers, referrals, the jobs.
The figure is the ratio of the dashboard to the baseline. Default size: 1,000,000 ledger
entries on PostgreSQL, 200,000 on SQLite (``--n`` sets the entries).
"""

from datetime import UTC, datetime

from django.db import connection

from bench.reports import generate, timed
from loyalty.office import dashboard
from members.models import User
from reporting.reports import end_of

AS_OF = datetime(2025, 12, 15, 12, 0, tzinfo=UTC)


def baseline() -> tuple:
    """The outstanding points at the end of the day, by hand."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT SUM(points), SUM(pending_points) FROM rewards_ledgerentry "
            "WHERE effective_at < %s",
            [end_of(AS_OF.date()).astimezone(UTC).replace(tzinfo=None)],  # as the ORM sends it
        )
        return cursor.fetchone()


def run(n: int | None = None) -> None:
    n = n or (1_000_000 if connection.vendor == "postgresql" else 200_000)
    load_seconds, sizes = timed(lambda: generate(n))
    print(
        f"generated {sizes['members']:,} members, {sizes['purchases']:,} purchases, "
        f"{sizes['entries']:,} ledger entries by bulk SQL in {load_seconds:.1f}s"
    )
    owner = User.objects.create(email="bench-owner@example.com", is_staff=True, is_superuser=True)
    baseline()  # warm the cache the same way for both
    base_seconds, (points, pending) = timed(baseline)
    board_seconds, board = timed(lambda: dashboard.build(owner, now=AS_OF))
    assert board.outstanding.points == points + pending, (board.outstanding, points, pending)
    print(f"baseline (one SELECT SUM(points), SUM(pending_points)): {base_seconds:.3f}s")
    print(
        f"dashboard, every card: {board_seconds:.3f}s ({board.members.total:,} members, "
        f"{board.outstanding.points:,} points outstanding, this month issued "
        f"{board.months[0].issued:,})"
    )
    print(f"figure: dashboard / baseline = {board_seconds / base_seconds:.2f}")
