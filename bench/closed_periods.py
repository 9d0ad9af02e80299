"""Closed periods stay byte-identical: 8 quarters closed on a big ledger, then a later month.

1. Two years of history (2024-2025) by bulk SQL (``bench.reports.generate``: purchases with
   their allocation, redemptions, expiries, reversals, adjustments and actions, each with
   its lots and movements), made consistent (lots' remaining, members' balances).
2. The eight quarters are closed one after the other (``services.close_period``), then
   every report of each (the quarter, its months, and as of each of its days) is
   serialised to JSON bytes, with the month-end liability snapshots.
3. A month of later events through the services, many dated inside the closed quarters:
   purchases, late refunds, back-dated redemptions and cancellations, adjustments, a new
   estimate, the expiry policy applied and a late expiry run, the release job, and the
   month closed in its turn.
4. Every report of every closed quarter is computed again and compared, byte for byte;
   re-running a closed day's snapshot must keep it; the roll-forward of everything must
   close on the members' balances and the month's roll-forward shows the corrections.
Default: 100,000 generated ledger entries (``--n``).
"""

import hashlib
import json
import random
import time
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.core.management import call_command
from django.db import connection
from django.db.models import F, Sum
from django.utils import timezone

from bench import reports as bench_reports
from loyalty.errors import ApplicationError
from members.models import Member
from reporting import closing, reports, services
from rewards.adjustments.services import adjust_points
from rewards.expiry.release import release_pending_points
from rewards.expiry.services import apply_expiry_policy_to_open_lots, expire_points
from rewards.models import Program, Purchase, Redemption
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from rewards.redemptions.services import cancel_redemption, redeem_points

QUARTERS = [
    reports.Period(date(year, month, 1), date(year, month + 2, 31 if month in (1, 10) else 30))
    for year in (2024, 2025)
    for month in (1, 4, 7, 10)
]
JANUARY = reports.Period(date(2026, 1, 1), date(2026, 1, 31))


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock(hour)))


def consistent() -> None:
    """Give the generated credits without lots a lot, and cached values their true sums."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO rewards_pointlot (member_id, entry_id, status, is_debt, points, "
            "remaining, earned_at) SELECT member_id, id, 'available', false, points, points, "
            "effective_at FROM rewards_ledgerentry WHERE kind IN ('adjust', 'action')"
        )
        cursor.execute(
            "INSERT INTO rewards_lotmovement (entry_id, lot_id, points) SELECT l.entry_id, l.id, "
            "l.points FROM rewards_pointlot l JOIN rewards_ledgerentry e ON e.id = l.entry_id "
            "WHERE e.kind IN ('adjust', 'action')"
        )
        cursor.execute(
            "UPDATE rewards_pointlot SET remaining = (SELECT SUM(m.points) FROM "
            "rewards_lotmovement m WHERE m.lot_id = rewards_pointlot.id)"
        )
        cursor.execute(
            "UPDATE members_member SET points_balance = (SELECT COALESCE(SUM(e.points), 0) "
            "FROM rewards_ledgerentry e WHERE e.member_id = members_member.id)"
        )
        cursor.execute("ANALYZE")


def serialised(period: reports.Period) -> bytes:
    found = closing.every_report(period)
    return json.dumps(found, sort_keys=True, separators=(",", ":")).encode()


def snapshots(period: reports.Period) -> dict:
    """Each month end's liability snapshot: recomputing a closed day must keep it."""
    out = {}
    for part in reports.split(period, "month"):
        result = services.record_liability_snapshot(as_of=part.end)
        s = result.snapshot
        out[part.end] = (s.outstanding_points, s.contract_liability, s.cost_liability, result.kept)
    return out


def later_month(rng: random.Random) -> dict:
    """A month of events through the services, many of them dated in the closed quarters."""
    counts = dict.fromkeys(
        ["purchases", "late refunds", "redemptions", "back-dated", "cancellations", "adjust"], 0
    )
    members = list(Member.objects.order_by("pk").values_list("pk", flat=True))
    old = list(Purchase.objects.order_by("pk").values_list("pk", "purchased_at")[:20000])
    services.record_redemption_rate(rate="0.9", effective_from=date(2026, 1, 15))
    services.set_cost_per_point(cost="0.004")
    for n in range(1000):
        day = JANUARY.start + timedelta(days=n % 31)
        try:
            record_purchase(
                channel="web",
                order_id=f"JAN-{n}",
                amount=f"{rng.randint(10, 300)}.00",
                member_id=rng.choice(members),
                purchased_at=at(day, 9 + n % 10),
            )
            counts["purchases"] += 1
            if n % 5 == 0:
                pk, bought = rng.choice(old)
                refund_purchase(
                    purchase_id=pk, amount="5.00", refunded_at=bought + timedelta(days=3)
                )
                counts["late refunds"] += 1
            if n % 3 == 0:
                back = rng.random() < 0.3
                when = at(date(2025, 11, 1) + timedelta(days=n % 60)) if back else at(day, 20)
                redeem_points(member_id=rng.choice(members), points=10, effective_at=when)
                counts["redemptions"] += 1
                counts["back-dated"] += back
            if n % 10 == 0:
                adjust_points(
                    member_id=rng.choice(members),
                    points=rng.choice([15, -5]),
                    reason="bench correction",
                    effective_at=at(date(2024, 2, 1) + timedelta(days=n % 600)),
                )
                counts["adjust"] += 1
        except ApplicationError:
            counts["refused"] = counts.get("refused", 0) + 1  # e.g. not enough points
    for redemption in Redemption.objects.order_by("-pk")[:100]:
        cancel_redemption(
            redemption_id=redemption.pk, effective_at=redemption.created_at + timedelta(hours=1)
        )
        counts["cancellations"] += 1
    program = Program.get()
    program.expiry_policy, program.expiry_months = Program.Expiry.FIXED, 12
    program.save()
    apply_expiry_policy_to_open_lots()
    counts["expiry"] = expire_points(as_of=at(date(2026, 1, 31), 23))["points"]
    counts["released"] = release_pending_points(now=at(date(2026, 1, 31), 23))["points"]
    services.close_period(start=JANUARY.start, end=JANUARY.end)
    return counts


def timed(func):
    began = time.perf_counter()
    result = func()
    return time.perf_counter() - began, result


def run(n: int | None = None) -> None:
    n = n or 100_000
    if Member.objects.exists():  # another benchmark of the run left its rows: start afresh
        call_command("flush", "--no-input", verbosity=0)
    seconds, sizes = timed(lambda: bench_reports.generate(n))
    consistent()
    print(
        f"generated {sizes['entries']:,} ledger entries, {sizes['purchases']:,} purchases, "
        f"{sizes['members']:,} members by bulk SQL in {seconds:.1f}s"
    )
    seconds, _ = timed(lambda: [services.close_period(start=q.start, end=q.end) for q in QUARTERS])
    print(f"closed {len(QUARTERS)} quarters (2024-Q1..2025-Q4) in {seconds:.1f}s")
    seconds, before = timed(lambda: {q: serialised(q) for q in QUARTERS})
    reports_each = len(closing.every_report(QUARTERS[0]))
    print(
        f"every report of each quarter (the quarter, its months, as of each of its days: "
        f"about {reports_each} reports a quarter), {sum(map(len, before.values())):,} bytes, "
        f"in {seconds:.1f}s"
    )
    month_ends = {q: snapshots(q) for q in QUARTERS}
    seconds, counts = timed(lambda: later_month(random.Random(14)))  # noqa: S311
    print(f"a month of later events in {seconds:.1f}s: {counts}")
    seconds, after = timed(lambda: {q: serialised(q) for q in QUARTERS})
    same = [q.label for q in QUARTERS if after[q] == before[q]]
    print(f"recomputed in {seconds:.1f}s; byte-identical: {len(same)} of {len(QUARTERS)} quarters")
    for q in QUARTERS:
        digest = hashlib.sha256(after[q]).hexdigest()[:16]
        print(f"  {q.label}: {len(after[q]):,} bytes, sha256 {digest}, same: {q.label in same}")
    kept = {q: snapshots(q) for q in QUARTERS}
    unchanged = all(
        all(v[:3] == month_ends[q][d][:3] and v[3] for d, v in kept[q].items()) for q in QUARTERS
    )
    print(f"closed days' snapshots kept and unchanged on a re-run: {unchanged}")
    everything = reports.rollforward(reports.Period(date(2024, 1, 1), date(2026, 1, 31)))
    balances = Member.objects.aggregate(total=Sum(F("points_balance") + F("pending_points")))
    print(
        f"roll-forward 2024-01-01..2026-01-31 closes on {everything.summary['closing']:,} points; "
        f"members' balances {balances['total']:,}; reconciles: {everything.summary['reconciles']}"
    )
    january = reports.rollforward(JANUARY)
    for row in january.rows:
        if row["line"].startswith("Correction"):
            print(f"  January: {row['line']}: {row['points']:,}")
    assert len(same) == len(QUARTERS), "a closed quarter changed"
    assert unchanged, "a closed day's snapshot changed"
    assert everything.summary["closing"] == balances["total"]
    print(f"figure: {len(same)}/{len(QUARTERS)} closed quarters byte-identical")
