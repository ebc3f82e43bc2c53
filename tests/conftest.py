"""pytest set-up: the tests import their shared helpers from `helpers.py` beside this file."""

from __future__ import annotations

import pytest

from helpers import small


@pytest.fixture
def small_data() -> dict:
    """A copy of the small scenario."""
    return small()
