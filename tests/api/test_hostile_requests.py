"""No request gets a 500, and every error of the API has the JSON shape: any body, path, header."""

import pytest
from django.test import Client

from referrals.services import ensure_referral_code
from rewards.models import Purchase

PURCHASE = "/api/v1/purchases/"


def assert_error_shape(response, status: int, code: str | None = None):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "field"}
    if code is not None:
        assert error["code"] == code


def post_raw(api, body: bytes, content_type="application/json", **headers):
    return api.generic("POST", PURCHASE, body, content_type=content_type, **headers)


@pytest.mark.parametrize("idempotency", [{}, {"HTTP_IDEMPOTENCY_KEY": "deep-1"}])
def test_a_body_nested_3000_levels_is_a_400(api, idempotency):
    response = post_raw(api, b"[" * 3000 + b"]" * 3000, **idempotency)
    assert_error_shape(response, 400, "parse_error")
    assert "nested deeper" in response.json()["error"]["message"]


def test_a_body_nested_a_little_beyond_the_limit_is_a_400(api):
    body = b'{"channel": "web", "order_id": "N", "amount": "1.00", "x": ' + b"[" * 70 + b"]" * 70
    response = post_raw(api, body + b"}")
    assert_error_shape(response, 400, "parse_error")
    assert not Purchase.objects.exists()


def test_a_body_with_many_brackets_but_shallow_is_accepted(api, member):
    lines = [{"amount": "1.00", "sku": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}] * 30
    body = {"channel": "web", "order_id": "B", "amount": "30.00", "lines": lines}
    response = api.post(PURCHASE, body, format="json")
    assert response.status_code == 201, response.content


def test_a_body_over_the_size_limit_is_a_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = b'{"channel": "web", "order_id": "big", "amount": "5.00", "pad": "' + b"x" * 2000 + b'"}'
    for headers in ({}, {"HTTP_IDEMPOTENCY_KEY": "big-1"}):
        assert_error_shape(post_raw(api, body, **headers), 413, "request_too_large")
    assert not Purchase.objects.exists()


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe\x00\x01binary", b"\x00" * 64, b"\x89PNG\r\n\x1a\n", "{}".encode("utf-16")],
)
def test_a_binary_body_is_a_400(api, body):
    assert_error_shape(post_raw(api, body), 400, "parse_error")


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/octet-stream",
    ],
)
def test_a_body_that_is_not_json_by_its_content_type_is_a_415(api, content_type):
    response = post_raw(api, b"channel=web&order_id=1&amount=5", content_type=content_type)
    assert_error_shape(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/members/%00/balance/",
        "/api/v1/purchases/%00/refunds/",
        "/api/v1/%00",
        "/api/v1/members/lookup/%00",
    ],
)
def test_a_nul_byte_in_an_api_path_is_a_json_404(api, path):
    assert_error_shape(api.get(path), 404, "not_found")


def test_a_nul_byte_in_the_referral_link_is_a_404_for_anyone(db):
    response = Client().get("/r/%00/")
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/r/AB%00CD/", "/r/" + "A" * 41 + "/", "/r/a%2Fb/"])
def test_a_referral_link_that_is_no_code_is_a_404(db, path):
    assert Client().get(path).status_code == 404


def test_a_referral_link_with_a_real_code_still_leads_to_signup(db, member):
    code = ensure_referral_code(member_id=member.pk)
    response = Client().get(f"/r/{code.code}/")
    assert response.status_code == 302
    assert response["Location"].endswith("/accounts/signup/")


@pytest.mark.parametrize("digits", [19, 20, 30, 400])
def test_a_huge_id_in_a_path_is_a_json_404(api, digits):
    huge = "9" * digits
    for path in (f"/api/v1/members/{huge}/balance/", f"/api/v1/redemptions/{huge}/cancel/"):
        response = api.post(path) if "cancel" in path else api.get(path)
        assert_error_shape(response, 404, "not_found")


@pytest.mark.parametrize(
    "path", ["/api/", "/api/v1/", "/api/v1/nope/", "/api/v2/members/", "/api/v1/members/1/x/"]
)
def test_an_unknown_route_under_api_is_a_json_404(api, path):
    assert_error_shape(api.get(path), 404, "not_found")
    assert_error_shape(api.post(path, {}, format="json"), 404, "not_found")


def test_a_path_without_its_trailing_slash_is_a_json_404_not_a_redirect(api):
    assert_error_shape(api.get("/api/v1/ping"), 404, "not_found")


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_AUTHORIZATION": "Api-Key lk_\x00\x00\x00\x00\x00\x00\x00\x00_x"},
        {"HTTP_AUTHORIZATION": "Api-Key lk_" + "a" * 5000 + "_x"},
        {"HTTP_AUTHORIZATION": "Bearer something"},
        {"HTTP_AUTHORIZATION": "\x00"},
    ],
)
def test_a_strange_authorization_header_is_a_401(client, program, headers):
    response = client.get("/api/v1/ping/", **headers)
    assert_error_shape(response, 401)
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ACCEPT": "*/*;q=abc"},
        {"HTTP_ACCEPT": "application/json; indent=999999999"},
        {"HTTP_ACCEPT_LANGUAGE": "\x00" * 100},
        {"HTTP_X_FORWARDED_FOR": "not, an, address, \x00"},
        {"HTTP_IF_NONE_MATCH": "*" * 10000},
        {"HTTP_COOKIE": "sessionid=\x00; csrftoken=" + "x" * 5000},
    ],
)
def test_strange_headers_never_give_a_500(api, headers):
    response = api.get("/api/v1/ping/", **headers)
    assert response.status_code < 500
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("key", ["", " ", "a b", "é", "\x00", "x" * 201, "\t"])
def test_an_invalid_idempotency_key_is_a_400_and_records_nothing(api, key):
    body = {"channel": "web", "order_id": "K", "amount": "5.00"}
    response = api.post(PURCHASE, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert_error_shape(response, 400)
    assert response.json()["error"]["field"] == "Idempotency-Key"
    assert not Purchase.objects.exists()


def test_a_client_asking_for_html_gets_a_406_in_the_json_shape(api):
    response = api.get("/api/v1/ping/", HTTP_ACCEPT="text/html")
    assert_error_shape(response, 406, "not_acceptable")


def test_a_browser_gets_json_never_the_browsable_api(api):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = api.get("/api/v1/ping/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert b"<html" not in response.content.lower()


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/me/ledger/"])
def test_the_member_endpoints_without_a_session_are_401_with_www_authenticate(client, path):
    response = client.get(path)
    assert_error_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Session")


@pytest.mark.parametrize("path", ["/api/v1/ping/", "/api/v1/purchases/", "/api/v1/ledger/"])
def test_the_key_endpoints_without_a_key_are_401_with_www_authenticate(client, program, path):
    response = client.get(path)
    assert_error_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Api-Key"


def test_it_validates_ownership_a_refused_request_never_shows_another_members_data(
    api, member, other_member
):
    response = api.get(f"/api/v1/members/{other_member.pk}999999999999999999/balance/")
    assert_error_shape(response, 404)
    assert other_member.email not in response.content.decode()


@pytest.mark.parametrize(
    "body",
    [
        b'{"channel": "web", "order_id": "\\ud800", "amount": "5.00"}',
        b'{"channel": "web", "order_id": "x", "amount": "5.00", "\\uDFFF": 1}',
        b'{"channel": "web", "order_id": "x", "amount": "5.00", "lines": [{"\\ud800x": 2}]}',
    ],
)
def test_a_lone_surrogate_anywhere_in_the_json_is_a_400_not_an_encoding_error(api, body):
    for headers in ({}, {"HTTP_IDEMPOTENCY_KEY": "sur-1"}):
        assert_error_shape(post_raw(api, body, **headers), 400, "parse_error")
    assert not Purchase.objects.exists()


def test_a_surrogate_pair_is_a_character_and_accepted(api, member):
    body = b'{"channel": "web", "order_id": "\\ud83d\\ude00", "amount": "5.00"}'
    response = post_raw(api, body)
    assert response.status_code == 201, response.content
    assert response.json()["order_id"] == "\U0001f600"
