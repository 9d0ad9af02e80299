"""Checks of a person's own data (birthday) shared by the admin, the portal and the API."""

from datetime import date

from django.utils import timezone

from loyalty.errors import ApplicationError

OLDEST_AGE_YEARS = 120


def check_birthday(value, *, today: date | None = None, field: str = "birthday") -> date:
    """A birthday in the past, of someone at most 120 years old."""
    if value is None:
        return None
    if not isinstance(value, date):
        raise ApplicationError("The birthday must be a date.", field=field)
    today = today or timezone.localdate()
    if value >= today:
        raise ApplicationError("The birthday must be in the past.", field=field)
    if today.year - value.year > OLDEST_AGE_YEARS:
        raise ApplicationError(
            f"The birthday cannot be more than {OLDEST_AGE_YEARS} years ago.", field=field
        )
    return value
