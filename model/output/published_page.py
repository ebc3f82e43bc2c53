"""Writing the published-figures page (scenarios/VALIDATION.md)."""

from __future__ import annotations

from pathlib import Path

from model.analysis.published import build
from model.output.files import write_text_atomic


def write(out: str | Path = "scenarios/VALIDATION.md", root: str | Path = "scenarios") -> Path:
    """Write the published-figures page."""
    out = Path(out)
    return write_text_atomic(out, build(root))
