"""Celery tasks of referrals: thin wrappers that call services."""

import logging

from loyalty.jobs import job

from . import services

log = logging.getLogger(__name__)


@job
def pay_due_referrals() -> dict:
    """Reward the referrals whose qualifying purchase's return window has passed (idempotent)."""
    result = services.pay_due_referrals()
    log.info("rewarded %(rewarded)s referrals (%(points)s points)", result)
    return result
