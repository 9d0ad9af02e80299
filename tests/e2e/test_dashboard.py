"""The dashboard and a report's chart in Chromium, as the superuser and as view-only staff.

A test fails on any console error or script error (a CSP refusal is one). Screenshots go to
``$SHOTS_DIR`` when set (e.g. ``SHOTS_DIR=/work/shots/office``), else to the test's tmp dir.
"""

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from loyalty.demo import personas

DESKTOP = {"width": 1366, "height": 768}
# The lines of the chart's tooltip, if it shows (Chart.js draws it on the canvas).
TOOLTIP = """() => {
    const canvas = document.querySelector('canvas[data-chart="chart-1"]');
    const tip = Chart.getChart(canvas).tooltip;
    return tip && tip.opacity > 0 ? tip.body.map((b) => b.lines.join(" ")).join("; ") : "";
}"""
TABLET = {"width": 1024, "height": 768}


@pytest.fixture
def demo_site(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", "--members", "4", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def watch(page) -> list[str]:
    """Every console error and uncaught script error of the page."""
    seen = []
    page.on("console", lambda m: seen.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: seen.append(f"script error: {error}"))
    return seen


def sign_in(page, login):
    page.goto("/admin/login/")
    page.locator("#id_username").fill(login.email)
    page.locator("#id_password").fill(login.password)
    page.locator("input[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_superuser_lands_on_the_dashboard_with_its_charts(new_page, demo_site, shots):
    page = new_page(viewport=DESKTOP)
    errors = watch(page)
    sign_in(page, personas.STAFF)
    page.get_by_role("heading", name=re.compile("^Dashboard")).wait_for()
    for card in ("members", "points", "liability", "rewards", "tiers", "referrals", "health"):
        assert page.get_by_test_id(f"card-{card}").is_visible(), card
    page.locator('canvas[data-chart="chart-points"][data-drawn="3"]').wait_for()
    page.locator('canvas[data-chart="chart-tiers"][data-drawn="1"]').wait_for()
    assert page.get_by_role("link", name="Periodic tasks").count() == 1  # System, superusers
    assert fits_the_width(page)
    page.screenshot(path=str(shots / "dashboard-superuser-1366.png"), full_page=True)
    page.set_viewport_size(TABLET)
    page.reload()
    page.locator('canvas[data-chart="chart-points"][data-drawn="3"]').wait_for()
    assert fits_the_width(page)
    page.screenshot(path=str(shots / "dashboard-superuser-1024.png"), full_page=True)
    assert errors == []


def test_view_only_staff_see_the_figures_without_system_or_an_error(new_page, demo_site, shots):
    page = new_page(viewport=DESKTOP)
    errors = watch(page)
    sign_in(page, personas.VIEWER)
    page.get_by_test_id("card-members").wait_for()
    assert page.get_by_test_id("members-total").inner_text().strip() != ""
    assert page.get_by_role("link", name="Periodic tasks").count() == 0
    assert page.get_by_role("link", name="Idempotency records").count() == 0
    page.locator('canvas[data-chart="chart-points"][data-drawn="3"]').wait_for()
    page.screenshot(path=str(shots / "dashboard-viewer-1366.png"), full_page=True)
    page.get_by_test_id("card-members").get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/admin/members/member/"))
    assert page.locator('select[name="action"]').count() == 0  # nothing to do in bulk
    assert errors == []


def test_a_report_chart_shows_the_value_under_the_pointer(new_page, demo_site, shots):
    page = new_page(viewport=DESKTOP)
    errors = watch(page)
    sign_in(page, personas.STAFF)
    page.goto("/admin/reporting/report/?report=rollforward&start=2025-01-01&end=2030-12-31&by=year")
    canvas = page.locator('canvas[data-chart="chart-1"][data-drawn="3"]')
    canvas.wait_for()
    assert page.locator('input[type="date"]').count() == 3
    box = canvas.bounding_box()
    tooltip = ""
    for fraction in (0.1, 0.2, 0.3, 0.5, 0.7, 0.9):  # the first parts may have no points
        page.mouse.move(box["x"] + box["width"] * fraction, box["y"] + box["height"] * 0.6)
        tooltip = page.evaluate(TOOLTIP)
        if re.search(r"Issued: [\d,]+ points", tooltip):
            break
    assert re.search(r"Issued: [\d,]+ points", tooltip), tooltip
    page.screenshot(path=str(shots / "report-rollforward-chart.png"), full_page=True)
    assert errors == []
