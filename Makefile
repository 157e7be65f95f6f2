# eoffice: the two commands of the README, and a few more.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
# One test process per core (pytest-xdist); each module stays on one process.
PYTEST_ARGS ?= -n auto --dist loadfile

.PHONY: run test setup lint migrate seed worker bench screenshots clean

$(BIN)/activate: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

setup: $(BIN)/activate

## make run: set up, migrate, load demo data into an empty database, serve on :5000
run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## make test: the whole test suite (PostgreSQL/Redis tests run when TEST_* point at servers)
test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

migrate: setup
	$(BIN)/flask db upgrade

worker: setup
	$(BIN)/flask worker

## make bench: load 1,000,000 documents into eoffice_bench and measure (see benchmarks/README.md)
bench: setup
	$(BIN)/python -m benchmarks scale

## make screenshots: retake docs/screenshots/*.png (the README's and the user guide's) in Debian's chromium
screenshots: setup
	EOFFICE_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -n 0 -q tests/e2e/test_tour.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
