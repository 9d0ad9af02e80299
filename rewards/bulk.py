"""Set-based ledger statements for the batch jobs (expiry, release): a few statements a batch.

Building a Django model (or a CASE WHEN branch) per row costs more than the database
spends on the row, so these write rows from plain lists: arrays with ``unnest`` on
PostgreSQL, ``executemany`` / ``VALUES`` lists elsewhere. Like the rest of the ledger,
they expect a transaction with the members' rows already locked.
"""

from django.db import connection

from .models import PointLot

CHUNK = 5000  # rows per IN (...) / VALUES list: well under SQLite's variable limit


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
