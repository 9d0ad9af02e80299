"""evaluate_tiers: re-evaluate every member's tier (upgrades, grace, downgrades, paid terms)."""

from datetime import date

from loyalty.commands import BaseCommand, CommandError
from members.tiers import start_of_day
from rewards import tiering


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be a date like 2026-01-01, not {value!r}") from None


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
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        as_of = start_of_day(parse_date(options["as_of"])) if options["as_of"] else None
        result = tiering.evaluate_tiers(as_of=as_of, batch_size=options["batch_size"])
        self.stdout.write(
            "evaluated {members} members: {upgrades} up, {downgrades} down, "
            "{grace_started} into grace, {paid_ended} paid terms ended".format(**result)
        )
