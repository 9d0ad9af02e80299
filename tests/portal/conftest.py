"""Portal fixtures: a member with a verified login, signed in."""

import uuid

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from rewards.purchases.recording import record_purchase
from tests.factories import MemberFactory, UserFactory


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """A private, empty cache: rate-limit counters from other tests (or from an earlier run
    against Redis) must not block these logins, and clearing the shared Redis would also
    empty CI's Celery queues."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{uuid.uuid4()}",
        }
    }


def login_member(client, email):
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    member = MemberFactory(email=email, user=user)
    client.force_login(user)
    return member


@pytest.fixture
def signed_in(client, program, web):
    """The signed-in member (``client`` is logged in as them)."""
    return login_member(client, "ann@example.com")


def buy(member, amount, *, order_id, days_ago=0):
    return record_purchase(
        channel="web",
        order_id=order_id,
        amount=f"{amount}.00",
        member_id=member.pk,
        purchased_at=timezone.now() - timezone.timedelta(days=days_ago),
    )
