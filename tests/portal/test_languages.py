"""The portal and the members' emails in English, German and French: the browser's language,
the member's choice (kept on the member, used for emails), numbers and dates in the locale."""

from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from members.models import Member
from members.signals import tier_changed
from rewards.messaging import send_member_email
from tests.factories import MemberFactory, TierFactory, UserFactory

from .conftest import buy


def test_the_portal_speaks_the_browsers_language(client, signed_in):
    buy(signed_in, 1234, order_id="D1")
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    assert '<html lang="de">' in page
    assert "Deine Punkte" in page and "1.234 Punkte" in page  # a German thousands separator
    assert "im Wert von 12,34 EUR" in page  # and decimal comma
    french = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Vos points" in french and "12,34" in french


def test_a_member_chooses_a_language_that_follows_them_and_their_emails(client, signed_in):
    response = client.post(reverse("language"), {"language": "fr", "next": "/rewards/"})
    assert response.status_code == 302 and response["Location"] == "/rewards/"
    signed_in.refresh_from_db()
    assert signed_in.language == "fr"
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Vos points" in page  # the member's choice wins over the browser

    context = {"code": "ABCD-EFGH", "reward_name": "Café", "redemption_path": "/x/"}
    message = send_member_email(member=signed_in, template="redemption_code", context=context)
    assert message.subject == "Votre code pour Café"
    assert "Présentez-le en caisse" in message.body


def test_an_unknown_language_or_a_foreign_next_page_changes_nothing(client, signed_in):
    response = client.post(reverse("language"), {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert Member.objects.get(pk=signed_in.pk).language == ""


def test_a_visitor_switches_the_public_page_with_a_cookie(client, program):
    client.post(reverse("language"), {"language": "de", "next": "/ways-to-earn/"})
    assert "Punkte sammeln und einlösen" in client.get(reverse("portal:ways")).content.decode()


def test_signing_in_keeps_the_members_language_on_a_new_device(client, program, web):
    user = UserFactory(email="de@example.com", password="Sturdy-pass-4821")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    MemberFactory(email=user.email, user=user, language="de")
    client.post("/accounts/login/", {"login": "de@example.com", "password": "Sturdy-pass-4821"})
    assert "Deine Punkte" in client.get("/").content.decode()


def test_a_german_members_tier_email_is_german(member, django_capture_on_commit_callbacks):
    Member.objects.filter(pk=member.pk).update(language="de")
    member.refresh_from_db()
    gold = TierFactory(name="Gold", benefits="Gratis Kaffee")
    with django_capture_on_commit_callbacks(execute=True):
        tier_changed.send(sender=Member, member=member, from_tier=None, to_tier=gold, reason="")
    (message,) = mail.outbox
    assert message.subject == "Willkommen bei Gold!"
    assert "Deine Vorteile:" in message.body and "Gratis Kaffee" in message.body
    assert "Gratis Kaffee" in message.alternatives[0][0]


def test_staff_pages_stay_english_whatever_the_browser(admin_client, program):
    page = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="en"' in page and "Log out" in page
