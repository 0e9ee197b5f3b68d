"""The phone page's service worker keeps every file the page loads, and only those.

A file the worker does not keep still loads offline while the browser's own cache holds
it (five minutes for the modules), so a browser test would miss it: this reads the page,
its modules and the worker's list instead.
"""

from __future__ import annotations

import re

from tests.live import ROOT

CLIENT = ROOT / "client"
IMPORT = re.compile(r"""^import\s[^;]*?from\s+"\./([\w-]+\.js)";""", re.MULTILINE)


def kept_by_the_worker() -> set[str]:
    source = (CLIENT / "js" / "join-worker.js").read_text()
    listed = re.search(r"const KEPT = \[(.*?)\];", source, re.DOTALL)
    assert listed is not None
    return set(re.findall(r'"([^"]+)"', listed.group(1)))


def modules_of(name: str, seen: set[str] | None = None) -> set[str]:
    """Return `name` and every module it imports, however deep."""
    seen = set() if seen is None else seen
    if name not in seen:
        seen.add(name)
        for imported in IMPORT.findall((CLIENT / "js" / name).read_text()):
            modules_of(imported, seen)
    return seen


def loaded_by_the_page() -> set[str]:
    page = (CLIENT / "participant.html").read_text()
    linked = set(re.findall(r'<link rel="stylesheet" href="([^"]+)">', page))
    scripts = re.findall(r'<script type="module" src="/assets/js/([^"]+)">', page)
    modules = {f"/assets/js/{m}" for script in scripts for m in modules_of(script)}
    # Loaded by live.js and participant.js at start: the Socket.IO client, the texts, and
    # the page's catalog (i18n.js reads /assets/i18n/<screen>.json).
    live = (CLIENT / "js" / "live.js").read_text()
    vendor = set(re.findall(r'"(/assets/vendor/[^"]+)"', live))
    module = (CLIENT / "js" / "participant.js").read_text()
    # The path alone: a query (the crisis text's language) is no other file to keep.
    fetched = set(re.findall(r'api\("(/api/[a-z]+)"(?:\)| \+)', module))
    catalogs = {f"/assets/i18n/{screen}.json" for screen in re.findall(r'load\w*\("(\w+)"', module)}
    return {"/join"} | linked | modules | vendor | fetched | catalogs


def test_the_worker_keeps_every_file_the_phone_page_loads() -> None:
    loaded = loaded_by_the_page()
    assert {
        "/assets/js/live.js",
        "/assets/vendor/socket.io.min.js",
        "/api/crisis",
        "/assets/i18n/participant.json",
    } <= loaded
    assert kept_by_the_worker() == loaded
