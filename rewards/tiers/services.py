"""The writes of tiers: upgrades, re-evaluation, pins and paid tiers, each under the member lock.

Every change is a ``TierChange`` row and sends ``members.signals.tier_changed``. The
decision itself is ``evaluation.decide``; the measures come from ``measures.Measures``.
"""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from loyalty.dates import add_months
from loyalty.errors import ApplicationError, not_found
from members import signals
from members.models import Member, Tier, TierChange
from members.services import lock_member

from .evaluation import Decision, decide
from .measures import Measures, year_start


def _record(
    member: Member,
    to_tier: Tier | None,
    reason: str,
    *,
    at: datetime,
    note: str = "",
    user=None,
    measure_value: Decimal | None = None,
    fee: Decimal | None = None,
    paid_until: datetime | None = None,
) -> TierChange:
    from_tier = member.tier
    change = TierChange.objects.create(
        member=member,
        from_tier=from_tier,
        to_tier=to_tier,
        reason=reason,
        note=note[:255],
        measure_value=measure_value,
        fee=fee,
        paid_until=paid_until,
        created_by=user,
        created_at=at,
    )
    member.tier = to_tier
    member.tier_since = at
    member.tier_grace_until = None
    member.tier_paid_until = paid_until
    member.save(
        update_fields=["tier", "tier_since", "tier_grace_until", "tier_paid_until", "updated_at"]
    )
    signals.tier_changed.send(
        sender=Member, member=member, from_tier=from_tier, to_tier=to_tier, reason=reason
    )
    return change


def _apply(member: Member, decision: Decision, at: datetime) -> TierChange | None:
    if decision.updates:
        for name, value in decision.updates.items():
            setattr(member, name, value)
        member.save(update_fields=[*decision.updates, "updated_at"])
    if decision.change and decision.to_tier != member.tier:
        return _record(
            member, decision.to_tier, decision.reason, at=at, measure_value=decision.measure_value
        )
    return None


def upgrade_member(
    *, member_id: int, now: datetime | None = None, tiers: Sequence[Tier] | None = None
) -> TierChange | None:
    """Move the member up at once if they now qualify for a higher tier (never down).

    ``tiers``: all the tiers, when the caller already has them (a purchase does).
    """
    tiers = list(Tier.objects.all()) if tiers is None else list(tiers)
    if not tiers:
        return None  # no tiers, nothing to lock or measure
    with transaction.atomic():
        member = lock_member(member_id)
        if member.status == Member.Status.CLOSED:
            return None
        now = now or timezone.now()
        measures = Measures([member.pk], tiers, now, open_end=True)
        return _apply(member, decide(member, tiers, measures, upgrades_only=True), now)


def upgrade_members(*, member_ids: list[int], now: datetime | None = None) -> int:
    """``upgrade_member`` for a batch: one tier query and one measure pass for all of them."""
    tiers = list(Tier.objects.all())
    if not tiers or not member_ids:
        return 0
    now = now or timezone.now()
    members = list(Member.objects.locked(member_ids).exclude(status=Member.Status.CLOSED))
    measures = Measures([m.pk for m in members], tiers, now, open_end=True)
    changes = 0
    for member in members:
        if _apply(member, decide(member, tiers, measures, upgrades_only=True), now):
            changes += 1
    return changes


def evaluate_tiers(*, as_of: datetime | None = None, batch_size: int = 500) -> dict:
    """Re-evaluate every member's tier: upgrades, grace periods, downgrades, ended paid terms.

    The measures of a batch come from one aggregate query per measure and window; only
    the members whose tier (or grace) changes are written, each in its own short
    transaction under the member lock. Idempotent: a second run changes nothing.
    """
    as_of = as_of or timezone.now()
    tiers = list(Tier.objects.all())
    result = {"members": 0, "upgrades": 0, "downgrades": 0, "grace_started": 0, "paid_ended": 0}
    if not tiers:
        return result
    by_pk = {t.pk: t for t in tiers}
    last = 0
    while True:
        batch = list(
            Member.objects.filter(pk__gt=last)
            .exclude(status=Member.Status.CLOSED)
            .exclude(tier_pinned=True)
            .order_by("pk")
            .only(
                "pk",
                "tier",
                "tier_since",
                "tier_pinned",
                "tier_grace_until",
                "tier_paid_until",
                "tier_reviewed_until",
            )[:batch_size]
        )
        if not batch:
            break
        last = batch[-1].pk
        result["members"] += len(batch)
        measures = Measures([m.pk for m in batch], tiers, as_of)
        for member in batch:
            member.tier = by_pk.get(member.tier_id)
            decision = decide(member, tiers, measures)
            if decision.change or decision.updates:
                _evaluate_one(member.pk, tiers, measures, result)
        # The downgrade review of the period that ended is done for this batch: one UPDATE.
        reviewed = year_start(as_of)
        Member.objects.filter(pk__in=[m.pk for m in batch], tier_pinned=False).filter(
            Q(tier_reviewed_until__isnull=True) | Q(tier_reviewed_until__lt=reviewed)
        ).update(tier_reviewed_until=reviewed)
    return result


@transaction.atomic
def _evaluate_one(member_id: int, tiers: list[Tier], measures: Measures, result: dict) -> None:
    member = lock_member(member_id)
    decision = decide(member, tiers, measures)  # again, on the locked row
    change = _apply(member, decision, measures.as_of)
    if "tier_grace_until" in decision.updates and decision.updates["tier_grace_until"]:
        result["grace_started"] += 1
    if change is not None:
        key = {
            TierChange.Reason.UPGRADE: "upgrades",
            TierChange.Reason.PAID_ENDED: "paid_ended",
        }.get(change.reason, "downgrades")
        result[key] += 1


def _tier(tier_id) -> Tier | None:
    if tier_id is None:
        return None
    try:
        return Tier.objects.get(pk=tier_id)
    except Tier.DoesNotExist:
        raise not_found("tier", tier_id, field="tier") from None


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("A reason is required.", code="reason_required", field="reason")
    return reason


@transaction.atomic
def pin_tier(*, member_id: int, tier_id: int | None, reason: str, user=None) -> TierChange:
    """Staff set a member's tier by hand; evaluation leaves the member alone until unpinned."""
    reason = _reason(reason)
    tier = _tier(tier_id)
    member = lock_member(member_id)
    member.tier_pinned = True
    member.tier_pinned_reason = reason[:255]
    member.save(update_fields=["tier_pinned", "tier_pinned_reason", "updated_at"])
    return _record(
        member, tier, TierChange.Reason.PINNED, at=timezone.now(), note=reason, user=user
    )


@transaction.atomic
def unpin_tier(*, member_id: int, reason: str, user=None) -> TierChange:
    """Hand the member back to evaluation; the tier stays until the next evaluation decides."""
    reason = _reason(reason)
    member = lock_member(member_id)
    if not member.tier_pinned:
        raise ApplicationError(
            f"The tier of {member.email} is not pinned.", code="not_pinned", field="member"
        )
    member.tier_pinned = False
    member.tier_pinned_reason = ""
    member.save(update_fields=["tier_pinned", "tier_pinned_reason", "updated_at"])
    change = TierChange.objects.create(
        member=member,
        from_tier=member.tier,
        to_tier=member.tier,
        reason=TierChange.Reason.UNPINNED,
        note=reason[:255],
        created_by=user,
    )
    return change


@transaction.atomic
def assign_paid_tier(
    *,
    member_id: int,
    tier_id: int,
    fee: Decimal,
    paid_at: datetime | None = None,
    reason: str = "",
    user=None,
) -> TierChange:
    """Record a paid membership: the tier for its term (the merchant took the payment)."""
    tier = _tier(tier_id)
    if not tier.is_paid or not tier.term_months:
        raise ApplicationError(
            f"{tier.name} is not a paid tier with a term.", code="not_a_paid_tier", field="tier"
        )
    if not isinstance(fee, Decimal) or not fee.is_finite() or fee < 0:
        raise ApplicationError("The fee must be zero or more.", field="fee")
    paid_at = paid_at or timezone.now()
    if timezone.is_naive(paid_at):
        raise ApplicationError("The payment date must include a time zone.", field="paid_at")
    member = lock_member(member_id)
    if member.status != Member.Status.ACTIVE:
        raise ApplicationError(
            f"The member {member.email} is {member.status}.",
            code="member_not_active",
            field="member",
        )
    paid_until = add_months(paid_at, tier.term_months)
    if paid_until <= timezone.now():
        raise ApplicationError("This term has already ended.", field="paid_at")
    note = reason.strip() or f"Paid {fee} for {tier.term_months} months"
    return _record(
        member,
        tier,
        TierChange.Reason.PAID,
        at=paid_at,
        note=note,
        user=user,
        fee=fee.quantize(Decimal("0.01")),
        paid_until=paid_until,
    )
