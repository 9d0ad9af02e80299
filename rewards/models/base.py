"""Shared pieces of the rewards models: the money field size, model-level validation helpers."""

from django.core.exceptions import ValidationError

from loyalty.errors import ApplicationError

MONEY = {"max_digits": 14, "decimal_places": 2}


def collect(errors: dict, check, value, *, field: str, **options) -> None:
    """Run a ``rewards.validation`` check in a model's ``clean``, its refusal kept by field."""
    try:
        check(value, field=field, **options)
    except ApplicationError as exc:
        errors.setdefault(exc.field or field, []).append(exc.message)


def parse_reminder_days(value: str) -> list[int]:
    """The reminder windows of a program setting like "30,7", largest first."""
    try:
        days = {int(part) for part in (value or "").replace(" ", "").split(",") if part}
    except ValueError:
        raise ValidationError("Use whole numbers of days separated by commas, e.g. 30,7.") from None
    if any(d < 1 or d > 366 for d in days):
        raise ValidationError("Each reminder must be from 1 to 366 days before expiry.")
    return sorted(days, reverse=True)


def validate_reminder_days(value: str) -> None:
    parse_reminder_days(value)
