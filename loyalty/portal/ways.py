"""The portal's *Ways to earn* page, public too: how points are earned and what they buy.

A visitor before sign-up sees the program's offer; a signed-in member also sees how far
each reward is ("40 more points for a Free coffee").
"""

from decimal import Decimal

from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from referrals.selectors import referral_offer
from rewards.guide import ActionLine, EarnRuleLine, earning_guide, rewards_progress
from rewards.selectors import member_balance

from .language import member_of


def money(amount, currency: str) -> str:
    """``1,234.50 EUR`` / ``1.234,50 EUR``: in the reader's locale."""
    shown = formats.number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{shown} {currency}"


def day(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


def rule_conditions(rule: EarnRuleLine, currency: str) -> list[str]:
    """The conditions of a promotion, each in a few words; all of them must hold."""
    found = []
    if rule.weekdays:
        names = ", ".join(str(WEEKDAYS[d - 1]) for d in rule.weekdays)
        found.append(_("on %(days)s") % {"days": names})
    if rule.channel:
        found.append(_("in the %(channel)s") % {"channel": rule.channel})
    if rule.min_order_amount:
        found.append(
            _("on orders of at least %(amount)s")
            % {"amount": money(rule.min_order_amount, currency)}
        )
    if rule.category:
        found.append(_("on %(category)s") % {"category": rule.category})
    if rule.sku:
        found.append(_("on item %(sku)s") % {"sku": rule.sku})
    if rule.tiers:
        found.append(_("for %(tiers)s members") % {"tiers": _(" or ").join(rule.tiers)})
    if rule.starts_at:
        found.append(_("from %(day)s") % {"day": day(rule.starts_at)})
    if rule.ends_at:
        found.append(_("until %(day)s") % {"day": day(rule.ends_at)})
    return found


def times(multiplier: Decimal) -> str:
    """``2``, ``1.5`` / ``1,5``: a multiplier without its trailing zeros, in the locale."""
    exact = multiplier == multiplier.to_integral()
    value = multiplier.quantize(Decimal(1)) if exact else multiplier.normalize()
    return formats.number_format(value, use_l10n=True)


def rule_effect(rule: EarnRuleLine) -> str:
    if rule.multiplier is not None:
        return _("%(times)s× points") % {"times": times(rule.multiplier)}
    points = rule.bonus_points or 0
    return ngettext("+%(points)s bonus point", "+%(points)s bonus points", points) % {
        "points": formats.number_format(points, use_l10n=True, force_grouping=True)
    }


def action_limit(action: ActionLine) -> str:
    count = action.limit_count
    per = {
        "day": ngettext("once a day", "up to %(count)d times a day", count),
        "week": ngettext("once a week", "up to %(count)d times a week", count),
        "month": ngettext("once a month", "up to %(count)d times a month", count),
        "year": ngettext("once a year", "up to %(count)d times a year", count),
    }
    if action.limit == "once":
        return _("once")
    if action.limit == "unlimited":
        return _("every time")
    return per[action.limit] % {"count": count}


def ways_to_earn(request):
    guide = earning_guide()
    member = member_of(request)
    spendable = member_balance(member).spendable if member is not None else 0
    offer = referral_offer()
    context = {
        "base_template": "portal/base_portal.html" if member is not None else "base.html",
        "member": member,
        "guide": guide,
        "rate": money(guide.base.per_amount, guide.base.currency),
        "rules": [
            (r, rule_effect(r), rule_conditions(r, guide.base.currency)) for r in guide.rules
        ],
        "actions": [(a, action_limit(a)) for a in guide.actions],
        "multiplied_tiers": [
            (tier, times(tier.earn_multiplier))
            for tier in guide.tiers
            if tier.earn_multiplier > 1 or tier.benefits
        ],
        "offer": offer,
        "min_purchase": money(offer.min_purchase, offer.currency),
        "rewards": rewards_progress(
            spendable=spendable, tier_id=member.tier_id if member is not None else None
        ),
        "spendable": spendable,
    }
    return render(request, "portal/ways.html", context)
