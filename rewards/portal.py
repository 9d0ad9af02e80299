"""The member portal's points pages: home, history, rewards, redemptions, referrals, closing.

They live in rewards, not members, because they read the ledger, the catalog and the
redemptions (rewards may import members; members imports no other app). The tier and
referral sections come from other apps through ``optional()``: the page shows them
when those apps provide ``members.selectors.tier_progress`` and
``referrals.selectors.referral_summary``, and hides them otherwise.
"""

import importlib
import logging
import re
import secrets
from functools import wraps

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Min, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe

from loyalty.errors import ApplicationError
from members.models import Member
from members.views import member_for

from . import services
from .ledger import spendable_points
from .models import LedgerEntry, PointLot, Program, Redemption, Reward
from .selectors import expiring_soon

log = logging.getLogger(__name__)

PAGE_SIZE = 25
FORM_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


# ---------------------------------------------------------------- optional sections


def optional(module_name: str, name: str):
    """A function of another app if that app provides it, else None (the section hides)."""
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, name, None)


def _first(data: dict, *keys, default=None):
    for key in keys:
        if data.get(key) not in (None, ""):
            return data[key]
    return default


def tier_section(member: Member) -> dict | None:
    """The tier and the progress to the next one, for ``portal/_tier.html``."""
    tier_progress = optional("members.selectors", "tier_progress")
    if tier_progress is None:
        return None
    data = dict(tier_progress(member) or {})
    if not data:
        return None
    measure = _first(data, "measure", "measure_value", "value", default=0) or 0
    missing = _first(data, "missing", "missing_amount", "remaining", default=0) or 0
    percent = _first(data, "percent", "progress_percent", "progress")
    if percent is None:
        total = measure + missing
        percent = 100 if not total else int(100 * measure / total)
    return {
        **data,
        "current": _first(data, "tier_name", "current_tier_name", "current_tier", "tier"),
        "next": _first(data, "next_tier_name", "next_tier", "next"),
        "measure": measure,
        "missing": missing,
        "unit": _first(data, "unit", "measure_unit", default=""),
        "percent": max(0, min(100, int(percent))),
        "period_end": _first(data, "period_end", "window_end", "until"),
    }


def referral_section(request, member: Member) -> dict | None:
    """The member's referral link and counts, for ``portal/_referrals.html``."""
    referral_summary = optional("referrals.selectors", "referral_summary")
    if referral_summary is None:
        return None
    data = dict(referral_summary(member) or {})
    if not data:
        return None
    path = _first(data, "link_path", "path", "link", default="")
    return {
        **data,
        "code": _first(data, "code", default=""),
        "link": request.build_absolute_uri(path) if path else "",
        "joined": _first(data, "joined", "friends_joined", default=0),
        "rewarded": _first(data, "rewarded", "friends_rewarded", default=0),
    }


def _apply_referral(request, member: Member) -> None:
    apply = optional("referrals.services", "apply_referral_from_session")
    if apply is not None and request.session.get("referral_code"):
        try:
            apply(request, member)
        except ApplicationError as exc:  # e.g. a self-referral: the member joins all the same
            log.info("referral not recorded for member %s: %s", member.pk, exc.message)


# ---------------------------------------------------------------- member card


def card_code(member: Member) -> str:
    """The code a till scans to find the member (``GET /api/v1/members/lookup/?card_code=``).

    Random and unguessable (``Member.card_code``), so nobody can reach another member's
    card by changing a number.
    """
    return member.card_code


def qr_svg(text: str, *, title: str) -> str:
    """An inline SVG QR code, drawn on the server (no script, no CDN)."""
    svg = segno.make(text, error="m").svg_inline(
        scale=4, title=title, dark="#000", light="#fff", svgclass="qr", lineclass=None
    )
    # role=img makes screen readers announce the <title> instead of skipping the drawing.
    svg = svg.replace("<svg ", '<svg role="img" ', 1)
    return mark_safe(svg)  # noqa: S308 - segno's own output; the text is escaped by segno


# ---------------------------------------------------------------- pages


def portal_page(view=None, *, closed_ok: bool = False):
    """Signed in, with a membership (claimed or created on the first visit), else a notice.

    A closed membership sees only the pages marked ``closed_ok`` (the home page says so).
    """
    if view is None:
        return lambda func: portal_page(func, closed_ok=closed_ok)

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        member, created = member_for(request)
        if created:
            _apply_referral(request, member)
        if member is None:
            return render(request, "portal/no_member.html")
        if member.status == Member.Status.CLOSED and not closed_ok:
            return redirect("portal:home")
        return view(request, member, *args, **kwargs)

    return wrapper


def _context(member: Member, **extra) -> dict:
    return {
        "member": member,
        "referrals_enabled": optional("referrals.selectors", "referral_summary") is not None,
        **extra,
    }


def _spendable(member: Member) -> int:
    # A debt shows as a negative balance; otherwise lots past their expiry do not count.
    return min(member.points_balance, spendable_points(member))


@portal_page(closed_ok=True)
def home(request, member):
    if member.status == Member.Status.CLOSED:
        return render(request, "portal/home.html", _context(member, closed=True))
    program = Program.get()
    spendable = _spendable(member)
    pending_until = None
    if member.pending_points:
        pending_until = PointLot.objects.filter(
            member=member, status=PointLot.Status.PENDING, remaining__gt=0
        ).aggregate(first=Min("available_at"))["first"]
    expiring = expiring_soon(member, days=30)
    code = card_code(member)
    context = _context(
        member,
        program=program,
        spendable=spendable,
        spendable_value=program.points_value(max(spendable, 0)),
        pending_until=pending_until,
        expiring_points=sum(row["points"] for row in expiring),
        expiring_first=expiring[0]["expires_at"] if expiring else None,
        expiring_first_points=expiring[0]["points"] if expiring else 0,
        tier=tier_section(member),
        card_code=code,
        card_qr=qr_svg(code, title="Your member card"),
        recent=list(LedgerEntry.objects.filter(member=member).order_by("-effective_at", "-pk")[:5]),
    )
    return render(request, "portal/home.html", context)


@portal_page
def history(request, member):
    entries = LedgerEntry.objects.filter(member=member).order_by("-effective_at", "-pk")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/history.html", _context(member, page=page))


def _catalog():
    now = timezone.now()
    return (
        Reward.objects.filter(active=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=now))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .exclude(stock=0)
        .order_by("points_cost", "name")
    )


@portal_page
def rewards(request, member):
    spendable = _spendable(member)
    affordable, later = [], []
    for reward in _catalog():
        if reward.points_cost <= spendable:
            affordable.append(reward)
        else:
            later.append((reward, reward.points_cost - spendable))
    context = _context(member, spendable=spendable, affordable=affordable, later=later)
    return render(request, "portal/rewards.html", context)


@portal_page
def redeem(request, member, reward_id):
    """Confirm, then redeem. The form's token is the idempotency key: a double submit
    (or a reload of the POST) returns the first redemption instead of paying twice."""
    reward = get_object_or_404(_catalog(), pk=reward_id)
    if request.method == "POST":
        token = request.POST.get("token", "")
        if not FORM_TOKEN.match(token):
            messages.error(request, "The form expired. Please confirm again.")
            return redirect("portal:redeem", reward_id=reward.pk)
        try:
            redemption = services.redeem_reward(
                member_id=member.pk,
                reward_id=reward.pk,
                idempotency_key=f"portal:{member.pk}:{token}",
            )
        except ApplicationError as exc:
            messages.error(request, f"Not redeemed: {exc.message}.")
            return redirect("portal:rewards")
        messages.success(request, f"Done! Your code for {reward.name} is {redemption.code}.")
        return redirect("portal:redemption", redemption_id=redemption.pk)
    spendable = _spendable(member)
    context = _context(
        member,
        reward=reward,
        spendable=spendable,
        after=spendable - reward.points_cost,
        token=secrets.token_urlsafe(24),
    )
    return render(request, "portal/redeem.html", context)


@portal_page
def redemptions(request, member):
    rows = Redemption.objects.filter(member=member).select_related("reward")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/redemptions.html", _context(member, page=page))


@portal_page
def redemption(request, member, redemption_id):
    # Filtered by member: another member's redemption id is a 404, as if it did not exist.
    found = get_object_or_404(
        Redemption.objects.select_related("reward"), pk=redemption_id, member=member
    )
    qr = qr_svg(found.code, title=f"Code {found.code}") if found.status == "issued" else None
    return render(request, "portal/redemption.html", _context(member, redemption=found, qr=qr))


@portal_page
def referrals(request, member):
    section = referral_section(request, member)
    return render(request, "portal/referrals.html", _context(member, referrals=section))


@portal_page
def close(request, member):
    """Close the membership after an explicit confirmation; the points are forfeited."""
    issued = list(Redemption.objects.filter(member=member, status=Redemption.Status.ISSUED))
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            error = "Tick the box to confirm that you want to close your membership."
        else:
            try:
                services.close_membership(member_id=member.pk, user=request.user)
            except ApplicationError as exc:
                error = exc.message
            else:
                logout(request)
                return render(request, "portal/closed.html")
    context = _context(member, issued=issued, error=error, spendable=_spendable(member))
    return render(request, "portal/close.html", context, status=400 if error else 200)
