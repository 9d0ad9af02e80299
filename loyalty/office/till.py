"""The till screen: staff serve the customer in front of them.

Scan (or type) a member card code, an email or an external customer id, then record a
purchase with its lines, redeem a reward or points, or accept a code the member shows.
A barcode scanner is a keyboard: it types the code and presses Enter, which submits the
look-up form. Every write goes through the same services as the API (``record_purchase``,
``redeem_reward``, ``redeem_points``, ``use_redemption``); a refusal is shown in the
service's words and nothing is written.

Who may use it: staff with the permission to add purchases (record), add redemptions
(redeem) or change redemptions (accept a code); a staff user with none of them gets 403.
"""

import secrets
from decimal import Decimal, InvalidOperation
from itertools import zip_longest

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from loyalty.errors import ApplicationError
from members.models import Member
from members.selectors import find_member
from rewards.guide import available_rewards
from rewards.models import Channel
from rewards.purchases.recording import record_purchase
from rewards.redemptions.services import redeem_points, redeem_reward, use_redemption
from rewards.selectors import member_balance, redemption_by_code

PERMS = {
    "purchase": "rewards.add_purchase",
    "redeem": "rewards.add_redemption",
    "use": "rewards.change_redemption",
}
LINE_ROWS = 3  # line rows shown; the page's script adds more
CHANNEL_KEY = "till_channel"  # the till's channel, remembered for the next customer


def _may(request) -> dict[str, bool]:
    return {name: request.user.has_perm(perm) for name, perm in PERMS.items()}


def _require(request, what: str) -> None:
    if not request.user.has_perm(PERMS[what]):
        raise PermissionDenied


def _till_url(member: Member | None = None, **params) -> str:
    query = {"member": member.pk} if member else {}
    query.update(params)
    return reverse("till") + (f"?{urlencode(query)}" if query else "")


def _lookup(query: str) -> Member | None:
    query = query.strip()
    if not query:
        return None
    if "@" in query:
        return find_member(email=query)
    return find_member(card_code=query, external_id=query, phone=query)


def _order_id() -> str:
    return f"TILL-{timezone.localtime():%Y%m%d-%H%M%S}-{secrets.token_hex(2).upper()}"


class PurchaseForm(forms.Form):
    channel = forms.ModelChoiceField(
        Channel.objects.all(), to_field_name="code", empty_label=None, label="Channel"
    )
    order_id = forms.CharField(label="Receipt number", max_length=100)


def _lines(post) -> tuple[list[dict], list[str]]:
    """The purchase's lines from the form's rows; empty rows are ignored."""
    lines, errors = [], []
    rows = zip_longest(
        post.getlist("line_sku"),
        post.getlist("line_category"),
        post.getlist("line_amount"),
        fillvalue="",
    )
    for number, (sku, category, amount) in enumerate(rows, start=1):
        if not (sku.strip() or category.strip() or amount.strip()):
            continue
        try:
            value = Decimal(amount.strip().replace(",", "."))
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            shown = amount.strip() or "(empty)"
            errors.append(f"Line {number}: the amount {shown} is not a number.")
            continue
        lines.append({"sku": sku.strip(), "category": category.strip(), "amount": str(value)})
    if not lines and not errors:
        errors.append("Enter at least one line with its amount.")
    return lines, errors


def _refused(request, exc: ApplicationError) -> None:
    messages.error(request, exc.message)


def till(request):
    may = _may(request)
    if not any(may.values()):
        raise PermissionDenied
    query = request.GET.get("q", "").strip()
    member = None
    if query:
        member = _lookup(query)
        if member is None:
            # Maybe the customer showed a redemption code rather than their card.
            if may["use"] and redemption_by_code(query):
                return redirect(_till_url(code=query))
            messages.error(request, f"No member has the card, email, customer id or phone {query}.")
    elif request.GET.get("member", "").isdigit():
        member = Member.objects.select_related("tier").filter(pk=request.GET["member"]).first()
    shown = redemption_by_code(request.GET.get("code", "")) if may["use"] else None
    if request.GET.get("code") and may["use"] and shown is None:
        messages.error(request, f"The code {request.GET['code']} is unknown.")
    issued = None
    if member and request.GET.get("issued", "").isdigit():
        issued = member.redemptions.filter(pk=request.GET["issued"]).first()
    channel = request.session.get(CHANNEL_KEY) or (
        Channel.objects.filter(earns_points=True).values_list("code", flat=True).first()
    )
    context = {
        **admin.site.each_context(request),
        "title": "Till",
        "query": query,
        "member": member,
        "balance": member_balance(member) if member else None,
        "may": may,
        "purchase_form": PurchaseForm(initial={"channel": channel, "order_id": _order_id()}),
        "line_rows": range(LINE_ROWS),
        "rewards": list(available_rewards()) if member and may["redeem"] else [],
        "issued": issued,
        "shown": shown,
        "token": secrets.token_urlsafe(16),
    }
    return render(request, "admin/till.html", context)


def _member_from(request) -> Member:
    member = Member.objects.filter(pk=request.POST.get("member") or 0).first()
    if member is None:
        raise PermissionDenied  # a form the till never made
    return member


@require_POST
def record(request):
    _require(request, "purchase")
    member = _member_from(request)
    form = PurchaseForm(request.POST)
    lines, errors = _lines(request.POST)
    if not form.is_valid():
        errors += [e for field_errors in form.errors.values() for e in field_errors]
    for error in errors:
        messages.error(request, error)
    if errors:
        return redirect(_till_url(member))
    request.session[CHANNEL_KEY] = form.cleaned_data["channel"].code
    total = sum((Decimal(line["amount"]) for line in lines), Decimal(0))
    try:
        purchase = record_purchase(
            channel=form.cleaned_data["channel"].code,
            order_id=form.cleaned_data["order_id"],
            amount=total,
            member_id=member.pk,
            lines=lines,
        )
    except ApplicationError as exc:
        _refused(request, exc)
    else:
        balance = member_balance(member)
        pending = f" ({balance.pending} points pending in all)" if balance.pending else ""
        messages.success(
            request,
            f"Purchase {purchase.order_id} of {purchase.amount} {purchase.currency} recorded: "
            f"{purchase.points_earned} points{pending}.",
        )
    return redirect(_till_url(member))


@require_POST
def redeem(request):
    """A reward or a number of points. The form's token is the idempotency key: a second
    Enter (or a reload of the POST) returns the first redemption, never a second one."""
    _require(request, "redeem")
    member = _member_from(request)
    token = request.POST.get("token", "")
    if not (16 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()):
        messages.error(request, "The form expired: please redeem again.")
        return redirect(_till_url(member))
    key = f"till:{member.pk}:{token}"
    reward = request.POST.get("reward", "")
    points = request.POST.get("points", "").strip()
    try:
        if reward.isdigit():
            redemption = redeem_reward(
                member_id=member.pk, reward_id=int(reward), idempotency_key=key
            )
        elif points:
            if not points.isdigit():
                raise ApplicationError("The points must be a whole number.", field="points")
            redemption = redeem_points(member_id=member.pk, points=int(points), idempotency_key=key)
        else:
            raise ApplicationError("Choose a reward or enter a number of points.")
    except ApplicationError as exc:
        _refused(request, exc)
        return redirect(_till_url(member))
    return redirect(_till_url(member, issued=redemption.pk))


@require_POST
def use(request):
    _require(request, "use")
    try:
        redemption = use_redemption(code=request.POST.get("code", ""))
    except ApplicationError as exc:
        _refused(request, exc)
        return redirect(_till_url(code=request.POST.get("code", "").strip()))
    reward = redemption.reward
    what = reward.name if reward else f"a discount of {redemption.value} {redemption.currency}"
    messages.success(request, f"Code {redemption.code} accepted: give {what}.")
    return redirect(_till_url(redemption.member))


def urls():
    """The till's pages, behind the admin's login (``admin_view``) under /admin/till/."""
    view = admin.site.admin_view
    return [
        path("", view(till), name="till"),
        path("purchase/", view(record), name="till-purchase"),
        path("redeem/", view(redeem), name="till-redeem"),
        path("use/", view(use), name="till-use"),
    ]
