"""finance: record redemption-rate estimates, close periods, set the cost per point, list them."""

import json

from loyalty.commands import BaseCommand, CommandError
from loyalty.errors import ApplicationError
from reporting import closing, selectors, services

from ._dates import parse_date

ACTIONS = {
    "estimate": "record the expected redemption rate from a day on (a rate, or --from-history)",
    "estimates": "list the recorded estimates, newest first",
    "close": "close the books of a period (--from, --to); its figures never change again",
    "closed": "list the closed periods (--check: recompute their figures and compare)",
    "cost-per-point": "set what one redeemed point costs (the cost method)",
}


class Command(BaseCommand):
    help = "Finance's accounting decisions: " + "; ".join(f"{k}: {v}" for k, v in ACTIONS.items())

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        estimate = actions.add_parser("estimate", help=ACTIONS["estimate"])
        rate = estimate.add_mutually_exclusive_group(required=True)
        rate.add_argument("--rate", help="share of points expected to be redeemed, e.g. 0.95")
        rate.add_argument(
            "--from-history",
            action="store_true",
            help="estimate the rate from the program's earning cohorts",
        )
        estimate.add_argument(
            "--effective-from", required=True, help="first day it applies, YYYY-MM-DD"
        )
        estimate.add_argument("--explanation", default="", help="why (finance memo...)")
        estimate.add_argument("--as-of", help="history up to this day (default: yesterday)")
        listing = actions.add_parser("estimates", help=ACTIONS["estimates"])
        close = actions.add_parser("close", help=ACTIONS["close"])
        close.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        close.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
        closed = actions.add_parser("closed", help=ACTIONS["closed"])
        closed.add_argument("--check", action="store_true", help="recompute and compare")
        cost = actions.add_parser("cost-per-point", help=ACTIONS["cost-per-point"])
        cost.add_argument("cost", help="e.g. 0.004")
        for sub in (listing, closed):
            sub.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, **options):
        handlers = {
            "estimate": self.do_estimate,
            "estimates": self.do_estimates,
            "close": self.do_close,
            "closed": self.do_closed,
            "cost-per-point": self.do_cost_per_point,
        }
        try:
            handlers[options["action"]](options)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None

    def do_estimate(self, options):
        effective_from = parse_date(options["effective_from"], "--effective-from")
        if options["from_history"]:
            estimate = services.estimate_redemption_rate(
                effective_from=effective_from,
                as_of=parse_date(options["as_of"], "--as-of"),
                explanation=options["explanation"],
            )
        else:
            estimate = services.record_redemption_rate(
                rate=options["rate"],
                effective_from=effective_from,
                explanation=options["explanation"],
            )
        self.stdout.write(f"recorded: rate {estimate.rate} from {estimate.effective_from}")
        if estimate.explanation:
            self.stdout.write(f"  {estimate.explanation}")

    def do_estimates(self, options):
        rows = [item.as_dict() for item in selectors.estimates()]
        self.output(rows, options["format"], ["effective_from", "rate", "method", "explanation"])

    def do_close(self, options):
        start = parse_date(options["start"], "--from")
        end = parse_date(options["end"], "--to")
        closed = services.close_period(start=start, end=end)
        self.stdout.write(f"closed {closed}: the books are closed through {closed.end}")

    def do_closed(self, options):
        rows = [item.as_dict() for item in selectors.closed_periods()]
        if options["check"]:
            for row in rows:
                changed = closing.check_closed_period(row["id"])
                row["check"] = (
                    "closed by an earlier version: not compared"
                    if changed is None
                    else "CHANGED: " + ", ".join(changed)
                    if changed
                    else "unchanged"
                )
        columns = ["start", "end", "closed_at", "closed_by", "point_value", "cost_per_point"]
        self.output(rows, options["format"], columns + (["check"] if options["check"] else []))
        if options["check"] and any(row["check"].startswith("CHANGED") for row in rows):
            raise CommandError("a closed period's figures changed: see above")

    def do_cost_per_point(self, options):
        settings = services.set_cost_per_point(cost=options["cost"])
        self.stdout.write(f"cost per point: {settings.cost_per_point}")

    def output(self, rows: list[dict], fmt: str, columns: list[str]) -> None:
        if fmt == "json":
            self.stdout.write(json.dumps(rows, indent=2))
            return
        if not rows:
            self.stdout.write("none")
            return
        table = [columns] + [["" if r.get(c) is None else str(r[c]) for c in columns] for r in rows]
        widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
        for line in table:
            cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=True)]
            self.stdout.write("  ".join(cells).rstrip())
