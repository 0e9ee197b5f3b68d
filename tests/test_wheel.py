"""A built wheel installs into a fresh virtualenv and serves the app from anywhere.

The wheel is built as an operator would (sdist, then the wheel from it), installed with
only the runtime lock, and started from a directory that is not the checkout, with no
path back into it: every page, asset, vendor file and protocol must come from the wheel.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.live import ROOT, Facilitator, Server, wait_until

pytestmark = pytest.mark.slow

#: Variables that would let the installed app import the checkout's code instead.
LEADS_BACK = {"PYTHONPATH", "VIRTUAL_ENV"}

SOCKET_IO_VERSION = json.loads((ROOT / "client/package.json").read_text())["dependencies"][
    "socket.io-client"
]


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    return done.stdout


def _outside() -> dict[str, str]:
    """This environment with no path that leads back into the checkout or its venv."""
    return {k: v for k, v in os.environ.items() if k not in LEADS_BACK}


def _checkout_state() -> str:
    return _run(["git", "status", "--porcelain", "--untracked-files=all"], ROOT)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv holding the runtime lock and the wheel built from this checkout."""
    work = tmp_path_factory.mktemp("wheel")
    before = _checkout_state()
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(work / "dist")], ROOT)
    assert _checkout_state() == before, "building wrote into the checkout"
    (wheel,) = (work / "dist").glob("facilitator-*.whl")
    venv.create(work / "venv", with_pip=True)
    python = str(work / "venv/bin/python")
    env = _outside()
    pip = [python, "-m", "pip", "install", "--quiet"]
    _run([*pip, "--require-hashes", "-r", str(ROOT / "requirements.lock")], work, env)
    _run([*pip, "--no-deps", "--no-index", str(wheel)], work, env)
    _run([python, "-m", "pip", "check"], work, env)
    return work


@pytest.fixture(scope="module")
def served(installed: Path) -> Iterator[Server]:
    """`facilitator serve` from the wheel, started in a directory that is not the checkout."""
    elsewhere = installed / "elsewhere"
    elsewhere.mkdir()
    server = Server(
        installed / "data",
        command=[str(installed / "venv/bin/facilitator"), "serve"],
        cwd=elsewhere,
    )
    server.env = {k: v for k, v in server.env.items() if k not in LEADS_BACK}
    yield server.start()
    server.stop()


def test_the_wheel_reads_nothing_from_the_checkout(installed: Path) -> None:
    where = _run(
        [
            str(installed / "venv/bin/python"),
            "-c",
            "from facilitator import locations as l\n"
            "for path in (l.CLIENT_DIR, l.PROTOCOLS_DIR, *l.VENDOR_FILES.values()): print(path)",
        ],
        installed,
        _outside(),
    )
    paths = [Path(line) for line in where.splitlines()]
    assert len(paths) == 4
    for path in paths:
        assert path.is_relative_to(installed / "venv"), where
        assert path.exists(), path


def _assets(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/assets/[^"]+)"', page)


def test_the_pages_and_their_files_come_from_the_wheel(served: Server) -> None:
    page = requests.get(served.url + "/join", timeout=5)
    assert page.status_code == 200
    for path in [*_assets(page.text), "/assets/vendor/qrcode.mjs"]:
        assert requests.get(served.url + path, timeout=5).status_code == 200, path
    # Every module and style of the checkout, byte for byte: none left behind.
    for source in sorted(
        [*(ROOT / "client/js").glob("*.js"), *(ROOT / "client/css").glob("*.css")]
    ):
        path = f"/assets/{source.parent.name}/{source.name}"
        served_file = requests.get(served.url + path, timeout=5, headers={"Accept-Encoding": ""})
        assert served_file.content == source.read_bytes(), path
    client = requests.get(served.url + "/assets/vendor/socket.io.min.js", timeout=5)
    assert client.status_code == 200
    assert client.text.startswith(f"/*!\n * Socket.IO v{SOCKET_IO_VERSION}\n")
    assert "<form" in requests.get(served.url + "/login", timeout=5).text


def test_a_one_time_link_signs_in_and_the_protocols_are_listed(served: Server) -> None:
    wait_until(lambda: served.login_link, 5, "the one-time sign-in link")
    facilitator = Facilitator(served).sign_in_with_link(served.login_link)
    listed = facilitator.get("/api/protocols").json()["protocols"]
    assert {p["id"] for p in listed} == {"group-ipt-8", "ipt-g-12"}
    detail = facilitator.get("/api/protocols/group-ipt-8").json()
    assert detail["polls"]
    links = facilitator.create_session()
    session_id = links["session_id"]
    for page in ("/", f"/console/{session_id}", f"/display/{session_id}"):
        shown = facilitator.get(page)
        assert shown.status_code == 200, page
        for path in _assets(shown.text):
            assert facilitator.get(path).status_code == 200, path
    handshake = requests.get(served.url + "/socket.io/?EIO=4&transport=polling", timeout=5)
    assert handshake.status_code == 200
    assert handshake.text.startswith("0{")
    assert facilitator.post_link_token(served.login_link.split("#token=")[1]).status_code >= 400


def test_the_wheel_carries_compiled_catalogs_and_serves_them(
    installed: Path, served: Server
) -> None:
    compiled = sorted(
        installed.glob("venv/lib/python*/site-packages/facilitator/locales/*/LC_MESSAGES/*.mo")
    )
    assert {p.parent.parent.name for p in compiled} == {"es", "fr"}
    assert {p.stem for p in compiled} >= {"shared", "display", "server"}
    found = requests.get(served.url + "/assets/i18n/display.json?languages=es", timeout=5).json()
    assert found["language"] == "es"
    assert found["messages"]["Welcome"] == "Bienvenida"
