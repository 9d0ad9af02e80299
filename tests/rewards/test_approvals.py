"""A large adjustment waits for a second staff user's approval; only approval posts it."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from loyalty.errors import ApplicationError
from rewards.adjustments.services import (
    adjust_or_request,
    adjust_points,
    approve_adjustment,
    reject_adjustment,
)
from rewards.models import AdjustmentRequest, LedgerEntry
from tests.conftest import skip_unless_postgresql
from tests.factories import UserFactory
from tests.helpers import assert_ledger_consistent, balance, run_at_once

LARGE = 10_001  # the default threshold is 10,000 points


def staff(email, *, approver=False, superuser=False):
    user = UserFactory(email=email, is_staff=True, is_superuser=superuser)
    if approver:
        user.user_permissions.add(
            Permission.objects.get(codename="approve_adjustmentrequest"),
            Permission.objects.get(codename="view_adjustmentrequest"),
        )
    return user


@pytest.fixture
def requester(db):
    return staff("requester@example.com", superuser=True)


@pytest.fixture
def approver(db):
    return staff("approver@example.com", approver=True)


def request_large(member, requester, points=LARGE):
    return adjust_or_request(
        member_id=member.pk, points=points, note="Compensation for the lost order", user=requester
    )


def test_an_adjustment_up_to_the_threshold_posts_at_once(member, requester):
    entry = adjust_or_request(member_id=member.pk, points=10_000, note="goodwill", user=requester)
    assert isinstance(entry, LedgerEntry)
    assert balance(member) == 10_000


def test_an_adjustment_over_the_threshold_waits_and_credits_nothing(member, requester):
    request = request_large(member, requester)
    assert isinstance(request, AdjustmentRequest)
    assert request.status == AdjustmentRequest.Status.PENDING
    assert (request.requested_by, request.description) == (requester, "Points adjustment")
    assert balance(member) == 0
    assert not LedgerEntry.objects.exists()


def test_a_large_debit_waits_for_approval_too(member, requester):
    request = request_large(member, requester, points=-LARGE)
    assert request.status == AdjustmentRequest.Status.PENDING


def test_the_service_refuses_a_large_adjustment_without_an_approved_request(member, requester):
    with pytest.raises(ApplicationError, match="needs a second staff user's approval") as error:
        adjust_points(member_id=member.pk, points=LARGE, reason="x", user=requester)
    assert error.value.code == "approval_required"
    assert not LedgerEntry.objects.exists()


def test_another_staff_user_approves_and_the_points_are_posted_once(member, requester, approver):
    request = request_large(member, requester)
    approved = approve_adjustment(request_id=request.pk, user=approver)
    again = approve_adjustment(request_id=request.pk, user=approver)
    assert approved.status == AdjustmentRequest.Status.APPROVED
    assert (approved.requested_by, approved.approved_by) == (requester, approver)
    assert again.entry == approved.entry
    entry = LedgerEntry.objects.get()
    assert (entry.points, entry.description, entry.reason) == (
        LARGE,
        "Points adjustment",
        "Compensation for the lost order",
    )
    assert entry.created_by == requester
    assert balance(member) == LARGE
    assert_ledger_consistent()


def test_the_requester_cannot_approve_their_own_adjustment(member, requester):
    request = request_large(member, requester)
    with pytest.raises(ApplicationError, match="Another staff user must approve"):
        approve_adjustment(request_id=request.pk, user=requester)
    assert balance(member) == 0


def test_a_staff_user_without_the_permission_cannot_approve(member, requester):
    request = request_large(member, requester)
    clerk = staff("clerk@example.com")
    with pytest.raises(ApplicationError, match="do not have the permission"):
        approve_adjustment(request_id=request.pk, user=clerk)
    assert AdjustmentRequest.objects.get().status == AdjustmentRequest.Status.PENDING


def test_a_rejection_needs_a_reason_and_posts_nothing(member, requester, approver):
    request = request_large(member, requester)
    with pytest.raises(ApplicationError, match="reason is required"):
        reject_adjustment(request_id=request.pk, user=approver, reason=" ")
    rejected = reject_adjustment(request_id=request.pk, user=approver, reason="typo")
    assert (rejected.rejected_by, rejected.rejection_reason) == (approver, "typo")
    with pytest.raises(ApplicationError, match="was rejected"):
        approve_adjustment(request_id=request.pk, user=approver)
    assert not LedgerEntry.objects.exists()


def test_an_approval_the_member_cannot_cover_is_refused_and_stays_pending(
    member, requester, approver
):
    request = request_large(member, requester, points=-LARGE)
    with pytest.raises(ApplicationError, match="Cannot remove 10,001 points"):
        approve_adjustment(request_id=request.pk, user=approver)
    assert AdjustmentRequest.objects.get().status == AdjustmentRequest.Status.PENDING


def test_the_threshold_is_the_programs(member, requester, program):
    program.large_adjustment_points = 100
    program.save()
    request = adjust_or_request(member_id=member.pk, points=101, note="x", user=requester)
    assert isinstance(request, AdjustmentRequest)


def test_it_validates_ownership_an_approval_credits_only_the_requested_member(
    member, other_member, requester, approver
):
    request = request_large(member, requester)
    approve_adjustment(request_id=request.pk, user=approver)
    assert (balance(member), balance(other_member)) == (LARGE, 0)


# ---------------------------------------------------------------- in the admin


def test_staff_adjusting_above_the_threshold_in_the_admin_get_a_request(client, member, requester):
    client.force_login(requester)
    url = reverse("admin:members_member_adjust", args=[member.pk])
    response = client.post(url, {"points": LARGE, "description": "", "reason": "lost order"})
    assert response.status_code == 302
    assert "wait for another staff user's approval" in str(
        list(client.get(response.url).context["messages"])[0]
    )
    assert AdjustmentRequest.objects.get().points == LARGE
    assert balance(member) == 0


def test_the_admin_list_shows_both_users_and_an_approver_approves(
    client, member, requester, approver
):
    request = request_large(member, requester)
    client.force_login(approver)
    listing = client.get(reverse("admin:rewards_adjustmentrequest_changelist"))
    assert b"requester@example.com" in listing.content and b"Approve" in listing.content
    url = reverse("admin:rewards_adjustmentrequest_approve", args=[request.pk])
    assert client.post(url, {"confirm": "on"}).status_code == 302
    assert balance(member) == LARGE
    listing = client.get(reverse("admin:rewards_adjustmentrequest_changelist"))
    assert b"approver@example.com" in listing.content


def test_the_requester_sees_the_refusal_in_the_admin(client, member, requester):
    request = request_large(member, requester)
    client.force_login(requester)
    url = reverse("admin:rewards_adjustmentrequest_approve", args=[request.pk])
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 200
    assert b"Another staff user must approve" in response.content
    assert balance(member) == 0


def test_a_staff_user_without_the_permission_gets_403_in_the_admin(client, member, requester):
    request = request_large(member, requester)
    client.force_login(staff("clerk@example.com"))
    url = reverse("admin:rewards_adjustmentrequest_approve", args=[request.pk])
    assert client.post(url, {"confirm": "on"}).status_code == 403


def test_an_approver_rejects_with_a_reason_in_the_admin(client, member, requester, approver):
    request = request_large(member, requester)
    client.force_login(approver)
    url = reverse("admin:rewards_adjustmentrequest_reject", args=[request.pk])
    assert client.post(url, {"reason": "not justified"}).status_code == 302
    assert AdjustmentRequest.objects.get().status == AdjustmentRequest.Status.REJECTED
    assert not LedgerEntry.objects.exists()


# ---------------------------------------------------------------- concurrency


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_post_the_points_once(member, requester):
    skip_unless_postgresql()
    request = request_large(member, requester)
    first = staff("first@example.com", approver=True)
    second = staff("second@example.com", approver=True)

    def approve(i):
        return approve_adjustment(request_id=request.pk, user=first if i == 0 else second).entry_id

    entries = run_at_once(2, approve)
    assert len(set(entries)) == 1
    assert LedgerEntry.objects.count() == 1
    assert balance(member) == LARGE
    assert_ledger_consistent()
