"""API keys, scopes, throttling and the one error shape, for every kind of bad request."""

import pytest
from django.test import override_settings
from django.utils import timezone

from loyalty.api.auth import find_key
from rewards.models import ApiKey, hash_secret
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_request_without_a_key_is_401_in_the_error_shape(client, program):
    response = client.get("/api/v1/ping/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Api-Key"


def test_a_wrong_key_is_refused(client, program):
    response = client.get("/api/v1/ping/", HTTP_AUTHORIZATION="Api-Key lk_abcd1234_nope")
    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "authentication_failed",
        "message": "invalid API key",
        "field": None,
    }


def test_a_malformed_key_is_refused_without_error(client, program):
    for header in ["Api-Key", "Api-Key a b", "Api-Key lk_", "Api-Key \u00e9\u00e9"]:
        response = client.get("/api/v1/ping/", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header


def test_the_key_found_by_its_prefix_is_the_one_the_orm_reads(program):
    _, key = client_for("read", "earn")
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    found = find_key(key.prefix)
    expected = ApiKey.objects.get(prefix=key.prefix)
    fields = [field.attname for field in ApiKey._meta.concrete_fields]
    assert [getattr(found, name) for name in fields] == [getattr(expected, name) for name in fields]
    assert sorted(found.scopes) == ["earn", "read"] and found.last_used_at is not None
    assert find_key("0" * 8) is None


def test_the_key_is_stored_hashed_and_works(api, program):
    key = ApiKey.objects.get()
    secret = api.full_key.split("_", 2)[2]
    assert key.hashed_secret == hash_secret(secret)
    assert secret not in key.hashed_secret
    response = api.get("/api/v1/ping/")
    assert response.status_code == 200
    assert response.json() == {"pong": True, "scopes": ["earn", "read", "redeem"]}


def test_a_revoked_key_is_refused(api):
    ApiKey.objects.get().revoke()
    response = api.get("/api/v1/ping/")
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_use_records_when_the_key_was_last_used(api):
    api.get("/api/v1/ping/")
    assert ApiKey.objects.get().last_used_at is not None


def test_a_read_only_key_cannot_record_a_purchase(reader):
    response = reader.post(
        "/api/v1/purchases/", {"channel": "web", "order_id": "1", "amount": "10.00"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "'earn' scope" in response.json()["error"]["message"]


def test_an_earn_key_cannot_redeem(program, web, member):
    client, _ = client_for("earn")
    response = client.post(
        "/api/v1/redemptions/", {"member_id": member.pk, "points": 10}, format="json"
    )
    assert response.status_code == 403


def test_an_earn_key_cannot_read_lists(program, web):
    client, _ = client_for("earn")
    assert client.get("/api/v1/purchases/").status_code == 403


def test_the_rate_is_limited_per_key(api, settings):
    rates = {"api_key": "2/min"}
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        assert api.get("/api/v1/ping/").status_code == 200
        assert api.get("/api/v1/ping/").status_code == 200
        response = api.get("/api/v1/ping/")
        other, _ = client_for("read")
        other_status = other.get("/api/v1/ping/").status_code
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert other_status == 200


def test_a_validation_error_names_the_field(api):
    response = api.post("/api/v1/purchases/", {"channel": "web", "amount": "10.00"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "order_id"
    assert error["code"] == "required"
    assert error["message"].startswith("order_id:")


def test_a_nested_validation_error_names_the_nested_field(api):
    body = {"channel": "web", "order_id": "1", "amount": "10", "lines": [{"amount": "x"}]}
    response = api.post("/api/v1/purchases/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "lines[0].amount"


def test_a_body_that_is_not_json_is_a_400(api):
    response = api.generic(
        "POST", "/api/v1/purchases/", b"{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_an_unsupported_media_type_is_a_415(api):
    response = api.generic("POST", "/api/v1/purchases/", b"x", content_type="text/csv")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_a_wrong_method_is_a_405_in_the_error_shape(api):
    response = api.delete("/api/v1/purchases/")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "body",
    [
        {"channel": "web", "order_id": "1", "amount": "1e400"},
        {"channel": "web", "order_id": "1", "amount": 10**40},
        {"channel": "web", "order_id": "1", "amount": "10", "member_id": 10**30},
        {"channel": "web", "order_id": "1", "amount": "NaN"},
        {"channel": "web", "order_id": "\x00", "amount": "10"},
        {"channel": ["web"], "order_id": {"a": 1}, "amount": True},
        {
            "channel": "web",
            "order_id": "1",
            "amount": "10",
            "purchased_at": "0001-01-01T00:00+05:00",
        },
        {"channel": "web", "order_id": "1", "amount": "10", "lines": "nope"},
        [1, 2, 3],
        "just a string",
    ],
)
def test_strange_input_is_a_400_never_a_500(api, body):
    response = api.post("/api/v1/purchases/", body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()["error"]) >= {"code", "message", "field"}


def test_a_huge_id_in_the_path_is_a_404(api):
    assert api.get(f"/api/v1/members/{10**30}/balance/").status_code == 404


def test_a_huge_id_in_a_filter_is_a_400(api):
    response = api.get("/api/v1/purchases/", {"member": 10**30})
    assert response.status_code == 400


def test_an_unknown_member_is_a_404_with_the_error_shape(api):
    response = api.get("/api/v1/members/999999/balance/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_validates_ownership_a_key_only_replays_its_own_idempotency_keys(api, member):
    body = {"member_id": member.pk, "email": "x"}
    other, _ = client_for("read", "earn", "redeem")
    first = api.post(
        "/api/v1/members/", {"email": "a@example.com"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    second = other.post(
        "/api/v1/members/", {"email": "b@example.com"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert body  # the same key under another API key is another request
    assert first.status_code == 201
    assert second.status_code == 201
    assert second.json()["email"] == "b@example.com"


def test_a_body_over_the_size_limit_is_a_413_without_an_idempotency_key(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = {"channel": "web", "order_id": "big", "amount": "5.00", "pad": "x" * 500}
    response = api.post("/api/v1/purchases/", body, format="json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
