"""Admin of the accounting: the reports page, rate estimates, closed periods, snapshots.

Estimates and closed periods are added through forms that call the services and are
never edited or deleted; the reports page reads only.
"""

from datetime import date, timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from loyalty.admin_mixins import ChangedFieldsAdmin, SingletonAdmin
from loyalty.errors import ApplicationError

from . import charts, exports, reports, services
from .models import (
    AccountingSettings,
    ClosedPeriod,
    LiabilitySnapshot,
    RedemptionRateEstimate,
    Report,
)


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
    effective_from = forms.DateField(help_text="YYYY-MM-DD; applies from this day on.")
    rate = forms.DecimalField(
        max_digits=7,
        decimal_places=6,
        required=False,
        help_text="Share of issued points expected to be redeemed (0.95 = 5% breakage). "
        "Leave empty to estimate it from the program's history (earning cohorts).",
    )
    explanation = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


@admin.register(RedemptionRateEstimate)
class RedemptionRateEstimateAdmin(AppendOnlyAdmin):
    list_display = ["effective_from", "rate", "method", "explanation", "created_by", "created_at"]
    list_filter = ["method"]
    search_fields = ["explanation"]
    form_class = RateForm
    add_title = "Record the expected redemption rate"
    add_intro = (
        "A new estimate never replaces an old one: reports for earlier dates keep the rate "
        "that applied then. Dates in a closed period are refused."
    )

    def create(self, request, data):
        if data["rate"] is None:
            return services.estimate_redemption_rate(
                as_of=timezone.localdate(), effective_from=data["effective_from"], user=request.user
            )
        return services.record_redemption_rate(
            rate=data["rate"],
            effective_from=data["effective_from"],
            explanation=data["explanation"],
            user=request.user,
        )


class CloseForm(forms.Form):
    start = forms.DateField(help_text="First day, YYYY-MM-DD.")
    end = forms.DateField(help_text="Last day (inclusive), YYYY-MM-DD.")


@admin.register(ClosedPeriod)
class ClosedPeriodAdmin(AppendOnlyAdmin):
    list_display = ["start", "end", "closed_by", "closed_at"]
    date_hierarchy = "end"
    search_fields = ["closed_by__email"]
    list_filter = ["closed_at"]
    readonly_fields = ["start", "end", "figures", "closed_by", "closed_at"]
    form_class = CloseForm
    add_title = "Close a period"
    add_intro = (
        "The period's roll-forward and revenue are frozen as reported now; later "
        "corrections appear in the next open period."
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
    list_display = ["cost_per_point", "updated_at"]


class PeriodForm(forms.Form):
    report = forms.ChoiceField(
        choices=[
            ("rollforward", "Points roll-forward"),
            ("liability", "Points liability"),
            ("revenue", "IFRS 15 deferred revenue"),
            ("breakage", "Breakage estimate"),
            ("kpis", "Program KPIs"),
            ("journal", "Journal entries"),
        ]
    )
    start = forms.DateField(label="From")
    end = forms.DateField(label="To")
    as_of = forms.DateField(label="As of", required=False, help_text="liability and breakage")
    by = forms.ChoiceField(
        choices=[("month", "month"), ("quarter", "quarter"), ("year", "year")], initial="month"
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("The period must end on or after its start.")
        return data


def default_period() -> dict:
    today = timezone.localdate()
    return {
        "report": "rollforward",
        "start": date(today.year, 1, 1).isoformat(),
        "end": today.isoformat(),
        "by": "month",
    }


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """The reports page: a period picker, the report, its charts and its downloads."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "",
                self.admin_site.admin_view(self.changelist_view),
                name="reporting_report_changelist",
            )
        ]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = PeriodForm(request.GET or default_period())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Accounting reports",
            "form": form,
        }
        if form.is_valid():
            data = form.cleaned_data
            period = reports.Period(data["start"], data["end"])
            report = reports.build(data["report"], period, as_of=data["as_of"], by=data["by"])
            fmt = request.GET.get("format")
            if fmt in ("csv", "xlsx"):
                return download(report, fmt, period)
            query = request.GET.copy()
            query.pop("format", None)
            context.update(
                report=report,
                rows=[[row.get(c.key) for c in report.columns] for row in report.rows],
                query=query.urlencode()
                or "&".join(f"{k}={v}" for k, v in default_period().items()),
                charts=build_charts(period, data["by"]),
            )
        return TemplateResponse(request, "admin/reporting/reports.html", context)


def download(report, fmt: str, period) -> HttpResponse:
    name = f"{report.name}-{period.start}-{period.end}"
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(report), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exports.to_xlsx(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def build_charts(period, by: str) -> list:
    flows = reports.issued_redeemed_expired(period, by)
    out = [
        charts.bar_chart(
            "Points issued, redeemed and expired",
            [row["label"] for row in flows],
            {
                "issued": [row["issued"] for row in flows],
                "redeemed": [row["redeemed"] for row in flows],
                "expired": [row["expired"] for row in flows],
            },
        )
    ]
    snapshots = list(
        LiabilitySnapshot.objects.filter(
            as_of__gte=period.start - timedelta(days=1), as_of__lte=period.end
        ).order_by("as_of")
    )
    if snapshots:
        out.append(
            charts.line_chart(
                "Liability over time (daily snapshots)",
                [s.as_of.isoformat() for s in snapshots],
                {
                    "contract liability": [s.contract_liability for s in snapshots],
                    "cost method": [s.cost_liability for s in snapshots],
                },
            )
        )
    tiers = reports.tier_distribution()
    if tiers:
        out.append(
            charts.bar_chart(
                "Tier distribution (active members)",
                [row["tier"] for row in tiers],
                {"members": [row["members"] for row in tiers]},
            )
        )
    return out
