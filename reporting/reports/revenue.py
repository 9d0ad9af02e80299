"""IFRS 15 revenue of the points per part of a period, and the journal entries finance books."""

from __future__ import annotations

from datetime import timedelta

from .books import Books
from .periods import Period, split
from .recognition import Position, positions
from .rollforward import closed_note
from .shape import CENT, Column, Report

REVENUE_COLUMNS = [
    Column("period", "Period"),
    Column("sales", "Sales that earned points", "money"),
    Column("allocated", "Allocated to points", "money"),
    Column("corrections", "  of which dated in closed periods", "money"),
    Column("recognised", "Recognised in period", "money"),
    Column("cumulative", "Cumulative recognised", "money"),
    Column("liability", "Contract liability at end", "money"),
    Column("allocated_cumulative", "Allocated to date", "money"),
    Column("sales_cumulative", "Sales to date", "money"),
    Column("by_redemption", "To date: released by redemption", "money"),
    Column("by_breakage", "To date: released as breakage", "money"),
    Column("redeemed_to_date", "Points redeemed to date", "points"),
    Column("expected", "Points expected to be redeemed", "rate"),
    Column("rate", "Expected redemption rate", "rate"),
    Column("pool_liability", "Pool liability at end (comparison)", "money"),
    Column("closed", "Closed"),
]


def schedule(period: Period, by: str, books: Books) -> list[tuple[Period, Position, Position]]:
    """Each part of the period with the positions at its start and at its end."""
    parts = split(period, by)
    days = [parts[0].start - timedelta(days=1)] + [part.end for part in parts]
    found = positions(books, days)
    return [(part, found[i], found[i + 1]) for i, part in enumerate(parts)]


def _closed(books: Books, part: Period) -> str:
    through = books.closed_through
    if through is None or part.end > through:
        return ""
    closing = books.closing_of_day(part.end)
    return f"closed {closing.closed_at:%Y-%m-%d}" if closing.closed_at else "closed"


def _row(part: Period, before: Position, now: Position, books: Books) -> dict:
    total, previous = now.total, before.total
    return {
        "period": part.label,
        "sales": total.sales - previous.sales,
        "allocated": total.allocated - previous.allocated,
        "corrections": total.corrections,
        "recognised": total.recognised - previous.recognised,
        "cumulative": total.recognised,
        "liability": total.liability,
        "allocated_cumulative": total.allocated,
        "sales_cumulative": total.sales,
        "by_redemption": total.by_redemption,
        "by_breakage": total.by_breakage,
        "redeemed_to_date": total.redeemed,
        "expected": total.expected.quantize(CENT),
        "rate": now.rate,
        "pool_liability": now.pool.liability,
        "closed": _closed(books, part),
    }


def revenue(period: Period, by: str = "month", *, books: Books | None = None) -> Report:
    """Per part: allocated to points, recognised, cumulative recognised, liability."""
    books = books or Books.load()
    parts = schedule(period, by, books)
    rows = [_row(part, before, now, books) for part, before, now in parts]
    last = parts[-1][2]
    notes = closed_note(books, period) + [
        "Allocation per sale by relative stand-alone selling price, fixed when the sale was "
        "recorded with the estimate in force on its day (IFRS 15.88): amount x SSP / "
        "(amount + SSP), SSP = points x point value x expected redemption rate; a refund "
        "takes back its share.",
        "Recognition by earning cohort (month of the sale), cumulative catch-up: each "
        "month's revenue to date = its allocation x its points redeemed / its points now "
        "expected to be redeemed; a month with nothing left to redeem is fully recognised. "
        "A new estimate changes the catch-up, never the allocation.",
        books.describe_rate(period.end),
    ]
    return Report(
        name="revenue",
        title=f"IFRS 15 deferred revenue {period.label}",
        columns=REVENUE_COLUMNS,
        rows=rows,
        notes=notes,
        warnings=last.warnings(),
        summary={"liability": last.total.liability, "recognised": last.total.recognised},
    )


JOURNAL = [
    ("deferral", "Revenue: sales of goods", "Contract liability: loyalty points", ""),
    (
        "correction",
        "Revenue: sales of goods",
        "Contract liability: loyalty points",
        "Correction: sales and refunds dated in closed periods",
    ),
    ("redemption", "Contract liability: loyalty points", "Revenue: points redeemed", ""),
    ("breakage", "Contract liability: loyalty points", "Revenue: breakage", ""),
]


def journal(period: Period, by: str = "month", *, books: Books | None = None) -> Report:
    """The entries finance books: deferral to the contract liability, and its release."""
    books = books or Books.load()
    rows = []
    for part, before, now in schedule(period, by, books):
        total, previous = now.total, before.total
        amounts = {
            "deferral": total.allocated - previous.allocated - total.corrections,
            "correction": total.corrections,
            "redemption": total.by_redemption - previous.by_redemption,
            "breakage": total.by_breakage - previous.by_breakage,
        }
        for key, debit, credit, note in JOURNAL:
            amount = amounts[key]
            if amount < 0:
                debit, credit, amount = credit, debit, -amount
            if amount:
                rows.append(
                    {
                        "period": part.label,
                        "debit": debit,
                        "credit": credit,
                        "amount": amount,
                        "note": note,
                    }
                )
    return Report(
        name="journal",
        title=f"Journal entries {period.label}",
        columns=[
            Column("period", "Period"),
            Column("debit", "Debit"),
            Column("credit", "Credit"),
            Column("amount", "Amount", "money"),
            Column("note", "Note"),
        ],
        rows=rows,
        notes=closed_note(books, period)
        + [
            "Sales are booked gross to revenue by the shop; these entries move the part "
            "allocated to points to the contract liability and release it."
        ],
    )
