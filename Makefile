# The two set-up commands of the README: `make run` and `make test`.
# Each creates the virtual environment in $(VENV) and installs into it when missing.
PYTHON ?= python3
VENV ?= .venv
SCENARIO ?= scenarios/essex_live.yaml
OUT ?= results/essex_live
FORCE ?=

STAMP := $(VENV)/.dayshift-installed

.PHONY: run test venv clean-venv

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	@$(VENV)/bin/dayshift run $(SCENARIO) --out $(OUT) $(if $(FORCE),--force,) || \
	  { code=$$?; [ $$code -ne 1 ] || echo "dayshift: with make, replace them with: make run FORCE=1" >&2; exit $$code; }

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

clean-venv:
	rm -rf $(VENV)
