"""The demo data (``manage.py load_demo``): a coffee shop's program, 18 months of history,
and a login in each state a page must show (``personas.LOGINS``)."""

import random

from django.db import transaction
from django.utils import timezone

from members.models import Member, User
from rewards.expiry.release import release_pending_points
from rewards.expiry.services import expire_points
from rewards.tiers.services import evaluate_tiers

from . import activity, catalog, customers, marketing, personas


def is_loaded() -> bool:
    return User.objects.filter(email=personas.STAFF.email).exists()


@transaction.atomic
def load(*, members: int = 40, seed: int = 7) -> None:
    """Load everything, once (``is_loaded`` tells)."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not a secret
    now = timezone.now()
    rewards = catalog.load_program()
    staff = personas.load_staff()
    activity.load_estimate(staff, now=now)  # before the sales: each is allocated with it
    emails = [personas.MARIA.email] + [f"customer{i:03d}@example.com" for i in range(1, members)]
    customers.load_customers(emails, rng=rng, rewards=rewards, now=now)
    release_pending_points()
    expire_points()  # 18 months under a 12-month lifetime: show expired points
    catalog.load_tiers()
    catalog.load_actions()
    evaluate_tiers()
    maria = Member.objects.get(email=personas.MARIA.email)
    personas.login_for(maria)
    activity.load_actions(maria, now=now)
    activity.load_referrals(maria, now=now)
    personas.load_personas(now=now, staff=staff)
    activity.load_import(staff, now=now)
    activity.load_integrations(staff)
    activity.load_adjustments(maria, staff)
    activity.load_erasure(staff)
    activity.load_reports(staff)
    activity.load_job_runs(now=timezone.now())
    marketing.load_marketing(staff, now=now)
