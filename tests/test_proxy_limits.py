"""Behind the shipped nginx config, one client's attempts never lock out another's.

Two real client addresses on one machine: nginx listens on 127.0.0.1, one client
connects from 127.0.0.1 and the other from 127.0.0.2 (all of 127.0.0.0/8 is loopback
on Linux), so nginx sees two addresses exactly as it would see two phones.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter

from facilitator.app import create_app
from facilitator.config import Settings
from facilitator.service import accounts
from facilitator.storage.sqlite import SQLiteStore
from tests.live import Server
from tests.test_scale_failover import Proxy

NAME, PASSWORD = "amina", "correct horse battery"


class FromAddress(HTTPAdapter):
    """Open every connection from one local address."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def browser(address: str) -> requests.Session:
    """A client whose connections come from `address`."""
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


def sign_in(client: requests.Session, url: str, password: str) -> requests.Response:
    form = client.get(url + "/login", timeout=5)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf, form.text
    return client.post(
        url + "/login",
        data={"csrf_token": csrf.group(1), "name": NAME, "password": password},
        allow_redirects=False,
        timeout=10,
    )


def open_session(client: requests.Session, url: str) -> str:
    """Sign in as the facilitator through `url` and open a session; return its code."""
    assert sign_in(client, url, PASSWORD).status_code == 302
    csrf = client.get(url + "/api/me", timeout=5).json()["csrf_token"]
    created = client.post(
        url + "/api/sessions",
        json={"protocol_id": "group-ipt-8", "session_number": 1},
        headers={"X-CSRF-Token": csrf},
        timeout=5,
    )
    assert created.status_code == 201, created.text
    code: str = created.json()["join_code"]
    return code


def join(client: requests.Session, url: str, code: str, **headers: str) -> requests.Response:
    return client.post(
        url + "/api/join", json={"consent": True, "code": code}, headers=headers, timeout=5
    )


@pytest.fixture
def behind_nginx(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Proxy]:
    """One server behind nginx with the shipped config; the test's env on the server."""
    data = tmp_path / "data"
    data.mkdir()
    store = SQLiteStore(data / "facilitator.db")
    accounts.add_user(store, NAME, PASSWORD)
    store.close()
    server = Server(data, env={"FACILITATOR_TRUSTED_PROXIES": "1", **request.param}).start()
    proxy: Proxy | None = None
    try:
        proxy = Proxy(tmp_path / "nginx", [server]).start()
        yield proxy
    finally:
        if proxy is not None:
            proxy.stop()
        server.stop()


@pytest.mark.slow
@pytest.mark.parametrize("behind_nginx", [{"FACILITATOR_JOIN_ATTEMPTS": "5"}], indirect=True)
def test_one_client_over_the_join_limit_does_not_lock_out_another_address(
    behind_nginx: Proxy,
) -> None:
    url = behind_nginx.url
    facilitator, guesser = browser("127.0.0.1"), browser("127.0.0.2")
    code = open_session(facilitator, url)
    # Headers the guesser sets to pass for other addresses are replaced by nginx.
    tries = [
        join(
            guesser, url, f"WRONG{n}", **{"X-Forwarded-For": f"10.9.{n}.1", "X-Real-IP": "1.2.3.4"}
        )
        for n in range(6)
    ]
    assert [t.status_code for t in tries] == [404] * 5 + [429]
    assert tries[-1].json()["error"]["code"] == "rate_limited"
    assert join(guesser, url, code).status_code == 429

    # A phone at another address is neither refused nor counted with the guesser.
    phone = browser("127.0.0.1")
    assert join(phone, url, "WRONG").json()["error"]["code"] == "unknown_code"
    joined = join(phone, url, code)
    assert joined.status_code == 201, joined.text


@pytest.mark.slow
@pytest.mark.parametrize("behind_nginx", [{"FACILITATOR_JOIN_ATTEMPTS": "1000"}], indirect=True)
def test_nginx_refuses_a_flood_of_joins_and_sign_ins_from_one_address_only(
    behind_nginx: Proxy,
) -> None:
    url = behind_nginx.url
    facilitator, flooder = browser("127.0.0.1"), browser("127.0.0.2")
    code = open_session(facilitator, url)

    joins = [join(flooder, url, f"WRONG{n}") for n in range(60)]
    refused = [j for j in joins if j.status_code == 429]
    assert refused, [j.status_code for j in joins]
    # nginx's refusal has the app's one error shape, so the phone page can show it.
    assert refused[0].json() == {
        "ok": False,
        "error": {
            "code": "rate_limited",
            "message": "Too many attempts. Wait a minute and try again.",
        },
    }
    assert join(browser("127.0.0.1"), url, code).status_code == 201

    sign_ins = [sign_in(flooder, url, "not the password").status_code for _ in range(15)]
    assert 429 in sign_ins and set(sign_ins) == {401, 429}, sign_ins
    # The facilitator's own browser signed in before: the flood does not lock it out.
    assert sign_in(facilitator, url, PASSWORD).status_code == 302


def _app_client(tmp_path: Path, hops: int) -> Any:
    settings = Settings(
        data_dir=tmp_path, async_mode="threading", trusted_proxies=hops, join_attempts=1
    )
    return create_app(settings).test_client()


def _join_status(client: Any, forwarded_for: str) -> int:
    reply = client.post(
        "/api/join",
        json={"consent": True, "code": "WRONG"},
        headers={"X-Forwarded-For": forwarded_for},
    )
    status: int = reply.status_code
    return status


def test_without_trusted_proxies_a_forwarded_address_is_ignored(tmp_path: Path) -> None:
    client = _app_client(tmp_path, 0)
    assert [_join_status(client, f"10.0.0.{n}") for n in range(3)] == [404, 429, 429]


def test_with_one_trusted_proxy_its_last_forwarded_address_counts(tmp_path: Path) -> None:
    client = _app_client(tmp_path, 1)
    assert [_join_status(client, f"10.0.0.{n}") for n in range(3)] == [404, 404, 404]
    # Addresses a client put in front of the proxy's own entry change nothing.
    spoofed = [_join_status(client, f"192.0.2.{n}, 10.0.0.9") for n in range(2)]
    assert spoofed == [404, 429]
    # Nor does a forwarded host: the join address is built from Host.
    url = client.get(
        "/api/join-url/ABCDE-FGHJK",
        headers={"Host": "room.example", "X-Forwarded-Host": "evil.example"},
    ).get_json()["url"]
    assert url == "http://room.example/j/ABCDE-FGHJK"
