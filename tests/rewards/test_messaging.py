"""Emails to members: the product's templates, from the program, with the site's address."""

import pytest

from rewards.messaging import send_member_email
from tests.factories import MemberFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def send_code(member, **extra):
    context = {"code": "ABCD-EFGH", "reward_name": "Free coffee", "redemption_path": "/r/1/"}
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


def test_a_redemption_emails_its_code_once_committed(member, django_capture_on_commit_callbacks):
    from django.core import mail

    from rewards.adjustments.services import adjust_points
    from rewards.redemptions.services import redeem_reward
    from tests.factories import RewardFactory

    adjust_points(member_id=member.pk, points=500, reason="test")
    reward = RewardFactory(name="Tote bag", points_cost=100)
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        redemption = redeem_reward(member_id=member.pk, reward_id=reward.pk)
    assert mail.outbox == []  # nothing before the commit
    for callback in waiting:
        callback()
    (message,) = [m for m in mail.outbox if "Tote bag" in m.subject]
    assert message.to == [member.email] and redemption.code in message.body
    assert f"/redemptions/{redemption.pk}/" in message.body
