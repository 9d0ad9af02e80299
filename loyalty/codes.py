"""Random codes people read aloud or type: member cards, referral links, redemptions.

One alphabet without look-alikes (no 0/O, 1/I) and no punctuation, so a cashier can read
a code aloud and no spreadsheet takes one for a formula. 32 letters: each character
carries 5 bits from the OS's random source.
"""

import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Byte -> letter: 256 is a multiple of 32, so every letter is equally likely.
_TABLE = bytes.maketrans(bytes(range(256)), ALPHABET.encode() * (256 // len(ALPHABET)))


def random_codes(count: int, length: int) -> list[str]:
    """``count`` codes of ``length`` characters, from one call to the OS's random source
    (which matters when an import enrols 100,000 members)."""
    text = secrets.token_bytes(length * count).translate(_TABLE).decode("ascii")
    return [text[i : i + length] for i in range(0, length * count, length)]


def random_code(length: int) -> str:
    return random_codes(1, length)[0]
