"""Celery tasks of campaigns: thin wrappers that call the services."""

import logging

from loyalty.jobs import job

from . import lifecycle, sending, services

log = logging.getLogger(__name__)


@job
def queue_lifecycle_messages() -> dict:
    """Queue every lifecycle message due now (idempotent: an event is queued once)."""
    result = lifecycle.queue_lifecycle()
    log.info("queued lifecycle messages: %s", result)
    return result


@job
def send_queued_messages(batch_size: int = 200, limit: int = 10_000) -> dict:
    """Send up to ``limit`` queued messages; a redelivered run resumes with the rest."""
    result = sending.send_queued(batch_size=batch_size, limit=limit)
    log.info("sent queued messages: %s", result)
    return result


@job
def advance_campaigns() -> dict:
    """Start the scheduled campaigns whose window began, end those whose window is over."""
    return services.advance_campaigns()
