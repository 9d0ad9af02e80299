"""Reads of referrals: a member's summary (portal) and the funnel (admin)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse

from members.models import Member
from rewards.models import Program, Purchase

from .models import Referral, ReferralCode, ReferralSettings


@dataclass(frozen=True)
class ReferralSummary:
    """A member's referral code and how their referrals went (the portal's invite page).

    ``code`` and ``link_path`` are empty until the member has a code
    (``services.ensure_referral_code``); prefix ``link_path`` with the site's address.
    """

    code: str
    link_path: str
    friends_joined: int
    qualified: int
    rewarded: int
    points_earned: int


def referral_summary(member: Member) -> ReferralSummary:
    """The member's code, link and counts; a read (a member without a code has empty ones)."""
    code = ReferralCode.objects.filter(member=member).values_list("code", flat=True).first()
    counts = Referral.objects.filter(referrer=member).aggregate(
        joined=Count("pk", filter=~Q(status=Referral.Status.REJECTED)),
        qualified=Count("pk", filter=Q(qualified_at__isnull=False)),
        rewarded=Count("pk", filter=Q(status=Referral.Status.REWARDED)),
        points=Sum("referrer_points", filter=Q(status=Referral.Status.REWARDED)),
    )
    return ReferralSummary(
        code=code or "",
        link_path=reverse("referrals:link", args=[code]) if code else "",
        friends_joined=counts["joined"],
        qualified=counts["qualified"],
        rewarded=counts["rewarded"],
        points_earned=counts["points"] or 0,
    )


@dataclass(frozen=True)
class ReferralOffer:
    """What a referral gives: points for each side once the friend's first purchase of at
    least ``min_purchase`` (``currency``) qualifies it; 0 points: that side gets nothing."""

    referrer_points: int
    referee_points: int
    min_purchase: Decimal
    currency: str

    @property
    def rewarded(self) -> bool:
        return bool(self.referrer_points or self.referee_points)


def referral_offer() -> ReferralOffer:
    """The current offer (the invite page, the friend's landing page, Ways to earn)."""
    config = ReferralSettings.get()
    return ReferralOffer(
        referrer_points=config.referrer_points,
        referee_points=config.referee_points,
        min_purchase=config.min_qualifying_amount,
        currency=Program.get().currency,
    )


STAGES = {
    "signups": Count("pk"),
    "qualified": Count("pk", filter=Q(qualified_at__isnull=False)),
    "rewarded": Count("pk", filter=Q(status=Referral.Status.REWARDED)),
    "awaiting_approval": Count("pk", filter=Q(status=Referral.Status.AWAITING_APPROVAL)),
    "cancelled": Count("pk", filter=Q(status__in=[Referral.Status.CANCELLED, "rejected"])),
}


def funnel_totals() -> dict:
    """The funnel in total: codes shared, then each stage's count (one aggregate, one count)."""
    totals = Referral.objects.aggregate(**STAGES)
    totals["shared"] = (
        ReferralCode.objects.filter(
            Q(visits__gt=0) | Q(shared_at__isnull=False) | Q(referrals__isnull=False)
        )
        .distinct()
        .count()
    )
    return totals


def funnel(*, limit: int = 50) -> dict:
    """Codes shared -> sign-ups -> qualified -> rewarded: in total, per referrer, per month.

    Three aggregate queries plus one count, whatever the number of referrals.
    """
    totals = funnel_totals()
    by_referrer = list(
        Referral.objects.values("referrer_id", "referrer__email", "code__visits")
        .annotate(**STAGES, points=Sum("referrer_points", filter=Q(status="rewarded")))
        .order_by("-signups", "referrer__email")[:limit]
    )
    by_month = list(
        Referral.objects.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(**STAGES)
        .order_by("month")
    )
    return {"totals": totals, "by_referrer": by_referrer, "by_month": by_month}


@dataclass(frozen=True)
class Conversion:
    """Referrals made, and how many of them converted (the referee made a qualifying purchase)."""

    referred: int
    converted: int

    @property
    def percent(self) -> Decimal | None:
        if not self.referred:
            return None
        return (Decimal(100) * self.converted / self.referred).quantize(Decimal("0.01"))


def conversion(*, referrals: Q | None = None, purchases: Q | None = None) -> Conversion:
    """How many of the ``referrals`` (a filter) converted by a qualifying purchase that
    ``purchases`` (a filter on the purchase, e.g. made before a moment) accepts.

    A purchase, not the referral's status, says it converted: the status moves on
    (rewarded, cancelled...), the purchase that qualified stays what it was.
    """
    qualified = Q(qualifying_purchase__isnull=False)
    if purchases is not None:
        qualified &= Q(qualifying_purchase__in=Purchase.objects.filter(purchases))
    counts = Referral.objects.filter(referrals or Q()).aggregate(
        referred=Count("pk"), converted=Count("pk", filter=qualified)
    )
    return Conversion(counts["referred"], counts["converted"])
