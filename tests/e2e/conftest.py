"""Playwright driving Debian's Chromium against pytest-django's live server.

Never a browser download: the pip package ships only the driver, and the browser is
``/usr/bin/chromium`` (``apt-get install chromium``; ``.ci/run`` installs it). Without it
the tests skip with the reason, except on CI (``CI`` set), where they fail.
"""

import os
import re
import uuid
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the whole module: starting it is the slow part."""
    if not Path(CHROMIUM).exists():
        _unavailable(
            f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("browser tests need the playwright package (pip install -e '.[dev]')")
    # Playwright's sync API runs an event loop in this thread; the tests' own ORM calls
    # are still plain synchronous code, so Django's async-safety check must stand aside.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """Rate-limit counters of earlier runs (kept in Redis) must not block these sign-ins."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"e2e-{uuid.uuid4()}",
        }
    }


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_page(browser, live_server, request):
    """A function that opens a page in a fresh browser context (its own cookies).

    When the test fails, every page it opened is saved to test-results/, along with
    the home page as that page's user sees it, and the paths are printed.
    """
    contexts = []

    def open_page(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        RESULTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
        for index, context in enumerate(contexts):
            for page in context.pages:
                path = RESULTS / f"{name}-{index}.png"
                page.screenshot(path=str(path), full_page=True)
                print(f"screenshot of {page.url}: {path}")
                page.goto("/")
                home = RESULTS / f"{name}-{index}-home.png"
                page.screenshot(path=str(home), full_page=True)
                print(f"screenshot of the home page: {home}")
    for context in contexts:
        context.close()
