# The README's two commands: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready

CLIENT := client/node_modules/.ready

.PHONY: run test lint setup browser-setup services bench lock clean

run: $(READY) $(CLIENT)  ## Set up and start the app on its embedded default (SQLite, no Redis).
	$(BIN)/facilitator serve

test: $(READY) browser-setup services lint  ## Set up and run the whole test suite, linters included.
	$(BIN)/pytest

# The pages serve socket.io-client and the QR encoder from npm: no build step, no CDN.
$(CLIENT): client/package.json client/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or newer"; exit 1; }
	cd client && npm ci --no-audit --no-fund
	touch $@

# redis-server and nginx (Debian, as root) for the scale-out tests, when missing.
services:
	sh scripts/ensure-services.sh

bench: $(READY)  ## Measure the server against a bare relay and Node socket.io (~8 min).
	npm ci --prefix bench --no-audit --no-fund
	$(BIN)/python -m bench.run

# Debian's Chromium and the client's npm packages, for the browser tests.
browser-setup:
	sh scripts/setup-browser.sh

lint: $(READY)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

setup: $(READY)

$(READY): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Facilitator needs Python 3.11 or newer ($(PYTHON) is older)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

lock: $(READY)  ## Re-pin every dependency after changing pyproject.toml.
	$(BIN)/python -m pip install --quiet -e '.[eventlet]' --group dev
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^facilitator' > requirements.lock

clean:
	rm -rf $(VENV) client/node_modules .mypy_cache .ruff_cache .pytest_cache .hypothesis
