"""Referrals: codes, qualification, rewards after the return window, refunds, fraud checks."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty.errors import ApplicationError
from referrals import selectors, services
from referrals.models import Referral, ReferralCode, ReferralSettings
from referrals.rewarding import pay_due_referrals
from rewards.expiry.release import release_pending_points
from rewards.models import LedgerEntry
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from rewards.redemptions.services import redeem_points
from tests.factories import MemberFactory
from tests.helpers import assert_ledger_consistent, balance

pytestmark = pytest.mark.usefixtures("web")


@pytest.fixture
def config(program):
    program.return_window_days = 14
    program.save()
    return ReferralSettings.objects.create(
        referrer_points=500, referee_points=250, min_qualifying_amount=Decimal("20.00")
    )


@pytest.fixture
def referrer(config):
    return MemberFactory(email="ann@example.com")


@pytest.fixture
def referee(config):
    return MemberFactory(email="bob@example.com")


def code_of(member):
    return services.ensure_referral_code(member_id=member.pk).code


def buy(member, amount="50.00", order_id="R1", **kwargs):
    return record_purchase(
        channel="web", order_id=order_id, amount=amount, member_id=member.pk, **kwargs
    )


def refer(referee, referrer, **kwargs):
    return services.attach_referral(referee_member_id=referee.pk, code=code_of(referrer), **kwargs)


def later(days=15):
    return timezone.now() + timedelta(days=days)


def refusal(referee, code):
    with pytest.raises(ApplicationError) as exc:
        services.attach_referral(referee_member_id=referee.pk, code=code)
    return exc.value.code


def test_every_member_gets_one_unguessable_code(referrer, referee):
    first, again = code_of(referrer), code_of(referrer)
    assert first == again and first != code_of(referee)
    assert len(first) == 10 and first.isalnum()
    assert ReferralCode.objects.count() == 2


def test_a_qualifying_first_purchase_qualifies_the_referral(referrer, referee):
    refer(referee, referrer)
    purchase = buy(referee)
    referral = Referral.objects.get()
    assert (referral.status, referral.qualifying_purchase) == ("qualified", purchase)
    assert referral.reward_due_at == purchase.purchased_at + timedelta(days=14)


def test_a_purchase_below_the_minimum_does_not_qualify(referrer, referee):
    refer(referee, referrer)
    buy(referee, amount="19.99")
    assert Referral.objects.get().status == "pending"


def test_the_reward_waits_for_the_return_window(referrer, referee):
    refer(referee, referrer)
    buy(referee)
    assert pay_due_referrals()["rewarded"] == 0
    assert LedgerEntry.objects.filter(kind="referral").count() == 0


def test_both_sides_are_rewarded_once_the_window_has_passed(referrer, referee):
    refer(referee, referrer)
    buy(referee)
    result = pay_due_referrals(now=later())
    assert result == {"rewarded": 1, "points": 750}
    assert (balance(referrer), balance(referee)) == (500, 250)
    assert Referral.objects.get().status == "rewarded"
    assert pay_due_referrals(now=later())["rewarded"] == 0  # paid once
    assert_ledger_consistent()


def test_a_zero_reward_side_gets_nothing(referrer, referee, config):
    config.referee_points = 0
    config.save()
    refer(referee, referrer)
    buy(referee)
    pay_due_referrals(now=later())
    assert (balance(referrer), balance(referee)) == (500, 0)
    assert LedgerEntry.objects.filter(kind="referral").count() == 1


def test_a_refund_before_the_reward_cancels_it(referrer, referee):
    refer(referee, referrer)
    purchase = buy(referee)
    refund_purchase(purchase_id=purchase.pk, amount="50.00")
    assert Referral.objects.get().status == "cancelled"
    assert pay_due_referrals(now=later())["rewarded"] == 0
    assert balance(referrer) == 0


def test_a_partial_refund_that_stays_above_the_minimum_keeps_the_referral(referrer, referee):
    refer(referee, referrer)
    purchase = buy(referee)
    refund_purchase(purchase_id=purchase.pk, amount="10.00")
    assert Referral.objects.get().status == "qualified"


def test_a_refund_after_the_reward_takes_the_referral_points_back(referrer, referee):
    refer(referee, referrer)
    purchase = buy(referee)
    pay_due_referrals(now=later())
    release_pending_points(now=later())
    refund_purchase(purchase_id=purchase.pk, amount="50.00")
    referral = Referral.objects.get()
    assert referral.status == "cancelled"
    assert (balance(referrer), balance(referee)) == (0, 0)
    reversals = LedgerEntry.objects.filter(kind="referral", points__lt=0)
    assert sorted(e.points for e in reversals) == [-500, -250]
    assert_ledger_consistent()


def test_a_reversal_of_spent_referral_points_records_the_shortfall(referrer, referee):
    refer(referee, referrer)
    purchase = buy(referee)
    pay_due_referrals(now=later())
    redeem_points(member_id=referrer.pk, points=400)
    refund_purchase(purchase_id=purchase.pk, amount="50.00")
    entry = LedgerEntry.objects.get(member=referrer, kind="referral", points__lt=0)
    assert (entry.points, entry.shortfall) == (-100, 400)
    assert balance(referrer) == 0
    assert_ledger_consistent()


def test_a_member_cannot_use_their_own_code(referrer):
    assert refusal(referrer, code_of(referrer)) == "self_referral"


def test_a_gmail_address_with_dots_and_a_tag_is_the_same_person(config):
    referrer = MemberFactory(email="ann.lee@gmail.com")
    twin = MemberFactory(email="annlee+promo@googlemail.com")
    assert refusal(twin, code_of(referrer)) == "self_referral"
    assert Referral.objects.count() == 0


def test_a_plus_tag_on_any_domain_is_the_same_person(config):
    referrer = MemberFactory(email="ann@shop.example")
    twin = MemberFactory(email="ann+2@shop.example")
    assert refusal(twin, code_of(referrer)) == "self_referral"


def test_a_referee_can_be_referred_only_once(referrer, referee):
    refer(referee, referrer)
    another = MemberFactory(email="carl@example.com")
    assert refusal(referee, code_of(another)) == "already_referred"
    assert Referral.objects.count() == 1


def test_an_existing_customer_cannot_be_referred(referrer, referee):
    buy(referee, order_id="OLD")
    assert refusal(referee, code_of(referrer)) == "not_a_new_customer"


def test_buying_with_a_code_attaches_and_qualifies_on_that_purchase(referrer, referee):
    purchase = buy(referee)
    referral = refer(referee, referrer, purchase_id=purchase.pk)
    assert (referral.source, referral.status) == ("purchase", "qualified")


def test_an_unknown_code_is_refused(referee):
    assert refusal(referee, "NOPE") == "unknown_referral_code"


def test_the_cap_stops_the_referrers_reward_but_not_the_referees(referrer, config):
    config.cap_per_referrer = 1
    config.save()
    first, second = MemberFactory(email="f1@example.com"), MemberFactory(email="f2@example.com")
    refer(first, referrer)
    refer(second, referrer)
    buy(first, order_id="F1")
    buy(second, order_id="F2")
    pay_due_referrals(now=later())
    assert balance(referrer) == 500
    assert (balance(first), balance(second)) == (250, 250)  # purchase points still pending
    capped = Referral.objects.get(referee=second)
    assert capped.referrer_points == 0 and "cap" in capped.note


def test_many_referrals_in_a_day_wait_for_approval(referrer, config):
    config.suspicious_per_day = 2
    config.save()
    friends = [MemberFactory(email=f"f{i}@example.com") for i in range(3)]
    statuses = [refer(friend, referrer).status for friend in friends]
    assert statuses == ["pending", "pending", "awaiting_approval"]
    assert "24 hours" in Referral.objects.get(referee=friends[2]).suspicion


def test_a_referral_awaiting_approval_is_not_paid_until_approved(referrer, config):
    twin = MemberFactory(email="ann@other.example")  # same mailbox name: suspicious
    referral = refer(twin, referrer)
    assert referral.status == "awaiting_approval"
    buy(twin)
    assert pay_due_referrals(now=later())["rewarded"] == 0
    services.approve_referral(referral_id=referral.pk, reason="Checked: different person")
    assert pay_due_referrals(now=later())["rewarded"] == 1
    assert balance(referrer) == 500


def test_a_rejected_referral_is_never_paid(referrer, config):
    twin = MemberFactory(email="ann@other.example")
    referral = refer(twin, referrer)
    buy(twin)
    rejected = services.reject_referral(referral_id=referral.pk, reason="Same household")
    assert (rejected.status, rejected.review_reason) == ("rejected", "Same household")
    assert pay_due_referrals(now=later())["rewarded"] == 0


def test_a_review_needs_a_reason(referrer, config):
    referral = refer(MemberFactory(email="ann@other.example"), referrer)
    with pytest.raises(ApplicationError, match="reason"):
        services.reject_referral(referral_id=referral.pk, reason="")
    assert Referral.objects.get(pk=referral.pk).status == "awaiting_approval"


def test_the_link_remembers_the_code_for_the_signup(client, referrer, referee):
    code = code_of(referrer)
    response = client.get(reverse("referrals:link", args=[code]))
    assert response.status_code == 302
    assert client.session[services.SESSION_KEY] == code
    assert ReferralCode.objects.get(code=code).visits == 1
    request = type("Request", (), {"session": client.session})()
    referral = services.apply_referral_from_session(request, referee)
    assert (referral.referrer, referral.source) == (referrer, "signup")


def test_a_bad_code_in_the_session_does_not_break_the_signup(referrer):
    request = type("Request", (), {"session": {services.SESSION_KEY: code_of(referrer)}})()
    assert services.apply_referral_from_session(request, referrer) is None


def test_the_summary_counts_the_members_own_referrals(referrer, referee):
    refer(referee, referrer)
    buy(referee)
    pay_due_referrals(now=later())
    summary = selectors.referral_summary(referrer)
    assert summary.link_path == f"/r/{summary.code}/"
    assert (summary.friends_joined, summary.rewarded, summary.points_earned) == (
        1,
        1,
        500,
    )


def test_it_validates_ownership_of_the_referral_summary(referrer, referee):
    refer(referee, referrer)
    services.ensure_referral_code(member_id=referee.pk)
    summary = selectors.referral_summary(referee)
    assert (summary.friends_joined, summary.rewarded) == (0, 0)
    assert summary.code and summary.code != code_of(referrer)


def test_the_funnel_counts_each_stage(referrer, referee, client):
    client.get(reverse("referrals:link", args=[code_of(referrer)]))
    refer(referee, referrer)
    refer(MemberFactory(email="carl@example.com"), referrer)
    buy(referee)
    pay_due_referrals(now=later())
    funnel = selectors.funnel()
    totals = funnel["totals"]
    assert (totals["shared"], totals["signups"], totals["qualified"], totals["rewarded"]) == (
        1,
        2,
        1,
        1,
    )
    assert funnel["by_referrer"][0]["signups"] == 2
    assert sum(row["signups"] for row in funnel["by_month"]) == 2


def test_the_pay_command_reports_what_it_paid(referrer, referee, capsys):
    from django.core.management import call_command

    call_command("pay_referrals")
    assert "rewarded 0 referrals" in capsys.readouterr().out


def test_a_mutual_referral_waits_for_approval(referrer, referee):
    refer(referee, referrer)
    back = refer(referrer, referee)
    assert back.status == "awaiting_approval"
    assert "referred the referrer" in back.suspicion


def test_only_a_referral_awaiting_approval_can_be_approved(referrer, referee):
    referral = refer(referee, referrer)
    with pytest.raises(ApplicationError) as exc:
        services.approve_referral(referral_id=referral.pk, reason="ok")
    assert exc.value.code == "not_awaiting_approval"
