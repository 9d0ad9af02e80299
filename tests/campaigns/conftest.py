"""Fixtures of the campaigns tests: a superuser's admin client and a view-only one."""

import pytest
from django.contrib.auth.models import Permission

from tests.factories import UserFactory


@pytest.fixture
def staff_client(client, program):
    user = UserFactory(email="boss@example.com", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def viewer_client(client, program):
    user = UserFactory(email="viewer@example.com", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="campaigns", codename__startswith="view")
    )
    client.force_login(user)
    return client
