"""Fixtures of the API tests: keys with scopes and clients that send them."""

import sys

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from rewards.models import ApiKey


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # Throttle counters live in the cache: one test's requests must not slow the next.
    cache.clear()
    yield
    cache.clear()


def client_for(*scopes: str) -> tuple[APIClient, ApiKey]:
    key, full = ApiKey.issue(name=f"test {'+'.join(scopes)}", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {full}")
    client.full_key = full
    return client, key


@pytest.fixture
def api(db, program, web):
    """A client whose key has every scope."""
    client, _ = client_for("read", "earn", "redeem")
    return client


@pytest.fixture
def reader(db, program, web):
    client, _ = client_for("read")
    return client


def pytest_terminal_summary(terminalreporter):
    """The figures of the schemathesis run, when it ran (tests/api/test_fuzz.py)."""
    test_fuzz = sys.modules.get("tests.api.test_fuzz")  # only when this session loaded it
    tally = test_fuzz.TALLY if test_fuzz else {"cases": 0}
    if tally["cases"]:
        terminalreporter.write_line(
            f"schemathesis: {len(tally['operations'])} operations, {tally['cases']} cases, "
            f"{len(tally['findings'])} findings (seed {test_fuzz.SEED}, "
            f"{test_fuzz.EXAMPLES} examples per operation, cases "
            f"{tally['digest'].hexdigest()[:12]})"
        )
