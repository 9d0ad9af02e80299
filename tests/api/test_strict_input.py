"""Strict, documented input: what the schema refuses is a 400, what a rule refuses a 422.

Amounts are decimal strings of ASCII digits within the hard ceiling (400 otherwise) and the
program's own maximum (422 over_limit); dates fall between the program's earliest date and
now + 5 minutes (422 too_early / in_future); birthdays are in the past (422).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from members.models import Member
from rewards.models import LedgerEntry, Purchase
from tests.factories import ActionRuleFactory

PURCHASE = "/api/v1/purchases/"


def purchase(api, **extra):
    body = {"channel": "web", "order_id": "S-1", "amount": "25.00", **extra}
    return api.post(PURCHASE, body, format="json")


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


@pytest.mark.parametrize(
    "amount",
    [
        "١٢٣",  # Arabic-Indic digits
        "１２",  # full-width digits
        12.5,  # a JSON number where the schema says string
        12,
        "1e3",
        "1E3",
        "12.345",
        " 12.00",
        "+12",
        "-1.00",
        "NaN",
        "Infinity",
        "0x10",
        "12,50",
        "1_000",
        "",
        "100000000.00",  # above the hard ceiling
        "0",
        "0.00",
    ],
)
def test_an_amount_that_is_not_an_ascii_decimal_string_within_the_ceiling_is_a_400(
    api, member, amount
):
    assert error(purchase(api, amount=amount, member_id=member.pk), 400)["field"] == "amount"
    assert not Purchase.objects.exists()


def test_an_amount_above_the_programs_maximum_is_a_422_over_limit(api, member, program):
    program.max_purchase_amount = Decimal("500.00")
    program.save()
    body = error(purchase(api, amount="500.01", member_id=member.pk), 422)
    assert body["code"] == "over_limit"
    assert "500.00" in body["message"]
    assert not Purchase.objects.exists()
    assert purchase(api, amount="500.00", member_id=member.pk).status_code == 201


def test_the_default_maximum_is_a_million(api, member):
    assert error(purchase(api, amount="1000000.01"), 422)["code"] == "over_limit"
    assert purchase(api, amount="1000000.00").status_code == 201


@pytest.mark.parametrize(
    "purchased_at,code",
    [
        ("0001-01-01T00:00:00Z", "too_early"),
        ("1999-12-31T23:59:59Z", "too_early"),
        ("2999-01-01T00:00:00+01:00", "in_future"),
    ],
)
def test_a_purchase_date_outside_the_programs_window_is_a_422(api, member, purchased_at, code):
    body = error(purchase(api, purchased_at=purchased_at, member_id=member.pk), 422)
    assert (body["code"], body["field"]) == (code, "purchased_at")
    assert not Purchase.objects.exists()


def test_a_purchase_dated_a_few_minutes_ahead_is_clock_skew_and_accepted(api, member):
    soon = (timezone.now() + timedelta(minutes=4)).isoformat()
    assert purchase(api, purchased_at=soon, member_id=member.pk).status_code == 201


def test_the_earliest_date_is_the_programs(api, member, program):
    program.earliest_date = timezone.now().date() - timedelta(days=10)
    program.save()
    old = (timezone.now() - timedelta(days=11)).isoformat()
    assert error(purchase(api, purchased_at=old, member_id=member.pk), 422)["code"] == "too_early"


@pytest.mark.parametrize(
    "purchased_at",
    ["2026-01-02T03:04:05", "2026-01-02", "2026-01-02T03:04Z", "yesterday", 1767225600],
)
def test_a_date_time_that_is_not_rfc_3339_with_an_offset_is_a_400(api, member, purchased_at):
    assert error(purchase(api, purchased_at=purchased_at), 400)["field"] == "purchased_at"


def test_an_action_dated_before_the_earliest_date_is_a_422(api, member):
    ActionRuleFactory(code="review")
    body = {"member_id": member.pk, "code": "review", "occurred_at": "0001-01-01T00:00:00Z"}
    response = api.post("/api/v1/actions/", body, format="json")
    assert error(response, 422)["code"] == "too_early"
    assert not LedgerEntry.objects.filter(member=member).exists()


@pytest.mark.parametrize("birthday", ["2099-01-01", "1850-01-01"])
def test_an_impossible_birthday_is_a_422_and_enrols_nobody(api, birthday):
    body = {"email": "born@example.com", "birthday": birthday}
    response = api.post("/api/v1/members/", body, format="json")
    assert error(response, 422)["field"] == "birthday"
    assert not Member.objects.filter(email="born@example.com").exists()


@pytest.mark.parametrize("birthday", ["1990-02-30", "19900101", "1990-1-1", 19900101])
def test_a_birthday_that_is_not_a_date_is_a_400(api, birthday):
    body = {"email": "born@example.com", "birthday": birthday}
    assert error(api.post("/api/v1/members/", body, format="json"), 400)["field"] == "birthday"


def test_a_real_birthday_is_kept(api):
    body = {"email": "born@example.com", "birthday": "1990-05-31"}
    assert api.post("/api/v1/members/", body, format="json").status_code == 201
    assert str(Member.objects.get(email="born@example.com").birthday) == "1990-05-31"


@pytest.mark.parametrize(
    "extra,field",
    [
        ({"order_id": 123}, "order_id"),
        ({"member_id": "1"}, "member_id"),
        ({"member_id": 1.0}, "member_id"),
        ({"member_id": True}, "member_id"),
        ({"lines": [{"amount": "1.00", "quantity": "2"}]}, "lines[0].quantity"),
        ({"lines": [{"amount": "1.00", "is_gift_card": "yes"}]}, "lines[0].is_gift_card"),
        ({"lines": [{"amount": 1.0}]}, "lines[0].amount"),
        ({"currency": "EURO"}, "currency"),
        ({"order_id": "a\x00b"}, "order_id"),
    ],
)
def test_a_value_of_another_type_than_the_schemas_is_a_400(api, member, extra, field):
    assert error(purchase(api, **extra), 400)["field"] == field


def test_points_above_the_hard_ceiling_are_a_400_and_above_the_programs_maximum_a_422(api, member):
    body = {"member_id": member.pk, "points": 100_000_001}
    assert error(api.post("/api/v1/redemptions/", body, format="json"), 400)["field"] == "points"
    body["points"] = 1_000_001
    response = api.post("/api/v1/redemptions/", body, format="json")
    assert error(response, 422)["code"] == "over_limit"


def test_the_schema_states_every_rule_of_the_purchase(client):
    schema = client.get("/api/v1/schema/?format=json").json()["components"]["schemas"]
    fields = schema["PurchaseInRequest"]["properties"]
    assert fields["amount"]["pattern"].startswith("^")
    assert "1,000,000.00" in fields["amount"]["description"]
    assert "over_limit" in fields["amount"]["description"]
    assert fields["purchased_at"]["format"] == "date-time"
    assert "too_early" in fields["purchased_at"]["description"]
    assert fields["member_id"]["maximum"] == 10**18 - 1
    assert fields["order_id"]["maxLength"] == 100
    assert fields["lines"]["maxItems"] == 500
    assert fields["currency"]["pattern"] == "^[A-Za-z]{3}$"
    enrol = schema["EnrollInRequest"]["properties"]
    assert enrol["birthday"]["format"] == "date"
    assert "120 years" in enrol["birthday"]["description"]


def test_it_validates_ownership_a_refused_purchase_credits_no_member(api, member, other_member):
    purchase(api, amount="١٢٣", member_id=member.pk)
    purchase(api, amount="25.00", member_id=member.pk, purchased_at="0001-01-01T00:00:00Z")
    assert not LedgerEntry.objects.filter(member__in=[member, other_member]).exists()


@pytest.mark.parametrize(
    "moment",
    ["0215-07-23T23:51:18.960823+19:43", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"],
)
def test_any_rfc_3339_moment_in_a_filter_is_accepted_whatever_its_offset(api, moment):
    response = api.get("/api/v1/purchases/", {"created_since": moment, "purchased_before": moment})
    assert response.status_code == 200, response.content


def test_a_purchase_at_the_edge_of_time_is_a_422_not_a_400(api, member):
    response = purchase(api, purchased_at="0001-01-01T00:00:00+05:00", member_id=member.pk)
    assert error(response, 422)["code"] == "too_early"
