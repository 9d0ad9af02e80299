"""The earn rule and tier forms' live preview: the purchase calculation, on unsaved settings."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from rewards import selectors
from rewards.models import Channel, EarnRule
from rewards.purchases.recording import record_purchase
from tests.factories import EarnRuleFactory, MemberFactory, TierFactory, UserFactory

pytestmark = pytest.mark.usefixtures("web")

SATURDAY = "2026-11-21"


@pytest.fixture
def staff_client(client, program):
    client.force_login(UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def silver(program):
    return TierFactory(name="Silver", earn_multiplier=Decimal("1.5"))


def rule_form(**changes):
    form = {
        "name": "Double weekend",
        "active": "on",
        "kind": EarnRule.Kind.MULTIPLIER,
        "multiplier": "2",
        "bonus_points": "0",
        "weekdays": ["6", "7"],
        "category": "",
        "sku": "",
        "preview_amount": "25.00",
        "preview_day": SATURDAY,
        "preview_channel": "web",
    }
    form.update(changes)
    return form


def preview(client, url_name, form):
    response = client.post(reverse(url_name), form)
    assert response.status_code == 200
    return response.json()


def test_the_preview_earns_what_the_purchase_service_then_credits(program, silver):
    saved = EarnRuleFactory(name="Saturday bonus", kind=EarnRule.Kind.BONUS, bonus_points=10)
    saved.weekdays = "6"
    saved.save()
    draft = EarnRule(name="Double weekend", multiplier=Decimal("2"), weekdays="6,7", active=False)
    when = timezone.make_aware(datetime(2026, 11, 21, 12))
    shown = selectors.preview_earning(
        amount=Decimal("25.00"),
        purchased_at=when,
        channel=Channel.objects.get(code="web"),
        tier=silver,
        rule=draft,
    )
    draft.active = True
    draft.save()
    member = MemberFactory(tier=silver)
    purchase = record_purchase(
        channel="web", order_id="P1", amount="25.00", member_id=member.pk, purchased_at=when
    )
    assert shown.points == purchase.points_earned == 25 + 12 + 10 + 25
    assert [p.points for p in shown.parts] == [e["points"] for e in purchase.earn_breakdown]


def test_the_rule_form_previews_a_sample_purchase_in_words(staff_client, silver):
    data = preview(
        staff_client,
        "admin:rewards_earnrule_preview",
        rule_form(preview_tier=str(silver.pk)),
    )
    assert data["sentence"] == (
        "A 25.00 EUR purchase on Saturday 21 November 2026 in Web shop by a Silver member "
        "earns 62 points: base 25, Silver ×1.5 +12, Double weekend ×2 +25."
    )
    assert data["points"] == 62
    assert not EarnRule.objects.exists()


def test_the_preview_follows_the_unsaved_values_of_a_saved_rule(staff_client):
    rule = EarnRuleFactory(name="Double weekend", multiplier=Decimal("2"), weekdays="6,7")
    data = preview(
        staff_client,
        "admin:rewards_earnrule_preview",
        rule_form(object_id=str(rule.pk), multiplier="3", weekdays=["1"]),
    )
    assert data["points"] == 25  # Monday only now: not on Saturday
    rule.refresh_from_db()
    assert (rule.multiplier, rule.weekdays) == (Decimal("2.00"), "6,7")


def test_the_preview_warns_when_rules_stack(staff_client):
    EarnRuleFactory(name="Black Friday ×3", multiplier=Decimal("3"))
    data = preview(staff_client, "admin:rewards_earnrule_preview", rule_form())
    assert data["stacks_with"] == ["Black Friday ×3"]
    assert data["points"] == 25 + 25 + 50


def test_a_setting_out_of_range_is_shown_in_words_instead_of_a_preview(staff_client):
    data = preview(staff_client, "admin:rewards_earnrule_preview", rule_form(multiplier="0.5"))
    assert "sentence" not in data
    assert data["errors"]["multiplier"] == ["The multiplier must be at least 1."]


def test_the_tier_form_previews_its_own_unsaved_multiplier(staff_client, silver):
    form = {
        "name": "Silver",
        "rank": "1",
        "earn_multiplier": "2",
        "benefits": "",
        "measure": "points",
        "threshold": "100",
        "period": "calendar_year",
        "grace_months": "0",
        "term_months": "12",
        "object_id": str(silver.pk),
        "preview_amount": "10.00",
        "preview_day": SATURDAY,
    }
    data = preview(staff_client, "admin:members_tier_preview", form)
    assert data["sentence"].endswith("by a Silver member earns 20 points: base 10, Silver ×2 +10.")
    silver.refresh_from_db()
    assert silver.earn_multiplier == Decimal("1.5")


def test_staff_who_may_only_view_rules_get_no_preview(client, program):
    viewer = UserFactory(email="viewer@example.com", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_earnrule"))
    client.force_login(viewer)
    response = client.post(reverse("admin:rewards_earnrule_preview"), rule_form())
    assert response.status_code == 403


def test_weekdays_are_ticked_as_checkboxes_and_stored_as_iso_numbers(staff_client):
    form = rule_form(weekdays=["7", "6"])
    response = staff_client.post(reverse("admin:rewards_earnrule_add"), form)
    assert response.status_code == 302
    rule = EarnRule.objects.get()
    assert rule.weekdays == "6,7"
    page = staff_client.get(reverse("admin:rewards_earnrule_change", args=[rule.pk]))
    html = page.content.decode()
    for day, index in (("6", 5), ("7", 6)):
        assert f'name="weekdays" value="{day}" id="id_weekdays_{index}" checked' in html
    assert 'name="weekdays" value="1" id="id_weekdays_0">' in html
    assert 'id="earn-preview"' in html
