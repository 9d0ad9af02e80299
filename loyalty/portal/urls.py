"""The member portal's URLs (namespace ``portal``)."""

from django.urls import path

from . import catalog, data, history, home, invite, profile, ways

app_name = "portal"

urlpatterns = [
    path("", home.home, name="home"),
    path("history/", history.history, name="history"),
    path("ways-to-earn/", ways.ways_to_earn, name="ways"),
    path("rewards/", catalog.rewards, name="rewards"),
    path("rewards/<int:reward_id>/redeem/", catalog.redeem, name="redeem"),
    path("redemptions/", catalog.redemptions, name="redemptions"),
    path("redemptions/<int:redemption_id>/", catalog.redemption, name="redemption"),
    path("referrals/", invite.referrals, name="referrals"),
    path("profile/", profile.profile, name="profile"),
    path("profile/data/", data.download, name="data"),
    path("profile/close/", profile.close, name="close"),
]
