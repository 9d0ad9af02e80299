"""Fixtures shared by every test: a program, a channel, members, and eager Celery."""

import os

import pytest
from django.db import connection

from loyalty.celery import app as celery_app
from tests.factories import ChannelFactory, MemberFactory, ProgramFactory


@pytest.fixture(autouse=True)
def _fast_and_eager(settings, request):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if request.node.get_closest_marker("integration") is None:
        # Unit tests run tasks in-process even when a broker is configured (CI's second run).
        celery_app.conf.task_always_eager = True
        yield
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
    else:
        yield


@pytest.fixture
def program(db):
    return ProgramFactory()


@pytest.fixture
def web(db):
    return ChannelFactory(code="web", name="Web shop")


@pytest.fixture
def member(program):
    return MemberFactory()


@pytest.fixture
def other_member(program):
    return MemberFactory()


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def skip_unless_postgresql():
    """Concurrency tests need real row locks: they skip on SQLite, never on CI's PostgreSQL run."""
    if not on_postgresql():
        if os.environ.get("CI") and os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pytest.fail("CI's PostgreSQL run must not skip the concurrency tests")
        pytest.skip("needs PostgreSQL for concurrent transactions (set DATABASE_URL)")
