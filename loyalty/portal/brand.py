"""The program's brand for the browser: ``brand.css`` (its colours as CSS variables) and the
logo. Files, not inline styles: the Content-Security-Policy allows no inline style.

Both are cached for a day by the browser; the pages link them with the program's last
change as a version (``?v=``), so a new colour or logo shows at once.
"""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from rewards.brand import palette
from rewards.models import Program

CACHE = "public, max-age=86400"


@require_GET
def brand_css(request):
    colours = palette(Program.get())
    css = (
        ":root {"
        f" --accent: {colours.accent}; --accent-dark: {colours.accent_dark};"
        f" --on-accent: {colours.on_accent}; --link: {colours.link};"
        " }\n"
    )
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = CACHE
    return response


@require_GET
def logo(request):
    program = Program.get()
    if not program.logo:
        raise Http404("no logo")
    response = HttpResponse(bytes(program.logo), content_type=program.logo_type)
    response["Cache-Control"] = CACHE
    response["X-Content-Type-Options"] = "nosniff"
    return response
