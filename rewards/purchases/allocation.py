"""The part of a sale's price allocated to its points (IFRS 15), fixed when the sale is recorded.

A purchase that earns points sells two things: the goods and a right to future rewards
(a material right, IFRS 15 B39-B43). The price is split by relative stand-alone selling
price: the points' SSP = points x point value x the expected redemption rate in force on
the sale's date. The split is computed once, with the estimate of that date, stored on
the purchase and never recomputed (15.88): a later estimate changes how fast the
allocated amount is recognised (the catch-up, in ``reporting``), never the amount.

All arithmetic is ``Decimal`` in Python: the database only stores the result.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from loyalty.errors import ApplicationError

from ..models import Purchase, RedemptionRateEstimate
from ..validation import parse_decimal

CENT = Decimal("0.01")
NO_ESTIMATE_RATE = Decimal("1")


@dataclass(frozen=True)
class Rate:
    """An expected redemption rate and the day it applies from (``estimate_id`` None: none)."""

    effective_from: date
    rate: Decimal
    estimate_id: int | None


NONE_RECORDED = Rate(date.min, NO_ESTIMATE_RATE, None)


@dataclass(frozen=True)
class Allocation:
    amount: Decimal
    rate: Decimal | None
    point_value: Decimal | None
    estimate_id: int | None

    def fields(self) -> dict:
        """The purchase's columns for this allocation."""
        return {
            "allocated_to_points": self.amount,
            "allocation_rate": self.rate,
            "allocation_point_value": self.point_value,
            "allocation_estimate_id": self.estimate_id,
        }


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def load_rates(*, last_id: int | None = None) -> tuple[Rate, ...]:
    """The schedule of estimates by date; the latest recorded wins on a date.

    ``last_id``: only the estimates recorded up to that id (the books as they stood then).
    """
    estimates = RedemptionRateEstimate.objects.order_by("effective_from", "pk")
    if last_id is not None:
        estimates = estimates.filter(pk__lte=last_id)
    latest: dict[date, Rate] = {}
    for pk, day, rate in estimates.values_list("pk", "effective_from", "rate"):
        latest[day] = Rate(day, rate, pk)
    return tuple(latest[day] for day in sorted(latest))


def rate_on(rates: tuple[Rate, ...], day: date) -> Rate:
    """The estimate in force on ``day`` (rate 1 when none applies yet)."""
    found = NONE_RECORDED
    for rate in rates:
        if rate.effective_from > day:
            break
        found = rate
    return found


def allocate(*, amount: Decimal, points: int, point_value: Decimal, rate: Decimal) -> Decimal:
    """amount x SSP / (amount + SSP), SSP = points x point value x rate, to the cent."""
    if points <= 0 or amount <= 0:
        return Decimal("0.00")
    ssp = Decimal(points) * Decimal(point_value) * Decimal(rate)
    if ssp <= 0:
        return Decimal("0.00")
    return money(Decimal(amount) * ssp / (Decimal(amount) + ssp))


def for_sale(
    *, rates: tuple[Rate, ...], amount: Decimal, points: int, point_value: Decimal, at: datetime
) -> Allocation:
    """The allocation of a sale of ``amount`` earning ``points`` at ``at``."""
    if points <= 0:
        return Allocation(Decimal("0.00"), None, None, None)  # nothing sold but the goods
    rate = rate_on(rates, timezone.localdate(at))
    return Allocation(
        allocate(amount=amount, points=points, point_value=point_value, rate=rate.rate),
        rate.rate,
        point_value,
        rate.estimate_id,
    )


def refund_share(*, purchase: Purchase, refunded_before: Decimal, refunded_now: Decimal) -> Decimal:
    """The part of the purchase's allocation a refund takes back.

    Computed on the cumulative refunded amount, so that several partial refunds take
    back exactly what one whole refund would, to the cent.
    """
    allocated = purchase.allocated_to_points
    if not allocated:
        return Decimal("0.00")
    total = refunded_before + refunded_now
    if total >= purchase.amount:
        taken_before = money(allocated * refunded_before / purchase.amount)
        return allocated - taken_before
    return money(allocated * total / purchase.amount) - money(
        allocated * refunded_before / purchase.amount
    )


# ---------------------------------------------------------------- recording an estimate


def check_rate(value) -> Decimal:
    rate = parse_decimal(value, field="rate", label="redemption rate")
    if rate < 0 or rate > 1:
        raise ApplicationError(
            "The redemption rate must be between 0 and 1 (e.g. 0.95 when 95% of points "
            "will be redeemed).",
            code="invalid_rate",
            field="rate",
        )
    if rate != rate.quantize(Decimal("0.000001")):
        raise ApplicationError(
            "The redemption rate can have at most 6 decimal places.", field="rate"
        )
    return rate


def latest_sale_day() -> date | None:
    """The day of the latest sale whose price was allocated to points (None: none yet)."""
    latest = Purchase.objects.filter(points_earned__gt=0, member__isnull=False).aggregate(
        at=Max("purchased_at")
    )["at"]
    return timezone.localdate(latest) if latest else None


@transaction.atomic
def record_redemption_rate(
    *,
    rate,
    effective_from: date,
    method: str = RedemptionRateEstimate.Method.MANUAL,
    explanation: str = "",
    user=None,
) -> RedemptionRateEstimate:
    """Record the expected redemption rate from ``effective_from`` on (a new row, always).

    An estimate may not take effect on or before the day of the latest recorded sale:
    those sales were allocated with the estimate in force then, and the schedule must
    keep saying which estimate each sale used.
    """
    value = check_rate(rate)
    if isinstance(effective_from, datetime) or not isinstance(effective_from, date):
        raise ApplicationError("The effective date must be a date.", field="effective_from")
    latest = latest_sale_day()
    if latest is not None and effective_from <= latest:
        raise ApplicationError(
            f"Sales up to {latest.isoformat()} were already allocated with the estimate in "
            "force on their day, and an allocation is never recomputed: the new estimate can "
            f"take effect from {(latest + timedelta(days=1)).isoformat()} at the earliest.",
            code="before_latest_sale",
            field="effective_from",
        )
    return RedemptionRateEstimate.objects.create(
        effective_from=effective_from,
        rate=value,
        method=method,
        explanation=(explanation or "").strip(),
        created_by=user,
    )
