"""How long a phone on a slow link waits before it can join.

Starts the server, opens a session, and loads the join link in Debian's Chromium
throttled through the DevTools protocol to 400 kbit/s each way and 400 ms round trip,
with the cache off, then prints the time until the Join button is enabled (the join
screen is usable). Not a test: run it by hand and compare runs.

    .venv/bin/python bench/join_throttled.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from tests.browser.screens import CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.live import Facilitator, Server

KBIT = 400
RTT_MS = 400


def main() -> None:
    """Run the measurement and print one line per run and the median."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        server = Server(Path(data)).start()
        try:
            link = Facilitator(server).sign_in_with_link(server.login_link).create_session()
            times = measure(f"{server.url}/j/{link['join_code']}", args.runs)
        finally:
            server.stop()
    print(
        f"median {statistics.median(times):.2f} s to a usable join screen "
        f"at {KBIT} kbit/s, {RTT_MS} ms RTT"
    )


def measure(url: str, runs: int) -> list[float]:
    """Load `url` `runs` times on a throttled, cold browser; return seconds per run."""
    times: list[float] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for run in range(1, runs + 1):
            context = browser.new_context(
                viewport={"width": PHONE["width"], "height": PHONE["height"]},
                is_mobile=True,
                has_touch=True,
            )
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": RTT_MS,
                    "downloadThroughput": KBIT * 1000 / 8,
                    "uploadThroughput": KBIT * 1000 / 8,
                },
            )
            started = time.monotonic()
            page.goto(url, wait_until="commit")
            page.wait_for_function(
                "() => { const b = document.getElementById('join-button');"
                " return b && !b.disabled; }",
                timeout=120_000,
            )
            seconds = time.monotonic() - started
            in_page = page.evaluate("performance.now()") / 1000
            times.append(seconds)
            print(f"run {run}: {seconds:.2f} s (page clock {in_page:.2f} s)")
            context.close()
        browser.close()
    return times


if __name__ == "__main__":
    main()
