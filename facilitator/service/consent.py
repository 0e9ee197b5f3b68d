"""The consent text a phone shows before joining: the deployment's file, or a default.

A member joins only after agreeing to it (service/api.py refuses `consent_required`
otherwise); their join or enrolment records when, and which text: its version, a
digest of what was shown, so that a changed file is told apart from the one agreed to.
An operator writes theirs in the file FACILITATOR_CONSENT_FILE names (YAML: title,
text, points), e.g. in the group's language or with their organisation's name.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from facilitator.core.messages import N_

log = logging.getLogger(__name__)

# Marked for the `server` catalog: a phone is shown the default in its own language.
DEFAULT_CONSENT: dict[str, Any] = {
    "title": N_("Before you join"),
    "text": N_(
        "This group uses this app to follow the session together. Please read what it "
        "keeps and who sees it, then agree to join."
    ),
    "points": [
        N_(
            "What is kept: the name you type (or a made-up one), your named answers, the "
            "step you choose each week and the facilitator's notes about the group."
        ),
        N_(
            "Who sees it: only the group's facilitators, and a supervisor who helps them. "
            "Other members and the room's screen never see your name beside an answer."
        ),
        N_(
            "Anonymous check-ins are anonymous: your answer is kept apart from your name, "
            "and nobody, the facilitator included, can tell which answer was yours."
        ),
        N_(
            "What is said in the group stays in the group, with one exception: if you may "
            "be at risk of harming yourself or someone else, the facilitator will act to "
            "keep you safe, and may need to tell someone who can help."
        ),
        N_("You may leave at any time, and ask for what is kept about you to be erased."),
    ],
}


def consent_text(path: Path | None, say: Callable[[str], str] = str) -> dict[str, Any]:
    """Return the consent text from the deployment's file at `path`, or the default in
    the reader's language (`say` translates it), with the version of the text shown."""
    found = _read(path) if path is not None else None
    if found is None:
        found = {
            "title": say(DEFAULT_CONSENT["title"]),
            "text": say(DEFAULT_CONSENT["text"]),
            "points": [say(point) for point in DEFAULT_CONSENT["points"]],
        }
    return {**found, "version": consent_version(found)}


def consent_version(text: dict[str, Any]) -> str:
    """Return a short digest of a consent text: the same text, the same version."""
    shown = json.dumps(
        {k: text[k] for k in ("title", "text", "points")}, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(shown.encode()).hexdigest()[:16]


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        log.warning("consent file %s could not be read; using the default", path)
        return None
    if not isinstance(data, dict):
        return None
    points = data.get("points") or []
    return {
        "title": str(data.get("title") or DEFAULT_CONSENT["title"]),
        "text": str(data.get("text") or DEFAULT_CONSENT["text"]),
        "points": [str(p) for p in points if isinstance(p, (str, int, float))]
        or DEFAULT_CONSENT["points"],
    }
