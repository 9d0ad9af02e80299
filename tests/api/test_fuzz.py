"""The schema is the contract: schemathesis with every check over every operation, zero findings.

Every operation is called with a key holding every scope, with data that the schema says is
valid (it must not be refused as invalid) and data that it says is not (it must be refused),
and every response must be declared: its status, its content type, its headers and its body.
The seed and the number of examples are fixed, so a run is repeatable; before a release,
raise the examples with ``API_FUZZ_EXAMPLES`` (see the README, *The API's contract*).
"""

import hashlib
import logging
import os
import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from loyalty.api.errors import RULE_STATUS
from loyalty.wsgi import application
from rewards.models import ApiKey
from rewards.purchases.recording import record_purchase
from tests.factories import MemberFactory, RewardFactory

SEED = int(os.environ.get("API_FUZZ_SEED", "20260213"))
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    positive_data_acceptance,
    negative_data_rejection,
]
# Data valid by the schema may still be refused by a rule the schema cannot state (the
# balance, a merchant's configured limit, an unknown channel...): that is a 422, never a 400.
POSITIVE_STATUSES = ["2xx", "401", "403", "404", "409", str(RULE_STATUS), "429"]
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        # The fixtures (a key, a member with points) are shared by the examples on purpose.
        "suppress-health-check": ["all"],
        "generation": {
            "mode": "all",
            "max-examples": EXAMPLES,
            "deterministic": True,
            "database": "none",
            "with-security-parameters": False,
        },
        "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_STATUSES}},
    }
)

# Loaded from the application itself (the schema view touches no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application, config=CONFIG)

# What the run did, printed at the end of the session (tests/api/conftest.py).
TALLY = {"operations": set(), "cases": 0, "findings": set(), "digest": hashlib.sha256()}


@pytest.fixture
def keep_connection():
    """Requests through the raw WSGI app must not close the test's database connection.

    Django's own test client does the same: without it, PostgreSQL's connection (and the
    test's transaction) would be closed at the end of the first request.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    quiet = logging.getLogger("django.request")  # thousands of expected 4xx warnings
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    yield
    quiet.setLevel(level)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_key(db, program, web, keep_connection):
    _, full = ApiKey.issue(name="fuzz", scopes=["read", "earn", "redeem", "finance"])
    member = MemberFactory()
    record_purchase(channel="web", order_id="fuzz", amount="100.00", member_id=member.pk)
    RewardFactory(points_cost=10)
    return full


@pytest.mark.fuzz
@schema.parametrize()
def test_every_operation_keeps_its_contract(case, fuzz_key, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "1000000/min"},
    }
    TALLY["operations"].add(case.operation.label)
    TALLY["cases"] += 1
    sent = (case.operation.label, case.path_parameters, case.query, case.headers, case.body)
    # The same seed sends the same cases against the same data (object addresses aside).
    TALLY["digest"].update(re.sub(r" at 0x[0-9a-f]+", "", repr(sent)).encode())
    try:
        case.call_and_validate(headers={"Authorization": f"Api-Key {fuzz_key}"}, checks=CHECKS)
    except BaseException as finding:  # the findings of an operation (a FailureGroup)
        TALLY["findings"].add(f"{case.operation.label}: {type(finding).__name__}")
        raise


def test_it_validates_ownership_the_member_endpoints_need_the_members_own_session(fuzz_key):
    """The fuzzing key reaches every integration endpoint, but never a member's own data."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {fuzz_key}")
    assert client.get("/api/v1/me/").status_code == 401
    assert client.get("/api/v1/me/ledger/").status_code == 401
