"""The rewards commands' options checked in one line each: whole numbers in a range, and
days within the program's dates (``rewards.validation``)."""

from datetime import date

from loyalty.commands import CommandError
from loyalty.errors import ApplicationError
from rewards import validation


def in_range(value: int | None, *, option: str, minimum: int, maximum: int) -> int | None:
    """A count given on the command line (a batch size, days), never a traceback."""
    if value is not None and not minimum <= value <= maximum:
        raise CommandError(f"{option} must be a whole number from {minimum:,} to {maximum:,}")
    return value


def day(value: str | None, *, option: str, allow_future: bool = False) -> date | None:
    """A YYYY-MM-DD day, not before the program's earliest date (nor in the future)."""
    if value is None:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} must be a date like 2026-01-31, not {value!r}") from None
    try:
        return validation.check_day(parsed, field=option, allow_future=allow_future)
    except ApplicationError as exc:
        raise CommandError(f"{option}: {exc.message}") from None
