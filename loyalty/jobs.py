"""The project's Celery job policy, in one place: every background task is declared with it."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

# A dropped or busy database connection: the task did nothing it keeps, so it can run again.
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)

POLICY = {
    "acks_late": True,  # only with idempotent tasks: a task whose worker dies runs again
    "autoretry_for": TRANSIENT_DB_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


def job(func=None, **overrides):
    """``shared_task`` with the project's policy; ``overrides`` change a part of it."""
    decorator = shared_task(**{**POLICY, **overrides})
    return decorator(func) if func is not None else decorator
