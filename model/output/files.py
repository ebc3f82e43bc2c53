"""Files written whole or not at all: atomic text and folder writes, tables, JSON, and safe file names."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path


class ResultsExistError(Exception):
    """The results folder exists and overwriting was not asked for."""


def safe_name(name: str) -> str:
    """A scenario name made safe as part of a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "scenario"


def check_target(out: Path, force: bool) -> None:
    """Refuse to replace an existing results folder unless forced."""
    if out.exists() and not force:
        raise ResultsExistError(
            f"{out} already exists; pass --force to replace it, or --out to write somewhere else"
        )


def write_text_atomic(path: Path, text: str) -> Path:
    """Write a text file whole or not at all: under a temporary name in the same folder, then renamed."""
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


@contextmanager
def atomic_folder(out: str | Path, force: bool = False):
    """Yield a temporary folder beside `out`; rename it to `out` only if the block finishes."""
    out = Path(out)
    check_target(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}-{int(time.time() * 1000)}"
    try:
        tmp.mkdir()
        yield tmp
        _swap_in(tmp, out, force)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _swap_in(tmp: Path, out: Path, force: bool) -> None:
    if out.exists():
        check_target(out, force)
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out)


def write_table(folder: Path, name: str, df) -> None:
    """A table as Parquet and CSV."""
    df.to_parquet(folder / f"{name}.parquet", index=False)
    df.to_csv(folder / f"{name}.csv", index=False)


def dump_json(path: Path, data: dict) -> None:
    """Write a mapping as JSON; NaN is refused, numpy numbers are written as plain numbers."""
    path.write_text(json.dumps(data, indent=2, allow_nan=False, default=_plain) + "\n", encoding="utf-8")


def _plain(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
