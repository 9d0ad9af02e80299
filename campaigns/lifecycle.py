"""Who is due which lifecycle message, queued set-based (one INSERT ... SELECT per kind).

Each kind gives a queryset of members with an ``event_key`` annotation that names the
event (a day, a tier change, a lapse): the unique (member, kind, event key) of
``MessageSend`` makes queueing the same event again do nothing, so the job can run as
often as it likes. Only active members who agreed to offers by email are queued.
The points-expiring message is the existing reminder (``rewards.expiry``), not repeated here.
"""

from datetime import datetime, timedelta

from django.db.models import (
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from loyalty.db import insert_select
from members.models import Member, TierChange
from rewards.models import LedgerEntry, Purchase, Reward

from .models import Campaign, CampaignMember, MessageKind, MessageSend
from .segment_query import LIVE

WELCOME_WITHIN_DAYS = 7
WIN_BACK_AFTER_DAYS = 90
IN_REACH_SHARE = 0.8  # a balance of at least 80% of the cheapest reward's cost
EARNINGS = (LedgerEntry.Kind.EARN, LedgerEntry.Kind.ACTION, LedgerEntry.Kind.REFERRAL)


def reachable() -> QuerySet:
    return Member.objects.filter(status=Member.Status.ACTIVE, email_offers=True)


def _text(expression):
    return Cast(expression, output_field=CharField())


def welcome(now: datetime) -> QuerySet:
    return (
        reachable()
        .filter(enrolled_at__gt=now - timedelta(days=WELCOME_WITHIN_DAYS), enrolled_at__lte=now)
        .annotate(event_key=Value("welcome", output_field=CharField()))
    )


def points_earned(now: datetime) -> QuerySet:
    """Yesterday's earnings, one digest a day (not one email a purchase)."""
    day = timezone.localdate(now) - timedelta(days=1)
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    earned = LedgerEntry.objects.filter(
        member=OuterRef("pk"),
        kind__in=EARNINGS,
        effective_at__gte=start,
        effective_at__lt=start + timedelta(days=1),
    ).filter(Q(points__gt=0) | Q(pending_points__gt=0))
    return (
        reachable()
        .filter(Exists(earned))
        .annotate(event_key=Value(f"digest:{day.isoformat()}", output_field=CharField()))
    )


def reward_in_reach(now: datetime) -> QuerySet:
    """Members with at least 80% of the points of the cheapest reward they cannot yet afford."""
    rewards = Reward.objects.filter(active=True).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=now),
        Q(valid_until__isnull=True) | Q(valid_until__gt=now),
    )
    cheapest = rewards.filter(points_cost__gt=OuterRef("points_balance")).order_by("points_cost")
    return (
        reachable()
        .annotate(target=Subquery(cheapest.values("pk")[:1]))
        .annotate(cost=Subquery(cheapest.values("points_cost")[:1]))
        .filter(target__isnull=False, points_balance__gte=F("cost") * IN_REACH_SHARE)
        .annotate(
            event_key=Concat(
                Value("reward:"),
                _text(F("target")),
                Value(":"),
                _text(F("cost")),
                output_field=CharField(),
            )
        )  # fmt: skip
    )


def tier_reached(now: datetime) -> QuerySet:
    ups = TierChange.objects.filter(
        member=OuterRef("pk"),
        reason__in=[TierChange.Reason.UPGRADE, TierChange.Reason.PAID],
        created_at__gt=now - timedelta(days=2),
        to_tier_id=OuterRef("tier_id"),
    ).order_by("-created_at")
    return (
        reachable()
        .annotate(change=Subquery(ups.values("pk")[:1]))
        .filter(change__isnull=False)
        .annotate(event_key=Concat(Value("tier:"), _text(F("change")), output_field=CharField()))
    )


def birthday(now: datetime) -> QuerySet:
    today = timezone.localdate(now)
    return (
        reachable()
        .filter(birthday__month=today.month, birthday__day=today.day)
        .annotate(event_key=Value(f"birthday:{today.year}", output_field=CharField()))
    )


def win_back(now: datetime, days: int = WIN_BACK_AFTER_DAYS) -> QuerySet:
    """Members whose last purchase is more than ``days`` old: once per lapse (its date)."""
    mine = Purchase.objects.filter(LIVE, member=OuterRef("pk"), purchased_at__lte=now)
    last = mine.order_by("-purchased_at").values("purchased_at")[:1]
    return (
        reachable()
        .annotate(last=Subquery(last))
        .filter(last__lte=now - timedelta(days=days))
        .annotate(event_key=Concat(Value("lapse:"), _text(F("last")), output_field=CharField()))
    )


FINDERS = {
    MessageKind.WELCOME: welcome,
    MessageKind.POINTS_EARNED: points_earned,
    MessageKind.REWARD_IN_REACH: reward_in_reach,
    MessageKind.TIER_REACHED: tier_reached,
    MessageKind.BIRTHDAY: birthday,
    MessageKind.WIN_BACK: win_back,
}


def queue(kind: str, members: QuerySet, *, now: datetime, campaign_id: int | None = None) -> int:
    """Queue ``kind`` to the members (annotated with ``event_key``) not already sent it."""
    return insert_select(
        MessageSend._meta.db_table,
        ["kind", "campaign_id", "status", "context", "attempts", "error", "provider_id",
         "queued_at", "member_id", "event_key"],
        [kind, campaign_id, MessageSend.Status.QUEUED, "{}", 0, "", "", now],
        members.order_by().values("pk", "event_key"),
    )  # fmt: skip


def queue_lifecycle(*, now: datetime | None = None) -> dict[str, int]:
    """Queue every lifecycle message that is due now (idempotent)."""
    now = now or timezone.now()
    return {kind: queue(kind, finder(now), now=now) for kind, finder in FINDERS.items()}


def queue_campaign_message(*, campaign_id: int, now: datetime | None = None) -> int:
    """The campaign's message to its targeted members (never the held-out ones)."""
    now = now or timezone.now()
    targeted = CampaignMember.objects.filter(campaign_id=campaign_id, held_out=False)
    members = reachable().filter(pk__in=targeted.values("member_id"))
    members = members.annotate(event_key=Value(f"campaign:{campaign_id}", output_field=CharField()))
    if not Campaign.objects.filter(pk=campaign_id).exists():
        return 0
    return queue(MessageKind.CAMPAIGN, members, now=now, campaign_id=campaign_id)
