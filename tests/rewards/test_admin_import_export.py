"""django-import-export in the admin: escaped exports of records, settings moved by name."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import Tier
from rewards.adjustments.services import adjust_points
from rewards.admin.resources import EarnRuleResource, MemberResource, TierResource
from rewards.models import EarnRule, Reward
from rewards.purchases.recording import record_purchase
from tests.factories import EarnRuleFactory, MemberFactory, RewardFactory, UserFactory

pytestmark = pytest.mark.usefixtures("web")

RISKY = ['=HYPERLINK("http://evil")', "+1+2", "-2+3", "@SUM(A1)"]


@pytest.fixture
def staff_client(client, program):
    client.force_login(UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    return client


def export(client, model: str, fmt: int) -> bytes:
    """The admin's export page, every field ticked, in the format at index ``fmt``."""
    url = reverse(f"admin:{model.replace('/', '_')}_export")
    form = client.get(url).context["form"]
    data = {"format": str(fmt), "resource": "0"}
    data |= {name: "on" for name, field in form.fields.items() if hasattr(field, "resource_name")}
    response = client.post(url, data)
    assert response.status_code == 200, response.content[:500]
    return response.content


def test_a_members_cells_starting_like_a_formula_are_escaped_in_csv(staff_client, program):
    for index, risky in enumerate(RISKY):
        MemberFactory(email=f"m{index}@example.com", first_name=risky, last_name="ok")
    rows = list(csv.DictReader(io.StringIO(export(staff_client, "members/member", 0).decode())))
    assert sorted(row["first_name"] for row in rows) == sorted(f"'{r}" for r in RISKY)
    assert {row["last_name"] for row in rows} == {"ok"}


def test_exported_xlsx_keeps_numbers_as_numbers_and_escapes_text(staff_client, member):
    adjust_points(member_id=member.pk, points=40, reason="welcome")
    adjust_points(member_id=member.pk, points=-5, reason="=cmd|' /C calc'!A0")
    record_purchase(channel="web", order_id="-1+1", amount="12.50", member_id=member.pk)
    book = openpyxl.load_workbook(io.BytesIO(export(staff_client, "rewards/ledgerentry", 1)))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    points = [row[header.index("points")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(points) == [-5, 12, 40]  # numbers, the negative one not escaped
    purchases = openpyxl.load_workbook(
        io.BytesIO(export(staff_client, "rewards/purchase", 1))
    ).active
    header = [cell.value for cell in purchases[1]]
    row = [cell.value for cell in purchases[2]]
    assert row[header.index("order_id")] == "'-1+1"
    assert row[header.index("amount")] == Decimal("12.50") or row[header.index("amount")] == 12.5


@pytest.mark.parametrize(
    "model", ["rewards/purchase", "rewards/redemption", "rewards/ledgerentry", "members/member"]
)
def test_records_offer_export_only(staff_client, model):
    page = staff_client.get(f"/admin/{model}/").content.decode()
    assert f"/admin/{model}/export/" in page
    assert f"/admin/{model}/import/" not in page


def test_earn_rules_and_tiers_move_between_installations_by_name(program):
    EarnRuleFactory(name="Double weekend", multiplier=Decimal("2"), weekdays="6,7")
    Tier.objects.create(name="Silver", rank=1, threshold=500, earn_multiplier=Decimal("1.5"))
    rules = EarnRuleResource().export()
    tiers = TierResource().export()
    EarnRule.objects.update(multiplier=Decimal("5"))
    Tier.objects.all().delete()

    result = EarnRuleResource().import_data(rules, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    result = TierResource().import_data(tiers, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    rule = EarnRule.objects.get()  # matched by name: updated, not added
    assert (rule.multiplier, rule.weekdays) == (Decimal("2.00"), "6,7")
    assert Tier.objects.get().earn_multiplier == Decimal("1.50")


def test_an_imported_rule_is_checked_like_the_form(program):
    dataset = EarnRuleResource().export()
    dataset.append(["Crazy", "multiplier", "0.5", "0", "1", "", "", "", "", "", "", ""])
    dataset.append(["Lost", "multiplier", "2", "0", "1", "", "", "", "nowhere", "", "", ""])
    result = EarnRuleResource().import_data(dataset, dry_run=True)
    messages = [
        str(error)
        for row in result.invalid_rows
        for errors in row.error_dict.values()
        for error in errors
    ] + [str(error.error) for row in result.row_errors() for error in row[1]]
    assert any("The multiplier must be at least 1." in m for m in messages), messages
    assert any("There is no channel 'nowhere' (known: web)." in m for m in messages), messages
    assert not EarnRule.objects.exists()


def test_the_admin_import_shows_a_dry_run_then_imports_on_confirm(staff_client):
    RewardFactory(name="Free coffee", points_cost=100)
    upload = (
        "name,description,kind,points_cost,discount_amount,discount_percent,sku,cause,stock,"
        "valid_from,valid_until,active\n"
        "Free coffee,,free_item,80,,,,,,,,1\n"
        "Tote bag,,free_item,300,,,,,25,,,1\n"
    )
    url = reverse("admin:rewards_reward_import")
    response = staff_client.post(
        url,
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("rewards.csv", upload.encode()),
        },
    )
    assert response.status_code == 200
    confirm = response.context["confirm_form"]
    assert Reward.objects.get().points_cost == 100  # a dry run: nothing written yet
    assert "Tote bag" in response.content.decode()
    done = staff_client.post(reverse("admin:rewards_reward_process_import"), confirm.initial)
    assert done.status_code == 302
    assert dict(Reward.objects.values_list("name", "points_cost")) == {
        "Free coffee": 80,
        "Tote bag": 300,
    }


def test_staff_who_may_not_add_rewards_get_no_import(client, program):
    viewer = UserFactory(email="viewer@example.com", is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(codename__in=["view_reward", "change_reward"])
    )
    client.force_login(viewer)
    assert client.get(reverse("admin:rewards_reward_import")).status_code == 403
    assert "/import/" not in client.get("/admin/rewards/reward/").content.decode()


def test_a_member_export_lists_the_tier_by_name(program):
    silver = Tier.objects.create(name="Silver", rank=1, threshold=500)
    MemberFactory(email="anna@example.com", tier=silver)
    dataset = MemberResource().export()
    assert dataset.dict[0]["tier"] == "Silver"
