"""The portal's rewards pages: the catalog, redeeming with a confirmation, the member's codes."""

import re
import secrets

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from loyalty.errors import ApplicationError
from rewards.guide import available_rewards, rewards_progress
from rewards.models import Redemption
from rewards.redemptions.services import redeem_reward
from rewards.selectors import member_balance

from .access import portal_page
from .history import PAGE_SIZE
from .home import qr_svg

FORM_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _catalog():
    return available_rewards()


@portal_page
def rewards(request, member):
    points = member_balance(member).spendable
    progress = rewards_progress(spendable=points, tier_id=member.tier_id)
    context = {
        "member": member,
        "spendable": points,
        "affordable": [r for r in progress if not r.missing and not r.locked],
        "later": [r for r in progress if r.missing and not r.locked],
        "locked": [r for r in progress if r.locked],
    }
    return render(request, "portal/rewards.html", context)


@portal_page
def redeem(request, member, reward_id):
    """Confirm, then redeem. The form's token is the idempotency key: a double submit
    (or a reload of the POST) returns the first redemption instead of paying twice."""
    reward = get_object_or_404(_catalog(), pk=reward_id)
    if request.method == "POST":
        token = request.POST.get("token", "")
        if not FORM_TOKEN.match(token):
            messages.error(request, _("The form expired. Please confirm again."))
            return redirect("portal:redeem", reward_id=reward.pk)
        try:
            redemption = redeem_reward(
                member_id=member.pk,
                reward_id=reward.pk,
                idempotency_key=f"portal:{member.pk}:{token}",
            )
        except ApplicationError as exc:
            messages.error(request, _("Not redeemed: %(reason)s.") % {"reason": exc.message})
            return redirect("portal:rewards")
        messages.success(
            request,
            _("Done! Your code for %(reward)s is %(code)s.")
            % {"reward": reward.name, "code": redemption.code},
        )
        return redirect("portal:redemption", redemption_id=redemption.pk)
    points = member_balance(member).spendable
    context = {
        "member": member,
        "reward": reward,
        "spendable": points,
        "after": points - reward.points_cost,
        "token": secrets.token_urlsafe(24),
    }
    return render(request, "portal/redeem.html", context)


@portal_page
def redemptions(request, member):
    rows = Redemption.objects.filter(member=member).select_related("reward")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/redemptions.html", {"member": member, "page": page})


@portal_page
def redemption(request, member, redemption_id):
    # Filtered by member: another member's redemption id is a 404, as if it did not exist.
    found = get_object_or_404(
        Redemption.objects.select_related("reward"), pk=redemption_id, member=member
    )
    title = _("Code %(code)s") % {"code": found.code}
    qr = qr_svg(found.code, title=title) if found.status == "issued" else None
    context = {"member": member, "redemption": found, "qr": qr}
    return render(request, "portal/redemption.html", context)
