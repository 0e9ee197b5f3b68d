"""The parts of a console's view already rendered, kept per session state by what they
depend on, so that rendering the view after one change re-renders only what changed.

A long session's console lists every poll it ran, every signal and every note: at
5,000 events re-rendering them all (re-tallying every closed poll) took most of a
facilitator command's time. Each part is kept with a key made of everything it is
rendered from; a part whose key is unchanged is returned as rendered before, the very
same object, which also lets the patch of a view (view_patch.py) skip it at once.

The parts are kept for as long as the state object they were rendered from lives: a
state folded afresh (another process wrote, the cache was dropped) starts empty. Parts
are shared between views: no caller may change a view after rendering it.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from facilitator.core.state import SessionState

T = TypeVar("T")

# Re-entrant: the finalizer that drops a state's parts runs when the state is collected,
# which may happen inside this lock, on the same thread.
_lock = threading.RLock()
_parts: dict[int, dict[Hashable, tuple[Hashable, Any]]] = {}


def cached(state: SessionState, name: Hashable, key: Hashable, render: Callable[[], T]) -> T:
    """Return the part `name` of `state`'s views rendered under `key`, rendering it anew
    only when its key changed since it was last rendered."""
    parts = table(state)
    found = parts.get(name)
    if found is not None and found[0] == key:
        value: T = found[1]
        return value
    value = render()
    parts[name] = (key, value)
    return value


def table(state: SessionState) -> dict[Hashable, tuple[Hashable, Any]]:
    """Return the parts kept for `state`, name -> (key, part), to look many up at once
    (a long session's polls): reading and writing single entries needs no lock."""
    holder = id(state)
    with _lock:
        parts = _parts.get(holder)
        if parts is None:
            parts = _parts[holder] = {}
            weakref.finalize(state, _drop, holder)
        return parts


def forget(state: SessionState) -> None:
    """Drop every part rendered from `state`."""
    _drop(id(state))


def kept() -> int:
    """Return how many states have parts kept (for tests: none outlive their state)."""
    with _lock:
        return len(_parts)


def _drop(holder: int) -> None:
    with _lock:
        _parts.pop(holder, None)
