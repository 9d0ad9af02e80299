"""Bulk SQL for benchmark members: every NOT NULL column of members_member, in one place.

Benchmarks generate 100,000 members with one INSERT ... SELECT; listing the columns by
hand in each of them broke them when the model gained required columns. ``check()``
fails loudly if the model gains another one before this list does.
"""

from members.models import Member


def columns() -> str:
    return (
        "email, first_name, last_name, status, enrolled_at, points_balance, pending_points, "
        "created_at, updated_at, email_offers, sms_offers, card_code, tier_pinned, "
        "tier_pinned_reason, phone, language"
    )


def values(*, enrolled: str, now: str) -> str:
    """The SELECT expressions for member ``i`` (SQL for the enrolment and creation times)."""
    return (
        f"'m' || i || '@bench.test', '', '', 'active', {enrolled}, 0, 0, {now}, {now}, "
        "false, false, 'BENCH' || i, false, '', '', ''"
    )


def check() -> None:
    required = {f.column for f in Member._meta.concrete_fields if not f.null and not f.primary_key}
    missing = required - {name.strip() for name in columns().split(",")}
    if missing:
        raise SystemExit(f"bench/members.py does not fill the member column(s): {sorted(missing)}")
