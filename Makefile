# The set-up commands of the README: `make run` and `make test`, plus `make test-fast` and `make notebooks`.
# Each creates the virtual environment in $(VENV) and installs into it when missing.
PYTHON ?= python3
VENV ?= .venv
SCENARIO ?= scenarios/essex_live.yaml
OUT ?= results/essex_live
FORCE ?=
JUPYTER_ARGS ?=

STAMP := $(VENV)/.dayshift-installed
NOTEBOOKS_STAMP := $(VENV)/.dayshift-notebooks-installed

.PHONY: run test test-fast notebooks venv clean-venv

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# JupyterLab and the kernel (the `notebooks` extra), on top of the test install.
$(NOTEBOOKS_STAMP): $(STAMP)
	$(VENV)/bin/python -m pip install --quiet -e '.[test,notebooks]'
	touch $(NOTEBOOKS_STAMP)

venv: $(STAMP)

run: $(STAMP)
	@$(VENV)/bin/dayshift run $(SCENARIO) --out $(OUT) $(if $(FORCE),--force,) || \
	  { code=$$?; [ $$code -ne 1 ] || echo "dayshift: with make, replace them with: make run FORCE=1" >&2; exit $$code; }

# Every test, the slow ones too (notebooks, Dask clusters, benchmarks): what CI (.ci/run) runs.
test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

# The inner loop: every test not marked slow (pyproject.toml lists the marker).
test-fast: $(STAMP)
	$(VENV)/bin/python -m pytest -q -m "not slow"

# Open the researcher notebooks in JupyterLab, on this project's kernel. Extra options for JupyterLab go
# in JUPYTER_ARGS, e.g. make notebooks JUPYTER_ARGS="--no-browser --port 8899".
notebooks: $(NOTEBOOKS_STAMP)
	$(VENV)/bin/jupyter lab notebooks/ $(JUPYTER_ARGS)

clean-venv:
	rm -rf $(VENV)
