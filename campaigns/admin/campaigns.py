"""Campaigns in the admin: drafts, launch (audience and control group), end, the report."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from loyalty.errors import ApplicationError

from .. import lifecycle, services
from ..models import Campaign
from ..report import campaign_report
from .segments import tools


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = [
        "name", "kind", "segment", "status", "starts_at", "ends_at", "budget_points",
        "control_share", "launched_by",
    ]  # fmt: skip
    list_filter = ["status", "kind", "starts_at"]
    search_fields = ["name", "segment__name"]
    list_select_related = ["segment", "launched_by"]
    readonly_fields = ["status", "snapshot", "earn_rule", "launched_by", "launched_at", "ended_at"]
    actions = ["launch", "end"]
    change_form_template = "admin/loyalty/change_form_tools.html"

    def get_urls(self):
        report = path(
            "<int:object_id>/report/",
            self.admin_site.admin_view(self.report_view),
            name="campaigns_campaign_report",
        )
        return [report, *super().get_urls()]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Campaign.Status.DRAFT:
            # A launched campaign's audience, offer and window are what its report measures.
            return [f.name for f in self.model._meta.fields]
        return self.readonly_fields

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = tools(extra_context, ("Report", "campaign_report", object_id))
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Launch the selected drafts", permissions=["change"])
    def launch(self, request, queryset):
        for campaign in queryset:
            try:
                launched = services.launch_campaign(campaign_id=campaign.pk, user=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{campaign}: {exc.message}", messages.ERROR)
                continue
            queued = 0
            if launched.kind == Campaign.Kind.MESSAGE or launched.status == "running":
                queued = lifecycle.queue_campaign_message(campaign_id=launched.pk)
            self.message_user(
                request,
                f"{launched}: {launched.get_status_display().lower()}, {queued:,} messages queued.",
                messages.SUCCESS,
            )

    @admin.action(description="End the selected campaigns now", permissions=["change"])
    def end(self, request, queryset):
        for campaign in queryset:
            try:
                services.end_campaign(campaign_id=campaign.pk)
            except ApplicationError as exc:
                self.message_user(request, f"{campaign}: {exc.message}", messages.ERROR)

    def report_view(self, request, object_id):
        campaign = self.get_object(request, str(object_id))
        if campaign is None or not self.has_view_permission(request, campaign):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": campaign,
            "title": f"Report: {campaign}",
            "report": campaign_report(campaign),
        }
        return TemplateResponse(request, "admin/campaigns/report.html", context)
