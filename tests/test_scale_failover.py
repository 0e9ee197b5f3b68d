"""One of two processes behind the shipped nginx config is killed with SIGKILL mid-poll."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.live import (
    ROOT,
    Client,
    Facilitator,
    Server,
    answer_until_acknowledged,
    free_port,
    join,
    wait_until,
)
from tests.redis_server import RedisServer, servers_on_redis
from tests.test_scale_processes import MEMBERS, _value

NGINX_HINT = "nginx is not installed: run 'sudo scripts/ensure-services.sh' (Debian: apt-get install -y nginx)"


class Proxy:
    """nginx running deploy/nginx.conf, its upstream list pointed at `servers`."""

    def __init__(
        self, directory: Path, servers: list[Server], *, access_log: Path | None = None
    ) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(binary):
            raise AssertionError(NGINX_HINT)
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.servers = servers
        # nginx's default (combined) format: each request line as the client sent it.
        self.access_log = access_log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Proxy:
        self.directory.mkdir(parents=True, exist_ok=True)
        site = self.directory / "facilitator.conf"
        site.write_text(self.render((ROOT / "deploy" / "nginx.conf").read_text()))
        main = self.directory / "nginx.conf"
        temp = self.directory / "temp"
        main.write_text(
            f"""
daemon off;
worker_processes 1;
{"user root;" if os.geteuid() == 0 else ""}
pid {self.directory / "nginx.pid"};
error_log {self.directory / "error.log"} warn;
events {{ worker_connections 512; }}
http {{
    access_log {self.access_log or "off"};
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {site};
}}
"""
        )
        temp.mkdir(exist_ok=True)
        command = [self.binary, "-p", str(self.directory), "-e", str(self.directory / "error.log")]
        self.process = subprocess.Popen([*command, "-c", str(main)])
        wait_until(self._answers, 10, f"nginx on port {self.port}")
        return self

    def render(self, shipped: str) -> str:
        """Return the shipped config with this test's ports, and a header naming the upstream."""
        lines = "\n".join(
            f"    server 127.0.0.1:{s.port} max_fails=1 fail_timeout=5s;" for s in self.servers
        )
        rendered, count = re.subn(
            r"(# servers: begin[^\n]*\n).*?(\n\s*# servers: end)",
            lambda m: m.group(1) + lines + m.group(2),
            shipped,
            flags=re.DOTALL,
        )
        assert count == 1, "deploy/nginx.conf has lost its '# servers: begin/end' markers"
        rendered = rendered.replace("listen 80;", f"listen 127.0.0.1:{self.port};", 1)
        return rendered.replace(
            "proxy_pass http://facilitator;",
            "proxy_pass http://facilitator;\n        add_header X-Upstream $upstream_addr always;",
            1,
        )

    def _answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            log = (self.directory / "error.log").read_text()
            raise AssertionError(f"nginx exited: {log}")
        try:
            return requests.get(self.url + "/healthz", timeout=1).ok
        except requests.RequestException:
            return False

    def upstream_port(self) -> int:
        """Return the port of the process nginx sends this address to."""
        response = requests.get(self.url + "/healthz", timeout=2)
        return int(response.headers["X-Upstream"].rsplit(":", 1)[1])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[tuple[Proxy, list[Server]]]:
    """nginx in front of two server processes on one redis-server of our own."""
    redis = RedisServer(tmp_path / "redis").start()
    servers: list[Server] = []
    proxy: Proxy | None = None
    try:
        servers = servers_on_redis(redis.url(), tmp_path)
        proxy = Proxy(tmp_path / "nginx", servers).start()
        yield proxy, servers
    finally:
        if proxy is not None:
            proxy.stop()
        for server in servers:
            server.stop()
        redis.stop()


@pytest.mark.slow
def test_clients_of_a_killed_process_reconnect_through_the_proxy_and_lose_nothing(
    proxied: tuple[Proxy, list[Server]], clients: list[Client]
) -> None:
    proxy, servers = proxied
    # ip_hash sends every client of 127.0.0.1 to one process: that one is killed. The
    # other process's clients connect to it directly, so the session spans both.
    doomed = next(s for s in servers if s.port == proxy.upstream_port())
    (survivor,) = [s for s in servers if s is not doomed]
    # Seen from a browser the proxy is the server: same login link path, other address.
    front = Server(doomed.data_dir, port=proxy.port)
    link = wait_until(lambda: doomed.login_link or survivor.login_link, 5, "sign-in link")
    facilitator = Facilitator(front).sign_in_with_link(front.url + "/" + link.split("/", 3)[3])
    links = facilitator.create_session("group-ipt-8", 2)
    console = Client(proxy.url, links["console_token"], "console").connect()
    phones = []
    for n in range(MEMBERS):
        via = (front, survivor)[n % 2]
        member = join(via, links["join_code"])
        phones.append(Client(via.url, member["token"], f"phone {n} via {via.port}").connect())
    everyone = [console, *phones]
    clients += everyone
    assert console.call("start_session")["ok"]
    assert console.call("open_poll", {"poll": "mood10"})["ok"]

    acked: dict[int, float] = {}
    killed_at = float("inf")
    workers = [
        threading.Thread(
            target=answer_until_acknowledged,
            args=(phones[n], n, acked),
            kwargs={"seconds": 30, "retry_codes": ("storage_unavailable",)},
        )
        for n in range(MEMBERS)
    ]
    views_before: dict[str, int] = {}
    for worker in workers:
        worker.start()
        time.sleep(0.08)
        if len(acked) >= 3 and killed_at == float("inf"):
            views_before = {c.label: len(c.events("view")) for c in everyone}
            doomed.kill()
            killed_at = time.monotonic()
    assert killed_at < float("inf"), "no answer was acknowledged before the last phone began"
    acked_before = {n for n, at in acked.items() if at < killed_at}
    for worker in workers:
        worker.join(timeout=40)
    assert len(acked) == MEMBERS
    assert len(acked_before) < MEMBERS, "the kill came after every answer"

    # The doomed process's clients came back through the proxy and were sent fresh views.
    for client in [console, *phones[0::2]]:
        wait_until(_connected(client), 20, f"{client.label} to reconnect")
        wait_until(_more_views(client, views_before[client.label]), 20, f"{client.label} to resync")
    assert proxy.upstream_port() == survivor.port

    seen = {c.label: len(c.events("view")) for c in everyone}
    assert console.call("close_poll", {"poll_id": "poll-1"})["ok"]
    for client in everyone:
        wait_until(_more_views(client, seen[client.label]), 10, f"{client.label} to see it close")
    log = facilitator.get(f"/api/sessions/{links['session_id']}/export/log.jsonl")
    events = [json.loads(line) for line in log.text.splitlines()]
    assert [e["version"] for e in events] == list(range(1, len(events) + 1))
    votes = [e["participant_id"] for e in events if e["type"] == "anonymous_vote_counted"]
    assert len(votes) == len(set(votes)) == MEMBERS
    (closed,) = [e for e in events if e["type"] == "poll_closed"]
    assert sorted(closed["ballots"]) == sorted(_value(n) for n in range(MEMBERS))


def _connected(client: Client) -> Callable[[], bool]:
    return lambda: bool(client.sio.connected)


def _more_views(client: Client, seen: int) -> Callable[[], bool]:
    return lambda: len(client.events("view")) > seen
