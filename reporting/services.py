"""Writes of the reporting app: estimates (through rewards), closing periods, the cost per
point and the daily liability snapshots.

Estimates and closed periods are only ever added, never edited: a report for a past
period must reproduce what was reported then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from loyalty.errors import ApplicationError
from rewards import validation
from rewards.models import RedemptionRateEstimate
from rewards.purchases import allocation

from . import closing, reports
from .models import AccountingSettings, ClosedPeriod, LiabilitySnapshot


def _check_open(day: date, *, field: str, what: str) -> None:
    """Refuse a change dated inside the closed books."""
    closed = ClosedPeriod.objects.filter(end__gte=day).order_by("end").first()
    if closed is not None:
        raise ApplicationError(
            f"The {what} {day} falls in the closed period {closed}: closed figures never "
            "change; use a later date.",
            code="period_closed",
            field=field,
        )


def record_redemption_rate(
    *,
    rate,
    effective_from: date,
    method: str = RedemptionRateEstimate.Method.MANUAL,
    explanation: str = "",
    user=None,
) -> RedemptionRateEstimate:
    """Record the expected redemption rate from ``effective_from`` on (a new row, always)."""
    if isinstance(effective_from, date):
        reports.check_day(effective_from, field="effective_from", label="effective date")
        _check_open(effective_from, field="effective_from", what="effective date")
    return allocation.record_redemption_rate(
        rate=rate,
        effective_from=effective_from,
        method=method,
        explanation=explanation,
        user=user,
    )


def estimate_redemption_rate(
    *, effective_from: date, as_of: date | None = None, explanation: str = "", user=None
) -> RedemptionRateEstimate:
    """Estimate the rate from the earning cohorts up to ``as_of`` (default: yesterday) and
    record it with how it was computed."""
    as_of = reports.check_day(
        as_of or timezone.localdate() - timedelta(days=1), field="as_of", label="history's last day"
    )
    estimate = reports.estimate_rate(as_of)
    if estimate.rate is None:
        raise ApplicationError(
            f"No redeemed or lapsed points up to {as_of}: the history cannot estimate a rate "
            "yet. Record one set by finance instead.",
            code="no_history",
            field="rate",
        )
    text = estimate.explanation + (f". {explanation.strip()}" if explanation.strip() else "")
    return record_redemption_rate(
        rate=estimate.rate,
        effective_from=effective_from,
        method=RedemptionRateEstimate.Method.COHORT,
        explanation=text,
        user=user,
    )


close_period = closing.close_period


@transaction.atomic
def set_cost_per_point(*, cost, user=None) -> AccountingSettings:
    """What one redeemed point costs the merchant (the cost method; None: not set). Closed
    periods keep the cost of their day."""
    value = None
    if cost is not None:
        value = validation.parse_decimal(cost, field="cost_per_point", label="cost per point")
        if value < 0 or value >= 1_000_000 or value != value.quantize(Decimal("0.000001")):
            raise ApplicationError(
                "The cost per point must be from 0 to 999,999.999999, with at most 6 decimal "
                "places.",
                field="cost_per_point",
            )
    settings = AccountingSettings.get()
    settings.cost_per_point = value
    settings.save(update_fields=["cost_per_point", "updated_at"])
    return settings


@dataclass
class SnapshotResult:
    snapshot: LiabilitySnapshot
    kept: bool  # the day is closed and already had its snapshot: nothing was changed


def record_liability_snapshot(*, as_of: date) -> SnapshotResult:
    """Compute the liability at the end of ``as_of`` and store it as that day's snapshot.

    An open day's snapshot is replaced; a closed day's is kept as it is (its figures
    cannot change, and the stored row is what was reported).
    """
    as_of = reports.check_day(as_of, field="as_of", label="day")
    if as_of >= timezone.localdate():
        raise ApplicationError("A day's snapshot can be taken once the day is over.", field="as_of")
    books = reports.Books.load()
    existing = LiabilitySnapshot.objects.filter(as_of=as_of).first()
    if existing is not None and books.closing_of_day(as_of) is not None:
        return SnapshotResult(existing, kept=True)
    figures = reports.liability_figures(as_of, books=books).as_dict()
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
    return SnapshotResult(snapshot, kept=False)
