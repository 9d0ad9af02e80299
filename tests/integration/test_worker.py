"""Tasks run on a real Celery worker (Redis broker, PostgreSQL) and do the right thing there."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rewards import tasks
from rewards.models import PointLot
from rewards.purchases.recording import record_purchase
from tests.factories import ChannelFactory, MemberFactory, ProgramFactory
from tests.helpers import assert_ledger_consistent, balance, pending

pytestmark = pytest.mark.integration


def test_a_real_worker_releases_pending_points(celery_worker_process):
    ProgramFactory(return_window_days=30)
    ChannelFactory(code="web")
    member = MemberFactory()
    record_purchase(
        channel="web",
        order_id="old",
        amount="40.00",
        member_id=member.pk,
        purchased_at=timezone.now() - timedelta(days=10),
    )
    # The window of this lot has passed: make it due without waiting 30 days.
    PointLot.objects.update(available_at=timezone.now() - timedelta(minutes=1))
    assert (balance(member), pending(member)) == (0, 40)

    result = tasks.release_pending_points.delay().get(timeout=60)

    assert result == {"members": 1, "points": 40}
    assert (balance(member), pending(member)) == (40, 0)
    assert_ledger_consistent()
    # Run again on the worker: nothing more is released.
    assert tasks.release_pending_points.delay().get(timeout=60) == {"members": 0, "points": 0}
