# The two commands of the README. Both bootstrap first (Debian packages, .venv, pinned deps),
# idempotently, then start embedded PostgreSQL/Redis unless DATABASE_URL/REDIS_URL are set.
.PHONY: run test fuzz bootstrap lint format messages services stop bench-rush bench-approve bench-billing bench-scheduling bench-roll bench-dashboard bench-payouts lighthouse

PY := .venv/bin/python

bootstrap:
	@scripts/bootstrap.sh

run: bootstrap
	@$(PY) scripts/dev.py run

test: bootstrap
	@$(PY) scripts/dev.py test $(PYTEST_ARGS)

# A bounded schemathesis run over the whole API as a parent, a teacher and a principal
# (fuzz/test_api_fuzz.py): no server error on any generated input. FUZZ_EXAMPLES per operation.
fuzz: bootstrap
	@$(PY) scripts/dev.py exec $(PY) -m pytest -q fuzz/ $(PYTEST_ARGS)

lint: bootstrap
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format: bootstrap
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

# Refresh the zh_Hans catalog from the sources and compile it (needs gettext).
messages: bootstrap
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --no-location -i '.venv/*' -i '.data/*'
	$(PY) manage.py compilemessages -l zh_Hans -i '.venv' -i '.data'

services: bootstrap
	@$(PY) scripts/dev.py env

stop:
	@$(PY) scripts/dev.py stop

# Registration-rush benchmark (see bench/rush.py; takes a few minutes).
bench-rush: bootstrap
	@$(PY) scripts/dev.py exec $(PY) bench/rush.py $(BENCH_ARGS)

# Scheduling benchmark: grouping one school of 1,500 participants, a district of 30 schools'
# semester of sessions as one Celery job against a per-session save loop (bench/scheduling.py).
bench-scheduling: bootstrap
	@$(PY) scripts/dev.py exec $(PY) bench/scheduling.py $(BENCH_ARGS)

# Billing benchmarks: a district's semester billing (100,000 students) against a per-student
# ORM loop, and 1,000 payment notifications × 5 through gunicorn (bench/billing.py).
bench-billing: bootstrap
	@$(PY) scripts/dev.py exec $(PY) bench/billing.py $(BENCH_ARGS)

# Bulk-approval benchmark: 10,000 applications approved in one call (see bench/approve.py;
# the baseline run of the old bulk_update takes several minutes).
bench-approve: bootstrap
	@$(PY) scripts/dev.py exec $(PY) bench/approve.py $(BENCH_ARGS)

# Roll-call benchmark: 50 teachers × 40 children through gunicorn (see bench/attendance.py).
bench-roll: bootstrap
	@$(PY) scripts/dev.py exec $(PY) bench/attendance.py $(BENCH_ARGS)

# Dashboard benchmark: a district's year (6,000,000 attendance marks, 30 schools) built once into
# a reusable database, the dashboard through gunicorn from the rollups vs from the raw rows
# (bench/dashboard.py; the first build takes a while, later runs reuse it).
bench-dashboard: bootstrap
	@$(PY) scripts/dev.py exec $(PY) bench/dashboard.py $(BENCH_ARGS)

# Payouts benchmark: a district's month of teacher subsidies (30 schools × 80 teachers) as the
# set-based job against a per-teacher loop, approvals, and the disclosure PDF per school
# (bench/payouts.py).
bench-payouts: bootstrap
	@$(PY) scripts/dev.py exec $(PY) bench/payouts.py $(BENCH_ARGS)

# Lighthouse mobile (pinned in bench/lighthouse/, installed into .data/lighthouse by npm ci) on
# the demo district under production settings: gunicorn, DEBUG off (bench/lighthouse.py).
lighthouse: bootstrap
	@$(PY) scripts/dev.py exec $(PY) bench/lighthouse.py $(BENCH_ARGS)
