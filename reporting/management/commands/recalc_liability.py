"""recalc_liability: store the points liability snapshot of a day (what the nightly task does)."""

from datetime import timedelta

from django.utils import timezone

from loyalty.commands import BaseCommand
from reporting import tasks

from ._dates import parse_date


class Command(BaseCommand):
    help = (
        "Compute the points liability at the end of a day and store it as that day's snapshot "
        "(re-running a day replaces its snapshot). Default: yesterday."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="the day (YYYY-MM-DD); default: yesterday")

    def handle(self, *args, **options):
        day = parse_date(options["as_of"], "--as-of")
        day = day or timezone.localdate() - timedelta(days=1)
        result = tasks.recalc_liability(day.isoformat())  # in-process, as the task runs
        self.stdout.write(
            f"liability on {result['as_of']}: {result['outstanding_points']} points outstanding, "
            f"contract liability {result['contract_liability']}, "
            f"cost method {result['cost_liability']}"
        )
