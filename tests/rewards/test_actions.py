"""Points for actions: every limit, birthday once a year in its month, sign-up, idempotency."""

import datetime as dt
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from loyalty.errors import ApplicationError
from members.services import enroll_member
from rewards.actions.services import award_birthday_bonuses, record_action
from rewards.models import ActionRule, LedgerEntry, MemberAction
from tests.factories import ActionRuleFactory, MemberFactory
from tests.helpers import assert_ledger_consistent, balance


def at(year, month, day, hour=12):
    return timezone.make_aware(dt.datetime(year, month, day, hour))


def refused_code(member, code, **kwargs):
    with pytest.raises(ApplicationError) as exc:
        record_action(member_id=member.pk, code=code, **kwargs)
    return exc.value.code


def test_an_action_credits_its_points_as_an_action_entry(member):
    ActionRuleFactory(code="review", kind="review", points=25, limit="unlimited")
    entry = record_action(member_id=member.pk, code="review", reference="review-9")
    assert (entry.kind, entry.points) == (LedgerEntry.Kind.ACTION, 25)
    assert MemberAction.objects.get(member=member).reference == "review-9"
    assert balance(member) == 25
    assert_ledger_consistent()


def test_a_once_ever_action_is_refused_the_second_time(member):
    ActionRuleFactory(code="newsletter", kind="newsletter", limit="once")
    record_action(member_id=member.pk, code="newsletter", occurred_at=at(2025, 1, 1))
    assert refused_code(member, "newsletter", occurred_at=at(2026, 6, 1)) == "action_limit_reached"
    assert balance(member) == 10


def test_a_daily_action_is_refused_twice_the_same_day_and_allowed_the_next(member):
    ActionRuleFactory(code="share", kind="share", limit="day")
    record_action(member_id=member.pk, code="share", occurred_at=at(2026, 3, 2, 9))
    assert refused_code(member, "share", occurred_at=at(2026, 3, 2, 23)) == "action_limit_reached"
    record_action(member_id=member.pk, code="share", occurred_at=at(2026, 3, 3, 0))
    assert balance(member) == 20


def test_a_weekly_action_counts_from_monday(member):
    ActionRuleFactory(code="share", limit="week")
    record_action(member_id=member.pk, code="share", occurred_at=at(2026, 3, 2))  # a Monday
    assert refused_code(member, "share", occurred_at=at(2026, 3, 8)) == "action_limit_reached"
    record_action(member_id=member.pk, code="share", occurred_at=at(2026, 3, 9))
    assert balance(member) == 20


def test_a_monthly_action_is_allowed_again_next_month(member):
    ActionRuleFactory(code="review", limit="month")
    record_action(member_id=member.pk, code="review", occurred_at=at(2026, 1, 31))
    assert refused_code(member, "review", occurred_at=at(2026, 1, 1)) == "action_limit_reached"
    record_action(member_id=member.pk, code="review", occurred_at=at(2026, 2, 1))
    assert balance(member) == 20


def test_a_yearly_action_is_allowed_again_next_year(member):
    ActionRuleFactory(code="survey", limit="year")
    record_action(member_id=member.pk, code="survey", occurred_at=at(2025, 12, 31))
    assert refused_code(member, "survey", occurred_at=at(2025, 1, 1)) == "action_limit_reached"
    record_action(member_id=member.pk, code="survey", occurred_at=at(2026, 1, 1))
    assert balance(member) == 20


def test_n_per_period_allows_exactly_n(member):
    ActionRuleFactory(code="review", limit="week", limit_count=3)
    for day in (2, 3, 4):
        record_action(member_id=member.pk, code="review", occurred_at=at(2026, 3, day))
    assert refused_code(member, "review", occurred_at=at(2026, 3, 5)) == "action_limit_reached"
    assert MemberAction.objects.filter(member=member).count() == 3


def test_an_unlimited_action_has_no_limit(member):
    ActionRuleFactory(code="checkin", limit="unlimited", points=1)
    for _ in range(5):
        record_action(member_id=member.pk, code="checkin")
    assert balance(member) == 5


def test_the_refusal_says_why_and_writes_nothing(member):
    ActionRuleFactory(code="newsletter", name="Newsletter", limit="once")
    record_action(member_id=member.pk, code="newsletter")
    with pytest.raises(ApplicationError, match="already earned 'Newsletter' once ever"):
        record_action(member_id=member.pk, code="newsletter")
    assert LedgerEntry.objects.filter(member=member).count() == 1


def test_an_action_outside_its_window_is_refused(member):
    ActionRuleFactory(code="promo", starts_at=at(2026, 1, 1), ends_at=at(2026, 2, 1))
    assert refused_code(member, "promo", occurred_at=at(2025, 12, 31)) == "action_inactive"
    assert refused_code(member, "promo", occurred_at=at(2026, 2, 1)) == "action_inactive"
    assert balance(member) == 0


def test_an_inactive_or_unknown_action_is_refused(member):
    ActionRuleFactory(code="old", active=False)
    assert refused_code(member, "old") == "action_inactive"
    assert refused_code(member, "nope") == "unknown_action"


def test_a_suspended_member_earns_nothing_for_an_action(member):
    ActionRuleFactory(code="review", limit="unlimited")
    member.status = "suspended"
    member.save()
    assert refused_code(member, "review") == "member_not_active"


def test_the_same_idempotency_key_credits_once(member):
    ActionRuleFactory(code="review", limit="unlimited")
    first = record_action(member_id=member.pk, code="review", idempotency_key="shop-42")
    again = record_action(member_id=member.pk, code="review", idempotency_key="shop-42")
    assert first.pk == again.pk
    assert balance(member) == 10


def test_it_validates_ownership_of_an_idempotency_key(member, other_member):
    ActionRuleFactory(code="review", limit="unlimited")
    record_action(member_id=member.pk, code="review", idempotency_key="shop-42")
    assert refused_code(other_member, "review", idempotency_key="shop-42") == "idempotency_conflict"
    assert balance(other_member) == 0


def test_a_future_action_is_refused(member):
    ActionRuleFactory(code="review", limit="unlimited")
    with pytest.raises(ApplicationError, match="future"):
        record_action(
            member_id=member.pk, code="review", occurred_at=timezone.now() + timedelta(days=1)
        )


@pytest.fixture
def birthday_rule(program):
    return ActionRuleFactory(code="birthday", kind="birthday", points=100, limit="unlimited")


def test_a_birthday_bonus_is_given_in_the_birthday_month(member, birthday_rule):
    member.birthday = dt.date(1990, 3, 17)
    member.save()
    entry = record_action(member_id=member.pk, code="birthday", occurred_at=at(2026, 3, 1))
    assert entry.points == 100


def test_a_birthday_bonus_is_refused_in_another_month(member, birthday_rule):
    member.birthday = dt.date(1990, 3, 17)
    member.save()
    assert refused_code(member, "birthday", occurred_at=at(2026, 4, 1)) == "not_birthday_month"


def test_a_birthday_bonus_is_given_once_a_year_whatever_the_rule_says(member, birthday_rule):
    member.birthday = dt.date(1990, 3, 17)
    member.save()
    record_action(member_id=member.pk, code="birthday", occurred_at=at(2025, 3, 1))
    assert refused_code(member, "birthday", occurred_at=at(2025, 3, 20)) == "action_limit_reached"
    record_action(member_id=member.pk, code="birthday", occurred_at=at(2026, 3, 1))
    assert balance(member) == 200


def test_the_birthday_job_awards_this_month_once(program, birthday_rule):
    today = timezone.localdate()
    born_now = MemberFactory(birthday=today.replace(year=1990, day=1))
    other_month = (today.month % 12) + 1
    born_later = MemberFactory(birthday=dt.date(1990, other_month, 1))
    first = award_birthday_bonuses()
    second = award_birthday_bonuses()
    assert (first["awarded"], second["awarded"]) == (1, 0)
    assert (balance(born_now), balance(born_later)) == (100, 0)


def test_the_birthday_command_refuses_a_bad_date(program):
    with pytest.raises(CommandError, match="--date must be a date"):
        call_command("award_birthdays", "--date", "soon")


def test_a_signup_bonus_is_credited_on_enrolment(program):
    ActionRuleFactory(code="welcome", kind="signup", points=50)
    member = enroll_member(email="new@example.com")
    assert balance(member) == 50
    assert LedgerEntry.objects.get(member=member).kind == LedgerEntry.Kind.ACTION
    assert refused_code(member, "welcome") == "action_limit_reached"


def test_no_signup_bonus_without_an_active_rule(program):
    ActionRuleFactory(code="welcome", kind="signup", points=50, active=False)
    member = enroll_member(email="new@example.com")
    assert balance(member) == 0


def test_action_points_can_upgrade_a_tier(member):
    from tests.factories import TierFactory

    TierFactory(name="Silver", rank=1, threshold=10)
    ActionRuleFactory(code="review", points=10, kind=ActionRule.Kind.REVIEW)
    record_action(member_id=member.pk, code="review")
    member.refresh_from_db()
    assert member.tier.name == "Silver"
