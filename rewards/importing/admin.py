"""Admin of purchase imports: upload, check (a preview), confirm, follow the progress."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from loyalty.admin_mixins import ChangedFieldsAdmin
from loyalty.errors import ApplicationError

from .. import tasks
from ..models import Channel, ImportJob
from . import jobs
from .parsing import not_text

ALLOWED = (".csv", ".txt", ".xlsx", ".xlsm")


class ImportJobForm(forms.ModelForm):
    class Meta:
        model = ImportJob
        fields = [
            "file",
            "preset",
            "channel",
            "skip_invalid",
            "award_points",
            "points_as_of_today",
            "decimal_comma",
        ]

    def clean_channel(self):
        code = self.cleaned_data["channel"].strip()
        known = sorted(Channel.objects.values_list("code", flat=True))
        if code and code not in known:
            raise forms.ValidationError(
                f"Channel '{code}' does not exist; channels: {', '.join(known) or 'none'}."
            )
        return code

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith(ALLOWED):
            raise forms.ValidationError("Upload a CSV or XLSX file.")
        if not name.endswith((".xlsx", ".xlsm")):
            upload.seek(0)
            reason = not_text(upload.read(8192))
            upload.seek(0)
            if reason:
                raise forms.ValidationError(reason)
        return upload


@admin.register(ImportJob)
class ImportJobAdmin(ChangedFieldsAdmin, admin.ModelAdmin):
    form = ImportJobForm
    change_form_template = "admin/rewards/importjob/change_form.html"
    list_display = ["__str__", "file", "status", "created_by", "created_at", "finished_at"]
    list_filter = ["status", "preset"]
    search_fields = ["file", "created_by__email"]
    readonly_fields = [
        "file",
        "preset",
        "channel",
        "skip_invalid",
        "award_points",
        "points_as_of_today",
        "decimal_comma",
        "status",
        "message",
        "created_by",
        "created_at",
        "finished_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj else ImportJobForm.Meta.fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.status = ImportJob.Status.PREVIEWING
        super().save_model(request, obj, form, change)
        if not change:
            transaction.on_commit(lambda: tasks.preview_import_job.delay(obj.pk))

    def get_urls(self):
        return [
            path(
                "<int:object_id>/confirm/",
                self.admin_site.admin_view(self.confirm_view),
                name="rewards_importjob_confirm",
            ),
            path(
                "<int:object_id>/rejected/",
                self.admin_site.admin_view(self.rejected_view),
                name="rewards_importjob_rejected",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = get_object_or_404(ImportJob, pk=object_id)
        progress = jobs.progress_of(job.pk) or {}
        running = job.status in (ImportJob.Status.PREVIEWING, ImportJob.Status.IMPORTING)
        summary = job.summary or {}
        extra_context = {
            **(extra_context or {}),
            "job": job,
            "running": running,
            "progress": progress,
            "summary_rows": [
                (label, summary.get(key))
                for key, label in (
                    ("rows_read", "Rows read"),
                    ("purchases_created", "Purchases"),
                    ("duplicates_skipped", "Duplicates skipped"),
                    ("changed", "Changed rows (not applied)"),
                    ("members_created", "New members"),
                    ("points_awarded", "Points awarded"),
                    ("points_pending", "of which pending"),
                    ("points_expired", "Points already expired"),
                    ("rejected", "Rows in error"),
                    ("refunded", "Refunded orders (no points)"),
                    ("partially_refunded", "Partially refunded (points on what was kept)"),
                    ("not_a_sale", "Not sales (skipped)"),
                    ("without_member", "Without a member"),
                )
                if key in summary
            ],
            "problems": summary.get("problems", []),
            "errors": summary.get("errors", []),
            "preview": summary.get("preview", []),
            "can_confirm": job.status == ImportJob.Status.PREVIEWED
            and self.has_add_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def confirm_view(self, request, object_id):
        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        try:
            job = jobs.confirm_job(job_id=object_id)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            transaction.on_commit(lambda: tasks.run_import_job.delay(job.pk))
            self.message_user(request, "The import has started.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:rewards_importjob_change", args=[object_id]))

    def rejected_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = get_object_or_404(ImportJob, pk=object_id)
        if not job.rejected_file:
            raise Http404("no rejected rows")
        return FileResponse(
            job.rejected_file.open("rb"),
            as_attachment=True,
            filename=f"import-{job.pk}-rejected.csv",
            content_type="text/csv",
        )
