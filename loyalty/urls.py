"""Root URL configuration: admin, accounts (allauth), the member portal and the API."""

import functools

from anymail import urls as anymail_urls
from django.conf import settings
from django.contrib import admin
from django.http import Http404, JsonResponse
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


def secret_required(view):
    """anymail accepts a tracking post with no authentication when no secret is set (it only
    logs a warning): then the webhook does not exist, so nobody can fake opens and clicks."""

    @functools.wraps(view)  # keeps csrf_exempt
    def guarded(request, *args, **kwargs):
        if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
            raise Http404
        return view(request, *args, **kwargs)

    return guarded


for _pattern in anymail_urls.urlpatterns:
    _pattern.callback = secret_required(_pattern.callback)


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
    # clicks, only when ANYMAIL_WEBHOOK_SECRET is set (campaigns.tracking records them).
    path("anymail/", include(anymail_urls)),
    path("", include("loyalty.portal.urls")),
]
