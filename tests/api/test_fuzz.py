"""Fuzzing the live schema with schemathesis: no input gives a 500, responses match the schema.

Bounded: a few examples per operation and no per-example deadline, so the whole run stays
well under a minute on a small machine (run on its own with `pytest -m fuzz`).
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from loyalty.wsgi import application
from rewards import services
from rewards.apimodels import ApiKey
from tests.factories import MemberFactory, RewardFactory

MAX_EXAMPLES = 10


# Loaded from the application itself (the schema view touches no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


@pytest.fixture
def keep_connection():
    """Requests through the raw WSGI app must not close the test's database connection.

    Django's own test client does the same: without it, PostgreSQL's connection (and the
    test's transaction) would be closed at the end of the first request.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_key(db, program, web, keep_connection):
    _, full = ApiKey.issue(name="fuzz", scopes=["read", "earn", "redeem"])
    member = MemberFactory()
    services.record_purchase(channel="web", order_id="fuzz", amount="100.00", member_id=member.pk)
    RewardFactory(points_cost=10)
    return full


@pytest.mark.fuzz
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_never_answers_500_and_matches_its_schema(case, fuzz_key):
    case.call_and_validate(
        headers={"Authorization": f"Api-Key {fuzz_key}"},
        checks=[not_a_server_error, response_schema_conformance],
    )


def test_it_validates_ownership_the_member_endpoints_need_the_members_own_session(fuzz_key):
    """The fuzzing key reaches every integration endpoint, but never a member's own data."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {fuzz_key}")
    assert client.get("/api/v1/me/").status_code == 403
    assert client.get("/api/v1/me/ledger/").status_code == 403
