"""Bulk writes of imported purchases: COPY on PostgreSQL, bulk_create elsewhere.

Rows arrive as plain tuples in the tables' column order (without ``id``). On PostgreSQL
the ids are taken from the table's sequence first (one query per batch), so the rows
of the four tables can be streamed with ``COPY`` and still point at each other; on
other databases ``bulk_create`` returns the ids.
"""

import json
from datetime import datetime
from decimal import Decimal

from django.db import connection

from ..models import LedgerEntry, LotMovement, PointLot, Purchase, PurchaseLine

PURCHASE = (
    "channel_id",
    "order_id",
    "member_id",
    "purchased_at",
    "currency",
    "amount",
    "shipping_amount",
    "tax_amount",
    "eligible_amount",
    "refunded_amount",
    "status",
    "points_earned",
    "earn_breakdown",
    "created_at",
)
ENTRY = (
    "member_id",
    "kind",
    "points",
    "pending_points",
    "shortfall",
    "description",
    "reason",
    "purchase_id",
    "reference",
    "created_at",
    "effective_at",
    "idempotency_key",
)
LOT = (
    "member_id",
    "entry_id",
    "purchase_id",
    "status",
    "is_debt",
    "points",
    "remaining",
    "earned_at",
    "available_at",
    "expires_at",
)
MOVEMENT = ("entry_id", "lot_id", "points")
LINE = ("purchase_id", "sku", "category", "quantity", "amount", "is_gift_card", "is_reward_item")

TABLES = {
    Purchase: PURCHASE,
    LedgerEntry: ENTRY,
    PointLot: LOT,
    LotMovement: MOVEMENT,
    PurchaseLine: LINE,
}


class Breakdown:
    """An earn breakdown with its JSON text computed once (many rows share one)."""

    __slots__ = ("value", "text", "copy_text")

    def __init__(self, value: list[dict]):
        self.value = value
        self.text = json.dumps(value)
        self.copy_text = _escape(self.text)


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _escape(value: str) -> str:
    if "\\" in value or not value.isprintable():
        return value.translate(_ESCAPES)
    return value


class _Formats(dict):
    def __missing__(self, kind):
        return lambda value: _escape(str(value))


_FORMAT = _Formats(
    {
        str: _escape,
        int: str,
        Decimal: str,
        bool: lambda value: "t" if value else "f",
        datetime: datetime.isoformat,
        Breakdown: lambda value: value.copy_text,
        type(None): lambda value: "\\N",
    }
)


class Writer:
    def __init__(self):
        self.postgres = connection.vendor == "postgresql"
        self._sequences: dict[str, str] = {}

    def insert(self, model, rows: list[tuple], *, ids: bool = True) -> list[int]:
        if not rows:
            return []
        columns = TABLES[model]
        if self.postgres:
            return self._copy(model, columns, rows, ids)
        objects = [
            model(
                **{
                    column: (value.value if type(value) is Breakdown else value)
                    for column, value in zip(columns, row, strict=True)
                }
            )
            for row in rows
        ]
        model.objects.bulk_create(objects, batch_size=2000)
        return [obj.pk for obj in objects] if ids else []

    def _reserve(self, table: str, count: int) -> list[int]:
        with connection.cursor() as cursor:
            if table not in self._sequences:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                self._sequences[table] = cursor.fetchone()[0]
            cursor.execute(
                "SELECT nextval(%s) FROM generate_series(1, %s)", [self._sequences[table], count]
            )
            return [row[0] for row in cursor.fetchall()]

    def _copy(self, model, columns, rows, ids: bool) -> list[int]:
        table = model._meta.db_table
        new_ids = self._reserve(table, len(rows)) if ids else []
        names = (("id",) if ids else ()) + columns
        fmt = _FORMAT
        if ids:
            text = "".join(
                f"{pk}\t" + "\t".join([fmt[type(v)](v) for v in row]) + "\n"
                for pk, row in zip(new_ids, rows, strict=True)
            )
        else:
            text = "".join("\t".join([fmt[type(v)](v) for v in row]) + "\n" for row in rows)
        sql = f"COPY {table} ({', '.join(names)}) FROM STDIN"  # noqa: S608 - our own names
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            copy.write(text)
        return new_ids
