"""The demo's logins: one member in each state a portal page must show, and the staff.

Each persona is built through the services, as the real thing would be: purchases on
dates that put them in a tier, a debt from a refund of spent points, a suspension, a
closing. Their password is the same (``MEMBER_PASSWORD``).
"""

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission

from members.models import Member, Tier, User
from members.services import enroll_member, set_member_status
from rewards.expiry.release import release_pending_points
from rewards.models import EarnRule, Reward, TierWelcome
from rewards.privacy import close_membership
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from rewards.redemptions.services import redeem_reward
from rewards.tiers import services as tiers

STAFF_PASSWORD = "loyalty-admin-demo"  # noqa: S105 - the demo's published login
VIEWER_PASSWORD = "loyalty-viewer-demo"  # noqa: S105
MEMBER_PASSWORD = "loyalty-member-demo"  # noqa: S105


@dataclass(frozen=True)
class Login:
    email: str
    password: str
    shows: str  # what signing in as this login demonstrates


STAFF = Login("admin@example.com", STAFF_PASSWORD, "staff: everything in the admin")
VIEWER = Login("viewer@example.com", VIEWER_PASSWORD, "staff who may only look")
MARIA = Login("member@example.com", MEMBER_PASSWORD, "top tier (Gold VIP), invited friends")
SILVER = Login("silver@example.com", MEMBER_PASSWORD, "mid tier (Silver), pending, expiring")
CLUB = Login("club@example.com", MEMBER_PASSWORD, "the paid tier (Club)")
NEW = Login("new@example.com", MEMBER_PASSWORD, "no tier, no purchase: just joined")
DEBT = Login("debt@example.com", MEMBER_PASSWORD, "a debt: spent points, then a refund")
SUSPENDED = Login("suspended@example.com", MEMBER_PASSWORD, "suspended: cannot redeem")
CLOSED = Login("closed@example.com", MEMBER_PASSWORD, "closed: this login no longer works")
GERMAN = Login(
    "jonas@example.com",
    MEMBER_PASSWORD,
    "reads German, a mobile number, reached Silver: its welcome gift",
)
LOGINS = [STAFF, VIEWER, MARIA, SILVER, CLUB, NEW, DEBT, SUSPENDED, CLOSED, GERMAN]


def login_for(member: Member) -> User:
    """A verified login for the member (as if they had signed up and clicked the link)."""
    user = User.objects.create_user(
        email=member.email, password=MEMBER_PASSWORD, first_name=member.first_name
    )
    EmailAddress.objects.create(user=user, email=member.email, verified=True, primary=True)
    Member.objects.filter(pk=member.pk).update(user=user)
    return user


def load_staff() -> User:
    """A superuser, and a staff login in a view-only group; the superuser."""
    staff = User.objects.create_superuser(
        email=STAFF.email, password=STAFF.password, first_name="Demo", last_name="Staff"
    )
    support = Group.objects.create(name="Support (view only)")
    support.permissions.set(Permission.objects.filter(codename__startswith="view_"))
    viewer = User.objects.create_user(
        email=VIEWER.email, password=VIEWER.password, first_name="Val", is_staff=True
    )
    viewer.groups.add(support)
    return staff


def _member(email: str, first_name: str, *, days_ago: int, now) -> Member:
    return enroll_member(
        email=email, first_name=first_name, last_name="Demo", enrolled_at=now - timedelta(days_ago)
    )


def _buy(member: Member, order_id: str, amount: str, *, days_ago: float, now, category="mugs"):
    return record_purchase(
        channel="store",
        order_id=order_id,
        amount=amount,
        member_id=member.pk,
        purchased_at=now - timedelta(days=days_ago),
        lines=[{"amount": amount, "category": category}],
    )


def load_personas(*, now, staff: User) -> None:
    """The members with a login, each in a state of its own (see ``Login.shows``)."""
    silver = _member(SILVER.email, "Sam", days_ago=400, now=now)
    _buy(silver, "SAM-1", "40.00", days_ago=350, now=now)  # its points expire within 30 days
    _buy(silver, "SAM-2", "520.00", days_ago=15.5, now=now)  # Silver, in one qualifying year
    release_pending_points(now=now)
    _buy(silver, "SAM-3", "30.00", days_ago=3, now=now)  # pending for 11 more days

    club = _member(CLUB.email, "Carla", days_ago=200, now=now)
    _buy(club, "CLU-1", "120.00", days_ago=60, now=now)
    club_tier = Tier.objects.get(is_paid=True)
    tiers.assign_paid_tier(
        member_id=club.pk, tier_id=club_tier.pk, fee=club_tier.fee, reason="demo", user=staff
    )

    new = _member(NEW.email, "Nina", days_ago=2, now=now)

    debt = _member(DEBT.email, "Dev", days_ago=90, now=now)
    order = _buy(debt, "DEV-1", "320.00", days_ago=30, now=now)
    release_pending_points(now=now)
    redeem_reward(member_id=debt.pk, reward_id=Reward.objects.get(name="Free shipping").pk)
    refund_purchase(purchase_id=order.pk, amount="320.00", reason="returned")

    suspended = _member(SUSPENDED.email, "Sven", days_ago=120, now=now)
    _buy(suspended, "SVE-1", "80.00", days_ago=40, now=now)
    set_member_status(member_id=suspended.pk, status=Member.Status.SUSPENDED)

    closed = _member(CLOSED.email, "Chris", days_ago=300, now=now)
    _buy(closed, "CHR-1", "60.00", days_ago=100, now=now)
    closed_user = login_for(closed)
    release_pending_points(now=now)
    close_membership(member_id=closed.pk, user=closed_user)

    for member in (silver, club, new, debt, suspended):
        login_for(member)
    load_tier_perks(now=now)


def load_tier_perks(*, now) -> None:
    """Tier perks that act: a reward only Gold VIP and Club members may have (others see
    it locked), an earn rule for Silver and above, and a welcome gift on reaching Silver,
    which Jonas (who reads German and gave his mobile number) has just received."""
    gold, club = Tier.objects.get(name="Gold VIP"), Tier.objects.get(is_paid=True)
    silver = Tier.objects.get(name="Silver")
    beans = Reward.objects.create(
        name="Tasting of rare beans",
        kind=Reward.Kind.EXPERIENCE,
        points_cost=600,
        description="An evening with our roasters.",
    )
    beans.tiers.set([gold, club])
    rule = EarnRule.objects.create(
        name="Members' Tuesday", weekdays="2", kind=EarnRule.Kind.BONUS, bonus_points=30
    )
    rule.tiers.set([silver, gold, club])
    TierWelcome.objects.create(
        tier=silver, points=100, reward=Reward.objects.get(name="Free shipping")
    )
    jonas = _member(GERMAN.email, "Jonas", days_ago=60, now=now)
    Member.objects.filter(pk=jonas.pk).update(language="de", phone="+4915112345678")
    _buy(jonas, "JON-1", "260.00", days_ago=20, now=now)
    release_pending_points(now=now)
    login_for(jonas)
