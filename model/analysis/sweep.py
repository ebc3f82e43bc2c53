"""Batch parameter sweeps: designs, one run at a point, and global sensitivity (SALib). The resumable
results folder and the Dask scheduling are in `model.output.sweep_folder`.

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
import math
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from model.analysis.parameter_space import ParameterSpace
from model.analysis.stats import replication_seed
from model.compile.validate import parse_scenario
from model.engine.simulate import simulate
from model.scenario.paths import at_means
from model.scenario.schema import Strict
from model.scenario.yaml_reader import load_file, read_text

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

    def __init__(self, sweep_file: SweepFile, path: Path, text: str, base_text: str, space: ParameterSpace):
        self.sweep_file, self.path, self.text = sweep_file, path, text
        self.base_text, self.space = base_text, space
        self.points = design_points(sweep_file)

    @property
    def n_runs(self) -> int:
        return len(self.points) * self.sweep_file.replications

    @functools.cached_property
    def hash(self) -> str:
        return hashlib.sha256((self.text + "\0" + self.base_text).encode("utf-8")).hexdigest()

    def values(self, point: int) -> dict[tuple, float | int]:
        """The scenario values of design point `point`."""
        return self.space.values(self.points[point])

    def run_args(self, index: int) -> dict:
        """What a worker needs for run `index` (point = index // replications)."""
        point, rep = divmod(index, self.sweep_file.replications)
        seed = replication_seed(self.sweep_file.seed, rep)
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
    base_data = at_means(parse_scenario(base_text, str(base_path)))  # sweeps vary numbers around the means
    space = ParameterSpace.checked(base_data, [p.path for p in spec.parameters],
                                   [p.values or list(p.bounds) for p in spec.parameters], str(base_path),
                                   [f"parameters.{p.path}" for p in spec.parameters], "base scenario", str(path))
    return Sweep(spec, path, text, base_text, space)


def run_one(space: ParameterSpace, args: dict, outputs: list[str], keep_monthly: bool) -> dict:
    """One run of a sweep (in a worker): the scenario at a point, simulated, reduced to its outputs."""
    scenario = space.scenario_with(args["values"])
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


# --- global sensitivity ------------------------------------------------------------------------

def sensitivity(sweep: Sweep, runs: pd.DataFrame) -> pd.DataFrame | None:
    """Sobol (S1, ST) or Morris (mu*, sigma) indices of the chosen outputs, from the runs' means per point."""
    if sweep.sweep_file.design not in ("sobol", "morris") or runs.empty:
        return None
    problem = salib_problem(sweep.sweep_file)
    means = runs.groupby("point")[list(sweep.sweep_file.sensitivity_outputs)].mean().sort_index()
    rows = []
    for output in sweep.sweep_file.sensitivity_outputs:
        y = means[output].to_numpy(float)
        if sweep.sweep_file.design == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(problem, y, calc_second_order=False, seed=sweep.sweep_file.seed)
            for i, name in enumerate(problem["names"]):
                rows.append(dict(output=output, parameter=name, S1=res["S1"][i], S1_conf=res["S1_conf"][i],
                                 ST=res["ST"][i], ST_conf=res["ST_conf"][i]))
        else:
            from SALib.analyze import morris

            res = morris.analyze(problem, sweep.points, y, num_levels=4, seed=sweep.sweep_file.seed)
            for i, name in enumerate(problem["names"]):
                rows.append(dict(output=output, parameter=name, mu_star=res["mu_star"][i],
                                 mu_star_conf=res["mu_star_conf"][i], sigma=res["sigma"][i]))
    return pd.DataFrame(rows)


def top_drivers(table: pd.DataFrame, design: str, n: int = 3) -> list[str]:
    """Lines naming the strongest drivers of each output."""
    key = "ST" if design == "sobol" else "mu_star"
    lines = []
    for output, t in table.groupby("output", sort=False):
        best = t.sort_values(key, ascending=False).head(n)
        lines.append(f"{output}: " + ", ".join(f"{r.parameter} ({key} {getattr(r, key):.3g})" for r in best.itertuples()))
    return lines

