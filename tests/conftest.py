"""pytest set-up: the tests import their shared helpers from `helpers.py` beside this file; the notebooks'
kernels start in the background when collection ends (notebook_runner.py)."""

from __future__ import annotations

import sys

import pytest

# JupyterLab (the `notebooks` extra, `make notebooks`) brings rfc3987_syntax, which jsonschema imports when it
# is installed and which builds a parser for seconds at import: every test run paid for it (nbformat and the
# JSON Schema test import jsonschema). The tests never check "iri" formats, so they do without it.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]  # import raises ImportError

from helpers import small


NOTEBOOK_TEST = "test_notebook_runs_and_shows_its_charts"


def pytest_collection_finish(session):
    """Start the selected notebooks' kernels in the background, to run beside the other tests."""
    if session.config.option.collectonly:
        return
    notebooks = [item.callspec.params["path"] for item in session.items
                 if getattr(item, "originalname", None) == NOTEBOOK_TEST]
    if notebooks:
        import notebook_runner  # Jupyter's client only when notebooks run

        only_notebooks = all(item.path.name == "test_notebooks.py" for item in session.items)
        notebook_runner.start(notebooks, at_once=2 if only_notebooks else 1)


def pytest_sessionfinish(session):
    if "notebook_runner" in sys.modules:
        sys.modules["notebook_runner"].stop()


@pytest.fixture
def small_data() -> dict:
    """A copy of the small scenario."""
    return small()
