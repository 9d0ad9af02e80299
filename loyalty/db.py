"""Database helpers shared by the services: bounded retry of PostgreSQL conflicts."""

import functools
import logging
import time

from django.db import OperationalError, transaction

log = logging.getLogger(__name__)

# serialization_failure and deadlock_detected: the transaction did nothing and can run again.
RETRYABLE_SQLSTATES = {"40001", "40P01"}


def _is_retryable(exc: BaseException) -> bool:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES


def retry_on_conflict(func=None, *, attempts: int = 5):
    """Run ``func`` again when PostgreSQL aborts it for a serialization failure or a deadlock.

    Only the outermost call retries: inside an enclosing transaction the error must
    propagate so that the whole transaction is retried, not a part of it.
    """

    def decorate(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            for attempt in range(1, attempts + 1):
                try:
                    return f(*args, **kwargs)
                except OperationalError as exc:
                    in_outer = transaction.get_connection().in_atomic_block
                    if in_outer or not _is_retryable(exc) or attempt == attempts:
                        raise
                    log.warning("retrying %s after %s (attempt %d)", f.__name__, exc, attempt)
                    time.sleep(0.01 * 2**attempt)
            raise AssertionError("unreachable")

        return wrapper

    return decorate(func) if func else decorate
