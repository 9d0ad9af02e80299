"""Lifecycle messages go out in the member's language, from the program's sender."""

from email.header import decode_header, make_header
from email.utils import parseaddr

import pytest
from django.core import mail

from campaigns.models import MessageKind, MessageSend, MessageTemplate
from campaigns.sending import send_queued
from rewards.models import Program
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_a_message_is_sent_in_the_members_language_from_the_programs_sender(settings):
    settings.DEFAULT_FROM_EMAIL = "points@shop.example"
    program = Program.get()
    program.email_sender_name = "Café Rewards"
    program.save()
    MessageTemplate.objects.create(
        kind=MessageKind.WELCOME,
        language="de",
        subject="Willkommen",
        body="Hallo {{ member.first_name }}",
    )
    german = MemberFactory(language="de", email_offers=True)
    english = MemberFactory(language="en", email_offers=True)
    for member in (german, english):
        MessageSend.objects.create(member=member, kind=MessageKind.WELCOME, event_key="welcome")
    send_queued()
    by_to = {m.to[0]: m for m in mail.outbox}
    assert by_to[german.email].subject == "Willkommen"
    assert by_to[english.email].subject != "Willkommen"
    name, address = parseaddr(by_to[german.email].from_email)
    assert (str(make_header(decode_header(name))), address) == (
        "Café Rewards",
        "points@shop.example",
    )
