"""A sweep's results folder, resumable: runs are scheduled on Dask and committed in batches, each a
Parquet file written under a temporary name and renamed, so a batch is complete or absent; running the
same command again runs only what is missing."""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from dask.distributed import Client, LocalCluster, as_completed
from matplotlib.figure import Figure

from model.analysis.sweep import OUTPUTS, Sweep, run_one
from model.output.files import ResultsExistError, check_target, write_marker, write_text_atomic
from model.output.plots import literal
from model.output.provenance import provenance


def done_indices(out: Path) -> set[int]:
    """Runs already committed in the results folder."""
    runs = out / "runs"
    if not runs.exists():
        return set()
    done: set[int] = set()
    for part in runs.glob("part-*.parquet"):
        done.update(pd.read_parquet(part, columns=["index"])["index"].tolist())
    return done


def _tidy(out: Path) -> None:
    """Remove what an interrupted sweep left half-done: temporary files and monthly parts of batches that
    were never committed."""
    for tmp in out.rglob(".tmp-*"):
        tmp.unlink()
    committed = {p.name for p in (out / "runs").glob("part-*.parquet")} if (out / "runs").exists() else set()
    for part in (out / "monthly").glob("part-*.parquet") if (out / "monthly").exists() else []:
        if part.name not in committed:
            part.unlink()


def _commit(out: Path, rows: list[dict], monthly: list[pd.DataFrame]) -> None:
    """Write one batch: the monthly part first, then the runs part, which marks the batch as done."""
    name = f"part-{min(r['index'] for r in rows):07d}-{uuid.uuid4().hex[:8]}.parquet"
    if monthly:
        _atomic_parquet(pd.concat(monthly, ignore_index=True), out / "monthly" / name)
    _atomic_parquet(pd.DataFrame(rows), out / "runs" / name)


def _atomic_parquet(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".tmp-{path.name}"
    df.to_parquet(tmp, index=False)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_runs(out: str | Path) -> pd.DataFrame:
    """The sweep's runs dataset, one row per run, in index order."""
    parts = sorted((Path(out) / "runs").glob("part-*.parquet"))
    if not parts:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True).sort_values("index").reset_index(drop=True)


def prepare(sweep: Sweep, out: Path, force: bool, replace_any: bool = False) -> None:
    """Start a new results folder, or check that an existing one belongs to this very sweep (to resume).
    `force` starts again, replacing only a results folder (any folder with `replace_any`)."""
    manifest = out / "manifest.json"
    if out.exists() and not force:
        if not manifest.exists():
            raise ResultsExistError(f"{out} exists and is not a sweep's folder; pass --force to replace it")
        try:
            old = json.loads(manifest.read_text())
        except (OSError, ValueError):
            old = None
        if not isinstance(old, dict) or old.get("sweep_sha256") != sweep.hash:
            raise ResultsExistError(f"{out} holds a different sweep (its file or base scenario changed); "
                                    "pass --force to start again, or --out to write elsewhere")
        _tidy(out)
        return
    check_target(out, force, replace_any)  # writable; a folder in the way is a results folder
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    write_marker(out)
    info = dict(kind="sweep", name=sweep.sweep_file.name, sweep_path=str(sweep.path), sweep_sha256=sweep.hash,
                sweep_text=sweep.text, base_text=sweep.base_text, design=sweep.sweep_file.design,
                n_points=len(sweep.points), replications=sweep.sweep_file.replications, n_runs=sweep.n_runs,
                seed=sweep.sweep_file.seed, **provenance())
    write_text_atomic(manifest, json.dumps(info, indent=2))


def run_sweep(sweep: Sweep, out: str | Path, workers: int | None = None, scheduler: str | None = None,
              force: bool = False, progress: Callable[[int, int], None] | None = None,
              retries: int = 3, client=None, replace_any: bool = False) -> dict:
    """Run the sweep's missing runs on Dask and commit them in batches; return counts and timings.

    Uses `client` if given (it is left open), else the scheduler at `scheduler`, else a local cluster.
    """
    out = Path(out)
    prepare(sweep, out, force, replace_any)
    done = done_indices(out)
    todo = [i for i in range(sweep.n_runs) if i not in done]
    outputs = list(sweep.sweep_file.outputs or OUTPUTS)
    t0 = time.perf_counter()
    if todo:
        own = client is None
        cluster = None
        if client is not None:
            pass
        elif scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=40)
            client = Client(cluster)
        try:
            space = client.scatter(sweep.space, broadcast=True)
            futures = [client.submit(run_one, space, sweep.run_args(i), outputs, sweep.sweep_file.keep_monthly,
                                     key=f"run-{sweep.hash[:12]}-{i}", retries=retries) for i in todo]
            rows, monthly = [], []
            finished = len(done)
            for fut in as_completed(futures):
                result = fut.result()
                rows.append(result["row"])
                if "monthly" in result:
                    monthly.append(result["monthly"])
                fut.release()
                finished += 1
                if len(rows) >= sweep.sweep_file.batch_size:
                    _commit(out, rows, monthly)
                    rows, monthly = [], []
                if progress is not None:
                    progress(finished, sweep.n_runs)
            if rows:
                _commit(out, rows, monthly)
        finally:
            if own:
                client.close()
            if cluster is not None:
                cluster.close()
    seconds = time.perf_counter() - t0
    return dict(runs=sweep.n_runs, already_done=len(done), ran=len(todo), seconds=seconds)


def plot_sensitivity(table: pd.DataFrame, design: str, path: Path) -> None:
    """A bar chart of the indices, one panel per output."""
    outputs = list(dict.fromkeys(table["output"]))
    fig = Figure(figsize=(6 * len(outputs), 0.5 * table["parameter"].nunique() + 2))
    axes = fig.subplots(1, len(outputs), squeeze=False)
    for ax, output in zip(axes[0], outputs):
        t = table[table["output"] == output]
        labels = [literal(p.split(".", 1)[-1]) for p in t["parameter"]]
        y = np.arange(len(t))
        if design == "sobol":
            ax.barh(y - 0.2, t["S1"], height=0.4, xerr=t["S1_conf"], label="first order (S1)", color="#1b6ca8")
            ax.barh(y + 0.2, t["ST"], height=0.4, xerr=t["ST_conf"], label="total (ST)", color="#f2a541")
            ax.set_xlabel("Sobol index")
        else:
            ax.barh(y, t["mu_star"], xerr=t["mu_star_conf"], color="#1b6ca8", label="mu*")
            ax.set_xlabel("Morris mu* (mean absolute elementary effect)")
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_title(literal(output))
        ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=100, bbox_inches="tight")
