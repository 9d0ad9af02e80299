"""evaluate_tiers: re-evaluate every member's tier (upgrades, grace, downgrades, paid terms)."""

from loyalty.commands import BaseCommand
from rewards.tiers import services as tiers
from rewards.tiers.measures import start_of_day

from ._args import day, in_range


class Command(BaseCommand):
    help = (
        "Re-evaluate the tier of every member: upgrades, grace periods, downgrades at the end "
        "of the qualification period, ended paid terms. Idempotent: safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            help="evaluate as of the start of this day (YYYY-MM-DD); default: now",
        )
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        in_range(options["batch_size"], option="--batch-size", minimum=1, maximum=100_000)
        as_of_day = day(options["as_of"], option="--as-of", allow_future=True)
        as_of = start_of_day(as_of_day) if as_of_day else None
        result = tiers.evaluate_tiers(as_of=as_of, batch_size=options["batch_size"])
        self.stdout.write(
            "evaluated {members} members: {upgrades} up, {downgrades} down, "
            "{grace_started} into grace, {paid_ended} paid terms ended".format(**result)
        )
