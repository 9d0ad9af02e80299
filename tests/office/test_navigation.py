"""The admin's navigation speaks the merchant's language; technical models are for superusers."""

from django.conf import settings
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from loyalty.office import site as office

from .conftest import staff_with

MERCHANT_GROUPS = [
    "Members",
    "Purchases & points",
    "Rewards",
    "Tiers",
    "Referrals",
    "Campaigns",
    "Reports",
    "Settings",
]
TECHNICAL = [
    "Periodic tasks",
    "Clocked",
    "Crontabs",
    "Solar events",
    "Intervals",
    "Idempotency records",
    "Webhook deliveries",
    "Groups",
    "Users",
]


def app_list(user) -> list[dict]:
    request = RequestFactory().get("/admin/")
    request.user = user
    return admin.site.get_app_list(request)


def names(groups) -> dict[str, list[str]]:
    return {group["name"]: [str(m["name"]) for m in group["models"]] for group in groups}


def test_a_group_has_a_plain_anchor():
    assert office.slug("Purchases & points") == "purchases-points"


def test_the_admin_site_is_the_back_offices():
    assert isinstance(admin.site, office.OfficeSite)


def test_a_superuser_sees_the_merchant_groups_in_order_then_system(superuser):
    assert [group["name"] for group in app_list(superuser)] == [*MERCHANT_GROUPS, "System"]


def test_the_technical_models_are_all_under_system(superuser):
    groups = names(app_list(superuser))
    assert set(TECHNICAL) <= set(groups["System"])
    merchant = {name for group in MERCHANT_GROUPS for name in groups[group]}
    assert not merchant & set(TECHNICAL)


def test_the_groups_hold_what_a_merchant_looks_for(superuser):
    groups = names(app_list(superuser))
    assert groups["Members"][0] == "Members"
    assert groups["Purchases & points"][:3] == ["Purchases", "Ledger entries", "Point lots"]
    assert groups["Rewards"] == ["Rewards", "Redemptions"]
    assert groups["Tiers"] == ["Tiers", "Tier changes", "Tier welcome gifts"]
    assert groups["Campaigns"][:2] == ["Campaigns", "Segments"]
    assert "Accounting reports" in groups["Reports"]
    assert {"Programs", "Channels", "Earn rules"} <= set(groups["Settings"])


def test_every_project_app_has_a_merchant_group():
    project = {"members", "rewards", "referrals", "campaigns", "reporting"}
    assert project <= {app.split(".")[0] for app in settings.INSTALLED_APPS}
    assert project <= set(office.APP_GROUPS)


def test_every_project_model_has_a_place_outside_system_unless_technical():
    technical = {key for key, group in office.PLACES.items() if group == office.SYSTEM}
    for model in admin.site._registry:
        key = (model._meta.app_label, model._meta.model_name)
        if model._meta.app_label in office.APP_GROUPS and key not in technical:
            assert office.group_of(*key) != office.SYSTEM, key


def test_staff_who_are_not_superusers_never_see_system_even_with_every_view_permission(viewer):
    groups = names(app_list(viewer))
    assert "System" not in groups
    assert list(groups) == MERCHANT_GROUPS
    seen = {name for models in groups.values() for name in models}
    assert not seen & set(TECHNICAL)


def test_staff_see_only_the_groups_they_have_a_permission_in(db):
    user = staff_with("tills@example.com", "members.view_member", "rewards.view_purchase")
    assert names(app_list(user)) == {"Members": ["Members"], "Purchases & points": ["Purchases"]}


def test_the_sidebar_of_a_list_page_is_grouped_too(client, viewer):
    client.force_login(viewer)
    content = client.get(reverse("admin:members_member_changelist")).content.decode()
    assert 'id="nav-sidebar"' in content
    assert "Purchases &amp; points" in content
    assert reverse("admin:django_celery_beat_periodictask_changelist") not in content


def test_an_apps_own_page_still_lists_its_models(client, superuser):
    client.force_login(superuser)
    response = client.get(reverse("admin:app_list", args=["rewards"]))
    assert response.status_code == 200
    assert "Ledger entries" in response.content.decode()
