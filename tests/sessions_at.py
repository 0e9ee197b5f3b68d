"""Sessions opened and ended at chosen times, written through the real service."""

from __future__ import annotations

from facilitator.core import commands as c
from facilitator.library.catalog import Catalog
from facilitator.service.sessions import SessionService
from facilitator.service.tokens import Actor, Role
from facilitator.storage.base import Store

CATALOG = Catalog.load()
DAY = 86400.0
NOTE = "she spoke of her brother tonight"


def session_at(store: Store, owner: str, opened: float, ended: float | None = None) -> str:
    """Open a session at `opened` with a note in it, end it at `ended`; return its id."""
    now = [opened]
    service = SessionService(store, CATALOG, lambda *sent: None, clock=lambda: now[0])
    state = service.create(owner, "group-ipt-8", 2)
    console = Actor(Role.FACILITATOR, state.id, user=owner)
    service.run(console, lambda st, at: c.Start(at))
    service.run(console, lambda st, at: c.AddNote(at, NOTE))
    if ended is not None:
        now[0] = ended
        service.run(console, lambda st, at: c.End(at))
    return state.id
