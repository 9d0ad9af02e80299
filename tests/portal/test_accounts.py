"""Sign-up with a referral link, rate-limited logins (portal and admin), production checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from members.models import Member
from referrals.models import Referral
from referrals.services import ensure_referral_code
from tests.factories import MemberFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]


def test_signup_keeps_the_referral_code_of_the_link_in_the_session(client, program):
    response = client.get("/accounts/signup/?ref=ANN42")
    assert response.status_code == 200 and b"invited by a friend" in response.content
    assert client.session["referral_code"] == "ANN42"


def test_a_malformed_referral_code_is_ignored(client, program):
    client.get("/accounts/signup/?ref=<script>")
    assert "referral_code" not in client.session


def test_a_new_members_first_page_records_the_referral_of_the_link_they_followed(client, program):
    from allauth.account.models import EmailAddress

    referrer = MemberFactory(email="referrer@example.com")
    code = ensure_referral_code(member_id=referrer.pk).code
    client.get(f"/accounts/signup/?ref={code}")
    user = UserFactory(email="friend@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    client.get("/")
    client.get("/")
    referral = Referral.objects.get()  # once: when the membership was created
    assert (referral.referrer, referral.referee.email) == (referrer, "friend@example.com")


def test_an_existing_customer_claiming_their_membership_is_not_a_referral(client, program):
    from allauth.account.models import EmailAddress

    referrer = MemberFactory(email="referrer@example.com")
    session = client.session
    session["referral_code"] = ensure_referral_code(member_id=referrer.pk).code
    session.save()
    Member.objects.create(email="old@example.com")  # imported, no login yet
    user = UserFactory(email="old@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    client.get("/")
    assert Member.objects.get(email="old@example.com").user == user
    assert not Referral.objects.exists()


def test_failed_portal_logins_are_rate_limited(client, program):
    UserFactory(email="ann@example.com")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "ann@example.com", "password": "bad"})
    response = client.post(
        reverse("account_login"),
        {"login": "ann@example.com", "password": "correct horse battery staple"},
    )
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_failed_admin_logins_are_rate_limited(client, program):
    UserFactory(email="boss@example.com", is_staff=True)
    for _ in range(5):
        response = client.post("/admin/login/", {"username": "boss@example.com", "password": "x"})
        assert response.status_code == 200
    response = client.post(
        "/admin/login/",
        {"username": "boss@example.com", "password": "correct horse battery staple"},
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_staff_still_sign_in_to_the_admin(client, program):
    UserFactory(email="boss@example.com", is_staff=True)
    response = client.post(
        "/admin/login/",
        {"username": "boss@example.com", "password": "correct horse battery staple"},
    )
    assert response.status_code == 302


def test_it_validates_ownership_signing_up_with_someone_elses_email_claims_nothing(client, program):
    Member.objects.create(email="victim@example.com")
    client.post(
        "/accounts/signup/",
        {"email": "victim@example.com", "password1": "A-long-pass-9", "password2": "A-long-pass-9"},
    )
    assert Member.objects.get(email="victim@example.com").user is None


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "loyalty.example.com",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/confirm-email/",
    ],
)
def test_account_pages_use_the_projects_layout(client, program, url):
    page = client.get(url).content.decode()
    assert "css/site.css" in page and "Skip to the content" in page
    assert "<strong>Menu:</strong>" not in page  # allauth's bare default layout


def test_the_sign_out_page_uses_the_projects_layout(client, program):
    client.force_login(UserFactory())
    page = client.get("/accounts/logout/").content.decode()
    assert "css/site.css" in page and 'class="button primary"' in page


def test_a_staff_login_does_not_join_the_program_by_opening_the_portal(client, program):
    from allauth.account.models import EmailAddress

    staff = UserFactory(email="boss@example.com", is_staff=True)
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    client.force_login(staff)
    client.get("/")
    assert not Member.objects.filter(email="boss@example.com").exists()


def test_a_refused_referral_does_not_stop_the_new_member_joining(client, program):
    from allauth.account.models import EmailAddress

    referrer = MemberFactory(email="s.elf@gmail.com")  # the same Gmail box: a self-referral
    session = client.session
    session["referral_code"] = ensure_referral_code(member_id=referrer.pk).code
    session.save()
    user = UserFactory(email="self@gmail.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    assert client.get("/").status_code == 200
    assert Member.objects.get(email="self@gmail.com").user == user
    assert not Referral.objects.exists()


def test_a_forgotten_password_is_reset_through_the_emailed_link(client, program, mailoutbox):
    import re

    user = UserFactory(email="forgetful@example.com")
    client.post("/accounts/password/reset/", {"email": user.email})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mailoutbox[-1].body)
    form_page = client.get(link.group(1), follow=True)
    assert b"css/site.css" in form_page.content
    client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1),
        {"password1": "Brand-new-pass-77", "password2": "Brand-new-pass-77"},
    )
    user.refresh_from_db()
    assert user.check_password("Brand-new-pass-77")
