"""Admin: the accounting reports page (a form, the report, its warnings, charts and downloads).

It only reads: every figure comes from ``reporting.reports``.
"""

import re
from datetime import date, timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from campaigns.models import Segment
from campaigns.selectors import segment_members
from loyalty.errors import ApplicationError

from . import charts, exports, reports
from .models import LiabilitySnapshot, Report
from .reports import Books


def date_picker() -> forms.DateInput:
    """The browser's own date picker; the value stays ISO (YYYY-MM-DD) either way."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    report = forms.ChoiceField(choices=list(reports.TITLES.items()))
    start = forms.DateField(
        label="From", required=False, help_text="reports of a period", widget=date_picker()
    )
    end = forms.DateField(label="To", required=False, widget=date_picker())
    as_of = forms.DateField(
        label="As of",
        required=False,
        help_text="liability, cohorts, breakage (default: yesterday)",
        widget=date_picker(),
    )
    by = forms.ChoiceField(
        choices=[("month", "month"), ("quarter", "quarter"), ("year", "year")],
        initial="month",
        required=False,
    )

    def clean(self):
        data = super().clean()
        data["by"] = data.get("by") or "month"  # a link without it (as-of reports) is fine
        name = data.get("report")
        try:
            if name in reports.AS_OF_REPORTS:
                day = (
                    data.get("as_of") or data.get("end") or timezone.localdate() - timedelta(days=1)
                )
                data["as_of"] = reports.check_day(day, field="as_of", label="day")
            elif name:
                if not data.get("start") or not data.get("end"):
                    raise forms.ValidationError("This report covers a period: give From and To.")
                data["period"] = reports.check_period(data["start"], data["end"], by=data["by"])
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None
        return data


class SegmentKpiForm(forms.Form):
    segment = forms.ModelChoiceField(
        queryset=Segment.objects.all(), required=False, empty_label="All members"
    )
    start = forms.DateField(label="From")
    end = forms.DateField(label="To")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            try:
                data["period"] = reports.check_period(data["start"], data["end"], by="month")
            except ApplicationError as exc:
                raise forms.ValidationError(exc.message) from None
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
        view = self.admin_site.admin_view(self.changelist_view)
        segments = self.admin_site.admin_view(self.segments_view)
        return [
            path("segments/", segments, name="reporting_report_segments"),
            path("", view, name="reporting_report_changelist"),
        ]

    def segments_view(self, request):
        """Program KPIs month by month, for everyone or one segment's members."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        initial = {"start": date(today.year, 1, 1).isoformat(), "end": today.isoformat()}
        form = SegmentKpiForm(request.GET or initial)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Program KPIs by month and segment",
            "form": form,
        }
        if form.is_valid():
            segment, period = form.cleaned_data["segment"], form.cleaned_data["period"]
            members = segment_members(segment).values("pk") if segment else None
            report = reports.kpis_by_month(
                period, members=members, label=segment.name if segment else "all members"
            )
            if request.GET.get("format") in ("csv", "xlsx"):
                return download(report, request.GET["format"], period, None)
            context.update(shown(report, request, initial))
        return TemplateResponse(request, "admin/reporting/reports.html", context)

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
            period = data.get("period")
            report = reports.build(data["report"], period, as_of=data["as_of"], by=data["by"])
            fmt = request.GET.get("format")
            if fmt in ("csv", "xlsx"):
                return download(report, fmt, period, data["as_of"])
            context.update(
                shown(report, request, default_period()),
                charts=[
                    {"id": f"chart-{index}", "spec": spec}
                    for index, spec in enumerate(
                        build_charts(report, period, data["as_of"], data["by"]), 1
                    )
                ],
            )
        return TemplateResponse(request, "admin/reporting/reports.html", context)


def shown(report, request, defaults: dict) -> dict:
    """What the page needs to show a report: its cells (and which are numbers) and the
    query its download links repeat."""
    query = request.GET.copy()
    query.pop("format", None)
    return {
        "report": report,
        "rows": [
            [(row.get(c.key), c.kind != "text") for c in report.columns] for row in report.rows
        ],
        "query": query.urlencode() or "&".join(f"{k}={v}" for k, v in defaults.items()),
    }


def download(report, fmt: str, period, as_of) -> HttpResponse:
    name = f"{report.name}-{period.start}-{period.end}" if period else f"{report.name}-{as_of}"
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(report), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exports.to_xlsx(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


COHORT = re.compile(r"^\d{4}-\d{2}$")


def build_charts(report, period, as_of, by: str) -> list[dict]:
    """The chart that fits ``report`` (none for the journal): what ``charts.js`` draws."""
    currency = Books.load().program().currency
    chart = CHARTS.get(report.name)
    if chart is None:
        return []
    return chart(report, period=period, as_of=as_of, by=by, currency=currency)


def _rollforward_chart(report, *, period, as_of, by, currency) -> list[dict]:
    flows = reports.issued_redeemed_expired(period, by)
    return [
        charts.spec(
            "bar",
            "Points issued, redeemed, expired or forfeited",
            [row["label"] for row in flows],
            {
                "Issued": [row["issued"] for row in flows],
                "Redeemed": [row["redeemed"] for row in flows],
                "Expired or forfeited": [row["expired"] for row in flows],
            },
            unit="points",
            x_title=by,
        )
    ]


def _revenue_chart(report, *, period, as_of, by, currency) -> list[dict]:
    rows = report.rows
    return [
        charts.spec(
            "line",
            "Revenue recognised and contract liability",
            [row["period"] for row in rows],
            {
                "Recognised in period": [row["recognised"] for row in rows],
                "Contract liability at end": [row["liability"] for row in rows],
            },
            unit=currency,
            x_title=by,
            decimals=2,
        )
    ]


def _kpis_chart(report, *, period, as_of, by, currency) -> list[dict]:
    tiers = report.summary.get("tiers", [])
    if not tiers:
        return []
    return [
        charts.spec(
            "bar",
            "Members by tier at the end of the period",
            [row["tier"] for row in tiers],
            {"Members": [row["members"] for row in tiers]},
            unit="members",
        )
    ]


def _liability_chart(report, *, period, as_of, by, currency) -> list[dict]:
    snapshots = list(
        LiabilitySnapshot.objects.filter(
            as_of__gt=as_of - timedelta(days=90), as_of__lte=as_of
        ).order_by("as_of")
    )
    if not snapshots:
        return []
    return [
        charts.spec(
            "line",
            "Liability over the last 90 days (daily snapshots)",
            [s.as_of.isoformat() for s in snapshots],
            {
                "Contract liability": [s.contract_liability for s in snapshots],
                "Cost method": [s.cost_liability for s in snapshots],
            },
            unit=currency,
            decimals=2,
        )
    ]


def _cohort_rows(report) -> list[dict]:
    """The rows of one earning month each (not the totals)."""
    return [row for row in report.rows if COHORT.match(str(row.get("cohort", "")))]


def _cohorts_chart(report, *, period, as_of, by, currency) -> list[dict]:
    cohorts = _cohort_rows(report)
    if not cohorts:
        return []
    return [
        charts.spec(
            "bar",
            "Contract liability by earning month",
            [row["cohort"] for row in cohorts],
            {"Contract liability": [row["liability"] for row in cohorts]},
            unit=currency,
            x_title="earning month",
            decimals=2,
        )
    ]


def _breakage_chart(report, *, period, as_of, by, currency) -> list[dict]:
    cohorts = _cohort_rows(report)
    if not cohorts:
        return []
    return [
        charts.spec(
            "line",
            "Redemption by earning month",
            [row["cohort"] for row in cohorts],
            {
                "Redeemed so far": [100 * (row["redeemed_share"] or 0) for row in cohorts],
                "Projected ultimate": [100 * (row["ultimate"] or 0) for row in cohorts],
            },
            unit="%",
            x_title="earning month",
            decimals=1,
        )
    ]


CHARTS = {
    "rollforward": _rollforward_chart,
    "revenue": _revenue_chart,
    "kpis": _kpis_chart,
    "liability": _liability_chart,
    "cohorts": _cohorts_chart,
    "breakage": _breakage_chart,
}
