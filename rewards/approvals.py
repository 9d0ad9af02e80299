"""Large adjustments: one staff user requests, another approves (or rejects); only approval posts.

A typo of a few zeros in an adjustment cannot be taken back from an append-only ledger,
so above the program's large threshold (``Program.large_adjustment_points``) the points
wait in an ``AdjustmentRequest`` until a second staff user with the permission
``rewards.approve_adjustmentrequest`` approves them. Approval posts the entry through
``adjust_points``, keyed on the request, so that it is credited once however often it is
approved or retried.
"""

from django.db import transaction
from django.utils import timezone

from loyalty.db import retry_on_conflict
from loyalty.errors import ApplicationError, not_found
from members.models import Member

from . import validation
from .models import AdjustmentRequest, LedgerEntry
from .services import ADJUSTMENT_TEXT, adjust_points, lock_member

APPROVE_PERMISSION = "rewards.approve_adjustmentrequest"


def adjust_or_request(
    *, member_id: int, points: int, note: str, user, description: str = ""
) -> LedgerEntry | AdjustmentRequest:
    """What staff's *Adjust points* does: post at once up to the large threshold, above it
    record a request for a second staff user to approve."""
    points = validation.check_points(points, allow_negative=True)
    if validation.needs_approval(points, validation.limits()):
        return request_adjustment(
            member_id=member_id, points=points, note=note, user=user, description=description
        )
    return adjust_points(
        member_id=member_id, points=points, reason=note, user=user, description=description
    )


@transaction.atomic
def request_adjustment(
    *, member_id: int, points: int, note: str, user, description: str = ""
) -> AdjustmentRequest:
    """Record a large adjustment to approve; nothing is credited or taken yet."""
    points = validation.check_points(points, allow_negative=True)
    note = (note or "").strip()
    if not note:
        raise ApplicationError(
            "A reason is required (an internal note that only staff see).",
            code="reason_required",
            field="reason",
        )
    if user is None or not user.is_staff:
        raise ApplicationError("Only a staff user can request an adjustment.", code="forbidden")
    member = lock_member(member_id)
    if member.status == Member.Status.CLOSED:
        raise ApplicationError(
            f"The member {member.email} is closed.", code="member_not_active", field="member"
        )
    return AdjustmentRequest.objects.create(
        member=member,
        points=points,
        description=(description or "").strip()[:255] or ADJUSTMENT_TEXT,
        note=note,
        requested_by=user,
    )


def _decidable(request_id: int, user) -> AdjustmentRequest:
    request = AdjustmentRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise not_found("adjustment request", request_id)
    if user is None or not user.is_staff or not user.has_perm(APPROVE_PERMISSION):
        raise ApplicationError(
            "You do not have the permission to approve or reject large adjustments.",
            code="forbidden",
        )
    if user.pk == request.requested_by_id:
        raise ApplicationError(
            "Another staff user must approve or reject this adjustment: you requested it.",
            code="same_user",
        )
    return request


@retry_on_conflict
@transaction.atomic
def approve_adjustment(*, request_id: int, user) -> AdjustmentRequest:
    """Post the requested points (idempotent: approving again posts nothing more)."""
    head = AdjustmentRequest.objects.filter(pk=request_id).values("member_id").first()
    if head is not None:
        lock_member(head["member_id"])  # the member first, like every ledger write
    request = _decidable(request_id, user)
    if request.status == AdjustmentRequest.Status.APPROVED:
        return request
    if request.status == AdjustmentRequest.Status.REJECTED:
        raise ApplicationError(
            f"This adjustment was rejected by {request.decided_by}.", code="already_decided"
        )
    request.status = AdjustmentRequest.Status.APPROVED
    request.decided_by, request.decided_at = user, timezone.now()
    request.entry = adjust_points(
        member_id=request.member_id,
        points=request.points,
        reason=request.note,
        user=request.requested_by,
        idempotency_key=f"adjustment-request:{request.pk}",
        description=request.description,
        reference=f"adjustment-request:{request.pk}",
        approval=request,
    )
    request.save(update_fields=["status", "decided_by", "decided_at", "entry"])
    return request


@transaction.atomic
def reject_adjustment(*, request_id: int, user, reason: str) -> AdjustmentRequest:
    """Refuse a request with the reason; nothing is credited or taken."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("A reason is required.", code="reason_required", field="reason")
    request = _decidable(request_id, user)
    if request.status != AdjustmentRequest.Status.PENDING:
        raise ApplicationError(
            f"This adjustment is already {request.get_status_display().lower()}.",
            code="already_decided",
        )
    request.status = AdjustmentRequest.Status.REJECTED
    request.decided_by, request.decided_at = user, timezone.now()
    request.rejection_reason = reason[:255]
    request.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
    return request
