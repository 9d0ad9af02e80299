"""How many points a purchase earns: a pure calculation, shared by recording and quoting.

What earns is what the customer paid for goods: ``amount`` (already after discounts and
after the part paid with points or a reward) less shipping and tax unless the program
says they earn. Lines only split that amount: each line's share is proportional to its
own amount, so order-level discounts are spread over the lines; gift cards (unless the
program says so) and reward items earn nothing. Each component is rounded by the
program's rounding rule, so the breakdown adds up exactly to the points awarded.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from ..models import Channel, EarnRule, Program

ROUNDING = {
    Program.Rounding.FLOOR: ROUND_FLOOR,
    Program.Rounding.HALF_UP: ROUND_HALF_UP,
    Program.Rounding.CEILING: ROUND_CEILING,
}
CENT = Decimal("0.01")


@dataclass
class Line:
    amount: Decimal
    sku: str = ""
    category: str = ""
    quantity: int = 1
    is_gift_card: bool = False
    is_reward_item: bool = False


@dataclass
class Earning:
    eligible_amount: Decimal = Decimal("0")
    points: int = 0
    breakdown: list[dict] = field(default_factory=list)

    def add(self, label: str, points: int, rule: EarnRule | None = None) -> None:
        self.breakdown.append(
            {"rule_id": rule.pk if rule else None, "rule": label, "points": points}
        )
        self.points += points


def to_points(program: Program, money: Decimal, factor: Decimal = Decimal(1)) -> int:
    raw = money * Decimal(program.earn_points) * factor / program.earn_per_amount
    return int(raw.to_integral_value(rounding=ROUNDING[program.rounding]))


def rule_applies(rule: EarnRule, *, channel: Channel, amount: Decimal, when: datetime) -> bool:
    if rule.starts_at and when < rule.starts_at:
        return False
    if rule.ends_at and when >= rule.ends_at:
        return False
    if rule.weekdays and when.isoweekday() not in rule.weekday_set():
        return False
    if rule.channel_id and rule.channel_id != channel.pk:
        return False
    return not (rule.min_order_amount is not None and amount < rule.min_order_amount)


def line_matches(rule: EarnRule, line: Line) -> bool:
    if rule.sku and line.sku.lower() != rule.sku.lower():
        return False
    return not (rule.category and line.category.lower() != rule.category.lower())


def calculate(
    *,
    program: Program,
    rules: list[EarnRule],
    channel: Channel,
    amount: Decimal,
    shipping_amount: Decimal = Decimal("0"),
    tax_amount: Decimal = Decimal("0"),
    lines: list[Line] | None = None,
    purchased_at: datetime,
    tier_multiplier: Decimal = Decimal(1),
    tier_name: str = "",
    audience: frozenset[int] = frozenset(),
) -> Earning:
    """``audience``: the audience-only rules the member is in (``audiences.audience_of``)."""
    earning = Earning()
    if not channel.earns_points:
        earning.breakdown.append(
            {"rule_id": None, "rule": f"channel {channel.code} does not earn points", "points": 0}
        )
        return earning

    goods = amount - shipping_amount - tax_amount
    shares = _line_shares(program, goods, lines or [Line(amount=goods)])
    eligible = sum((share for _, share in shares), Decimal(0))
    if program.earn_on_shipping:
        eligible += shipping_amount
    if program.earn_on_tax:
        eligible += tax_amount
    earning.eligible_amount = eligible.quantize(CENT, rounding=ROUND_HALF_UP)

    base = to_points(program, eligible)
    earning.add("Base rate", base)
    if tier_multiplier != 1:
        earning.add(
            f"Tier {tier_name} x{tier_multiplier}",
            to_points(program, eligible, tier_multiplier - 1),
        )
    for rule in rules:
        if rule.audience_only and rule.pk not in audience:
            continue
        if rule_applies(rule, channel=channel, amount=amount, when=purchased_at):
            _add_rule(earning, rule, program=program, shares=shares, eligible=eligible)
    return earning


def _line_shares(program: Program, goods: Decimal, lines: list[Line]) -> list[tuple[Line, Decimal]]:
    """Each line's part of the goods amount (the discounts spread by its price); reward items,
    and gift cards unless the program earns on them, earn nothing."""
    lines_total = sum((line.amount for line in lines), Decimal(0))
    shares: list[tuple[Line, Decimal]] = []
    for line in lines:
        share = goods * line.amount / lines_total if lines_total else Decimal(0)
        earns = not line.is_reward_item and (program.earn_on_gift_cards or not line.is_gift_card)
        shares.append((line, share if earns else Decimal(0)))
    return shares


def _add_rule(
    earning: Earning,
    rule: EarnRule,
    *,
    program: Program,
    shares: list[tuple[Line, Decimal]],
    eligible: Decimal,
) -> None:
    """What one applicable rule adds: a rule scoped to SKUs or a category counts only the
    lines it matches, and adds nothing when none does."""
    scoped = bool(rule.sku or rule.category)
    matching = [share for line, share in shares if not scoped or line_matches(rule, line)]
    if scoped and not matching:
        return
    if rule.kind == EarnRule.Kind.MULTIPLIER:
        scope_amount = sum(matching, Decimal(0)) if scoped else eligible
        extra = to_points(program, scope_amount, rule.multiplier - 1)
        if extra:
            earning.add(rule.name, extra, rule)
    elif rule.bonus_points:
        earning.add(rule.name, rule.bonus_points, rule)


def most_points(
    *,
    max_amount: Decimal,
    earn_points: int,
    earn_per_amount: Decimal,
    tier_multiplier: Decimal,
    rule_multipliers: list[Decimal],
    bonuses: list[int],
) -> int:
    """What one purchase can earn at most (``rewards.earning.rules.calculate``): the base rate, the
    tier's extra and each multiplier rule's extra on at most the amount paid, plus each
    bonus, each part rounded up at worst::

        points <= A x E / M x (T + sum(m - 1)) + sum(b) + 2 + number of rules

    A: the largest purchase, E / M: ``earn_points`` per ``earn_per_amount`` (at most 100
    points per 1.00), T: the highest tier multiplier, m: the active multiplier rules, b: the
    active bonuses, all assumed to apply at once. Saving a program, rule or tier that would
    let this pass ``HARD_MAX_POINTS`` is refused (``validation.check_purchase_ceiling``): with the
    defaults (1,000,000.00 at 1 point per 1.00) the tier and the rules may multiply the base
    by up to 100 together, 100,000,000 points, whose sums over all time stay far inside the
    64-bit columns of balances and entries.
    """
    factor = Decimal(tier_multiplier) + sum((Decimal(m) - 1 for m in rule_multipliers), Decimal(0))
    raw = max_amount * Decimal(earn_points) * factor / earn_per_amount
    rounding = 2 + len(rule_multipliers) + len(bonuses)  # each part rounded up at worst
    return int(raw.to_integral_value(rounding=ROUND_CEILING)) + sum(bonuses) + rounding
