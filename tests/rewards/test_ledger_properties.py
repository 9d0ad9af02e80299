"""Property-based: random sequences of earn, redeem, cancel, refund, adjust, release and
use keep the ledger's invariants after every step."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.errors import ApplicationError
from members.models import Member
from rewards.adjustments.services import adjust_points
from rewards.expiry.release import release_pending_points
from rewards.models import LedgerEntry, PointLot, Program, Redemption
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from rewards.redemptions.services import cancel_redemption, redeem_points, use_redemption
from rewards.selectors import ledger_drift
from tests.factories import ChannelFactory, MemberFactory, ProgramFactory

operations = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(1, 500), st.integers(0, 500)),
        st.tuples(st.just("redeem"), st.integers(1, 400), st.just(0)),
        st.tuples(st.just("cancel"), st.integers(0, 10), st.just(0)),
        st.tuples(st.just("refund"), st.integers(0, 10), st.integers(1, 100)),
        st.tuples(st.just("adjust"), st.integers(-300, 300), st.just(0)),
        st.tuples(st.just("use"), st.integers(0, 10), st.just(0)),
        st.tuples(st.just("release"), st.integers(0, 40), st.just(0)),
    ),
    min_size=1,
    max_size=25,
)


def check_invariants(members):
    assert ledger_drift() == []
    for member in Member.objects.filter(pk__in=[m.pk for m in members]):
        assert member.pending_points >= 0
        program = Program.get()
        if not program.allow_negative_balance:
            assert member.points_balance >= 0
        # The balance is what was credited less what was debited, entry by entry.
        assert (
            sum(LedgerEntry.objects.filter(member=member).values_list("points", flat=True))
            == member.points_balance
        )
    # A debt lot never coexists with spendable points of the same member (points past
    # their expiry date are not spendable: they wait for the expiry job, not for a debt).
    for lot in PointLot.objects.filter(is_debt=True, remaining__lt=0):
        assert not PointLot.objects.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
            member=lot.member,
            status="available",
            is_debt=False,
            remaining__gt=0,
        ).exists()


def apply(op, members, purchases, step):
    name, a, b = op
    member = members[step % len(members)]
    if name == "earn":
        purchases.append(
            record_purchase(
                channel="web",
                order_id=f"P{step}",
                amount=f"{a}.{b % 100:02d}",
                member_id=member.pk,
                purchased_at=timezone.now() - timedelta(days=b),
            )
        )
    elif name == "redeem":
        redeem_points(member_id=member.pk, points=a)
    elif name == "cancel":
        redemptions = list(Redemption.objects.order_by("pk"))
        if redemptions:
            cancel_redemption(redemption_id=redemptions[a % len(redemptions)].pk)
    elif name == "use":
        redemptions = list(Redemption.objects.order_by("pk"))
        if redemptions:
            use_redemption(code=redemptions[a % len(redemptions)].code)
    elif name == "refund" and purchases:
        purchase = purchases[a % len(purchases)]
        purchase.refresh_from_db()
        left = purchase.amount - purchase.refunded_amount
        if left > 0:
            amount = max(
                min(left, (purchase.amount * b / 100).quantize(purchase.amount)),
                purchase.amount.__class__("0.01"),
            )
            refund_purchase(purchase_id=purchase.pk, amount=min(amount, left))
    elif name == "adjust" and a != 0:
        adjust_points(member_id=member.pk, points=a, reason="property test")
    elif name == "release":
        release_pending_points(now=timezone.now() + timedelta(days=a))


@pytest.mark.django_db
@pytest.mark.parametrize("allow_negative,window", [(False, 0), (True, 0), (False, 14), (True, 14)])
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_ledger_invariants_hold_after_every_step(ops, allow_negative, window):
    with transaction.atomic():
        ProgramFactory(allow_negative_balance=allow_negative, return_window_days=window)
        ChannelFactory(code="web")
        members = [MemberFactory(), MemberFactory()]
        purchases = []
        for step, op in enumerate(ops):
            try:
                with transaction.atomic():
                    apply(op, members, purchases, step)
            except ApplicationError:
                pass  # a refused operation must leave everything as it was
            check_invariants(members)
        transaction.set_rollback(True)
