"""The crisis resources every phone shows: the deployment's file, or a default.

The default names no number: a number that is wrong for where the group meets is worse
than none. An operator writes theirs in the file FACILITATOR_CRISIS_FILE names.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)

DEFAULT_CRISIS: dict[str, Any] = {
    "title": "If you are in danger or thinking of harming yourself",
    "text": (
        "You do not have to face this alone. If you might act on thoughts of harming "
        "yourself, or you are in danger now, contact your local emergency services at "
        "once. Tell someone you trust how you feel, or ask the facilitator for help."
    ),
    "contacts": [
        {"name": "Local emergency services", "detail": "Call your local emergency number."},
        {"name": "Someone you trust", "detail": "A friend, a family member or a neighbour."},
        {"name": "Your facilitator", "detail": "Tap 'I need support', or speak to them."},
    ],
}


def crisis_resources(path: Path | None) -> dict[str, Any]:
    """Read the deployment's crisis file at `path`, or return the default."""
    if path is None:
        return DEFAULT_CRISIS
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        log.warning("crisis file %s could not be read; using the default", path)
        return DEFAULT_CRISIS
    if not isinstance(data, dict):
        return DEFAULT_CRISIS
    contacts = data.get("contacts") or []
    return {
        "title": str(data.get("title") or DEFAULT_CRISIS["title"]),
        "text": str(data.get("text") or DEFAULT_CRISIS["text"]),
        "contacts": [
            {"name": str(c.get("name", "")), "detail": str(c.get("detail", ""))}
            for c in contacts
            if isinstance(c, dict)
        ]
        or DEFAULT_CRISIS["contacts"],
    }
