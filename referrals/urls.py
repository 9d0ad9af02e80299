"""URLs of referrals: the shareable link /r/<code>/."""

from django.urls import path, register_converter

from . import views


class CodeConverter:
    """What a referral code can look like (letters, digits, '-' or '_', at most 40): any
    other path (a NUL byte, a slash, 10,000 characters) is a 404 before the database."""

    regex = "[A-Za-z0-9_-]{1,40}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(CodeConverter, "referral_code")

app_name = "referrals"

urlpatterns = [
    path("r/<referral_code:code>/", views.link, name="link"),
]
