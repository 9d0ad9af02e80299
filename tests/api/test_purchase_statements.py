"""What one purchase through the API asks of the database, pinned so that it cannot creep back.

The purchase is the API's hot path (bench/api.py): every statement listed here costs a
round trip and its compilation. A change that adds one must change this list, and say why.
"""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import on_postgresql

# In a test, the API's transaction is a savepoint of the test's (BEGIN and COMMIT in
# production, two statements as well).
ON_POSTGRESQL = [
    "SELECT rewards_apikey",  # authentication
    "SAVEPOINT",  # the idempotency transaction
    "INSERT rewards_idempotencyrecord",  # claim the Idempotency-Key
    "SAVEPOINT",  # record_purchase's own transaction
    "SELECT members_member",  # lock the member, read the settings' token
    "INSERT rewards_purchase",
    "WITH rewards_ledgerentry",  # entry, lot, movement and balances: one statement
    "SELECT referrals_referral",  # an open referral to qualify?
    "RELEASE",
    "UPDATE rewards_idempotencyrecord",  # the response, for replays
    "RELEASE",
]
ON_SQLITE = [
    *ON_POSTGRESQL[:6],
    "INSERT rewards_ledgerentry",
    "INSERT rewards_pointlot",
    "INSERT rewards_lotmovement",
    "UPDATE members_member",
    *ON_POSTGRESQL[7:],
]


def statement(sql: str) -> str:
    """``VERB table`` of a statement (the first table it names)."""
    verb = sql.split()[0]
    table = re.search(r"(rewards|members|referrals)_[a-z]+", sql)
    return f"{verb} {table.group(0)}" if table else verb


def purchase(api, member, n: int):
    return api.post(
        "/api/v1/purchases/",
        {"channel": "web", "order_id": f"O-{n}", "amount": "25.00", "member_id": member.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"key-{n}",
    )


def test_a_purchase_through_the_api_is_eleven_statements(api, member):
    assert purchase(api, member, 1).status_code == 201  # settings cached, key's last use noted
    with CaptureQueriesContext(connection) as captured:
        response = purchase(api, member, 2)
    assert response.status_code == 201
    assert response.json()["points_earned"] == 25
    done = [statement(query["sql"]) for query in captured.captured_queries]
    assert done == (ON_POSTGRESQL if on_postgresql() else ON_SQLITE)
