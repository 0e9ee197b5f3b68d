#!/bin/sh
# Install what several-process deployments and their tests need on Debian: redis-server
# and nginx. Installs with apt when run as root (non-interactive); otherwise says how.
# Installing does not configure them: see docs/deploy.md.
set -eu

missing=""
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing="$missing redis-server"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx"

if [ -z "$missing" ]; then
    echo "redis-server and nginx are installed."
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "Missing:$missing" >&2
    echo "Install as root:  sudo apt-get install -y$missing" >&2
    echo "(or run: sudo $0)" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing:$missing, and apt-get is not available: install them with your package manager." >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# --no-install-recommends: no extra daemons. Debian's packages start their services;
# the tests never use them (they start their own processes on free ports).
apt-get install -y -q --no-install-recommends $missing
echo "Installed:$missing"
