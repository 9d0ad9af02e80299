"""The actions endpoint: calls rewards.actions.record_action (from the actions issue)."""

import sys

import pytest


def test_without_the_actions_module_the_endpoint_answers_501(api, member, monkeypatch):
    monkeypatch.setitem(sys.modules, "rewards.actions", None)  # makes the import fail
    response = api.post(
        "/api/v1/actions/", {"member_id": member.pk, "code": "review"}, format="json"
    )
    assert response.status_code == 501
    assert response.json()["error"]["code"] == "not_implemented"


def test_an_action_without_a_code_is_a_400(api, member):
    response = api.post("/api/v1/actions/", {"member_id": member.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "code"


def test_it_validates_ownership_an_action_credits_only_its_member(api, member, other_member):
    actions = pytest.importorskip("rewards.actions")
    assert hasattr(actions, "record_action")
    response = api.post(
        "/api/v1/actions/",
        {"member_id": member.pk, "code": "newsletter", "reference": "nl-1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="act-1",
    )
    assert response.status_code in {201, 400, 404}, response.content
    if response.status_code == 201:
        assert response.json()["member_id"] == member.pk
    assert other_member.ledger_entries.count() == 0
