"""The books as they stood: which rows a report counts, so that a closed period never changes.

Every row is dated when its event happened (``effective_at``, ``purchased_at``...) and is
*booked* at that moment, unless the books were already closed through that day when
it was recorded: then it is booked at the first moment after the latest closed period
(the next open period), as a correction.

Each closed period keeps, per table, the last id the books held (``last_ids``; ids only
grow). As of a moment M, a report counts the rows dated before M and, when M is inside
the closed books, only those that the books held when the period holding M was closed.
That is exactly "booked before M" (see the README's worked example), it needs no column
on the rows, and it holds whoever wrote them: services, jobs, the import, raw SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Case, IntegerField, Q, Value, When

from members.models import Member, TierChange
from referrals.models import Referral
from rewards.models import LedgerEntry, Program, Purchase, RedemptionRateEstimate, Refund

from ..models import AccountingSettings, ClosedPeriod
from .periods import end_of

NO_ESTIMATE_RATE = Decimal("1")
# The tables whose rows the reports count, by label; a closed period keeps the last id
# of each. A table missing from an old closing's ids is not limited.
TABLES = {
    model._meta.label_lower: model
    for model in (
        LedgerEntry,
        Purchase,
        Refund,
        RedemptionRateEstimate,
        Member,
        TierChange,
        Referral,
    )
}
LEDGER, PURCHASE, REFUND = "rewards.ledgerentry", "rewards.purchase", "rewards.refund"
ESTIMATE, MEMBER = "rewards.redemptionrateestimate", "members.member"
TIER_CHANGE, REFERRAL = "members.tierchange", "referrals.referral"


@dataclass(frozen=True)
class Closing:
    """A closed period as the reports use it."""

    start: date
    end: date
    last_ids: dict
    point_value: Decimal | None
    cost_per_point: Decimal | None
    closed_at: datetime | None = None

    @property
    def open_from(self) -> datetime:
        return end_of(self.end)

    def __str__(self) -> str:
        return f"{self.start} to {self.end}"


@dataclass
class Books:
    """The closed periods and the estimates, read once per report."""

    closings: tuple[Closing, ...]
    estimates: tuple[RedemptionRateEstimate, ...]
    _program: Program | None = field(default=None, repr=False)
    _cost: tuple | None = field(default=None, repr=False)
    # Positions already computed with these books, by day (``recognition.positions``).
    positions: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls) -> Books:
        closings = tuple(
            Closing(c.start, c.end, c.last_ids, c.point_value, c.cost_per_point, c.closed_at)
            for c in ClosedPeriod.objects.order_by("end")
        )
        return cls(closings, tuple(RedemptionRateEstimate.objects.order_by("effective_from", "pk")))

    def with_closing(self, closing: Closing) -> Books:
        """These books with one more closed period (to compute it before it is stored)."""
        return Books((*self.closings, closing), self.estimates, self._program, self._cost)

    @property
    def closed_through(self) -> date | None:
        return self.closings[-1].end if self.closings else None

    def closing_for(self, moment: datetime) -> Closing | None:
        """The closed period whose books hold what happened before ``moment``, if closed."""
        return next((c for c in self.closings if c.open_from >= moment), None)

    def closing_of_day(self, day: date) -> Closing | None:
        return self.closing_for(end_of(day))

    def last_id(self, table: str, moment: datetime) -> int | None:
        closing = self.closing_for(moment)
        return None if closing is None else closing.last_ids.get(table)

    def known(self, table: str | None, moment: datetime, *, time: str, pk: str = "pk") -> Q:
        """The rows of ``table`` booked before ``moment`` (``time``/``pk``: their fields);
        ``table`` None: the rows dated before it, whenever they were recorded."""
        found = Q(**{f"{time}__lt": moment})
        last = None if table is None else self.last_id(table, moment)
        return found if last is None else found & Q(**{f"{pk}__lte": last})

    def booked(self, table: str | None, start: datetime, end: datetime, *, time: str, pk="pk") -> Q:
        """The rows booked in ``[start, end)``."""
        return self.known(table, end, time=time, pk=pk) & ~self.known(
            table, start, time=time, pk=pk
        )

    def interval(self, table: str | None, moments: list[datetime], *, time: str, pk: str = "pk"):
        """SQL: the index of the first of ``moments`` (ascending) the row is booked before.

        "Booked before" only grows with the moment, so the first matching WHEN wins.
        """
        whens = [
            When(self.known(table, moment, time=time, pk=pk), then=Value(index))
            for index, moment in enumerate(moments)
        ]
        return Case(*whens, default=Value(len(moments)), output_field=IntegerField())

    # ------------------------------------------------------------ settings of a day

    def program(self) -> Program:
        if self._program is None:
            self._program = Program.get()
        return self._program

    def point_value(self, day: date) -> Decimal:
        """The point value of the day: a closed period's own, else the program's."""
        closing = self.closing_of_day(day)
        if closing is not None and closing.point_value is not None:
            return closing.point_value
        return self.program().point_value

    def cost_per_point(self, day: date) -> Decimal | None:
        """The cost per point of the day (None: finance has not set it)."""
        closing = self.closing_of_day(day)
        if closing is not None:
            return closing.cost_per_point
        if self._cost is None:
            self._cost = (AccountingSettings.get().cost_per_point,)
        return self._cost[0]

    # ------------------------------------------------------------ estimates of a day

    def estimate_on(self, day: date) -> RedemptionRateEstimate | None:
        """The estimate in force at the end of ``day`` as the books then knew it."""
        last = self.last_id(ESTIMATE, end_of(day))
        found = None
        for estimate in self.estimates:
            if estimate.effective_from > day:
                break
            if last is None or estimate.pk <= last:
                found = estimate
        return found

    def rate_on(self, day: date) -> Decimal:
        estimate = self.estimate_on(day)
        return NO_ESTIMATE_RATE if estimate is None else estimate.rate

    def describe_rate(self, day: date) -> str:
        estimate = self.estimate_on(day)
        if estimate is None:
            return (
                f"Expected redemption rate on {day}: 1 (no estimate recorded: no breakage assumed)."
            )
        how = estimate.get_method_display().lower()
        text = f"Expected redemption rate on {day}: {estimate.rate} ({how}, from "
        text += f"{estimate.effective_from})"
        return f"{text}: {estimate.explanation}." if estimate.explanation else f"{text}."
