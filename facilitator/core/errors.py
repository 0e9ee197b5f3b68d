"""The one error the engine raises."""

from __future__ import annotations

from typing import Any

from facilitator.core.messages import Said


class DomainError(Said, Exception):
    """A command that the session's rules do not allow; nothing was changed.

    `message` is an English template with {placeholders}, filled from `params`
    (core/messages.py): the edge says it again in the reader's language.
    """

    def __init__(self, message: str, code: str = "rejected", **params: Any) -> None:
        super().__init__(self._say(message, params))
        self.code = code
