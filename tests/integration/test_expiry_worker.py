"""The expiry job on real workers: killed half-way, redelivered, and exactly right at the end."""

import os
import signal
import time
from datetime import timedelta

import pytest
from celery.result import AsyncResult
from django.utils import timezone

from members.models import Member
from rewards import tasks
from rewards.models import ExpiryReminder, LedgerEntry, PointLot
from rewards.purchases.recording import record_purchase
from tests.factories import ChannelFactory, MemberFactory, ProgramFactory
from tests.helpers import assert_ledger_consistent, balance
from tests.integration.conftest import start_worker, stop_worker

pytestmark = pytest.mark.integration

VISIBILITY_TIMEOUT = 4  # seconds before Redis hands an unacknowledged task to another worker
MEMBERS = 40


def fund_members():
    """Each member: 15 points past their date (two lots) and 7 points still valid."""
    ProgramFactory()
    ChannelFactory(code="web")
    members = MemberFactory.create_batch(MEMBERS)
    for member in members:
        for order, amount in (("a", "10.00"), ("b", "5.00"), ("c", "7.00")):
            record_purchase(
                channel="web",
                order_id=f"{member.pk}-{order}",
                amount=amount,
                member_id=member.pk,
                purchased_at=timezone.now() - timedelta(days=10),
            )
    PointLot.objects.exclude(points=7).update(expires_at=timezone.now() - timedelta(days=1))
    return members


def test_a_real_worker_expires_points_and_a_second_run_finds_nothing(celery_worker_process):
    members = fund_members()
    result = tasks.expire_points.delay().get(timeout=60)
    assert (result["members"], result["points"]) == (MEMBERS, MEMBERS * 15)
    assert all(balance(member) == 7 for member in members)
    assert tasks.expire_points.delay().get(timeout=60)["points"] == 0
    assert_ledger_consistent()


def test_a_worker_killed_mid_expiry_is_redelivered_and_the_result_is_exactly_right(
    celery_broker,
):
    members = fund_members()
    slow = start_worker(
        "slow",
        EXPIRY_BATCH_SIZE="5",
        EXPIRY_BATCH_PAUSE_SECONDS="1",
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
    )
    try:
        sent_at = time.monotonic()
        async_result = tasks.expire_points.delay(timezone.now().isoformat())
        deadline = time.monotonic() + 60
        while LedgerEntry.objects.filter(kind="expire").count() < 10:
            assert time.monotonic() < deadline, "the slow worker never got going"
            time.sleep(0.2)
        os.killpg(slow.pid, signal.SIGKILL)  # mid-run: some batches committed, not all
        slow.wait(timeout=10)
    finally:
        stop_worker(slow)
    done_before = LedgerEntry.objects.filter(kind="expire").count()
    assert 10 <= done_before < MEMBERS

    # The message was never acknowledged: once its visibility timeout has passed, a new
    # worker gets it again and runs the whole task, which skips what was committed.
    time.sleep(max(0.0, sent_at + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
    fresh = start_worker("fresh", CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))
    try:
        result = AsyncResult(async_result.id).get(timeout=90)
    finally:
        stop_worker(fresh)

    assert result["members"] == MEMBERS - done_before
    assert LedgerEntry.objects.filter(kind="expire").count() == MEMBERS
    assert set(LedgerEntry.objects.filter(kind="expire").values_list("points", flat=True)) == {-15}
    assert set(Member.objects.values_list("points_balance", flat=True)) == {7}
    assert all(balance(member) == 7 for member in members)
    assert_ledger_consistent()


def test_a_real_worker_sends_each_expiry_reminder_once(celery_broker):
    members = fund_members()
    PointLot.objects.filter(points=7).update(expires_at=timezone.now() + timedelta(days=5))
    # In-memory email on the worker: the console backend would fill its unread stdout pipe.
    worker = start_worker("mail", EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    try:
        first = tasks.send_expiry_reminders.delay().get(timeout=60)
        second = tasks.send_expiry_reminders.delay().get(timeout=60)
    finally:
        stop_worker(worker)
    assert (first["emails"], second["emails"]) == (MEMBERS, 0)
    assert ExpiryReminder.objects.filter(window_days=7, points=7).count() == MEMBERS
    assert set(ExpiryReminder.objects.values_list("member_id", flat=True)) == {
        member.pk for member in members
    }
