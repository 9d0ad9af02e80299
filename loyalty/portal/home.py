"""The portal's home page: points, pending, expiring soon, the tier, the member card."""

import segno
from django.db.models import Min
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from members.models import Member
from rewards.models import LedgerEntry, PointLot, Program
from rewards.selectors import member_balance
from rewards.tiers.selectors import tier_progress

from .access import portal_page


def card_code(member: Member) -> str:
    """The code a till scans to find the member (``GET /api/v1/members/lookup/?card_code=``).

    Random and unguessable (``Member.card_code``), so nobody can reach another member's
    card by changing a number.
    """
    return member.card_code


def qr_svg(text: str, *, title: str) -> str:
    """An inline SVG QR code, drawn on the server (no script, no CDN)."""
    svg = segno.make(text, error="m").svg_inline(
        scale=4,
        border=4,  # the quiet zone of four modules that scanners need
        title=title,
        dark="#000",
        light="#fff",
        svgclass="qr",
        lineclass=None,
        omitsize=True,  # a viewBox: the CSS sizes it
    )
    # role=img makes screen readers announce the <title> instead of skipping the drawing.
    svg = svg.replace("<svg ", '<svg role="img" ', 1)
    return mark_safe(svg)  # noqa: S308 - segno's own output; the text is escaped by segno


@portal_page(closed_ok=True)
def home(request, member):
    if member.status == Member.Status.CLOSED:
        return render(request, "portal/home.html", {"member": member, "closed": True})
    program = Program.get()
    balance = member_balance(member)
    pending_until = None
    if balance.pending:
        pending_until = PointLot.objects.filter(
            member=member, status=PointLot.Status.PENDING, remaining__gt=0
        ).aggregate(first=Min("available_at"))["first"]
    code = card_code(member)
    context = {
        "member": member,
        "program": program,
        "balance": balance,
        "spendable_value": program.points_value(balance.spendable),
        "pending_until": pending_until,
        "expiring_points": sum(row.points for row in balance.expiring),
        "expiring_first": balance.expiring[0] if balance.expiring else None,
        "tier": tier_progress(member),
        "card_code": code,
        "card_qr": qr_svg(code, title=_("Your member card")),
        "recent": list(
            LedgerEntry.objects.filter(member=member).order_by("-effective_at", "-pk")[:5]
        ),
    }
    return render(request, "portal/home.html", context)
