"""Re-evaluate the tiers of N members set-based, against measuring them one query per member.

Setup: N members (default 2,000) with two purchases each, and three tiers on the amount
spent. The figure is a re-evaluation run of all members (the measures of each batch in
one aggregate query per window, no tier changing) against the same measures taken the
naive way, one aggregate query per member and window, in the same run.
"""

import random
import time
from datetime import timedelta
from decimal import Decimal

from django.db.models import DecimalField, F, Sum
from django.utils import timezone

from members.models import Member, Tier
from rewards.models import Channel, Program, Purchase
from rewards.tiers import measures
from rewards.tiers import services as tiers

DEFAULT_N = 2_000


def setup(n: int) -> None:
    Program.get()
    channel, _ = Channel.objects.get_or_create(code="web", defaults={"name": "Web"})
    now = timezone.now()
    Member.objects.bulk_create(
        [Member(email=f"bench{i}@example.com", enrolled_at=now) for i in range(n)],
        batch_size=1000,
    )
    rng = random.Random(7)  # noqa: S311
    purchases = []
    for member_id in Member.objects.values_list("pk", flat=True):
        for k in range(2):
            amount = Decimal(rng.randint(5, 400))
            purchases.append(
                Purchase(
                    channel=channel,
                    order_id=f"{member_id}-{k}",
                    member_id=member_id,
                    purchased_at=now - timedelta(days=rng.randint(0, 300)),
                    currency="EUR",
                    amount=amount,
                    eligible_amount=amount,
                )
            )
    Purchase.objects.bulk_create(purchases, batch_size=2000)
    Tier.objects.create(name="Regular", rank=0, threshold=0)
    Tier.objects.create(name="Silver", rank=1, measure="spend", threshold=Decimal("300"))
    Tier.objects.create(name="Gold", rank=2, measure="spend", threshold=Decimal("600"))


def naive(as_of) -> int:
    """The same measures, one query per member and window: what set-based SQL avoids."""
    found = 0
    spend = Sum(F("amount") - F("refunded_amount"), output_field=DecimalField())
    for member_id in Member.objects.values_list("pk", flat=True):
        for window in measures.windows(Tier.Period.CALENDAR_YEAR, as_of):
            rows = Purchase.objects.filter(
                member_id=member_id, purchased_at__gte=window.start, purchased_at__lt=window.end
            )
            if rows.aggregate(value=spend)["value"]:
                found += 1
    return found


def run(n=None):
    n = n or DEFAULT_N
    setup(n)
    as_of = timezone.now() + timedelta(minutes=1)
    started = time.perf_counter()
    first = tiers.evaluate_tiers(as_of=as_of)
    assigning = time.perf_counter() - started
    started = time.perf_counter()
    second = tiers.evaluate_tiers(as_of=as_of)
    evaluating = time.perf_counter() - started
    assert second["upgrades"] == second["downgrades"] == 0, second
    started = time.perf_counter()
    naive(as_of)
    baseline = time.perf_counter() - started
    print(f"first run (assigns {first['upgrades']} tiers): {n} members in {assigning:.2f}s")
    print(f"re-evaluation (set-based): {n} members in {evaluating:.2f}s = {n / evaluating:.0f}/s")
    print(
        f"baseline (one query per member and window): {n} in {baseline:.2f}s = {n / baseline:.0f}/s"
    )
    print(f"figure: set-based / baseline = {baseline / evaluating:.1f}x faster")
