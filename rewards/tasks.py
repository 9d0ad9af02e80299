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


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def prune_idempotency_records(older_than_days: int = 30) -> int:
    """Forget the API's stored first responses older than ``older_than_days`` (idempotent)."""
    from .api.idempotency import prune_records

    deleted = prune_records(older_than_days=older_than_days)
    log.info("pruned %d idempotency records", deleted)
    return deleted
