"""Emails to members: the product's templates, from the program, with the site's address."""

import pytest

from rewards.messaging import send_member_email
from rewards.models import Redemption
from tests.factories import MemberFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def send_code(member, **extra):
    code = Redemption(code="ABCD-EFGH", points=100)
    context = {"redemption": code, "reward_name": "Free coffee", "redemption_path": "/r/1/"}
    return send_member_email(member=member, template="redemption_code", context=context, **extra)


def test_a_member_email_comes_from_the_program_with_html_and_text(mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "rewards@shop.example"
    settings.SITE_URL = "https://club.shop.example/"
    ProgramFactory(name="Bean Club")
    member = MemberFactory(first_name="Ada", email="ada@example.com")

    send_code(member)

    (message,) = mailoutbox
    assert message.from_email == "Bean Club <rewards@shop.example>"
    assert message.to == ["ada@example.com"]
    assert message.subject == "Your code for Free coffee"
    assert "Hello Ada," in message.body and "ABCD-EFGH" in message.body
    assert "https://club.shop.example/r/1/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Bean Club" in html and "ABCD-EFGH" in html and "127.0.0.1" not in html


def test_the_sender_keeps_only_the_address_of_a_named_default_from(mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "Shop <noreply@shop.example>"
    ProgramFactory(name="Bean Club")
    send_code(MemberFactory())
    assert mailoutbox[0].from_email == "Bean Club <noreply@shop.example>"
