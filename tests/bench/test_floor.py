"""The benchmarks' floor (bench/floor.py): the statements replayed write what the code writes."""

import pytest

from bench import floor
from members.models import Member
from rewards.models import LotMovement, PointLot, Purchase
from rewards.purchases.recording import record_purchase
from tests.conftest import skip_unless_postgresql
from tests.factories import MemberFactory
from tests.helpers import assert_ledger_consistent
from tests.rewards.test_posting import written

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("program", "web")]
SAME = ("order_id", "member_id", "id", "created_at")


def purchase_of(member: Member) -> dict:
    row = Purchase.objects.filter(member=member).values().get()
    return {key: value for key, value in row.items() if key not in SAME}


def test_a_replayed_purchase_writes_the_rows_of_a_purchase_recorded_by_the_service():
    skip_unless_postgresql()
    first, second, replayed, warm = (MemberFactory() for _ in range(4))
    record_purchase(channel="web", order_id="warm", amount="1", member_id=warm.pk)

    def buy(member_id, order_id):
        return lambda: record_purchase(
            channel="web", order_id=order_id, amount="42.00", member_id=member_id
        )

    script = floor.capture(
        buy, {"member_id": first.pk, "order_id": "A"}, {"member_id": second.pk, "order_id": "B"}
    )
    assert script.statements == 4  # lock, purchase, ledger (one statement), referral
    wrapper, raw = floor.new_connection()
    try:
        script.run(raw, member_id=replayed.pk, order_id="C")
    finally:
        wrapper.close()

    assert purchase_of(replayed) == purchase_of(second)
    assert written(replayed) == written(second)
    lot = PointLot.objects.get(member=replayed)
    assert LotMovement.objects.get(lot=lot).entry.purchase.order_id == "C"
    assert_ledger_consistent()
