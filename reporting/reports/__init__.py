"""The accounting reports, computed from the points ledger and the sales with set-based aggregates.

One module per report: ``rollforward``, ``liability`` (and the cohorts beside the pool),
``revenue`` (and the journal), ``breakage``, ``kpis``; the shared pieces are
``periods`` (ranges of days), ``shape`` (rows and columns), ``books`` (which rows a
report counts: the books as they stood when a period was closed) and ``recognition``
(IFRS 15 by earning cohort). Every figure is a handful of ``GROUP BY`` / ``SUM``
queries whatever the number of members or entries: Python only combines the aggregates.

Reports that use a period take one (``Period``); reports as of a day take only the day.
"""

from __future__ import annotations

from datetime import date

from .books import Books
from .breakage import breakage, estimate_rate
from .kpis import kpis, kpis_by_month
from .liability import cohorts_report, liability, liability_figures, outstanding_points
from .periods import Period, check_day, check_period, end_of, split, start_of
from .recognition import Position, position, positions
from .revenue import journal, revenue
from .rollforward import issued_redeemed_expired, rollforward
from .shape import Column, Report, money

# The reports of a period, and the reports as of one day.
PERIOD_REPORTS = ("rollforward", "revenue", "journal", "kpis")
AS_OF_REPORTS = ("liability", "cohorts", "breakage")
REPORTS = ("rollforward", "liability", "cohorts", "revenue", "breakage", "kpis", "journal")
TITLES = {
    "rollforward": "Points roll-forward",
    "liability": "Points liability",
    "cohorts": "Contract liability by earning cohort",
    "revenue": "IFRS 15 deferred revenue",
    "breakage": "Breakage estimate",
    "kpis": "Program KPIs",
    "journal": "Journal entries",
}


def build(
    name: str,
    period: Period | None = None,
    *,
    as_of: date | None = None,
    by: str = "month",
    books: Books | None = None,
) -> Report:
    """One report by name (the command, the admin page, the API and closing come here).

    A period report needs ``period``; an as-of report needs ``as_of`` (default: the
    period's last day).
    """
    books = books or Books.load()
    if name in AS_OF_REPORTS:
        day = as_of or (period.end if period else None)
        if day is None:
            raise ValueError(f"the {name} report needs the day it is as of")
        if name == "liability":
            return liability(day, books=books)
        if name == "cohorts":
            return cohorts_report(day, books=books)
        return breakage(day, books=books)
    if name not in PERIOD_REPORTS:
        raise ValueError(f"unknown report {name!r}; known: {', '.join(REPORTS)}")
    if period is None:
        raise ValueError(f"the {name} report needs a period")
    if name == "rollforward":
        return rollforward(period, books=books)
    if name == "revenue":
        return revenue(period, by, books=books)
    if name == "journal":
        return journal(period, by, books=books)
    return kpis(period, books=books)


__all__ = [
    "AS_OF_REPORTS",
    "PERIOD_REPORTS",
    "REPORTS",
    "TITLES",
    "Books",
    "Column",
    "Period",
    "Position",
    "Report",
    "breakage",
    "build",
    "check_day",
    "check_period",
    "cohorts_report",
    "end_of",
    "estimate_rate",
    "issued_redeemed_expired",
    "journal",
    "kpis",
    "kpis_by_month",
    "liability",
    "liability_figures",
    "money",
    "outstanding_points",
    "position",
    "positions",
    "revenue",
    "rollforward",
    "split",
    "start_of",
]
