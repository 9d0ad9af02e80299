"""Staff sync lists: purchases, members and ledger entries, filtered, by cursor pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rewards.purchases.recording import record_purchase
from rewards.redemptions.services import redeem_points


def buy(member, order_id, amount="10.00", **extra):
    return record_purchase(
        channel="web", order_id=order_id, amount=amount, member_id=member.pk, **extra
    )


def test_purchases_come_in_cursor_pages_in_id_order(reader, member):
    for i in range(5):
        buy(member, f"P{i}")
    first = reader.get("/api/v1/purchases/", {"page_size": 2}).json()
    assert [p["order_id"] for p in first["results"]] == ["P0", "P1"]
    rest = []
    url = first["next"]
    while url:
        page = reader.get(url).json()
        rest += [p["order_id"] for p in page["results"]]
        url = page["next"]
    assert rest == ["P2", "P3", "P4"]


def test_purchases_filter_by_member_and_date(reader, member, other_member):
    buy(member, "OLD", purchased_at=timezone.now() - timedelta(days=40))
    buy(member, "NEW")
    buy(other_member, "OTHER")
    since = (timezone.now() - timedelta(days=1)).isoformat()
    response = reader.get("/api/v1/purchases/", {"member": member.pk, "purchased_after": since})
    assert [p["order_id"] for p in response.json()["results"]] == ["NEW"]


def test_purchases_filter_by_channel(reader, member):
    buy(member, "W")
    assert reader.get("/api/v1/purchases/", {"channel": "store"}).json()["results"] == []


def test_members_filter_by_change_date(reader, member, other_member):
    since = timezone.now().isoformat()
    other_member.first_name = "Changed"
    other_member.save()
    response = reader.get("/api/v1/members/", {"updated_since": since})
    assert [m["id"] for m in response.json()["results"]] == [other_member.pk]


def test_ledger_entries_filter_by_kind(reader, member):
    buy(member, "K")
    redeem_points(member_id=member.pk, points=5)
    response = reader.get("/api/v1/ledger/", {"kind": "redeem"})
    assert [e["points"] for e in response.json()["results"]] == [-5]


def test_an_invalid_filter_value_is_a_400(reader):
    response = reader.get("/api/v1/ledger/", {"kind": "nonsense"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "kind"


def test_a_forged_cursor_is_a_404_not_a_500(reader):
    response = reader.get("/api/v1/purchases/", {"cursor": "garbage"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_validates_ownership_a_member_filter_excludes_other_members(
    reader, member, other_member
):
    buy(member, "A")
    buy(other_member, "B")
    response = reader.get("/api/v1/ledger/", {"member": other_member.pk})
    assert {e["member_id"] for e in response.json()["results"]} == {other_member.pk}


@pytest.mark.parametrize("size,rows", [("1", 1), ("501", 2), ("9" * 5000, 2)])
def test_a_page_size_of_any_length_is_accepted_and_capped_at_500(api, member, size, rows):
    for n in range(2):
        record_purchase(channel="web", order_id=f"P{n}", amount="5.00")
    response = api.get("/api/v1/purchases/", {"page_size": size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("size", ["0", "-1", "1.5", "", "ten", "01"])
def test_a_page_size_that_is_no_positive_whole_number_is_a_400(api, size):
    response = api.get("/api/v1/ledger/", {"page_size": size})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "page_size"
