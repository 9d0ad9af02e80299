"""expire_points: run the expiry job (or its dry run) from the command line or cron."""

from datetime import datetime, time

from django.utils import timezone

from loyalty.commands import BaseCommand, CommandError

from ...expiry.services import expire_points, expiry_preview
from ._args import day, in_range


def parse_as_of(value: str) -> datetime:
    """A date (expire what is due at the end of that day) or an ISO date-time."""
    if len(value) <= 10:
        return datetime.combine(
            day(value, option="--as-of"), time.max, tzinfo=timezone.get_current_timezone()
        )
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--as-of must be a date (2026-01-31) or a date-time, not {value!r}"
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    day(moment.date().isoformat(), option="--as-of")
    return moment


class Command(BaseCommand):
    help = (
        "Expire the points whose time has come (fixed lifetime per lot, or the whole balance "
        "after months without activity), one 'expire' ledger entry per member. Safe to re-run. "
        "--dry-run reports how many points and members would expire, without writing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            help="expire what is due at this date (end of day) or ISO date-time; default: now",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would expire; change nothing"
        )
        parser.add_argument("--batch-size", type=int, help="members per transaction")

    def handle(self, *args, **options):
        as_of = parse_as_of(options["as_of"]) if options["as_of"] else timezone.now()
        if as_of > timezone.now():
            raise CommandError("--as-of cannot be in the future: points would expire early")
        in_range(options["batch_size"], option="--batch-size", minimum=1, maximum=100_000)
        if options["dry_run"]:
            result = expiry_preview(as_of=as_of)
            self.stdout.write(
                f"dry run as of {as_of:%Y-%m-%d %H:%M}: {result['points']} points of "
                f"{result['members']} members ({result['lots']} lots) would expire"
            )
            return
        result = expire_points(as_of=as_of, batch_size=options["batch_size"])
        self.stdout.write(
            f"expired {result['points']} points of {result['members']} members "
            f"({result['lots']} lots) as of {as_of:%Y-%m-%d %H:%M}"
        )
