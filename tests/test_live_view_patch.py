"""Consoles are sent what changed, not the whole view: a real server, real Socket.IO
clients, and the console's own patch code (client/js/view_patch.js) run by Node."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from facilitator.service import view_patch
from tests.live import ROOT, Client, Facilitator, Server, wait_until

MEMBERS = 1000
PATCH_LIMIT = 2048  # bytes of JSON per answer or presence change, whatever the size
APPLIER = (ROOT / "client" / "js" / "view_patch.js").as_uri()
# Apply a list of view_patch messages to a view as the console does; print the result,
# or {"missed": i} at the first patch that does not fit the view held.
APPLY = f"""
import {{ patched }} from "{APPLIER}";
let input = "";
process.stdin.on("data", (chunk) => (input += chunk)).on("end", () => {{
  let {{ view, patches }} = JSON.parse(input);
  for (const [i, message] of patches.entries()) {{
    if (message.revision === view.revision) continue;
    view = patched(view, message);
    if (view === null) {{
      process.stdout.write(JSON.stringify({{ missed: i }}));
      return;
    }}
  }}
  process.stdout.write(JSON.stringify(view));
}});
"""


def apply_in_node(view: dict[str, Any], patches: list[dict[str, Any]]) -> dict[str, Any]:
    """Return what client/js/view_patch.js makes of `view` after `patches`."""
    done = subprocess.run(
        ["node", "--input-type=module", "-e", APPLY],
        input=json.dumps({"view": view, "patches": patches}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def size(message: Any) -> int:
    return len(json.dumps(message, separators=(",", ":")).encode())


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, Any]]]:
    """A running session of a thousand members with a poll open, none connected yet."""
    server = Server(
        tmp_path_factory.mktemp("big"), env={"FACILITATOR_JOIN_ATTEMPTS": "100000"}
    ).start()
    try:
        wait_until(lambda: server.login_link, 5, "the one-time sign-in link")
        facilitator = Facilitator(server).sign_in_with_link(server.login_link)
        links = facilitator.create_session("group-ipt-8", 2)
        starter = Client(server.url, links["console_token"], "starter").connect()
        assert starter.call("start_session")["ok"]
        assert starter.call("open_poll", {"poll": "mood10"})["ok"]
        starter.close()

        http = requests.Session()

        def join(n: int) -> dict[str, Any]:
            reply = http.post(
                server.url + "/api/join",
                json={"code": links["join_code"], "consent": True, "name": f"Member {n}"},
                timeout=30,
            )
            assert reply.status_code == 201, reply.text
            body: dict[str, Any] = reply.json()
            return body

        with ThreadPoolExecutor(4) as pool:
            members = list(pool.map(join, range(MEMBERS)))
        yield server, {**links, "members": members}
    finally:
        server.stop()


def patches(client: Client) -> list[dict[str, Any]]:
    return list(client.events("view_patch"))


def shows_connected(view: dict[str, Any], participant_id: str) -> bool:
    return any(m["connected"] for m in view["participants"] if m["id"] == participant_id)


def patched_view(view: dict[str, Any], client: Client, start: int = 0) -> dict[str, Any]:
    """Return `view` with the patches `client` received so far (from the `start`th),
    applied in Python (to wait on; the console's own code checks the result below)."""
    for message in patches(client)[start:]:
        if message["revision"] != view["revision"]:
            assert message["base"] == view["revision"], "a patch did not fit"
            view = view_patch.apply(view, message["patch"])
    return view


@pytest.mark.slow
def test_an_answer_or_a_phone_coming_and_going_sends_the_console_a_small_patch(
    big: tuple[Server, dict[str, Any]], clients: list[Client]
) -> None:
    server, links = big
    console = Client(server.url, links["console_token"], "console", patches=False).connect()
    display = Client(server.url, links["display_token"], "display").connect()
    clients += [console, display]
    first = wait_until(lambda: console.latest("view"), 10, "the console's view")
    # The whole view is large at this size: what a patch saves.
    assert size(first) > 100_000
    # The view sent on connect may be newer than the one the session's patches build on
    # (the last joins' broadcast still on its way): then the first patch does not fit, and
    # the console asks `sync`, as a console does. Not what this test measures: it starts
    # from a whole view that the patches fit, after a change of its own.
    assert console.call("push_prompt", {"text": "Settling"})["ok"]
    assert console.call("clear_prompt")["ok"]
    first = console.call("sync")["view"]
    wait_until(
        lambda: any(m["revision"] == first["revision"] for m in patches(console)),
        10,
        "the patches to reach the view held",
    )
    earlier = len(patches(console))
    assert len(first["participants"]) == MEMBERS

    member = links["members"][7]
    phone = Client(server.url, member["token"], "phone").connect()
    clients.append(phone)
    wait_until(lambda: len(patches(console)) > earlier, 10, "a patch for the phone connecting")
    # Who is connected comes with the presence heartbeat: wait for the roster to say so.
    wait_until(
        lambda: shows_connected(patched_view(first, console, earlier), member["participant_id"]),
        30,
        "the console to show the phone connected",
    )
    connected = len(patches(console))

    ack = phone.call("submit_answer", {"action_id": "a-1", "poll_id": "poll-1", "value": 6})
    assert ack["ok"], ack
    wait_until(lambda: len(patches(console)) > connected, 10, "a patch for the answer")
    answered = len(patches(console))

    phone.close()
    wait_until(
        lambda: (
            not shows_connected(patched_view(first, console, earlier), member["participant_id"])
        ),
        30,
        "the console to show the phone gone",
    )

    sent = patches(console)
    assert sent[connected:answered], "the answer sent no patch"
    assert all(size(m) <= PATCH_LIMIT for m in sent[earlier:]), [size(m) for m in sent]
    sent = sent[earlier:]
    # The answer's patch says who answered and the count, and not what they answered.
    answer = json.dumps(patches(console)[connected:answered])
    assert '"answered":true' in answer.replace(" ", "")
    assert '"value"' not in answer and "6," not in answer.replace(" ", "")

    # Applied in order by the console's own code, the patches make the view the server
    # gives on `sync`, exactly.
    held = apply_in_node(first, sent)
    ack = console.call("sync", {})
    assert ack["ok"] and held == ack["view"]
    # Only consoles get patches: never the display, never a phone.
    assert display.events("view_patch") == [] and phone.events("view_patch") == []


@pytest.mark.slow
def test_a_console_that_missed_a_patch_asks_sync_and_patches_fit_again(
    big: tuple[Server, dict[str, Any]], clients: list[Client]
) -> None:
    server, links = big
    console = Client(server.url, links["console_token"], "console", patches=False).connect()
    clients.append(console)
    first = wait_until(lambda: console.latest("view"), 10, "the console's view")
    assert console.call("push_prompt", {"text": "One thing you noticed"})["ok"]
    assert console.call("clear_prompt")["ok"]
    wait_until(lambda: len(patches(console)) >= 2, 10, "two patches")
    missed, second = patches(console)[:2]
    assert second["base"] == missed["revision"] and missed["base"] == first["revision"]

    # The second patch alone does not fit the view held: the console's code refuses it.
    assert apply_in_node(first, [second]) == {"missed": 0}
    # A whole view from `sync`, and the next patch applies to it.
    ack = console.call("sync", {})
    assert ack["ok"] and ack["view"]["revision"] == second["revision"]
    assert console.call("push_prompt", {"text": "And another"})["ok"]
    wait_until(lambda: len(patches(console)) >= 3, 10, "a third patch")
    third = patches(console)[2]
    assert third["base"] == ack["view"]["revision"]
    assert apply_in_node(ack["view"], [third])["prompt"]["text"] == "And another"
