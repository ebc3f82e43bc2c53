"""Writing the published-figures page (scenarios/VALIDATION.md)."""

from __future__ import annotations

import json
from pathlib import Path

from model.analysis.published import build_pages
from model.output.files import write_text_atomic


def write(out: str | Path = "scenarios/VALIDATION.md", root: str | Path = "scenarios") -> Path:
    """Write the published-figures page, and beside it validation.json: one object per row (figure,
    source, published, model, low, high, role: calibrated, predicted or check)."""
    out = Path(out)
    page, rows = build_pages(root)
    write_text_atomic(out.with_name("validation.json"), json.dumps(rows, indent=2) + "\n")
    return write_text_atomic(out, page)
