"""Admin of the accounting: the reports page, rate estimates, closed periods, snapshots.

Estimates and closed periods are added through forms that call the services and are
never edited or deleted; the reports page reads only.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from loyalty.admin_mixins import ChangedFieldsAdmin, SingletonAdmin
from loyalty.errors import ApplicationError
from rewards.models import RedemptionRateEstimate
from rewards.purchases import allocation

from . import reports, services
from .admin_reports import date_picker
from .models import AccountingSettings, ClosedPeriod, LiabilitySnapshot


class AppendOnlyAdmin(admin.ModelAdmin):
    """Rows added by a form that calls a service; never changed or deleted."""

    form_class: type[forms.Form]
    add_title = ""
    add_intro = ""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = self.form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                obj = self.create(request, form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.message_user(request, f"Recorded: {obj}", messages.SUCCESS)
                info = self.model._meta.app_label, self.model._meta.model_name
                return HttpResponseRedirect(reverse(f"admin:{info[0]}_{info[1]}_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": self.add_title,
            "intro": self.add_intro,
            "form": form,
        }
        return TemplateResponse(request, "admin/loyalty/action_form.html", context)


class RateForm(forms.Form):
    effective_from = forms.DateField(
        help_text="YYYY-MM-DD; applies from this day on.", widget=date_picker()
    )
    rate = forms.DecimalField(
        max_digits=7,
        decimal_places=6,
        required=False,
        help_text="Share of issued points expected to be redeemed (0.95 = 5% breakage). "
        "Leave empty to estimate it from the program's history (earning cohorts).",
    )
    explanation = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean_effective_from(self):
        return _checked(reports.check_day, self.cleaned_data["effective_from"], "effective date")

    def clean_rate(self):
        rate = self.cleaned_data["rate"]
        return None if rate is None else _checked(allocation.check_rate, rate)


def _checked(check, value, label=None):
    """A service's check as a form field's: its message, in words, under the field."""
    try:
        return check(value, field="", label=label) if label else check(value)
    except ApplicationError as exc:
        raise forms.ValidationError(exc.message) from None


@admin.register(RedemptionRateEstimate)
class RedemptionRateEstimateAdmin(AppendOnlyAdmin):
    list_display = ["effective_from", "rate", "method", "explanation", "created_by", "created_at"]
    list_filter = ["method"]
    search_fields = ["explanation"]
    form_class = RateForm
    add_title = "Record the expected redemption rate"
    add_intro = (
        "A new estimate never replaces an old one: reports for earlier dates keep the rate "
        "that applied then, and sales keep the allocation they were recorded with. It takes "
        "effect after the latest recorded sale and after the closed periods."
    )

    def create(self, request, data):
        if data["rate"] is None:
            return services.estimate_redemption_rate(
                effective_from=data["effective_from"],
                explanation=data["explanation"],
                user=request.user,
            )
        return services.record_redemption_rate(
            rate=data["rate"],
            effective_from=data["effective_from"],
            explanation=data["explanation"],
            user=request.user,
        )


class CloseForm(forms.Form):
    start = forms.DateField(help_text="First day, YYYY-MM-DD.", widget=date_picker())
    end = forms.DateField(help_text="Last day (inclusive), YYYY-MM-DD.", widget=date_picker())


@admin.register(ClosedPeriod)
class ClosedPeriodAdmin(AppendOnlyAdmin):
    list_display = ["start", "end", "closed_by", "closed_at", "point_value", "cost_per_point"]
    date_hierarchy = "end"
    search_fields = ["closed_by__email"]
    list_filter = ["closed_at"]
    readonly_fields = [
        "start",
        "end",
        "closed_by",
        "closed_at",
        "point_value",
        "cost_per_point",
        "last_ids",
        "figures",
    ]
    form_class = CloseForm
    add_title = "Close a period"
    add_intro = (
        "The books are closed through the last day: every report of the period, of any part "
        "of it and of any day in it stays as it is now. Anything recorded later but dated in "
        "it is booked in the next open period, as a correction. Periods are closed in order."
    )

    def create(self, request, data):
        return services.close_period(start=data["start"], end=data["end"], user=request.user)


@admin.register(LiabilitySnapshot)
class LiabilitySnapshotAdmin(admin.ModelAdmin):
    list_display = [
        "as_of",
        "outstanding_points",
        "redemption_rate",
        "face_value",
        "contract_liability",
        "cost_liability",
        "computed_at",
    ]
    date_hierarchy = "as_of"
    list_filter = ["computed_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccountingSettings)
class AccountingSettingsAdmin(ChangedFieldsAdmin, SingletonAdmin, admin.ModelAdmin):
    """The one field is written by the service (closed periods keep their own)."""

    list_display = ["__str__", "updated_at"]
    fields = ["cost_per_point"]

    def save_model(self, request, obj, form, change):
        saved = services.set_cost_per_point(cost=obj.cost_per_point, user=request.user)
        obj.pk = saved.pk


# The reports page registers itself (its own module: the page is a view, not a model's admin).
from . import admin_reports  # noqa: E402, F401, I001
