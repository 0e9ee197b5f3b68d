"""Browser screens for the tests: pages that record every request and every error."""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    Request,
    Response,
)

from tests.live import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NODE_MODULES = ROOT / "client" / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
NEEDED_FILES = (
    NODE_MODULES / "socket.io-client" / "dist" / "socket.io.min.js",
    NODE_MODULES / "qrcode-generator" / "dist" / "qrcode.mjs",
    AXE,
)
SCREENSHOTS = ROOT / "docs" / "screenshots"
PHONE = {"width": 360, "height": 740}
# A common laptop screen: the console fits it without scrolling the page.
LAPTOP = {"width": 1366, "height": 768}
PROJECTOR = {"width": 1280, "height": 720}
SETUP_HINT = "run scripts/setup-browser.sh to install them"


def missing_prerequisites() -> list[str]:
    """Return what the browser tests need but this machine lacks."""
    return [str(path) for path in (CHROMIUM, *NEEDED_FILES) if not path.exists()]


@dataclass
class Screen:
    """One browser page in its own context (own storage), with what it did recorded."""

    context: BrowserContext
    page: Page
    origin: str
    requests: list[str] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # The context's, not the page's: a service worker's requests count too.
        self.context.on("request", self._request)
        self.context.on("response", self._response)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on("console", self._console)
        self.page.on("dialog", self._dialog)

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _response(self, response: Response) -> None:
        self.responses.append(response)

    def _dialog(self, dialog: Dialog) -> None:
        # confirm() is how the screens ask "are you sure?"; the tests always say yes.
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.accept()

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text}")

    def foreign_requests(self) -> list[str]:
        """Return every request that went anywhere but the app's own origin."""
        return [url for url in self.requests if _origin(url) != self.origin]

    def gzip_bytes(self) -> int:
        """Return the sum of the gzip sizes of every response body the page loaded."""
        total = 0
        for response in self.responses:
            try:
                body = response.body()
            except Exception:  # a redirect or a socket upgrade has no body
                body = b""
            total += len(gzip.compress(body, compresslevel=9))
        return total

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self) -> None:
        self.context.close()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return parts.scheme
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}"


def open_screen(
    browser: Browser,
    origin: str,
    path: str,
    *,
    viewport: dict[str, int],
    phone: bool = False,
    cookies: list[dict[str, str]] | None = None,
    bypass_csp: bool = False,
    locale: str | None = None,
    init_script: str | None = None,
) -> Screen:
    """Open `path` in a fresh context sized like a phone, a laptop or a projector.

    `locale` is the browser's language (navigator.languages and Accept-Language);
    `init_script` runs in every page of the context before the page's own scripts.
    """
    context = browser.new_context(
        locale=locale,
        viewport={"width": viewport["width"], "height": viewport["height"]},
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
        # Only for axe: add_script_tag injects an inline script, which the CSP blocks.
        bypass_csp=bypass_csp,
    )
    if init_script:
        context.add_init_script(init_script)
    if cookies:
        context.add_cookies([{**c, "url": origin} for c in cookies])  # type: ignore[typeddict-item]
    screen = Screen(context, context.new_page(), origin)
    screen.page.goto(origin + path)
    return screen


def join_on_phone(screen: Screen, name: str | None) -> None:
    """Fill in the join form (the code comes from the QR link) and wait to be in."""
    page = screen.page
    if name is not None:
        page.get_by_label("Your name (optional)").fill(name)
    agree(screen)
    page.get_by_role("button", name="Join").click()
    page.locator("#live-screen").wait_for(state="visible")


def agree(screen: Screen) -> None:
    """Tick the agreement to the consent text the join form shows."""
    screen.page.get_by_label("I have read this and agree").check()


def choose(screen: Screen, label_for: str) -> None:
    """Tap the tile of one choice (a radio or checkbox drawn as a big button)."""
    screen.page.locator(f'label[for="{label_for}"]').click()
