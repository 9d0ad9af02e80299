"""Finance: record redemption-rate estimates, close periods, read every accounting report.

Reading takes the ``read`` scope; recording an estimate or closing a period takes the
``finance`` scope. The rules (and their 422s) are the reporting services'.
"""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.response import Response

from loyalty.errors import ApplicationError
from reporting import reports, selectors, services
from reporting.models import ClosedPeriod
from rewards.models import RedemptionRateEstimate

from .. import finance_serializers as s
from ..errors import RULE_STATUS
from ..idempotency import idempotent
from ..schema import READ as READ_ERRORS
from ..schema import WRITE, operation
from .base import FINANCE, READ, IntegrationView

REPORT_PARAM = OpenApiParameter(
    "name",
    {"type": "string", "enum": s.REPORT_NAMES},
    OpenApiParameter.PATH,
    description=f"Of a period: {', '.join(reports.PERIOD_REPORTS)}; as of a day: "
    f"{', '.join(reports.AS_OF_REPORTS)}.",
)


class FinanceView(IntegrationView):
    """Reads with the ``read`` scope, writes with the ``finance`` scope."""

    @property
    def required_scope(self):
        return READ if self.request.method in ("GET", "HEAD") else FINANCE


class EstimatesView(FinanceView):
    """The expected redemption rates by the day they apply from (a new one never replaces)."""

    @operation("finance_estimates_list", s.EstimateOut(many=True))
    def get(self, request):
        found = RedemptionRateEstimate.objects.order_by("-effective_from", "-pk")
        return Response(s.EstimateOut(found, many=True).data)

    @operation(
        "finance_estimate_record", s.EstimateOut, ok=201, request=s.EstimateIn, errors=WRITE,
        idempotent=True,
    )  # fmt: skip
    @idempotent
    def post(self, request):
        data = s.EstimateIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if ("rate" in values) == bool(values.get("from_history")):
            raise ApplicationError(
                "Give the rate, or from_history: true (one of the two).",
                code="rate_or_history",
                field="rate",
            )
        when = {"effective_from": values["effective_from"], "user": None}
        if values.get("from_history"):
            estimate = services.estimate_redemption_rate(
                as_of=values.get("as_of"), explanation=values.get("explanation", ""), **when
            )
        else:
            estimate = services.record_redemption_rate(
                rate=values["rate"], explanation=values.get("explanation", ""), **when
            )
        return Response(s.EstimateOut(estimate).data, status=status.HTTP_201_CREATED)


class ClosedPeriodsView(FinanceView):
    """The closed periods, the latest first; closing the next one."""

    @operation("finance_closed_periods_list", s.ClosedPeriodOut(many=True))
    def get(self, request):
        return Response(s.ClosedPeriodOut(selectors.closed_periods(), many=True).data)

    @operation(
        "finance_period_close", s.ClosedPeriodOut, ok=201, request=s.ClosePeriodIn, errors=WRITE,
        idempotent=True,
    )  # fmt: skip
    @idempotent
    def post(self, request):
        data = s.ClosePeriodIn(data=request.data)
        data.is_valid(raise_exception=True)
        closed = services.close_period(**data.validated_data)
        row = ClosedPeriod.objects.get(pk=closed.pk)
        return Response(s.ClosedPeriodOut(row).data, status=status.HTTP_201_CREATED)


class ReportView(FinanceView):
    """One accounting report, as the admin page and the command give it."""

    @operation(
        "finance_report", s.ReportOut, errors=(*READ_ERRORS, RULE_STATUS),
        parameters=[REPORT_PARAM, s.ReportQuery],
    )  # fmt: skip
    def get(self, request, name: str):
        query = s.ReportQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        values = query.validated_data
        if name in reports.AS_OF_REPORTS:
            day = values.get("as_of") or timezone.localdate() - timedelta(days=1)
            report = reports.build(name, as_of=reports.check_day(day, field="as_of", label="day"))
        else:
            if "start" not in values or "end" not in values:
                raise ApplicationError(
                    f"The {name} report covers a period: give start and end.", field="start"
                )
            by = values.get("by", "month")
            period = reports.check_period(values["start"], values["end"], by=by)
            report = reports.build(name, period, by=by)
        return Response(report.as_dict())
