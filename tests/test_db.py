"""Which database errors a service may run again: a serialization failure or a deadlock."""

import sqlite3

import psycopg.errors
import pytest
from django.db import OperationalError

from loyalty.db import is_retryable


def raised_from(cause: BaseException | None) -> OperationalError:
    error = OperationalError("the transaction was aborted")
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    "cause", [psycopg.errors.SerializationFailure("x"), psycopg.errors.DeadlockDetected("x")]
)
def test_a_serialization_failure_or_a_deadlock_is_retried(cause):
    assert is_retryable(raised_from(cause))


@pytest.mark.parametrize(
    "cause",
    [
        psycopg.errors.UniqueViolation("x"),
        psycopg.errors.QueryCanceled("x"),
        sqlite3.OperationalError("database is locked"),
        None,
    ],
)
def test_any_other_error_is_not_retried(cause):
    assert not is_retryable(raised_from(cause))
