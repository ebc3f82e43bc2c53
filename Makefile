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

.PHONY: run test test-fast notebooks venv clean-venv browser

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	@# The fast engine's compiled loops, compiled once here into numba's cache, so the first run does not wait: the
	@# first month compiles every loop a run of the shipped scenarios uses (the rest of a month is one compiled call).
	$(VENV)/bin/python -c "import model; model.simulate('scenarios/essex_live.yaml', n_cycles=2)"
	touch $(STAMP)

# JupyterLab and the kernel (the `notebooks` extra), on top of the test install.
$(NOTEBOOKS_STAMP): $(STAMP)
	$(VENV)/bin/python -m pip install --quiet -e '.[test,notebooks]'
	touch $(NOTEBOOKS_STAMP)

venv: $(STAMP)

run: $(STAMP)
	@$(VENV)/bin/dayshift run $(SCENARIO) --out $(OUT) $(if $(FORCE),--force,) || \
	  { code=$$?; [ $$code -ne 1 ] || echo "dayshift: with make, replace them with: make run FORCE=1" >&2; exit $$code; }

# The browser test of `dayshift app` (tests/test_app.py) drives Debian's Chromium: Playwright's own browser
# download needs the internet. Installed here when missing (as root, or through sudo); nothing to do when present.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser:
	@test -x $(CHROMIUM) || command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "make: installing Debian's chromium for the browser test of dayshift app"; \
	    $(SUDO) apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	  else \
	    echo "make: no Chromium at $(CHROMIUM) and no apt-get to install it: the browser test will fail;" \
	         "install Chromium and give its path in DAYSHIFT_CHROMIUM" >&2; \
	  fi; }

# Every test, the slow ones too (notebooks, Dask clusters, benchmarks, the browser): what CI (.ci/run) runs.
test: $(STAMP) browser
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
