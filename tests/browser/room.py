"""A session of the room-check protocol driven over live sockets, as the console and the
phones drive it, for the tests of the room display."""

from __future__ import annotations

from typing import Any

from tests.live import Client, Facilitator, Server, join

NAMES = ("Ada", "Bo", "Cy", "Di", "Ed", "Flo")


class Room:
    """A session driven the way the console and the phones drive it, over live sockets."""

    def __init__(
        self, server: Server, facilitator: Facilitator, members: int, language: str | None = None
    ) -> None:
        self.links = facilitator.create_session("room-check", 1, language)
        self.console = Client(server.url, self.links["console_token"], "console").connect()
        self.members = [join(server, self.links["join_code"], name) for name in NAMES[:members]]
        self.phones = [Client(server.url, m["token"], m["name"]).connect() for m in self.members]

    @property
    def display_path(self) -> str:
        return f"/display/{self.links['session_id']}#token={self.links['display_token']}"

    def command(self, event: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        ack = self.console.call(event, payload or {})
        assert ack["ok"], (event, ack)
        return ack

    def open_poll(self, poll: str) -> str:
        self.command("open_poll", {"poll": poll})
        view = self.console.wait_for(lambda v: any(p["phase"] == "open" for p in v["polls"]))
        return str(next(p["poll_id"] for p in view["polls"] if p["phase"] == "open"))

    def answer(self, poll_id: str, values: list[Any], *, first: int = 0, round_: str = "") -> None:
        """Answer from the phones from the `first` on, one value each (`round_` tells apart
        the taps of a reopened poll)."""
        for n, value in enumerate(values, start=first):
            self.answer_one(n, poll_id, value, round_)

    def answer_one(self, phone: int, poll_id: str, value: Any, round_: str = "") -> None:
        payload = {"action_id": f"{poll_id}-{phone}{round_}", "poll_id": poll_id, "value": value}
        ack = self.phones[phone].call("submit_answer", payload)
        assert ack["ok"], ack

    def poll_to_room(self, poll: str, values: list[Any]) -> str:
        """Open a poll, answer it from the phones, close it and show its results."""
        poll_id = self.open_poll(poll)
        self.answer(poll_id, values)
        self.command("close_poll", {"poll_id": poll_id})
        self.command("reveal_poll", {"poll_id": poll_id})
        return poll_id

    def role_play_debrief(self) -> None:
        cast = {"member": self.members[0]["participant_id"], "partner": None}
        self.command("push_role_play", {"role_play": "ask_for_time", "assignments": cast})
        view = self.console.wait_for(lambda v: v["role_plays"])
        self.command("start_debrief", {"role_play_id": view["role_plays"][-1]["id"]})

    def close(self) -> None:
        for client in (self.console, *self.phones):
            client.close()
