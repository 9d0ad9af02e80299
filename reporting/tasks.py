"""Celery tasks of the reports: the nightly liability snapshot (a thin call to the service)."""

import logging
from datetime import date, timedelta

from django.utils import timezone

from loyalty.jobs import job

from . import services

log = logging.getLogger(__name__)


@job
def recalc_liability(as_of: str | None = None) -> dict:
    """Store the liability at the end of ``as_of`` (ISO date; default: yesterday). Idempotent;
    a closed day's stored snapshot is kept as it is."""
    day = date.fromisoformat(as_of) if as_of else timezone.localdate() - timedelta(days=1)
    result = services.record_liability_snapshot(as_of=day)
    snapshot = result.snapshot
    log.info("liability snapshot for %s: %s outstanding points", day, snapshot.outstanding_points)
    return {
        "as_of": day.isoformat(),
        "kept": result.kept,
        "outstanding_points": snapshot.outstanding_points,
        "contract_liability": str(snapshot.contract_liability),
        "cost_liability": None if snapshot.cost_liability is None else str(snapshot.cost_liability),
    }
