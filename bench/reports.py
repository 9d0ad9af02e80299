"""Liability recalculation and a one-year roll-forward on a big ledger vs one plain SQL aggregate.

The data (members, purchases, point lots, ledger entries and lot movements) is generated
by bulk SQL (``INSERT ... SELECT`` over ``generate_series`` on PostgreSQL, a recursive CTE
on SQLite), never through Python objects. Then, in the same run:
- the liability recalculation (the nightly task's service: outstanding points, the IFRS 15
  allocations stored on the purchases and the points of each earning cohort from the lot
  movements, grouped by month of the sale),
- the roll-forward of one year (``reports.rollforward``),
- the baseline: one hand-written ``SELECT kind, SUM(...) ... GROUP BY kind`` over the same
  ledger table for the same year.
The figures are the two ratios to the baseline. Default size: 5,000,000 ledger entries and
100,000 members on PostgreSQL; 200,000 entries on SQLite (``--n`` sets the entries; the
members are entries / 50).
"""

import time
from datetime import date

from django.db import connection

from bench import members as bench_members
from reporting import reports, services
from rewards.models import Channel, Program

SHARES = {"earn": 40, "redeem": 30, "expire": 10, "adjust": 10, "action": 6, "reverse": 4}


def dialect():
    if connection.vendor == "postgresql":
        return {
            "source": lambda n: f"FROM generate_series(1::bigint, {n}) AS s(i)",
            "with": lambda n: "",
            "day": lambda expr: (
                f"(timestamptz '2024-01-01 00:00:00+00' + ({expr}) * interval '1 hour')"
            ),
            "now": "now()",
        }
    return {
        "source": lambda n: "FROM s",
        "with": lambda n: (
            f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
        ),
        "day": lambda expr: f"datetime('2024-01-01', '+' || ({expr}) || ' hours')",
        "now": "datetime('now')",
    }


def insert(table: str, columns: str, exprs: str, n: int) -> None:
    d = dialect()
    sql = f"INSERT INTO {table} ({columns}) {d['with'](n)}SELECT {exprs} {d['source'](n)}"
    with connection.cursor() as cursor:
        cursor.execute(sql)


def generate(entries: int) -> dict:
    d = dialect()
    members = max(entries // 50, 10)
    counts = {kind: entries * share // 100 for kind, share in SHARES.items()}
    counts["earn"] += entries - sum(counts.values())
    purchases = counts["earn"]
    hours = 2 * 365 * 24  # two years of history
    when = d["day"](f"(i * 7919) % {hours}")
    Program.objects.create(name="Bench", point_value="0.0100", expiry_policy="never")
    channel = Channel.objects.get_or_create(code="web", defaults={"name": "Web"})[0].pk
    bench_members.check()
    insert(
        "members_member",
        bench_members.columns(),
        bench_members.values(enrolled=d["day"]("i % 5000"), now=d["now"]),
        members,
    )
    insert(
        "rewards_purchase",
        "channel_id, order_id, member_id, purchased_at, currency, amount, shipping_amount, "
        "tax_amount, eligible_amount, refunded_amount, status, points_earned, earn_breakdown, "
        "created_at, allocated_to_points, allocation_rate, allocation_point_value",
        # Allocated at the sale: a x SSP / (a + SSP), SSP = a points x 0.01 x rate 1 = a / 101.
        f"{channel}, 'O' || i, 1 + i % {members}, {when}, 'EUR', 20 + i % 180, 0, 0, "
        f"20 + i % 180, 0, 'completed', 20 + i % 180, '[]', {d['now']}, "
        "ROUND((20 + i % 180) / 101.0, 2), 1, 0.01",
        purchases,
    )
    # One earn entry, one lot and one movement per purchase (ids line up on a fresh database).
    insert(
        "rewards_ledgerentry",
        "member_id, kind, points, pending_points, shortfall, description, reason, purchase_id, "
        "reference, created_at, effective_at, idempotency_key",
        f"1 + i % {members}, 'earn', 20 + i % 180, 0, 0, '', '', i, '', {d['now']}, {when}, "
        "'earn:' || i",
        purchases,
    )
    insert(
        "rewards_pointlot",
        "member_id, entry_id, purchase_id, status, is_debt, points, remaining, earned_at",
        f"1 + i % {members}, i, i, 'available', false, 20 + i % 180, 20 + i % 180, {when}",
        purchases,
    )
    insert("rewards_lotmovement", "entry_id, lot_id, points", "i, i, 20 + i % 180", purchases)
    offset = purchases
    for kind, sign, points in [
        ("redeem", -1, 10),
        ("expire", -1, 5),
        ("reverse", -1, 3),
        ("adjust", 1, 7),
        ("action", 1, 25),
    ]:
        n = counts[kind]
        # A debit takes from a purchase lot of the same member, after it was earned.
        lot = f"1 + (i * 13) % {purchases}"
        debit_when = d["day"](f"((({lot}) * 7919) % {hours}) + 24")
        insert(
            "rewards_ledgerentry",
            "member_id, kind, points, pending_points, shortfall, description, reason, "
            "reference, created_at, effective_at, idempotency_key",
            f"1 + ({lot}) % {members}, '{kind}', {sign * points}, 0, 0, '', '', '', "
            f"{d['now']}, {debit_when if sign < 0 else when}, '{kind}:' || i",
            n,
        )
        if sign < 0:
            insert(
                "rewards_lotmovement",
                "entry_id, lot_id, points",
                f"{offset} + i, {lot}, {sign * points}",
                n,
            )
        offset += n
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {"members": members, "entries": entries, "purchases": purchases}


def timed(func):
    began = time.perf_counter()
    result = func()
    return time.perf_counter() - began, result


def baseline(period: reports.Period) -> list:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kind, SUM(points), SUM(pending_points) FROM rewards_ledgerentry "
            "WHERE effective_at >= %s AND effective_at < %s GROUP BY kind",
            [period.start_at, period.end_at],
        )
        return cursor.fetchall()


def run(n: int | None = None) -> None:
    n = n or (5_000_000 if connection.vendor == "postgresql" else 200_000)
    load_seconds, sizes = timed(lambda: generate(n))
    print(
        f"generated {sizes['members']:,} members, {sizes['purchases']:,} purchases, "
        f"{sizes['entries']:,} ledger entries by bulk SQL in {load_seconds:.1f}s"
    )
    year = reports.Period(date(2025, 1, 1), date(2025, 12, 31))
    baseline(year)  # warm the cache the same way for everyone
    base_seconds, rows = timed(lambda: baseline(year))
    rf_seconds, report = timed(lambda: reports.rollforward(year))
    liab_seconds, result = timed(lambda: services.record_liability_snapshot(as_of=year.end))
    snapshot = result.snapshot
    assert report.summary["reconciles"], report.notes
    print(f"baseline (one SELECT kind, SUM ... GROUP BY kind over a year): {base_seconds:.3f}s")
    print(
        f"roll-forward of a year: {rf_seconds:.3f}s (closing {report.summary['closing']:,} points)"
    )
    print(
        f"liability recalculation: {liab_seconds:.3f}s (outstanding "
        f"{snapshot.outstanding_points:,} points, contract liability {snapshot.contract_liability})"
    )
    print(
        f"figure: roll-forward / baseline = {rf_seconds / base_seconds:.2f}; "
        f"liability recalculation / baseline = {liab_seconds / base_seconds:.2f}"
    )
