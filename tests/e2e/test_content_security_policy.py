"""In a real browser, the pages run under their Content-Security-Policy without a violation.

Chromium reports every refused script, style, image or connection on the console; the
pages load as they would for a member (the portal) and for staff (admin home, a report
with its charts, the API documentation).
"""

import re

import pytest
from django.core.management import call_command

from loyalty.demo import personas


@pytest.fixture
def demo_site(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", "--members", "4", stdout=open("/dev/null", "w"))  # noqa: SIM115


def watch(page) -> list[str]:
    """The CSP violations (and script errors) the page reports."""
    seen = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: seen.append(f"script error: {error}"))
    return seen


def sign_in(page, login, *, admin=False):
    if admin:
        page.goto("/admin/login/")
        page.locator("#id_username").fill(login.email)
        page.locator("#id_password").fill(login.password)
        page.locator("input[type=submit]").click()
        page.wait_for_url(re.compile(r"/admin/$"))
    else:
        page.goto("/accounts/login/")
        page.locator("#id_login").fill(login.email)
        page.locator("#id_password").fill(login.password)
        page.get_by_role("button", name="Sign In").click()
        page.get_by_role("heading", name=re.compile("^Hello")).wait_for()


def test_the_portal_home_and_invite_page_run_without_a_csp_violation(new_page, demo_site):
    page = new_page()
    seen = watch(page)
    sign_in(page, personas.MARIA)
    page.goto("/referrals/")
    page.get_by_role("button", name="Copy").click()  # the script of a static file runs
    page.locator("[data-copy-status]").filter(has_text=re.compile(r"\S")).wait_for()
    page.goto("/")
    page.wait_for_load_state("networkidle")
    assert seen == []


def test_the_admin_home_and_a_report_run_without_a_csp_violation(new_page, demo_site):
    page = new_page()
    seen = watch(page)
    sign_in(page, personas.STAFF, admin=True)
    page.goto("/admin/reporting/report/?report=kpis&start=2020-01-01&end=2030-12-31&by=year")
    page.locator("canvas[data-drawn]").first.wait_for()
    page.goto("/admin/members/member/")
    page.wait_for_load_state("networkidle")
    assert seen == []


def test_the_api_documentation_runs_without_a_csp_violation(new_page, demo_site):
    """Swagger UI, from our own static files with its start-up script in a file of its own.
    (Redoc is allowed inline styles; its "by Redocly" logo from a CDN stays blocked.)"""
    page = new_page()
    seen = watch(page)
    page.goto("/api/v1/docs/")
    page.locator(".swagger-ui .info").wait_for()
    page.wait_for_load_state("networkidle")
    assert seen == []
