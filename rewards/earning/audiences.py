"""Earn rules for listed members only, with a budget: the extension point campaigns use.

A campaign (an upper layer) creates an audience-only ``EarnRule`` through
``create_audience_rule`` with the ids of the members it targets; a purchase applies the
rule only if its member is listed (``audience_of``, one query, only while such a rule is
active), and ``spend_budgets`` caps the rule's points by what is left of its budget,
under a row lock, so that concurrent purchases never award past it. The rule then shows
in the purchase's breakdown like any other, is reversed by refunds like any other, and
counts in the ceiling of what one purchase can earn. Rewards never imports campaigns.
"""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet

from loyalty.db import insert_select
from loyalty.errors import ApplicationError

from .. import selectors, validation
from ..models import Channel, EarnRule, Program, RuleAudience, RuleBudget
from .rules import Earning


def audience_of(member_id: int | None, rules) -> frozenset[int]:
    """The audience-only rules among ``rules`` that list this member."""
    ids = [rule.pk for rule in rules if rule.audience_only]
    if not ids or member_id is None:
        return frozenset()
    listed = RuleAudience.objects.filter(rule_id__in=ids, member_id=member_id)
    return frozenset(listed.values_list("rule_id", flat=True))


def _budget_row(rule_id: int) -> RuleBudget:
    row = RuleBudget.objects.select_for_update().filter(rule_id=rule_id).first()
    if row is None:  # a budget set on an existing rule: its counter starts now
        try:
            with transaction.atomic():
                RuleBudget.objects.create(rule_id=rule_id)
        except IntegrityError:
            pass  # a concurrent purchase created it
        row = RuleBudget.objects.select_for_update().get(rule_id=rule_id)
    return row


def spend_budgets(result: Earning, rules) -> Earning:
    """Cap each budgeted rule's points by what is left of its budget, and count them.

    Call inside the purchase's transaction, after the member is locked; budget rows are
    locked in rule order (the breakdown's), so purchases never deadlock on them.
    """
    budgets = {rule.pk: rule.budget_points for rule in rules if rule.budget_points is not None}
    for part in result.breakdown:
        budget = budgets.get(part["rule_id"])
        if budget is None or part["points"] <= 0:
            continue
        row = _budget_row(part["rule_id"])
        granted = max(0, min(part["points"], budget - row.awarded))
        if granted:
            RuleBudget.objects.filter(pk=row.pk).update(awarded=F("awarded") + granted)
        if granted < part["points"]:
            result.points -= part["points"] - granted
            part["points"] = granted
            part["rule"] = f"{part['rule']} (budget spent)"
    return result


@transaction.atomic
def create_audience_rule(
    *,
    name: str,
    kind: str,
    multiplier: Decimal,
    bonus_points: int,
    starts_at: datetime,
    ends_at: datetime,
    channel: Channel | None,
    min_order_amount: Decimal | None,
    budget_points: int | None,
    members: QuerySet,
) -> EarnRule:
    """An active audience-only rule for ``members`` (a queryset of member ids), copied in
    by one INSERT ... SELECT; refused, writing nothing, if it is not a valid rule or would
    let a purchase earn past the ceiling."""
    rule = EarnRule(
        name=name[:200], kind=kind, multiplier=multiplier, bonus_points=bonus_points,
        starts_at=starts_at, ends_at=ends_at, channel=channel, min_order_amount=min_order_amount,
        audience_only=True, budget_points=budget_points, active=True,
    )  # fmt: skip
    try:
        rule.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ApplicationError(messages[0], field=field) from None
    program = Program.get()
    validation.check_purchase_ceiling(
        selectors.most_points_per_purchase(program=program, rule=rule),
        field="multiplier" if kind == EarnRule.Kind.MULTIPLIER else "bonus_points",
        label="campaign",
        max_amount=program.max_purchase_amount,
    )
    rule.save()
    RuleBudget.objects.create(rule=rule)
    insert_select(RuleAudience._meta.db_table, ["rule_id", "member_id"], [rule.pk], members)
    return rule


@transaction.atomic
def end_rule(*, rule_id: int) -> None:
    """Stop an audience rule from applying to any later purchase."""
    EarnRule.objects.filter(pk=rule_id, audience_only=True).update(active=False)


def awarded(rule_id: int) -> int:
    """The points a budgeted rule has awarded so far."""
    row = RuleBudget.objects.filter(rule_id=rule_id).first()
    return row.awarded if row else 0
