"""What a decider is: a pure function from state and command to events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from facilitator.core.events import Event
from facilitator.core.state import SessionState

Decider = Callable[[SessionState, Any], list[Event]]
