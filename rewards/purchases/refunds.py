"""Refund part or all of a purchase and reverse its points in proportion."""

import secrets
from datetime import datetime

from django.db import transaction
from django.db.models import Sum

from loyalty.db import retry_on_conflict
from loyalty.errors import ApplicationError, not_found
from members.services import lock_member

from .. import signals, validation
from ..earning.rules import ROUNDING
from ..ledger.checks import not_before
from ..ledger.postings import Posting
from ..models import (
    LedgerEntry,
    PointLot,
    Program,
    Purchase,
    Refund,
)
from . import allocation


@retry_on_conflict
@transaction.atomic
def refund_purchase(
    *,
    purchase_id: int,
    amount,
    refund_id: str | None = None,
    reason: str = "",
    user=None,
    refunded_at: datetime | None = None,
) -> Refund:
    """Refund part or all of a purchase and reverse its points in proportion.

    The points to reverse are computed on the cumulative refunded amount, so several
    partial refunds never reverse more (or less) than one whole refund. They are taken
    from the purchase's own lot first (pending or spendable), then from other spendable
    points; what is already spent becomes a debt if the program allows a negative
    balance, otherwise it is recorded as the refund's shortfall.
    """
    purchase = Purchase.objects.filter(pk=purchase_id).first()
    if purchase is None:
        raise not_found("purchase", purchase_id)
    amount = validation.check_amount(amount, field="amount", label="refund amount")
    refund_id = (refund_id or "").strip() or f"refund-{secrets.token_hex(8)}"
    refunded_at = validation.check_moment(refunded_at, field="refunded_at", label="refund date")
    member = lock_member(purchase.member_id) if purchase.member_id else None
    purchase = Purchase.objects.select_for_update().get(pk=purchase_id)

    existing = _existing_refund(purchase, refund_id, amount)
    if existing is not None:
        return existing
    not_before(refunded_at, purchase.purchased_at, what="refund", of="purchase")
    _check_refundable(purchase, amount)

    program = Program.get()
    new_total = purchase.refunded_amount + amount
    to_reverse = _points_to_reverse(purchase, new_total, program)

    refund = Refund.objects.create(
        purchase=purchase,
        refund_id=refund_id,
        amount=amount,
        allocated_to_points=allocation.refund_share(
            purchase=purchase, refunded_before=purchase.refunded_amount, refunded_now=amount
        ),
        reason=reason[:255],
        created_by=user,
        created_at=refunded_at,
    )
    purchase.refunded_amount = new_total
    purchase.status = (
        Purchase.Status.REFUNDED
        if new_total == purchase.amount
        else Purchase.Status.PARTIALLY_REFUNDED
    )
    purchase.save(update_fields=["refunded_amount", "status"])

    if member is not None and to_reverse > 0:
        _reverse(member, purchase, refund, to_reverse, program, reason=reason, user=user)
    signals.purchase_refunded.send(sender=Purchase, purchase=purchase, refund=refund)
    return refund


def _existing_refund(purchase: Purchase, refund_id: str, amount) -> Refund | None:
    """The refund already recorded with this id (a retry), which must be for the same amount."""
    existing = Refund.objects.filter(purchase=purchase, refund_id=refund_id).first()
    if existing is not None and existing.amount != amount:
        raise ApplicationError(
            f"The refund {refund_id} was already recorded with the amount {existing.amount}.",
            code="idempotency_conflict",
            field="refund_id",
        )
    return existing


def _check_refundable(purchase: Purchase, amount) -> None:
    refundable = purchase.amount - purchase.refunded_amount
    if amount > refundable:
        raise ApplicationError(
            f"A refund of {amount} exceeds what is left to refund on order "
            f"{purchase.order_id} ({refundable}).",
            code="refund_exceeds_purchase",
            field="amount",
        )


def _points_to_reverse(purchase: Purchase, new_total, program: Program) -> int:
    """Computed on the cumulative refunded amount, less what earlier refunds reversed."""
    target = purchase.points_earned * new_total / purchase.amount
    target = int(target.to_integral_value(rounding=ROUNDING[program.rounding]))
    if new_total == purchase.amount:
        target = purchase.points_earned
    done = Refund.objects.filter(purchase=purchase).aggregate(
        total=Sum("points_reversed"), short=Sum("shortfall")
    )
    return max(0, target - (done["total"] or 0) - (done["short"] or 0))


def _reverse(member, purchase: Purchase, refund: Refund, to_reverse: int, program, *, reason, user):
    """Take the points from the purchase's own lot, then other spendable ones; the rest is a
    debt (when the program allows it) or the refund's shortfall."""
    posting = Posting(
        member=member,
        kind=LedgerEntry.Kind.REVERSE,
        idempotency_key=f"refund:{refund.pk}",
        effective_at=refund.created_at,
    )
    own = list(
        PointLot.objects.select_for_update()
        .filter(purchase=purchase, remaining__gt=0)
        .order_by("pk")
    )
    taken = posting.take(to_reverse, lots=own)
    if taken < to_reverse:
        taken += posting.take(to_reverse - taken)
    short = to_reverse - taken
    if short and program.allow_negative_balance:
        posting.add_debt(short)
        taken, short = to_reverse, 0
    refund.points_reversed, refund.shortfall = taken, short
    refund.save(update_fields=["points_reversed", "shortfall"])
    description = f"Refund of purchase #{purchase.order_id}"
    if short:
        description += f" ({short} points already spent, not reversed)"
    posting.post(
        purchase=purchase,
        refund=refund,
        shortfall=short,
        description=description,
        reason=reason,
        created_by=user,
    )
