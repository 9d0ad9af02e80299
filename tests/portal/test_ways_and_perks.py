"""Ways to earn (public and signed in), locked rewards, the invite page's offer and sharing,
the brand's CSS and logo."""

from decimal import Decimal

import pytest
from django.urls import reverse

from referrals.models import ReferralSettings
from rewards.brand import set_logo
from rewards.models import ActionRule, EarnRule, Program
from tests.factories import EarnRuleFactory, MemberFactory, RewardFactory, TierFactory

from .conftest import buy

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture
def offer(program):
    ReferralSettings.objects.create(
        referrer_points=500, referee_points=250, min_qualifying_amount=Decimal("20.00")
    )


def test_ways_to_earn_is_public_and_lists_every_way(client, program, offer):
    gold = TierFactory(name="Gold", rank=2, earn_multiplier=Decimal("1.5"), benefits="Free tea")
    EarnRuleFactory(name="Weekend", weekdays="6,7", multiplier=Decimal("2"))
    EarnRuleFactory(name="Old", active=False)
    rule = EarnRuleFactory(name="Gold Tuesday", kind=EarnRule.Kind.BONUS, bonus_points=30)
    rule.tiers.set([gold])
    ActionRule.objects.create(
        name="Product review", code="review", points=25, limit="month", limit_count=3
    )
    RewardFactory(name="Free coffee", points_cost=100)

    page = client.get(reverse("portal:ways")).content.decode()

    assert "1 point per 1.00 EUR" in page
    assert "Weekend" in page and "2× points" in page and "Saturday, Sunday" in page
    assert "Old" not in page
    assert "Gold Tuesday" in page and "+30 bonus points" in page and "for Gold members" in page
    assert "Product review" in page and "up to 3 times a month" in page
    assert "1.5× points on purchases" in page and "Free tea" in page
    assert "Your friend gets <strong>250 points</strong>" in page and "20.00 EUR" in page
    assert "Free coffee" in page and "more points for" not in page  # no progress: not signed in
    assert "Join now" in page


def test_a_member_sees_how_far_each_reward_is(client, signed_in):
    buy(signed_in, 60, order_id="W1")
    RewardFactory(name="Free coffee", points_cost=100)
    page = client.get(reverse("portal:ways")).content.decode()
    assert "40 more points for Free coffee" in page
    assert 'value="60"' in page  # the progress bar


def test_a_reward_reserved_to_another_tier_shows_locked_with_what_unlocks_it(client, signed_in):
    gold = TierFactory(name="Gold", rank=2, threshold=Decimal("10000"))
    buy(signed_in, 500, order_id="L1")
    reward = RewardFactory(name="Tasting", points_cost=100)
    reward.tiers.set([gold])
    page = client.get(reverse("portal:rewards")).content.decode()
    locked = page.split("Unlocked by a higher tier")[1]
    assert "Tasting" in locked and "Reserved to Gold members." in locked
    assert reverse("portal:redeem", args=[reward.pk]) not in page
    client.post(reverse("portal:redeem", args=[reward.pk]), {"token": "x" * 32})
    assert not signed_in.redemptions.exists()


def test_the_invite_page_states_both_rewards_and_ways_to_share(client, signed_in, offer):
    page = client.get(reverse("portal:referrals")).content.decode()
    assert "Your friend gets <strong>250 points</strong>" in page
    assert "You get <strong>500 points</strong>" in page
    assert "at least 20.00 EUR" in page
    for share in ("mailto:?subject=", "https://wa.me/?text=", "sms:?&amp;body=", "data-share"):
        assert share in page
    assert "/r/" in page.split("https://wa.me/?text=")[1].split('"')[0]


def test_the_friends_landing_page_says_what_they_get(client, program, offer):
    from referrals.services import ensure_referral_code

    code = ensure_referral_code(member_id=MemberFactory().pk).code
    page = client.get(reverse("referrals:link", args=[code]), follow=True).content.decode()
    assert "get 250 points with your first purchase of 20.00 EUR or more" in page


def test_the_brand_css_carries_the_programs_colours_and_a_readable_text(client, program):
    program.brand_color = "#ffd166"  # light: black text on it, darker links on white
    program.save()
    css = client.get(reverse("brand_css"))
    body = css.content.decode()
    assert css["Content-Type"].startswith("text/css") and "max-age" in css["Cache-Control"]
    assert "--accent: #ffd166" in body and "--on-accent: #000000" in body
    assert "--link: #ffd166" not in body
    page = client.get(reverse("portal:ways")).content.decode()
    assert f'href="/brand.css?v={Program.get().updated_at:%s}' in page or "/brand.css?v=" in page
    assert "Test program" in page  # the program's name in the header


def test_the_logo_is_served_and_shown_and_a_non_image_is_refused(client, program):
    assert client.get(reverse("brand_logo")).status_code == 404
    set_logo(data=PNG)
    logo = client.get(reverse("brand_logo"))
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert "/brand/logo?v=" in client.get(reverse("portal:ways")).content.decode()
    from loyalty.errors import ApplicationError

    with pytest.raises(ApplicationError, match="PNG, JPEG or WebP"):
        set_logo(data=b"<svg onload=alert(1)>")


def test_it_validates_ownership_the_ways_page_shows_only_the_members_own_points(client, signed_in):
    other = MemberFactory()
    buy(other, 900, order_id="O1")
    buy(signed_in, 10, order_id="M1")
    RewardFactory(name="Free coffee", points_cost=100)
    page = client.get(reverse("portal:ways")).content.decode()
    assert "90 more points for Free coffee" in page and "900" not in page


def test_the_profile_asks_for_a_phone_only_when_the_program_sends_texts(client, signed_in):
    assert b'name="phone"' not in client.get(reverse("portal:profile")).content
    Program.objects.update(offers_sms=True)
    assert b'name="phone"' in client.get(reverse("portal:profile")).content
    data = {"first_name": "Ann", "last_name": "B", "phone": "0151 1234"}
    response = client.post(reverse("portal:profile"), data)
    assert "Start the phone number with + and the country code" in response.content.decode()
    data["phone"] = "+49 151 1234 5678"
    client.post(reverse("portal:profile"), data)
    signed_in.refresh_from_db()
    assert signed_in.phone == "+4915112345678"


def test_staff_upload_a_logo_on_the_program_and_a_script_is_refused(admin_client, program):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.forms.models import model_to_dict

    url = reverse("admin:rewards_program_change", args=[program.pk])
    data = {k: v for k, v in model_to_dict(program).items() if v is not None and k != "id"}
    data["brand_color"] = "#123456"
    bad = SimpleUploadedFile("logo.svg", b"<svg onload=alert(1)>", "image/svg+xml")
    response = admin_client.post(url, {**data, "logo_upload": bad})
    assert "PNG, JPEG or WebP" in response.content.decode()
    assert Program.get().logo is None and Program.get().brand_color != "#123456"
    good = SimpleUploadedFile("logo.png", PNG, "image/png")
    response = admin_client.post(url, {**data, "logo_upload": good})
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = Program.get()
    assert bytes(saved.logo) == PNG and saved.logo_type == "image/png"
    assert saved.brand_color == "#123456"
