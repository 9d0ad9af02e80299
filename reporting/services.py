"""Writes of the reporting app: rate estimates, closing periods, liability snapshots.

Estimates and closed periods are only ever added, never edited: a report for a past
period must reproduce what was reported then.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from loyalty.errors import ApplicationError

from . import reports
from .models import ClosedPeriod, LiabilitySnapshot, RedemptionRateEstimate


def _check_rate(rate) -> Decimal:
    if isinstance(rate, float):
        raise ApplicationError("rate must be a decimal string, not a float", field="rate")
    try:
        value = Decimal(str(rate).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(f"rate must be a number, not {rate!r}", field="rate") from None
    if not value.is_finite() or value < 0 or value > 1:
        raise ApplicationError(
            f"rate must be between 0 and 1 (e.g. 0.95 for 95%), not {rate}",
            code="invalid_rate",
            field="rate",
        )
    if value != value.quantize(Decimal("0.000001")):
        raise ApplicationError("rate has more than 6 decimal places", field="rate")
    return value


def _check_open(day: date, *, field: str, what: str) -> None:
    """Refuse a change that would alter a closed period's figures."""
    closed = ClosedPeriod.objects.filter(end__gte=day).order_by("end").first()
    if closed is not None:
        raise ApplicationError(
            f"{what} {day} falls in or before the closed period {closed}: "
            "closed figures never change; use a date after it",
            code="period_closed",
            field=field,
        )


@transaction.atomic
def record_redemption_rate(
    *,
    rate,
    effective_from: date,
    method: str = RedemptionRateEstimate.Method.MANUAL,
    explanation: str = "",
    user=None,
) -> RedemptionRateEstimate:
    """Record the expected redemption rate from ``effective_from`` on (a new row, always)."""
    value = _check_rate(rate)
    if not isinstance(effective_from, date):
        raise ApplicationError("effective_from must be a date", field="effective_from")
    _check_open(effective_from, field="effective_from", what="effective date")
    return RedemptionRateEstimate.objects.create(
        effective_from=effective_from,
        rate=value,
        method=method,
        explanation=(explanation or "").strip(),
        created_by=user,
    )


def estimate_redemption_rate(*, as_of: date, effective_from: date, user=None):
    """Estimate the rate from the earning cohorts up to ``as_of`` and record it."""
    estimate = reports.estimate_rate(as_of)
    if estimate["rate"] is None:
        raise ApplicationError(
            f"no redeemed or lapsed points up to {as_of}: the history cannot estimate a rate",
            code="no_history",
            field="as_of",
        )
    return record_redemption_rate(
        rate=estimate["rate"],
        effective_from=effective_from,
        method=RedemptionRateEstimate.Method.COHORT,
        explanation=estimate["explanation"],
        user=user,
    )


@transaction.atomic
def close_period(*, start: date, end: date, user=None) -> ClosedPeriod:
    """Freeze the period's roll-forward and revenue as reported now."""
    if end < start:
        raise ApplicationError("the period must end on or after its start", field="end")
    if end >= timezone.localdate():
        raise ApplicationError(
            f"cannot close a period that has not ended yet (ends {end})", field="end"
        )
    overlap = ClosedPeriod.objects.filter(start__lte=end, end__gte=start).first()
    if overlap is not None:
        raise ApplicationError(
            f"overlaps the closed period {overlap}", code="period_closed", field="start"
        )
    later = ClosedPeriod.objects.filter(start__gt=end).first()
    if later is not None:
        raise ApplicationError(
            f"a later period ({later}) is already closed: close periods in order",
            code="period_closed",
            field="start",
        )
    period = reports.Period(start, end)
    figures = {
        "rf": reports.rollforward(period, use_closed=False).as_dict(),
        "revenue": reports.revenue(period, by="period").as_dict(),
        # Sub-period rows too, so that a report by month inside the period never changes.
        "revenue_by": {
            by: reports.revenue(period, by=by).as_dict() for by in ("month", "quarter", "year")
        },
    }
    return ClosedPeriod.objects.create(start=start, end=end, figures=figures, closed_by=user)


def record_liability_snapshot(*, as_of: date) -> LiabilitySnapshot:
    """Compute the liability at the end of ``as_of`` and store it (replacing that day's row)."""
    figures = reports.liability_figures(as_of)
    snapshot, _created = LiabilitySnapshot.objects.update_or_create(
        as_of=as_of,
        defaults={
            "spendable_points": figures["spendable"],
            "pending_points": figures["pending"],
            "outstanding_points": figures["outstanding"],
            "point_value": figures["point_value"],
            "redemption_rate": figures["rate"],
            "face_value": figures["face_value"],
            "contract_liability": figures["contract_liability"],
            "cost_liability": figures["cost_liability"],
        },
    )
    return snapshot
