"""Every kind of page carries the Content-Security-Policy: scripts from our own files only."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from tests.factories import MemberFactory, UserFactory


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


@pytest.fixture
def member_client(client, program):
    user = UserFactory(email="ann@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    MemberFactory(email=user.email, user=user)
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(client, program):
    client.force_login(UserFactory(email="boss@example.com", is_staff=True, is_superuser=True))
    return client


STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
}


def assert_strict(response, **relaxed):
    assert response.status_code == 200
    found = policy(response)
    for directive, values in {**STRICT, **relaxed}.items():
        assert found.get(directive) == values, (directive, found)
    # A script is a file (src=...); a json_script data block (type="application/json") is
    # never run, so the policy does not apply to it: charts carry their data that way.
    executable = r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/json\")[^>]*>"
    assert not re.search(executable, response.content.decode())


@pytest.mark.parametrize(
    "url", ["portal:home", "portal:history", "portal:rewards", "portal:referrals", "portal:profile"]
)
def test_portal_pages_carry_a_strict_policy_and_no_inline_script(member_client, url):
    assert_strict(member_client.get(reverse(url)))


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/signup/", "/admin/login/"])
def test_sign_in_and_sign_up_pages_carry_a_strict_policy(client, program, url):
    assert_strict(client.get(url))


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/members/member/",
        "/admin/reporting/report/",
        "/admin/referrals/referral/funnel/",
        "/admin/rewards/importjob/add/",
    ],
)
def test_admin_pages_carry_a_strict_policy(staff_client, url):
    assert_strict(staff_client.get(url))


def test_the_swagger_docs_carry_a_strict_policy_and_load_their_script_from_a_url(client, db):
    response = client.get("/api/v1/docs/")
    assert_strict(response)
    script = client.get("/api/v1/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")


def test_the_redoc_page_allows_inline_styles_but_never_inline_scripts(client, db):
    assert_strict(client.get("/api/v1/redoc/"), **{"style-src": ["'self'", "'unsafe-inline'"]})


def test_no_page_policy_lets_another_site_in(member_client):
    found = policy(member_client.get(reverse("portal:home")))
    assert all("http" not in value for values in found.values() for value in values)
