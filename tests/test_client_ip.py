"""The login rate limits count the client's address behind TRUSTED_PROXY_COUNT proxies."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from loyalty.client_ip import client_ip

PROXY = "10.0.0.5"  # the load balancer: every request reaches the app from it


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()  # allauth's counters live in the cache
    yield
    cache.clear()


def request_with(forwarded: str | None, remote: str = PROXY):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


@pytest.mark.parametrize(
    "proxies,forwarded,expected",
    [
        (0, "6.6.6.6", PROXY),  # no proxy trusted: the header is anyone's text
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client wrote 6.6.6.6 itself
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.9", "203.0.113.7"),  # CDN then load balancer
        (2, "203.0.113.7", PROXY),  # fewer entries than proxies: it proves nothing
        (1, "", PROXY),
        (1, None, PROXY),
        (1, "not-an-address", PROXY),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "198.51.100.4:5555", "198.51.100.4"),
        (1, "6.6.6.6,\x00", PROXY),
    ],
)
def test_the_client_is_the_nth_address_from_the_right(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request_with(forwarded)) == expected


def fail_admin_login(client, n: int, forwarded: str):
    # A new username each time: only the per-address limit (10 a minute) can block.
    return client.post(
        "/admin/login/",
        {"username": f"nobody{n}@example.com", "password": "wrong"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_one_proxy_the_admin_login_limit_follows_the_client_not_the_proxy(
    client, program, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(10):  # the client spoofs a new address each time, to the left
        assert fail_admin_login(client, n, f"6.6.6.{n}, 203.0.113.7").status_code == 200
    assert fail_admin_login(client, 10, "6.6.6.99, 203.0.113.7").status_code == 429
    assert fail_admin_login(client, 11, "203.0.113.8").status_code == 200  # another client


def test_without_a_trusted_proxy_the_forwarded_header_changes_nothing(client, program, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(10):
        assert fail_admin_login(client, n, f"203.0.113.{n}").status_code == 200
    assert fail_admin_login(client, 10, "203.0.113.200").status_code == 429


def test_behind_one_proxy_the_portal_login_limit_follows_the_client(client, program, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    def fail(n: int, forwarded: str):
        return client.post(
            "/accounts/login/",
            {"login": f"nobody{n}@example.com", "password": "wrong"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    blocked = b"Too many failed login attempts"
    pages = [fail(n, f"6.6.6.{n}, 203.0.113.7").content for n in range(11)]
    assert [blocked in page for page in pages] == [False] * 10 + [True]
    assert blocked not in fail(11, "203.0.113.8").content  # another client


def test_it_validates_ownership_one_clients_failures_never_lock_out_another(
    client, program, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(10):
        fail_admin_login(client, n, "203.0.113.7")
    assert fail_admin_login(client, 10, "203.0.113.7").status_code == 429
    assert fail_admin_login(client, 11, "198.51.100.1").status_code == 200
