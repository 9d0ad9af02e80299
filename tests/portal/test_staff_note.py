"""A staff note is not the member's text: members read the description, staff the note too."""

import pytest
from django.urls import reverse

from rewards.adjustments.services import adjust_points, approve_adjustment, request_adjustment
from rewards.models import LedgerEntry
from tests.factories import UserFactory

NOTE = "Customer shouted at the till; goodwill to calm things down"


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)


def test_an_adjustment_without_a_description_reads_points_adjustment(member):
    entry = adjust_points(member_id=member.pk, points=5, reason=NOTE)
    assert (entry.description, entry.reason) == ("Points adjustment", NOTE)


def test_staff_write_the_description_and_the_note_separately_in_the_admin(client, member, staff):
    client.force_login(staff)
    url = reverse("admin:members_member_adjust", args=[member.pk])
    client.post(url, {"points": "40", "description": "Sorry for the delay", "reason": NOTE})
    entry = LedgerEntry.objects.get(member=member)
    assert (entry.description, entry.reason, entry.created_by) == (
        "Sorry for the delay",
        NOTE,
        staff,
    )
    page = client.get(reverse("admin:members_member_change", args=[member.pk]))
    assert NOTE in page.content.decode()


def test_the_note_never_reaches_the_members_pages(client, signed_in, staff):
    adjust_points(member_id=signed_in.pk, points=40, reason=NOTE, user=staff)
    request = request_adjustment(
        member_id=signed_in.pk, points=20_000, note=NOTE + " (large)", user=staff
    )
    approver = UserFactory(email="boss@example.com", is_staff=True, is_superuser=True)
    approve_adjustment(request_id=request.pk, user=approver)
    for name in ("portal:home", "portal:history"):
        page = client.get(reverse(name)).content.decode()
        assert "Points adjustment" in page
        assert "shouted" not in page
    api = client.get("/api/v1/me/ledger/")
    assert api.status_code == 200
    assert "Points adjustment" in api.content.decode()
    assert "shouted" not in api.content.decode()


def test_it_validates_ownership_a_member_never_sees_another_members_adjustment(
    client, signed_in, other_member
):
    adjust_points(
        member_id=other_member.pk, points=7, reason=NOTE, description="Welcome gift for Bob"
    )
    assert "Welcome gift for Bob" not in client.get(reverse("portal:history")).content.decode()
    assert "Welcome gift for Bob" not in client.get("/api/v1/me/ledger/").content.decode()
