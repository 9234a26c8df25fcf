# The two commands: `make run` and `make test`. Both set everything up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := run

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

# Find a Python >= 3.12: an explicit PYTHON=, then python3.13 / python3.12 that actually run
# (pyenv shims answer "command not found" unless a version is selected), then pyenv's own.
define find_python
for c in "$(PYTHON)" python3.13 python3.12 \
         "$$(pyenv prefix 3.13.0 2>/dev/null)/bin/python3" \
         $$(ls -d "$${PYENV_ROOT:-$$HOME/.pyenv}"/versions/3.1[2-9]* 2>/dev/null | sort -rV | sed 's|$$|/bin/python3|'); do \
  [ -n "$$c" ] || continue; \
  if "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo "$$c"; exit 0; fi; \
done; exit 1
endef

$(BIN)/.installed: pyproject.toml
	@py=$$($(find_python)) || { \
	  echo "error: no Python 3.12 or newer found." >&2; \
	  echo "Tried PYTHON=$(PYTHON), python3.13, python3.12 and pyenv's versions." >&2; \
	  echo "Install Python 3.13 (for example 'pyenv install 3.13') or run 'make PYTHON=/path/to/python3.13'." >&2; \
	  exit 1; }; \
	echo "Using $$py ($$($$py --version))"; \
	[ -x $(PY) ] || "$$py" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

.PHONY: install
install: $(BIN)/.installed

.PHONY: messages
messages: install
	@cd helsingborg_innovation/.. && $(MANAGE) compilemessages --ignore=.venv -v 0

.PHONY: migrate
migrate: install messages
	$(MANAGE) migrate --no-input -v 0

.PHONY: demo
demo: migrate
	$(MANAGE) seed_demo

.PHONY: run
run: demo
	$(MANAGE) collectstatic --no-input -v 0
	@echo ""
	@echo "  Portal:  http://$(HOST):$(PORT)/   (English: http://$(HOST):$(PORT)/en/)"
	@echo "  Admin:   http://$(HOST):$(PORT)/admin/  user 'admin', password 'admin' (local demo only)"
	@echo "           other staff: manage.py createsuperuser, or add users to the Editors/Moderators groups"
	@echo ""
	$(MANAGE) runserver $(HOST):$(PORT)

CHROMIUM := /usr/bin/chromium

# The suite in two parallel workers, then the browser tests on their own (one live server,
# one Chromium) when Chromium is installed.
.PHONY: test
test: install messages
	$(BIN)/pytest -n 2 -m "not browser" $(PYTEST_ARGS)
	@if [ -x $(CHROMIUM) ]; then \
	  $(MAKE) --no-print-directory browser-test; \
	else \
	  echo "Browser tests skipped: Chromium not found at $(CHROMIUM) (apt-get install chromium)"; \
	fi

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# axe-core on every public page type in both languages, and screenshots in
# tests/browser/screenshots/. Needs Debian's Chromium at /usr/bin/chromium.
.PHONY: browser-test
browser-test: install messages node_modules/.installed
	$(BIN)/pytest -m browser -p no:xdist $(PYTEST_ARGS)

# Lighthouse (mobile preset, offline, Debian's Chromium) on the main pages; prints the four
# scores of each. Uses the server at LIGHTHOUSE_URL, or starts one on $(HOST):$(PORT).
LIGHTHOUSE_URL ?= http://$(HOST):$(PORT)
.PHONY: lighthouse
lighthouse: demo node_modules/.installed
	$(MANAGE) collectstatic --no-input -v 0
	CHROME_PATH=$(CHROMIUM) $(PY) tests/browser/lighthouse.py --url $(LIGHTHOUSE_URL) \
	  --manage "$(MANAGE)" $(LIGHTHOUSE_ARGS)

.PHONY: lint
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run -v 1

.PHONY: makemessages
makemessages: install
	$(MANAGE) makemessages -l sv --ignore=.venv --ignore=tests --no-obsolete

.PHONY: clean
clean:
	rm -rf $(VENV) db.sqlite3 staticfiles media

# Benchmarks on PostgreSQL and Redis: seeds the large data set once (100,000 initiatives, 10,000
# challenges, 2,000 methods, 500,000 ideas; 4 to 21 minutes on 2 cores), then measures search,
# statistics, the admin and the open-data exports, and every key page with wrk against a
# hello-world Django view. BENCH_ARGS="--help" lists the options.
.PHONY: bench
bench: install messages
	@command -v wrk >/dev/null || { echo "Installing wrk (Debian)"; apt-get install -y -q wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }; }
	$(PY) tests/benchmarks/run_bench.py $(BENCH_ARGS)

# The contribution form under load (see "Load test" in README.md): 64 senders for 60 s with the
# mail server down, then again with PostgreSQL restarted half way (restarts the local cluster;
# LOADTEST_ARGS="--outage proxy" cuts only the portal's connection instead).
.PHONY: loadtest
loadtest: install messages
	$(PY) tests/benchmarks/load_contributions.py $(LOADTEST_ARGS)
