"""The base of the project's management commands: a database that is not there or not
set up is a user's mistake, reported in one line, not with a traceback."""

from django.core.management.base import BaseCommand as DjangoBaseCommand
from django.core.management.base import CommandError
from django.db import OperationalError, ProgrammingError

NOT_MIGRATED = ("no such table", "does not exist", "no such column")


class BaseCommand(DjangoBaseCommand):
    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except (OperationalError, ProgrammingError) as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            if any(mark in reason for mark in NOT_MIGRATED):
                raise CommandError(
                    f"the database is not set up ({reason}): run `python manage.py migrate`"
                ) from None
            raise CommandError(f"database error: {reason} (check DATABASE_URL)") from None


__all__ = ["BaseCommand", "CommandError"]
