"""Staff see each limit's sentence beside the field, confirm large purchases, and are warned
when earn rules stack."""

from decimal import Decimal

import pytest
from django.urls import reverse

from members.models import Tier
from rewards.models import EarnRule, Program, Purchase, Reward
from tests.factories import EarnRuleFactory, MemberFactory, TierFactory, UserFactory
from tests.helpers import admin_form_data, balance

pytestmark = pytest.mark.usefixtures("web")


@pytest.fixture
def staff_client(client, program):
    client.force_login(UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    return client


def submit(client, url, **changes):
    """Post the admin form at ``url`` as shown, with ``changes``; the response."""
    data = admin_form_data(client.get(url))
    data.update({key: str(value) for key, value in changes.items()})
    return client.post(url, data)


def errors_of(response, field):
    form = response.context["adminform"].form if "adminform" in response.context else None
    return [str(m) for m in (form or response.context["form"]).errors.get(field, [])]


# ---------------------------------------------------------------- the program


def test_the_program_page_shows_the_limits(staff_client, program):
    page = staff_client.get(reverse("admin:rewards_program_change", args=[program.pk]))
    for label in (b"Largest purchase", b"Most points at once", b"Earliest date", b"Large purchase"):
        assert label in page.content


def test_an_earn_rate_over_100_points_per_unit_is_refused_beside_the_field(staff_client, program):
    url = reverse("admin:rewards_program_change", args=[program.pk])
    response = submit(staff_client, url, earn_points=1000, earn_per_amount="0.01")
    assert errors_of(response, "earn_points") == [
        "The program can give at most 100 points per 1.00 spent; 1,000 points per 0.01 is "
        "100,000 per 1.00."
    ]
    assert Program.objects.get().earn_points == 1


def test_a_large_threshold_above_the_maximum_is_refused(staff_client, program):
    url = reverse("admin:rewards_program_change", args=[program.pk])
    response = submit(staff_client, url, max_purchase_amount="5000.00")
    assert errors_of(response, "large_purchase_amount") == [
        "The large purchase (10,000.00) cannot be above the largest purchase (5,000.00)."
    ]


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("expiry_months", 0, "The expiry in months must be from 1 to 120."),
        ("return_window_days", 400, "The return window in days must be from 0 to 365."),
        ("point_value", "250", "The value of a point must be at least 0 and at most 100."),
        ("max_points_per_entry", 10**12, "The most points at once must be at most 100,000,000."),
    ],
)
def test_a_program_setting_out_of_range_is_refused_in_words(
    staff_client, program, field, value, says
):
    url = reverse("admin:rewards_program_change", args=[program.pk])
    assert errors_of(submit(staff_client, url, **{field: value}), field) == [says]


def test_a_program_whose_largest_purchase_could_earn_past_the_ceiling_is_refused(
    staff_client, program
):
    TierFactory(name="Gold", rank=1, earn_multiplier=Decimal("60"))
    EarnRuleFactory(name="Triple", multiplier=Decimal("3"))
    url = reverse("admin:rewards_program_change", args=[program.pk])
    response = submit(staff_client, url, max_purchase_amount="2000000.00")
    assert errors_of(response, "earn_points") == [
        "With this earn rate, the largest purchase (2,000,000.00) could earn 124,000,003 points "
        "when the highest tier and every active rule add up, more than the 100,000,000 points "
        "one purchase may earn."
    ]


# ---------------------------------------------------------------- earn rules


def test_a_multiplier_below_1_is_refused_in_words_beside_the_field(staff_client):
    response = submit(
        staff_client, reverse("admin:rewards_earnrule_add"), name="Half", multiplier="0.5"
    )
    assert errors_of(response, "multiplier") == ["The multiplier must be at least 1."]
    assert not EarnRule.objects.exists()


def test_a_negative_minimum_order_is_refused(staff_client):
    response = submit(
        staff_client, reverse("admin:rewards_earnrule_add"), name="Big", min_order_amount="-1"
    )
    assert errors_of(response, "min_order_amount") == ["The minimum order must be zero or more."]


def test_a_rule_starting_before_the_earliest_date_is_refused(staff_client):
    response = submit(
        staff_client,
        reverse("admin:rewards_earnrule_add"),
        name="Old",
        starts_at_0="1999-12-31",
        starts_at_1="10:00",
    )
    assert errors_of(response, "starts_at") == ["The start cannot be before 2000-01-01."]


def test_a_rule_that_would_let_a_purchase_earn_past_the_ceiling_is_refused(staff_client):
    TierFactory(name="Gold", rank=1, earn_multiplier=Decimal("50"))
    response = submit(
        staff_client, reverse("admin:rewards_earnrule_add"), name="Mega", multiplier="100"
    )
    assert (
        "more than the 100,000,000 points one purchase may earn"
        in errors_of(response, "multiplier")[0]
    )


def test_saving_a_rule_that_stacks_warns_and_names_the_other_rule(staff_client, web):
    EarnRuleFactory(name="Weekend double", weekdays="6,7")
    EarnRuleFactory(name="Weekday triple", weekdays="1,2,3", multiplier=Decimal("3"))
    response = submit(
        staff_client, reverse("admin:rewards_earnrule_add"), name="Sunday bonus", weekdays="7"
    )
    assert response.status_code == 302
    warning = [str(m) for m in staff_client.get(response.url).context["messages"]]
    assert any("stacks with “Weekend double”" in m and "triple" not in m for m in warning)
    rule = EarnRule.objects.get(name="Sunday bonus")  # saved: stacking can be intended
    page = staff_client.get(reverse("admin:rewards_earnrule_change", args=[rule.pk]))
    assert b"Weekend double" in page.content and b"Weekday triple" not in page.content


def test_rules_on_other_channels_or_dates_do_not_stack(staff_client, web):
    from tests.factories import ChannelFactory

    shop = ChannelFactory(code="shop")
    EarnRuleFactory(name="Shop double", channel=shop)
    EarnRuleFactory(name="Inactive", active=False)
    response = submit(
        staff_client, reverse("admin:rewards_earnrule_add"), name="Web double", channel=web.pk
    )
    messages = [str(m) for m in staff_client.get(response.url).context["messages"]]
    assert not any("stacks with" in m for m in messages)


# ---------------------------------------------------------------- tiers


def test_a_tier_whose_threshold_would_not_rise_with_rank_is_refused(staff_client):
    TierFactory(name="Silver", rank=1, threshold=500)
    response = submit(
        staff_client, reverse("admin:members_tier_add"), name="Gold", rank=2, threshold=400
    )
    assert errors_of(response, "threshold") == [
        "Gold (rank 2) needs a threshold above Silver's 500 points."
    ]
    assert not Tier.objects.filter(name="Gold").exists()


def test_editing_a_lower_tier_above_a_higher_one_is_refused(staff_client):
    silver = TierFactory(name="Silver", rank=1, threshold=500)
    TierFactory(name="Gold", rank=2, threshold=1000)
    url = reverse("admin:members_tier_change", args=[silver.pk])
    response = submit(staff_client, url, threshold=1500)
    assert errors_of(response, "threshold") == [
        "Silver (rank 1) needs a threshold below Gold's 1,000 points."
    ]


def test_a_tier_of_another_measure_or_a_paid_tier_is_not_compared(staff_client):
    TierFactory(name="Silver", rank=1, threshold=500)
    response = submit(
        staff_client,
        reverse("admin:members_tier_add"),
        name="Spender",
        rank=2,
        measure="spend",
        threshold="100.00",
    )
    assert response.status_code == 302


def test_a_tier_threshold_in_points_over_the_maximum_is_refused(staff_client):
    response = submit(
        staff_client, reverse("admin:members_tier_add"), name="Huge", rank=5, threshold=2_000_000
    )
    assert errors_of(response, "threshold") == ["The threshold must be at most 1,000,000."]


# ---------------------------------------------------------------- rewards, members, referrals


def test_a_stock_over_the_maximum_is_refused(staff_client):
    response = submit(
        staff_client,
        reverse("admin:rewards_reward_add"),
        name="Mug",
        kind="free_item",
        points_cost=100,
        stock=10_000_001,
    )
    assert errors_of(response, "stock") == ["The stock must be from 0 to 10,000,000."]
    assert not Reward.objects.exists()


def test_a_birthday_in_the_future_is_refused(staff_client):
    member = MemberFactory()
    url = reverse("admin:members_member_change", args=[member.pk])
    response = submit(staff_client, url, birthday="2999-01-01")
    assert errors_of(response, "birthday") == ["The birthday must be in the past."]


def test_referral_points_over_the_maximum_are_refused(staff_client):
    response = submit(
        staff_client, reverse("admin:referrals_referralsettings_add"), referrer_points=5_000_000
    )
    assert errors_of(response, "referrer_points") == [
        "The points for the referrer must be at most 1,000,000."
    ]


# ---------------------------------------------------------------- recording a purchase


def purchase_form(**changes):
    data = {
        "channel": "web",
        "order_id": "BIG-1",
        "amount": "25000.00",
        "shipping_amount": "0",
        "tax_amount": "0",
        "purchased_at": "2026-01-15 10:00",
    }
    return {**data, **changes}


def test_a_purchase_above_the_large_threshold_asks_staff_to_confirm(staff_client, member):
    url = reverse("admin:rewards_purchase_add")
    response = staff_client.post(url, purchase_form(member_email=member.email))
    assert errors_of(response, "confirm_large") == [
        "Are you sure? 25,000.00 is above your large-purchase threshold of 10,000.00. "
        "Tick the box to record it."
    ]
    assert not Purchase.objects.exists()
    confirmed = staff_client.post(url, purchase_form(member_email=member.email, confirm_large="on"))
    assert confirmed.status_code == 302
    assert Purchase.objects.get().amount == Decimal("25000.00")


def test_a_purchase_over_the_maximum_is_refused_beside_the_amount(staff_client):
    response = staff_client.post(
        reverse("admin:rewards_purchase_add"), purchase_form(amount="9999999999.99")
    )
    assert errors_of(response, "amount") == ["The amount must be at most 1,000,000.00."]
    response = staff_client.post(
        reverse("admin:rewards_purchase_add"), purchase_form(amount="1000000.01")
    )
    assert errors_of(response, "amount") == ["The amount must be at most 1,000,000.00."]


def test_a_purchase_dated_in_the_future_is_refused_beside_the_date(staff_client):
    response = staff_client.post(
        reverse("admin:rewards_purchase_add"), purchase_form(purchased_at="2999-01-01 10:00")
    )
    assert errors_of(response, "purchased_at") == ["The purchase date cannot be in the future."]


def test_an_unknown_member_email_is_shown_beside_the_email(staff_client):
    response = staff_client.post(
        reverse("admin:rewards_purchase_add"),
        purchase_form(amount="10.00", member_email="nobody@example.com"),
    )
    assert errors_of(response, "member_email") == [
        "There is no member with the email nobody@example.com."
    ]


def test_it_validates_ownership_a_purchase_credits_only_its_member(staff_client, member):
    other = MemberFactory()
    staff_client.post(
        reverse("admin:rewards_purchase_add"),
        purchase_form(amount="10.00", member_email=member.email),
    )
    assert (balance(member), balance(other)) == (10, 0)


def test_a_member_enrolled_before_a_later_earliest_date_can_still_be_edited(staff_client, program):
    from datetime import date, datetime

    from django.utils import timezone

    member = MemberFactory(enrolled_at=timezone.make_aware(datetime(2021, 3, 1, 12)))
    program.earliest_date = date(2024, 1, 1)
    program.save()
    url = reverse("admin:members_member_change", args=[member.pk])
    assert submit(staff_client, url, first_name="Renamed").status_code == 302
    response = submit(staff_client, url, enrolled_at_0="2023-12-31", enrolled_at_1="10:00")
    assert errors_of(response, "enrolled_at") == ["The enrolment date cannot be before 2024-01-01."]
