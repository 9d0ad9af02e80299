"""The till screen in Chromium at tablet size: scan a card, redeem, scan the code, use it."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from members.models import User
from rewards.adjustments.services import adjust_points
from rewards.models import Redemption
from tests.factories import ChannelFactory, MemberFactory, ProgramFactory, RewardFactory

PASSWORD = "Sturdy-pass-4821"
SHOTS = Path("/work/shots/till")


def console_errors(page) -> list[str]:
    seen = []
    page.on("console", lambda m: seen.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: seen.append(f"script error: {error}"))
    return seen


def shot(page, name: str) -> None:
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)


def staff_sign_in(page, email):
    page.goto("/admin/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))


@pytest.fixture
def shop(transactional_db):
    ProgramFactory()
    ChannelFactory(code="store", name="Coffee shop counter")
    RewardFactory(name="Free coffee", points_cost=100)
    cashier = User.objects.create_user(email="cashier@example.com", password=PASSWORD)
    cashier.is_staff = True
    cashier.save()
    cashier.user_permissions.set(
        Permission.objects.filter(
            codename__in=["add_purchase", "add_redemption", "change_redemption"]
        )
    )
    member = MemberFactory(email="anna@example.com", first_name="Anna", last_name="Berg")
    adjust_points(member_id=member.pk, points=250, reason="welcome")
    return member


def test_a_cashier_scans_a_card_redeems_a_coffee_and_accepts_the_code(new_page, shop):
    page = new_page(viewport={"width": 1024, "height": 768})
    errors = console_errors(page)
    staff_sign_in(page, "cashier@example.com")
    page.goto("/admin/till/")

    # A barcode scanner types into the focused box and presses Enter.
    page.keyboard.type(shop.card_code)
    page.keyboard.press("Enter")
    page.get_by_test_id("member").wait_for()
    assert page.get_by_test_id("spendable").inner_text() == "250 points"

    page.locator("input[name=line_amount]").nth(0).fill("3.50")
    page.locator("input[name=line_amount]").nth(1).fill("2.00")
    assert page.locator("#till-total").inner_text() == "5.50"
    page.get_by_role("button", name="Add a line").click()
    assert page.locator("input[name=line_amount]").count() == 4
    page.get_by_role("button", name="Record the purchase").click()
    page.get_by_text(re.compile(r"Purchase TILL-\S+ of 5.50 EUR recorded: 5 points")).wait_for()

    page.locator("#till-reward").select_option(label="Free coffee: 100 points")
    page.get_by_role("button", name="Redeem", exact=True).click()
    code = page.get_by_test_id("issued-code").inner_text()
    assert Redemption.objects.get().code == code
    assert page.get_by_test_id("spendable").inner_text() == "155 points"
    shot(page, "till-1024x768.png")

    # The member comes back with the code on their phone: scanned into the same box.
    page.get_by_test_id("scan").fill("")
    page.get_by_test_id("scan").type(code.lower())
    page.keyboard.press("Enter")
    page.get_by_test_id("shown").wait_for()
    page.get_by_role("button", name=re.compile("^Mark used")).click()
    page.get_by_text(f"Code {code} accepted: give Free coffee.").wait_for()
    assert Redemption.objects.get().status == Redemption.Status.USED
    shot(page, "till-code-used-1024x768.png")

    # The page fits the tablet: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    assert errors == []
