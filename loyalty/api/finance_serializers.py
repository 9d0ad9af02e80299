"""Input and output serializers of finance: estimates, closed periods and the reports."""

from rest_framework import serializers

from reporting.reports import AS_OF_REPORTS, PERIOD_REPORTS, periods
from rewards.models import RedemptionRateEstimate

from .fields import Boolean, Choice, Day, Text

# 0 to 1 with at most 6 decimals, as a string: a rate is never a float.
RATE = r"^(0(\.[0-9]{1,6})?|1(\.0{1,6})?)$"
DAY_RANGE = (
    "From the program's earliest date to the end of the tenth year from now: outside, 422 "
    "`too_early` or `too_late`."
)


class EstimateIn(serializers.Serializer):
    effective_from = Day(
        help_text="The first day it applies. After the latest recorded sale (a sale keeps the "
        "estimate of its day) and after the closed periods: else 422 `before_latest_sale` or "
        "`period_closed`."
    )
    rate = Text(
        max_length=8,
        pattern=RATE,
        required=False,
        help_text='The share of points expected to be redeemed, e.g. "0.95". Give it, or '
        "`from_history`: true (neither, or both: 422).",
    )
    from_history = Boolean(
        required=False,
        help_text="Estimate the rate from the program's earning cohorts (422 `no_history` "
        "while nothing is redeemed or lapsed).",
    )
    as_of = Day(required=False, help_text="With `from_history`: the history up to this day.")
    explanation = Text(max_length=2000, min_length=0, required=False)


class EstimateOut(serializers.ModelSerializer):
    class Meta:
        model = RedemptionRateEstimate
        fields = ["id", "effective_from", "rate", "method", "explanation", "created_at"]


class ClosePeriodIn(serializers.Serializer):
    start = Day(help_text="The first day: the day after the last closed period, if any.")
    end = Day(help_text="The last day (inclusive), once it is over.")


class ClosedPeriodOut(serializers.Serializer):
    id = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    closed_at = serializers.DateTimeField()
    point_value = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    cost_per_point = serializers.DecimalField(max_digits=12, decimal_places=6, allow_null=True)


class ReportQuery(serializers.Serializer):
    start = Day(required=False, help_text=f"Reports of a period: the first day. {DAY_RANGE}")
    end = Day(required=False, help_text="Reports of a period: the last day (inclusive).")
    by = Choice(
        choices=list(periods.BY),
        required=False,
        help_text="Parts of the revenue and journal reports (default: month), at most 500.",
    )
    as_of = Day(
        required=False,
        help_text=f"Reports as of a day ({', '.join(AS_OF_REPORTS)}): default yesterday.",
    )


class ColumnOut(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField(help_text="text, points, money, rate or number.")


class ReportOut(serializers.Serializer):
    report = serializers.CharField()
    title = serializers.CharField()
    columns = ColumnOut(many=True)
    rows = serializers.ListField(
        child=serializers.DictField(),
        help_text="One object per row, keyed by the columns' keys; money and rates as "
        "decimal strings, points as integers, null when not known.",
    )
    summary = serializers.DictField()
    warnings = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField())


REPORT_NAMES = list(PERIOD_REPORTS + AS_OF_REPORTS)
