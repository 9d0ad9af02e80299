"""Admin of large adjustments: the list of requests, and Approve / Reject for a second staff user.

Requests are made on a member's page (*Adjust points* above the large threshold); only a
staff user other than the requester, with the permission "Can approve or reject another
user's large adjustment", decides. The services (``rewards.adjustments.services``) enforce both.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html

from loyalty.admin_mixins import RecordAdmin

from ..adjustments.services import APPROVE_PERMISSION, approve_adjustment, reject_adjustment
from ..models import AdjustmentRequest
from .base import ActionViewsMixin
from .forms import ApproveAdjustmentForm, RejectAdjustmentForm


@admin.register(AdjustmentRequest)
class AdjustmentRequestAdmin(RecordAdmin, ActionViewsMixin, admin.ModelAdmin):
    list_display = ["requested_at", "member", "points_shown", "requested_by", "decision"]
    list_filter = ["status", "requested_at"]
    search_fields = ["member__email", "description", "note", "requested_by__email"]
    date_hierarchy = "requested_at"
    list_select_related = ["member", "requested_by", "decided_by"]
    object_actions = [
        ("approve", "Approve", "approve_view"),
        ("reject", "Reject", "reject_view"),
    ]

    def has_change_permission(self, request, obj=None):
        # Deciding is the only change made here: the permission to approve is enough.
        allowed = request.user.has_perm(APPROVE_PERMISSION)
        return allowed or super().has_change_permission(request, obj)

    @admin.display(description="points", ordering="points")
    def points_shown(self, obj):
        return f"{obj.points:+,}"

    @admin.display(description="decision", ordering="status")
    def decision(self, obj):
        """Approve / Reject while it waits; then who decided, and when."""
        if obj.status == AdjustmentRequest.Status.PENDING:
            return format_html(
                'Waiting: <a href="{}">Approve</a> · <a href="{}">Reject</a>',
                reverse("admin:rewards_adjustmentrequest_approve", args=[obj.pk]),
                reverse("admin:rewards_adjustmentrequest_reject", args=[obj.pk]),
            )
        return f"{obj.get_status_display()} by {obj.decided_by} on {obj.decided_at:%Y-%m-%d}"

    def _decidable(self, request, object_id) -> AdjustmentRequest:
        if not request.user.has_perm(APPROVE_PERMISSION):
            raise PermissionDenied
        return get_object_or_404(AdjustmentRequest.objects.select_related("member"), pk=object_id)

    def _intro(self, adjustment: AdjustmentRequest) -> str:
        return (
            f"{adjustment.points:+,} points for {adjustment.member.email}, requested by "
            f"{adjustment.requested_by} on {adjustment.requested_at:%Y-%m-%d %H:%M}. "
            f"The member will read: “{adjustment.description}”. "
            f"Internal note: {adjustment.note}"
        )

    def approve_view(self, request, object_id):
        adjustment = self._decidable(request, object_id)
        return self.run_form(
            request,
            adjustment,
            ApproveAdjustmentForm,
            title=f"Approve {adjustment.points:+,} points for {adjustment.member.email}",
            intro=self._intro(adjustment),
            action=lambda data: approve_adjustment(request_id=adjustment.pk, user=request.user),
            done=lambda r: f"Approved: {r.points:+,} points posted for {r.member.email}.",
        )

    def reject_view(self, request, object_id):
        adjustment = self._decidable(request, object_id)
        return self.run_form(
            request,
            adjustment,
            RejectAdjustmentForm,
            title=f"Reject {adjustment.points:+,} points for {adjustment.member.email}",
            intro=self._intro(adjustment),
            action=lambda data: reject_adjustment(
                request_id=adjustment.pk, user=request.user, reason=data["reason"]
            ),
            done=lambda r: "Rejected: no points were credited or taken.",
        )
