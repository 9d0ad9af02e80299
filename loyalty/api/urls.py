"""Routes of the API under /api/v1/ (included from loyalty/urls.py)."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import path, register_converter
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from .finance_serializers import REPORT_NAMES
from .views import finance, ledger, me, members, purchases, redemptions


class IdConverter:
    """A database id: at most 18 digits, so no path can overflow a 64-bit key."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")


class ReportConverter:
    """The name of an accounting report (another name matches no route: a 404)."""

    regex = "|".join(REPORT_NAMES)

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ReportConverter, "report")

urlpatterns = [
    path("ping/", members.PingView.as_view(), name="api-ping"),
    path("members/", members.MemberListView.as_view(), name="api-members"),
    path("members/lookup/", members.MemberLookupView.as_view(), name="api-member-lookup"),
    path(
        "members/<id:member_id>/balance/",
        members.MemberBalanceView.as_view(),
        name="api-member-balance",
    ),
    path(
        "members/<id:member_id>/ledger/",
        members.MemberLedgerView.as_view(),
        name="api-member-ledger",
    ),
    path("purchases/", purchases.PurchaseView.as_view(), name="api-purchases"),
    path("purchases/quote/", purchases.QuoteView.as_view(), name="api-purchase-quote"),
    path(
        "purchases/<id:purchase_id>/refunds/",
        purchases.RefundView.as_view(),
        name="api-purchase-refund",
    ),
    path("redemptions/", redemptions.RedeemView.as_view(), name="api-redemptions"),
    path(
        "redemptions/validate/",
        redemptions.RedemptionValidateView.as_view(),
        name="api-redemption-validate",
    ),
    path(
        "redemptions/<id:redemption_id>/confirm/",
        redemptions.RedemptionConfirmView.as_view(),
        name="api-redemption-confirm",
    ),
    path(
        "redemptions/<id:redemption_id>/cancel/",
        redemptions.RedemptionCancelView.as_view(),
        name="api-redemption-cancel",
    ),
    path("actions/", ledger.ActionView.as_view(), name="api-actions"),
    path("ledger/", ledger.LedgerListView.as_view(), name="api-ledger"),
    path("finance/estimates/", finance.EstimatesView.as_view(), name="api-finance-estimates"),
    path(
        "finance/closed-periods/",
        finance.ClosedPeriodsView.as_view(),
        name="api-finance-closed-periods",
    ),
    path("reports/<report:name>/", finance.ReportView.as_view(), name="api-report"),
    path("me/", me.MeView.as_view(), name="api-me"),
    path("me/ledger/", me.MeLedgerView.as_view(), name="api-me-ledger"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # Redoc draws with styled-components, which inject <style> elements: this page alone
    # allows inline styles (never inline scripts). Swagger UI needs neither.
    path(
        "redoc/",
        csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularRedocView.as_view(url_name="schema")),
        name="api-redoc",
    ),
]
