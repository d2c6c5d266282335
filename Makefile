# shishi's front door. On a fresh Debian machine:
#   make report    # installs everything, then makes reports/2024Q4/*.pdf from data/raw
#   make test      # installs everything, then runs the tests
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PERIOD ?= 2024Q4
# Debian packages the reports need: CJK fonts for text and charts, the libraries WeasyPrint
# lays pages out with, and poppler-utils (pdftotext/pdftoppm) for the tests and page previews.
APT_PACKAGES := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help setup system python kernel report clean-data test lint format bench template clobber

help:
	@echo "make report   - set up (first time) and make reports/$(PERIOD)/ from data/raw"
	@echo "make test     - set up (first time) and run the tests"
	@echo "make lint     - ruff check + format check"
	@echo "make bench    - benchmarks (see docs/performance.md)"
	@echo "make template - blank ledgers for the offices, in templates/"
	@echo "PERIOD=2024Q3 make report   - another period"

setup: system python kernel

# System packages: installed only when one is missing, so repeated runs cost nothing.
system:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Reinstall when pyproject.toml changes; the stamp keeps later runs quick.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

python: $(VENV)/.installed

# A named kernel so JupyterLab and papermill both run the notebooks in this venv.
kernel: $(VENV)/share/jupyter/kernels/shishi/kernel.json
$(VENV)/share/jupyter/kernels/shishi/kernel.json: $(VENV)/.installed
	$(BIN)/python -m ipykernel install --sys-prefix --name shishi --display-name "Python 3 (shishi)" >/dev/null

report: setup
	$(BIN)/shishi report --period $(PERIOD)

clean-data: setup
	$(BIN)/shishi clean

template: setup
	$(BIN)/shishi template templates

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check src tests benchmarks scripts notebooks
	$(BIN)/ruff format --check src tests benchmarks scripts notebooks

format: setup
	$(BIN)/ruff format src tests benchmarks scripts notebooks
	$(BIN)/ruff check --fix src tests benchmarks scripts notebooks

bench: setup
	$(BIN)/python benchmarks/run.py

clobber:
	rm -rf $(VENV) data/processed/*.parquet data/processed/*.csv data/processed/*.json reports/*/
