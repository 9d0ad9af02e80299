"""award_birthdays: credit the birthday bonus to members whose birthday month is now."""

from loyalty.commands import BaseCommand

from ...actions.services import award_birthday_bonuses
from ._args import day


class Command(BaseCommand):
    help = "Credit the birthday bonus (once a year, in the birthday month). Safe to re-run daily."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="as if today were this date (YYYY-MM-DD)")

    def handle(self, *args, **options):
        today = day(options["date"], option="--date")
        result = award_birthday_bonuses(today=today)
        self.stdout.write(
            "{awarded} birthday bonuses ({points} points), {refused} refused".format(**result)
        )
