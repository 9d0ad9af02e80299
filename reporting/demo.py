"""Demo data of the reports: a redemption-rate estimate and two weeks of liability snapshots."""

from datetime import date, timedelta

from django.utils import timezone

from rewards.models import Purchase

from . import services


def load_demo_reports(days: int = 14) -> None:
    """Called at the end of ``load_demo``: a few aggregates per day, so it takes a second."""
    first = Purchase.objects.order_by("purchased_at").values_list("purchased_at", flat=True).first()
    start = timezone.localtime(first).date().replace(day=1) if first else date(2020, 1, 1)
    services.record_redemption_rate(
        rate="0.85",
        effective_from=start,
        explanation="demo: finance's estimate from a comparable program (15% breakage)",
    )
    today = timezone.localdate()
    for offset in range(days, 0, -1):
        services.record_liability_snapshot(as_of=today - timedelta(days=offset))
