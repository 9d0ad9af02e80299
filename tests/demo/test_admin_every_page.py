"""Every admin page, as a superuser, a view-only staff user and a staff user with no permission.

The demo data gives every model something to show; the test adds what only a live
integration creates (an API call's stored response, a webhook delivery to a local
server). Every URL the admin registers is opened, object pages with a real object, and
the reports page for each report and each period split, with its downloads. No stub.
"""

import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.contrib import admin
from django.urls import URLPattern, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from loyalty.demo import personas
from members.models import Member, User
from reporting.reports import REPORTS
from rewards import webhooks
from rewards.models import ApiKey, WebhookEndpoint
from tests.factories import UserFactory

from .conftest import collect

# A GET is refused by design (405): signing out is a POST; the live previews of the earn
# rule and tier forms read the form being edited (tests/rewards/test_earn_preview.py); an
# import's confirmation posts its dry run (tests/rewards/test_admin_import_export.py); the
# segment's live count takes the definition being edited (tests/campaigns).
SKIPPED = {
    "logout",
    "campaigns_segment_count",
    *("rewards_earnrule_preview", "members_tier_preview"),
    *(f"{m}_process_import" for m in ("rewards_reward", "rewards_earnrule", "members_tier")),
}
PROJECT_APPS = {"members", "rewards", "referrals", "campaigns", "reporting"}


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the http.server API
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def integrations(demo, django_capture_on_commit_callbacks):
    """An API purchase with an Idempotency-Key and a webhook delivered to a local server."""
    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _, full = ApiKey.issue(name="test till", scopes=["read", "earn"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {full}")
    response = api.post(
        "/api/v1/purchases/",
        {"channel": "web", "order_id": "API-1", "amount": "12.00", "email": "api@example.com"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="demo-key-1",
    )
    assert response.status_code == 201, response.content
    WebhookEndpoint.objects.create(url=f"http://127.0.0.1:{server.server_port}/hook")
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.notify("points.expiring", {"member": 1, "points": 10})
    yield
    server.shutdown()


def object_urls(pattern: URLPattern, objects) -> list[str]:
    names = list(pattern.pattern.converters)
    if not names:
        return [reverse(f"admin:{pattern.name}")]
    return [reverse(f"admin:{pattern.name}", kwargs={names[0]: obj.pk}) for obj in objects]


def admin_urls() -> list[str]:
    """Every GET page the admin registers: lists, add pages, every object page and tool."""
    urls = [reverse("admin:index")]
    urls += [
        reverse("admin:app_list", args=[label])
        for label in {m._meta.app_label for m in admin.site._registry}
    ]
    for model, model_admin in admin.site._registry.items():
        objects = list(model._default_manager.order_by("pk")[:1])
        if model is Member:
            emails = [login.email for login in personas.LOGINS]
            objects += list(Member.objects.filter(email__in=emails))
        for pattern in model_admin.get_urls():
            if pattern.name and pattern.name not in SKIPPED:
                urls += object_urls(pattern, objects)
    return urls


def report_urls() -> list[str]:
    page = reverse("admin:reporting_report_changelist")
    start, end = date(timezone.localdate().year - 1, 1, 1), timezone.localdate()
    urls = []
    for report in REPORTS:
        for by in ("month", "quarter", "year"):
            query = f"?report={report}&start={start}&end={end}&by={by}"
            urls += [page + query, page + query + "&format=csv", page + query + "&format=xlsx"]
    return urls


def open_all(client, user, urls) -> tuple[list[str], dict[int, int]]:
    client.force_login(user)
    failures, statuses = [], {}
    for url in urls:
        response = collect(failures, f"{user.email} {url}", lambda u=url: client.get(u))
        if response is not None:
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return failures, statuses


def test_the_demo_gives_every_project_model_in_the_admin_an_object(integrations):
    empty = [
        model._meta.label
        for model in admin.site._registry
        if model._meta.app_label in PROJECT_APPS and not model._default_manager.exists()
    ]
    assert empty == []


def test_a_superuser_opens_every_admin_page_and_report(client, integrations):
    failures, statuses = open_all(
        client, User.objects.get(email=personas.STAFF.email), admin_urls() + report_urls()
    )
    assert failures == []
    assert set(statuses) <= {200, 302, 403}, statuses  # 403: add a second singleton
    assert statuses[200] > 200


def test_a_view_only_staff_user_opens_every_admin_page_without_an_error(client, integrations):
    viewer = User.objects.get(email=personas.VIEWER.email)
    failures, statuses = open_all(client, viewer, admin_urls() + report_urls())
    assert failures == []
    assert set(statuses) <= {200, 302, 403}, statuses
    client.force_login(viewer)
    assert client.get(reverse("admin:members_member_changelist")).status_code == 200
    assert client.get(reverse("admin:members_member_add")).status_code == 403


def test_a_staff_user_without_permissions_is_refused_everywhere_without_an_error(
    client, integrations
):
    nobody = UserFactory(email="nobody@example.com", is_staff=True)
    failures, statuses = open_all(client, nobody, admin_urls() + report_urls())
    assert failures == []
    assert set(statuses) <= {200, 302, 403, 404}, statuses
    client.force_login(nobody)
    assert client.get(reverse("admin:members_member_changelist")).status_code == 403
    assert client.get(report_urls()[0]).status_code == 403


def test_the_till_opens_on_every_demo_login_for_staff_who_may_use_it(client, demo):
    staff = User.objects.get(email=personas.STAFF.email)
    client.force_login(staff)
    failures = []
    members = Member.objects.filter(email__in=[login.email for login in personas.LOGINS])
    assert members.count() == len(personas.LOGINS) - 2  # the two staff logins are no members
    for member in members:
        response = collect(
            failures, member.email, lambda m=member: client.get("/admin/till/", {"q": m.card_code})
        )
        assert response is None or response.context["member"] == member
    assert failures == []
    client.force_login(User.objects.get(email=personas.VIEWER.email))
    assert client.get("/admin/till/").status_code == 403  # viewing is not serving


def test_it_validates_ownership_a_member_login_reaches_no_admin_page(client, integrations):
    maria = User.objects.get(email=personas.MARIA.email)
    client.force_login(maria)
    for url in (reverse("admin:index"), reverse("admin:members_member_changelist")):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
