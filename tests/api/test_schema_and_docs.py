"""The OpenAPI schema and the documentation pages, served without any CDN."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_lists_every_operation(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {
        "ping",
        "member_lookup",
        "member_enrol",
        "member_balance",
        "member_ledger",
        "purchase_record",
        "purchase_quote",
        "purchase_refund",
        "redemption_create",
        "redemption_confirm",
        "redemption_cancel",
        "redemption_validate_code",
        "action_record",
        "purchases_list",
        "members_list",
        "ledger_list",
        "me_balance",
        "me_ledger",
        "finance_estimates_list",
        "finance_estimate_record",
        "finance_closed_periods_list",
        "finance_period_close",
        "finance_report",
    } <= operations
    assert "ApiKey" in schema["components"]["securitySchemes"]


@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_the_docs_pages_load_nothing_from_a_cdn(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn.jsdelivr.net" not in html
    assert "unpkg.com" not in html
    assert "/static/drf_spectacular_sidecar/" in html


def test_it_validates_ownership_the_schema_reveals_no_member_data(client, member):
    response = client.get("/api/v1/schema/")
    assert member.email not in response.content.decode()
