"""What every page of the site (portal, sign-in, ways to earn) shows: the program's brand."""

from django.utils.functional import SimpleLazyObject

from rewards.models import Program


def brand(request) -> dict:
    """``program``: its name, logo and colours in the header; read only by pages that use it."""
    return {"program": SimpleLazyObject(Program.get)}
