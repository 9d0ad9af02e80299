"""recalc_liability: store the points liability snapshot of a day (what the nightly task does)."""

from datetime import date, timedelta

from django.utils import timezone

from loyalty.commands import BaseCommand, CommandError
from loyalty.errors import ApplicationError
from reporting import services

from ._dates import parse_date


class Command(BaseCommand):
    help = (
        "Compute the points liability at the end of a day and store it as that day's snapshot "
        "(re-running an open day replaces its snapshot; a closed day's is kept as it was). "
        "Default: yesterday."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="the day (YYYY-MM-DD); default: yesterday")

    def handle(self, *args, **options):
        day: date = parse_date(options["as_of"], "--as-of") or (
            timezone.localdate() - timedelta(days=1)
        )
        try:
            result = services.record_liability_snapshot(as_of=day)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        snapshot = result.snapshot
        cost = "not set" if snapshot.cost_liability is None else snapshot.cost_liability
        if result.kept:
            self.stdout.write(
                f"{day} is in a closed period: its snapshot is kept as it was stored "
                f"on {timezone.localtime(snapshot.computed_at):%Y-%m-%d}."
            )
        self.stdout.write(
            f"liability on {day}: {snapshot.outstanding_points} points outstanding, "
            f"contract liability {snapshot.contract_liability}, cost method {cost}"
        )
