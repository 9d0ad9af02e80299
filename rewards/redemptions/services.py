"""Redemptions: spend points on a reward or a discount, cancel one, accept its code at a till."""

import secrets
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from loyalty.codes import random_code
from loyalty.db import retry_on_conflict
from loyalty.errors import ApplicationError, idempotency_conflict, not_found
from members.models import Member
from members.services import lock_member

from .. import signals, validation
from ..ledger.checks import check_active, not_before
from ..ledger.postings import Posting, spendable_points
from ..models import (
    LedgerEntry,
    PointLot,
    Program,
    Redemption,
    Reward,
)
from ..reserved import check_reserved


def new_redemption_code() -> str:
    raw = random_code(12)  # read aloud at a till
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _existing_redemption(key: str, *, member_id: int, reward_id, points) -> Redemption | None:
    found = Redemption.objects.filter(idempotency_key=key).first()
    if found is None:
        return None
    same = found.member_id == member_id and found.reward_id == reward_id
    if not same or (points is not None and found.points != points):
        raise idempotency_conflict("redemption")
    return found


def _debit_for_redemption(member: Member, redemption: Redemption, description: str) -> None:
    """Take the points as of when the redemption happened (a till that synced late):
    lots past their expiry date then are not spent, lots that expired since are."""
    when = redemption.created_at
    available = spendable_points(member, now=when)
    if available < redemption.points:
        raise ApplicationError(
            f"There are not enough points: {redemption.points} needed, {available} spendable.",
            code="insufficient_points",
            field="points",
        )
    posting = Posting(
        member=member,
        kind=LedgerEntry.Kind.REDEEM,
        idempotency_key=f"redemption:{redemption.pk}",
        effective_at=when,
    )
    posting.take(redemption.points, now=when)
    posting.post(redemption=redemption, description=description)
    signals.redemption_created.send(sender=Redemption, redemption=redemption)


@retry_on_conflict
@transaction.atomic
def redeem_reward(
    *,
    member_id: int,
    reward_id: int,
    idempotency_key: str | None = None,
    effective_at: datetime | None = None,
) -> Redemption:
    """Spend a reward's points (oldest-expiring first) and issue a one-time code.

    ``effective_at``: when it happened, if not now (a till that was offline).
    """
    key = idempotency_key or f"redeem:{secrets.token_hex(12)}"
    now = validation.check_moment(effective_at, field="effective_at", label="redemption date")
    # The key is looked up under the member lock: a concurrent retry waits, then finds it.
    member = lock_member(member_id)
    existing = _existing_redemption(key, member_id=member_id, reward_id=reward_id, points=None)
    if existing is not None:
        return existing
    check_active(member, action="redeem")
    reward = Reward.objects.filter(pk=reward_id).first()
    if reward is None:
        raise not_found("reward", reward_id, field="reward")
    if not reward.active:
        raise ApplicationError(
            f"{reward.name} is not available.", code="reward_unavailable", field="reward"
        )
    check_reserved(member, reward)
    if (reward.valid_from and now < reward.valid_from) or (
        reward.valid_until and now >= reward.valid_until
    ):
        raise ApplicationError(
            f"{reward.name} is not valid today.", code="reward_unavailable", field="reward"
        )
    if reward.stock is not None:
        # Conditional update: two members racing for the last item cannot both get it.
        taken = Reward.objects.filter(pk=reward.pk, stock__gt=0).update(stock=F("stock") - 1)
        if not taken:
            raise ApplicationError(
                f"{reward.name} is out of stock.", code="out_of_stock", field="reward"
            )
    program = Program.get()
    donation = reward.kind == Reward.Kind.DONATION
    redemption = Redemption.objects.create(
        member=member,
        reward=reward,
        points=reward.points_cost,
        value=program.points_value(reward.points_cost),
        currency=program.currency,
        cause=reward.cause if donation else "",
        code=new_redemption_code(),
        idempotency_key=key,
        created_at=now,
        # A donation is fulfilled at once: there is nothing for a till to accept.
        status=Redemption.Status.USED if donation else Redemption.Status.ISSUED,
        used_at=now if donation else None,
    )
    label = f"Donation to {reward.cause}" if donation else f'Redeemed for "{reward.name}"'
    _debit_for_redemption(member, redemption, label)
    return redemption


@retry_on_conflict
@transaction.atomic
def redeem_points(
    *,
    member_id: int,
    points: int,
    idempotency_key: str | None = None,
    effective_at: datetime | None = None,
) -> Redemption:
    """Spend a number of points for a discount at checkout worth points x point value."""
    points = validation.check_points(points)
    when = validation.check_moment(effective_at, field="effective_at", label="redemption date")
    key = idempotency_key or f"redeem:{secrets.token_hex(12)}"
    member = lock_member(member_id)
    existing = _existing_redemption(key, member_id=member_id, reward_id=None, points=points)
    if existing is not None:
        return existing
    check_active(member, action="redeem")
    program = Program.get()
    redemption = Redemption.objects.create(
        member=member,
        points=points,
        value=program.points_value(points),
        currency=program.currency,
        code=new_redemption_code(),
        idempotency_key=key,
        created_at=when,
    )
    _debit_for_redemption(
        member, redemption, f"Redeemed for a {redemption.value} {redemption.currency} discount"
    )
    return redemption


@retry_on_conflict
@transaction.atomic
def cancel_redemption(
    *,
    redemption_id: int,
    reason: str = "",
    user=None,
    effective_at: datetime | None = None,
) -> Redemption:
    """Give a redemption's points back to the lots they came from (their expiry unchanged).

    ``effective_at``: when it was cancelled, if not now; never before the redemption.
    """
    when = validation.check_moment(effective_at, field="effective_at", label="cancellation date")
    redemption = Redemption.objects.filter(pk=redemption_id).first()
    if redemption is None:
        raise not_found("redemption", redemption_id)
    not_before(when, redemption.created_at, what="cancellation", of="redemption")
    member = lock_member(redemption.member_id)
    redemption = Redemption.objects.select_for_update().get(pk=redemption_id)
    if redemption.status == Redemption.Status.CANCELLED:
        raise ApplicationError(
            f"The redemption {redemption.code} is already cancelled.", code="already_cancelled"
        )
    if redemption.status == Redemption.Status.USED:
        what = "a donation" if redemption.cause else "a used code"
        raise ApplicationError(
            f"The redemption {redemption.code} is {what} and cannot be cancelled.",
            code="already_used",
        )
    debit = LedgerEntry.objects.get(redemption=redemption, kind=LedgerEntry.Kind.REDEEM)
    posting = Posting(
        member=member,
        kind=LedgerEntry.Kind.REDEEM_CANCEL,
        idempotency_key=f"redemption:{redemption.pk}:cancel",
        effective_at=when,
    )
    movements = list(debit.movements.select_related("lot").order_by("pk"))
    lots = {
        lot.pk: lot
        for lot in PointLot.objects.select_for_update().filter(pk__in=[m.lot_id for m in movements])
    }
    for movement in movements:
        posting.move(lots[movement.lot_id], -movement.points)
    posting.settle_debt()
    redemption.status = Redemption.Status.CANCELLED
    redemption.cancelled_at = when
    redemption.save(update_fields=["status", "cancelled_at"])
    if redemption.reward_id and redemption.reward.stock is not None:
        Reward.objects.filter(pk=redemption.reward_id).update(stock=F("stock") + 1)
    posting.post(
        redemption=redemption,
        description=f"Cancelled redemption {redemption.code}",
        reason=reason,
        created_by=user,
    )
    signals.redemption_cancelled.send(sender=Redemption, redemption=redemption)
    return redemption


@transaction.atomic
def use_redemption(*, code: str) -> Redemption:
    """Accept a redemption code at a checkout or till: once, and only once."""
    code = (code or "").strip().upper()
    redemption = Redemption.objects.select_for_update().filter(code=code).first()
    if redemption is None:
        raise ApplicationError(
            f"The redemption code {code!r} is unknown.", code="not_found", field="code"
        )
    if redemption.status != Redemption.Status.ISSUED:
        raise ApplicationError(
            f"The redemption code {code} is {redemption.get_status_display().lower()}.",
            code="code_not_usable",
            field="code",
        )
    redemption.status = Redemption.Status.USED
    redemption.used_at = timezone.now()
    redemption.save(update_fields=["status", "used_at"])
    return redemption
