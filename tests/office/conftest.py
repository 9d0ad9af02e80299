"""Fixtures of the back office's tests: staff users with all, some or no permissions."""

import pytest
from django.contrib.auth.models import Permission

from tests.factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(email="owner@example.com", is_staff=True, is_superuser=True)


def staff_with(email: str, *codenames: str):
    """A staff user (not a superuser) holding exactly these permissions (``app.codename``)."""
    user = UserFactory(email=email, is_staff=True)
    for name in codenames:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


@pytest.fixture
def viewer(db):
    """Staff who may look at everything and change nothing (the demo's *Support (view only)*)."""
    user = UserFactory(email="looker@example.com", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return user


@pytest.fixture
def nobody(db):
    return UserFactory(email="nobody@example.com", is_staff=True)
