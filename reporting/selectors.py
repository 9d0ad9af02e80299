"""Reads of the reporting app: the recorded estimates and the closed periods, as dataclasses."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal

from rewards.models import RedemptionRateEstimate

from .models import ClosedPeriod
from .reports.shape import jsonable


@dataclass(frozen=True)
class EstimateRow:
    id: int
    effective_from: date
    rate: Decimal
    method: str
    explanation: str
    created_by: str | None
    created_at: datetime

    def as_dict(self) -> dict:
        return jsonable(asdict(self))


@dataclass(frozen=True)
class ClosedPeriodRow:
    id: int
    start: date
    end: date
    closed_at: datetime
    closed_by: str | None
    point_value: Decimal | None
    cost_per_point: Decimal | None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["closed_at"] = self.closed_at.isoformat()
        return jsonable(data)


def estimates() -> list[EstimateRow]:
    """Every recorded estimate, newest effective date first (the latest recorded first)."""
    return [
        EstimateRow(
            e.pk,
            e.effective_from,
            e.rate,
            e.method,
            e.explanation,
            e.created_by.email if e.created_by else None,
            e.created_at,
        )
        for e in RedemptionRateEstimate.objects.select_related("created_by").order_by(
            "-effective_from", "-pk"
        )
    ]


def closed_periods() -> list[ClosedPeriodRow]:
    """Every closed period, the latest first."""
    return [
        ClosedPeriodRow(
            c.pk,
            c.start,
            c.end,
            c.closed_at,
            c.closed_by.email if c.closed_by else None,
            c.point_value,
            c.cost_per_point,
        )
        for c in ClosedPeriod.objects.select_related("closed_by").order_by("-end")
    ]
