"""A member's whole journey in a real browser: join with a referral link, verify, earn, redeem."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sessions.backends.db import SessionStore

from members.models import Member, User
from referrals.selectors import referral_summary
from referrals.services import ensure_referral_code
from rewards.adjustments.services import adjust_points
from rewards.models import Redemption
from rewards.redemptions.services import redeem_reward
from tests.factories import ChannelFactory, MemberFactory, ProgramFactory, RewardFactory

PASSWORD = "Sturdy-pass-4821"


@pytest.fixture
def shop(transactional_db):
    ProgramFactory()
    ChannelFactory(code="web", name="Web shop")
    RewardFactory(name="Free coffee", points_cost=100)
    User.objects.create_superuser(email="staff@example.com", password=PASSWORD)


def sign_up_and_verify(page, mailoutbox, email, ref):
    page.goto(f"/accounts/signup/?ref={ref}")
    assert page.get_by_text("invited by a friend").is_visible()
    page.locator("#id_email").fill(email)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()
    session_key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    assert SessionStore(session_key=session_key).get("referral_code") == ref

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name=re.compile("^Hello")).wait_for()


def staff_records_a_purchase(new_page, email, order_id, amount):
    staff = new_page()
    staff.goto("/admin/login/")
    staff.locator("#id_username").fill("staff@example.com")
    staff.locator("#id_password").fill(PASSWORD)
    staff.locator("input[type=submit]").click()
    staff.goto("/admin/rewards/purchase/add/")
    staff.locator("#id_channel").select_option("web")
    staff.locator("#id_order_id").fill(order_id)
    staff.locator("#id_member_email").fill(email)
    staff.locator("#id_amount").fill(amount)
    staff.locator("input[type=submit]").click()
    staff.wait_for_url(re.compile(r"/admin/rewards/purchase/\d+/change/"))


def test_a_member_joins_earns_redeems_and_sees_only_their_own_data(new_page, shop, mailoutbox):
    other = MemberFactory(email="someone.else@example.com")
    adjust_points(member_id=other.pk, points=500, reason="welcome")
    theirs = redeem_reward(
        member_id=other.pk, reward_id=RewardFactory(name="Their mug", points_cost=50).pk
    )
    page = new_page()

    sign_up_and_verify(page, mailoutbox, "new.member@example.com", "FRIEND1")
    sign_in(page, "new.member@example.com")
    assert page.get_by_test_id("balance").inner_text() == "0 points"
    assert page.get_by_test_id("card-code").inner_text()

    staff_records_a_purchase(new_page, "new.member@example.com", "E2E-1", "125.00")
    page.reload()
    assert page.get_by_test_id("balance").inner_text() == "125 points"

    page.get_by_role("link", name="Rewards", exact=True).click()
    page.get_by_role("link", name="Redeem Free coffee").click()
    page.get_by_role("button", name="Yes, redeem it").click()
    code = page.get_by_test_id("redemption-code").inner_text()
    member = Member.objects.get(email="new.member@example.com")
    assert Redemption.objects.get(member=member).code == code

    page.get_by_role("link", name="History").click()
    history = page.locator("main").inner_text()
    assert 'Redeemed for "Free coffee"' in history and "Purchase #E2E-1" in history

    response = page.goto(f"/redemptions/{theirs.pk}/")
    assert response.status == 404
    assert theirs.code not in page.content()
    page.goto(f"/admin/members/member/{other.pk}/change/")
    assert "/admin/login/" in page.url

    page.goto("/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.goto("/")
    assert "/accounts/login/" in page.url


def test_signing_up_with_a_referral_link_records_the_referral(new_page, shop, mailoutbox):
    referrer = MemberFactory(email="referrer@example.com")
    code = ensure_referral_code(member_id=referrer.pk).code
    page = new_page()
    sign_up_and_verify(page, mailoutbox, "friend@example.com", code)
    sign_in(page, "friend@example.com")
    assert referral_summary(referrer).friends_joined == 1


def test_the_home_page_fits_a_phone_screen(new_page, shop):
    user = User.objects.create_user(email="phone@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    member = MemberFactory(email=user.email, user=user, first_name="Pat")
    adjust_points(member_id=member.pk, points=1234, reason="welcome")
    page = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    sign_in(page, user.email)
    for path in ("/", "/history/", "/rewards/", "/profile/"):
        page.goto(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to the content"  # the keyboard reaches the content first
