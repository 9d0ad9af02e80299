"""Import a CSV or XLSX file of historical purchases (and their members) in bulk."""

import sys

from loyalty.commands import BaseCommand, CommandError
from loyalty.errors import ApplicationError
from rewards.importing import PRESETS, ImportFileError, ImportRejected, Options, import_purchases

from ._args import in_range

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = (
        "Import historical purchases from a CSV (UTF-8 or Windows-1252) or XLSX file. "
        "All-or-nothing unless --skip-invalid; re-importing the same rows creates nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV or XLSX file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count everything, write nothing"
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows; write the rejected ones to FILE.rejected.csv",
        )
        _add_what_to_write(parser)
        _add_how_to_read(parser)

    def handle(self, *args, **opts):
        mapping = {}
        for item in opts["map"]:
            column, sep, header = item.partition("=")
            if not sep or not column.strip() or not header.strip():
                raise CommandError(f"--map {item!r}: expected COLUMN=HEADER")
            mapping[column.strip()] = header.strip()
        in_range(opts["batch_size"], option="--batch-size", minimum=1, maximum=1_000_000)
        options = Options(
            preset=opts["preset"],
            mapping=mapping,
            channel=opts["channel"],
            dry_run=opts["dry_run"],
            skip_invalid=opts["skip_invalid"],
            award_points=opts["award_points"],
            points_as_of_today=opts["points_as_of_today"],
            create_members=opts["create_members"],
            decimal_comma=opts["decimal_comma"],
            encoding=opts["encoding"],
            batch_size=opts["batch_size"],
        )
        bar = _Bar(self.stderr) if sys.stderr.isatty() else None
        try:
            report = import_purchases(opts["file"], options, progress=bar)
        except FileNotFoundError:
            raise CommandError(f"no such file: {opts['file']}") from None
        except IsADirectoryError:
            raise CommandError(f"{opts['file']} is a directory, not a file") from None
        except ImportFileError as exc:
            raise CommandError(f"{opts['file']}: {exc}") from None
        except ImportRejected as exc:
            if bar:
                bar.done()
            self._errors(exc.report)
            raise CommandError(str(exc)) from None
        except (ApplicationError, LookupError) as exc:
            raise CommandError(str(exc)) from None
        if bar:
            bar.done()
        if report.errors:
            self._errors(report)
        self._summary(report)

    def _errors(self, report) -> None:
        for problem in report.problems:
            self.stderr.write(problem)
        for error in report.errors[:SHOWN_ERRORS]:
            column = f", column {error.column}" if error.column else ""
            self.stderr.write(f"row {error.row}{column}: {error.reason}")
        if report.rejected > SHOWN_ERRORS:
            self.stderr.write(f"... and more: every rejected row is in {report.rejected_path}")

    def _summary(self, report) -> None:
        title = "Dry run (nothing written)" if report.dry_run else "Imported"
        lines = [
            f"{title} in {report.seconds:.1f}s:",
            f"  rows read            {report.rows_read:>12,}",
            f"  purchases created    {report.purchases_created:>12,}",
            f"  duplicates skipped   {report.duplicates_skipped:>12,}",
            f"  changed, not applied {report.changed:>12,}",
            f"  members created      {report.members_created:>12,}",
            f"  points awarded       {report.points_awarded:>12,}"
            + (f" ({report.points_pending:,} pending)" if report.points_pending else ""),
            f"  points expired       {report.points_expired:>12,}"
            + (
                f" (already past their expiry date, {report.members_expired:,} members)"
                if report.points_expired
                else ""
            ),
            f"  rejected rows        {report.rejected:>12,}",
        ]
        if report.refunded:
            lines.append(f"  refunded (no points) {report.refunded:>12,}")
        if report.partially_refunded:
            lines.append(f"  partially refunded   {report.partially_refunded:>12,}")
        if report.not_a_sale:
            lines.append(f"  not sales (skipped)  {report.not_a_sale:>12,}")
        if report.without_member:
            lines.append(f"  without a member     {report.without_member:>12,}")
        if report.rejected_path:
            lines.append(f"Rejected and changed rows, with the reason: {report.rejected_path}")
        self.stdout.write("\n".join(lines))


class _Bar:
    """A one-line progress bar on a terminal (stderr), by bytes of the file read."""

    def __init__(self, out):
        self.out = out
        self.last = None

    def __call__(self, phase, rows, read, total):
        share = read / total if total else 0
        filled = int(share * 30)
        text = f"\r{phase:<10} [{'#' * filled}{'.' * (30 - filled)}] {share:4.0%} {rows:,} rows"
        if text != self.last:
            self.out.write(text, ending="")
            self.out.flush()
            self.last = text

    def done(self):
        if self.last:
            self.out.write("")


def _add_what_to_write(parser) -> None:
    """Points and members: what the import writes besides the purchases."""
    parser.add_argument(
        "--award-points",
        action="store_true",
        default=True,
        dest="award_points",
        help="award points by the rules in force on each purchase date (default)",
    )
    parser.add_argument(
        "--no-award-points",
        action="store_false",
        dest="award_points",
        help="record the purchases without points",
    )
    parser.add_argument(
        "--points-as-of-today",
        action="store_true",
        help="credit the points today (a welcome balance) instead of at each purchase date",
    )
    parser.add_argument(
        "--create-members",
        action="store_true",
        default=None,
        dest="create_members",
        help="enrol unknown customers (default: the program's auto-enrolment setting)",
    )
    parser.add_argument(
        "--no-create-members",
        action="store_false",
        dest="create_members",
        help="record unknown customers' purchases without a member",
    )


def _add_how_to_read(parser) -> None:
    """How the file is read: a preset or a column mapping, defaults, number format."""
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        help="read a shop/till system's order export as is: "
        + "; ".join(f"{name}: {p.title}" for name, p in PRESETS.items()),
    )
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=HEADER",
        help="read our COLUMN (order_id, email, customer_id, purchased_at, amount, currency, "
        "channel, status, sku, category, name, first_name, last_name, shipping, tax, refunded) "
        "from the file's HEADER; repeatable",
    )
    parser.add_argument("--channel", default="", help="channel code of rows without one")
    parser.add_argument("--decimal-comma", action="store_true", help="amounts are written 1.234,50")
    parser.add_argument("--encoding", help="force the file's encoding (default: detected)")
    parser.add_argument(
        "--batch-size", type=int, default=10_000, help="rows written per batch (default 10000)"
    )
