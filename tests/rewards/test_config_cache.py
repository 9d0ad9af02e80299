"""The settings cached for purchases (rewards/config.py): every change is seen by the next one.

Whatever writes the program, a channel, an earn rule or a tier (the admin, the ORM, a
bulk update, a delete, another connection), the database triggers change the token and
the next purchase reloads them; a change rolled back leaves nothing behind.
"""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Member, Tier
from rewards.earning import config
from rewards.models import Channel, EarnRule, Program
from rewards.purchases.recording import record_purchase
from tests.conftest import on_postgresql, skip_unless_postgresql
from tests.factories import ChannelFactory, EarnRuleFactory, TierFactory, UserFactory
from tests.helpers import run_at_once

pytestmark = pytest.mark.usefixtures("web")
SETTINGS_TABLES = ("rewards_program", "rewards_channel", "rewards_earnrule", "members_tier")


def buy(member, order_id: str, amount: str = "10.00", channel: str = "web") -> int:
    purchase = record_purchase(
        channel=channel, order_id=order_id, amount=amount, member_id=member.pk
    )
    return purchase.points_earned


def test_a_second_purchase_reads_no_settings_table(member):
    EarnRuleFactory(multiplier=Decimal("2"))
    buy(member, "A1")
    with CaptureQueriesContext(connection) as captured:
        assert buy(member, "A2") == 20
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    assert not [table for table in SETTINGS_TABLES if table in sql]


def test_an_earn_rule_saved_is_seen_by_the_next_purchase(member):
    rule = EarnRuleFactory(multiplier=Decimal("2"))
    assert buy(member, "A1") == 20
    rule.multiplier = Decimal("3")
    rule.save()
    assert buy(member, "A2") == 30


def test_an_earn_rule_edited_in_the_admin_is_seen_by_the_next_purchase(client, member, web):
    rule = EarnRuleFactory(name="Double", multiplier=Decimal("2"))
    assert buy(member, "A1") == 20
    client.force_login(UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:rewards_earnrule_change", args=[rule.pk]),
        {
            "name": "Triple",
            "active": "on",
            "kind": EarnRule.Kind.MULTIPLIER,
            "multiplier": "3",
            "bonus_points": "0",
            "weekdays": "",
            "category": "",
            "sku": "",
        },
    )
    assert response.status_code == 302, response.content
    assert buy(member, "A2") == 30


def test_earn_rules_switched_off_in_bulk_no_longer_apply(member):
    EarnRuleFactory(multiplier=Decimal("2"))
    assert buy(member, "A1") == 20
    EarnRule.objects.update(active=False)
    assert buy(member, "A2") == 10


def test_a_deleted_earn_rule_no_longer_applies_and_a_new_one_does(member):
    rule = EarnRuleFactory(multiplier=Decimal("2"))
    assert buy(member, "A1") == 20
    rule.delete()
    assert buy(member, "A2") == 10
    EarnRuleFactory(kind=EarnRule.Kind.BONUS, bonus_points=5)
    assert buy(member, "A3") == 15


def test_a_new_earn_rate_is_seen_by_the_next_purchase(member, program):
    assert buy(member, "A1") == 10
    Program.objects.update(earn_points=2)
    assert buy(member, "A2") == 20


def test_a_channel_that_stops_earning_and_a_new_channel_are_seen(member):
    assert buy(member, "A1") == 10
    Channel.objects.filter(code="web").update(earns_points=False)
    assert buy(member, "A2") == 0
    ChannelFactory(code="store")
    assert buy(member, "A3", channel="store") == 10


def test_a_tier_multiplier_changed_is_seen_by_the_next_purchase(member):
    tier = TierFactory(threshold=Decimal("0"), earn_multiplier=Decimal("2"))
    Member.objects.filter(pk=member.pk).update(tier=tier)
    assert buy(member, "A1") == 20
    Tier.objects.filter(pk=tier.pk).update(earn_multiplier=Decimal("3"))
    assert buy(member, "A2") == 30


class Rollback(Exception):
    pass


def test_a_change_rolled_back_leaves_nothing_behind(member):
    rule = EarnRuleFactory(multiplier=Decimal("2"))
    with pytest.raises(Rollback), transaction.atomic():
        EarnRule.objects.filter(pk=rule.pk).update(multiplier=Decimal("5"))
        assert buy(member, "A1") == 50  # this transaction sees its own change...
        raise Rollback
    assert buy(member, "A2") == 20  # ...nobody else ever does


@pytest.mark.parametrize("model", [Program, Channel, EarnRule, Tier])
def test_every_write_to_a_settings_table_changes_the_token(model, program):
    instance = {
        Program: lambda: program,
        Channel: lambda: ChannelFactory(code="store"),
        EarnRule: EarnRuleFactory,
        Tier: TierFactory,
    }[model]()
    for write in (
        lambda: model.objects.filter(pk=instance.pk).update(id=F("id")),
        lambda: instance.save(),
        lambda: model.objects.filter(pk=instance.pk).delete(),
        lambda: instance.save(force_insert=True),
    ):
        before = config.read_token()
        write()
        assert config.read_token() not in (None, before)


def test_a_trigger_lost_when_a_migration_rebuilds_a_table_comes_back_after_migrate(member):
    rule = EarnRuleFactory(multiplier=Decimal("2"))
    assert buy(member, "A1") == 20
    with connection.cursor() as cursor:  # what SQLite does to a table a migration rebuilds
        if on_postgresql():
            cursor.execute("DROP TRIGGER rewards_earnrule_config_token ON rewards_earnrule")
        else:
            cursor.execute("DROP TRIGGER rewards_earnrule_config_token_update")
    config.install_triggers()  # post_migrate
    EarnRule.objects.filter(pk=rule.pk).update(multiplier=Decimal("3"))
    assert buy(member, "A2") == 30


def test_installing_the_triggers_again_changes_nothing(member):
    config.install_triggers()
    config.install_triggers()
    rule = EarnRuleFactory(multiplier=Decimal("2"))
    assert buy(member, "A1") == 20
    EarnRule.objects.filter(pk=rule.pk).update(multiplier=Decimal("4"))
    assert buy(member, "A2") == 40


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_by_another_connection_is_seen_by_the_next_purchase(web):
    skip_unless_postgresql()
    member = Member.objects.create(email="buyer@example.com")
    rule = EarnRuleFactory(multiplier=Decimal("2"))
    assert buy(member, "A1") == 20  # the snapshot is cached

    # Another connection (as another process would) changes the rule and commits.
    run_at_once(1, lambda i: EarnRule.objects.filter(pk=rule.pk).update(multiplier=Decimal("3")))
    assert buy(member, "A2") == 30
