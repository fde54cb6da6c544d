# coop-portal: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# The dev lock (requirements/dev.lock) is the production lock plus the tools that test, lint and
# benchmark; the image installs only requirements/prod.lock. Both come from pyproject.toml.
LOCK := requirements/dev.lock
STAMP := $(VENV)/.installed-$(shell cat requirements/tools.lock $(LOCK) 2>/dev/null | sha1sum | cut -c1-12)
NODE_STAMP := node_modules/.installed-$(shell sha1sum package-lock.json 2>/dev/null | cut -c1-12)
# Debian packages: gettext compiles translations, pango renders PDFs, the CJK fonts are
# embedded in Chinese PDFs, chromium runs the browser tests, poppler-utils lets the tests read
# the PDFs they generate, postgresql-client writes and reads backups (make backup).
SYSTEM_PACKAGES := gettext libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk chromium poppler-utils postgresql-client
PYTEST_ARGS ?=

.PHONY: install system-packages run test lint format migrations messages compilemessages bench lock audit deploy-check backup restore clean

install: system-packages $(STAMP) $(NODE_STAMP)

# The venv's bundled pip is whatever the machine's Python shipped with; the pinned pip of
# requirements/tools.lock replaces it before the lock is read, so next month's install is today's.
$(STAMP): requirements/tools.lock $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/tools.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK)
	@rm -f $(VENV)/.installed-*
	@touch $@

# Third-party front-end assets (axe-core for the accessibility checks) come from npm.
$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@rm -f node_modules/.installed-*
	@touch $@

system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing system packages:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing system packages. Run: sudo apt-get install -y $$missing"; exit 1; \
	  fi; \
	fi

compilemessages: install
	@$(MANAGE) compilemessages --ignore=$(VENV) --ignore=node_modules -v0

run: install compilemessages
	$(MANAGE) migrate --noinput -v1
	$(MANAGE) demo
	$(MANAGE) runserver 127.0.0.1:8000

test: install compilemessages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Serialised, because several people may change models in one work tree at once.
migrations: install
	flock /tmp/coop-portal-migrations.lock $(MANAGE) makemigrations

# Extracts the strings of one app (APP=members) or of the project (APP=coop_portal) into its catalogue.
messages: install
	flock /tmp/coop-portal-messages.lock $(MANAGE) makemessages --app $(APP)

bench: install
	$(BIN)/python benchmarks/run.py $(if $(SCALE),--scale $(SCALE),)

# Known vulnerabilities in the locked dependencies. --strict fails when a package could not be
# checked (an unreachable vulnerability service must not pass as "no known vulnerability").
audit: install
	$(BIN)/pip-audit --requirement $(LOCK) --require-hashes --disable-pip --strict --progress-spinner off

# Regenerates the locks from pyproject.toml with the pinned uv. Versions already locked are kept
# unless pyproject.toml rules them out (UPGRADE=1 takes the newest allowed); the production lock
# takes the dev lock's versions, so the image runs what the tests ran.
# The database and the uploaded files in one archive under var/backups/ (coop_portal/backups.py);
# `make restore BACKUP=<archive>` puts one back, replacing everything there is.
backup: install
	@mkdir -p var/backups
	$(MANAGE) backup var/backups/coop-portal-$$(date +%Y%m%d-%H%M%S).tar.gz

restore: install
	@test -n "$(BACKUP)" || { echo "Name the archive: make restore BACKUP=var/backups/<file>.tar.gz"; exit 1; }
	$(MANAGE) restore "$(BACKUP)" --yes

# Builds the production image and starts docker-compose.yml with podman, walks a journey through
# the TLS proxy, restarts web and workers, then removes it all (deploy/check/deploy_check.py).
# Needs root for podman and debootstrap; about ten minutes the first time.
DEPLOY_CHECK_PACKAGES := podman podman-compose runc debootstrap
deploy-check: install
	@missing=$$(for p in $(DEPLOY_CHECK_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	$(BIN)/python deploy/check/deploy_check.py

lock: install
	$(BIN)/uv pip compile requirements/tools.in --generate-hashes --python-version 3.11 -q -o requirements/tools.lock $(if $(UPGRADE),--upgrade,)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -q -o $(LOCK) $(if $(UPGRADE),--upgrade,)
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -q -o requirements/prod.lock -c $(LOCK)

clean:
	rm -rf $(VENV) var/static .pytest_cache .mypy_cache .ruff_cache
