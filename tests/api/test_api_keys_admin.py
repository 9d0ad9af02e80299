"""API keys in the admin: created with scopes, shown once, stored hashed, revoked."""

import pytest

from rewards.models import ApiKey, hash_secret
from tests.factories import UserFactory


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(email="boss@example.com", is_staff=True, is_superuser=True))
    return client


def test_creating_a_key_shows_it_once_and_stores_only_its_hash(staff_client, program):
    response = staff_client.post(
        "/admin/rewards/apikey/add/",
        {"name": "Web shop", "scope_choices": ["read", "earn"]},
        follow=True,
    )
    assert response.status_code == 200
    key = ApiKey.objects.get()
    shown = [str(m) for m in response.context["messages"] if "The new API key" in str(m)]
    assert len(shown) == 1
    full = shown[0].split("The new API key is ")[1].split(" ")[0]
    assert key.scopes == ["earn", "read"]
    assert key.hashed_secret == hash_secret(full.split("_", 2)[2])
    assert full not in str(ApiKey.objects.values().get())
    assert (
        staff_client.get(f"/admin/rewards/apikey/{key.pk}/change/").content.count(full.encode())
        == 0
    )


def test_the_revoke_action_turns_keys_off(staff_client, program):
    key, _ = ApiKey.issue(name="Till", scopes=["redeem"])
    staff_client.post(
        "/admin/rewards/apikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.active is False
    assert key.revoked_at is not None


def test_a_key_needs_a_known_scope(db):
    with pytest.raises(ValueError, match="scopes"):
        ApiKey.issue(name="bad", scopes=["admin"])


def test_it_validates_ownership_a_plain_member_login_cannot_manage_keys(client, program):
    client.force_login(UserFactory(email="member@example.com"))
    response = client.get("/admin/rewards/apikey/")
    assert response.status_code == 302
