"""Commands refuse out-of-range numbers and dates in one line, in words, before any work."""

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rewards.models import LedgerEntry

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["evaluate_tiers", "--batch-size", HUGE], "--batch-size must be a whole number from 1"),
        (["expire_points", "--batch-size", "0"], "--batch-size must be a whole number from 1"),
        (["prune_idempotency_keys", "--days", HUGE], "--days must be a whole number from 1"),
        (["verify_ledger", "--member", HUGE], "--member must be a whole number from 1"),
        (["load_demo", "--members", HUGE], "--members must be between 1 and 10000"),
        (["expire_points", "--as-of", "0001-01-01"], "--as-of: The date cannot be before 2000"),
        (["evaluate_tiers", "--as-of", "9999-12-31"], "--as-of: The date is too far in the future"),
        (["award_birthdays", "--date", "9999-12-31"], "--date: The date cannot be in the future"),
    ],
)
def test_a_command_refuses_an_out_of_range_option_in_words(program, args, says):
    with pytest.raises(CommandError, match=re.escape(says)) as error:
        call_command(*args)
    message = str(error.value)
    assert HUGE not in message and "\n" not in message
    assert not LedgerEntry.objects.exists()


def test_the_earliest_date_of_the_program_applies(program):
    from datetime import date

    program.earliest_date = date(2024, 1, 1)
    program.save()
    with pytest.raises(CommandError, match="cannot be before 2024-01-01"):
        call_command("expire_points", "--as-of", "2023-12-31")
