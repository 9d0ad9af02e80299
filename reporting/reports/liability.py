"""The points liability as of a day, by the deferred-revenue and the cost methods, and the
contract liability by earning cohort beside the pool figure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import Coalesce

from rewards.models import LedgerEntry

from .books import LEDGER, Books
from .periods import Period, end_of
from .recognition import Position, position
from .rollforward import closed_note
from .shape import Column, Report, money

NOT_SET = "not set"


@dataclass
class Liability:
    """Every figure of the liability at the end of ``as_of``."""

    as_of: date
    spendable: int
    pending: int
    position: Position
    cost_per_point: Decimal | None

    @property
    def outstanding(self) -> int:
        return self.spendable + self.pending

    @property
    def face_value(self) -> Decimal:
        return money(self.outstanding * self.position.point_value)

    @property
    def cost_liability(self) -> Decimal | None:
        if self.cost_per_point is None:
            return None
        return money(self.outstanding * self.position.rate * self.cost_per_point)

    def as_dict(self) -> dict:
        total, pool = self.position.total, self.position.pool
        return {
            "spendable": self.spendable,
            "pending": self.pending,
            "outstanding": self.outstanding,
            "from_purchases": total.outstanding,
            "from_other": self.outstanding - total.outstanding,
            "point_value": self.position.point_value,
            "rate": self.position.rate,
            "face_value": self.face_value,
            "purchase_points_face_value": self.position.face_value,
            "allocated": total.allocated,
            "sales": total.sales,
            "recognised": total.recognised,
            "contract_liability": total.liability,
            "pool_liability": pool.liability,
            "pool_difference": pool.liability - total.liability,
            "cost_per_point": self.cost_per_point,
            "cost_liability": self.cost_liability,
        }


def outstanding_points(as_of: date, *, books: Books | None = None) -> tuple[int, int]:
    """Spendable and pending points at the end of ``as_of``, as booked (one aggregate)."""
    books = books or Books.load()
    known = books.known(LEDGER, end_of(as_of), time="effective_at")
    totals = LedgerEntry.objects.filter(known).aggregate(
        points=Coalesce(Sum("points"), 0), pending=Coalesce(Sum("pending_points"), 0)
    )
    return totals["points"], totals["pending"]


def liability_figures(as_of: date, *, books: Books | None = None) -> Liability:
    books = books or Books.load()
    spendable, pending = outstanding_points(as_of, books=books)
    return Liability(as_of, spendable, pending, position(books, as_of), books.cost_per_point(as_of))


def liability(as_of: date, *, books: Books | None = None) -> Report:
    """Outstanding points and the liability at the end of ``as_of``, by both methods."""
    books = books or Books.load()
    figures = liability_figures(as_of, books=books)
    f = figures.as_dict()
    cost = NOT_SET if f["cost_per_point"] is None else f["cost_per_point"]
    cost_liability = NOT_SET if f["cost_liability"] is None else f["cost_liability"]
    lines = [
        ("Spendable points", f["spendable"]),
        ("Pending points", f["pending"]),
        ("Outstanding points", f["outstanding"]),
        ("  of which earned on purchases", f["from_purchases"]),
        ("  of which from other sources", f["from_other"]),
        ("Value of one point", f["point_value"]),
        ("Expected redemption rate (1 - breakage)", f["rate"]),
        ("Face value of outstanding points", f["face_value"]),
        ("  of which points earned on purchases", f["purchase_points_face_value"]),
        ("Contract liability (IFRS 15, by earning cohort)", f["contract_liability"]),
        ("  price allocated to points to date", f["allocated"]),
        ("  revenue recognised to date", f["recognised"]),
        ("Contract liability over the whole pool (for comparison)", f["pool_liability"]),
        ("  difference: pool - cohorts", f["pool_difference"]),
        ("Cost method: cost per point", cost),
        ("Cost method: outstanding x expected redemption x cost per point", cost_liability),
    ]
    notes = closed_note(books, Period(as_of, as_of)) + [
        books.describe_rate(as_of),
        "The contract liability covers points earned on purchases (their price was "
        "allocated to them); points from actions, referrals and adjustments were not paid "
        "for and appear in the cost method only.",
        "Each earning month's allocated amount is recognised by its own redemptions over "
        "its own expected redemptions; the pool applies the same formula to all months at "
        "once (see the cohorts report).",
    ]
    if figures.cost_per_point is None:
        notes.append("The cost per point is not set: finance sets it in the accounting settings.")
    return Report(
        name="liability",
        title=f"Points liability as of {as_of}",
        columns=[Column("line", "Line"), Column("value", "Value", "number")],
        rows=[{"line": label, "value": value} for label, value in lines],
        notes=notes,
        warnings=figures.position.warnings(),
        summary=f,
    )


def cohorts_report(as_of: date, *, books: Books | None = None) -> Report:
    """The contract liability by earning month, with what each month's points became."""
    books = books or Books.load()
    found = position(books, as_of)
    rows = [_cohort_row(c) for c in found.cohorts]
    rows.append({**_cohort_row(found.total), "cohort": "Total (by cohort)"})
    rows.append({**_cohort_row(found.pool), "cohort": "Pool (all months at once)"})
    return Report(
        name="cohorts",
        title=f"Contract liability by earning cohort as of {as_of}",
        columns=[
            Column("cohort", "Earning month"),
            Column("allocated", "Allocated to points", "money"),
            Column("issued", "Issued", "points"),
            Column("reversed", "Reversed", "points"),
            Column("redeemed", "Redeemed", "points"),
            Column("lapsed", "Expired or lapsed", "points"),
            Column("outstanding", "Still open", "points"),
            Column("expected", "Expected to be redeemed", "rate"),
            Column("recognised", "Recognised to date", "money"),
            Column("by_redemption", "  by redemption", "money"),
            Column("by_breakage", "  as breakage", "money"),
            Column("liability", "Contract liability", "money"),
            Column("adjusted", "Rate overridden"),
        ],
        rows=rows,
        notes=closed_note(books, Period(as_of, as_of)) + [books.describe_rate(as_of)],
        warnings=found.warnings(),
        summary={
            "contract_liability": found.total.liability,
            "pool_liability": found.pool.liability,
            "pool_difference": found.pool.liability - found.total.liability,
        },
    )


def _cohort_row(cohort) -> dict:
    return {
        "cohort": cohort.month,
        "allocated": cohort.allocated,
        "issued": cohort.issued,
        "reversed": cohort.reversed,
        "redeemed": cohort.redeemed,
        "lapsed": cohort.lapsed,
        "outstanding": cohort.outstanding,
        "expected": cohort.expected.quantize(Decimal("0.01")),
        "recognised": cohort.recognised,
        "by_redemption": cohort.by_redemption,
        "by_breakage": cohort.by_breakage,
        "liability": cohort.liability,
        "adjusted": cohort.adjusted,
    }
