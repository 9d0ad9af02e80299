"""Root URL configuration: admin, accounts (allauth), the member portal and the API."""

from django.contrib import admin
from django.http import JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from loyalty.admin_login import admin_login
from loyalty.api.errors import not_found as api_not_found
from loyalty.office import till
from loyalty.portal import brand
from loyalty.portal.accounts import signup
from loyalty.portal.language import choose as choose_language


def favicon(request):
    """Browsers ask for /favicon.ico on every site: answer with the project's icon, not a 404."""
    return redirect(static("favicon.svg"), permanent=True)


def health(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/login/", admin_login),  # rate-limited like the portal's login
    path("admin/till/", include(till.urls())),
    path("admin/", admin.site.urls),
    path("accounts/signup/", signup),  # keeps ?ref=CODE of a referral link in the session
    path("accounts/", include("allauth.urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/", include("loyalty.api.urls")),
    re_path(r"^api/", api_not_found),  # anything else under /api/: a 404 in the JSON shape
    path("health/", health, name="health"),
    path("favicon.ico", favicon),
    path("language/", choose_language, name="language"),
    path("brand.css", brand.brand_css, name="brand_css"),
    path("brand/logo", brand.logo, name="brand_logo"),
    path("", include("referrals.urls")),
    path("messages/", include("campaigns.urls")),
    # The email provider's tracking webhooks (/anymail/<provider>/tracking/): opens and
    # clicks, guarded by ANYMAIL_WEBHOOK_SECRET (campaigns.tracking records them).
    path("anymail/", include("anymail.urls")),
    path("", include("loyalty.portal.urls")),
]
