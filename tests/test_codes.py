"""The readable random codes shared by member cards, referral links and redemptions."""

import re
from collections import Counter

from loyalty.codes import ALPHABET, random_code, random_codes
from members.models import new_card_code
from referrals.services import new_code
from rewards.redemptions.services import new_redemption_code


def test_codes_use_only_the_readable_alphabet_and_have_their_length():
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{32}", ALPHABET) and len(set(ALPHABET)) == 32
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{16}", new_card_code())
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{10}", new_code())
    assert re.fullmatch(
        r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", new_redemption_code()
    )
    assert [len(code) for code in random_codes(3, 7)] == [7, 7, 7]


def test_every_letter_is_drawn_and_codes_differ():
    letters = Counter("".join(random_codes(2000, 16)))
    assert set(letters) == set(ALPHABET)
    # 32,000 letters: about 1,000 each; a letter twice as likely as another would show
    assert max(letters.values()) < 1.25 * min(letters.values())
    assert len({random_code(16) for _ in range(1000)}) == 1000
