"""The demo data, loaded through ``manage.py load_demo``, for the tests that walk every page."""

import uuid

import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def private_cache_and_media(settings, tmp_path):
    """The demo's import file goes to a temporary folder; rate limits start from zero."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"demo-{uuid.uuid4()}",
        }
    }


@pytest.fixture
def demo(db):
    call_command("load_demo", "--members", "12", stdout=open("/dev/null", "w"))  # noqa: SIM115


def collect(failures: list, label: str, call):
    """Call ``call()``; an exception or a 5xx is recorded as a failure (the test goes on)."""
    try:
        response = call()
    except Exception as exc:  # noqa: BLE001 - reported with the page it came from
        failures.append(f"{label}: {type(exc).__name__}: {exc}")
        return None
    if response.status_code >= 500:
        failures.append(f"{label}: {response.status_code}")
    return response
