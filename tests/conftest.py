"""pytest set-up: the tests import their shared helpers from `helpers.py` beside this file."""

from __future__ import annotations

import sys

import pytest

# JupyterLab (the `notebooks` extra, `make notebooks`) brings rfc3987_syntax, which jsonschema imports when it
# is installed and which builds a parser for seconds at import: every test run paid for it (nbformat and the
# JSON Schema test import jsonschema). The tests never check "iri" formats, so they do without it.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]  # import raises ImportError

from helpers import small


@pytest.fixture
def small_data() -> dict:
    """A copy of the small scenario."""
    return small()
