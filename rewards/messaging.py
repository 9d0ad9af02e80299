"""The one way to email a member: the product's own templates, in the member's language,
from the program's name, with links to the site's real address.

Every message to a member (expiry reminders, redemption codes, tier changes, referral
rewards, and the campaigns' lifecycle messages) goes through ``send_member_email``.
A message ``name`` is three templates: ``emails/<name>/subject.txt``,
``emails/<name>/body.txt`` and ``emails/<name>/body.html`` (the HTML extends
``emails/base.html``, which carries the program's name, logo and colours).
"""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from members.models import Member

from .brand import palette
from .models import Program


def site_url() -> str:
    """The site's address for links in emails (``SITE_URL``), without a trailing slash."""
    return settings.SITE_URL.rstrip("/")


def sender(program: Program) -> str:
    """``Sender name <address>``: the address of ``DEFAULT_FROM_EMAIL``, the name set on the
    program (its own name by default)."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    return formataddr((program.sender_name, address))


def brand_context(program: Program) -> dict:
    """What every email template gets: the program, its colours, the site's address."""
    return {"program": program, "brand": palette(program), "site_url": site_url()}


def member_language(member: Member) -> str:
    return member.language or settings.LANGUAGE_CODE


def render_member_email(
    *, member: Member, template: str, context: dict | None = None
) -> EmailMultiAlternatives:
    """The message, rendered in the member's language, not yet sent."""
    program = Program.get()
    full = {"member": member, **brand_context(program), **(context or {})}
    with translation.override(member_language(member)):
        subject = render_to_string(f"emails/{template}/subject.txt", full)
        text = render_to_string(f"emails/{template}/body.txt", full)
        html = render_to_string(f"emails/{template}/body.html", full)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # one line, whatever the template's layout
        body=text.strip() + "\n",
        from_email=sender(program),
        to=[member.email],
    )
    message.attach_alternative(html, "text/html")
    return message


def send_member_email(
    *, member: Member, template: str, context: dict | None = None, connection=None
) -> EmailMultiAlternatives:
    """Render ``template`` for ``member`` in their language and send it (HTML and text).

    ``context`` adds to ``member``, ``program`` and ``site_url``; ``connection`` reuses
    an open mail connection (a job sending many). The sent message is returned.
    """
    message = render_member_email(member=member, template=template, context=context)
    message.connection = connection
    message.send()
    return message
