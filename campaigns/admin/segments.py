"""Segments in the admin: edit the definition and see its member count live, export, freeze."""

import csv
import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse, StreamingHttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from loyalty.admin_mixins import HistoryAdmin
from loyalty.errors import ApplicationError

from .. import conditions, selectors, services
from ..models import Segment, SegmentSnapshot

HELP = (
    'A JSON tree: {"match": "all" or "any", "conditions": [...]}, where a condition is e.g. '
    '{"kind": "tier", "tiers": [1]}, {"kind": "balance", "min": 100}, '
    '{"kind": "expiring", "days": 30}, {"kind": "last_purchase", "more_than_days": 90}, '
    '{"kind": "purchases", "days": 365, "min_count": 2, "min_spend": "100"}, '
    '{"kind": "rfm", "days": 365, "recency": [4, 5], "monetary": [4, 5]}, '
    '{"kind": "birthday_month", "months": [6]}, {"kind": "channel", "channels": ["web"]}, '
    '{"kind": "enrolled", "within_days": 30}, {"kind": "referral", "role": "referrer"}, '
    '{"kind": "consent", "channel": "email"}; a condition may itself be a group. '
    "Only active members are ever counted."
)


def tools(context: dict | None, *links: tuple[str, str, int]) -> dict:
    """The change page's context with buttons (label, URL name suffix, object id) to the
    object's own pages (``admin/loyalty/change_form_tools.html``)."""
    buttons = [
        {"url": reverse(f"admin:campaigns_{name}", args=[pk]), "label": label}
        for label, name, pk in links
    ]
    return {**(context or {}), "loyalty_tools": buttons}


class _Echo:
    def write(self, value):
        return value


class SegmentForm(forms.ModelForm):
    definition = forms.JSONField(
        widget=forms.Textarea(attrs={"rows": 14, "cols": 90, "class": "segment-definition"}),
        help_text=HELP,
    )

    class Meta:
        model = Segment
        fields = ["name", "description", "definition"]

    def clean_definition(self):
        definition = self.cleaned_data["definition"]
        try:
            conditions.parse(definition)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None
        return definition


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    form = SegmentForm
    list_display = ["name", "description", "updated_at", "created_by"]
    search_fields = ["name", "description"]
    list_filter = ["updated_at"]
    readonly_fields = ["members_now", "created_by", "created_at", "updated_at"]
    fields = ["name", "description", "definition", "members_now", "created_by", "updated_at"]
    actions = ["freeze"]
    change_form_template = "admin/loyalty/change_form_tools.html"

    class Media:
        js = ["js/segment_count.js"]

    def get_urls(self):
        return [
            path(
                "count/",
                self.admin_site.admin_view(require_POST(self.count_view)),
                name="campaigns_segment_count",
            ),
            path(
                "<int:object_id>/export/",
                self.admin_site.admin_view(self.export_view),
                name="campaigns_segment_export",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="members now")
    def members_now(self, obj):
        count = selectors.count_definition(obj.definition) if obj and obj.pk else "-"
        return format_html(
            '<output class="segment-count" data-url="{}" aria-live="polite">{}</output>',
            reverse("admin:campaigns_segment_count"),
            f"{count:,}" if isinstance(count, int) else count,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = tools(extra_context, ("Export members (CSV)", "segment_export", object_id))
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def count_view(self, request):
        """The member count of the definition being edited (JSON in, JSON out).

        A definition that is not valid yet is an answer, not a failed request (200 with
        ``error``): the page is typed into, and the browser logs every 4xx as an error.
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            definition = json.loads(request.body or b"null")
            count = selectors.count_definition(definition)
        except ValueError:
            return JsonResponse({"count": None, "error": "The definition is not valid JSON."})
        except ApplicationError as exc:
            return JsonResponse({"count": None, "error": exc.message})
        return JsonResponse({"count": count, "error": None})

    def export_view(self, request, object_id):
        segment = self.get_object(request, str(object_id))
        if segment is None or not self.has_view_permission(request, segment):
            raise PermissionDenied
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in selectors.export_rows(segment)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="segment-{segment.pk}.csv"'
        return response

    @admin.action(
        description="Freeze the members of the selected segments as a list",
        permissions=["change"],
    )
    def freeze(self, request, queryset):
        for segment in queryset:
            snapshot = services.freeze_segment(segment_id=segment.pk, user=request.user)
            self.message_user(request, f"Frozen: {snapshot}", messages.SUCCESS)


@admin.register(SegmentSnapshot)
class SegmentSnapshotAdmin(HistoryAdmin, admin.ModelAdmin):
    list_display = ["segment", "taken_at", "member_count", "taken_by"]
    list_filter = ["segment", "taken_at"]
    search_fields = ["segment__name"]
    list_select_related = ["segment", "taken_by"]
