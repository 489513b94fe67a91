# Two commands set everything up: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: install test lint typecheck demo planning bench reliability registry clean test-pythons

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy exact_online tap_exact target_exact exact_sandbox
	$(VENV)/bin/pytest -n 2 --dist loadgroup

lint: install
	$(VENV)/bin/ruff check .

typecheck: install
	$(VENV)/bin/mypy exact_online tap_exact target_exact exact_sandbox

# exact_online/data/registry.json from the in-repo reference/ (refresh that: scripts/vendor_reference.py),
# then the IDE types generated from it (exact_online/models.pyi)
registry: install
	$(PYTHON) scripts/vendor_registry.py
	$(PY) -m scripts.generate_stubs

demo: install
	$(PY) scripts/demo.py

# The planning model (dbt, planning/) on demo/exact.duckdb; flags: make planning VARS='{"use_sales_orders": true}'
planning: install
	$(PY) scripts/planning.py '$(VARS)'

bench: install
	$(PY) -m benchmarks.run

reliability: install
	$(VENV)/bin/pytest tests/reliability -m reliability --reliability-scale=large

test-pythons: install
	$(VENV)/bin/pip install --quiet nox
	$(VENV)/bin/nox

clean:
	rm -rf $(VENV) .venv-meltano .venv-target-postgres .venv-dbt .meltano .nox build dist *.egg-info \
		.pytest_cache .mypy_cache .ruff_cache demo
