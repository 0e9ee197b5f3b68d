"""The list of a facilitator's sessions (GET /api/sessions): where each stands and who
came, as the home page shows it, from a live server."""

from __future__ import annotations

from typing import Any

from tests.live import Client, Facilitator, Server, join


def _listed(facilitator: Facilitator, session_id: str) -> dict[str, Any]:
    response = facilitator.get("/api/sessions")
    assert response.status_code == 200, response.text
    entry: dict[str, Any] = next(s for s in response.json()["sessions"] if s["id"] == session_id)
    return entry


def test_the_list_says_each_session_s_status_times_and_members(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    links = facilitator.create_session("group-ipt-8", 2)
    session_id = links["session_id"]
    console = Client(server.url, links["console_token"], "console").connect()
    clients.append(console)
    entry = _listed(facilitator, session_id)
    assert (entry["status"], entry["started_at"], entry["ended_at"]) == ("lobby", None, None)
    assert (entry["members"], entry["members_present"]) == (0, 0)

    for name in ("Ada", "Bo", "Cy"):
        join(server, links["join_code"], name)
    assert console.call("start_session")["ok"]
    (cy,) = [
        p
        for p in console.wait_for(lambda v: len(v["participants"]) == 3)["participants"]
        if p["name"] == "Cy"
    ]
    assert console.call("remove_participant", {"participant_id": cy["id"]})["ok"]
    entry = _listed(facilitator, session_id)
    assert entry["status"] == "running"
    assert entry["started_at"] >= entry["created_at"] and entry["ended_at"] is None
    assert (entry["members"], entry["members_present"]) == (3, 2)

    assert console.call("end_session")["ok"]
    entry = _listed(facilitator, session_id)
    assert entry["status"] == "ended"
    assert entry["ended_at"] >= entry["started_at"]
    assert set(entry) == {
        "id",
        "title",
        "created_at",
        "join_code",
        "owner",
        "role",
        "may_export",
        "status",
        "started_at",
        "ended_at",
        "members",
        "members_present",
        "language",
        "languages",
    }
    assert (entry["language"], entry["languages"]) == ("en", ["en", "es", "fr"])
