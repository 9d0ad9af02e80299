"""Record N purchases through the service, against N plain inserts into a same-shape table.

The service does everything a real purchase needs (validation, locking the member,
rules, the purchase row, a ledger entry, a lot, a lot movement, the cached balance);
the baseline is `Model.objects.create` of the same purchase rows into a table with
the same columns, one per transaction as well. The ratio is the figure.
"""

import time
from datetime import timedelta
from decimal import Decimal

from django.db import connection, models, transaction
from django.utils import timezone

from members.models import Member
from rewards.models import Channel, EarnRule, Program, Purchase
from rewards.purchases.recording import record_purchase

DEFAULT_N = 10_000
MEMBERS = 1_000


def plain_model():
    """A model with the columns of Purchase, and no behaviour: the baseline's table."""
    attrs = {"__module__": __name__}
    for field in Purchase._meta.concrete_fields:
        if field.primary_key:
            continue
        name, path, args, kwargs = field.deconstruct()
        if field.is_relation:
            kwargs["related_name"] = "+"
        module, cls = path.rsplit(".", 1)
        attrs[name] = getattr(__import__(module, fromlist=[cls]), cls)(*args, **kwargs)
    attrs["Meta"] = type("Meta", (), {"app_label": "rewards", "db_table": "bench_plain_purchase"})
    model = type("PlainPurchase", (models.Model,), attrs)
    with connection.schema_editor() as editor:
        editor.create_model(model)
    return model


def run(n: int | None = None) -> None:
    n = n or DEFAULT_N
    Program.objects.create(name="Bench", currency="EUR", return_window_days=14)
    web = Channel.objects.get_or_create(code="web", defaults={"name": "Web"})[0]
    EarnRule.objects.create(name="Double weekend", weekdays="6,7", multiplier=Decimal("2"))
    Member.objects.bulk_create(Member(email=f"m{i}@bench.test") for i in range(MEMBERS))
    member_ids = list(Member.objects.values_list("pk", flat=True))
    start = timezone.now() - timedelta(days=365)
    rows = [
        (
            f"O{i}",
            member_ids[i % MEMBERS],
            start + timedelta(minutes=i),
            Decimal(10 + i % 90) + Decimal("0.99"),
        )
        for i in range(n)
    ]

    began = time.perf_counter()
    for order_id, member_id, when, amount in rows:
        record_purchase(
            channel="web", order_id=order_id, amount=amount, member_id=member_id, purchased_at=when
        )
    service_seconds = time.perf_counter() - began

    plain = plain_model()
    began = time.perf_counter()
    for order_id, member_id, when, amount in rows:
        with transaction.atomic():
            plain.objects.create(
                channel=web,
                order_id=order_id,
                member_id=member_id,
                purchased_at=when,
                currency="EUR",
                amount=amount,
                points_earned=int(amount),
                earn_breakdown=[],
            )
    plain_seconds = time.perf_counter() - began

    service_rate, plain_rate = n / service_seconds, n / plain_seconds
    print(f"service: {n} purchases in {service_seconds:.2f}s = {service_rate:,.0f}/s")
    print(
        f"baseline (plain Model.objects.create): {n} in {plain_seconds:.2f}s = {plain_rate:,.0f}/s"
    )
    print(
        f"figure: service / baseline = {service_rate / plain_rate:.3f} "
        f"(each service call writes a purchase, a ledger entry, a lot, a movement, the balance)"
    )
