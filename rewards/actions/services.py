"""Points for actions other than purchases: sign-up, birthday, review, share, newsletter, custom.

``record_action`` is the one way in (staff in the admin, the API, the merchant's systems,
the birthday job, the sign-up hook): it checks the rule's window and limit under the
member lock, so two concurrent calls cannot both pass a "once" limit, and credits the
points as a ledger entry of kind ``action``.
"""

import logging
import secrets
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from loyalty.db import retry_on_conflict
from loyalty.errors import ApplicationError, idempotency_conflict
from members.models import Member
from members.services import lock_member

from .. import validation
from ..adjustments.services import adjust_points
from ..ledger.checks import check_active
from ..models import ActionRule, LedgerEntry, MemberAction

log = logging.getLogger(__name__)


def effective_limit(rule: ActionRule) -> tuple[str, int]:
    """A birthday counts once a year and a sign-up once ever, whatever the rule says."""
    if rule.kind == ActionRule.Kind.BIRTHDAY:
        return ActionRule.Limit.YEAR, 1
    if rule.kind == ActionRule.Kind.SIGNUP:
        return ActionRule.Limit.ONCE, 1
    return rule.limit, rule.limit_count


def period_bounds(limit: str, moment: datetime) -> tuple[datetime, datetime] | None:
    """The calendar period (program time zone) of ``moment`` for a limit; None: no period."""
    local = timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)
    if limit == ActionRule.Limit.DAY:
        return local, local + timedelta(days=1)
    if limit == ActionRule.Limit.WEEK:
        start = local - timedelta(days=local.weekday())
        return start, start + timedelta(days=7)
    if limit == ActionRule.Limit.MONTH:
        start = local.replace(day=1)
        end = (
            start.replace(year=start.year + 1, month=1)
            if start.month == 12
            else start.replace(month=start.month + 1)
        )
        return start, end
    if limit == ActionRule.Limit.YEAR:
        start = local.replace(month=1, day=1)
        return start, start.replace(year=start.year + 1)
    return None


def _rule(code: str) -> ActionRule:
    code = (code or "").strip()
    rule = ActionRule.objects.filter(code=code).first()
    if rule is None:
        raise ApplicationError(f"There is no action {code!r}.", code="unknown_action", field="code")
    return rule


def _check_window(rule: ActionRule, when: datetime) -> None:
    if not rule.active:
        raise ApplicationError(
            f"The action {rule.code!r} is not active.", code="action_inactive", field="code"
        )
    if (rule.starts_at and when < rule.starts_at) or (rule.ends_at and when >= rule.ends_at):
        raise ApplicationError(
            f"The action {rule.code!r} is not offered on {timezone.localtime(when):%Y-%m-%d}.",
            code="action_inactive",
            field="code",
        )


def _check_limit(rule: ActionRule, member: Member, when: datetime) -> None:
    limit, count = effective_limit(rule)
    if limit == ActionRule.Limit.UNLIMITED:
        return
    done = MemberAction.objects.filter(member=member, rule=rule)
    bounds = period_bounds(limit, when)
    if bounds is not None:
        done = done.filter(occurred_at__gte=bounds[0], occurred_at__lt=bounds[1])
    if done.count() >= count:
        label = dict(ActionRule.Limit.choices)[limit].lower()
        times = "once" if count == 1 else f"{count} times"
        what = f"{times} ever" if limit == ActionRule.Limit.ONCE else f"{times} {label}"
        raise ApplicationError(
            f"{member.email} already earned '{rule.name}' {what}: the limit is reached, no points.",
            code="action_limit_reached",
            field="code",
        )


@retry_on_conflict
@transaction.atomic
def record_action(
    *,
    member_id: int,
    code: str,
    idempotency_key: str | None = None,
    occurred_at: datetime | None = None,
    user=None,
    reference: str = "",
) -> LedgerEntry:
    """Credit the points of the action ``code`` to a member, within the rule's limit.

    A retry with the same ``idempotency_key`` returns the first entry and credits nothing.
    Refused (nothing written) with ``unknown_action``, ``action_inactive``,
    ``action_limit_reached``, ``not_birthday_month``, ``member_not_active``.
    """
    key = _action_key(idempotency_key)
    member = lock_member(member_id)
    rule = _rule(code)
    existing = _existing_action(key, member, rule)
    if existing is not None:
        return existing
    occurred_at = validation.check_moment(occurred_at, field="occurred_at", label="action date")
    check_active(member, action="earn points")
    _check_window(rule, occurred_at)
    _check_birthday(rule, member, occurred_at)
    _check_limit(rule, member, occurred_at)
    entry = adjust_points(
        member_id=member.pk,
        points=rule.points,
        reason=f"Action: {rule.name}",
        user=user,
        idempotency_key=key,
        kind=LedgerEntry.Kind.ACTION,
        description=rule.name[:255],
        reference=(reference or f"action:{rule.code}")[:200],
        effective_at=occurred_at,
    )
    MemberAction.objects.create(
        member=member,
        rule=rule,
        entry=entry,
        occurred_at=occurred_at,
        reference=reference[:200],
        created_by=user,
    )
    return entry


def _action_key(idempotency_key: str | None) -> str:
    key = (
        f"action:{idempotency_key.strip()}"
        if idempotency_key
        else f"action:{secrets.token_hex(12)}"
    )
    if len(key) > 200:
        raise ApplicationError(
            "The idempotency key cannot be longer than 193 characters.", field="idempotency_key"
        )
    return key


def _existing_action(key: str, member: Member, rule: ActionRule) -> LedgerEntry | None:
    """The entry a retry with this key already credited, which must be the same action."""
    existing = LedgerEntry.objects.filter(idempotency_key=key).first()
    if existing is not None:
        record = MemberAction.objects.filter(entry=existing).first()
        if record is None or record.member_id != member.pk or record.rule_id != rule.pk:
            raise idempotency_conflict()
    return existing


def _check_birthday(rule: ActionRule, member: Member, occurred_at: datetime) -> None:
    if rule.kind == ActionRule.Kind.BIRTHDAY:
        month = timezone.localtime(occurred_at).month
        if member.birthday is None or member.birthday.month != month:
            raise ApplicationError(
                f"{member.email} has no birthday in this month: no birthday bonus.",
                code="not_birthday_month",
                field="code",
            )


def on_member_created(sender, instance, created, raw=False, **kwargs):
    """Credit the active sign-up bonus to a new member (in the enrolment's transaction)."""
    if not created or raw or instance.status != Member.Status.ACTIVE:
        return
    when = min(instance.enrolled_at or timezone.now(), timezone.now())
    for rule in ActionRule.objects.filter(kind=ActionRule.Kind.SIGNUP, active=True):
        try:
            record_action(
                member_id=instance.pk,
                code=rule.code,
                idempotency_key=f"signup:{instance.pk}:{rule.pk}",
                occurred_at=when,
            )
        except ApplicationError as exc:  # e.g. enrolled outside the rule's window
            log.info("no sign-up bonus for member %s: %s", instance.pk, exc)


def award_birthday_bonuses(*, today: date | None = None, batch_size: int = 500) -> dict:
    """Credit the birthday bonus to active members whose birthday month is now (once a year).

    Safe to run daily and to re-run: members who already had it this year are left out
    by one query, and the idempotency key (rule, member, year) refuses a second credit.
    """
    now = timezone.now()
    if today is None:
        when = now
    else:
        when = min(
            now,
            timezone.make_aware(datetime.combine(today, datetime.min.time())) + timedelta(hours=12),
        )
    local = timezone.localtime(when)
    year_start, year_end = period_bounds(ActionRule.Limit.YEAR, when)
    result = {"awarded": 0, "points": 0, "refused": 0}
    for rule in ActionRule.objects.filter(kind=ActionRule.Kind.BIRTHDAY, active=True):
        if (rule.starts_at and when < rule.starts_at) or (rule.ends_at and when >= rule.ends_at):
            continue
        already = MemberAction.objects.filter(
            rule=rule, occurred_at__gte=year_start, occurred_at__lt=year_end
        ).values("member_id")
        last = 0
        while True:
            ids = list(
                Member.objects.filter(
                    status=Member.Status.ACTIVE, birthday__month=local.month, pk__gt=last
                )
                .exclude(pk__in=already)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            last = ids[-1]
            for member_id in ids:
                try:
                    entry = record_action(
                        member_id=member_id,
                        code=rule.code,
                        idempotency_key=f"birthday:{rule.pk}:{member_id}:{local.year}",
                        occurred_at=when,
                    )
                except ApplicationError as exc:
                    log.warning("birthday bonus refused for member %s: %s", member_id, exc)
                    result["refused"] += 1
                else:
                    result["awarded"] += 1
                    result["points"] += entry.points
    return result
