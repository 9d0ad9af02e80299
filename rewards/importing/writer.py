"""Bulk writes of imported members and purchases: COPY on PostgreSQL, bulk_create elsewhere.

Rows arrive as plain tuples in the tables' column order (without ``id``). On PostgreSQL
the ids are taken from the table's sequence in blocks, so the rows of the four tables
can be streamed with ``COPY`` and still point at each other; on other databases
``bulk_create`` returns the ids.

On PostgreSQL a batch's ``COPY`` statements and its foreign-key checks (the constraints
are deferred: ``SET CONSTRAINTS ALL IMMEDIATE`` runs them for the batch) are sent from a
background thread on the import's own connection and transaction, while the importer
prepares the next batch in Python: the database's work and Python's overlap. The
importer calls ``wait()`` before it uses the connection itself, so the two never use
it at the same time, and an error in the thread is raised there.
"""

import json
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import NOT_PROVIDED
from django.utils import timezone

from members.models import Member

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
    "allocated_to_points",
    "allocation_rate",
    "allocation_point_value",
    "allocation_estimate_id",
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
NEW_MEMBER = ("email", "enrolled_at", "external_id", "first_name", "last_name", "card_code")


def _member_constants() -> dict[str, object] | None:
    """Every other column of a new member: its default, the same for all (None: a default
    is computed per row, so only the model can fill it: bulk_create)."""
    constants = {}
    for column in Member._meta.concrete_fields:
        if column.primary_key or column.attname in NEW_MEMBER:
            continue
        if column.attname in ("created_at", "updated_at"):
            constants[column.attname] = None  # now, filled in when written
        elif column.has_default() and callable(column.default):
            return None
        elif not column.has_default() and column.db_default is not NOT_PROVIDED:
            continue  # the database fills it
        else:
            constants[column.attname] = column.get_default()
    return constants


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


ID_BLOCK = 50_000  # ids taken from a sequence at a time


class Writer:
    def __init__(self):
        self.postgres = connection.vendor == "postgresql"
        self._sequences: dict[str, str] = {}
        self._ids: dict[str, deque] = {}
        self._copies: list[tuple[str, str]] = []
        self._thread = ThreadPoolExecutor(1, "import-copy") if self.postgres else None
        self._job: Future | None = None

    def insert(self, model, rows: list[tuple], *, ids: bool = True) -> list[int]:
        """Write ``rows`` (PostgreSQL: at the next ``flush``); returns their ids if ``ids``."""
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

    def insert_members(self, rows: list[tuple]) -> list[int]:
        """New members, ``NEW_MEMBER`` values each, every other column at its default;
        returns their ids. PostgreSQL: COPY, sent at the next ``flush``."""
        constants = _member_constants() if self.postgres else None
        if constants is None:
            members = [Member(**dict(zip(NEW_MEMBER, row, strict=True))) for row in rows]
            Member.objects.bulk_create(members)
            return [member.pk for member in members]
        now = timezone.now()
        constants.update(created_at=now, updated_at=now)
        tail = tuple(constants.values())
        columns = NEW_MEMBER + tuple(constants)
        return self._copy(Member, columns, [row + tail for row in rows], True)

    def flush(self) -> None:
        """Send the batch's rows (PostgreSQL: in the background; ``wait`` before any query)."""
        if not self._copies:
            return
        self.wait()
        copies, self._copies = self._copies, []
        self._job = self._thread.submit(_send, connection.connection, copies)

    def wait(self) -> None:
        """Let the batch being sent finish; raises its error, if any."""
        job, self._job = self._job, None
        if job is not None:
            with connection.wrap_database_errors:  # psycopg's errors as Django's
                job.result()

    def close(self, *, quiet: bool = False) -> None:
        """Wait for the batch being sent; ``quiet``: an error of its own is not raised."""
        try:
            self.wait()
        except Exception:
            if not quiet:
                raise
        finally:
            if self._thread is not None:
                self._thread.shutdown()

    def _reserve(self, table: str, count: int) -> list[int]:
        block = self._ids.setdefault(table, deque())
        if len(block) < count:
            self.wait()  # the connection is the background thread's until then
            with connection.cursor() as cursor:
                if table not in self._sequences:
                    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                    self._sequences[table] = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT nextval(%s) FROM generate_series(1, %s)",
                    [self._sequences[table], max(count - len(block), ID_BLOCK)],
                )
                block.extend(row[0] for row in cursor.fetchall())
        return [block.popleft() for _ in range(count)]

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
        self._copies.append((sql, text))
        return new_ids


def _send(raw_connection, copies: list[tuple[str, str]]) -> None:
    """COPY each table's rows, then check their foreign keys now rather than at commit."""
    with raw_connection.cursor() as cursor:
        for sql, text in copies:
            with cursor.copy(sql) as copy:
                copy.write(text)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's constraints' own mode
