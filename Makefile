# The README's two commands are `make build` and `make test`; CI runs `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark

.PHONY: install install-spark bi-clients build test test-fast lint score clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## install-spark: the optional Spark engine (dbt-spark + pyspark; needs Java 17)
$(SPARK_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,spark]'
	touch $(SPARK_STAMP)

install-spark: $(SPARK_STAMP)

## bi-clients: the DuckDB 1.1 / 1.4 virtualenvs tests/test_bi_clients.py reads the
## warehouse with, created once per machine and pin set (~/.cache/bank-segments)
bi-clients: $(STAMP)
	$(BIN)/python -m tests.bi_client_envs

## build: the main job -- every model, seed and test in the warehouse, then the report
build: $(STAMP)
	$(BIN)/bank-segments build
	$(BIN)/bank-segments report

## lint: ruff on Python, sqlfluff on SQL (one process per core)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint --processes 0
	$(BIN)/sqlfluff lint --processes 0 --config .sqlfluff-macros dbt_project/macros dbt_project/tests/generic
	$(BIN)/sqlfluff lint --config bench/peers/dbt_refit/sqlfluff.cfg bench/peers/dbt_refit

## score: dbt-score on the project's metadata; fails under 9.0 (pyproject [tool.dbt-score])
score: $(STAMP)
	$(BIN)/dbt parse --quiet --target-path target/score
	$(BIN)/dbt-score lint --manifest target/score/manifest.json --fail-project-under 9.0

## test: lint, then the whole pytest suite (it builds throwaway warehouses with dbt) on
## $(PYTEST_WORKERS) pytest-xdist workers, one test module per group (tests/conftest.py)
PYTEST_WORKERS ?= 3
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist loadscope --no-loadscope-reorder
test: lint score
	$(BIN)/pytest $(PYTEST_PARALLEL) --durations=25

## test-fast: the developer loop -- everything but the Spark, browser and large-file tests
test-fast: $(STAMP)
	$(BIN)/pytest $(PYTEST_PARALLEL) --durations=10 -m "not spark and not browser and not large"

clean:
	rm -rf target logs reports exports bank_segments.duckdb spark-warehouse
