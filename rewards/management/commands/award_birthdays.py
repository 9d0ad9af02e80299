"""award_birthdays: credit the birthday bonus to members whose birthday month is now."""

from datetime import date

from loyalty.commands import BaseCommand, CommandError
from rewards import actions


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be a date like 2026-03-01, not {value!r}") from None


class Command(BaseCommand):
    help = "Credit the birthday bonus (once a year, in the birthday month). Safe to re-run daily."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="as if today were this date (YYYY-MM-DD)")

    def handle(self, *args, **options):
        today = parse_date(options["date"]) if options["date"] else None
        result = actions.award_birthday_bonuses(today=today)
        self.stdout.write(
            "{awarded} birthday bonuses ({points} points), {refused} refused".format(**result)
        )
