"""Set-based expiry of imported lots whose expiry date has already passed.

Historical points are dated at their purchase, so some were due to expire before
the import ran; the import expires them at once, the way the program would have.
One ``expire`` entry per member (dated at the latest expiry it covers), one movement
per lot, all in a handful of statements whatever the number of lots. The expiry job
of the program can replace this later: it only needs the lots' ``expires_at``.
"""

import secrets
from datetime import datetime

from django.db import connection
from django.db.models import F, Max, OuterRef, Subquery, Sum

from members.models import Member

from ..models import LedgerEntry, LotMovement, PointLot


def expire_imported_lots(*, first_purchase_pk: int, last_purchase_pk: int, now: datetime) -> dict:
    """Expire the lots of purchases ``first..last`` whose ``expires_at`` is not after ``now``."""
    lots = PointLot.objects.filter(
        purchase_id__gte=first_purchase_pk,
        purchase_id__lte=last_purchase_pk,
        status=PointLot.Status.AVAILABLE,
        is_debt=False,
        remaining__gt=0,
        expires_at__lte=now,
    )
    reference = f"import-expiry:{secrets.token_hex(8)}"
    per_member = (
        lots.values("member_id")
        .annotate(total=Sum("remaining"), last=Max("expires_at"))
        .order_by("member_id")
    )
    points = members = 0
    batch: list[LedgerEntry] = []

    def flush():
        # Lock in primary-key order, as the services do, before the balances change.
        list(
            Member.objects.select_for_update()
            .filter(pk__in=[e.member_id for e in batch])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        LedgerEntry.objects.bulk_create(batch)
        batch.clear()

    for row in per_member.iterator(chunk_size=5000):
        batch.append(
            LedgerEntry(
                member_id=row["member_id"],
                kind=LedgerEntry.Kind.EXPIRE,
                points=-row["total"],
                description=f"{row['total']} imported points expired",
                reference=reference,
                created_at=now,
                effective_at=row["last"],
                idempotency_key=f"{reference}:{row['member_id']}",
            )
        )
        points += row["total"]
        members += 1
        if len(batch) >= 5000:
            flush()
    if batch:
        flush()
    if not members:
        return {"members": 0, "points": 0}

    lot, entry, movement = (
        PointLot._meta.db_table,
        LedgerEntry._meta.db_table,
        LotMovement._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {movement} (entry_id, lot_id, points) "  # noqa: S608 - our table names
            f"SELECT e.id, l.id, -l.remaining FROM {lot} l "
            f"JOIN {entry} e ON e.member_id = l.member_id AND e.reference = %s "
            "WHERE l.purchase_id >= %s AND l.purchase_id <= %s AND l.status = %s "
            "AND l.is_debt = %s AND l.remaining > 0 AND l.expires_at <= %s",
            [
                reference,
                first_purchase_pk,
                last_purchase_pk,
                PointLot.Status.AVAILABLE,
                False,
                connection.ops.adapt_datetimefield_value(now),
            ],
        )
    lots.update(remaining=0)
    Member.objects.filter(
        pk__in=LedgerEntry.objects.filter(reference=reference).values("member_id")
    ).update(
        points_balance=F("points_balance")
        + Subquery(
            LedgerEntry.objects.filter(member_id=OuterRef("pk"), reference=reference).values(
                "points"
            )[:1]
        )
    )
    return {"members": members, "points": points}
