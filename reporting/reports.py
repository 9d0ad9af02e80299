"""The accounting reports, computed from the points ledger alone with set-based aggregates.

Every figure here is a handful of ``GROUP BY`` / ``SUM`` queries over ``LedgerEntry``,
``LotMovement``, ``Purchase`` and ``Refund``, whatever the number of members or entries:
Python only combines the aggregates (a few rows per period), never loops over rows.

Conventions:
- A period is a range of dates, both inclusive, in the program's time zone; an entry
  belongs to it when its ``effective_at`` falls in ``[start 00:00, end + 1 day 00:00)``.
- Outstanding points = spendable + pending (``points + pending_points`` of the ledger).
- The expected redemption rate in force on a date is the latest estimate whose
  ``effective_from`` is on or before it (see ``RedemptionRateEstimate``); with no
  estimate, every point is expected to be redeemed (rate 1, no breakage).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.core.exceptions import FieldError
from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Min,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round, TruncMonth
from django.utils import timezone

from members.models import Member
from rewards.models import LedgerEntry, LotMovement, Program, Purchase, Redemption, Refund

from .models import AccountingSettings, ClosedPeriod, RedemptionRateEstimate

Kind = LedgerEntry.Kind
CENT = Decimal("0.01")
DEFAULT_RATE = Decimal("1")
DEC = DecimalField(max_digits=30, decimal_places=10)
REPORTS = ("rollforward", "liability", "revenue", "breakage", "kpis", "journal")


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- periods


def start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in the program's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def start_at(self) -> datetime:
        return start_of(self.start)

    @property
    def end_at(self) -> datetime:
        return start_of(self.end + timedelta(days=1))

    @property
    def label(self) -> str:
        last = calendar.monthrange(self.end.year, self.end.month)[1]
        if self.start.day == 1 and self.end.day == last:
            if (self.start.year, self.start.month) == (self.end.year, self.end.month):
                return self.start.strftime("%Y-%m")
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            if months == 3 and self.start.month % 3 == 1:
                return f"{self.start.year}-Q{self.start.month // 3 + 1}"
            if months == 12 and self.start.month == 1:
                return str(self.start.year)
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def split(period: Period, by: str) -> list[Period]:
    """``period`` cut into calendar months, quarters or years (the ends clipped to it)."""
    if by == "period":
        return [period]
    step = {"month": 1, "quarter": 3, "year": 12}[by]
    first_month = period.start.month - (period.start.month - 1) % step
    cursor = date(period.start.year, first_month, 1)
    parts = []
    while cursor <= period.end:
        index = cursor.month - 1 + step
        following = date(cursor.year + index // 12, index % 12 + 1, 1)
        parts.append(
            Period(max(cursor, period.start), min(following - timedelta(days=1), period.end))
        )
        cursor = following
    return parts


# ---------------------------------------------------------------- a report's shape


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # text, points, money, rate, number (int or Decimal; None is n/a)


@dataclass
class Report:
    """Rows and columns that the admin page, the command and the exports all render."""

    name: str
    title: str
    columns: list[Column]
    rows: list[dict]
    notes: list[str] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    chart: dict | None = None

    def as_dict(self) -> dict:
        return {
            "report": self.name,
            "title": self.title,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in self.columns],
            "rows": [{c.key: jsonable(row.get(c.key)) for c in self.columns} for row in self.rows],
            "summary": {key: jsonable(value) for key, value in self.summary.items()},
            "notes": self.notes,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        columns = [Column(**c) for c in data["columns"]]
        rows = [{c.key: unjson(row.get(c.key), c.kind) for c in columns} for row in data["rows"]]
        return cls(
            name=data["report"],
            title=data["title"],
            columns=columns,
            rows=rows,
            notes=list(data.get("notes", [])),
            summary=dict(data.get("summary", {})),
        )


def jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def unjson(value, kind: str):
    if value is None or kind in ("text",):
        return value
    if kind in ("points", "count"):
        return int(value)
    if kind == "number" and isinstance(value, int):
        return value
    return Decimal(str(value))


# ---------------------------------------------------------------- redemption rate


def rate_schedule() -> list[tuple[date, Decimal, RedemptionRateEstimate]]:
    """(effective from, rate, estimate) in date order; the latest recorded wins on a date."""
    latest: dict[date, RedemptionRateEstimate] = {}
    for estimate in RedemptionRateEstimate.objects.order_by("effective_from", "pk"):
        latest[estimate.effective_from] = estimate
    return [(day, est.rate, est) for day, est in sorted(latest.items())]


def rate_on(day: date) -> tuple[Decimal, RedemptionRateEstimate | None]:
    estimate = (
        RedemptionRateEstimate.objects.filter(effective_from__lte=day)
        .order_by("-effective_from", "-pk")
        .first()
    )
    return (estimate.rate, estimate) if estimate else (DEFAULT_RATE, None)


def describe_rate(day: date) -> str:
    rate, estimate = rate_on(day)
    if estimate is None:
        return f"expected redemption rate on {day}: 1 (no estimate recorded: no breakage assumed)"
    how = estimate.get_method_display().lower()
    text = f"expected redemption rate on {day}: {rate} ({how}, from {estimate.effective_from})"
    return f"{text}: {estimate.explanation}" if estimate.explanation else text


def _rate_case(field_name: str):
    """SQL giving the rate in force at ``field_name`` (a datetime), one CASE for all rows."""
    whens = [
        When(**{f"{field_name}__gte": start_of(day)}, then=Value(rate))
        for day, rate, _est in reversed(rate_schedule())
    ]
    if not whens:
        return Value(DEFAULT_RATE, output_field=DEC)
    return Case(*whens, default=Value(DEFAULT_RATE), output_field=DEC)


# ---------------------------------------------------------------- ledger aggregates


def outstanding_at(moment: datetime) -> tuple[int, int]:
    """(spendable, pending) points of all members just before ``moment``."""
    totals = LedgerEntry.objects.filter(effective_at__lt=moment).aggregate(
        points=Coalesce(Sum("points"), 0), pending=Coalesce(Sum("pending_points"), 0)
    )
    return totals["points"], totals["pending"]


def outstanding_at_both(start_at: datetime, end_at: datetime) -> dict:
    """Spendable and pending points before ``start_at`` and before ``end_at``, in one scan."""
    before_start, before_end = Q(effective_at__lt=start_at), Q(effective_at__lt=end_at)
    return LedgerEntry.objects.filter(effective_at__lt=max(start_at, end_at)).aggregate(
        opening_points=Coalesce(Sum("points", filter=before_start), 0),
        opening_pending=Coalesce(Sum("pending_points", filter=before_start), 0),
        closing_points=Coalesce(Sum("points", filter=before_end), 0),
        closing_pending=Coalesce(Sum("pending_points", filter=before_end), 0),
    )


def movements_by_kind(start_at: datetime, end_at: datetime) -> dict[str, dict]:
    rows = (
        LedgerEntry.objects.filter(effective_at__gte=start_at, effective_at__lt=end_at)
        .values("kind")
        .annotate(
            net_points=Coalesce(Sum("points"), 0),
            net_pending=Coalesce(Sum("pending_points"), 0),
            credit=Coalesce(Sum("points", filter=Q(points__gt=0)), 0),
            debit=Coalesce(Sum("points", filter=Q(points__lt=0)), 0),
        )
        .order_by()
    )
    return {
        row["kind"]: {
            "points": row["net_points"],
            "pending": row["net_pending"],
            "credit": row["credit"],
            "debit": row["debit"],
        }
        for row in rows
    }


def allocated_to_points(moment: datetime) -> tuple[Decimal, Decimal]:
    """(allocated to points, sales) of point-earning purchases before ``moment``, net of refunds.

    Per purchase: amount x SSP / (amount + SSP), SSP = points x point value x the rate
    in force on the purchase date, rounded to the cent; a refund takes back its share.
    """
    point_value = Program.get().point_value

    def allocation(prefix: str):
        amount, points = F(f"{prefix}amount"), F(f"{prefix}points_earned")
        ssp = ExpressionWrapper(
            points * Value(point_value) * _rate_case(f"{prefix}purchased_at"), output_field=DEC
        )
        return ExpressionWrapper(amount * ssp / (amount + ssp), output_field=DEC)

    earned = Purchase.objects.filter(
        purchased_at__lt=moment, points_earned__gt=0, member__isnull=False
    ).aggregate(total=Sum(Round(allocation(""), 2, output_field=DEC)), sales=Sum("amount"))
    share = ExpressionWrapper(
        allocation("purchase__") * F("amount") / F("purchase__amount"), output_field=DEC
    )
    refunded = Refund.objects.filter(
        created_at__lt=moment, purchase__points_earned__gt=0, purchase__member__isnull=False
    ).aggregate(total=Sum(Round(share, 2, output_field=DEC)), sales=Sum("amount"))
    return (
        money(earned["total"]) - money(refunded["total"]),
        money(earned["sales"]) - money(refunded["sales"]),
    )


def purchase_pool(moment: datetime) -> dict:
    """What became of the points earned on purchases, before ``moment`` (from lot movements)."""
    totals = LotMovement.objects.filter(
        lot__purchase__isnull=False, entry__effective_at__lt=moment
    ).aggregate(
        issued=Coalesce(Sum("points", filter=Q(entry__kind=Kind.EARN, points__gt=0)), 0),
        reversed=Coalesce(Sum("points", filter=Q(entry__kind=Kind.REVERSE)), 0),
        redeemed=Coalesce(
            Sum("points", filter=Q(entry__kind__in=[Kind.REDEEM, Kind.REDEEM_CANCEL])), 0
        ),
        outstanding=Coalesce(Sum("points"), 0),
    )
    issued, reversed_ = totals["issued"], -totals["reversed"]
    redeemed, outstanding = -totals["redeemed"], totals["outstanding"]
    return {
        "issued": issued,
        "reversed": reversed_,
        "redeemed": redeemed,
        "lapsed": issued - reversed_ - redeemed - outstanding,
        "outstanding": outstanding,
    }


def ifrs_position(day: date) -> dict:
    """The IFRS 15 contract liability at the end of ``day``, by cumulative catch-up.

    revenue to date = allocated x redeemed / expected, where expected = net issued x the
    rate now in force, never less than what is already redeemed nor more than what can
    still be redeemed (redeemed + outstanding): points that lapsed (expired, forfeited,
    removed) leave the liability. Of that revenue, ``allocated x redeemed / net issued``
    is released by redemption and the rest is breakage.
    """
    moment = start_of(day + timedelta(days=1))
    allocated, sales = allocated_to_points(moment)
    pool = purchase_pool(moment)
    rate, _estimate = rate_on(day)
    net_issued = pool["issued"] - pool["reversed"]
    redeemable = pool["redeemed"] + pool["outstanding"]
    expected = min(max(Decimal(net_issued) * rate, Decimal(pool["redeemed"])), redeemable)
    if redeemable <= 0:
        recognised = allocated  # nothing left that could be redeemed
    elif expected > 0:
        recognised = money(allocated * pool["redeemed"] / expected)
    else:
        recognised = Decimal("0.00")
    by_redemption = money(allocated * pool["redeemed"] / net_issued) if net_issued > 0 else 0
    by_redemption = min(money(by_redemption), recognised)
    return {
        **pool,
        "rate": rate,
        "expected": expected,
        "allocated": allocated,
        "sales": sales,
        "recognised": recognised,
        "by_redemption": by_redemption,
        "by_breakage": recognised - by_redemption,
        "liability": allocated - recognised,
    }


def closed_before(start: date) -> ClosedPeriod | None:
    """The closed period that ends the day before ``start`` (its closing is our opening)."""
    return ClosedPeriod.objects.filter(end=start - timedelta(days=1)).order_by("-closed_at").first()


def closed_revenue_row(part: Period) -> tuple[ClosedPeriod | None, dict | None]:
    """The revenue row of ``part`` as reported when its closed period was closed, if any."""
    closed = ClosedPeriod.objects.filter(start__lte=part.start, end__gte=part.end).first()
    if closed is None:
        return None, None
    candidates = [closed.figures.get("revenue")]
    candidates += list(closed.figures.get("revenue_by", {}).values())
    for data in filter(None, candidates):
        for row in Report.from_dict(data).rows:
            if row.get("period") == part.label:
                return closed, row
    return closed, None


def closed_exactly(period: Period) -> ClosedPeriod | None:
    return ClosedPeriod.objects.filter(start=period.start, end=period.end).first()


def _stored(closed: ClosedPeriod, name: str) -> Report | None:
    data = closed.figures.get(name)
    if not data:
        return None
    report = Report.from_dict(data)
    report.notes.insert(0, f"Closed period: figures as reported on {closed.closed_at:%Y-%m-%d}.")
    return report


# ---------------------------------------------------------------- roll-forward

ROLL_LINES = [
    ("earn", "Issued: purchases", +1),
    ("action", "Issued: actions", +1),
    ("referral", "Issued: referrals", +1),
    ("adjust_in", "Adjustments: added", +1),
    ("adjust_out", "Adjustments: removed", -1),
    ("reverse", "Issued reversed (refunds and returns)", -1),
    ("redeem", "Redeemed", -1),
    ("redeem_cancel", "Redemptions cancelled", +1),
    ("expire", "Expired", -1),
    ("forfeit", "Forfeited (membership closed)", -1),
    ("release", "Released from pending (net, always 0)", +1),
]


def rollforward(period: Period, *, use_closed: bool = True) -> Report:
    """Opening + issued - reversed - redeemed + cancelled - expired +/- adjustments = closing."""
    if use_closed and (closed := closed_exactly(period)) and (stored := _stored(closed, "rf")):
        return stored
    program = Program.get()
    point_value = program.point_value
    balances = outstanding_at_both(period.start_at, period.end_at)
    opening = balances["opening_points"] + balances["opening_pending"]
    by_kind = movements_by_kind(period.start_at, period.end_at)
    amounts = {}
    for kind, row in by_kind.items():
        if kind == Kind.ADJUST:
            amounts["adjust_in"] = row["credit"]
            amounts["adjust_out"] = row["debit"]
        else:
            amounts[kind] = row["points"] + row["pending"]
    known = {key for key, _label, _sign in ROLL_LINES}
    other = sum(value for key, value in amounts.items() if key not in known)

    def line(label, points, **extra):
        return {"line": label, "points": points, "money": money(points * point_value), **extra}

    rows = []
    notes = []
    prior = closed_before(period.start) if use_closed else None
    if prior and (stored := _stored(prior, "rf")):
        reported = stored.summary.get("closing", opening)
        rows.append(line("Opening outstanding (as reported at closing)", int(reported)))
        rows.append(line("Corrections to closed periods", opening - int(reported)))
        notes.append(f"Opening taken from the closed period {prior}.")
    else:
        rows.append(line("Opening outstanding", opening))
    for key, label, _sign in ROLL_LINES:
        if key in amounts or key in ("earn", "redeem", "expire", "reverse"):
            rows.append(line(label, amounts.get(key, 0)))
    if other:
        rows.append(line("Other movements", other))
    closing_spendable, closing_pending = balances["closing_points"], balances["closing_pending"]
    closing = closing_spendable + closing_pending
    computed = opening + sum(amounts.values())
    rows.append(line("Closing outstanding", closing))
    rows.append(line("  of which spendable", closing_spendable))
    rows.append(line("  of which pending", closing_pending))
    if computed != closing:  # cannot happen with one ledger; said loudly if it ever does
        notes.append(f"DOES NOT RECONCILE: opening + movements = {computed}, ledger = {closing}")
    notes.append(
        f"Money at the point value {point_value} {program.currency}; the ledger is the "
        "source of every line (sum of points + pending points by kind of entry)."
    )
    return Report(
        name="rollforward",
        title=f"Points roll-forward {period.label}",
        columns=[
            Column("line", "Line"),
            Column("points", "Points", "points"),
            Column("money", "Money", "money"),
        ],
        rows=rows,
        notes=notes,
        summary={"opening": opening, "closing": closing, "reconciles": computed == closing},
    )


def issued_redeemed_expired(period: Period, by: str = "month") -> list[dict]:
    """Per sub-period: points issued, redeemed (net of cancellations) and expired (for charts)."""
    issuing = [Kind.EARN, Kind.ACTION, Kind.REFERRAL]
    rows = (
        LedgerEntry.objects.filter(
            effective_at__gte=period.start_at, effective_at__lt=period.end_at
        )
        .annotate(month=TruncMonth("effective_at"))
        .values("month")
        .annotate(
            issued=Coalesce(Sum(F("points") + F("pending_points"), filter=Q(kind__in=issuing)), 0),
            redeemed=Coalesce(
                Sum("points", filter=Q(kind__in=[Kind.REDEEM, Kind.REDEEM_CANCEL])), 0
            ),
            expired=Coalesce(Sum("points", filter=Q(kind__in=[Kind.EXPIRE, Kind.FORFEIT])), 0),
        )
        .order_by("month")
    )
    found = {row["month"].date() if row["month"] else None: row for row in rows}
    out = []
    for part in split(period, by):
        month_rows = [row for key, row in found.items() if key and part.start <= key <= part.end]
        first = date(part.start.year, part.start.month, 1)
        month_rows += [found[first]] if first in found and first < part.start else []
        out.append(
            {
                "label": part.label,
                "issued": sum(r["issued"] for r in month_rows),
                "redeemed": -sum(r["redeemed"] for r in month_rows),
                "expired": -sum(r["expired"] for r in month_rows),
            }
        )
    return out


# ---------------------------------------------------------------- liability


def liability(as_of: date) -> Report:
    """Outstanding points and the liability at the end of ``as_of``, by both methods."""
    program = Program.get()
    figures = liability_figures(as_of)
    cost_per_point = figures["cost_per_point"]
    rows = [
        {"line": "Spendable points", "value": figures["spendable"], "kind": "points"},
        {"line": "Pending points", "value": figures["pending"], "kind": "points"},
        {"line": "Outstanding points", "value": figures["outstanding"], "kind": "points"},
        {"line": "  of which earned on purchases", "value": figures["from_purchases"]},
        {"line": "  of which from other sources", "value": figures["from_other"]},
        {"line": "Value of one point", "value": program.point_value},
        {"line": "Expected redemption rate (1 - breakage)", "value": figures["rate"]},
        {"line": "Face value of outstanding points", "value": figures["face_value"]},
        {
            "line": "Deferred revenue method (IFRS 15 / ASC 606): contract liability",
            "value": figures["contract_liability"],
        },
        {"line": "  price allocated to points to date", "value": figures["allocated"]},
        {"line": "  revenue recognised to date", "value": figures["recognised"]},
        {"line": "Cost method: cost per point", "value": cost_per_point},
        {
            "line": "Cost method: outstanding x expected redemption x cost per point",
            "value": figures["cost_liability"],
        },
    ]
    for row in rows:
        row.pop("kind", None)
    return Report(
        name="liability",
        title=f"Points liability as of {as_of}",
        columns=[Column("line", "Line"), Column("value", "Value", "number")],
        rows=rows,
        notes=[
            describe_rate(as_of),
            "The contract liability covers points earned on purchases (their price was "
            "allocated to them); points from actions, referrals and adjustments were not paid "
            "for and appear in the cost method only.",
        ],
        summary={k: v for k, v in figures.items() if k != "as_of"},
    )


def liability_figures(as_of: date) -> dict:
    program = Program.get()
    moment = start_of(as_of + timedelta(days=1))
    spendable, pending = outstanding_at(moment)
    outstanding = spendable + pending
    position = ifrs_position(as_of)
    rate = position["rate"]
    cost_per_point = AccountingSettings.get().cost_per_point
    return {
        "as_of": as_of,
        "spendable": spendable,
        "pending": pending,
        "outstanding": outstanding,
        "from_purchases": position["outstanding"],
        "from_other": outstanding - position["outstanding"],
        "point_value": program.point_value,
        "rate": rate,
        "face_value": money(outstanding * program.point_value),
        "allocated": position["allocated"],
        "recognised": position["recognised"],
        "contract_liability": position["liability"],
        "cost_per_point": cost_per_point,
        "cost_liability": money(outstanding * rate * cost_per_point),
    }


# ---------------------------------------------------------------- IFRS 15 revenue


def revenue(period: Period, by: str = "month") -> Report:
    """Per sub-period: allocated to points, recognised, cumulative recognised, liability."""
    parts = split(period, by)
    rows = []
    prior = closed_before(parts[0].start)
    previous = None
    if prior and (stored := _stored(prior, "revenue")) and stored.rows:
        last = stored.rows[-1]
        previous = {k: last[k] for k in ("allocated_cumulative", "sales_cumulative", "cumulative")}
    if previous is None:
        before = ifrs_position(parts[0].start - timedelta(days=1))
        previous = {
            "allocated_cumulative": before["allocated"],
            "sales_cumulative": before["sales"],
            "cumulative": before["recognised"],
        }
    for part in parts:
        closed, row = closed_revenue_row(part)
        if row is None:
            now = ifrs_position(part.end)
            row = {
                "period": part.label,
                "sales": now["sales"] - previous["sales_cumulative"],
                "allocated": now["allocated"] - previous["allocated_cumulative"],
                "recognised": now["recognised"] - previous["cumulative"],
                "by_redemption": None,
                "cumulative": now["recognised"],
                "liability": now["liability"],
                "allocated_cumulative": now["allocated"],
                "sales_cumulative": now["sales"],
                "redeemed_to_date": now["redeemed"],
                "expected": money(now["expected"]),
                "rate": now["rate"],
                "closed": "",
            }
            row["by_redemption"] = now["by_redemption"]
            row["by_breakage"] = now["by_breakage"]
        if closed:
            row["closed"] = f"closed {closed.closed_at:%Y-%m-%d}"
        rows.append(row)
        previous = row
    return Report(
        name="revenue",
        title=f"IFRS 15 deferred revenue {period.label}",
        columns=[
            Column("period", "Period"),
            Column("sales", "Sales that earned points", "money"),
            Column("allocated", "Allocated to points", "money"),
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
            Column("closed", "Closed"),
        ],
        rows=rows,
        notes=[
            "Allocation per purchase by relative stand-alone selling price: amount x SSP / "
            "(amount + SSP), SSP of the points = points x point value x the rate in force on "
            "the purchase date; a refund takes back its share.",
            "Recognition by cumulative catch-up over the whole pool of purchase points: "
            "revenue to date = allocated to date x points redeemed to date / points now "
            "expected to be redeemed; a change of the rate changes the catch-up, not the "
            "allocation; lapsed points leave the liability.",
            describe_rate(period.end),
        ],
    )


def journal(period: Period, by: str = "month") -> Report:
    """The entries finance books: deferral to the contract liability, and its release."""
    schedule = revenue(period, by)
    rows = []
    previous_redemption = previous_breakage = None
    for row in schedule.rows:
        if previous_redemption is None:
            first = split(period, by)[0]
            before = ifrs_position(first.start - timedelta(days=1))
            previous_redemption, previous_breakage = before["by_redemption"], before["by_breakage"]
        by_redemption = (row.get("by_redemption") or 0) - previous_redemption
        by_breakage = row["recognised"] - by_redemption
        previous_redemption = row.get("by_redemption") or 0
        previous_breakage = (previous_breakage or 0) + by_breakage
        entries = [
            ("Revenue: sales of goods", "Contract liability: loyalty points", row["allocated"]),
            ("Contract liability: loyalty points", "Revenue: points redeemed", by_redemption),
            ("Contract liability: loyalty points", "Revenue: breakage", by_breakage),
        ]
        for debit, credit, amount in entries:
            if amount < 0:
                debit, credit, amount = credit, debit, -amount
            if amount:
                rows.append(
                    {"period": row["period"], "debit": debit, "credit": credit, "amount": amount}
                )
    return Report(
        name="journal",
        title=f"Journal entries {period.label}",
        columns=[
            Column("period", "Period"),
            Column("debit", "Debit"),
            Column("credit", "Credit"),
            Column("amount", "Amount", "money"),
        ],
        rows=rows,
        notes=[
            "Sales are booked gross to revenue by the shop; these entries move the part "
            "allocated to points to the contract liability and release it."
        ],
    )


# ---------------------------------------------------------------- breakage


def cohorts(as_of: date) -> list[dict]:
    """Per earning month: points issued and what became of them by the end of ``as_of``."""
    moment = start_of(as_of + timedelta(days=1))
    rows = (
        LotMovement.objects.filter(
            lot__is_debt=False, lot__earned_at__lt=moment, entry__effective_at__lt=moment
        )
        .annotate(cohort=TruncMonth("lot__earned_at"))
        .values("cohort")
        .annotate(
            issued=Coalesce(Sum("points", filter=Q(entry=F("lot__entry"), points__gt=0)), 0),
            reversed=Coalesce(Sum("points", filter=Q(entry__kind=Kind.REVERSE)), 0),
            redeemed=Coalesce(
                Sum("points", filter=Q(entry__kind__in=[Kind.REDEEM, Kind.REDEEM_CANCEL])), 0
            ),
            open=Coalesce(Sum("points"), 0),
        )
        .order_by("cohort")
    )
    out = []
    for row in rows:
        issued, reversed_, redeemed = row["issued"], -row["reversed"], -row["redeemed"]
        out.append(
            {
                "cohort": row["cohort"].date().strftime("%Y-%m"),
                "issued": issued,
                "reversed": reversed_,
                "redeemed": redeemed,
                "lapsed": issued - reversed_ - redeemed - row["open"],
                "open": row["open"],
            }
        )
    return out


def estimate_rate(as_of: date) -> dict:
    """The ultimate redemption rate the program's history points to, and how it was computed.

    Of each cohort's points (net of reversals), some are redeemed, some lapsed (expired,
    forfeited, removed) and some still open. The redeemed share of the resolved points
    (redeemed / (redeemed + lapsed)) of the matured cohorts (nothing open any more) is
    the best guide to how open points will end; with no matured cohort, all cohorts'
    resolved points are used. Each cohort's ultimate rate = (redeemed + open x that
    share) / net issued; the program's is the same over all cohorts.
    """
    table = cohorts(as_of)
    matured = [row for row in table if row["open"] == 0 and row["issued"] > row["reversed"]]
    basis = matured or table
    redeemed = sum(row["redeemed"] for row in basis)
    resolved = redeemed + sum(row["lapsed"] for row in basis)
    share = Decimal(redeemed) / resolved if resolved else None
    for row in table:
        net = row["issued"] - row["reversed"]
        row["redeemed_share"] = (
            (Decimal(row["redeemed"]) / net).quantize(Decimal("0.0001")) if net else None
        )
        row["ultimate"] = (
            ((row["redeemed"] + row["open"] * share) / net).quantize(Decimal("0.0001"))
            if net and share is not None
            else None
        )
    net_total = sum(row["issued"] - row["reversed"] for row in table)
    projected = (
        sum(row["redeemed"] + row["open"] * share for row in table) / net_total
        if net_total and share is not None
        else None
    )
    rate = (
        min(max(projected, Decimal(0)), Decimal(1)).quantize(Decimal("0.000001"))
        if projected is not None
        else None
    )
    basis_text = (
        f"{len(matured)} matured cohort(s)"
        if matured
        else f"all {len(table)} cohort(s) (none matured)"
    )
    explanation = (
        "no history: nothing resolved yet, no estimate possible"
        if rate is None
        else f"cohort method as of {as_of}: {redeemed} of {resolved} resolved points redeemed "
        f"({share:.4f}) in {basis_text}; open points projected at that share; ultimate rate "
        f"over {len(table)} cohort(s) of {net_total} net points = {rate}"
    )
    return {"rate": rate, "share": share, "cohorts": table, "explanation": explanation}


def breakage(as_of: date) -> Report:
    estimate = estimate_rate(as_of)
    in_force, recorded = rate_on(as_of)
    notes = [
        describe_rate(as_of),
        f"Estimate from history: {estimate['explanation']}.",
    ]
    if recorded is None:
        notes.append("The reports use rate 1 until finance records an estimate.")
    return Report(
        name="breakage",
        title=f"Breakage estimate as of {as_of}",
        columns=[
            Column("cohort", "Earning month"),
            Column("issued", "Issued", "points"),
            Column("reversed", "Reversed", "points"),
            Column("redeemed", "Redeemed", "points"),
            Column("lapsed", "Expired or lapsed", "points"),
            Column("open", "Still open", "points"),
            Column("redeemed_share", "Redeemed so far", "rate"),
            Column("ultimate", "Projected ultimate redemption", "rate"),
        ],
        rows=estimate["cohorts"],
        notes=notes,
        summary={
            "rate_in_force": in_force,
            "rate_estimated": estimate["rate"],
            "breakage_in_force": Decimal(1) - in_force,
        },
    )


# ---------------------------------------------------------------- KPIs


def _optional_model(app_label: str, model_name: str):
    """A model of an app that may not exist yet (tiers, referrals): None when it does not."""
    if not apps.is_installed(app_label):
        return None
    try:
        return apps.get_model(app_label, model_name)
    except LookupError:
        return None


def tier_distribution() -> list[dict] | None:
    tier = _optional_model("members", "Tier")
    if tier is None or not any(f.name == "tier" for f in Member._meta.get_fields()):
        return None
    try:
        rows = list(
            Member.objects.filter(status=Member.Status.ACTIVE)
            .values("tier__name")
            .annotate(members=Count("pk"))
            .order_by("tier__name")
        )
    except FieldError:  # a tier without a name: wired by whoever adds tiers
        return None
    return [{"tier": row["tier__name"] or "(no tier)", "members": row["members"]} for row in rows]


def referral_conversion(period: Period) -> Decimal | None:
    referral = _optional_model("referrals", "Referral")
    if referral is None:
        return None
    names = {f.name for f in referral._meta.get_fields()}
    when = "created_at" if "created_at" in names else None
    if when is None or "status" not in names:
        return None
    referrals = referral.objects.filter(
        **{f"{when}__gte": period.start_at, f"{when}__lt": period.end_at}
    )
    total = referrals.count()
    if not total:
        return None
    converted = referrals.filter(status__in=["qualified", "rewarded", "converted"]).count()
    return (Decimal(100) * converted / total).quantize(CENT)


def percent(part, whole) -> Decimal | None:
    return (Decimal(100) * part / whole).quantize(CENT) if whole else None


def kpis(period: Period) -> Report:
    """Program KPIs for ``period``: customers from purchases, points from the ledger."""
    start_at, end_at = period.start_at, period.end_at
    length = period.end - period.start + timedelta(days=1)
    previous = Period(period.start - length, period.start - timedelta(days=1))
    member_purchases = Purchase.objects.filter(member__isnull=False)
    buyers_now = set(
        member_purchases.filter(purchased_at__gte=start_at, purchased_at__lt=end_at)
        .values_list("member_id", flat=True)
        .distinct()
    )
    buyers_before = set(
        member_purchases.filter(purchased_at__gte=previous.start_at, purchased_at__lt=start_at)
        .values_list("member_id", flat=True)
        .distinct()
    )
    first_purchases = (
        member_purchases.values("member_id")
        .annotate(first_at=Min("purchased_at"))
        .filter(first_at__gte=start_at, first_at__lt=end_at)
        .count()
    )
    retained = len(buyers_now & buyers_before)
    repeaters = (
        member_purchases.filter(purchased_at__gte=start_at, purchased_at__lt=end_at)
        .values("member_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .count()
    )
    in_period = Purchase.objects.filter(purchased_at__gte=start_at, purchased_at__lt=end_at)
    aov = in_period.aggregate(
        members=Avg("amount", filter=Q(member__isnull=False)),
        others=Avg("amount", filter=Q(member__isnull=True)),
    )
    moves = movements_by_kind(start_at, end_at)

    def net(*kinds):
        return sum(
            moves.get(k, {}).get("points", 0) + moves.get(k, {}).get("pending", 0) for k in kinds
        )

    issued = net(Kind.EARN, Kind.ACTION, Kind.REFERRAL) + moves.get(Kind.ADJUST, {}).get(
        "credit", 0
    )
    redeemed = -net(Kind.REDEEM, Kind.REDEEM_CANCEL)
    active = (
        LedgerEntry.objects.filter(
            effective_at__gte=start_at,
            effective_at__lt=end_at,
            kind__in=[Kind.EARN, Kind.REDEEM, Kind.ACTION, Kind.REFERRAL],
        )
        .values("member_id")
        .distinct()
        .count()
    )
    new_members = Member.objects.filter(enrolled_at__gte=start_at, enrolled_at__lt=end_at).count()
    donated = (
        Redemption.objects.filter(created_at__gte=start_at, created_at__lt=end_at)
        .exclude(cause="")
        .exclude(status=Redemption.Status.CANCELLED)
        .aggregate(points=Coalesce(Sum("points"), 0))["points"]
    )
    tiers = tier_distribution()
    conversion = referral_conversion(period)
    retention = percent(len(buyers_now) - first_purchases, len(buyers_before))
    rows = [
        ("Active members (earned or redeemed)", active),
        ("New members (enrolled)", new_members),
        ("Customers at start (bought in the previous period)", len(buyers_before)),
        ("Customers at end (bought in the period)", len(buyers_now)),
        ("New customers (first purchase in the period)", first_purchases),
        ("Customer retention rate % ((end - new) / start x 100)", retention),
        (
            "Churn % (customers at start who did not buy again)",
            percent(len(buyers_before) - retained, len(buyers_before)),
        ),
        ("Repeat purchase rate % (members with 2+ purchases)", percent(repeaters, len(buyers_now))),
        (
            "Average order value: members",
            money(aov["members"]) if aov["members"] is not None else None,
        ),
        (
            "Average order value: non-members",
            money(aov["others"]) if aov["others"] is not None else None,
        ),
        ("Points issued", issued),
        ("Points redeemed (net of cancellations)", redeemed),
        ("Redemption rate % (redeemed / issued)", percent(redeemed, issued)),
        (
            "Points issued per active member",
            (Decimal(issued) / active).quantize(CENT) if active else None,
        ),
        (
            "Points redeemed per active member",
            (Decimal(redeemed) / active).quantize(CENT) if active else None,
        ),
        ("Referral conversion %", conversion),
        ("Points donated to causes", donated),
    ]
    if tiers is None:
        rows.append(("Tier distribution", None))
    else:
        rows += [(f"Tier: {row['tier']}", row["members"]) for row in tiers]
    return Report(
        name="kpis",
        title=f"Program KPIs {period.label}",
        columns=[Column("kpi", "KPI"), Column("value", "Value", "number")],
        rows=[{"kpi": label, "value": value} for label, value in rows],
        notes=[
            "Customers are members who bought: at start = in the previous period of the same "
            f"length ({previous.start}..{previous.end}), at end = in this period.",
            "n/a: not known (no data, or the feature is not installed).",
        ],
        summary={"tiers": tiers or []},
    )


def build(name: str, period: Period, *, as_of: date | None = None, by: str = "month") -> Report:
    """One report by name (the command, the admin page and the exports all come here)."""
    as_of = as_of or period.end
    if name == "rollforward":
        return rollforward(period)
    if name == "liability":
        return liability(as_of)
    if name == "revenue":
        return revenue(period, by)
    if name == "breakage":
        return breakage(as_of)
    if name == "kpis":
        return kpis(period)
    if name == "journal":
        return journal(period, by)
    raise ValueError(f"unknown report {name!r}; known: {', '.join(REPORTS)}")
