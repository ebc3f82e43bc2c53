"""Batch parameter sweeps on Dask: designs, resumable storage, and global sensitivity (SALib).

A sweep file names a base scenario, the values to vary (by their path in the scenario), a design and the
replications per point. Every run is a Dask task. Its seed depends on the sweep's root seed and its
replication index, so all points of one replication share random numbers (common random numbers make
sensitivity estimates smoother), and results do not depend on how many workers there are or in what
order runs finish. Finished runs are committed in batches, each a Parquet file written under a temporary
name and renamed, so a batch is complete or absent; running the same command again runs only what is
missing.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from model import uncertainty
from model.scenario import ScenarioError, load_file, parse_scenario, read_text, validate_scenario
from model.schema import Strict

OUTPUTS = ("in_work_at_end", "job_starts_total", "job_starts_from_day_service", "cost_total_undiscounted",
           "cost_total_discounted", "public_purse_total_discounted", "proactive_share_last_year",
           "budget_shift_last_year", "max_queue_length", "mean_wait_admitted_months",
           "employment_underspend_total")


class SweepParameter(Strict):
    path: str = Field(description="Dotted path of a number in the base scenario, e.g. policy.referral.annual.")
    bounds: tuple[float, float] | None = Field(None, description="Low and high, for latin_hypercube, sobol, morris.")
    values: list[float] | None = Field(None, description="The values to take, for a grid.")

    @model_validator(mode="after")
    def _one(self) -> "SweepParameter":
        if (self.bounds is None) == (self.values is None):
            raise ValueError("give exactly one of bounds or values")
        if self.bounds is not None and not self.bounds[1] > self.bounds[0]:
            raise ValueError("bounds must be [low, high] with high above low")
        if self.values is not None and not self.values:
            raise ValueError("values must not be empty")
        return self


class SweepFile(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    base: str = Field(description="The base scenario file, relative to the sweep file.")
    design: Literal["grid", "latin_hypercube", "sobol", "morris"]
    points: Annotated[int, Field(ge=1, le=100_000)] = Field(
        8, description="latin_hypercube: points; sobol: base sample N (N x (k + 2) points); morris: trajectories.")
    replications: Annotated[int, Field(ge=1, le=1000)] = 1
    seed: Annotated[int, Field(ge=0)] = 0
    parameters: list[SweepParameter] = Field(min_length=1)
    outputs: list[Literal[OUTPUTS]] | None = Field(None, description="Summary outputs to keep (default all).")
    sensitivity_outputs: list[Literal[OUTPUTS]] = Field(
        default_factory=lambda: ["in_work_at_end", "cost_total_discounted"])
    keep_monthly: bool = False
    batch_size: Annotated[int, Field(ge=1, le=100_000)] = 20

    @model_validator(mode="after")
    def _design(self) -> "SweepFile":
        grid = self.design == "grid"
        for p in self.parameters:
            if grid and p.values is None:
                raise ValueError(f"a grid takes values for every parameter ({p.path} has bounds)")
            if not grid and p.bounds is None:
                raise ValueError(f"a {self.design} design takes bounds for every parameter ({p.path} has values)")
        if len({p.path for p in self.parameters}) != len(self.parameters):
            raise ValueError("each parameter path may appear once")
        return self


class Sweep:
    """A validated sweep: its file, its base scenario, and its design's points."""

    def __init__(self, spec: SweepFile, path: Path, text: str, base_text: str, base_data: dict, integer: list[bool]):
        self.spec, self.path, self.text = spec, path, text
        self.base_text, self.base_data = base_text, base_data
        self.paths = [uncertainty.parse_path(p.path) for p in spec.parameters]
        self.points = design_points(spec)
        self.integer = integer

    @property
    def n_runs(self) -> int:
        return len(self.points) * self.spec.replications

    @functools.cached_property
    def hash(self) -> str:
        return hashlib.sha256((self.text + "\0" + self.base_text).encode("utf-8")).hexdigest()

    def values(self, point: int) -> dict[tuple, float]:
        """The scenario values of design point `point`."""
        return {p: (round(v) if integer else float(v))
                for p, v, integer in zip(self.paths, self.points[point], self.integer)}

    def run_args(self, index: int) -> dict:
        """What a worker needs for run `index` (point = index // replications)."""
        point, rep = divmod(index, self.spec.replications)
        seed = uncertainty.replication_seed(self.spec.seed, rep)
        return dict(index=index, point=point, replication=rep, seed=seed, values=self.values(point))


def salib_problem(spec: SweepFile) -> dict:
    return dict(num_vars=len(spec.parameters), names=[p.path for p in spec.parameters],
                bounds=[list(p.bounds) for p in spec.parameters])


def design_points(spec: SweepFile) -> np.ndarray:
    """The design's points: one row per point, one column per parameter."""
    if spec.design == "grid":
        return np.array(list(itertools.product(*[p.values for p in spec.parameters])), dtype=float)
    problem = salib_problem(spec)
    if spec.design == "latin_hypercube":
        from SALib.sample import latin

        return latin.sample(problem, spec.points, seed=spec.seed)
    if spec.design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, spec.points, calc_second_order=False, seed=spec.seed)
    from SALib.sample import morris

    return morris.sample(problem, spec.points, num_levels=4, seed=spec.seed)


def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file and its base scenario; ScenarioError on any problem."""
    path = Path(path)
    text, spec = load_file(path, SweepFile)
    base_path = (path.parent / spec.base)
    base_text = read_text(base_path)
    base_data = uncertainty.at_means(parse_scenario(base_text, str(base_path)))  # sweeps vary numbers around the means
    problems, integer = [], []
    for raw in spec.parameters:
        found, whole = uncertainty.check_values(base_data, f"parameters.{raw.path}", raw.path,
                                                raw.values or list(raw.bounds), str(base_path), "base scenario")
        problems += found
        integer.append(whole)
    sweep = Sweep(spec, path, text, base_text, base_data, integer)
    if problems:
        raise ScenarioError(str(path), problems)
    return sweep


def run_one(base_data: dict, args: dict, outputs: list[str], keep_monthly: bool) -> dict:
    """One run of a sweep (in a worker): the scenario at a point, simulated, reduced to its outputs."""
    from model.simulate import simulate

    scenario = validate_scenario(uncertainty.substitute(base_data, args["values"]), "sweep point")
    res = simulate(scenario, seed=args["seed"])
    row = dict(index=args["index"], point=args["point"], replication=args["replication"], seed=args["seed"])
    row.update({".".join(map(str, p)): v for p, v in args["values"].items()})
    flat = flat_outputs(res)
    row.update({k: flat[k] for k in outputs})
    out = {"row": row}
    if keep_monthly:
        monthly = res.monthly.copy()
        monthly.insert(0, "index", args["index"])
        out["monthly"] = monthly
    return out


def flat_outputs(res) -> dict[str, float]:
    """A run's summary as plain numbers."""
    s = res.summary()
    years = s.get("in_work_by_year", {})
    shares = [v for v in s["proactive_share_by_year"].values() if v is not None]
    shifts = [v for v in s["budget_shift_by_year"].values() if v is not None]
    return dict(
        in_work_at_end=float(years[max(years)]) if years else math.nan,
        job_starts_total=float(s["job_starts_total"]),
        job_starts_from_day_service=float(s["job_starts_from_day_service"]),
        cost_total_undiscounted=s["cost_total_undiscounted"],
        cost_total_discounted=s["cost_total_discounted"],
        public_purse_total_discounted=s["public_purse_total_discounted"],
        proactive_share_last_year=float(shares[-1]) if shares else math.nan,
        budget_shift_last_year=float(shifts[-1]) if shifts else math.nan,
        max_queue_length=float(s.get("max_queue_length", 0)),
        mean_wait_admitted_months=float(s.get("mean_wait_admitted_months", 0.0)),
        employment_underspend_total=float(s.get("employment_underspend_total", 0.0)),
    )


# --- storage -----------------------------------------------------------------------------------

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


# --- running -----------------------------------------------------------------------------------

def prepare(sweep: Sweep, out: Path, force: bool) -> None:
    """Start a new results folder, or check that an existing one belongs to this very sweep (to resume)."""
    from model.errors import ResultsExistError
    from model.writer import provenance, write_text_atomic

    manifest = out / "manifest.json"
    if out.exists() and not force:
        if not manifest.exists():
            raise ResultsExistError(f"{out} exists and is not a sweep's folder; pass --force to replace it")
        old = json.loads(manifest.read_text())
        if old.get("sweep_sha256") != sweep.hash:
            raise ResultsExistError(f"{out} holds a different sweep (its file or base scenario changed); "
                                    "pass --force to start again, or --out to write elsewhere")
        _tidy(out)
        return
    if out.exists():
        import shutil

        shutil.rmtree(out)
    out.mkdir(parents=True)
    info = dict(kind="sweep", name=sweep.spec.name, sweep_path=str(sweep.path), sweep_sha256=sweep.hash,
                sweep_text=sweep.text, base_text=sweep.base_text, design=sweep.spec.design,
                n_points=len(sweep.points), replications=sweep.spec.replications, n_runs=sweep.n_runs,
                seed=sweep.spec.seed, **provenance())
    write_text_atomic(manifest, json.dumps(info, indent=2))


def run_sweep(sweep: Sweep, out: str | Path, workers: int | None = None, scheduler: str | None = None,
              force: bool = False, progress: Callable[[int, int], None] | None = None,
              retries: int = 3, client=None) -> dict:
    """Run the sweep's missing runs on Dask and commit them in batches; return counts and timings.

    Uses `client` if given (it is left open), else the scheduler at `scheduler`, else a local cluster.
    """
    from dask.distributed import Client, LocalCluster, as_completed

    out = Path(out)
    prepare(sweep, out, force)
    done = done_indices(out)
    todo = [i for i in range(sweep.n_runs) if i not in done]
    outputs = list(sweep.spec.outputs or OUTPUTS)
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
            base = client.scatter(sweep.base_data, broadcast=True)
            futures = [client.submit(run_one, base, sweep.run_args(i), outputs, sweep.spec.keep_monthly,
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
                if len(rows) >= sweep.spec.batch_size:
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


# --- global sensitivity ------------------------------------------------------------------------

def sensitivity(sweep: Sweep, runs: pd.DataFrame) -> pd.DataFrame | None:
    """Sobol (S1, ST) or Morris (mu*, sigma) indices of the chosen outputs, from the runs' means per point."""
    if sweep.spec.design not in ("sobol", "morris") or runs.empty:
        return None
    problem = salib_problem(sweep.spec)
    means = runs.groupby("point")[list(sweep.spec.sensitivity_outputs)].mean().sort_index()
    rows = []
    for output in sweep.spec.sensitivity_outputs:
        y = means[output].to_numpy(float)
        if sweep.spec.design == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(problem, y, calc_second_order=False, seed=sweep.spec.seed)
            for i, name in enumerate(problem["names"]):
                rows.append(dict(output=output, parameter=name, S1=res["S1"][i], S1_conf=res["S1_conf"][i],
                                 ST=res["ST"][i], ST_conf=res["ST_conf"][i]))
        else:
            from SALib.analyze import morris

            res = morris.analyze(problem, sweep.points, y, num_levels=4, seed=sweep.spec.seed)
            for i, name in enumerate(problem["names"]):
                rows.append(dict(output=output, parameter=name, mu_star=res["mu_star"][i],
                                 mu_star_conf=res["mu_star_conf"][i], sigma=res["sigma"][i]))
    return pd.DataFrame(rows)


def plot_sensitivity(table: pd.DataFrame, design: str, path: Path) -> None:
    """A bar chart of the indices, one panel per output."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outputs = list(dict.fromkeys(table["output"]))
    fig, axes = plt.subplots(1, len(outputs), figsize=(6 * len(outputs), 0.5 * table["parameter"].nunique() + 2),
                             squeeze=False)
    for ax, output in zip(axes[0], outputs):
        t = table[table["output"] == output]
        labels = [p.split(".", 1)[-1] for p in t["parameter"]]
        y = np.arange(len(t))
        if design == "sobol":
            ax.barh(y - 0.2, t["S1"], height=0.4, xerr=t["S1_conf"], label="first order (S1)", color="#1b6ca8")
            ax.barh(y + 0.2, t["ST"], height=0.4, xerr=t["ST_conf"], label="total (ST)", color="#f2a541")
            ax.set_xlabel("Sobol index")
        else:
            ax.barh(y, t["mu_star"], xerr=t["mu_star_conf"], color="#1b6ca8", label="mu*")
            ax.set_xlabel("Morris mu* (mean absolute elementary effect)")
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_title(output)
        ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def top_drivers(table: pd.DataFrame, design: str, n: int = 3) -> list[str]:
    """Lines naming the strongest drivers of each output."""
    key = "ST" if design == "sobol" else "mu_star"
    lines = []
    for output, t in table.groupby("output", sort=False):
        best = t.sort_values(key, ascending=False).head(n)
        lines.append(f"{output}: " + ", ".join(f"{r.parameter} ({key} {getattr(r, key):.3g})" for r in best.itertuples()))
    return lines

