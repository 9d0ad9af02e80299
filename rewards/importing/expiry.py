"""Set-based end of an import: expire the points already past their date, then the balances.

Historical points are dated at their purchase, so some were due to expire before the
import ran. The writer stores such lots already at zero; here, in three statements
whatever the number of lots, each member gets one ``expire`` entry per expiry day (dated
at that day) with one movement per lot, and every member's cached balances get
the sum of what the import wrote for them. The program's own expiry job can take over
later: it only needs the lots' ``expires_at``.
"""

from datetime import datetime

from django.db import connection
from django.utils import timezone

from members.models import Member

from ..models import LedgerEntry, LotMovement, PointLot


def finish_import(*, reference: str, expiry_reference: str, now: datetime) -> dict:
    """Expire the import's zeroed lots and add the import's entries to the cached balances.

    One ``expire`` entry per member and expiry day, dated at the latest expiry of that
    day, so that each expiry lands in its own accounting period.
    """
    lot, entry = PointLot._meta.db_table, LedgerEntry._meta.db_table
    movement, member = LotMovement._meta.db_table, Member._meta.db_table
    at = connection.ops.adapt_datetimefield_value(now)
    day, day_params = connection.ops.datetime_cast_date_sql(
        "l.expires_at", (), timezone.get_current_timezone_name()
    )
    # The key scheme of every entry posted for many members (``ledger.bulk.entry_key``):
    # expire:<member>:<day>:<this import's expiry reference>.
    key = "%s || CAST(d.member_id AS TEXT) || ':' || CAST(d.day AS TEXT) || %s"
    key_params = [f"{LedgerEntry.Kind.EXPIRE.value}:", f":{expiry_reference}"]
    due = (
        f"(SELECT l.id, l.member_id, l.points, l.expires_at, {day} AS day "  # noqa: S608
        f"FROM {lot} l JOIN {entry} e ON e.id = l.entry_id WHERE e.reference = %s "
        "AND l.remaining = 0 AND l.points > 0 AND l.expires_at <= %s) d"
    )
    due_params = [*day_params, reference, at]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {entry} (member_id, kind, points, pending_points, shortfall, "  # noqa: S608
            "description, reason, reference, created_at, effective_at, idempotency_key) "
            f"SELECT d.member_id, %s, -SUM(d.points), 0, 0, %s, '', %s, %s, MAX(d.expires_at), "
            f"{key} FROM {due} GROUP BY d.member_id, d.day",
            [
                LedgerEntry.Kind.EXPIRE.value,
                "Imported points already past their expiry date",
                expiry_reference,
                at,
                *key_params,
                *due_params,
            ],
        )
        cursor.execute(
            f"INSERT INTO {movement} (entry_id, lot_id, points) "  # noqa: S608
            f"SELECT x.id, d.id, -d.points FROM {due} JOIN {entry} x ON x.idempotency_key = {key}",
            [*due_params, *key_params],
        )
        cursor.execute(
            f"SELECT COUNT(DISTINCT member_id), COALESCE(-SUM(points), 0) FROM {entry} "  # noqa: S608
            "WHERE reference = %s",
            [expiry_reference],
        )
        members, points = cursor.fetchone()
        cursor.execute(
            f"UPDATE {member} SET points_balance = points_balance + s.p, "  # noqa: S608
            "pending_points = pending_points + s.q "
            f"FROM (SELECT member_id, SUM(points) AS p, SUM(pending_points) AS q FROM {entry} "
            "WHERE reference IN (%s, %s) GROUP BY member_id) AS s "
            f"WHERE {member}.id = s.member_id",
            [reference, expiry_reference],
        )
    return {"members": members, "points": int(points)}
