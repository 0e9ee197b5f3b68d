"""Where the files the app ships with are: inside an installed wheel, or in the checkout.

A wheel carries the screens, their npm vendor files and the shipped protocols under
facilitator/shipped/ (setup.py puts them there when it builds). A checkout, or an
editable install of one, has no such folder and reads them where they are written.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_BUILT = _PACKAGE / "shipped"
_ROOT = _BUILT if _BUILT.is_dir() else _PACKAGE.parent

CLIENT_DIR = _ROOT / "client"
PROTOCOLS_DIR = _ROOT / "protocols"
#: The shipped crisis resources, one file per language; they name no phone number.
CRISIS_DIR = PROTOCOLS_DIR / "crisis"
#: The vendor files pages load, by the name they use, and where npm installs each.
VENDOR_SOURCES = {
    "socket.io.min.js": "socket.io-client/dist/socket.io.min.js",
    "qrcode.mjs": "qrcode-generator/dist/qrcode.mjs",
}
VENDOR_FILES = {name: CLIENT_DIR / "node_modules" / path for name, path in VENDOR_SOURCES.items()}
