"""Set-based ledger statements for the batch jobs (expiry, release): a few statements a batch.

``post_entries`` posts many members' entries at once (one key scheme, ``entry_key``).

Building a Django model (or a CASE WHEN branch) per row costs more than the database
spends on the row, so these write rows from plain lists: arrays with ``unnest`` on
PostgreSQL, ``executemany`` / ``VALUES`` lists elsewhere. Like the rest of the ledger,
they expect a transaction with the members' rows already locked.
"""

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone

from ..models import LedgerEntry, PointLot

CHUNK = 5000  # rows per IN (...) / VALUES list: well under SQLite's variable limit


@dataclass(frozen=True)
class Move:
    """Points of one lot that an entry moves (always positive), and when."""

    lot_id: int
    points: int
    at: datetime


def entry_key(kind: str, member_id: int, *scope) -> str:
    """The idempotency key of an entry posted for many members at once (one scheme):
    ``kind:member:scope...``, e.g. ``expire:7:2025-03-01:<run>:<lots>``."""
    return ":".join(str(part) for part in (kind, member_id, *scope))


def lots_digest(moves) -> str:
    """A short fingerprint of the lots and points an entry moves: the same run over the
    same lots gets the same key, so it can never apply twice."""
    text = ",".join(f"{move.lot_id}:{move.points}" for move in moves)
    return hashlib.sha1(text.encode()).hexdigest()[:16]  # noqa: S324 (a key, not security)


def post_entries(
    kind: str,
    groups: dict[tuple, list[Move]],
    *,
    sign: int,
    describe: Callable[[int], str],
    pending: bool = False,
    movements: bool = False,
    reference: str = "",
    scope: tuple = (),
) -> list[LedgerEntry]:
    """Post one entry per group of a member's lots, for many members in a few statements.

    ``groups`` maps ``(member_id, *part)`` to the moves of one entry; the entry is dated
    at its latest move and keyed ``entry_key(kind, member, *part, *scope, digest)``.
    ``sign`` +1 credits the points, -1 takes them; ``pending``: they leave (or enter)
    the pending points instead; ``movements``: one movement per lot (a release changes
    only the lots' status). The members' cached balances move by the entries' sum.
    """
    now = timezone.now()
    posted = []
    for (member_id, *part), moves in groups.items():
        total = sum(move.points for move in moves)
        if total == 0:  # e.g. fully refunded while pending: nothing to move
            continue
        entry = LedgerEntry(
            member_id=member_id,
            kind=kind,
            points=sign * total,
            pending_points=-sign * total if pending else 0,
            description=describe(total),
            reference=reference,
            created_at=now,
            effective_at=max(move.at for move in moves),
            idempotency_key=entry_key(kind, member_id, *part, *scope, lots_digest(moves)),
        )
        posted.append((entry, moves))
    entries = LedgerEntry.objects.bulk_create([entry for entry, _ in posted])
    if movements:
        insert_movements(
            [
                (entry.pk, move.lot_id, sign * move.points)
                for entry, moves in posted
                for move in moves
            ]
        )
    shifts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for entry in entries:
        shifts[entry.member_id][0] += entry.points
        shifts[entry.member_id][1] += entry.pending_points
    shift_balances({member_id: tuple(change) for member_id, change in shifts.items()})
    return entries


def insert_movements(rows: list[tuple[int, int, int]]) -> None:
    """Insert (entry id, lot id, points) movements."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "INSERT INTO rewards_lotmovement (entry_id, lot_id, points) "
                "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[])",
                [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]],
            )
        else:
            cursor.executemany(
                "INSERT INTO rewards_lotmovement (entry_id, lot_id, points) VALUES (%s, %s, %s)",
                rows,
            )


def zero_lots(lot_ids: list[int]) -> None:
    """Set the lots' remaining points to zero."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE rewards_pointlot SET remaining = 0 WHERE id = ANY(%s)", [lot_ids]
            )
        return
    for start in range(0, len(lot_ids), CHUNK):
        PointLot.objects.filter(pk__in=lot_ids[start : start + CHUNK]).update(remaining=0)


def release_lots(lot_ids: list[int]) -> None:
    """Make pending lots spendable."""
    for start in range(0, len(lot_ids), CHUNK):
        PointLot.objects.filter(pk__in=lot_ids[start : start + CHUNK]).update(
            status=PointLot.Status.AVAILABLE
        )


def shift_balances(changes: dict[int, tuple[int, int]]) -> None:
    """Add (points, pending points) to each member's cached balances, in one UPDATE ... FROM."""
    rows = [(member_id, points, pending) for member_id, (points, pending) in changes.items()]
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "UPDATE members_member SET "
                "points_balance = members_member.points_balance + v.pts, "
                "pending_points = members_member.pending_points + v.pend "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS v(id, pts, pend) "
                "WHERE members_member.id = v.id",
                [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]],
            )
            return
        step = CHUNK // 3
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))  # placeholders only
            cursor.execute(
                "UPDATE members_member SET points_balance = points_balance + v.column2, "  # noqa: S608
                "pending_points = pending_points + v.column3 "
                f"FROM (VALUES {values}) AS v WHERE members_member.id = v.column1",
                [value for row in chunk for value in row],
            )
