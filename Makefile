# 天眼 tianyan. `make demo` installs everything and runs a full daily cycle on the embedded
# warehouse; `make test` runs the test suite. Both are idempotent.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo .venv-bootstrap/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DROP ?= demo-drop
DEMO_DATE ?= 2026-11-27
DEMO_RESIDENTS ?= 20000
DEMO_SEED ?= 7
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install demo test lint airflow-ui generate stop-db bench-cycle backfill-demo clean

# uv itself is bootstrapped from PyPI into a private venv when it is not on PATH.
.venv-bootstrap/bin/uv:
	python3 -m venv .venv-bootstrap && .venv-bootstrap/bin/pip install -q 'uv>=0.5'

$(BIN)/tianyan: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

install: $(BIN)/tianyan

$(DEMO_DROP)/manifest.json: | install
	$(BIN)/tianyan generate --drop $(DEMO_DROP) --residents $(DEMO_RESIDENTS) --seed $(DEMO_SEED) --as-of $(DEMO_DATE)

generate: $(DEMO_DROP)/manifest.json

demo: install generate
	$(BIN)/tianyan run --drop $(DEMO_DROP) --date $(DEMO_DATE)

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check tianyan dags plugins tests bench
	$(BIN)/sqlfluff lint include/sql

# A local Airflow 3 in the foreground (scheduler, dag-processor, triggerer, api-server; PostgreSQL
# metadata) serving the demo's drop through the department exchange: http://localhost:$(AIRFLOW_PORT),
# login admin / admin. TIANYAN_DROP chooses another drop. Ctrl-C stops it.
AIRFLOW_PORT ?= 8080
airflow-ui: install
	AIRFLOW_PORT=$(AIRFLOW_PORT) PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python -m tianyan.orchestration.standalone

# Stop the embedded PostgreSQL (tianyan commands start it on demand and `tianyan run` / `make airflow-ui`
# stop the one they started; this stops one left by another command).
stop-db: install
	$(BIN)/python -m tianyan.orchestration.standalone stop-db

# The daily cycle of the demo city under the local scheduler and in-process (not part of `make test`).
bench-cycle: install
	$(BIN)/python bench/bench_cycle.py

# A small city over 90 days, each date loaded, scored and refreshed (`tianyan backfill --direct`: the DAGs'
# steps in-process), for the panorama's 90-day trends and the what-if's recorded outcomes. About 25 s to
# generate and a median 13 s a date (90 dates: 28 min) on a shared 2-core machine (docs/operations.md section 3).
BACKFILL_DROP ?= backfill-drop
BACKFILL_DAYS ?= 90
BACKFILL_RESIDENTS ?= 2000
backfill-demo: install
	$(BIN)/tianyan generate --drop $(BACKFILL_DROP) --residents $(BACKFILL_RESIDENTS) --seed $(DEMO_SEED) \
		--as-of $(DEMO_DATE) --days $(BACKFILL_DAYS)
	$(BIN)/tianyan backfill --direct --drop $(BACKFILL_DROP) --start $(DEMO_DATE) \
		--end $$($(BIN)/python -c "import datetime as d; print(d.date.fromisoformat('$(DEMO_DATE)') + d.timedelta(days=$(BACKFILL_DAYS) - 1))")

clean:
	rm -rf .tianyan .airflow $(DEMO_DROP) $(BACKFILL_DROP)
