"""Idempotency-Key: the same key and body replay the first response; another body is a 409."""

import pytest

from rewards.models import IdempotencyRecord, Purchase, Redemption
from rewards.purchases.recording import record_purchase
from tests.helpers import balance


def post(api, path, body, key):
    return api.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retried_purchase_returns_the_first_response_and_earns_once(api, member):
    body = {"channel": "web", "order_id": "I1", "amount": "30.00", "member_id": member.pk}
    first = post(api, "/api/v1/purchases/", body, "key-1")
    second = post(api, "/api/v1/purchases/", body, "key-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Purchase.objects.count() == 1
    assert balance(member) == 30
    record = IdempotencyRecord.objects.get()  # stored as JSON, not as a string of JSON
    assert (record.response_status, record.response_body) == (201, first.json())


def test_the_same_json_in_another_key_order_is_the_same_request(api, member):
    first = post(
        api, "/api/v1/purchases/", {"channel": "web", "order_id": "I2", "amount": "5.00"}, "k"
    )
    second = post(
        api, "/api/v1/purchases/", {"amount": "5.00", "order_id": "I2", "channel": "web"}, "k"
    )
    assert second.status_code == 201
    assert second.json()["id"] == first.json()["id"]


def test_the_same_key_with_another_body_is_a_409(api, member):
    post(api, "/api/v1/purchases/", {"channel": "web", "order_id": "I3", "amount": "5.00"}, "k")
    response = post(
        api, "/api/v1/purchases/", {"channel": "web", "order_id": "I4", "amount": "5.00"}, "k"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"
    assert response.json()["error"]["field"] == "Idempotency-Key"
    assert Purchase.objects.count() == 1


def test_a_retried_redemption_spends_once(api, member):
    record_purchase(channel="web", order_id="F", amount="100.00", member_id=member.pk)
    body = {"member_id": member.pk, "points": 40}
    first = post(api, "/api/v1/redemptions/", body, "r-1")
    second = post(api, "/api/v1/redemptions/", body, "r-1")
    assert second.json()["code"] == first.json()["code"]
    assert Redemption.objects.count() == 1
    assert balance(member) == 60


def test_a_failed_write_stores_nothing_and_can_be_retried(api, member):
    body = {"member_id": member.pk, "points": 40}
    refused = post(api, "/api/v1/redemptions/", body, "r-2")
    assert refused.status_code == 422
    assert IdempotencyRecord.objects.count() == 0
    record_purchase(channel="web", order_id="F", amount="100.00", member_id=member.pk)
    assert post(api, "/api/v1/redemptions/", body, "r-2").status_code == 201


def test_a_key_longer_than_200_characters_is_a_400(api, member):
    response = post(
        api, "/api/v1/purchases/", {"channel": "web", "order_id": "I5", "amount": "5"}, "x" * 201
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "Idempotency-Key"


def test_it_validates_ownership_a_replay_never_returns_another_members_redemption(
    api, member, other_member
):
    for m in (member, other_member):
        record_purchase(channel="web", order_id=f"F{m.pk}", amount="100.00", member_id=m.pk)
    post(api, "/api/v1/redemptions/", {"member_id": member.pk, "points": 10}, "same")
    response = post(
        api, "/api/v1/redemptions/", {"member_id": other_member.pk, "points": 10}, "same"
    )
    assert response.status_code == 409
    assert balance(other_member) == 100


def test_a_body_too_large_to_fingerprint_is_a_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = {"channel": "web", "order_id": "big", "amount": "5.00", "pad": "x" * 500}
    response = post(api, "/api/v1/purchases/", body, "big")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_pruning_forgets_only_old_records(api, member):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    post(api, "/api/v1/purchases/", {"channel": "web", "order_id": "old", "amount": "5"}, "old")
    post(api, "/api/v1/purchases/", {"channel": "web", "order_id": "new", "amount": "5"}, "new")
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(days=40)
    )
    call_command("prune_idempotency_keys", "--days", "30")
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_pruning_refuses_zero_days(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="whole number from 1 to"):
        call_command("prune_idempotency_keys", "--days", "0")


def test_the_pruning_task_calls_the_same_pruning(api, member):
    from rewards.tasks import prune_idempotency_records

    post(api, "/api/v1/purchases/", {"channel": "web", "order_id": "t", "amount": "5"}, "t")
    assert prune_idempotency_records.delay(1).get() == 0
    assert IdempotencyRecord.objects.count() == 1
