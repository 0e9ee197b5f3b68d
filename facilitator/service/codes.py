"""Join codes and pseudonyms, drawn at random at the edge (the core draws nothing)."""

from __future__ import annotations

import secrets

# No look-alikes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B; upper case only, read aloud easily.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6  # 25**6, about 244 million codes

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


def normalize_code(typed: str) -> str:
    """Return a typed code in canonical form: upper case, no spaces or dashes."""
    return "".join(ch for ch in typed.upper() if ch not in " -\t")


def new_pseudonym(taken: set[str]) -> str:
    """Return a friendly pseudonym not in `taken` (compared without case)."""
    lowered = {name.casefold() for name in taken}
    for _ in range(50):
        name = f"{secrets.choice(ADJECTIVES)} {secrets.choice(NOUNS)}"
        if name.casefold() not in lowered:
            return name
    while True:  # a large group used up the easy ones: add a number
        name = f"{secrets.choice(ADJECTIVES)} {secrets.choice(NOUNS)} {secrets.randbelow(1000)}"
        if name.casefold() not in lowered:
            return name
