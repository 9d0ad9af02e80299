"""History, rewards, redemption with confirmation, codes, referrals and profile pages."""

import re
from datetime import date

from django.urls import reverse

from members.models import Member
from referrals.models import ReferralCode
from referrals.services import attach_referral
from rewards.models import Redemption
from rewards.redemptions.services import redeem_reward
from tests.factories import MemberFactory, RewardFactory
from tests.helpers import assert_ledger_consistent, balance

from .conftest import buy, login_member


def test_history_lists_every_entry_in_plain_words_on_pages(client, signed_in):
    for n in range(30):
        buy(signed_in, 10, order_id=f"{100 + n}")
    reward = RewardFactory(name="Free coffee", points_cost=50)
    redeem_reward(member_id=signed_in.pk, reward_id=reward.pk)
    first = client.get(reverse("portal:history")).content.decode()
    second = client.get(reverse("portal:history") + "?page=2").content.decode()
    assert "Redeemed for &quot;Free coffee&quot;" in first and "Page 1 of 2" in first
    assert "Purchase #100" in second
    assert first.count("<tr>") + second.count("<tr>") == 31 + 2  # entries + 2 header rows


def test_history_page_out_of_range_shows_the_last_page(client, signed_in):
    buy(signed_in, 10, order_id="X1")
    response = client.get(reverse("portal:history") + "?page=99")
    assert response.status_code == 200 and b"Purchase #X1" in response.content


def test_rewards_page_splits_what_the_member_can_afford_and_what_is_missing(client, signed_in):
    buy(signed_in, 120, order_id="R1")
    RewardFactory(name="Cheap", points_cost=100)
    RewardFactory(name="Dear", points_cost=500)
    RewardFactory(name="Gone", points_cost=10, stock=0)
    page = client.get(reverse("portal:rewards")).content.decode()
    now, later = page.split("Coming within reach")
    assert "Cheap" in now and "Dear" in later and "380 more points for Dear" in later
    assert "Gone" not in page


def test_redeem_asks_for_confirmation_before_spending(client, signed_in):
    buy(signed_in, 200, order_id="C1")
    reward = RewardFactory(name="Mug", points_cost=150)
    page = client.get(reverse("portal:redeem", args=[reward.pk])).content.decode()
    assert "Redeem Mug?" in page and "50 points left" in page
    assert balance(signed_in) == 200


def test_redeem_spends_the_points_and_shows_the_code(client, signed_in):
    buy(signed_in, 200, order_id="C2")
    reward = RewardFactory(name="Mug", points_cost=150)
    response = client.post(
        reverse("portal:redeem", args=[reward.pk]), {"token": "t" * 32}, follow=True
    )
    redemption = Redemption.objects.get(member=signed_in)
    assert redemption.code in response.content.decode()
    assert balance(signed_in) == 50
    assert_ledger_consistent()


def test_a_double_submit_of_the_redeem_form_spends_once(client, signed_in):
    buy(signed_in, 400, order_id="C3")
    reward = RewardFactory(points_cost=150)
    url = reverse("portal:redeem", args=[reward.pk])
    client.post(url, {"token": "same-token-1234567890"})
    client.post(url, {"token": "same-token-1234567890"})
    assert Redemption.objects.filter(member=signed_in).count() == 1
    assert balance(signed_in) == 250


def test_redeem_without_enough_points_says_why_and_spends_nothing(client, signed_in):
    buy(signed_in, 20, order_id="C4")
    reward = RewardFactory(points_cost=150)
    response = client.post(
        reverse("portal:redeem", args=[reward.pk]), {"token": "t" * 32}, follow=True
    )
    assert b"not enough points" in response.content
    assert balance(signed_in) == 20


def test_a_suspended_member_cannot_redeem(client, signed_in):
    buy(signed_in, 400, order_id="S1")
    Member.objects.filter(pk=signed_in.pk).update(status=Member.Status.SUSPENDED)
    reward = RewardFactory(points_cost=100)
    response = client.post(
        reverse("portal:redeem", args=[reward.pk]), {"token": "t" * 32}, follow=True
    )
    assert b"suspended and cannot redeem" in response.content
    assert Redemption.objects.count() == 0


def test_redeem_with_a_forged_token_is_refused(client, signed_in):
    buy(signed_in, 400, order_id="T1")
    reward = RewardFactory(points_cost=100)
    client.post(reverse("portal:redeem", args=[reward.pk]), {"token": "<x>"})
    assert Redemption.objects.count() == 0


def test_past_redemptions_are_listed_with_their_codes(client, signed_in):
    buy(signed_in, 400, order_id="L1")
    redemption = redeem_reward(member_id=signed_in.pk, reward_id=RewardFactory(name="Tote bag").pk)
    page = re.sub(
        r"<wbr>|</?span[^>]*>", "", client.get(reverse("portal:redemptions")).content.decode()
    )
    assert redemption.code in page and "Tote bag" in page


def test_referrals_page_shows_the_members_link_and_how_their_friends_did(client, signed_in):
    page = client.get(reverse("portal:referrals")).content.decode()
    code = ReferralCode.objects.get(member=signed_in).code
    assert f'value="http://testserver/r/{code}/"' in page
    assert "0 friends joined, 0 rewarded" in page and "data-copy" in page
    friend = MemberFactory(email="friend@example.com")
    attach_referral(referee_member_id=friend.pk, code=code, source="signup")
    assert "1 friend joined" in client.get(reverse("portal:referrals")).content.decode()


def test_profile_saves_name_birthday_and_preferences(client, signed_in):
    response = client.post(
        reverse("portal:profile"),
        {"first_name": "Ann", "last_name": "Lee", "birthday": "1990-05-17", "email_offers": "on"},
    )
    signed_in.refresh_from_db()
    assert response.status_code == 302
    assert (signed_in.last_name, signed_in.birthday) == ("Lee", date(1990, 5, 17))
    assert signed_in.email_offers and not signed_in.sms_offers


def test_a_birthday_once_set_cannot_be_moved_by_the_member(client, signed_in):
    Member.objects.filter(pk=signed_in.pk).update(birthday=date(1990, 5, 17))
    client.post(reverse("portal:profile"), {"first_name": "Ann", "birthday": "2000-01-01"})
    signed_in.refresh_from_db()
    assert signed_in.birthday == date(1990, 5, 17)


def test_a_birthday_in_the_future_is_refused(client, signed_in):
    response = client.post(reverse("portal:profile"), {"birthday": "2999-01-01"})
    assert b"The birthday must be in the past." in response.content
    signed_in.refresh_from_db()
    assert signed_in.birthday is None


def test_every_input_of_the_profile_form_has_a_label(client, signed_in):
    page = client.get(reverse("portal:profile")).content.decode()
    for name in ("first_name", "last_name", "birthday", "email_offers", "sms_offers"):
        assert f'<label for="id_{name}"' in page


def test_it_validates_ownership_another_members_code_is_not_found(client, signed_in, web):
    other = MemberFactory()
    buy(other, 300, order_id="O1")
    theirs = redeem_reward(member_id=other.pk, reward_id=RewardFactory().pk)
    response = client.get(reverse("portal:redemption", args=[theirs.pk]))
    assert response.status_code == 404
    assert theirs.code not in client.get(reverse("portal:redemptions")).content.decode()


def test_it_validates_ownership_the_profile_form_ignores_a_member_id(client, signed_in):
    other = MemberFactory(first_name="Zed")
    client.post(
        reverse("portal:profile"), {"first_name": "Hacked", "member_id": other.pk, "id": other.pk}
    )
    other.refresh_from_db()
    signed_in.refresh_from_db()
    assert other.first_name == "Zed" and signed_in.first_name == "Hacked"


def test_it_validates_ownership_members_cannot_open_staff_pages(client, signed_in):
    response = client.get(reverse("admin:members_member_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_it_validates_ownership_a_redeem_spends_only_the_signed_in_members_points(
    client, program, web
):
    other = MemberFactory()
    buy(other, 500, order_id="O2")
    me = login_member(client, "me@example.com")
    reward = RewardFactory(points_cost=100)
    client.post(
        reverse("portal:redeem", args=[reward.pk]), {"token": "t" * 32, "member_id": other.pk}
    )
    assert balance(other) == 500 and balance(me) == 0
    assert Redemption.objects.count() == 0
