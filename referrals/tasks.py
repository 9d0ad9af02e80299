"""Celery tasks of referrals: thin wrappers that call the services."""

import logging

from loyalty.jobs import job

from . import rewarding

log = logging.getLogger(__name__)


@job
def pay_due_referrals() -> dict:
    """Reward the referrals whose qualifying purchase's return window has passed (idempotent)."""
    result = rewarding.pay_due_referrals()
    log.info("rewarded %(rewarded)s referrals (%(points)s points)", result)
    return result
