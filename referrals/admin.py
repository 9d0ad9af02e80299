"""Admin of referrals: settings, codes, referrals with approve/reject (with a reason), funnel."""

from django import forms
from django.contrib import admin
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from loyalty.admin_mixins import ChangedFieldsAdmin, RecordAdmin, SingletonAdmin
from rewards.admin.base import ActionViewsMixin

from . import selectors, services
from .models import Referral, ReferralCode, ReferralSettings


@admin.register(ReferralSettings)
class ReferralSettingsAdmin(ChangedFieldsAdmin, SingletonAdmin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "referrer_points",
        "referee_points",
        "min_qualifying_amount",
        "cap_per_referrer",
        "cap_period",
    ]


@admin.register(ReferralCode)
class ReferralCodeAdmin(ChangedFieldsAdmin, admin.ModelAdmin):
    list_display = ["code", "member", "visits", "shared_at", "created_at"]
    search_fields = ["code", "member__email"]
    list_select_related = ["member"]
    readonly_fields = ["member", "code", "visits", "shared_at", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReviewForm(forms.Form):
    reason = forms.CharField(max_length=255, help_text="Required; kept on the referral.")


@admin.register(Referral)
class ReferralAdmin(RecordAdmin, ActionViewsMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "referrer",
        "referee",
        "source",
        "status",
        "suspicion",
        "qualified_at",
        "reward_due_at",
        "referrer_points",
        "referee_points",
    ]
    list_filter = ["status", "source", "created_at"]
    search_fields = ["referrer__email", "referee__email", "code__code"]
    date_hierarchy = "created_at"
    list_select_related = ["referrer", "referee"]
    object_actions = [
        ("approve", "Approve", "approve_view"),
        ("reject", "Reject", "reject_view"),
    ]
    change_list_template = "admin/referrals/referral_change_list.html"

    def get_urls(self):
        funnel = path(
            "funnel/", self.admin_site.admin_view(self.funnel_view), name="referrals_funnel"
        )
        return [funnel, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra = {"funnel_url": reverse("admin:referrals_funnel"), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def funnel_view(self, request):
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Referral funnel",
            "funnel": selectors.funnel(),
        }
        return TemplateResponse(request, "admin/referrals/funnel.html", context)

    def approve_view(self, request, object_id):
        referral = get_object_or_404(Referral, pk=object_id)
        return self.run_form(
            request,
            referral,
            ReviewForm,
            title=f"Approve the referral of {referral.referee}",
            intro=f"Flagged: {referral.suspicion or 'not flagged'}.",
            action=lambda data: services.approve_referral(
                referral_id=referral.pk, reason=data["reason"], user=request.user
            ),
            done=lambda r: f"Approved: the referral is now {r.get_status_display().lower()}.",
        )

    def reject_view(self, request, object_id):
        referral = get_object_or_404(Referral, pk=object_id)
        return self.run_form(
            request,
            referral,
            ReviewForm,
            title=f"Reject the referral of {referral.referee}",
            intro="Nobody is rewarded for a rejected referral.",
            action=lambda data: services.reject_referral(
                referral_id=referral.pk, reason=data["reason"], user=request.user
            ),
            done=lambda r: "Rejected.",
        )
