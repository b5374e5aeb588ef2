# Pathways: `make run` serves the demo on http://127.0.0.1:8000; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install lint migrate seed worker beat bench load clean schema backup restore serve vendor screenshots safety-case

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The certified OpenID Connect provider the sign-in tests start in place of NHS CIS2.
OIDC_STAMP := tests/oidc_provider/node_modules/.installed-stamp
$(OIDC_STAMP): tests/oidc_provider/package-lock.json
	npm ci --prefix tests/oidc_provider --no-audit --no-fund --loglevel=error
	touch $(OIDC_STAMP)

# Migrations run as the tables' owner (MIGRATION_DATABASE_URL) when the app connects as its
# limited role (DATABASE_URL, DATABASE_APP_ROLE); see docs/operations.md.
AS_OWNER := $(if $(MIGRATION_DATABASE_URL),DATABASE_URL=$(MIGRATION_DATABASE_URL))

migrate: install
	DEBUG=true $(AS_OWNER) $(BIN)/python manage.py migrate --noinput

seed: migrate
	DEBUG=true $(BIN)/python manage.py seed_demo

run: seed
	@echo "Pathways on http://127.0.0.1:$(PORT)/ - demo users in README.md, password pathways-demo"
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# As production runs it: DEBUG off, migrations as the owner, hashed and compressed static
# files, gunicorn (config/gunicorn.py). Needs SECRET_KEY and ALLOWED_HOSTS; see
# docs/operations.md. Health: /health/live and /health/ready. Static files Pathways never serves
# (viewflow's UI, the API docs' ReDoc) are left out: config/staticfiles.py says which and why.
serve: install
	$(AS_OWNER) $(BIN)/python manage.py migrate --noinput
	STATIC_MANIFEST=true $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	STATIC_MANIFEST=true $(BIN)/gunicorn -c config/gunicorn.py config.wsgi

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The suite runs on every core (pytest-xdist; JOBS=1 for one process), then the few tests that
# stop a service every other test shares (marked `exclusive`) run alone. It prints its time.
JOBS ?= auto
test: install lint $(OIDC_STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -W error::RuntimeWarning manage.py check --fail-level WARNING
	DEBUG=true $(BIN)/python manage.py safety_case --check
	@start=$$(date +%s); commit=$$(git rev-parse --short HEAD 2>/dev/null || echo unknown); \
	mkdir -p .test-results; rm -f .test-results/junit*.xml; \
	$(BIN)/pytest -n $(JOBS) -m "not exclusive" --durations=25 --junitxml=.test-results/junit.xml \
		-o junit_suite_name=$$commit $(PYTEST_ARGS); parallel=$$?; \
	$(BIN)/pytest -m exclusive --junitxml=.test-results/junit-exclusive.xml \
		-o junit_suite_name=$$commit $(PYTEST_ARGS); alone=$$?; \
	[ $$alone -eq 5 ] && alone=0; \
	echo "make test: the suite took $$(( $$(date +%s) - start )) s on $(JOBS) workers"; \
	[ $$parallel -eq 0 ] && [ $$alone -eq 0 ]

# The clinical safety case report (Markdown and PDF) and the data inventory, from the hazard
# log and the last `make test` run's results (docs/clinical-safety/).
safety-case: install
	DEBUG=true $(BIN)/python manage.py safety_case

worker: install
	$(BIN)/celery -A config worker --loglevel=info

beat: install
	$(BIN)/celery -A config beat --loglevel=info

# Record the digest of the API schema for its version (after bumping the version and adding
# a changelog entry); tests/test_api_contract.py fails until this is done.
schema: install
	DEBUG=true $(BIN)/python manage.py record_api_schema

# The NHS design system (nhsuk-frontend) at the version pinned in ops/vendor_nhsuk.py, taken
# from its npm package (checked against the registry's SHA-512) into static/vendor/. Commit
# the result; nothing is fetched at run time.
vendor: install
	$(BIN)/python ops/vendor_nhsuk.py

# Each role's first page and main form, photographed by the browser tests into docs/screenshots/
# (needs Debian's chromium).
screenshots: install
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/pytest tests/e2e/test_screenshots.py -q

# Backups (PostgreSQL): a timestamped pg_dump in backups/, and a restore into a new database.
backup:
	ops/backup backups

restore:
	@test -n "$(FILE)" || { echo "make restore FILE=backups/... DB=new_database_name"; exit 2; }
	ops/restore "$(FILE)" "$(or $(DB),pathways_restored)"

# National scale x10 in a database kept for benchmarks (seeded on first use): DATABASE_URL, or
# bench.sqlite3 when none is set. Prints a table and writes bench-results.json.
bench: install
	$(if $(MIGRATION_DATABASE_URL),DATABASE_URL=$(MIGRATION_DATABASE_URL) $(BIN)/python manage.py migrate --noinput)
	DEMO_DATA=true $(BIN)/python tests/benchmarks/bench.py

# Mixed role traffic against `make serve` on this machine (started separately, on a database
# loaded with seed_scale): make load USERS=8 DURATION=60s. Locust is installed on first use.
# People sign in as they arrive (4 a second); the figures count from when all have arrived.
USERS ?= 8
DURATION ?= 60s
load: install
	$(BIN)/python -c "import locust" 2>/dev/null || $(BIN)/pip install --quiet 'locust>=2.32,<3'
	$(BIN)/locust -f tests/load/locustfile.py --headless --host http://127.0.0.1:$(PORT) \
		--users $(USERS) --spawn-rate 4 --reset-stats --run-time $(DURATION) --only-summary \
		--csv load-$(USERS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
