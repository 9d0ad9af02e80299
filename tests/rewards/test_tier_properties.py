"""Property-based: whatever the purchases, refunds and evaluation dates, re-evaluating tiers
twice at the same moment changes nothing the second time, nobody is left below the highest
tier they qualify for, and anyone above it is protected (period not over, or in grace)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members.models import Member, Tier, TierChange
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from rewards.tiers import evaluation
from rewards.tiers import services as tiers
from rewards.tiers.measures import Measures
from tests.factories import ChannelFactory, MemberFactory, ProgramFactory

histories = st.lists(
    st.tuples(
        st.integers(0, 2),  # which member
        st.integers(1, 700),  # amount
        st.integers(0, 700),  # days ago
        st.booleans(),  # refunded in full
    ),
    max_size=12,
)
evaluations = st.lists(st.integers(0, 900), min_size=1, max_size=4)  # days from now


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories, days=evaluations, grace=st.sampled_from([0, 3]))
def test_re_evaluation_is_idempotent_and_never_leaves_anyone_too_high(history, days, grace):
    with transaction.atomic():
        ProgramFactory()
        ChannelFactory(code="web")
        Tier.objects.create(name="Regular", rank=0, threshold=0)
        Tier.objects.create(name="Silver", rank=1, threshold=Decimal("300"), grace_months=grace)
        Tier.objects.create(
            name="Gold", rank=2, measure="spend", threshold=Decimal("900"), grace_months=grace
        )
        members = [MemberFactory() for _ in range(3)]
        for step, (who, amount, ago, refunded) in enumerate(history):
            purchase = record_purchase(
                channel="web",
                order_id=f"P{step}",
                amount=f"{amount}.00",
                member_id=members[who].pk,
                purchased_at=timezone.now() - timedelta(days=ago),
            )
            if refunded:
                refund_purchase(purchase_id=purchase.pk, amount=f"{amount}.00")
        for offset in sorted(days):
            as_of = timezone.now() + timedelta(days=offset)
            tiers.evaluate_tiers(as_of=as_of)
            changes = TierChange.objects.count()
            state = list(Member.objects.order_by("pk").values_list("tier", "tier_grace_until"))
            again = tiers.evaluate_tiers(as_of=as_of)
            assert (again["upgrades"], again["downgrades"], again["grace_started"]) == (0, 0, 0)
            assert TierChange.objects.count() == changes
            assert (
                list(Member.objects.order_by("pk").values_list("tier", "tier_grace_until")) == state
            )
            all_tiers = list(Tier.objects.all())
            measures = Measures([m.pk for m in members], all_tiers, as_of)
            for member in Member.objects.filter(pk__in=[m.pk for m in members]):
                best = measures.best(member.pk, all_tiers)
                # Never below what they qualify for; above it only while the tier is protected
                # (held since before the period ended, or in grace).
                assert member.tier.rank >= best.rank
                if member.tier.rank > best.rank:
                    in_grace = member.tier_grace_until and as_of < member.tier_grace_until
                    assert in_grace or not evaluation._may_drop(member, member.tier, as_of)
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(amount=st.integers(1, 5000))
def test_it_validates_ownership_one_members_spending_never_moves_anothers_tier(amount):
    with transaction.atomic():
        ProgramFactory()
        ChannelFactory(code="web")
        Tier.objects.create(name="Regular", rank=0, threshold=0)
        Tier.objects.create(name="Silver", rank=1, threshold=Decimal("300"))
        buyer, bystander = MemberFactory(), MemberFactory()
        record_purchase(channel="web", order_id="P", amount=f"{amount}.00", member_id=buyer.pk)
        tiers.evaluate_tiers(as_of=timezone.now() + timedelta(minutes=1))
        assert Member.objects.get(pk=bystander.pk).tier.name == "Regular"
        assert not TierChange.objects.filter(member=bystander, to_tier__name="Silver").exists()
        transaction.set_rollback(True)
