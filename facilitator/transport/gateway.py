"""The service's way out to connected clients, over Flask-SocketIO."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_socketio import SocketIO

from facilitator.catalogs import Catalogs
from facilitator.errors import DOMAIN

NAMESPACE = "/"


def language_room(room: str, language: str) -> str:
    """Return the room of `room`'s connections that read `language`.

    Named with more parts than any session room, so that the resync (which reads this
    process's rooms, service/resync.py `audiences`) passes over it.
    """
    return f"{room}:in:{language}"


class SocketGateway:
    """Send to rooms, close rooms' connections, and run things later, for the service."""

    def __init__(self, socketio: SocketIO, catalogs: Catalogs | None = None) -> None:
        self._socketio = socketio
        self._catalogs = catalogs or Catalogs()

    def notify(self, event: str, message: str, room: str) -> None:
        # One send per language, each to the connections of `room` that read it, on
        # every process: a notice reads in the language its connection chose.
        for language in self._catalogs.languages:
            text = self._catalogs.gettext(language, DOMAIN, message)
            self._socketio.emit(event, {"message": text}, to=language_room(room, language))

    def send(self, event: str, data: dict[str, Any], room: str) -> None:
        self._socketio.emit(event, data, to=room)

    def send_here(self, event: str, data: dict[str, Any], room: str) -> None:
        # This process's clients only: no trip through the message queue.
        self._socketio.server.emit(event, data, to=room, ignore_queue=True)

    def close_here(self, room: str, delay: float) -> None:
        server = self._socketio.server
        # Read now: by the time they are closed, the room may hold new connections.
        sids = [sid for sid, _ in server.manager.get_participants(NAMESPACE, room)]
        if sids:
            self._socketio.start_background_task(self._close_later, sids, delay)

    def _close_later(self, sids: list[str], delay: float) -> None:
        self._socketio.sleep(delay)
        for sid in sids:
            self._socketio.server.disconnect(sid)

    def defer(self, delay: float, call: Callable[[], None]) -> None:
        def later() -> None:
            self._socketio.sleep(delay)
            call()

        self._socketio.start_background_task(later)
