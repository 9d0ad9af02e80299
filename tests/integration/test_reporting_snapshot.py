"""The nightly liability snapshot runs on a real worker and is idempotent there."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from reporting import tasks
from reporting.models import LiabilitySnapshot
from rewards.purchases.recording import record_purchase
from tests.factories import ChannelFactory, MemberFactory, ProgramFactory

pytestmark = pytest.mark.integration


def test_a_real_worker_stores_the_days_liability_snapshot_once(celery_worker_process):
    ProgramFactory()
    ChannelFactory(code="web")
    member = MemberFactory()
    record_purchase(
        channel="web",
        order_id="snap",
        amount="25.00",
        member_id=member.pk,
        purchased_at=timezone.now() - timedelta(days=3),
    )
    day = (timezone.localdate() - timedelta(days=1)).isoformat()

    first = tasks.recalc_liability.delay(day).get(timeout=60)
    second = tasks.recalc_liability.delay(day).get(timeout=60)

    assert first == second
    assert first["outstanding_points"] == 25
    assert LiabilitySnapshot.objects.filter(as_of=date.fromisoformat(day)).count() == 1
