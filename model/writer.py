"""Writing a results folder: tables, summary, manifest and figures, complete or not at all.

Everything is written into a hidden temporary folder beside the target and renamed into place at the
end, so an interrupted run leaves no half-written results; an existing folder is replaced only when
the caller says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from model import plots
from model.errors import ResultsExistError
from model.results import SimulationResult

PACKAGES = ("dayshift", "mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "matplotlib", "pyyaml", "networkx")


def safe_name(name: str) -> str:
    """A scenario name made safe as part of a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "scenario"


def versions() -> dict[str, str]:
    """Versions of Python and the packages a run depends on."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit() -> dict:
    """The commit of the dayshift checkout, and whether it had uncommitted changes."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    if commit.returncode != 0:
        return {"commit": None, "dirty": None}
    return {"commit": commit.stdout.strip(), "dirty": bool(dirty.stdout.strip())}


def provenance() -> dict:
    """What every results folder records about how it was made: versions, commit, command, machine, time."""
    return dict(versions=versions(), git=git_commit(), command=sys.argv, platform=platform.platform(),
                created_utc=datetime.now(timezone.utc).isoformat(timespec="seconds"))


def manifest(result: SimulationResult, scenario_text: str, scenario_path: str | None, seconds: float) -> dict:
    """What is needed to reproduce a run: the scenario, its hash, the seed, versions and commit."""
    return dict(
        scenario_name=result.scenario_name,
        scenario_path=scenario_path,
        scenario_sha256=hashlib.sha256(scenario_text.encode("utf-8")).hexdigest(),
        scenario_text=scenario_text,
        scenario_resolved=result.spec.scenario._raw,  # after `extends`, as validated
        seed=result.seed,
        engine=result.engine,
        n_cycles=result.spec.n_cycles,
        cycle_months=result.spec.cycle_months,
        **provenance(),
        run_seconds=round(seconds, 3),
    )


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


def write_table(folder: Path, name: str, df) -> None:
    """A table as Parquet and CSV."""
    df.to_parquet(folder / f"{name}.parquet", index=False)
    df.to_csv(folder / f"{name}.csv", index=False)


def write_results(result: SimulationResult, out: str | Path, scenario_text: str, scenario_path: str | None = None,
                  force: bool = False, seconds: float = 0.0) -> Path:
    """Write the complete results folder for one run, atomically."""
    from model import report

    with atomic_folder(out, force) as tmp:
        for name, df in (("monthly", result.monthly), ("yearly", result.yearly), ("people", result.people)):
            write_table(tmp, name, df)
        _dump(tmp / "summary.json", result.summary())
        _dump(tmp / "manifest.json", manifest(result, scenario_text, scenario_path, seconds))
        plots.save_all(result, tmp)
        report.write_report(tmp)
    return Path(out)


def write_comparison(comp, out: str | Path, scenarios: dict[str, tuple[str, str]], force: bool = False,
                     seconds: float = 0.0, settings: dict | None = None) -> Path:
    """Write the complete results folder of a comparison, atomically; `scenarios` maps each scenario's
    name to (path, text)."""
    from model import report

    with atomic_folder(out, force) as tmp:
        write_table(tmp, "comparison_yearly", comp.yearly)
        write_table(tmp, "comparison_runs", comp.runs)
        if comp.draws is not None and len(comp.draws.columns):
            write_table(tmp, "psa_draws", comp.draws)
        if comp.tornado is not None:
            write_table(tmp, "tornado", comp.tornado)
        for name, res in comp.first.items():
            write_table(tmp, f"monthly_{safe_name(name)}", res.monthly)
        summary = comp.summary()
        summary["headline"] = comp.headline(summary)
        _dump(tmp / "summary.json", summary)
        _dump(tmp / "manifest.json", dict(
            kind="comparison", baseline=comp.baseline, policies=comp.policies, mode=comp.mode, seed=comp.seed,
            settings=settings or {},
            scenarios={name: dict(path=path, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), text=text)
                       for name, (path, text) in scenarios.items()},
            **provenance(), run_seconds=round(seconds, 3)))
        plots.save_comparison(comp, tmp)
        report.write_report(tmp)
    return Path(out)


def _swap_in(tmp: Path, out: Path, force: bool) -> None:
    if out.exists():
        check_target(out, force)
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out)


def _dump(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, allow_nan=False, default=_plain) + "\n", encoding="utf-8")


def _plain(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
