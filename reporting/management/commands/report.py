"""report: print an accounting report for finance scripts (table, CSV or JSON)."""

import json
from datetime import timedelta

from django.utils import timezone

from loyalty.commands import BaseCommand, CommandError
from loyalty.errors import ApplicationError
from reporting import exports, reports

from ._dates import parse_date


class Command(BaseCommand):
    help = (
        "Print an accounting report computed from the points ledger. Reports of a period "
        f"({', '.join(reports.PERIOD_REPORTS)}) take --from and --to (inclusive); reports as "
        f"of a day ({', '.join(reports.AS_OF_REPORTS)}) take --as-of (default: yesterday)."
    )

    def add_arguments(self, parser):
        parser.add_argument("report", choices=reports.REPORTS)
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD")
        parser.add_argument("--as-of", help="the day, YYYY-MM-DD (liability, cohorts, breakage)")
        parser.add_argument(
            "--by",
            choices=["month", "quarter", "year", "period"],
            default="month",
            help="parts of the revenue and journal reports (default: month)",
        )
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table")

    def handle(self, *args, **options):
        name = options["report"]
        try:
            report = self.build(name, options)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        fmt = options["format"]
        if fmt == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        elif fmt == "csv":
            self.stdout.write(exports.to_csv(report), ending="")
        else:
            self.stdout.write(render_table(report))

    def build(self, name: str, options) -> reports.Report:
        start = parse_date(options["start"], "--from")
        end = parse_date(options["end"], "--to")
        as_of = parse_date(options["as_of"], "--as-of")
        if name in reports.AS_OF_REPORTS:
            if start or end:
                raise CommandError(
                    f"the {name} report is as of one day: use --as-of, not --from/--to"
                )
            day = as_of or timezone.localdate() - timedelta(days=1)
            day = reports.check_day(day, field="as_of", label="day (--as-of)")
            return reports.build(name, as_of=day)
        if as_of:
            raise CommandError(
                f"the {name} report covers a period: use --from and --to, not --as-of"
            )
        if start is None or end is None:
            raise CommandError(f"the {name} report needs --from and --to")
        period = reports.check_period(start, end, by=options["by"])
        return reports.build(name, period, by=options["by"])


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
    lines += [""] + [f"! {warning}" for warning in report.warnings]
    lines += [f"* {note}" for note in report.notes]
    return "\n".join(lines) + "\n"
