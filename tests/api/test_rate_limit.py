"""The per-key rate limit holds under concurrency: at most N accepted, the rest 429.

The HTTP test drives a live server (threads, real sockets) on PostgreSQL and Redis, as an
integrator's shop with many workers would; the others check the counting itself.
"""

import os
import time

import pytest
import requests
from django.core.cache import caches
from django.test import override_settings

from loyalty import ratelimit
from rewards.models import ApiKey
from tests.conftest import skip_unless_postgresql
from tests.factories import ChannelFactory, ProgramFactory
from tests.helpers import run_at_once

CLIENTS = 16
LIMIT = 200  # per minute
REQUESTS_PER_CLIENT = 30  # 480 in all: more than twice the limit
LOCAL = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def uses_redis() -> bool:
    return caches["default"].__class__.__name__ == "RedisCache"


def skip_unless_redis():
    if not uses_redis():
        if os.environ.get("CI") and os.environ.get("REDIS_URL"):
            pytest.fail("CI's Redis run must not skip the rate-limit tests")
        pytest.skip("needs Redis as the cache (set REDIS_URL)")


def hammer(key: str, rate: ratelimit.Rate, *, clients: int, hits: int) -> list:
    return [
        verdict
        for batch in run_at_once(clients, lambda i: [ratelimit.hit(key, rate) for _ in range(hits)])
        for verdict in batch
    ]


def test_sixteen_threads_on_local_memory_get_exactly_the_limit():
    with override_settings(CACHES=LOCAL):
        caches["default"].clear()
        verdicts = hammer("local-test", ratelimit.Rate(limit=100, window=60), clients=16, hits=20)
        caches["default"].clear()
    assert sum(v.allowed for v in verdicts) == 100
    assert all(1 <= v.retry_after <= 60 for v in verdicts if not v.allowed)


def test_sixteen_threads_on_redis_get_exactly_the_limit():
    skip_unless_redis()
    caches["default"].clear()
    verdicts = hammer("redis-test", ratelimit.Rate(limit=100, window=60), clients=16, hits=20)
    assert sum(v.allowed for v in verdicts) == 100
    assert all(1 <= v.retry_after <= 60 for v in verdicts if not v.allowed)


def test_a_hit_leaves_the_window_after_it_and_lets_another_in():
    rate = ratelimit.Rate(limit=2, window=1)
    with override_settings(CACHES=LOCAL):
        assert [ratelimit.hit("w", rate).allowed for _ in range(3)] == [True, True, False]
        time.sleep(1.05)
        assert ratelimit.hit("w", rate).allowed


@pytest.mark.parametrize(
    "text,expected",
    [("1200/min", (1200, 60)), ("10/s", (10, 1)), ("5/hour", (5, 3600)), ("9/day", (9, 86400))],
)
def test_a_rate_reads_like_drfs(text, expected):
    rate = ratelimit.Rate.parse(text)
    assert (rate.limit, rate.window) == expected


@pytest.fixture
def limited_server(transactional_db, live_server, settings):
    skip_unless_postgresql()
    skip_unless_redis()
    caches["default"].clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": f"{LIMIT}/min"},
    }
    ProgramFactory()
    ChannelFactory(code="web")
    _, full = ApiKey.issue(name="shop", scopes=["read"])
    _, other = ApiKey.issue(name="till", scopes=["read"])
    yield live_server.url, full, other
    caches["default"].clear()


def test_sixteen_clients_share_one_keys_limit_over_http(limited_server):
    url, full, _ = limited_server

    def client(i):
        with requests.Session() as session:
            session.headers["Authorization"] = f"Api-Key {full}"
            return [
                session.get(f"{url}/api/v1/ping/", timeout=30) for _ in range(REQUESTS_PER_CLIENT)
            ]

    started = time.monotonic()
    responses = [r for batch in run_at_once(CLIENTS, client) for r in batch]
    elapsed = time.monotonic() - started
    accepted = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code != 200]
    print(
        f"rate limit over HTTP: {len(accepted)} accepted of {len(responses)} "
        f"(limit {LIMIT}/min, {CLIENTS} clients, {elapsed:.1f} s)"
    )
    assert elapsed < 60, "the whole run must fall in one window for the count to mean anything"
    assert len(accepted) <= LIMIT * 1.01
    assert len(accepted) == LIMIT  # atomic: not one more, and none lost
    assert {r.status_code for r in refused} == {429}
    assert all(1 <= int(r.headers["Retry-After"]) <= 60 for r in refused)
    assert all(r.json()["error"]["code"] == "throttled" for r in refused)


def test_it_validates_ownership_one_keys_limit_never_blocks_another_key(limited_server):
    url, full, other = limited_server
    headers = {"Authorization": f"Api-Key {full}"}
    statuses = [
        requests.get(f"{url}/api/v1/ping/", headers=headers, timeout=30).status_code
        for _ in range(LIMIT + 1)
    ]
    assert statuses[-1] == 429
    response = requests.get(
        f"{url}/api/v1/ping/", headers={"Authorization": f"Api-Key {other}"}, timeout=30
    )
    assert response.status_code == 200
