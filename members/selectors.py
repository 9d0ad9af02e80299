"""Reads of the members app."""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery

from .models import Member, Tier, TierChange


def find_member(
    *, email: str | None = None, external_id: str | None = None, card_code: str | None = None
) -> Member | None:
    """The member with this card code, else this external id, else this email (any case,
    the domain in Unicode or punycode)."""
    if card_code:
        member = Member.objects.filter(card_code=card_code.strip()).first()
        if member:
            return member
    if external_id:
        member = Member.objects.filter(external_id=external_id.strip()).first()
        if member:
            return member
    if email:
        return Member.objects.with_email(email).first()
    return None


def tier_history(member: Member):
    """The member's tier changes, newest first."""
    return TierChange.objects.filter(member=member).select_related("from_tier", "to_tier")


@dataclass(frozen=True)
class TierCount:
    """How many members held a tier (``tier`` "(no tier)": none) at a moment."""

    tier: str
    members: int


NO_TIER = "(no tier)"


def tier_distribution(*, members: Q | None = None, changes: Q | None = None) -> list[TierCount]:
    """Members by the tier their history gives them, in rank order, "(no tier)" last.

    ``members``: which members count (e.g. enrolled by a moment); ``changes``: which tier
    changes count (e.g. made before that moment): each member holds the tier of their
    latest counted change. With neither, every member by their latest change: the
    distribution now. One grouped query whatever the number of members.
    """
    latest = (
        TierChange.objects.filter(changes or Q(), member_id=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("to_tier_id")[:1]
    )
    counts = dict(
        Member.objects.filter(members or Q())
        .annotate(held=Subquery(latest))
        .values("held")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("held", "n")
    )
    out = [
        TierCount(tier.name, counts.pop(tier.pk))
        for tier in Tier.objects.order_by("rank", "pk")
        if tier.pk in counts
    ]
    if counts.get(None):
        out.append(TierCount(NO_TIER, counts[None]))
    return out
