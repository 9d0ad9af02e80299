"""Portal fixtures: a member with a verified login, signed in."""

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from rewards import services
from tests.factories import MemberFactory, UserFactory


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
    return services.record_purchase(
        channel="web",
        order_id=order_id,
        amount=f"{amount}.00",
        member_id=member.pk,
        purchased_at=timezone.now() - timezone.timedelta(days=days_ago),
    )
