# NEIG Werkruimte: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
FLASK := $(BIN)/flask --app wsgi
TRANSLATIONS := neig_workspace/translations
PORT ?= 5000
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po))

.PHONY: install node-deps run test smoke test-clock test-sqlite test-sqlite-matrix test-sqlite-rest test-postgresql test-postgresql-matrix test-postgresql-rest test-separation-long lint format check translations extract-messages bench bench-scale screenshots clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools  # the venv's own setuptools is old and vulnerable
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# axe-core for the accessibility tests, from the npm registry as locked in package-lock.json.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

node-deps: $(NODE_STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

translations: $(MO_FILES)

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -o $(TRANSLATIONS)/messages.pot --no-location --sort-output --omit-header .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --omit-header

run: install translations
	$(FLASK) db upgrade
	$(FLASK) neig seed-demo --if-empty
	$(FLASK) neig demo-logins
	FLASK_RUN_HOST=127.0.0.1 FLASK_RUN_PORT=$(PORT) $(FLASK) run  # e-mail links follow (config.py)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The two databases run at once (each run has its own database, blob store, Redis database,
# clamd and OpenID provider), each run's output printed whole when it ends. Each database's run
# is split in two: the sweeps that build fresh objects for every route and persona (the route
# matrix, the header sweep, the XSS corpus) and the rest. Three parts at a time keep the two
# cores busy (the runs wait on PostgreSQL, browsers and servers part of the time); the longest
# start first, so no part is left running alone at the end. `make test` ends with the wall time
# of each part and the total against the budget of 20 minutes (.ci/timed.py; README § Testing).
TIMED := $(PYTHON) .ci/timed.py
TEST_PARTS := test-postgresql-rest test-sqlite-rest test-sqlite-matrix test-postgresql-matrix smoke

test-clock:
	@$(TIMED) start

test: test-clock install translations node-deps
	@status=0; \
	$(TIMED) run lint -- $(MAKE) --no-print-directory lint && \
	$(TIMED) run check -- $(MAKE) --no-print-directory check && \
	$(MAKE) --no-print-directory -j3 --output-sync=target $(addprefix timed-,$(TEST_PARTS)) \
	  || status=$$?; \
	$(TIMED) report; exit $$status

timed-%:
	@$(TIMED) run $* -- $(MAKE) --no-print-directory $*

# The import contracts (lint-imports, .importlinter), then security checks: bandit over our code
# (each finding fixed, or explained where it is with `# nosec BXXX # why it is safe`; settings in
# pyproject.toml), then pip-audit over the installed
# packages. pip-audit's PyPI service is blocked here (an empty 404 for /pypi/<name>/<version>/json)
# and it would then skip every package silently: .ci/audit_dependencies.py audits what it skipped
# from PyPI's project API and fails on whatever it still cannot audit. Exceptions:
#   --unaudited deprecated: 1.3.1 (for limits, of flask-limiter) is the newest release our package
#     index offers, and PyPI lists advisories for its newest release (3.0.1) only; a pure-Python
#     decorator that only emits deprecation warnings and handles no input.
#   --unaudited python-dateutil: botocore (boto3, the S3 blob store) and croniter (rq's cron
#     scheduler) need it; botocore requires <3.0.0, so 2.9.0.post0 is the newest release it can
#     have, and PyPI lists advisories for 4.0.0 only; we hand it no user input (botocore parses
#     the object store's date headers with it, croniter our own cron lines).
check: install
	$(BIN)/lint-imports --no-cache  # the import contracts in .importlinter: layers, feature boundaries
	$(BIN)/bandit -c pyproject.toml -q -r neig_workspace
	$(BIN)/python .ci/audit_dependencies.py --unaudited deprecated --unaudited python-dateutil

test-sqlite: install translations node-deps
	$(BIN)/pytest --db=sqlite

test-postgresql: install translations node-deps
	NEIG_TEST_DB=postgresql $(BIN)/pytest --db=postgresql

# The security sweeps that build fresh objects for every route and persona, and the rest.
SWEEPS := tests/security/test_route_matrix.py tests/security/test_headers.py tests/security/test_xss.py

test-sqlite-matrix: install translations node-deps
	$(BIN)/pytest --db=sqlite $(SWEEPS)

test-sqlite-rest: install translations node-deps
	$(BIN)/pytest --db=sqlite $(addprefix --ignore=,$(SWEEPS))

test-postgresql-matrix: install translations node-deps
	NEIG_TEST_DB=postgresql $(BIN)/pytest --db=postgresql $(SWEEPS)

test-postgresql-rest: install translations node-deps
	NEIG_TEST_DB=postgresql $(BIN)/pytest --db=postgresql $(addprefix --ignore=,$(SWEEPS))

# The production stack on loopback, walked through once (deploy/smoke.sh): part of `make test`,
# started when a slot of the three is free.
smoke: install translations
	bash deploy/smoke.sh

# The separation-of-duties state machine at 20,000 steps (the suite runs 2,000), by hand;
# SEPARATION_STEPS=n picks another number, DB=postgresql the other database.
SEPARATION_STEPS ?= 20000
DB ?= sqlite
test-separation-long: install translations
	NEIG_TEST_DB=$(DB) NEIG_SEPARATION_STEPS=$(SEPARATION_STEPS) $(BIN)/pytest --db=$(DB) \
	  -p no:cacheprovider tests/security/test_separation_machine.py

bench: install translations
	$(BIN)/python -m bench.run

# Pages at national scale (issue 18): seeds the database neig_scale once (flask neig seed-scale),
# serves it with gunicorn and the production settings, measures each page against a bare endpoint
# with wrk. BENCH_ARGS e.g. "--duration 5 --reseed".
bench-scale: install translations
	$(BIN)/python -m bench.pages $(BENCH_ARGS)

# The screenshot gallery (docs/screenshots/): the key pages of every part at 1366 and 390 px,
# with the demo network in a throwaway SQLite database, in Chromium. Not part of `make test`.
screenshots: install translations
	$(BIN)/python -m bench.screenshots $(SCREENSHOT_ARGS)

clean:
	rm -rf $(VENV) instance node_modules .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
