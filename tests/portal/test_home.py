"""The portal's home page: points, their value, pending, expiring soon, the card, few queries."""

import re
from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from loyalty.portal.home import card_code
from members.models import Member
from members.selectors import find_member
from rewards.models import Redemption
from rewards.redemptions.services import redeem_points
from tests.factories import MemberFactory, RewardFactory, TierFactory

from .conftest import buy, login_member


def test_home_shows_spendable_points_and_their_money_value(client, signed_in):
    buy(signed_in, 250, order_id="A1")
    page = client.get("/").content.decode()
    assert "250 points" in page and "worth 2.50 EUR" in page


def test_home_shows_pending_points_and_when_they_become_spendable(client, signed_in, program):
    program.return_window_days = 14
    program.save()
    buy(signed_in, 80, order_id="P1", days_ago=4)
    page = client.get("/").content.decode()
    spendable_on = (timezone.now() + timedelta(days=10)).strftime("%-d %b %Y")
    assert f"80 points pending: spendable from {spendable_on}" in page


def test_home_warns_about_points_expiring_within_30_days(client, signed_in):
    buy(signed_in, 40, order_id="OLD", days_ago=350)  # expires in about 15 days (12 months)
    buy(signed_in, 60, order_id="NEW", days_ago=1)
    page = client.get("/").content.decode()
    assert "40 points expire within 30 days" in page


def test_home_shows_a_qr_code_and_the_card_code_in_text(client, signed_in):
    page = client.get("/").content.decode()
    code = card_code(signed_in)
    shown = re.search(r'data-testid="card-code">(.*?)</code>', page).group(1)
    assert "<svg" in page and re.sub(r"<[^>]+>", "", shown) == code


def test_the_card_shows_a_code_that_finds_the_member_at_the_till(signed_in):
    code = card_code(signed_in)
    assert code == signed_in.card_code
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{16}", code)  # readable aloud, never a formula
    assert find_member(card_code=code) == signed_in


def test_home_hides_the_tier_section_when_the_program_has_no_tiers(client, signed_in):
    assert b"Your tier" not in client.get("/").content


def test_home_shows_the_progress_of_a_member_below_the_top_tier(client, signed_in):
    TierFactory(name="Silver", rank=1, threshold=Decimal("100"))
    TierFactory(name="Gold", rank=2, threshold=Decimal("500"))
    buy(signed_in, 400, order_id="T1")  # 400 points: Silver, 100 short of Gold
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Your tier: Silver" in page
    assert 'value="80"' in page and "100 more points to reach Gold" in page


def test_home_shows_the_spend_still_missing_for_a_tier_on_the_amount_spent(client, signed_in):
    TierFactory(name="Spender", rank=1, measure="spend", threshold=Decimal("250"))
    buy(signed_in, 100, order_id="S1")
    page = client.get("/").content.decode()
    assert "Your tier: Member" in page and "Spend 150.00 EUR more to reach Spender" in page


def test_home_thanks_a_member_at_the_top_tier(client, signed_in):
    TierFactory(name="Gold", rank=1, threshold=Decimal("100"))
    buy(signed_in, 150, order_id="G1")
    page = client.get("/").content.decode()
    assert "Your tier: Gold" in page and "top tier" in page


def test_home_reads_the_database_a_handful_of_times_whatever_the_history(
    client, signed_in, django_assert_max_num_queries
):
    for n in range(120):
        buy(signed_in, 10, order_id=f"H{n}", days_ago=n)
    redeem_points(member_id=signed_in.pk, points=5)
    with django_assert_max_num_queries(10):
        response = client.get("/")
    assert response.status_code == 200


def test_a_signed_in_login_without_a_verified_email_sees_no_membership(client, program):
    from tests.factories import UserFactory

    client.force_login(UserFactory(email="nobody@example.com"))
    page = client.get("/").content.decode()
    assert "not linked to a membership" in page
    assert not Member.objects.filter(email="nobody@example.com").exists()


def test_a_verified_login_without_a_membership_joins_the_program(client, program):
    from allauth.account.models import EmailAddress

    from tests.factories import UserFactory

    user = UserFactory(email="new@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    client.get("/")
    assert Member.objects.get(email="new@example.com").user == user


def test_it_validates_ownership_home_shows_only_the_signed_in_members_points(client, program, web):
    other = MemberFactory(email="other@example.com")
    buy(other, 777, order_id="OTHER")
    me = login_member(client, "me@example.com")
    buy(me, 12, order_id="MINE")
    page = client.get(reverse("portal:home")).content.decode()
    assert "12 points" in page and "777" not in page


def test_an_imported_customer_claims_their_membership_and_sees_their_history(client, program, web):
    from allauth.account.models import EmailAddress

    from tests.factories import UserFactory

    imported = MemberFactory(email="dana@example.com")
    buy(imported, 64, order_id="IMPORTED-7", days_ago=40)
    user = UserFactory(email="dana@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    page = client.get(reverse("portal:history")).content.decode()
    assert "Purchase #IMPORTED-7" in page
    assert Member.objects.get(pk=imported.pk).user == user


def test_points_past_their_expiry_date_are_not_spendable_before_the_nightly_job(client, signed_in):
    buy(signed_in, 40, order_id="LAPSED", days_ago=400)  # expired 35 days ago, job not run
    buy(signed_in, 60, order_id="FRESH", days_ago=1)
    assert Member.objects.get(pk=signed_in.pk).points_balance == 100  # the cache still has them
    reward = RewardFactory(name="Tote bag", points_cost=80)
    home = client.get("/").content.decode()
    assert 'data-testid="balance">60 points' in home and "worth 0.60 EUR" in home
    assert "40 points have passed their expiry date" in home
    rewards = client.get(reverse("portal:rewards")).content.decode()
    assert "60 points</strong> to spend" in rewards
    assert "20 more points for Tote bag" in rewards.split("Coming within reach")[1]
    confirm = client.get(reverse("portal:redeem", args=[reward.pk])).content.decode()
    assert "You need 80 points and have 60" in confirm
    client.post(reverse("portal:redeem", args=[reward.pk]), {"token": "t" * 32})
    assert not Redemption.objects.filter(member=signed_in).exists()
