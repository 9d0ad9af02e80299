"""Admin of purchase imports: upload, choose the columns, check (a preview), confirm, follow.

1. Upload the file with its options (the channel picked from the list, the preset).
2. Choose which of the file's columns is each of ours: the file's headers are offered,
   the ones the import would read preselected (``jobs.suggested_columns``).
3. The file is checked in a Celery task (a dry run with a preview); a progress bar polls
   ``status/`` (``static/js/import_progress.js``) while it runs.
4. One Confirm button imports it, in a Celery task again.
"""

import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from loyalty.admin_mixins import ChangedFieldsAdmin
from loyalty.errors import ApplicationError

from .. import tasks
from ..models import Channel, ImportJob
from . import jobs
from .columns import FIELDS, PRESETS, ImportFileError
from .rawrows import not_text

ALLOWED = (".csv", ".txt", ".xlsx", ".xlsm")

# Our columns in the admin's words, in the order the form offers them.
COLUMN_LABELS = {
    "order_id": "Order number",
    "email": "Customer's email",
    "customer_id": "Customer id (in your shop)",
    "purchased_at": "Date of the purchase",
    "amount": "Amount paid",
    "currency": "Currency",
    "channel": "Channel",
    "status": "Order status",
    "sku": "SKU",
    "category": "Product category",
    "name": "Customer's name",
    "first_name": "First name",
    "last_name": "Last name",
    "shipping": "Shipping",
    "tax": "Tax",
}
REQUIRED = ("order_id", "purchased_at", "amount")
SAMPLE_ROWS = [
    ["order_id", "email", "customer_id", "purchased_at", "amount", "currency", "channel"],
    ["1001", "anna@example.com", "", "2026-03-01 10:15", "25.00", "EUR", ""],
    ["1002", "ben@example.com", "", "2026-03-02", "12.50", "EUR", ""],
]


def channel_choices():
    return [("", "The file's channel column"), *Channel.objects.values_list("code", "name")]


class ImportJobForm(forms.ModelForm):
    channel = forms.ChoiceField(
        label="Channel",
        required=False,
        help_text="Where these purchases were made, for rows without a channel column.",
    )

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "channel" in self.fields:  # on the add page; a job's page shows it read-only
            self.fields["channel"].choices = channel_choices()
            self.fields["file"].help_text = (
                "A CSV or XLSX file with one order a row, or a shop's export. You choose "
                "which column is which in the next step."
            )
            self.fields["preset"].help_text = "A shop system's export: its columns are known."

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


class ColumnsForm(forms.Form):
    """Which of the file's headers is each of our columns (and the shop system's preset)."""

    preset = forms.ChoiceField(
        required=False,
        label="The file comes from",
        choices=[("", "Another system (our own columns)")]
        + [(name, preset.title) for name, preset in PRESETS.items()],
    )

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        offered = [("", "(not in the file)")] + [(h, h) for h in headers if h]
        for name in FIELDS:
            self.fields[f"column_{name}"] = forms.ChoiceField(
                label=COLUMN_LABELS.get(name, name.replace("_", " ").capitalize()),
                choices=offered,
                required=False,
            )

    def clean(self):
        data = super().clean()
        for name in REQUIRED:
            if not data.get(f"column_{name}"):
                self.add_error(f"column_{name}", "Choose the file's column for this.")
        if not data.get("column_email") and not data.get("column_customer_id"):
            self.add_error(
                "column_email", "Choose the column of the customer's email or of their id."
            )
        return data

    def mapping(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[f"column_{name}"]
            for name in FIELDS
            if self.cleaned_data.get(f"column_{name}")
        }

    def column_fields(self):
        return [self[f"column_{name}"] for name in FIELDS]


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
            obj.status = ImportJob.Status.MAPPING
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        """Straight to the next step: choosing the columns."""
        return HttpResponseRedirect(reverse("admin:rewards_importjob_change", args=[obj.pk]))

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "sample_url": reverse("admin:rewards_importjob_sample"),
            "show_save_and_add_another": False,
            "show_save_and_continue": False,
        }
        return super().add_view(request, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        steps = {
            "columns": self.columns_view,
            "status": self.status_view,
            "confirm": self.confirm_view,
            "rejected": self.rejected_view,
        }
        return [
            path("sample.csv", view(self.sample_view), name="rewards_importjob_sample"),
            *(
                path(
                    f"<int:object_id>/{step}/",
                    view(step_view),
                    name=f"rewards_importjob_{step}",
                )
                for step, step_view in steps.items()
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = get_object_or_404(ImportJob, pk=object_id)
        if job.status == ImportJob.Status.MAPPING and request.method == "GET":
            return self._columns_page(request, job, form=None)
        summary = job.summary or {}
        extra_context = {
            **(extra_context or {}),
            "job": job,
            "state": jobs.status_of(job),
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
            # Not "errors": the admin's template reads that name as the form's errors.
            "row_errors": summary.get("errors", []),
            "preview": summary.get("preview", []),
            "columns": [
                (COLUMN_LABELS.get(name, name), header)
                for name, header in (job.mapping or {}).items()
            ],
            "can_confirm": job.status == ImportJob.Status.PREVIEWED
            and self.has_add_permission(request),
            # A job is a record: nothing on its page is saved; Confirm is the one action.
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _columns_page(self, request, job, *, form):
        problem = None
        headers: list[str] = []
        try:
            headers = jobs.headers_of(job)
        except ImportFileError as exc:
            problem = f"This file cannot be read: {exc}. Upload another file."
        if form is None and not problem:
            preset = request.GET.get("preset", job.preset)
            preset = preset if preset in PRESETS else ""
            try:
                suggested = jobs.suggested_columns(job, headers, preset or None)
            except ImportFileError:
                suggested = {}
            initial = {f"column_{name}": header for name, header in suggested.items()}
            form = ColumnsForm(headers=headers, initial={"preset": preset, **initial})
        context = {
            **self.admin_site.each_context(request),
            "title": "Choose the columns",
            "opts": self.opts,
            "job": job,
            "form": form,
            "problem": problem,
            "headers": headers,
            "can_choose": self.has_add_permission(request),
        }
        return TemplateResponse(request, "admin/rewards/importjob/columns.html", context)

    def columns_view(self, request, object_id):
        job = get_object_or_404(ImportJob, pk=object_id)
        if request.method != "POST":  # the step's page is the job's page
            return HttpResponseRedirect(reverse("admin:rewards_importjob_change", args=[job.pk]))
        if not self.has_add_permission(request):
            raise PermissionDenied
        try:
            headers = jobs.headers_of(job)
        except ImportFileError:
            headers = []
        form = ColumnsForm(request.POST, headers=headers)
        if not form.is_valid():
            return self._columns_page(request, job, form=form)
        try:
            jobs.choose_columns(
                job_id=job.pk, preset=form.cleaned_data["preset"], mapping=form.mapping()
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            transaction.on_commit(lambda: tasks.preview_import_job.delay(job.pk))
        return HttpResponseRedirect(reverse("admin:rewards_importjob_change", args=[job.pk]))

    def status_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return JsonResponse(jobs.status_of(get_object_or_404(ImportJob, pk=object_id)))

    def sample_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="purchases-sample.csv"'
        csv.writer(response).writerows(SAMPLE_ROWS)
        return response

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
