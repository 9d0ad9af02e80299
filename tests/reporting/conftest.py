"""Fixtures of the reporting tests: a program whose points never expire unless told."""

import pytest

from tests.factories import UserFactory


@pytest.fixture
def staff_client(client, program):
    staff = UserFactory(email="finance@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    client.staff = staff
    return client
