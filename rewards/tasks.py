"""Celery tasks of the ledger: thin wrappers that call services with ids."""

import logging
import time

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

log = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def release_pending_points() -> dict:
    """Make spendable the purchase points whose return window has passed (idempotent)."""
    started = time.monotonic()
    result = services.release_pending_points()
    log.info(
        "released %(points)s pending points for %(members)s members in %(seconds).2fs",
        {**result, "seconds": time.monotonic() - started},
    )
    return result


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def preview_import_job(job_id: int) -> str:
    """Check an uploaded import file (a dry run) and store the preview on the job."""
    from .importing import jobs

    return jobs.preview_job(job_id=job_id).status


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def run_import_job(job_id: int) -> str:
    """Import a confirmed import job's file (idempotent: re-imported orders are skipped)."""
    from .importing import jobs

    return jobs.run_job(job_id=job_id).status
