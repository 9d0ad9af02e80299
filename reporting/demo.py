"""Demo data of the reports: a redemption-rate estimate, the cost per point and two weeks of
liability snapshots."""

from datetime import datetime, timedelta

from django.utils import timezone

from . import services


def load_demo_estimate(*, start: datetime) -> None:
    """Called before the demo's sales: their allocation uses the estimate of their day."""
    services.record_redemption_rate(
        rate="0.85",
        effective_from=timezone.localdate(start).replace(day=1),
        explanation="demo: finance's estimate from a comparable program (15% breakage)",
    )


def load_demo_reports(days: int = 14) -> None:
    """Called at the end of ``load_demo``: a few aggregates per day, so it takes a second."""
    services.set_cost_per_point(cost="0.004")
    today = timezone.localdate()
    for offset in range(days, 0, -1):
        services.record_liability_snapshot(as_of=today - timedelta(days=offset))
