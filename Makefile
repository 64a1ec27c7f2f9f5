# The README's two commands are `make build` and `make test`; CI runs `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark

.PHONY: install install-spark build test lint score clean

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

## build: the main job -- every model, seed and test in the warehouse, then the report
build: $(STAMP)
	$(BIN)/bank-segments build
	$(BIN)/bank-segments report

## lint: ruff on Python, sqlfluff on SQL
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint
	$(BIN)/sqlfluff lint --config .sqlfluff-macros dbt_project/macros dbt_project/tests/generic

## score: dbt-score on the project's metadata; fails under 9.0 (pyproject [tool.dbt-score])
score: $(STAMP)
	$(BIN)/dbt parse --quiet --target-path target/score
	$(BIN)/dbt-score lint --manifest target/score/manifest.json --fail-project-under 9.0

## test: lint, then pytest (which builds throwaway warehouses with dbt)
test: lint score
	$(BIN)/pytest

clean:
	rm -rf target logs reports exports bank_segments.duckdb spark-warehouse
