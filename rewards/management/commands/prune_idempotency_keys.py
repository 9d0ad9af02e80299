"""prune_idempotency_keys: forget the API's stored responses older than N days."""

from loyalty.commands import BaseCommand
from rewards.api_records import prune_idempotency_records

from ._args import in_range


class Command(BaseCommand):
    help = (
        "Delete the API's idempotency records (stored first responses) older than --days "
        "(default 30); a retry with an older key then runs as a new request."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="keep this many days (>= 1)")

    def handle(self, *args, **options):
        in_range(options["days"], option="--days", minimum=1, maximum=36_500)
        deleted = prune_idempotency_records(older_than_days=options["days"])
        self.stdout.write(
            f"deleted {deleted} idempotency records older than {options['days']} days"
        )
