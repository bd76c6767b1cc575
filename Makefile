# The few commands people run. `make run` and `make test` install what they need first.
# On Windows a virtual environment keeps its programs in Scripts\ and Python is `python`.
VENV ?= .venv
ifeq ($(OS),Windows_NT)
PYTHON ?= python
BIN := $(VENV)/Scripts
EXE := .exe
else
PYTHON ?= python3
BIN := $(VENV)/bin
EXE :=
endif

.PHONY: run test install lint bench-attribution bench-speed clean

$(BIN)/python$(EXE):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python$(EXE)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,studio,cluster,piper]"
	$(BIN)/python -c "import pathlib; pathlib.Path('$@').touch()"

install: $(VENV)/.installed

run: install
	$(BIN)/python -m audiobook generate seeds -o out

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
