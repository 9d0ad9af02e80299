"""The settings every purchase reads (program, channels, active earn rules, tiers, the
redemption-rate estimates its allocation uses), cached.

They change a few times a year and are read on every purchase, where loading them cost
four queries. Each process keeps one ``Snapshot`` of them, labelled with the token of
``ConfigVersion``. Database triggers (``install_triggers``, run after every ``migrate``)
replace that token with a random one in the same transaction as any write to those
tables, whoever makes it: the admin, the ORM, ``QuerySet.update``, raw SQL, another
process. A reader reads the token inside its own transaction (``lock_member`` reads it
in the statement that locks the member) and reloads the snapshot when it differs. So a
purchase sees exactly the settings committed when its transaction read the token, as
if it had queried them: there is no window of staleness, whatever the number of
processes.

The token is random rather than a counter so that one written by a transaction that
rolled back (its snapshot may hold that transaction's own writes) is never seen again.

A snapshot's objects are shared by the threads of a process: read them, never change
or save them (``Program.get()`` gives a program of your own).
"""

from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from loyalty.db import RowLoader
from members.models import Member, Tier

from ..models import Channel, ConfigVersion, EarnRule, Program, RedemptionRateEstimate
from ..purchases import allocation

# Which tables the snapshot is made of: a write to any of them changes the token.
WATCHED = (Program, Channel, EarnRule, EarnRule.tiers.through, Tier, RedemptionRateEstimate)
TOKEN_SQL = f"SELECT token FROM {ConfigVersion._meta.db_table} WHERE id = 1"  # noqa: S608
# Only where install_triggers knows how to keep the token: elsewhere, never cached.
VENDORS = {"postgresql", "sqlite"}


@dataclass(frozen=True)
class Snapshot:
    token: int | None
    program: Program
    channels: dict[str, Channel]
    rules: tuple[EarnRule, ...]  # the active ones, by id
    tiers: tuple[Tier, ...]  # by rank
    rates: tuple[allocation.Rate, ...] = ()  # the estimates by date
    rule_tiers: dict[int, frozenset[int]] = field(default_factory=dict)  # rule id: its tiers

    def tier(self, tier_id: int | None) -> Tier | None:
        return next((tier for tier in self.tiers if tier.pk == tier_id), None)

    def rules_for(self, tier_id: int | None) -> tuple[EarnRule, ...]:
        """The active rules a member of this tier (None: no tier) earns by: a rule
        reserved to tiers (``EarnRule.tiers``) counts only for members of one of them."""
        if not self.rule_tiers:
            return self.rules
        return tuple(
            rule
            for rule in self.rules
            if rule.pk not in self.rule_tiers or tier_id in self.rule_tiers[rule.pk]
        )


def _rule_tiers() -> dict[int, frozenset[int]]:
    pairs = EarnRule.tiers.through.objects.filter(earnrule__active=True)
    found: dict[int, set[int]] = {}
    for rule_id, tier_id in pairs.values_list("earnrule_id", "tier_id"):
        found.setdefault(rule_id, set()).add(tier_id)
    return {rule_id: frozenset(tiers) for rule_id, tiers in found.items()}


_snapshot: Snapshot | None = None
_UNREAD = object()


def read_token() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(TOKEN_SQL)
        row = cursor.fetchone()
    return row[0] if row else None


def current(token=_UNREAD) -> Snapshot:
    """The settings as this transaction sees them; ``token`` if the caller has just read it."""
    global _snapshot
    if token is _UNREAD:
        token = read_token()
    cached = _snapshot
    if cached is not None and token is not None and cached.token == token:
        return cached
    snapshot = Snapshot(
        token=token,
        program=Program.get(),
        channels={channel.code: channel for channel in Channel.objects.all()},
        rules=tuple(EarnRule.objects.filter(active=True).order_by("pk")),
        tiers=tuple(Tier.objects.all()),
        rates=allocation.load_rates(),
        rule_tiers=_rule_tiers(),
    )
    # Kept only if nothing changed while it was read (Program.get() may have created
    # the program; another transaction may have committed in between).
    if token is not None and connection.vendor in VENDORS and read_token() == token:
        _snapshot = snapshot
    return snapshot


_members = RowLoader(Member)


def lock_member(member_id: int) -> tuple[Member | None, Snapshot]:
    """The member row, locked as ``Member.lock`` does, and the settings: one statement.

    ``None`` for a member that does not exist (the caller decides which error comes
    first). The token is read by the same statement, from its snapshot of the database:
    if the statement waited for the member's lock, settings committed meanwhile are
    not seen, as if the purchase had run first.
    """
    features = connection.features
    table = connection.ops.quote_name(Member._meta.db_table)
    lock = ""
    if features.has_select_for_update:
        lock = " FOR UPDATE" + (f" OF {table}" if features.has_select_for_update_of else "")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_members.columns(connection)}, ({TOKEN_SQL}) "  # noqa: S608
            f"FROM {table} WHERE {table}.id = %s{lock}",
            [member_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None, current()
    return _members.load(connection, row), current(row[-1])


# ---------------------------------------------------------------- the triggers

_POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION rewards_new_config_token() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {ConfigVersion._meta.db_table} (id, token)
    VALUES (1, floor(random() * 9e18)::bigint)
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END $$
"""  # noqa: S608


def install_triggers(using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Create (again) the triggers that change the token on every write to ``WATCHED``.

    Run after every ``migrate`` (post_migrate), not by a migration: SQLite drops a
    table's triggers whenever a migration rebuilds the table. Idempotent, and in one
    transaction: processes still running while a deploy migrates never miss a write.
    """
    db = connections[using]
    tables = [model._meta.db_table for model in WATCHED]
    version = ConfigVersion._meta.db_table
    if db.vendor not in VENDORS or not {version, *tables} <= set(db.introspection.table_names()):
        return
    with transaction.atomic(using=using), db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute(_POSTGRESQL_FUNCTION)
            for table in tables:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_config_token ON {table}")
                cursor.execute(
                    f"CREATE TRIGGER {table}_config_token "
                    f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION rewards_new_config_token()"
                )
            cursor.execute(
                f"INSERT INTO {version} (id, token) VALUES (1, floor(random() * 9e18)::bigint) "  # noqa: S608
                "ON CONFLICT (id) DO NOTHING"
            )
        else:
            for table in tables:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {table}_config_token_{event.lower()} "  # noqa: S608
                        f"AFTER {event} ON {table} BEGIN "
                        f"INSERT OR REPLACE INTO {version} (id, token) VALUES (1, random()); END"
                    )
            cursor.execute(f"INSERT OR IGNORE INTO {version} (id, token) VALUES (1, random())")  # noqa: S608
