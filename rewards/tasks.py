"""Celery tasks of the ledger: thin wrappers that call services with ids."""

import logging
import time
from datetime import datetime

from loyalty.jobs import job
from members.models import Member

from . import api_records
from .actions import services as actions
from .expiry import release, reminders
from .expiry import services as expiry
from .messaging import send_member_email

log = logging.getLogger(__name__)


@job
def release_pending_points() -> dict:
    """Make spendable the purchase points whose return window has passed (idempotent)."""
    started = time.monotonic()
    result = release.release_pending_points()
    log.info(
        "released %(points)s pending points for %(members)s members in %(seconds).2fs",
        {**result, "seconds": time.monotonic() - started},
    )
    return result


@job
def expire_points(as_of: str | None = None) -> dict:
    """Expire the points whose time has come (idempotent; batches commit one by one).

    ``as_of`` is an ISO date-time; none means now. A redelivered run (its worker died)
    continues where the committed batches stopped.
    """
    started = time.monotonic()
    moment = datetime.fromisoformat(as_of) if as_of else None
    result = expiry.expire_points(as_of=moment)
    log.info(
        "expired %(points)s points of %(members)s members (%(lots)s lots, %(batches)s batches) "
        "in %(seconds).2fs",
        {**result, "seconds": time.monotonic() - started},
    )
    return result


@job
def evaluate_tiers(as_of: str | None = None) -> dict:
    """Re-evaluate every member's tier (batched, idempotent); ``as_of`` an ISO datetime."""
    from datetime import datetime

    from .tiers import services as tiers

    moment = datetime.fromisoformat(as_of) if as_of else None
    result = tiers.evaluate_tiers(as_of=moment)
    log.info("evaluated tiers: %s", result)
    return result


@job
def send_expiry_reminders() -> dict:
    """Email members whose points expire within a reminder window (once per window)."""
    started = time.monotonic()
    result = reminders.send_expiry_reminders()
    log.info(
        "sent %(emails)s expiry reminders (%(failed)s failed) in %(seconds).2fs",
        {**result, "seconds": time.monotonic() - started},
    )
    return result


@job
def award_birthday_bonuses() -> dict:
    """Credit the birthday bonus of members whose birthday month is now (once a year)."""
    result = actions.award_birthday_bonuses()
    log.info("birthday bonuses: %s", result)
    return result


@job
def prune_idempotency_records(older_than_days: int = 30) -> int:
    """Forget the API's stored first responses older than ``older_than_days`` (idempotent)."""
    deleted = api_records.prune_idempotency_records(older_than_days=older_than_days)
    log.info("pruned %d idempotency records", deleted)
    return deleted


@job(max_retries=3)
def preview_import_job(job_id: int) -> str:
    """Check an uploaded import file (a dry run) and store the preview on the job."""
    from .importing import jobs

    return jobs.preview_job(job_id=job_id).status


@job(max_retries=3)
def run_import_job(job_id: int) -> str:
    """Import a confirmed import job's file (idempotent: re-imported orders are skipped)."""
    from .importing import jobs

    return jobs.run_job(job_id=job_id).status


@job
def email_member(member_id: int, template: str, context: dict) -> bool:
    """Send a member an email (``messaging.send_member_email``) out of the request; False
    when the member has gone (erased or closed since). ``context``: plain JSON values."""
    member = Member.objects.filter(pk=member_id).exclude(status=Member.Status.CLOSED).first()
    if member is None:
        return False
    send_member_email(member=member, template=template, context=context)
    return True
