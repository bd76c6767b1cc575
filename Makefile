# The few commands people run. `make run` and `make test` install what they need first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install lint bench-attribution bench-speed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/audiobook generate seeds/*.txt -o out

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check audiobook tests benchmarks
	$(BIN)/mypy

bench-attribution: install
	$(BIN)/python benchmarks/attribution.py ../shared/data/pdnc

bench-speed: install
	$(BIN)/python benchmarks/speed.py ../shared/data/pdnc

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
