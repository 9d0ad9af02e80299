"""URLs of the portal pages that need only the members app (see ``rewards.portal_urls``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
]
