"""IFRS 15 recognition of the price allocated to points, by earning cohort (month of the sale).

Each cohort's allocated amount (fixed at each sale, net of refunds) is recognised by
cumulative catch-up on its own redemptions (B39-B43):

    expected    = the cohort's net issued points x the rate in force, never less than
                  what it has redeemed nor more than redeemed + still open
    to date     = allocated x redeemed / expected   (all of it once nothing is open)
    liability   = allocated - to date

Of what is recognised, ``allocated x redeemed / net issued`` is released by redemption
and the rest is breakage. The pool figure (the same formula over all cohorts at once)
is computed beside it: IFRS 15.4 allows a portfolio only if it does not differ
materially, and the report shows by how much it does.

The figures come from three grouped aggregates (sales, refunds, lot movements) whatever
the number of rows; Python only combines a few rows per cohort and moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from rewards.models import LedgerEntry, LotMovement, Purchase, Refund

from .books import LEDGER, PURCHASE, REFUND, Books
from .periods import end_of
from .shape import money

Kind = LedgerEntry.Kind
ZERO = Decimal("0.00")


@dataclass
class Cohort:
    """One earning month: what was allocated to its points and what became of them."""

    month: str
    allocated: Decimal = ZERO
    sales: Decimal = ZERO
    corrections: Decimal = ZERO  # allocated in a part but dated before it (closed periods)
    issued: int = 0
    reversed: int = 0
    redeemed: int = 0
    outstanding: int = 0
    expected: Decimal = ZERO
    recognised: Decimal = ZERO
    by_redemption: Decimal = ZERO
    adjusted: str = ""

    @property
    def net(self) -> int:
        return self.issued - self.reversed

    @property
    def lapsed(self) -> int:
        return self.net - self.redeemed - self.outstanding

    @property
    def by_breakage(self) -> Decimal:
        return self.recognised - self.by_redemption

    @property
    def liability(self) -> Decimal:
        return self.allocated - self.recognised

    def add(self, other: Cohort) -> None:
        """Add another's sales and points (what is computed from them is left alone)."""
        self.allocated += other.allocated
        self.sales += other.sales
        self.corrections += other.corrections
        self.issued += other.issued
        self.reversed += other.reversed
        self.redeemed += other.redeemed
        self.outstanding += other.outstanding


def recognise(cohort: Cohort, rate: Decimal) -> Cohort:
    """Fill in the cohort's expected redemptions and recognised revenue at ``rate``."""
    redeemed, outstanding, net = cohort.redeemed, cohort.outstanding, cohort.net
    wanted = Decimal(net) * rate
    expected = min(max(wanted, Decimal(redeemed)), Decimal(redeemed + outstanding))
    cohort.expected = expected
    cohort.adjusted = ""
    if outstanding <= 0:
        cohort.recognised = cohort.allocated  # nothing left that could be redeemed
    else:
        if expected > wanted:
            cohort.adjusted = "raised to the points already redeemed"
        elif expected < wanted:
            cohort.adjusted = "capped at redeemed + still open"
        cohort.recognised = money(cohort.allocated * redeemed / expected) if expected else ZERO
    by_redemption = money(cohort.allocated * redeemed / net) if net > 0 else ZERO
    cohort.by_redemption = min(by_redemption, cohort.recognised)
    return cohort


@dataclass
class Position:
    """The contract liability at the end of ``day``: by cohort, in total and as a pool."""

    day: date
    rate: Decimal
    point_value: Decimal
    cohorts: list[Cohort]
    total: Cohort = field(init=False)
    pool: Cohort = field(init=False)

    def __post_init__(self) -> None:
        total = Cohort("total")
        for cohort in self.cohorts:
            recognise(cohort, self.rate)
            total.add(cohort)
        total.expected = sum((c.expected for c in self.cohorts), ZERO)
        total.recognised = sum((c.recognised for c in self.cohorts), ZERO)
        total.by_redemption = sum((c.by_redemption for c in self.cohorts), ZERO)
        self.total = total
        pool = Cohort("pool")
        pool.add(total)
        self.pool = recognise(pool, self.rate)

    @property
    def face_value(self) -> Decimal:
        """The face value of the purchase points still outstanding."""
        return money(self.total.outstanding * self.point_value)

    def warnings(self) -> list[str]:
        out = []
        if self.total.liability > self.face_value:
            out.append(
                f"The contract liability ({self.total.liability}) exceeds the face value of the "
                f"{self.total.outstanding:,} purchase points still outstanding "
                f"({self.face_value}): fewer points are now expected to be redeemed than their "
                "price was allocated for. Review the expected redemption rate."
            )
        adjusted = [c for c in self.cohorts if c.adjusted]
        if adjusted:
            months = ", ".join(f"{c.month} ({c.adjusted})" for c in adjusted)
            text = f"The stated rate {self.rate} was overridden in {len(adjusted)} cohort(s): "
            text += f"{months}."
            if self.total.net > 0:
                effective = self.total.expected / self.total.net
                text += (
                    f" Over all cohorts the expected redemptions make a rate of {effective:.4f}."
                )
            out.append(text)
        return out


# ---------------------------------------------------------------- the aggregates


def _rows(queryset, moments, books: Books, table: str, *, time: str, pk: str = "pk"):
    """``queryset`` with, per row, the index of the first moment it is booked before
    (``at``) and of the first moment it is dated before (``dated``): a row dated before
    the part it is booked in is a correction to a closed period."""
    found = queryset.filter(books.known(table, moments[-1], time=time, pk=pk))
    if len(moments) == 1:  # as of one day: every row counted is booked before it
        return found.annotate(at=Value(0), dated=Value(0))
    return found.annotate(
        at=books.interval(table, moments, time=time, pk=pk),
        dated=books.interval(None, moments, time=time),
    )


def _sales(books: Books, moments: list[datetime]):
    sales = Purchase.objects.filter(points_earned__gt=0, member__isnull=False)
    refunds = Refund.objects.filter(purchase__points_earned__gt=0, purchase__member__isnull=False)
    money_sums = {
        "allocated": Coalesce(Sum("allocated_to_points"), ZERO),
        "sales": Coalesce(Sum("amount"), ZERO),
    }
    yield from (
        (row, +1)
        for row in _rows(sales, moments, books, PURCHASE, time="purchased_at")
        .annotate(cohort=TruncMonth("purchased_at"))
        .values("cohort", "at", "dated")
        .annotate(**money_sums)
        .order_by()
    )
    yield from (
        (row, -1)
        for row in _rows(refunds, moments, books, REFUND, time="created_at")
        .annotate(cohort=TruncMonth("purchase__purchased_at"))
        .values("cohort", "at", "dated")
        .annotate(**money_sums)
        .order_by()
    )


def _points(books: Books, moments: list[datetime]):
    movements = LotMovement.objects.filter(lot__purchase__isnull=False, lot__is_debt=False)
    redeeming = Q(entry__kind__in=[Kind.REDEEM, Kind.REDEEM_CANCEL])
    return (
        _rows(movements, moments, books, LEDGER, time="entry__effective_at", pk="entry_id")
        .annotate(cohort=TruncMonth("lot__purchase__purchased_at"))
        .values("cohort", "at", "dated")
        .annotate(
            issued=Coalesce(Sum("points", filter=Q(entry__kind=Kind.EARN, points__gt=0)), 0),
            reversed=Coalesce(Sum("points", filter=Q(entry__kind=Kind.REVERSE)), 0),
            redeemed=Coalesce(Sum("points", filter=redeeming), 0),
            outstanding=Coalesce(Sum("points"), 0),
        )
        .order_by()
    )


def positions(books: Books, days: list[date]) -> list[Position]:
    """The position at the end of each of ``days`` (ascending), from three aggregates.

    A part's corrections (``Cohort.corrections``): the allocation booked between the
    previous day and this one but dated before the previous day's end. Positions are
    kept in ``books`` (the same books give the same position), so the reports of many
    days built with one ``Books`` cost three aggregates in all.
    """
    key = tuple(days)
    if key not in books.positions:
        books.positions[key] = _positions(books, days)
        for index, day in enumerate(days):
            books.positions.setdefault((day,), [books.positions[key][index]])
    return books.positions[key]


def _positions(books: Books, days: list[date]) -> list[Position]:
    moments = [end_of(day) for day in days]
    flows: list[tuple[int, int, Cohort]] = []  # (booked before, dated before, what)
    for row, sign in _sales(books, moments):  # money: SQLite sums decimals as floats
        found = Cohort(_month(row["cohort"]))
        found.allocated = sign * money(row["allocated"])
        found.sales = sign * money(row["sales"])
        flows.append((row["at"], row["dated"], found))
    for row in _points(books, moments):
        found = Cohort(_month(row["cohort"]), issued=row["issued"], reversed=-row["reversed"])
        found.redeemed, found.outstanding = -row["redeemed"], row["outstanding"]
        flows.append((row["at"], row["dated"], found))
    out = []
    for index, day in enumerate(days):
        cohorts: dict[str, Cohort] = {}
        for at, dated, flow in flows:
            if at <= index:
                cohort = cohorts.setdefault(flow.month, Cohort(flow.month))
                cohort.add(flow)
                if at == index and dated < index:  # booked in this part, dated before it
                    cohort.corrections += flow.allocated
        ordered = [cohorts[month] for month in sorted(cohorts)]
        out.append(Position(day, books.rate_on(day), books.point_value(day), ordered))
    return out


def position(books: Books, day: date) -> Position:
    return positions(books, [day])[0]


def _month(value) -> str:
    return (value.date() if isinstance(value, datetime) else value).strftime("%Y-%m")
