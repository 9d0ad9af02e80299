"""Writes of the points ledger: purchases, refunds, adjustments, redemptions, releases.

Every function runs in one transaction, locks the member row first (so two requests on
one member run one after the other), validates, writes the ledger, and returns the
result; on any ``ApplicationError`` nothing is written. Callers (admin, API, importers,
commands, tasks) hold no business rules.
"""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from loyalty.codes import random_code
from loyalty.db import insert, retry_on_conflict
from loyalty.errors import ApplicationError, not_found
from members.models import Member
from members.services import end_login, lock_member

from . import allocation, audiences, config, currencies, earning, signals, validation
from .ledger import Posting, lot_expiry, spendable_points
from .models import (
    Channel,
    LedgerEntry,
    PointLot,
    Program,
    Purchase,
    PurchaseLine,
    Redemption,
    Refund,
    Reward,
)

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- validation helpers


def check_currency(program: Program, currency: str | None) -> str:
    code = (currency or program.currency).strip().upper()
    if not currencies.is_known(code):
        raise ApplicationError(
            f"The currency {code!r} is unknown: use a three-letter code such as EUR.",
            code="unknown_currency",
            field="currency",
        )
    if code != program.currency:
        raise ApplicationError(
            f"The currency {code} is not accepted: this program runs in {program.currency}.",
            code="wrong_currency",
            field="currency",
        )
    return code


def check_active(member: Member, *, action: str) -> Member:
    if member.status != Member.Status.ACTIVE:
        raise ApplicationError(
            f"The member {member.email} is {member.status} and cannot {action}.",
            code="member_not_active",
            field="member",
        )
    return member


def _not_before(moment: datetime, earliest: datetime, *, what: str, of: str) -> None:
    """An event dated when it happened can never precede the event it undoes."""
    if moment < earliest:
        raise ApplicationError(
            f"The {what} date cannot be before the {of} "
            f"({timezone.localtime(earliest):%Y-%m-%d %H:%M}).",
            code=f"before_{of}",
            field="effective_at" if what != "refund" else "refunded_at",
        )


# ---------------------------------------------------------------- purchases


def _lines(lines: list[dict] | None, limits: validation.Limits) -> list[earning.Line]:
    parsed = []
    for index, raw in enumerate(lines or []):
        field = f"lines[{index}].amount"
        quantity = raw.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise ApplicationError(
                f"The quantity of line {index + 1} must be a whole number of at least 1.",
                field=f"lines[{index}].quantity",
            )
        parsed.append(
            earning.Line(
                amount=validation.check_amount(
                    raw.get("amount", ""),
                    field=field,
                    label="line amount",
                    limits=limits,
                    allow_zero=True,
                ),
                sku=str(raw.get("sku") or "")[:100],
                category=str(raw.get("category") or "")[:100],
                quantity=quantity,
                is_gift_card=bool(raw.get("is_gift_card", False)),
                is_reward_item=bool(raw.get("is_reward_item", False)),
            )
        )
    return parsed


def get_channel(code: str, snapshot: config.Snapshot | None = None) -> Channel:
    """The channel of this code, from the cached settings (``rewards/config.py``)."""
    snapshot = snapshot or config.current()
    found = snapshot.channels.get((code or "").strip())
    if found is None:
        known = ", ".join(sorted(snapshot.channels)) or "none defined"
        raise ApplicationError(
            f"There is no channel {code!r} (known: {known}).",
            code="unknown_channel",
            field="channel",
        )
    return found


def tier_multiplier(
    member: Member | None, snapshot: config.Snapshot | None = None
) -> tuple[Decimal, str]:
    """The member's tier earn multiplier (1 when the member has no tier)."""
    if member is None or member.tier_id is None:
        return Decimal(1), ""
    tier = (snapshot.tier(member.tier_id) if snapshot else None) or member.tier
    return tier.earn_multiplier, tier.name


def _basket(snapshot: config.Snapshot, channel, amount, shipping_amount, tax_amount):
    """The validated channel and money of a basket (shared by quoting and recording)."""
    chan = get_channel(channel, snapshot)
    limits = validation.limits(snapshot.program)
    amount = validation.check_amount(amount, field="amount", limits=limits)
    shipping = validation.check_amount(
        shipping_amount, field="shipping_amount", label="shipping", limits=limits, allow_zero=True
    )
    tax = validation.check_amount(
        tax_amount, field="tax_amount", label="tax", limits=limits, allow_zero=True
    )
    if shipping + tax > amount:
        raise ApplicationError(
            "The shipping and tax cannot exceed the amount paid.", field="shipping_amount"
        )
    return chan, amount, shipping, tax


def quote_points(
    *,
    channel: str,
    amount,
    shipping_amount="0",
    tax_amount="0",
    lines: list[dict] | None = None,
    purchased_at: datetime | None = None,
    member_id: int | None = None,
) -> earning.Earning:
    """The points a basket would earn, without recording anything."""
    snapshot = config.current()
    chan, amount, shipping, tax = _basket(snapshot, channel, amount, shipping_amount, tax_amount)
    member = Member.objects.filter(pk=member_id).first() if member_id else None
    multiplier, tier_name = tier_multiplier(member, snapshot)
    return within_ceiling(
        earning.calculate(
            audience=audiences.audience_of(member.pk if member else None, snapshot.rules),
            program=snapshot.program,
            rules=snapshot.rules,
            channel=chan,
            amount=amount,
            shipping_amount=shipping,
            tax_amount=tax,
            lines=_lines(lines, validation.limits(snapshot.program)),
            purchased_at=validation.check_moment(
                purchased_at,
                field="purchased_at",
                label="purchase date",
                limits=validation.limits(snapshot.program),
            ),
            tier_multiplier=multiplier,
            tier_name=tier_name,
        )
    )


def within_ceiling(result: earning.Earning) -> earning.Earning:
    """The settings are bounded so that this never happens (``rewards.validation``); were
    they changed around the admin's checks, no purchase may earn past the columns' ceiling."""
    validation.check_points(
        result.points,
        field="amount",
        label="points this purchase would earn",
        limits=validation.COMPUTED,
        allow_zero=True,
    )
    return result


def record_purchase(**kwargs) -> Purchase:
    """Record a completed purchase and credit the points it earns (see ``_record_purchase``)."""
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

    A duplicate order is refused by the unique key (channel, order id) when the purchase
    is inserted, not by a query beforehand: ``record_purchase`` turns that error into
    ``duplicate_order``, and the transaction (a savepoint in a caller's) is rolled back.
    """
    order_id = (order_id or "").strip()
    if not order_id:
        raise ApplicationError("The order id is required.", field="order_id")
    if len(order_id) > 100:
        raise ApplicationError(
            "The order id cannot be longer than 100 characters.", field="order_id"
        )
    # The member is locked first, by the statement that also reads the settings' token.
    if member_id is not None:
        member, snapshot = config.lock_member(member_id)
    else:
        member, snapshot = None, config.current()
    program = snapshot.program
    chan, amount, shipping, tax = _basket(snapshot, channel, amount, shipping_amount, tax_amount)
    code = check_currency(program, currency)
    limits = validation.limits(program)
    purchased_at = validation.check_moment(
        purchased_at, field="purchased_at", label="purchase date", limits=limits
    )
    parsed_lines = _lines(lines, limits)
    if member_id is not None and member is None:
        raise not_found("member", member_id, field="member")

    multiplier, tier_name = tier_multiplier(member, snapshot)
    result = earning.calculate(
        audience=audiences.audience_of(member_id, snapshot.rules),
        program=program,
        rules=snapshot.rules,
        channel=chan,
        amount=amount,
        shipping_amount=shipping,
        tax_amount=tax,
        lines=parsed_lines,
        purchased_at=purchased_at,
        tier_multiplier=multiplier,
        tier_name=tier_name,
    )
    within_ceiling(result)
    if member is not None and member.status == Member.Status.ACTIVE and award_points:
        audiences.spend_budgets(result, snapshot.rules)
    breakdown = result.breakdown
    points = result.points
    if member is None:
        breakdown, points = [{"rule_id": None, "rule": "not a member", "points": 0}], 0
    elif member.status != Member.Status.ACTIVE:
        breakdown, points = (
            [{"rule_id": None, "rule": f"member is {member.status}: no points", "points": 0}],
            0,
        )
    elif not award_points:
        breakdown, points = [{"rule_id": None, "rule": "points not awarded", "points": 0}], 0
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
    if points > 0:
        posting = Posting(
            member=member,
            kind=LedgerEntry.Kind.EARN,
            idempotency_key=f"purchase:{purchase.pk}:earn",
            effective_at=purchased_at,
        )
        window = timedelta(days=program.return_window_days)
        posting.credit(
            points,
            pending_until=purchased_at + window if window else None,
            expires_at=lot_expiry(program, purchased_at),
            purchase=purchase,
        )
        posting.settle_debt()
        entry = posting.post(purchase=purchase, description=f"Purchase #{order_id}")
        signals.points_credited.send(sender=LedgerEntry, entry=entry)
    signals.purchase_recorded.send(sender=Purchase, purchase=purchase, snapshot=snapshot)
    return purchase


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
    member = Member.lock(purchase.member_id) if purchase.member_id else None
    purchase = Purchase.objects.select_for_update().get(pk=purchase_id)

    existing = Refund.objects.filter(purchase=purchase, refund_id=refund_id).first()
    if existing is not None:
        if existing.amount != amount:
            raise ApplicationError(
                f"The refund {refund_id} was already recorded with the amount {existing.amount}.",
                code="idempotency_conflict",
                field="refund_id",
            )
        return existing
    _not_before(refunded_at, purchase.purchased_at, what="refund", of="purchase")
    refundable = purchase.amount - purchase.refunded_amount
    if amount > refundable:
        raise ApplicationError(
            f"A refund of {amount} exceeds what is left to refund on order "
            f"{purchase.order_id} ({refundable}).",
            code="refund_exceeds_purchase",
            field="amount",
        )

    program = Program.get()
    new_total = purchase.refunded_amount + amount
    target = purchase.points_earned * new_total / purchase.amount
    target = int(target.to_integral_value(rounding=earning.ROUNDING[program.rounding]))
    if new_total == purchase.amount:
        target = purchase.points_earned
    done = Refund.objects.filter(purchase=purchase).aggregate(
        total=Sum("points_reversed"), short=Sum("shortfall")
    )
    to_reverse = max(0, target - (done["total"] or 0) - (done["short"] or 0))

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
        posting = Posting(
            member=member,
            kind=LedgerEntry.Kind.REVERSE,
            idempotency_key=f"refund:{refund.pk}",
            effective_at=refunded_at,
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
    signals.purchase_refunded.send(sender=Purchase, purchase=purchase, refund=refund)
    return refund


# ---------------------------------------------------------------- adjustments


# ---------------------------------------------------------------- redemptions


def new_redemption_code() -> str:
    raw = random_code(12)  # read aloud at a till
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _existing_redemption(key: str, *, member_id: int, reward_id, points) -> Redemption | None:
    found = Redemption.objects.filter(idempotency_key=key).first()
    if found is None:
        return None
    same = found.member_id == member_id and found.reward_id == reward_id
    if not same or (points is not None and found.points != points):
        raise ApplicationError(
            "This idempotency key was already used for another redemption.",
            code="idempotency_conflict",
            field="idempotency_key",
        )
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
    _not_before(when, redemption.created_at, what="cancellation", of="redemption")
    member = Member.lock(redemption.member_id)
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


# ---------------------------------------------------------------- pending points


def release_pending_points(*, now: datetime | None = None, batch_size: int = 500) -> dict:
    """Make pending points spendable once their return window has passed.

    One transaction per batch of members (``rewards/release.py``) and one ``release``
    entry per member; the due lots are re-read under the member locks, so a concurrent
    or repeated run releases nothing twice.
    """
    now = now or timezone.now()
    released_points = members = 0
    last_id = 0
    while True:
        member_ids = list(
            PointLot.objects.filter(
                status=PointLot.Status.PENDING, available_at__lte=now, member_id__gt=last_id
            )
            .order_by("member_id")
            .values_list("member_id", flat=True)
            .distinct()[:batch_size]
        )
        if not member_ids:
            break
        batch_members, batch_points = release_batch(member_ids, now=now, one_member=_release_member)
        members += batch_members
        released_points += batch_points
        last_id = member_ids[-1]
    return {"members": members, "points": released_points}


@retry_on_conflict
@transaction.atomic
def _release_member(member_id: int, now: datetime) -> int:
    member = Member.lock(member_id)
    lots = list(
        PointLot.objects.select_for_update()
        .filter(member=member, status=PointLot.Status.PENDING, available_at__lte=now)
        .order_by("pk")
    )
    if not lots:
        return 0
    points = sum(lot.remaining for lot in lots)
    PointLot.objects.filter(pk__in=[lot.pk for lot in lots]).update(
        status=PointLot.Status.AVAILABLE
    )
    if points == 0:  # fully refunded while pending: nothing to move
        return 0
    digest = hashlib.sha1(",".join(str(lot.pk) for lot in lots).encode()).hexdigest()[:16]  # noqa: S324
    posting = Posting(
        member=member,
        kind=LedgerEntry.Kind.RELEASE,
        idempotency_key=f"release:{member.pk}:{digest}",
        effective_at=max(lot.available_at for lot in lots),
    )
    for lot in lots:
        lot.status = PointLot.Status.AVAILABLE
    posting.new_lots = [lot for lot in lots if lot.remaining > 0]  # candidates to settle a debt
    posting.settle_debt()
    posting.new_lots = []
    entry = posting.post(
        extra_points=points,
        extra_pending=-points,
        description=f"{points} pending points are now spendable",
    )
    signals.points_released.send(sender=LedgerEntry, entry=entry)
    return points


# ---------------------------------------------------------------- closing a membership


@retry_on_conflict
@transaction.atomic
def close_membership(*, member_id: int, user=None) -> LedgerEntry | None:
    """Close a membership: forfeit every spendable and pending point in ONE entry.

    All lots with points left are taken, pending ones and ones past their expiry date
    included, so that the member's balance and pending points end at zero and the
    points leave the liability as forfeited. Redemption codes already issued stay
    valid: the member paid for them before closing. A debt (negative balance) is left
    as it is: it is owed to the program, not points of the member. The member's login
    can no longer sign in and its sessions end. Returns the entry, or None when there
    was nothing to forfeit.
    """
    member = lock_member(member_id)
    if member.status == Member.Status.CLOSED:
        raise ApplicationError(
            f"The member {member.email} is already closed.",
            code="already_closed",
            field="member",
        )
    lots = list(
        PointLot.objects.select_for_update()
        .filter(member=member, is_debt=False, remaining__gt=0)
        .order_by("pk")
    )
    entry = None
    total = sum(lot.remaining for lot in lots)
    if total:
        posting = Posting(
            member=member,
            kind=LedgerEntry.Kind.FORFEIT,
            idempotency_key=f"close:{member.pk}:{secrets.token_hex(8)}",
        )
        posting.take(total, lots=lots)
        entry = posting.post(
            description=f"Membership closed: {total} points forfeited",
            reason="closed by the member"
            if user is None or not user.is_staff
            else "closed by staff",
            created_by=user if user is not None and user.is_staff else None,
        )
    member.status = Member.Status.CLOSED
    member.save(update_fields=["status", "updated_at"])
    if member.user is not None:  # a closed membership has no login: it ends here
        end_login(user=member.user)
    return entry


# ---------------------------------------------------------------- adjustments, expiry
# Re-exported so that callers find every write in services; they live in adjustments.py
# (with the approval of large ones) and expiry.py (with its SQL).
from .adjustments import ADJUSTMENT_TEXT as ADJUSTMENT_TEXT  # noqa: E402
from .adjustments import adjust_points as adjust_points  # noqa: E402
from .expiry import apply_expiry_policy_to_open_lots as apply_expiry_policy_to_open_lots  # noqa: E402
from .expiry import expire_points as expire_points  # noqa: E402
from .expiry import expiry_preview as expiry_preview  # noqa: E402
from .expiry import send_expiry_reminders as send_expiry_reminders  # noqa: E402
from .release import release_batch  # noqa: E402
