#!/bin/sh
# Install what the browser tests and bench/join_throttled.py need on a fresh Debian
# machine: the npm packages of client/ (socket.io-client, qrcode-generator, axe-core,
# exactly as client/package-lock.json pins them) and Debian's Chromium. The Python
# package playwright comes with the dev dependencies (make setup).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v npm >/dev/null 2>&1; then
    echo "npm is missing: install Node.js 20 or newer (Debian: apt-get install nodejs npm)" >&2
    exit 1
fi
(cd "$root/client" && npm ci --no-audit --no-fund)

if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" -eq 0 ]; then
        sudo=""
    elif command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
    else
        echo "Chromium is missing and this user cannot install it: apt-get install chromium" >&2
        exit 1
    fi
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends chromium
fi

echo "Browser tests are ready: .venv/bin/pytest tests/browser"
