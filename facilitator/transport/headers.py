"""Security headers on every response of the app: pages, API, exports and Socket.IO.

A WSGI middleware rather than Flask's after_request, because Socket.IO's long-polling
answers and the upgrade leave from engine.io and never pass through Flask.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from facilitator.service.print_style import print_style_sources

#: Paths whose answers may be cached: the screens' modules, styles and vendor files,
#: which hold no one's data. Everything else (API, sign-in, links, exports) is no-store.
CACHEABLE = ("/assets/",)
#: The phone page's service worker: no-cache, so that a phone asks for a changed one on
#: every visit (revalidated by its ETag) instead of keeping an old one.
REVALIDATED = ("/join-worker.js",)
_HOST = re.compile(r"[A-Za-z0-9.\-:\[\]]{1,255}")

StartResponse = Callable[..., Any]


def content_security_policy(host: str) -> str:
    """Return the policy: everything from this host only, and never inside a frame."""
    # ws: and wss: only for this host: the Socket.IO connection goes nowhere else. A
    # Host header that is not a host name cannot add directives of its own.
    own = f" ws://{host} wss://{host}" if _HOST.fullmatch(host) else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # The printed summaries' own stylesheet, by its hash in each language: no
            # other inline style.
            f"style-src 'self' {print_style_sources()}",
            "img-src 'self' data:",
            f"connect-src 'self'{own}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def secure_headers(path: str, host: str, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return `headers` with the security headers set for a response to `path`."""
    ours = {
        "Content-Security-Policy": content_security_policy(host),
        "X-Content-Type-Options": "nosniff",
        # Display and sign-in links carry tokens; they must not leave in a Referer.
        "Referrer-Policy": "no-referrer",
    }
    if path in REVALIDATED:
        ours["Cache-Control"] = "no-cache"
    elif not path.startswith(CACHEABLE):
        # Views, exports and tokens stay out of browser and proxy caches.
        ours["Cache-Control"] = "no-store"
    replaced = {name.lower() for name in ours}
    kept = [(name, value) for name, value in headers if name.lower() not in replaced]
    return kept + list(ours.items())


class SecureHeaders:
    """WSGI middleware that sets the security headers on every response."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        host = environ.get("HTTP_HOST", "")

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, secure_headers(path, host, headers), exc_info)

        return self.app(environ, start)
