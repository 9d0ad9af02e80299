"""The actions endpoint: calls rewards.actions.record_action."""

from tests.factories import ActionRuleFactory


def test_an_action_without_a_code_is_a_400(api, member):
    response = api.post("/api/v1/actions/", {"member_id": member.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "code"


def test_an_action_credits_its_rule_points(api, member):
    ActionRuleFactory(code="newsletter", points=15)
    response = api.post(
        "/api/v1/actions/", {"member_id": member.pk, "code": "newsletter"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["points"] == 15


def test_an_unknown_action_is_refused_by_its_rule_with_a_422(api, member):
    response = api.post("/api/v1/actions/", {"member_id": member.pk, "code": "nope"}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_action"


def test_it_validates_ownership_an_action_credits_only_its_member(api, member, other_member):
    ActionRuleFactory(code="newsletter", points=15)
    response = api.post(
        "/api/v1/actions/",
        {"member_id": member.pk, "code": "newsletter", "reference": "nl-1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="act-1",
    )
    assert response.status_code == 201, response.content
    assert response.json()["member_id"] == member.pk
    assert other_member.ledger_entries.count() == 0
