"""The tier measures of members over the qualification windows, from the ledger and purchases.

Each measure of a batch of members over one window is ONE aggregate query:

- points: spendable points earned in the window (earnings, releases of pending points,
  actions, referrals, less reversals); pending points count once released, and spending
  or expiring points never lowers the measure.
- spend: what the member paid (amount less refunds) for purchases made in the window.
- orders: purchases made in the window that were not refunded in full.

A member qualifies on the current period so far, or on the last closed one (calendar year).
"""

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Sum
from django.utils import timezone

from loyalty.dates import add_months
from members.models import Tier

from ..models import LedgerEntry, Purchase

EARNING_KINDS = [
    LedgerEntry.Kind.EARN,
    LedgerEntry.Kind.RELEASE,
    LedgerEntry.Kind.REVERSE,
    LedgerEntry.Kind.ACTION,
    LedgerEntry.Kind.REFERRAL,
]


def measure_values(
    member_ids: list[int], *, measure: str, start: datetime, end: datetime | None
) -> dict[int, Decimal]:
    """``{member_id: value}`` of one measure over ``[start, end)`` for the given members."""
    if measure == Tier.Measure.POINTS:
        rows = LedgerEntry.objects.filter(
            member_id__in=member_ids, kind__in=EARNING_KINDS, effective_at__gte=start
        )
        if end is not None:
            rows = rows.filter(effective_at__lt=end)
        value = Sum("points")
    else:
        rows = Purchase.objects.filter(member_id__in=member_ids, purchased_at__gte=start)
        if end is not None:
            rows = rows.filter(purchased_at__lt=end)
        if measure == Tier.Measure.SPEND:
            value = Sum(
                F("amount") - F("refunded_amount"),
                output_field=DecimalField(max_digits=16, decimal_places=2),
            )
        else:
            rows = rows.exclude(status=Purchase.Status.REFUNDED)
            value = Count("pk")
    return {
        row["member_id"]: Decimal(row["value"] or 0)
        for row in rows.values("member_id").annotate(value=value).order_by()
    }


def start_of_day(day) -> datetime:
    """Midnight at the start of ``day`` in the program's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def year_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime | None


def windows(period: str, as_of: datetime, *, open_end: bool = False) -> list[Window]:
    """The windows a member can qualify on: the current period so far, and the last closed one."""
    end = None if open_end else as_of
    if period == Tier.Period.ROLLING_12_MONTHS:
        return [Window(add_months(as_of, -12), end)]
    start = year_start(as_of)
    return [Window(start, end), Window(start.replace(year=start.year - 1), start)]


def period_end(period: str, as_of: datetime) -> datetime | None:
    """When the current qualification period ends (None for a rolling window)."""
    if period == Tier.Period.ROLLING_12_MONTHS:
        return None
    start = year_start(as_of)
    return start.replace(year=start.year + 1)


class Measures:
    """The measures of a batch of members for the given tiers: one query per measure and window."""

    def __init__(
        self, member_ids: list[int], tiers: list[Tier], as_of: datetime, *, open_end=False
    ):
        self.values: dict[tuple[str, Window], dict[int, Decimal]] = {}
        self.as_of = as_of
        self.open_end = open_end
        for measure, period in {(t.measure, t.period) for t in tiers if t.threshold > 0}:
            for window in windows(period, as_of, open_end=open_end):
                key = (measure, window)
                if key not in self.values:
                    self.values[key] = (
                        measure_values(
                            member_ids, measure=measure, start=window.start, end=window.end
                        )
                        if member_ids
                        else {}
                    )

    def value(self, member_id: int, tier: Tier, *, current_only: bool = False) -> Decimal:
        found = [
            self.values.get((tier.measure, w), {}).get(member_id, Decimal(0))
            for w in windows(tier.period, self.as_of, open_end=self.open_end)
        ]
        return found[0] if current_only else max(found)

    def qualifies(self, member_id: int, tier: Tier) -> bool:
        return tier.threshold <= 0 or self.value(member_id, tier) >= tier.threshold

    def best(self, member_id: int, tiers: list[Tier]) -> Tier | None:
        qualified = [t for t in tiers if not t.is_paid and self.qualifies(member_id, t)]
        return max(qualified, key=lambda t: t.rank, default=None)
