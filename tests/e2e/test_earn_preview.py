"""The earn rule form's live preview in Chromium: the sentence follows the fields."""

import re
from decimal import Decimal

import pytest

from members.models import User
from tests.e2e.test_till import PASSWORD, console_errors, shot, staff_sign_in
from tests.factories import ChannelFactory, EarnRuleFactory, ProgramFactory, TierFactory


@pytest.fixture
def settings_staff(transactional_db):
    ProgramFactory()
    ChannelFactory(code="web", name="Web shop")
    TierFactory(name="Silver", earn_multiplier=Decimal("1.5"))
    EarnRuleFactory(name="Black Friday", multiplier=Decimal("3"))
    User.objects.create_superuser(email="owner@example.com", password=PASSWORD)


def test_the_rule_preview_updates_as_the_merchant_changes_fields(new_page, settings_staff):
    page = new_page(viewport={"width": 1366, "height": 900})
    errors = console_errors(page)
    staff_sign_in(page, "owner@example.com")
    page.goto("/admin/rewards/earnrule/add/")
    sentence = page.get_by_test_id("preview-sentence")

    page.locator("#id_name").fill("Double weekend")
    page.locator("#id_multiplier").fill("2")
    page.get_by_label("Saturday").check()
    page.get_by_label("Sunday").check()
    page.locator("#preview_day").fill("2026-11-21")
    page.locator("#preview_tier").select_option(label="Silver")
    page.locator("#preview_amount").fill("25.00")
    expected = (
        "A 25.00 EUR purchase on Saturday 21 November 2026 in Web shop by a Silver member "
        "earns 112 points: base 25, Silver ×1.5 +12, Black Friday ×3 +50, Double weekend ×2 +25."
    )
    page.wait_for_function(
        "text => document.querySelector('[data-testid=preview-sentence]').textContent === text",
        arg=expected,
    )
    assert "Stacks with Black Friday" in page.get_by_test_id("preview-stacks").inner_text()
    page.get_by_test_id("preview-sentence").scroll_into_view_if_needed()
    shot(page, "rule-preview.png")

    page.locator("#preview_day").fill("2026-11-23")  # a Monday: the weekend rule is out
    page.wait_for_function(
        "() => /earns 87 points/.test("
        "document.querySelector('[data-testid=preview-sentence]').textContent)"
    )
    page.locator("#id_multiplier").fill("0.5")
    refused = page.get_by_test_id("preview-errors")
    refused.get_by_text("The multiplier must be at least 1.").wait_for()
    assert re.search("Correct the settings", sentence.inner_text())
    assert errors == []
