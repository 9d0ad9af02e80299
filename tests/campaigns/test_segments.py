"""Segments: definitions refused in words, the live count, the export, frozen lists."""

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns import selectors, services
from campaigns.conditions import parse
from campaigns.models import Segment, SegmentSnapshot, SnapshotMember
from loyalty.errors import ApplicationError
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from tests.factories import MemberFactory

COUNT_URL = "/admin/campaigns/segment/count/"
BIG_SPENDERS = {
    "match": "all",
    "conditions": [{"kind": "purchases", "days": 30, "min_spend": "100"}],
}


@pytest.fixture
def buyers(program, web):
    big = MemberFactory(email="big@example.com", first_name="=HYPERLINK(1)")
    small = MemberFactory(email="small@example.com")
    now = timezone.now() - timedelta(days=1)
    for member, amount in ((big, "150.00"), (small, "20.00")):
        record_purchase(
            channel="web", order_id=member.email, amount=amount, member_id=member.pk,
            purchased_at=now,
        )  # fmt: skip
    return big, small


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"match": "every", "conditions": []}, "match must be all or any."),
        ({"conditions": []}, "a group needs at least one condition."),
        ({"conditions": [{"kind": "age"}]}, "condition 1: unknown condition 'age'"),
        (
            {"conditions": [{"kind": "balance", "min": 10, "max": 5}]},
            "condition 1 (points balance): min cannot be above max.",
        ),
        (
            {"conditions": [{"kind": "rfm", "days": 90, "recency": [0, 9]}]},
            "recency must be from 1 to 5.",
        ),
        (
            {"conditions": [{"kind": "purchases", "days": 30, "min_spend": "lots"}]},
            "min_spend must be an amount such as 25.00.",
        ),
        (
            {"conditions": [{"match": "any", "conditions": [{"kind": "consent", "x": 1}]}]},
            "condition 1 › 1 (consent): unknown setting x.",
        ),
    ],
)
def test_a_wrong_definition_is_refused_in_words(definition, message):
    with pytest.raises(ApplicationError) as caught:
        parse(definition)
    assert message in caught.value.message


def test_the_segment_selects_members_by_spend(buyers):
    big, _small = buyers
    assert list(selectors.segment_members(BIG_SPENDERS)) == [big]


def test_a_suspended_member_is_never_in_a_segment(buyers):
    big, _ = buyers
    big.status = "suspended"
    big.save(update_fields=["status"])
    assert selectors.count_definition(BIG_SPENDERS) == 0


def test_the_admin_counts_a_definition_while_it_is_edited(staff_client, buyers):
    response = staff_client.post(COUNT_URL, json.dumps(BIG_SPENDERS), "application/json")
    assert response.json() == {"count": 1, "error": None}


def test_the_admin_count_explains_a_wrong_definition(staff_client, buyers):
    bad = {"conditions": [{"kind": "tier"}]}
    response = staff_client.post(COUNT_URL, json.dumps(bad), "application/json")
    assert response.json() == {
        "count": None,
        "error": "condition 1 (tier): choose at least one tier (or no_tier).",
    }
    response = staff_client.post(COUNT_URL, "{nope", "application/json")
    assert response.json()["error"] == "The definition is not valid JSON."


def test_the_admin_count_needs_a_staff_login(client, buyers):
    response = client.post(COUNT_URL, json.dumps(BIG_SPENDERS), "application/json")
    assert response.status_code == 302


def test_saving_a_wrong_definition_shows_the_reason_beside_the_field(staff_client, program):
    response = staff_client.post(
        "/admin/campaigns/segment/add/",
        {"name": "Bad", "description": "", "definition": '{"conditions": [{"kind": "x"}]}'},
    )
    assert response.status_code == 200
    assert "unknown condition" in response.content.decode()
    assert not Segment.objects.exists()


def test_the_change_page_shows_the_count_and_loads_the_script(staff_client, buyers):
    segment = Segment.objects.create(name="Big", definition=BIG_SPENDERS)
    page = staff_client.get(f"/admin/campaigns/segment/{segment.pk}/change/").content.decode()
    assert '<output class="segment-count"' in page
    assert "js/segment_count.js" in page
    assert "<script>" not in page  # no inline script: the CSP stays strict


def test_the_export_escapes_formulas(staff_client, buyers):
    segment = Segment.objects.create(name="Big", definition=BIG_SPENDERS)
    response = staff_client.get(f"/admin/campaigns/segment/{segment.pk}/export/")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:2] == ["member id", "email"]
    assert rows[1][1:3] == ["big@example.com", "'=HYPERLINK(1)"]
    assert len(rows) == 2


def test_a_frozen_list_keeps_its_members_when_the_segment_changes(buyers):
    big, small = buyers
    segment = Segment.objects.create(name="Big", definition=BIG_SPENDERS)
    snapshot = services.freeze_segment(segment_id=segment.pk)
    record_purchase(
        channel="web", order_id="more", amount="500.00", member_id=small.pk,
        purchased_at=timezone.now() - timedelta(hours=1),
    )  # fmt: skip
    assert snapshot.member_count == 1
    assert list(
        SnapshotMember.objects.filter(snapshot=snapshot).values_list("member", flat=True)
    ) == [big.pk]
    assert selectors.count_definition(BIG_SPENDERS) == 2


def test_the_admin_freezes_a_segment_with_an_action(staff_client, buyers):
    segment = Segment.objects.create(name="Big", definition=BIG_SPENDERS)
    staff_client.post(
        "/admin/campaigns/segment/", {"action": "freeze", "_selected_action": [segment.pk]}
    )
    snapshot = SegmentSnapshot.objects.get()
    assert (snapshot.member_count, snapshot.taken_by) == (1, staff_client.user)


def test_it_validates_ownership_a_view_only_user_cannot_freeze(viewer_client, buyers):
    segment = Segment.objects.create(name="Big", definition=BIG_SPENDERS)
    viewer_client.post(
        "/admin/campaigns/segment/", {"action": "freeze", "_selected_action": [segment.pk]}
    )
    assert not SegmentSnapshot.objects.exists()
    assert viewer_client.get(f"/admin/campaigns/segment/{segment.pk}/export/").status_code == 200


def test_spend_counts_what_was_not_refunded(buyers):
    big, _ = buyers
    purchase = big.purchases.get()
    refund_purchase(purchase_id=purchase.pk, amount=Decimal("60.00"), refund_id="R1")
    assert selectors.count_definition(BIG_SPENDERS) == 0
