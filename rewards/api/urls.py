"""Routes of the API under /api/v1/ (included from loyalty/urls.py)."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import path, register_converter
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from . import views


class IdConverter:
    """A database id: at most 18 digits, so no path can overflow a 64-bit key."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")

urlpatterns = [
    path("ping/", views.PingView.as_view(), name="api-ping"),
    path("members/", views.MemberListView.as_view(), name="api-members"),
    path("members/lookup/", views.MemberLookupView.as_view(), name="api-member-lookup"),
    path(
        "members/<id:member_id>/balance/",
        views.MemberBalanceView.as_view(),
        name="api-member-balance",
    ),
    path(
        "members/<id:member_id>/ledger/", views.MemberLedgerView.as_view(), name="api-member-ledger"
    ),
    path("purchases/", views.PurchaseView.as_view(), name="api-purchases"),
    path("purchases/quote/", views.QuoteView.as_view(), name="api-purchase-quote"),
    path(
        "purchases/<id:purchase_id>/refunds/",
        views.RefundView.as_view(),
        name="api-purchase-refund",
    ),
    path("redemptions/", views.RedeemView.as_view(), name="api-redemptions"),
    path(
        "redemptions/validate/",
        views.RedemptionValidateView.as_view(),
        name="api-redemption-validate",
    ),
    path(
        "redemptions/<id:redemption_id>/confirm/",
        views.RedemptionConfirmView.as_view(),
        name="api-redemption-confirm",
    ),
    path(
        "redemptions/<id:redemption_id>/cancel/",
        views.RedemptionCancelView.as_view(),
        name="api-redemption-cancel",
    ),
    path("actions/", views.ActionView.as_view(), name="api-actions"),
    path("ledger/", views.LedgerListView.as_view(), name="api-ledger"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("me/ledger/", views.MeLedgerView.as_view(), name="api-me-ledger"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # Redoc draws with styled-components, which inject <style> elements: this page alone
    # allows inline styles (never inline scripts). Swagger UI needs neither.
    path(
        "redoc/",
        csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularRedocView.as_view(url_name="schema")),
        name="api-redoc",
    ),
]
