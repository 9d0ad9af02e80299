"""In Chromium: an internationalised address signs up, claims its imported membership;
a file that is not text is refused at the admin's upload in one line."""

import re
from pathlib import Path

import pytest

from members.models import Member, User
from rewards.adjustments.services import adjust_points
from tests.factories import ChannelFactory, MemberFactory, ProgramFactory

from .test_member_journey import PASSWORD

SHOTS = Path("/work/shots/import")


@pytest.fixture
def shop(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ProgramFactory()
    ChannelFactory(code="web", name="Web shop")
    User.objects.create_superuser(email="staff@example.com", password=PASSWORD)


def errors_of(page) -> list[str]:
    seen = []

    def console(message):
        # The admin has no icon: Chromium's own request for /favicon.ico is not the page's.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            seen.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", console)
    page.on("pageerror", lambda error: seen.append(f"script error: {error}"))
    return seen


def shot(page, name: str) -> None:
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_an_accented_address_signs_up_and_claims_the_membership_the_shop_exported(
    new_page, shop, mailoutbox
):
    imported = MemberFactory(email="josé@xn--exmple-cua.de")  # the shop wrote the domain so
    adjust_points(member_id=imported.pk, points=120, reason="imported history")
    page = new_page()
    errors = errors_of(page)
    page.goto("/accounts/signup/")
    page.locator("#id_email").fill("José@Exämple.de")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    shot(page, "signup-filled")
    page.get_by_role("button", name="Sign Up").click()  # a type=email input would block it
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.locator("#id_login").fill("josé@exämple.de")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name=re.compile("^Hello")).wait_for()
    assert page.get_by_test_id("balance").inner_text() == "120 points"
    shot(page, "home-after-claim")
    assert Member.objects.get().user.email == "josé@exämple.de"
    assert errors == []


def test_the_admin_refuses_a_png_named_csv_in_one_line(new_page, shop):
    page = new_page()
    errors = errors_of(page)
    page.goto("/admin/login/")
    page.locator("#id_username").fill("staff@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    page.goto("/admin/rewards/importjob/add/")
    page.locator("#id_file").set_input_files(
        files=[{"name": "orders.csv", "mimeType": "text/csv", "buffer": PNG}]
    )
    page.locator("input[name=_save]").click()
    error = page.locator(".errorlist").first.inner_text()
    assert error == "This is not a text (CSV) file: it looks like a PNG image."
    shot(page, "admin-import-not-text")
    assert errors == []


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
