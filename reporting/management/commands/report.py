"""report: print an accounting report for finance scripts (table, CSV or JSON)."""

import json

from loyalty.commands import BaseCommand, CommandError
from reporting import exports, reports

from ._dates import parse_date


class Command(BaseCommand):
    help = (
        "Print an accounting report computed from the points ledger: rollforward, liability, "
        "revenue (IFRS 15), breakage, kpis or journal, for a period (--from/--to, inclusive) "
        "or as of a date (--as-of, default: --to)."
    )

    def add_arguments(self, parser):
        parser.add_argument("report", choices=reports.REPORTS)
        parser.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--as-of", help="for liability and breakage; default: --to")
        parser.add_argument(
            "--by",
            choices=["month", "quarter", "year", "period"],
            default="month",
            help="sub-periods of the revenue and journal reports (default: month)",
        )
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table")

    def handle(self, *args, **options):
        start = parse_date(options["start"], "--from")
        end = parse_date(options["end"], "--to")
        as_of = parse_date(options["as_of"], "--as-of")
        if end < start:
            raise CommandError(f"--to ({end}) is before --from ({start})")
        report = reports.build(
            options["report"], reports.Period(start, end), as_of=as_of, by=options["by"]
        )
        fmt = options["format"]
        if fmt == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        elif fmt == "csv":
            self.stdout.write(exports.to_csv(report), ending="")
        else:
            self.stdout.write(render_table(report))


def render_table(report: reports.Report) -> str:
    rows = [[c.label for c in report.columns]]
    rows += [
        ["n/a" if row.get(c.key) is None else str(row.get(c.key)) for c in report.columns]
        for row in report.rows
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    numeric = [c.kind != "text" for c in report.columns]
    lines = [report.title, ""]
    for index, row in enumerate(rows):
        cells = [
            cell.rjust(w) if num and index else cell.ljust(w)
            for cell, w, num in zip(row, widths, numeric, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += [""] + [f"* {note}" for note in report.notes]
    return "\n".join(lines) + "\n"
