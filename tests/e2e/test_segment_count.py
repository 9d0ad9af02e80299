"""In a real browser: a segment's member count follows its definition as staff type it,
under the strict Content-Security-Policy, with no console error; the campaign report opens."""

import re

import pytest
from django.core.management import call_command

from campaigns.models import Campaign, Segment
from loyalty.demo import personas
from members.models import Member

from .test_content_security_policy import sign_in


@pytest.fixture
def demo_site(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", "--members", "6", stdout=open("/dev/null", "w"))  # noqa: SIM115


def errors_of(page) -> list[str]:
    """Console errors and failed responses, but the browser's own /favicon.ico request
    (the admin's login page names no icon: a 404 that is not this page's)."""
    seen = []
    page.on(
        "console",
        lambda m: (
            seen.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            seen.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda error: seen.append(f"script error: {error}"))
    return seen


def test_the_count_follows_the_definition_as_it_is_typed(new_page, demo_site):
    page = new_page()
    seen = errors_of(page)
    sign_in(page, personas.STAFF, admin=True)
    segment = Segment.objects.get(name="Opted in to email")
    page.goto(f"/admin/campaigns/segment/{segment.pk}/change/")
    count = page.locator("output.segment-count")
    area = page.locator("textarea.segment-definition")
    area.fill('{"conditions": [{"kind": "balance", "min": 5, "max": 1}]}')
    count.filter(has_text="condition 1 (points balance): min cannot be above max.").wait_for()
    area.fill('{"conditions": [{"kind": "enrolled", "after": "1990-01-01"}]}')
    active = Member.objects.filter(status="active").count()
    count.filter(has_text=re.compile(rf"^{active:,}$")).wait_for()
    page.goto(f"/admin/campaigns/campaign/{Campaign.objects.get(status='running').pk}/report/")
    page.get_by_role("heading", name=re.compile("^During the campaign")).wait_for()
    assert seen == []
