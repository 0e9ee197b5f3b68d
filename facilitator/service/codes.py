"""Join codes and pseudonyms, drawn at random at the edge (the core draws nothing)."""

from __future__ import annotations

import secrets
from collections.abc import Collection

# No look-alikes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B; upper case only, read aloud easily.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
# 25**10, about 9.5e13 codes: at 20 attempts a minute, with 100 sessions live, one
# address has a 3 in 100 million chance of a live code in a whole day, and a 1% chance
# takes about 330,000 addresses (the arithmetic is in docs/deploy.md).
CODE_LENGTH = 10
# Shown in two groups of five ("HXK4M-7RTCP"): short enough to read aloud and type.
CODE_GROUP = 5

ADJECTIVES = (
    "Calm",
    "Bright",
    "Gentle",
    "Quiet",
    "Steady",
    "Warm",
    "Kind",
    "Brave",
    "Clear",
    "Patient",
    "Hopeful",
    "Sunny",
    "Swift",
    "Wise",
    "Bold",
    "Soft",
    "Merry",
    "Green",
)
NOUNS = (
    "Heron",
    "Maple",
    "River",
    "Falcon",
    "Willow",
    "Otter",
    "Cedar",
    "Sparrow",
    "Harbor",
    "Meadow",
    "Robin",
    "Pebble",
    "Fern",
    "Lantern",
    "Comet",
    "Juniper",
    "Badger",
    "Orchid",
)


def new_join_code() -> str:
    """Return a random join code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# A re-link code is read off the console by a member standing beside it: short, one use,
# valid for RELINK_MINUTES, and counted against the same attempt limits as join codes.
RELINK_LENGTH = 6
RELINK_MINUTES = 15


def new_relink_code() -> str:
    """Return a random re-link code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(RELINK_LENGTH))


def grouped_code(code: str) -> str:
    """Return a join code as people see it: groups of five joined by a dash."""
    if len(code) <= CODE_GROUP + 1:  # a short code from before codes were grouped
        return code
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def normalize_code(typed: str) -> str:
    """Return a typed code in canonical form: upper case, no spaces, dashes or dots."""
    # Phones turn a typed dash into an en dash or add a non-breaking space; all are fine.
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def new_pseudonym(taken: Collection[str]) -> str:
    """Return a friendly pseudonym not in `taken`, the names in use, case folded (as
    SessionState.names_present keeps them: not folded again on each join of a crowd)."""
    lowered = taken
    for _ in range(50):
        name = f"{secrets.choice(ADJECTIVES)} {secrets.choice(NOUNS)}"
        if name.casefold() not in lowered:
            return name
    while True:  # a large group used up the easy ones: add a number
        name = f"{secrets.choice(ADJECTIVES)} {secrets.choice(NOUNS)} {secrets.randbelow(1000)}"
        if name.casefold() not in lowered:
            return name
