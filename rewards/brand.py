"""The program's brand: the logo staff upload (checked here) and the colours derived for pages.

The logo is kept in the database (a small image) and served by the portal with the brand
CSS, so that nothing from the media folder is public.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from loyalty.errors import ApplicationError

from .models import Program
from .models.program import contrast

MAX_LOGO_BYTES = 200 * 1024
# What an image file starts with: no SVG (it can carry script), only raster images.
SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def logo_type(data: bytes) -> str:
    """The logo's content type from its first bytes; a file that is no image is refused."""
    if len(data) > MAX_LOGO_BYTES:
        raise ApplicationError("The logo must be at most 200 KB.", field="logo")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for signature, content_type in SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    raise ApplicationError("The logo must be a PNG, JPEG or WebP image.", field="logo")


@transaction.atomic
def set_logo(*, data: bytes | None) -> Program:
    """Replace the program's logo (``None``: remove it)."""
    program = Program.get()
    program.logo = data or None
    program.logo_type = logo_type(data) if data else ""
    program.updated_at = timezone.now()
    program.save(update_fields=["logo", "logo_type", "updated_at"])
    return program


def _mix(colour: str, other: str, share: float) -> str:
    """``colour`` moved ``share`` of the way towards ``other`` (both ``#rrggbb``)."""
    parts = []
    for i in (1, 3, 5):
        a, b = int(colour[i : i + 2], 16), int(other[i : i + 2], 16)
        parts.append(round(a + (b - a) * share))
    return "#" + "".join(f"{p:02x}" for p in parts)


@dataclass(frozen=True)
class Palette:
    """The colours of the portal's CSS variables, readable whatever colour staff chose."""

    accent: str  # header, primary buttons
    accent_dark: str  # their hover
    on_accent: str  # text on the accent: black or white
    link: str  # links and outlined buttons on white: the accent if it reads (4.5:1)


def palette(program: Program) -> Palette:
    accent = program.brand_color.lower()
    on_accent = program.brand_text_color
    link = accent
    while contrast(link, "#ffffff") < 4.5:  # a light brand colour: darker links on white
        link = _mix(link, "#000000", 0.15)
    return Palette(accent, _mix(accent, "#000000", 0.25), on_accent, link)
