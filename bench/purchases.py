"""Record N purchases through the service, against the same statements replayed with psycopg.

Ours: ``record_purchase`` for N purchases (1,000 members, one a year ago each minute,
an active earn rule), one transaction each, as a shop's integration would call it.
The floor, measured in the same run: the statements one purchase sent (captured from
the code by ``bench/floor.py``, not hand-copied), replayed with the driver on other
members and order ids, one transaction each: what PostgreSQL alone needs to write the
same purchase, ledger entry, lot, movement and balance. The two alternate (blocks of
20 purchases) within 5 rounds, so that a busy machine slows both alike; the figure is
ours ÷ floor in throughput (1.0: no cost above the database's), the median of the
rounds with their spread. It also prints this process's CPU per purchase, which the
disk's waits do not blur. Goal on the 2-core machine: at least 0.8.
"""

import statistics
import time
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from bench import floor
from members.models import Member
from rewards.models import Channel, EarnRule, LedgerEntry, Program
from rewards.purchases.recording import record_purchase

DEFAULT_N = 10_000
ROUNDS = 5
BLOCK = 20  # purchases in a row before the other side's turn
MEMBERS = 1_000
GOAL = 0.8


def summary(values: list[float], fmt: str = "{:,.0f}") -> str:
    return (
        f"{fmt.format(statistics.median(values))} "
        f"({fmt.format(min(values))}-{fmt.format(max(values))})"
    )


def check_floor(prefix: str, expected: int) -> None:
    """The replayed purchases wrote what ours write: a purchase and its ledger entry each."""
    entries = LedgerEntry.objects.filter(purchase__order_id__startswith=prefix)
    if entries.count() != expected:
        raise RuntimeError(f"the floor wrote {entries.count()} purchases, not {expected}")


def record(**fields):
    return lambda: record_purchase(channel="web", **fields)


def run(n: int | None = None) -> None:
    n = n or DEFAULT_N
    Program.objects.create(name="Bench", currency="EUR", return_window_days=14)
    Channel.objects.get_or_create(code="web", defaults={"name": "Web"})
    EarnRule.objects.create(name="Double weekend", weekdays="6,7", multiplier=Decimal("2"))
    Member.objects.bulk_create(Member(email=f"m{i}@bench.test") for i in range(MEMBERS))
    Member.objects.bulk_create(Member(email=f"f{i}@bench.test") for i in range(MEMBERS))
    ours = list(Member.objects.filter(email__startswith="m").values_list("pk", flat=True))
    theirs = list(Member.objects.filter(email__startswith="f").values_list("pk", flat=True))
    start = timezone.now() - timedelta(days=365)
    amount = lambda i: Decimal(10 + i % 90) + Decimal("0.99")  # noqa: E731
    record_purchase(channel="web", order_id="warm", amount="1", member_id=ours[0])

    script = None
    if connection.vendor == "postgresql":
        when = start - timedelta(days=1)
        script = floor.capture(
            lambda member_id, order_id: record(
                member_id=member_id, order_id=order_id, amount="54.99", purchased_at=when
            ),
            {"member_id": theirs[0], "order_id": "CAPTURE-A"},
            {"member_id": theirs[1], "order_id": "CAPTURE-B"},
        )
        floor_db, raw = floor.new_connection()
        print(
            f"floor: {script.statements} statements of one purchase, captured from "
            f"record_purchase and replayed with psycopg ({script.kept} clock values kept)"
        )
    else:
        print("floor: measured on PostgreSQL only (set DATABASE_URL)")

    per_round = n // ROUNDS
    rates, floors, ratios = [], [], []
    cpu = {"ours": 0.0, "floor": 0.0}  # this process's CPU: Python and the driver
    for r in range(ROUNDS):
        # Within a round, blocks of ours and of the floor alternate, so that both meet
        # the same disk (a commit waits for its fsync) and the same neighbours.
        spent = {"ours": 0.0, "floor": 0.0}
        for block in range(r * per_round, (r + 1) * per_round, BLOCK):
            chunk = range(block, min(block + BLOCK, (r + 1) * per_round))
            began, cpu_began = time.perf_counter(), time.process_time()
            for i in chunk:
                record_purchase(
                    channel="web",
                    order_id=f"O{i}",
                    amount=amount(i),
                    member_id=ours[i % MEMBERS],
                    purchased_at=start + timedelta(minutes=i),
                )
            spent["ours"] += time.perf_counter() - began
            cpu["ours"] += time.process_time() - cpu_began
            if script is None:
                continue
            began, cpu_began = time.perf_counter(), time.process_time()
            for i in chunk:
                script.run(raw, member_id=theirs[i % MEMBERS], order_id=f"FS{i}")
            spent["floor"] += time.perf_counter() - began
            cpu["floor"] += time.process_time() - cpu_began
        rates.append(per_round / spent["ours"])
        if script is not None:
            floors.append(per_round / spent["floor"])
            ratios.append(rates[-1] / floors[-1])
    if script is not None:
        floor_db.close()
        check_floor("FS", per_round * ROUNDS)

    total = per_round * ROUNDS
    print(f"ours (record_purchase): {total} purchases, {summary(rates)}/s")
    if not ratios:
        return
    print(f"floor (the same statements, psycopg): {total} purchases, {summary(floors)}/s")
    print(
        f"CPU of this process per purchase: ours {cpu['ours'] * 1000 / total:.2f} ms, "
        f"floor {cpu['floor'] * 1000 / total:.2f} ms (the driver's share)"
    )
    print(
        f"figure: ours / floor = {summary(ratios, '{:.2f}')} "
        f"(median of {ROUNDS} interleaved rounds, min-max; goal >= {GOAL})"
    )
