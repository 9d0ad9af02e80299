"""prune_idempotency_keys: forget the API's stored responses older than N days."""

from loyalty.commands import BaseCommand, CommandError
from rewards.api_records import prune_idempotency_records


class Command(BaseCommand):
    help = (
        "Delete the API's idempotency records (stored first responses) older than --days "
        "(default 30); a retry with an older key then runs as a new request."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="keep this many days (>= 1)")

    def handle(self, *args, **options):
        if options["days"] < 1:
            raise CommandError("--days must be at least 1")
        deleted = prune_idempotency_records(older_than_days=options["days"])
        self.stdout.write(
            f"deleted {deleted} idempotency records older than {options['days']} days"
        )
