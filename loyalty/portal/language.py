"""The portal's language: the browser's, until the member picks one, which is kept.

The choice is a cookie for the browser (``LocaleMiddleware`` reads it) and, for a
member, ``Member.language``, which their emails use and which follows them to another
device (``MemberLanguageMiddleware``).
"""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from members.models import Member
from members.services import set_language

OFFERED = dict(settings.LANGUAGES)
SESSION_KEY = "member_language"  # the signed-in member's choice (set at sign-in or here)


def member_of(request) -> Member | None:
    if not request.user.is_authenticated:
        return None
    return Member.objects.filter(user=request.user).exclude(status=Member.Status.CLOSED).first()


@require_POST
def choose(request):
    language = request.POST.get("language", "")
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if language not in OFFERED:
        return response  # an unknown language changes nothing
    member = member_of(request)
    if member is not None:
        set_language(member_id=member.pk, language=language)
        request.session[SESSION_KEY] = language
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 60 * 60,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


class MemberLanguageMiddleware:
    """A signed-in member reads the site in their chosen language, on any device: the
    choice is copied from ``Member.language`` into the session at sign-in (no query here).
    Staff pages and the API stay English, whatever the browser asks (their texts are)."""

    ENGLISH_ONLY = ("/admin/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.session.get(SESSION_KEY)
        if request.path.startswith(self.ENGLISH_ONLY):
            language = settings.LANGUAGE_CODE
        if language in OFFERED:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
