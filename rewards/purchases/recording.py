"""Record a purchase: validate it, store it with its lines, credit the points it earns."""

from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from loyalty.db import insert, retry_on_conflict
from loyalty.errors import ApplicationError, not_found
from members.models import Member

from .. import signals, validation
from ..earning import config
from ..earning.audiences import spend_budgets
from ..earning.quotes import basket, check_currency, earn, parse_lines
from ..ledger.postings import Posting
from ..models import (
    LedgerEntry,
    Purchase,
    PurchaseLine,
)
from . import allocation
from .earned import credit_dates, earn_description, earn_key, no_points_breakdown, no_points_reason


def record_purchase(**kwargs) -> Purchase:
    """Record a completed purchase and credit the points it earns (see ``_record_purchase``).

    A duplicate order is refused by the unique key (channel, order id) when the purchase
    is inserted, not by a query beforehand: this turns that error into ``duplicate_order``,
    and the transaction (a savepoint in a caller's) is rolled back.
    """
    try:
        return _record_purchase(**kwargs)
    except IntegrityError as exc:
        # The same channel + order id (recorded before, or concurrently for another
        # member): the unique key refused it and the purchase's writes were rolled back.
        if not any(
            mark in str(exc)
            for mark in ("purchase_channel_order_uniq", "rewards_purchase.order_id")
        ):
            raise
        raise ApplicationError(
            f"The order {(kwargs.get('order_id') or '').strip()} on channel "
            f"{(kwargs.get('channel') or '').strip()} is already recorded.",
            code="duplicate_order",
            field="order_id",
        ) from None


@retry_on_conflict
@transaction.atomic
def _record_purchase(
    *,
    channel: str,
    order_id: str,
    amount,
    currency: str | None = None,
    purchased_at: datetime | None = None,
    member_id: int | None = None,
    shipping_amount="0",
    tax_amount="0",
    lines: list[dict] | None = None,
    award_points: bool = True,
) -> Purchase:
    """Record a completed purchase and credit the points it earns.

    The points are pending until the program's return window has passed (counted
    from ``purchased_at``), and expire by the program's policy counted from the same
    date, so a purchase recorded late (or imported) is treated as of its own date.
    """
    order_id = _order_id(order_id)
    # The member is locked first, by the statement that also reads the settings' token.
    member, snapshot = config.lock_member(member_id) if member_id else (None, config.current())
    program = snapshot.program
    chan, amount, shipping, tax = basket(snapshot, channel, amount, shipping_amount, tax_amount)
    code = check_currency(program, currency)
    purchased_at, parsed_lines = _when_and_lines(program, purchased_at, lines)
    if member_id is not None and member is None:
        raise not_found("member", member_id, field="member")

    result = earn(snapshot, member, chan, amount, shipping, tax, parsed_lines, purchased_at)
    reason = no_points_reason(member, award_points=award_points)
    if reason is None:
        spend_budgets(result, snapshot.rules)  # a campaign's budget, only when awarded
    breakdown, points = result.breakdown, result.points
    if reason is not None:
        breakdown, points = no_points_breakdown(reason), 0
    allocated = allocation.for_sale(
        rates=snapshot.rates, amount=amount, points=points, point_value=program.point_value,
        at=purchased_at,
    )  # fmt: skip
    purchase = Purchase(
        channel=chan,
        order_id=order_id,
        member=member,
        purchased_at=purchased_at,
        currency=code,
        amount=amount,
        shipping_amount=shipping,
        tax_amount=tax,
        eligible_amount=result.eligible_amount,
        points_earned=points,
        earn_breakdown=breakdown,
        **allocated.fields(),
    )
    insert(purchase, connection)  # one hand-written INSERT: no ORM compilation, no signals
    _insert_lines(purchase, parsed_lines)
    if points > 0:
        _credit(member, purchase, program)
    signals.purchase_recorded.send(sender=Purchase, purchase=purchase, snapshot=snapshot)
    return purchase


def _when_and_lines(program, purchased_at, lines):
    limits = validation.limits(program)
    purchased_at = validation.check_moment(
        purchased_at, field="purchased_at", label="purchase date", limits=limits
    )
    return purchased_at, parse_lines(lines, limits)


def _insert_lines(purchase: Purchase, parsed_lines) -> None:
    if parsed_lines:
        PurchaseLine.objects.bulk_create(
            PurchaseLine(
                purchase=purchase,
                sku=line.sku,
                category=line.category,
                quantity=line.quantity,
                amount=line.amount,
                is_gift_card=line.is_gift_card,
                is_reward_item=line.is_reward_item,
            )
            for line in parsed_lines
        )


def _order_id(order_id: str) -> str:
    order_id = (order_id or "").strip()
    if not order_id:
        raise ApplicationError("The order id is required.", field="order_id")
    if len(order_id) > 100:
        raise ApplicationError(
            "The order id cannot be longer than 100 characters.", field="order_id"
        )
    return order_id


def _credit(member: Member, purchase: Purchase, program) -> None:
    """The purchase's earn entry and lot, dated by ``earned.credit_dates``."""
    credit = credit_dates(program, purchase.purchased_at, now=timezone.now())
    posting = Posting(
        member=member,
        kind=LedgerEntry.Kind.EARN,
        idempotency_key=earn_key(purchase.pk),
        effective_at=credit.effective_at,
    )
    posting.credit(
        purchase.points_earned,
        pending_until=credit.pending_until,
        expires_at=credit.expires_at,
        purchase=purchase,
    )
    posting.settle_debt()
    entry = posting.post(purchase=purchase, description=earn_description(purchase.order_id))
    signals.points_credited.send(sender=LedgerEntry, entry=entry)
