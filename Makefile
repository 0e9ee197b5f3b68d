# The README's two commands: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
DEV_READY := $(VENV)/.dev-ready

CLIENT := client/node_modules/.ready

.PHONY: run test lint setup browser-setup services bench bench-curves bench-fix-cost lock wheel clean messages

run: $(READY) $(CLIENT)  ## Set up and start the app on its embedded default (SQLite, no Redis).
	$(BIN)/facilitator serve

test: $(DEV_READY) browser-setup services lint  ## Set up and run the whole test suite, linters included.
	$(BIN)/pytest

# The pages serve socket.io-client and the QR encoder from npm: no build step, no CDN.
$(CLIENT): client/package.json client/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or newer"; exit 1; }
	cd client && npm ci --no-audit --no-fund
	touch $@

# redis-server and nginx (Debian, as root) for the scale-out tests, when missing.
services:
	sh scripts/ensure-services.sh

bench: $(DEV_READY)  ## Measure the server against a bare relay and Node socket.io, course reads, and growth curves (~25 min).
	npm ci --prefix bench --no-audit --no-fund
	$(BIN)/python -m bench.run --only 1,2,3,4,6,7 --curves --members

bench-curves: $(DEV_READY)  ## Only the growth curves, against log length and members (~12 min); keeps the scenarios in latest.json.
	npm ci --prefix bench --no-audit --no-fund
	$(BIN)/python -m bench.run --curves --members

bench-fix-cost: $(DEV_READY)  ## The first release, the privacy and fault fixes, and this checkout side by side (~12 min).
	npm ci --prefix bench --no-audit --no-fund
	$(BIN)/python -m bench.fix_cost

# Debian's Chromium and the client's npm packages, for the browser tests.
browser-setup:
	sh scripts/setup-browser.sh

lint: $(DEV_READY)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

setup: $(DEV_READY)

# Extract every marked string into facilitator/locales/*.pot and bring each language's
# .po files up to date (new strings untranslated, changed ones fuzzy): translate those next.
messages: $(DEV_READY)
	$(BIN)/python -m facilitator.message_sources

# What the app needs to run, and nothing else: the runtime lock, every file by its hash.
$(READY): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Facilitator needs Python 3.11 or newer ($(PYTHON) is older)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Tests, linters and the wheel build on top: the development lock, constrained by the
# runtime one, so both pin any package they share at the same version.
$(DEV_READY): $(READY) requirements-dev.lock
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock -r requirements-dev.lock
	touch $@

# pip-compile pins both locks with every file's hash; LOCK_FLAGS=--upgrade re-pins to the
# newest releases allowed by pyproject.toml, otherwise the pins in place are kept.
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links $(LOCK_FLAGS)

lock: $(DEV_READY)  ## Re-pin both locks, with hashes, after changing pyproject.toml.
	$(PIP_COMPILE) --output-file requirements.lock pyproject.toml
	$(BIN)/python scripts/dev-requirements.py > requirements-dev.in
	$(PIP_COMPILE) --output-file requirements-dev.lock requirements-dev.in
	rm requirements-dev.in

wheel: $(DEV_READY)  ## Build the sdist and the wheel (with the screens' npm files) into dist/.
	$(BIN)/python -m build --no-isolation --outdir dist

clean:
	rm -rf $(VENV) client/node_modules build dist .mypy_cache .ruff_cache .pytest_cache .hypothesis
