"""Periods of the reports: ranges of days in the program's time zone, their parts and limits.

A period is a range of dates, both inclusive; a row belongs to it when it is booked in
``[start 00:00, end + 1 day 00:00)``. A report accepts the days from the program's
earliest date to the end of the tenth year from now, in at most ``MAX_PARTS`` parts, so
that every boundary is a real moment and no report fails on a date a form or a command
let through.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from loyalty.errors import ApplicationError
from rewards import validation

BY = ("month", "quarter", "year", "period")
MAX_PARTS = 500
YEARS_AHEAD = 10


def start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in the program's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def end_of(day: date) -> datetime:
    """The first moment after ``day``: what "as of the end of ``day``" is measured before."""
    return start_of(day + timedelta(days=1))


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def start_at(self) -> datetime:
        return start_of(self.start)

    @property
    def end_at(self) -> datetime:
        return end_of(self.end)

    @property
    def label(self) -> str:
        last = calendar.monthrange(self.end.year, self.end.month)[1]
        if self.start.day == 1 and self.end.day == last:
            if (self.start.year, self.start.month) == (self.end.year, self.end.month):
                return self.start.strftime("%Y-%m")
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            if months == 3 and self.start.month % 3 == 1:
                return f"{self.start.year}-Q{self.start.month // 3 + 1}"
            if months == 12 and self.start.month == 1:
                return str(self.start.year)
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def __str__(self) -> str:
        return self.label


def split(period: Period, by: str) -> list[Period]:
    """``period`` cut into calendar months, quarters or years (the ends clipped to it)."""
    if by == "period":
        return [period]
    step = {"month": 1, "quarter": 3, "year": 12}[by]
    first_month = period.start.month - (period.start.month - 1) % step
    cursor = date(period.start.year, first_month, 1)
    parts = []
    while cursor <= period.end:
        index = cursor.month - 1 + step
        following = date(cursor.year + index // 12, index % 12 + 1, 1)
        parts.append(
            Period(max(cursor, period.start), min(following - timedelta(days=1), period.end))
        )
        cursor = following
    return parts


def latest_day(today: date | None = None) -> date:
    """The last day a report may reach: the end of the tenth year from now."""
    today = today or timezone.localdate()
    return date(today.year + YEARS_AHEAD, 12, 31)


def check_day(value: date, *, field: str, label: str) -> date:
    """A day a report can use: from the program's earliest date to the end of next year."""
    day = validation.check_day(value, field=field, label=label, allow_future=True)
    latest = latest_day()
    if day > latest:
        raise ApplicationError(
            f"The {label} cannot be after {latest.isoformat()}.", code="too_late", field=field
        )
    return day


def check_period(start: date, end: date, *, by: str = "period") -> Period:
    """The period from ``start`` to ``end``, or a refusal in the user's words."""
    start = check_day(start, field="start", label="first day")
    end = check_day(end, field="end", label="last day")
    if end < start:
        raise ApplicationError("The period must end on or after its first day.", field="end")
    if by not in BY:
        raise ApplicationError(
            f"Split the period by {', '.join(BY[:-1])} or not at all ('period').", field="by"
        )
    period = Period(start, end)
    if by != "period" and len(split(period, by)) > MAX_PARTS:
        raise ApplicationError(
            f"A period this long has more than {MAX_PARTS} parts by {by}: split it by "
            "quarter or year, or choose a shorter period.",
            field="by",
        )
    return period
