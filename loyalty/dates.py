"""Calendar arithmetic shared by every app (months, not days: 31 Jan + 1 month = 28/29 Feb)."""

from datetime import datetime

from dateutil.relativedelta import relativedelta


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later (or earlier, when negative), clamped to the month's end."""
    return moment + relativedelta(months=months)
