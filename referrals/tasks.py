"""Celery tasks of referrals: thin wrappers that call services."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

log = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def pay_due_referrals() -> dict:
    """Reward the referrals whose qualifying purchase's return window has passed (idempotent)."""
    result = services.pay_due_referrals()
    log.info("rewarded %(rewarded)s referrals (%(points)s points)", result)
    return result
