"""One-time linking codes: what they look like, and how a typed one is read.

A code is 12 characters of Crockford's base 32 (no I, L, O or U; those typed are read as
1, 1, 0 and refused): the network's 3-character mark, 8 random characters and a check
character, shown as `7KQ4-F9QM-2XDC`. The mark tells another network's code from this
one's; the check character tells a typo from a wrong code before the database is asked.
Only a hash of a code is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from storage.repositories.linking import MARK_ALPHABET, MARK_LENGTH

SECRET_LENGTH = 8
CODE_LENGTH = MARK_LENGTH + SECRET_LENGTH + 1
VALID_FOR = timedelta(minutes=10)
CODES_PER_HOUR = 5
"""How many codes one account may ask for in an hour."""
WRONG_CODES = 5
WRONG_CODES_WINDOW = timedelta(minutes=15)
"""How many wrong codes one account may try in that window before it must wait."""
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _check(body: str) -> str:
    return MARK_ALPHABET[hashlib.sha256(body.encode()).digest()[0] % len(MARK_ALPHABET)]


def make_code(mark: str) -> str:
    """A fresh code of this network, normalised (no dashes)."""
    body = mark + "".join(secrets.choice(MARK_ALPHABET) for _ in range(SECRET_LENGTH))
    return body + _check(body)


def normalise(typed: str) -> str | None:
    """The code as stored, from what someone typed (any case, dashes or spaces, O for 0);
    None if it cannot be a code at all, or its check character shows a typo."""
    text = "".join(typed.upper().replace("-", " ").split()).translate(_READ_AS)
    if len(text) != CODE_LENGTH or any(ch not in MARK_ALPHABET for ch in text):
        return None
    return text if _check(text[:-1]) == text[-1] else None


def mark_of(code: str) -> str:
    return code[:MARK_LENGTH]


def shown(code: str) -> str:
    """How a code is written to a member: three groups of four."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
