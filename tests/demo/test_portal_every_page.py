"""Every demo member opens every portal page; a new customer signs up, verifies and lands home.

No stub: the demo data is loaded by ``load_demo`` and every page runs the real code.
"""

import re

from allauth.account.models import EmailAddress
from django.urls import reverse

from campaigns.unsubscribe import token_for
from loyalty.demo import personas
from members.models import Member
from rewards.models import Redemption, Reward
from tests.factories import UserFactory

from .conftest import collect


def pages_of(member: Member) -> list[str]:
    reward = Reward.objects.filter(active=True).order_by("points_cost").first()
    pages = [
        reverse("portal:home"),
        reverse("portal:history"),
        reverse("portal:history") + "?page=2",
        reverse("portal:rewards"),
        reverse("portal:redeem", args=[reward.pk]),
        reverse("portal:redemptions"),
        reverse("portal:referrals"),
        reverse("portal:profile"),
        reverse("portal:data"),
        reverse("portal:close"),
        reverse("campaigns:unsubscribe", args=[token_for(member.pk)]),  # from any email
    ]
    code = Redemption.objects.filter(member=member).first()
    if code is not None:
        pages.append(reverse("portal:redemption", args=[code.pk]))
    return pages


def sign_in(client, member: Member):
    """The member's own login, or (for a customer who never signed up) a verified new one,
    which claims the membership on its first page, as a real sign-up would."""
    user = member.user
    if user is None:
        user = UserFactory(email=member.email)
        EmailAddress.objects.create(user=user, email=member.email, verified=True, primary=True)
    client.force_login(user)


def test_every_demo_member_opens_every_portal_page(client, demo):
    failures, opened = [], 0
    members = Member.objects.exclude(status=Member.Status.CLOSED).order_by("pk")
    for member in members:
        sign_in(client, member)
        for url in pages_of(member):
            response = collect(failures, f"{member.email} {url}", lambda u=url: client.get(u))
            opened += 1
            if response is not None and response.status_code != 200:
                failures.append(f"{member.email} {url}: {response.status_code}")
        client.logout()
    assert failures == []
    assert members.count() >= 20 and opened >= 10 * members.count()


def test_the_demo_members_see_the_states_they_were_made_for(client, demo):
    def home_of(login):
        assert client.login(email=login.email, password=login.password), login.email
        return client.get("/").content.decode()

    maria = home_of(personas.MARIA)
    assert "Your tier: Gold VIP" in maria and "top tier" in maria
    silver = home_of(personas.SILVER)
    assert "Your tier: Silver" in silver and "to reach Gold VIP" in silver
    assert re.search(r"\d+ points pending", silver) and "expire within 30 days" in silver
    new = home_of(personas.NEW)
    assert "Your tier: Member" in new and "to reach Regular" in new
    assert "-" in re.search(r'data-testid="balance">([^<]*)<', home_of(personas.DEBT)).group(1)
    assert "suspended" in home_of(personas.SUSPENDED)
    assert "Your tier: Club (paid)" in home_of(personas.CLUB)


def test_the_closed_demo_member_can_no_longer_sign_in(client, demo):
    closed = personas.CLOSED
    assert Member.objects.get(email=closed.email).status == Member.Status.CLOSED
    assert not client.login(email=closed.email, password=closed.password)
    assert client.get("/").status_code == 302  # to the sign-in page


def test_it_validates_ownership_a_demo_member_sees_only_their_own_codes(client, demo):
    maria = Member.objects.get(email=personas.MARIA.email)
    theirs = Redemption.objects.exclude(member=maria).first()
    client.login(email=personas.MARIA.email, password=personas.MARIA.password)
    assert client.get(reverse("portal:redemption", args=[theirs.pk])).status_code == 404
    assert theirs.code not in client.get(reverse("portal:redemptions")).content.decode()


def test_a_new_customer_signs_up_verifies_their_email_and_lands_on_their_home(
    client, demo, mailoutbox
):
    password = "Sturdy-pass-4821"
    response = client.post(
        "/accounts/signup/",
        {"email": "walk.in@example.com", "password1": password, "password2": password},
    )
    assert response.status_code == 302
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", mailoutbox[-1].body)
    assert client.get(link.group(1)).status_code == 200
    assert client.post(link.group(1)).status_code == 302
    assert client.login(email="walk.in@example.com", password=password)
    home = client.get("/")
    page = home.content.decode()
    assert home.status_code == 200 and "Your points" in page
    assert "to reach Regular" in page  # below the lowest tier, with its progress
    for url in pages_of(Member.objects.get(email="walk.in@example.com")):
        assert client.get(url).status_code == 200, url
