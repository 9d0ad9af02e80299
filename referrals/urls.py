"""URLs of referrals: the shareable link /r/<code>/."""

from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("r/<str:code>/", views.link, name="link"),
]
