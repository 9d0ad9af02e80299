"""The member portal's URLs (namespace ``portal``): points pages here, profile from members."""

from django.urls import path

from members import urls as member_urls

from . import portal

app_name = "portal"

urlpatterns = [
    path("", portal.home, name="home"),
    path("history/", portal.history, name="history"),
    path("rewards/", portal.rewards, name="rewards"),
    path("rewards/<int:reward_id>/redeem/", portal.redeem, name="redeem"),
    path("redemptions/", portal.redemptions, name="redemptions"),
    path("redemptions/<int:redemption_id>/", portal.redemption, name="redemption"),
    path("referrals/", portal.referrals, name="referrals"),
    path("profile/close/", portal.close, name="close"),
    *member_urls.urlpatterns,
]
