"""Referral rewards: a referee's purchase qualifies a referral, a refund can cancel it,
and ``pay_due_referrals`` credits both sides once the purchase's return window has passed."""

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from loyalty.db import retry_on_conflict
from members.models import Member
from members.services import lock_member
from rewards.actions.services import period_bounds
from rewards.adjustments.services import adjust_points
from rewards.models import ActionRule, LedgerEntry, Program, Purchase
from rewards.notifications import email_after_commit
from rewards.purchases.reversals import claw_back_points

from .models import Referral, ReferralSettings


def _net(purchase: Purchase):
    return purchase.amount - purchase.refunded_amount


def qualify(referral: Referral, purchase: Purchase, config: ReferralSettings) -> None:
    if referral.qualifying_purchase_id is not None or purchase.member_id != referral.referee_id:
        return
    if referral.status not in (Referral.Status.PENDING, Referral.Status.AWAITING_APPROVAL):
        return
    if _net(purchase) < config.min_qualifying_amount:
        return
    window = timedelta(days=Program.get().return_window_days)
    referral.qualifying_purchase = purchase
    referral.qualified_at = purchase.purchased_at
    referral.reward_due_at = purchase.purchased_at + window
    if referral.status == Referral.Status.PENDING:
        referral.status = Referral.Status.QUALIFIED
    referral.save(update_fields=["qualifying_purchase", "qualified_at", "reward_due_at", "status"])


def _open_referral_sql() -> str:
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    return (
        f"SELECT id FROM {Referral._meta.db_table} WHERE referee_id = %s "  # noqa: S608
        f"AND qualifying_purchase_id IS NULL AND status IN (%s, %s){lock}"
    )


def on_purchase_recorded(sender, purchase, **kwargs):
    """A referee's first purchase of the minimum amount qualifies their referral.

    Asked on every purchase, and almost always answered "none": the question is
    hand-written SQL (a queryset would cost several times the query), and the
    referral is loaded only when there is one (already locked, as the referee's).
    """
    if purchase.member_id is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _open_referral_sql(),
            [purchase.member_id, Referral.Status.PENDING, Referral.Status.AWAITING_APPROVAL],
        )
        row = cursor.fetchone()
    if row is not None:
        qualify(Referral.objects.get(pk=row[0]), purchase, ReferralSettings.get())


def on_purchase_refunded(sender, purchase, refund, **kwargs):
    """A refund taking the qualifying purchase below the minimum cancels the referral."""
    referral = Referral.objects.select_for_update().filter(qualifying_purchase=purchase).first()
    if referral is None or referral.status in (
        Referral.Status.CANCELLED,
        Referral.Status.REJECTED,
    ):
        return
    if _net(purchase) >= ReferralSettings.get().min_qualifying_amount:
        return
    if referral.status == Referral.Status.REWARDED:
        _reverse(referral, reason=f"qualifying purchase {purchase.order_id} was refunded")
        referral.note = "Qualifying purchase refunded after the reward: points taken back"
    else:
        referral.note = "Qualifying purchase refunded: no reward"
    referral.status = Referral.Status.CANCELLED
    referral.save(update_fields=["status", "note"])


def _reverse(referral: Referral, *, reason: str) -> None:
    for side, member_id, points in (
        ("referrer", referral.referrer_id, referral.referrer_points),
        ("referee", referral.referee_id, referral.referee_points),
    ):
        if points > 0:
            claw_back_points(
                member_id=member_id,
                points=points,
                kind=LedgerEntry.Kind.REFERRAL,
                reason=reason,
                idempotency_key=f"referral:{referral.pk}:{side}:reverse",
                description=f"Referral reward reversed: {reason}",
                reference=f"referral:{referral.pk}",
            )


def _cap_reached(referral: Referral, config: ReferralSettings, now: datetime) -> bool:
    if not config.cap_per_referrer:
        return False
    rewarded = Referral.objects.filter(
        referrer_id=referral.referrer_id, status=Referral.Status.REWARDED, referrer_points__gt=0
    )
    if config.cap_period != ReferralSettings.CapPeriod.EVER:
        limit = ActionRule.Limit.MONTH if config.cap_period == "month" else ActionRule.Limit.YEAR
        start, end = period_bounds(limit, now)
        rewarded = rewarded.filter(rewarded_at__gte=start, rewarded_at__lt=end)
    return rewarded.count() >= config.cap_per_referrer


def pay_due_referrals(*, now: datetime | None = None, batch_size: int = 500) -> dict:
    """Reward the qualified referrals whose purchase's return window has passed.

    Batched by primary key; each referral is paid in its own transaction under the two
    members' locks and re-checked there, so a concurrent or repeated run pays nothing twice.
    """
    now = now or timezone.now()
    result = {"rewarded": 0, "points": 0}
    last = 0
    while True:
        ids = list(
            Referral.objects.filter(
                status=Referral.Status.QUALIFIED, reward_due_at__lte=now, pk__gt=last
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        last = ids[-1]
        for referral_id in ids:
            points = _pay_one(referral_id, now)
            if points is not None:
                result["rewarded"] += 1
                result["points"] += points
    return result


@retry_on_conflict
@transaction.atomic
def _pay_one(referral_id: int, now: datetime) -> int | None:
    referral = _locked_referral(referral_id)
    if referral.status != Referral.Status.QUALIFIED:
        return None
    config = ReferralSettings.get()
    referrer_points, referee_points = config.referrer_points, config.referee_points
    notes = []
    if referrer_points and _cap_reached(referral, config, now):
        referrer_points = 0
        notes.append("referrer's cap reached: no referrer reward")
    _reward_side(referral, "referrer", referral.referrer, referrer_points, now=now, notes=notes)
    _reward_side(referral, "referee", referral.referee, referee_points, now=now, notes=notes)
    _email_rewards(referral)
    referral.status = Referral.Status.REWARDED
    referral.rewarded_at = now
    referral.note = "; ".join(notes)[:255]
    referral.save(
        update_fields=[
            "status",
            "rewarded_at",
            "referrer_points",
            "referee_points",
            "referrer_entry",
            "referee_entry",
            "note",
        ]
    )
    return referrer_points + referee_points


def _locked_referral(referral_id: int) -> Referral:
    """The referral, locked after both its members (in id order, as every writer locks them)."""
    head = Referral.objects.filter(pk=referral_id).values("referrer_id", "referee_id").first()
    for member_id in sorted([head["referrer_id"], head["referee_id"]]):
        lock_member(member_id)
    return (
        Referral.objects.select_for_update()
        .select_related("referrer", "referee")
        .get(pk=referral_id)
    )


VERB = {"referrer": "referred", "referee": "referred by"}


def _reward_side(
    referral: Referral, side: str, member: Member, points: int, *, now: datetime, notes: list
) -> None:
    """Posts one side's reward (none to a closed member) and records it on the referral."""
    if points and member.status == Member.Status.CLOSED:
        notes.append(f"{side} is closed: no reward")
        points = 0
    entry = None
    if points:
        other = referral.referee if side == "referrer" else referral.referrer
        entry = adjust_points(
            member_id=member.pk,
            points=points,
            reason=f"Referral reward ({side})",
            idempotency_key=f"referral:{referral.pk}:{side}",
            kind=LedgerEntry.Kind.REFERRAL,
            description=f"Referral reward: {VERB[side]} {other.email}"[:255],
            reference=f"referral:{referral.pk}",
            effective_at=now,
        )
    setattr(referral, f"{side}_points", points)
    setattr(referral, f"{side}_entry", entry)


def _email_rewards(referral: Referral) -> None:
    """Each rewarded side hears of it once the payment commits."""
    for side, member, points in (
        ("referrer", referral.referrer, referral.referrer_points),
        ("referee", referral.referee, referral.referee_points),
    ):
        if points:
            email_after_commit(member, "referral_reward", {"points": points, "side": side})
