"""What a basket earns: its validated channel, money, lines and currency, and the quote."""

from datetime import datetime
from decimal import Decimal

from loyalty.errors import ApplicationError
from members.models import Member

from .. import validation
from ..models import (
    Channel,
    Program,
)
from . import config, currencies
from .audiences import audience_of
from .rules import Earning, Line, calculate


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


def parse_lines(lines: list[dict] | None, limits: validation.Limits) -> list[Line]:
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
            Line(
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
    """The channel of this code, from the cached settings (``rewards/earning/config.py``)."""
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


def basket(snapshot: config.Snapshot, channel, amount, shipping_amount, tax_amount):
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
) -> Earning:
    """The points a basket would earn, without recording anything."""
    snapshot = config.current()
    chan, amount, shipping, tax = basket(snapshot, channel, amount, shipping_amount, tax_amount)
    member = Member.objects.filter(pk=member_id).first() if member_id else None
    limits = validation.limits(snapshot.program)
    parsed_lines = parse_lines(lines, limits)
    purchased_at = validation.check_moment(
        purchased_at, field="purchased_at", label="purchase date", limits=limits
    )
    return earn(snapshot, member, chan, amount, shipping, tax, parsed_lines, purchased_at)


def earn(snapshot, member, channel, amount, shipping, tax, lines, purchased_at) -> Earning:
    """What a validated basket earns with the cached settings and the member's tier: the
    same calculation for a quote and a recorded purchase, bounded by the ceiling."""
    multiplier, tier_name = tier_multiplier(member, snapshot)
    return within_ceiling(
        calculate(
            audience=audience_of(member.pk if member else None, snapshot.rules),
            program=snapshot.program,
            rules=snapshot.rules_for(member.tier_id if member else None),
            channel=channel,
            amount=amount,
            shipping_amount=shipping,
            tax_amount=tax,
            lines=lines,
            purchased_at=purchased_at,
            tier_multiplier=multiplier,
            tier_name=tier_name,
        )
    )


def within_ceiling(result: Earning) -> Earning:
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
