# Console: `make run` serves the console on embedded defaults, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
# The lock files (README, Dependencies): base.txt for the image, dev.txt (+ test, bench) here.
LOCK := requirements/dev.txt
UV := uv>=0.13,<0.14
UV_COMPILE := $(BIN)/uv pip compile pyproject.toml --universal --generate-hashes \
	--python-version 3.11 --custom-compile-command "make lock" --quiet $(LOCK_ARGS)

.PHONY: run test worker install lock migrate lint clean bench bench-embedded screenshots axe

# The exact versions of the lock, each checked against its hash; then the project itself.
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Console needs Python 3.11 or newer." or 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Rewrites the lock files from pyproject.toml; a pin still in range is kept, so pass
# LOCK_ARGS="--upgrade-package NAME" (or "--upgrade") to move it. Only this target needs uv.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet '$(UV)'
	$(UV_COMPILE) -o requirements/base.txt
	$(UV_COMPILE) --extra test --extra bench --constraint requirements/base.txt \
		-o requirements/dev.txt

run: export DEBUG ?= 1
run: export CONSOLE_BASE_URL ?= http://127.0.0.1:$(PORT)
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	@$(BIN)/python manage.py email_destination
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# axe-core, pinned by tests/browser/axe/package-lock.json, for the accessibility sweep. Without
# npm the sweep skips (and fails under CONSOLE_STRICT_TESTS=1, as in CI).
AXE_DIR := tests/browser/axe
AXE := $(AXE_DIR)/node_modules/axe-core/axe.min.js

$(AXE): $(AXE_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(AXE_DIR) --no-audit --no-fund --loglevel=error && touch $(AXE); \
	else echo "npm is not installed: the axe-core accessibility sweep will be skipped."; fi

axe: $(AXE)

test: $(STAMP) axe
	$(BIN)/python -m pytest $(PYTEST_ARGS)

worker: $(STAMP)
	@test -n "$$REDIS_URL" || { echo "make worker needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)."; exit 2; }
	$(BIN)/celery -A console worker --beat --loglevel INFO --schedule $(VENV)/celerybeat-schedule

# The token endpoint's benchmark (bench/README.md): needs wrk; set DATABASE_URL and REDIS_URL
# for the production shape, e.g. BENCH_ARGS="--rounds 5". Without DATABASE_URL, or with
# `make bench-embedded`, the embedded default: a fresh SQLite file, no Redis, 2 workers.
# The bench extra (django-oauth-toolkit) comes with the lock, as `make install` put it.
bench: $(STAMP)
	$(BIN)/python bench/token_endpoint.py $(BENCH_ARGS)

bench-embedded: $(STAMP)
	$(BIN)/python bench/token_endpoint.py --embedded $(BENCH_ARGS)

# Every page at 1280x800 and 390x844, logged out and as an owner with data, as PNG files in
# screenshots/ (CONSOLE_SCREENSHOT_DIR to change it); needs Chromium. Not part of `make test`.
screenshots: $(STAMP) axe
	$(BIN)/python -m pytest tests/browser/test_screenshots.py -m screenshots -q -s $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache $(AXE_DIR)/node_modules
