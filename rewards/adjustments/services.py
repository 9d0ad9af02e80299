"""Points added or removed by hand, and the second staff user's approval of large ones.

``adjust_points`` is the one way a staff adjustment (or an action's or referral's
credit) reaches the ledger. The member reads its description (by default "Points
adjustment"); the reason is an internal note that only staff see.

A typo of a few zeros cannot be taken back from an append-only ledger, so above the
program's large threshold (``Program.large_adjustment_points``) the points wait in an
``AdjustmentRequest`` until a second staff user with the permission
``rewards.approve_adjustmentrequest`` approves them. Approval posts the entry through
``adjust_points``, keyed on the request, so that it is credited once however often it
is approved or retried.
"""

import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from loyalty.db import retry_on_conflict
from loyalty.errors import ApplicationError, idempotency_conflict, not_found
from members.models import Member
from members.services import lock_member

from .. import signals, validation
from ..expiry.policy import lot_expiry
from ..ledger.postings import Posting, spendable_points
from ..models import AdjustmentRequest, LedgerEntry, Program

APPROVE_PERMISSION = "rewards.approve_adjustmentrequest"


ADJUSTMENT_TEXT = "Points adjustment"  # what the member reads when staff give no description


@retry_on_conflict
@transaction.atomic
def adjust_points(
    *,
    member_id: int,
    points: int,
    reason: str,
    user=None,
    idempotency_key: str | None = None,
    kind: str = LedgerEntry.Kind.ADJUST,
    description: str = "",
    reference: str = "",
    effective_at: datetime | None = None,
    approval: AdjustmentRequest | None = None,
) -> LedgerEntry:
    """Add or remove points by hand (staff), or for an action or a referral.

    ``reason`` is the internal note, for staff only; ``description`` is what the member
    reads (by default "Points adjustment"). A credit is a new lot that expires by the
    program's policy; a debit is taken oldest-expiry-first and refused if the member
    cannot cover it. A staff adjustment of more than the program's large threshold is
    refused unless ``approval`` is its request, approved by a second staff user
    (``request_adjustment``, ``approve_adjustment``).
    """
    points = validation.check_points(points, allow_negative=True)
    reason = _reason(reason)
    key = idempotency_key or f"adjust:{secrets.token_hex(12)}"
    member = lock_member(member_id)
    existing = _existing_entry(key, member_id, points)
    if existing is not None:
        return existing
    if member.status == Member.Status.CLOSED:
        raise ApplicationError(
            f"The member {member.email} is closed.", code="member_not_active", field="member"
        )
    program = Program.get()
    if kind == LedgerEntry.Kind.ADJUST:  # a figure and a date staff typed
        _check_approval(points, member_id, approval, validation.limits(program))
        effective_at = validation.check_moment(effective_at, field="effective_at")
    else:  # computed by the calling service (an action, a referral), which checked its inputs
        effective_at = effective_at or timezone.now()
    posting = Posting(member=member, kind=kind, idempotency_key=key, effective_at=effective_at)
    _move(posting, points, program)
    default = ADJUSTMENT_TEXT if kind == LedgerEntry.Kind.ADJUST else reason
    entry = posting.post(
        description=(description or "").strip()[:255] or default[:255],
        reason=reason,
        created_by=user,
        reference=reference,
    )
    if entry.points > 0:
        signals.points_credited.send(sender=LedgerEntry, entry=entry)
    return entry


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "A reason is required (an internal note that only staff see).",
            code="reason_required",
            field="reason",
        )
    return reason


def _existing_entry(key: str, member_id: int, points: int) -> LedgerEntry | None:
    """The entry a retry with this key already posted, which must be the same change."""
    existing = LedgerEntry.objects.filter(idempotency_key=key).first()
    if existing is not None and (existing.member_id != member_id or existing.points != points):
        raise idempotency_conflict()
    return existing


def _move(posting: Posting, points: int, program: Program) -> None:
    """A credit is a new lot expiring by the policy; a debit must be covered by spendable
    points, oldest expiry first."""
    if points > 0:
        posting.credit(points, expires_at=lot_expiry(program, posting.effective_at))
        posting.settle_debt()
        return
    member = posting.member
    available = spendable_points(member, now=posting.effective_at)
    if available < -points:
        raise ApplicationError(
            f"Cannot remove {-points:,} points: {member.email} has only {available:,} spendable.",
            code="insufficient_points",
            field="points",
        )
    posting.take(-points, now=posting.effective_at)


def _check_approval(points, member_id, approval, limits: validation.Limits) -> None:
    """Above the large threshold, only an approved request of these very points posts."""
    if not validation.needs_approval(points, limits):
        return
    if approval is None:
        raise ApplicationError(
            f"An adjustment of more than {limits.large_points:,} points needs a second staff "
            "user's approval: request it, and another staff user approves it.",
            code="approval_required",
            field="points",
        )
    approved = approval.status == AdjustmentRequest.Status.APPROVED
    if not approved or approval.decided_by_id in (None, approval.requested_by_id):
        raise ApplicationError(
            "This adjustment is not approved by a second staff user.",
            code="approval_required",
            field="points",
        )
    if (approval.member_id, approval.points) != (member_id, points):
        raise ApplicationError(
            "The approval is for another member or another number of points.",
            code="approval_required",
            field="points",
        )


def adjust_or_request(
    *,
    member_id: int,
    points: int,
    note: str,
    user,
    description: str = "",
    effective_at: datetime | None = None,
) -> LedgerEntry | AdjustmentRequest:
    """What staff's *Adjust points* does: post at once up to the large threshold, above it
    record a request for a second staff user to approve. ``effective_at``: when it
    happened, if not now (dated in a closed period, the reports book it in the next)."""
    points = validation.check_points(points, allow_negative=True)
    when = {"effective_at": effective_at}
    if validation.needs_approval(points, validation.limits()):
        return request_adjustment(
            member_id=member_id, points=points, note=note, user=user, description=description,
            **when,
        )  # fmt: skip
    return adjust_points(
        member_id=member_id, points=points, reason=note, user=user, description=description,
        **when,
    )  # fmt: skip


@transaction.atomic
def request_adjustment(
    *,
    member_id: int,
    points: int,
    note: str,
    user,
    description: str = "",
    effective_at: datetime | None = None,
) -> AdjustmentRequest:
    """Record a large adjustment to approve; nothing is credited or taken yet."""
    points = validation.check_points(points, allow_negative=True)
    if effective_at is not None:
        effective_at = validation.check_moment(effective_at, field="effective_at")
    note = _reason(note)
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
        effective_at=effective_at,
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
        effective_at=request.effective_at,
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
