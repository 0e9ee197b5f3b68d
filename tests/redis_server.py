"""Real Redis for tests: the one FACILITATOR_TEST_REDIS_URL names, or our own processes.

Tests never skip for lack of Redis: when none answers, a `redis-server` of our own is
started on a free port; when the binary is missing too, the test fails and says how to
install it.
"""

from __future__ import annotations

import atexit
import functools
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from tests.live import Server, free_port, wait_until

DEFAULT_TEST_URL = "redis://127.0.0.1:6379/15"
INSTALL_HINT = (
    "redis-server is not installed and no Redis answers at {url}. Install it with "
    "'sudo scripts/ensure-services.sh' (Debian: 'sudo apt-get install -y redis-server'), "
    "or point FACILITATOR_TEST_REDIS_URL at a Redis the tests may use."
)


def redis_binary(url: str = "") -> str:
    """Return the path of redis-server; fail with how to install it when missing."""
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
    )
    if found is None:
        raise AssertionError(INSTALL_HINT.format(url=url or DEFAULT_TEST_URL))
    return found


class RedisServer:
    """A redis-server process of our own, on a free port, with its own directory.

    By default it keeps an append-only file fsynced on every write, so that a kill or a
    restart loses nothing it acknowledged.
    """

    def __init__(
        self,
        directory: Path,
        *,
        appendonly: bool = True,
        fsync: str = "always",
        rdb_preamble: bool = True,
    ) -> None:
        self.directory = directory
        self.port = free_port()
        self.appendonly = appendonly
        self.fsync = fsync
        # Without the RDB preamble a rewritten AOF is plain commands, which a test can read
        # byte for byte (an RDB base may compress what it holds).
        self.rdb_preamble = rdb_preamble
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        """Start (or start again, on the same port and files) and wait until it answers."""
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [
            redis_binary(self.url()),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.directory),
            "--save", "",
            "--appendonly", "yes" if self.appendonly else "no",
            "--appendfsync", self.fsync,
            "--aof-use-rdb-preamble", "yes" if self.rdb_preamble else "no",
            "--protected-mode", "yes",
            "--logfile", str(self.directory / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_until(self._answers, 10, f"redis-server on port {self.port}")
        return self

    def _answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            log = self.directory / "redis.log"
            raise AssertionError(f"redis-server exited: {log.read_text() if log.exists() else ''}")
        return answers(self.url())

    def kill(self) -> None:
        """Stop at once with SIGKILL: only what reached the append-only file survives."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def answers(url: str) -> bool:
    """Return whether a Redis answers PING at `url`."""
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@functools.cache
def shared_redis_url() -> str:
    """Return the URL of the Redis that store tests share, starting one when none answers."""
    url = os.environ.get("FACILITATOR_TEST_REDIS_URL", DEFAULT_TEST_URL)
    if answers(url):
        return url
    redis_binary(url)
    own = RedisServer(Path(tempfile.mkdtemp(prefix="facilitator-redis-")), appendonly=False)
    own.start()
    atexit.register(_stop_and_remove, own)
    return own.url(15)


def _stop_and_remove(server: RedisServer) -> None:
    server.stop()
    shutil.rmtree(server.directory, ignore_errors=True)


def delete_prefix(url: str, prefix: str) -> None:
    """Delete every key under `prefix`, and nothing else."""
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=500))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
    finally:
        client.close()


def wait_for_port_free(port: int, timeout: float = 10) -> None:
    """Wait until nothing answers on `port` any more."""
    deadline = time.monotonic() + timeout
    while answers(f"redis://127.0.0.1:{port}/0") and time.monotonic() < deadline:
        time.sleep(0.05)


def servers_on_redis(redis_url: str, directory: Path, count: int = 2) -> list[Server]:
    """Start `count` server processes sharing one Redis and one secret key, not one disk."""
    shared = {
        "FACILITATOR_REDIS_URL": redis_url,
        "FACILITATOR_SECRET_KEY": secrets.token_urlsafe(32),
        "FACILITATOR_LOG_LEVEL": "WARNING",
    }
    started: list[Server] = []
    try:
        for n in range(count):
            started.append(Server(directory / f"process-{n}", env=shared).start())
    except BaseException:
        for server in started:
            server.stop()
        raise
    return started
