"""Every portal page on a 390x844 phone and a 1366x768 desktop, in English and German:
nothing overflows its container, no date or code wraps inside itself, every section of
the menu is on screen, the card's QR is big enough to scan, and no console error.

With ``SCREENSHOTS_DIR`` set, each page is saved there (``<lang>-<size>-<page>.png``).
"""

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from loyalty.demo import personas
from rewards.models import Redemption, Reward

SIZES = {"phone": (390, 844), "desktop": (1366, 768)}
SECTIONS = 7  # Home, Ways to earn, Rewards, My codes, History, Invite friends, Profile

SCRIPT = (Path(__file__).parent / "overflow.js").read_text().splitlines()
PROBLEMS = "\n".join(line for line in SCRIPT if not line.startswith("//"))


@pytest.fixture
def demo_site(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", "--members", "4", stdout=open("/dev/null", "w"))  # noqa: SIM115


def pages(redemption: Redemption, reward: Reward) -> dict[str, str]:
    return {
        "home": reverse("portal:home"),
        "ways": reverse("portal:ways"),
        "rewards": reverse("portal:rewards"),
        "redeem": reverse("portal:redeem", args=[reward.pk]),
        "codes": reverse("portal:redemptions"),
        "code": reverse("portal:redemption", args=[redemption.pk]),
        "history": reverse("portal:history"),
        "invite": reverse("portal:referrals"),
        "profile": reverse("portal:profile"),
        "close": reverse("portal:close"),
    }


def watch(page) -> list[str]:
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    return errors


def sign_in(page, login):
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(login.email)
    page.locator("#id_password").fill(login.password)
    page.locator("main form button[type=submit]").click()
    page.locator(".portal-nav").wait_for()


def shoot(page, name: str):
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_portal_page_fits_a_phone_and_a_desktop(new_page, demo_site, language):
    maria_redemption = Redemption.objects.filter(member__email=personas.MARIA.email).first()
    reward = Reward.objects.filter(active=True).order_by("points_cost").first()
    problems = []
    for size, (width, height) in SIZES.items():
        phone = size == "phone"
        page = new_page(
            viewport={"width": width, "height": height},
            is_mobile=phone,
            has_touch=phone,
            locale={"en": "en-GB", "de": "de-DE"}[language],
        )
        errors = watch(page)
        page.goto(reverse("portal:ways"))  # public, before signing in
        problems += [f"{size} ways (public): {p}" for p in page.evaluate(PROBLEMS)]
        shoot(page, f"{language}-{size}-ways-public")
        sign_in(page, personas.MARIA)
        assert page.locator("html").get_attribute("lang") == language
        for label, path in pages(maria_redemption, reward).items():
            page.goto(path)
            problems += [f"{size} {label}: {p}" for p in page.evaluate(PROBLEMS)]
            menu = page.locator(".portal-nav a")
            assert menu.count() == SECTIONS
            for index in range(SECTIONS):
                box = menu.nth(index).bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= width, (size, label, index)
                assert box["y"] + box["height"] <= height, f"{size} {label}: menu below the fold"
            shoot(page, f"{language}-{size}-{label}")
        page.goto("/")
        qr = page.get_by_test_id("card-qr").locator("svg").bounding_box()
        assert qr["width"] >= 240, f"{size}: the card's QR is {qr['width']}px wide"
        if phone:
            card = page.locator(".card-code").bounding_box()
            assert qr["width"] >= card["width"] - 60, "the QR does not fill the card on a phone"
        assert errors == [], f"{size}: console errors {errors}"
    assert problems == [], "\n".join(problems)


def test_the_card_code_reads_in_groups_of_four(new_page, demo_site):
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    sign_in(page, personas.MARIA)
    groups = page.get_by_test_id("card-code").locator(".code-group").all_inner_texts()
    assert len(groups) == 4 and all(re.fullmatch(r"[A-Z2-9]{4}", g) for g in groups)
    tops = {round(g.bounding_box()["y"]) for g in page.locator(".code-group").all()}
    assert len(tops) == 1, "the card code wraps on a phone"


def test_the_overflow_check_sees_an_element_wider_than_the_phone(new_page, demo_site):
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    sign_in(page, personas.MARIA)
    assert page.evaluate(PROBLEMS) == []
    page.evaluate(
        "() => { const wide = document.createElement('p'); wide.textContent = 'wide';"
        " wide.style.width = '900px'; document.querySelector('main').append(wide); }"
    )
    found = page.evaluate(PROBLEMS)
    assert any("sideways" in line for line in found)
    assert any("p 'wide': reaches" in line for line in found)
