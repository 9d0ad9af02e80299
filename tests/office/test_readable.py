"""Objects read as sentences; what a user cannot do is not offered; read-only pages have no Save."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from members.models import Member
from referrals import services as referrals
from referrals.models import Referral
from rewards.models import Channel, LedgerEntry, PointLot, Purchase
from rewards.purchases.recording import record_purchase
from rewards.redemptions.services import redeem_reward
from tests.factories import ChannelFactory, MemberFactory, RewardFactory

SAVE_BUTTONS = ('name="_save"', 'name="_continue"', 'name="_addanother"')


@pytest.fixture
def anna(program, web):
    return MemberFactory(first_name="Anna", last_name="Berg", email="anna@example.com")


@pytest.fixture
def sale(anna):
    return record_purchase(channel="web", order_id="1001", amount="90.00", member_id=anna.pk)


def test_a_purchase_reads_with_its_number_member_and_amount(sale):
    assert str(sale) == "Purchase #1001 — Anna Berg, 90.00 EUR"


def test_a_shops_own_hash_is_not_doubled_and_a_purchase_without_member_says_so(program, web):
    purchase = record_purchase(channel="web", order_id="#1002", amount="1234.50")
    assert str(purchase) == "Purchase #1002 — no member, 1,234.50 EUR"


def test_a_pending_ledger_row_shows_its_pending_points(program, anna):
    program.return_window_days = 14
    program.save()
    record_purchase(channel="web", order_id="1001", amount="12.00", member_id=anna.pk)
    entry = LedgerEntry.objects.get(member=anna, kind=LedgerEntry.Kind.EARN)
    assert str(entry) == "Earned on purchase #1001: +12 points (pending)"


def test_a_spendable_ledger_row_and_a_redemption_read_in_words(sale, anna):
    coffee = RewardFactory(name="Free coffee", points_cost=40)
    redemption = redeem_reward(member_id=anna.pk, reward_id=coffee.pk)
    earned = LedgerEntry.objects.get(member=anna, kind=LedgerEntry.Kind.EARN)
    spent = LedgerEntry.objects.get(member=anna, kind=LedgerEntry.Kind.REDEEM)
    assert str(earned) == "Earned on purchase #1001: +90 points"
    assert str(spent) == f"Redeemed (code {redemption.code}): -40 points"
    assert str(redemption) == f"Redemption {redemption.code} — Free coffee, 40 points (issued)"


def test_a_lot_reads_with_its_size_date_what_is_left_and_its_expiry(sale, anna):
    redeem_reward(member_id=anna.pk, reward_id=RewardFactory(points_cost=86).pk)
    lot = PointLot.objects.get(member=anna)
    earned, expires = lot.earned_at.date(), lot.expires_at.date()
    assert str(lot) == f"Lot of 90 points from {earned}, 4 left, expires {expires}"


def test_a_referral_reads_who_referred_whom_and_where_it_stands(anna):
    ben = MemberFactory(first_name="Ben", last_name="", email="ben@example.com")
    code = referrals.ensure_referral_code(member_id=anna.pk)
    referral = referrals.attach_referral(referee_member_id=ben.pk, code=code.code)
    Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.AWAITING_APPROVAL)
    referral.refresh_from_db()
    assert str(referral) == "Referral: Anna Berg → Ben, awaiting approval"


def test_a_member_without_a_name_is_named_by_email(program):
    member = MemberFactory(first_name="", last_name="", email="x@example.com")
    assert member.display_name == "x@example.com"


# ------------------------------------------------------------ what is offered


def actions_for(user, model) -> list[str]:
    request = RequestFactory().get("/")
    request.user = user
    return list(admin.site._registry[model].get_actions(request))


def test_delete_selected_members_is_not_offered_even_to_a_superuser(superuser):
    assert "delete_selected" not in actions_for(superuser, Member)


def test_a_member_page_offers_no_delete(client, superuser, anna):
    client.force_login(superuser)
    content = client.get(reverse("admin:members_member_change", args=[anna.pk])).content
    assert b'class="deletelink"' not in content
    assert client.get(reverse("admin:members_member_delete", args=[anna.pk])).status_code == 403


def test_a_channel_with_purchases_offers_no_delete_one_without_does(client, superuser, sale):
    spare = ChannelFactory(code="kiosk", name="Kiosk")
    client.force_login(superuser)
    used = client.get(reverse("admin:rewards_channel_change", args=[sale.channel_id])).content
    unused = client.get(reverse("admin:rewards_channel_change", args=[spare.pk])).content
    assert b'class="deletelink"' not in used
    assert b'class="deletelink"' in unused
    client.post(reverse("admin:rewards_channel_delete", args=[spare.pk]), {"post": "yes"})
    assert not Channel.objects.filter(pk=spare.pk).exists()


def test_a_record_page_where_nothing_can_change_has_no_save_button(client, superuser, sale, anna):
    redemption = redeem_reward(member_id=anna.pk, reward_id=RewardFactory(points_cost=50).pk)
    client.force_login(superuser)
    content = client.get(
        reverse("admin:rewards_redemption_change", args=[redemption.pk])
    ).content.decode()
    assert not any(button in content for button in SAVE_BUTTONS)
    assert 'class="closelink"' in content


def test_an_editable_page_keeps_its_save_button(client, superuser, anna):
    client.force_login(superuser)
    content = client.get(reverse("admin:members_member_change", args=[anna.pk])).content.decode()
    assert 'name="_save"' in content


@pytest.mark.parametrize(
    "page",
    [
        "admin:members_member_change",
        "admin:rewards_purchase_change",
        "admin:rewards_channel_change",
        "admin:rewards_program_change",
    ],
)
def test_a_view_only_staff_user_gets_no_save_and_no_delete(client, viewer, program, sale, page):
    objects = {
        "admin:members_member_change": sale.member_id,
        "admin:rewards_purchase_change": sale.pk,
        "admin:rewards_channel_change": sale.channel_id,
        "admin:rewards_program_change": program.pk,
    }
    client.force_login(viewer)
    response = client.get(reverse(page, args=[objects[page]]))
    assert response.status_code == 200
    content = response.content.decode()
    assert not any(button in content for button in SAVE_BUTTONS)
    assert 'class="deletelink"' not in content


def test_a_view_only_staff_user_is_offered_no_bulk_action_on_members(viewer):
    assert actions_for(viewer, Member) == []


def test_the_purchase_title_is_the_sentence(client, superuser, sale):
    client.force_login(superuser)
    content = client.get(reverse("admin:rewards_purchase_change", args=[sale.pk])).content
    assert "Purchase #1001 — Anna Berg, 90.00 EUR".encode() in content


def test_a_purchase_amount_is_shown_with_two_decimals(anna, program, web):
    purchase = Purchase(
        order_id="7",
        amount=Decimal("7.5"),
        currency="EUR",
        member=anna,
        channel=web,
        purchased_at=datetime(2026, 1, 1).astimezone(),
    )
    assert str(purchase).endswith("7.50 EUR")
