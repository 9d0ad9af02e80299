"""Parsing of the commands' date options into one-line errors."""

from datetime import date

from django.core.management.base import CommandError


def parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} must be a date like 2025-01-31, not {value!r}") from None
