"""Closing a period: the books as they stand are frozen, and later rows go to the next period.

A closed period keeps the last id of every table the reports read (``last_ids``); the
reports of any moment inside it count only those rows (``reports.books``). For that to
be exact, every row with an id up to those is committed before the figures are taken,
and none is committed after: on PostgreSQL the ids are read from the sequences and
the closing then waits until every transaction that began before has ended (a
transaction that took an id began before it was read). A transaction that begins
later takes a larger id. On SQLite, writers are serialised: the closing writes first,
so that it holds the database's write lock while it reads the ids and the figures.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from loyalty.errors import ApplicationError

from . import reports
from .models import AccountingSettings, ClosedPeriod
from .reports.books import TABLES, Closing

WAIT_SECONDS = 60


def _check_closable(start: date, end: date) -> reports.Period:
    period = reports.check_period(start, end)
    if end >= timezone.localdate():
        raise ApplicationError(
            f"A period can be closed once it has ended: {end} is not over yet.", field="end"
        )
    latest = ClosedPeriod.objects.order_by("-end").first()
    if latest is not None and start <= latest.end:
        raise ApplicationError(
            f"The books are already closed through {latest.end} (period {latest}): the next "
            f"period to close starts on {latest.end + timedelta(days=1)}.",
            code="period_closed",
            field="start",
        )
    if latest is not None and start != latest.end + timedelta(days=1):
        raise ApplicationError(
            f"Periods are closed in order, without gaps: the next one starts on "
            f"{latest.end + timedelta(days=1)}, the day after {latest}.",
            code="period_gap",
            field="start",
        )
    return period


def _last_ids() -> dict[str, int]:
    """Per table, the last id taken so far (committed or not)."""
    out = {}
    with connection.cursor() as cursor:
        for label, model in TABLES.items():
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                # The sequence's own row: the last id handed out, exactly.
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = cursor.fetchone()[0]
                cursor.execute(
                    f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence}"  # noqa: S608
                )
            else:
                cursor.execute(f"SELECT MAX(id) FROM {table}")  # noqa: S608 - our own names
            row = cursor.fetchone()
            out[label] = int(row[0] or 0) if row else 0
    return out


def _wait_for_older_transactions(seconds: float = WAIT_SECONDS) -> None:
    """Wait until no other transaction that began before now is still running (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        since = cursor.fetchone()[0]
        deadline = time.monotonic() + seconds
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                "AND xact_start < %s",
                [since],
            )
            if cursor.fetchone()[0] == 0:
                return
            if time.monotonic() > deadline:
                raise ApplicationError(
                    "Writes that began before the closing are still running (an import?): "
                    "nothing was closed. Try again when they have finished.",
                    code="busy",
                )
            time.sleep(0.05)


def figures(books: reports.Books, period: reports.Period) -> dict:
    """The reports of the period as they stand, as stored with it (and compared later)."""
    out = {name: reports.build(name, period, books=books).as_dict() for name in reports.REPORTS}
    for by in ("month", "quarter"):
        out[f"revenue_by_{by}"] = reports.revenue(period, by, books=books).as_dict()
    return out


def close_period(*, start: date, end: date, user=None) -> ClosedPeriod:
    """Close the books through ``end``: the period's figures, as reported now, never change.

    Periods are closed in order, without gaps. Rows recorded later but dated in the
    period are booked in the next open period, as corrections.
    """
    _check_closable(start, end)
    if connection.vendor == "postgresql":
        last_ids = _last_ids()
        _wait_for_older_transactions()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            cursor = connection.cursor()
            cursor.execute(f"LOCK TABLE {ClosedPeriod._meta.db_table} IN EXCLUSIVE MODE")
        period = _check_closable(start, end)
        closed = ClosedPeriod.objects.create(start=start, end=end, closed_by=user)
        if connection.vendor != "postgresql":
            last_ids = _last_ids()  # under the write lock the closing row took
        books = reports.Books.load()
        closed.last_ids = last_ids
        closed.point_value = books.program().point_value
        closed.cost_per_point = AccountingSettings.get().cost_per_point
        frozen = Closing(
            start, end, last_ids, closed.point_value, closed.cost_per_point, closed.closed_at
        )
        books = reports.Books(
            tuple(c for c in books.closings if c.end < start) + (frozen,), books.estimates
        )
        closed.figures = figures(books, period)
        closed.save(update_fields=["last_ids", "point_value", "cost_per_point", "figures"])
    return closed


def check_closed_period(closed_id: int) -> list[str] | None:
    """The reports of a closed period that no longer match its figures at closing (none);
    None for a period closed before the figures were kept in this form."""
    closed = ClosedPeriod.objects.get(pk=closed_id)
    if "rollforward" not in closed.figures:
        return None
    period = reports.Period(closed.start, closed.end)
    now = figures(reports.Books.load(), period)
    return [name for name, data in closed.figures.items() if now.get(name) != data]


def every_report(
    period: reports.Period, *, books: reports.Books | None = None, each_day: bool = True
) -> dict[str, dict]:
    """Every report of ``period``, of each month and quarter in it, and as of each of its
    days (or of each month's last day): what must never change once it is closed."""
    books = books or reports.Books.load()
    parts = {period}
    for by in ("month", "quarter"):
        parts.update(reports.split(period, by))
    out = {}
    for part in sorted(parts, key=lambda p: (p.start, p.end)):
        for name in reports.PERIOD_REPORTS:
            out[f"{name} {part.label}"] = reports.build(name, part, books=books).as_dict()
    days = [period.start + timedelta(days=n) for n in range((period.end - period.start).days + 1)]
    if not each_day:
        days = [part.end for part in reports.split(period, "month")]
    reports.positions(books, days)  # every day's position from three aggregates, kept in books
    for day in days:
        for name in reports.AS_OF_REPORTS:
            out[f"{name} {day}"] = reports.build(name, as_of=day, books=books).as_dict()
    return out
