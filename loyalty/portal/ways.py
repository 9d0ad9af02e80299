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
    if rule.starts_at:
        found.append(_("from %(day)s") % {"day": day(rule.starts_at)})
    if rule.ends_at:
        found.append(_("until %(day)s") % {"day": day(rule.ends_at)})
    return found


def rule_effect(rule: EarnRuleLine) -> str:
    if rule.multiplier is not None:
        times = rule.multiplier
        times = times.quantize(Decimal(1)) if times == times.to_integral() else times.normalize()
        shown = formats.number_format(times, use_l10n=True)
        return _("%(times)s× points") % {"times": shown}
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
        "multiplied_tiers": [t for t in guide.tiers if t.earn_multiplier > 1 or t.benefits],
        "offer": offer,
        "min_purchase": money(offer.min_purchase, offer.currency),
        "rewards": rewards_progress(spendable=spendable),
        "spendable": spendable,
    }
    return render(request, "portal/ways.html", context)
