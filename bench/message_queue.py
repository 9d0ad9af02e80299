"""Queue a campaign message to N members (default 100,000) against a bulk_create baseline.

Ours is ``campaigns.lifecycle.queue``: one INSERT ... SELECT ... ON CONFLICT DO NOTHING
from the members' queryset, so nothing is loaded into Python (memory flat: the peak
of Python's allocations is printed, by tracemalloc). The baseline is the usual Django
way: read the ids, build
``MessageSend`` objects, ``bulk_create`` them in batches of 1,000 (into the same table,
deleted before ours runs). Figure: messages queued per second, and the ratio.
"""

import time
import tracemalloc

from django.db import connection
from django.db.models import CharField, Value
from django.utils import timezone

from bench import members as bench_members
from bench.segments import series
from campaigns import lifecycle
from campaigns.models import MessageSend
from members.models import Member


def start() -> tuple[float, None]:
    tracemalloc.start()
    return time.perf_counter(), None


def stop(started: float) -> tuple[float, float]:
    """Seconds since ``started`` and the peak of Python's allocations since, in MB."""
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return time.perf_counter() - started, peak / 1024 / 1024


def run(n: int | None = None) -> None:
    n = n or 100_000
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        bench_members.check()
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM members_member")
        last = cursor.fetchone()[0]  # another benchmark's members stay out of the audience
        cursor.execute(
            f"INSERT INTO members_member ({bench_members.columns()}) "
            f"SELECT {bench_members.values(enrolled='%s', now='%s')} "
            f"FROM (SELECT i + 100000000 AS i FROM {series(n)}) numbered",
            [stamp, stamp, stamp],
        )
        cursor.execute("UPDATE members_member SET email_offers = (id > %s)", [last])

    started, _ = start()
    ids = Member.objects.filter(email_offers=True).values_list("pk", flat=True)
    batch = []
    for pk in ids.iterator(chunk_size=5000):
        batch.append(MessageSend(member_id=pk, kind="campaign", event_key="bench:baseline"))
        if len(batch) == 1000:
            MessageSend.objects.bulk_create(batch)
            batch = []
    MessageSend.objects.bulk_create(batch)
    baseline, baseline_growth = stop(started)
    MessageSend.objects.all().delete()

    members = lifecycle.reachable().annotate(
        event_key=Value("campaign:bench", output_field=CharField())
    )
    started, _ = start()
    queued = lifecycle.queue("campaign", members, now=now)
    ours, growth = stop(started)
    again = lifecycle.queue("campaign", members, now=now)
    assert (queued, again) == (n, 0), (queued, again)
    print(f"queued {queued:,} messages in {ours:.2f} s: {queued / ours:,.0f}/s, "
          f"peak Python memory {growth:.1f} MB; queued again: {again}")  # fmt: skip
    print(f"baseline (ids read, bulk_create by 1,000): {baseline:.2f} s: {n / baseline:,.0f}/s, "
          f"peak Python memory {baseline_growth:.1f} MB")  # fmt: skip
    print(f"figure: {baseline / ours:.1f}x the baseline's rate")
