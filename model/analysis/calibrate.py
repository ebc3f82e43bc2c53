"""Calibration: find values of free parameters that reproduce published figures.

A targets file names a scenario, the free parameters (paths in the scenario, with bounds) and observed
values of model outputs, each with a tolerance. Every evaluation runs the scenario with the same seeds
(common random numbers), so the objective, the sum of ((model - observed) / tolerance)^2, moves only with
the parameters. With `replications`, the model's value is the mean over that many seeds: a fit to one run
can ride on that run's luck. scipy's differential evolution searches the bounds (the objective is a step
function of the parameters, so gradient methods do not apply); Nelder-Mead can be asked for instead."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import ConfigDict, Field, model_validator
from scipy import optimize
import yaml

from model.analysis.parameter_space import ParameterSpace
from model.analysis.stats import interval, replication_seeds
from model.compile.spec import build_spec, compiled
from model.compile.validate import parse_scenario
from model.engine.ledger import record_columns
from model.engine.results import YEARLY_COLUMNS
from model.engine.simulate import simulate
from model.scenario.paths import at_means, parse_path
from model.scenario.problems import Problem, ScenarioError
from model.scenario.schema import Scenario, Strict
from model.scenario.yaml_reader import load_file, read_text


Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


class Free(Strict):
    path: str
    bounds: tuple[float, float]

    @model_validator(mode="after")
    def _order(self) -> "Free":
        if not self.bounds[1] > self.bounds[0]:
            raise ValueError("bounds must be [low, high] with high above low")
        return self


class Target(Strict):
    name: str
    source: str = Field(description="Where the observed value comes from.")
    kind: Literal["sum", "value", "total", "share", "yearly"] = Field(
        description="sum: a monthly column summed over [from, to]; value: a monthly column at `at`; total: the "
                    "columns in `of` summed at `at` (a count over several states); share: `column` over the sum "
                    "of `of` at `at`; yearly: a financial-year column in `year`.")
    column: str | None = Field(None, description="The output column; every kind but total needs one.")
    of: list[str] | None = None
    start: Month | None = Field(None, alias="from")
    to: Month | None = None
    at: Month | None = None
    year: str | None = Field(None, pattern=r"^\d{4}-\d{2}$")
    observed: float
    tolerance: float = Field(gt=0)

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, populate_by_name=True)

    @model_validator(mode="after")
    def _fields(self) -> "Target":
        need = {"sum": ("start", "to", "column"), "value": ("at", "column"), "total": ("at", "of"),
                "share": ("at", "of", "column"), "yearly": ("year", "column")}[self.kind]
        missing = [n if n != "start" else "from" for n in need if getattr(self, n) is None]
        if missing:
            raise ValueError(f"a {self.kind} target needs {', '.join(missing)}")
        return self

    @property
    def last_month(self) -> str:
        if self.kind == "sum":
            return self.to
        if self.kind == "yearly":
            return f"{int(self.year[:4]) + 1}-03"
        return self.at


class TargetsFile(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    scenario: str = Field(description="The scenario to calibrate, relative to this file.")
    free: list[Free] = Field(min_length=1)
    targets: list[Target] = Field(min_length=1)
    method: Literal["differential_evolution", "nelder_mead"] = "differential_evolution"
    max_evaluations: Annotated[int, Field(ge=10, le=100_000)] = 400
    seed: Annotated[int, Field(ge=0)] = 0
    replications: Annotated[int, Field(ge=1, le=1000)] = Field(
        1, description="Runs per evaluation; with more than one, each has its own seed spawned from `seed` "
                       "and the model's value is their mean, so the fit does not ride on one run's luck.")
    validation_only: list[Target] = Field(default_factory=list, description="Figures reported, not fitted.")


@dataclass
class Calibration:
    """A targets file with its scenario, ready to evaluate."""

    targets_file: TargetsFile
    path: Path
    scenario_path: Path
    space: ParameterSpace  # the free parameters in the scenario
    n_cycles: int

    def scenario_at(self, x: np.ndarray) -> Scenario:
        """The scenario with the free parameters at `x`."""
        return self.space.scenario_at(x)

    @property
    def shipped(self) -> np.ndarray:
        """The free parameters' values as the scenario file gives them (a distribution's mean)."""
        return self.space.base_values()

    @property
    def seeds(self) -> list[int]:
        """The seed of each replication: the targets file's own seed when there is one replication."""
        n = self.targets_file.replications
        return [self.targets_file.seed] if n == 1 else replication_seeds(self.targets_file.seed, n)

    def results(self, x: np.ndarray) -> list:
        """One run per replication at parameter values `x`, over the targets' span."""
        return self.replicate(self.scenario_at(x))

    def replicate(self, scenario) -> list:
        """One run of `scenario` per replication, with the replications' seeds, over the targets' span."""
        spec = build_spec(scenario, n_cycles=self.n_cycles)
        return [simulate(spec, seed=seed) for seed in self.seeds]

    def runs(self, x: np.ndarray, targets: list[Target] | None = None, results: list | None = None) -> np.ndarray:
        """Each target's model value in each replication (of `results` if given): shape (replications, targets)."""
        targets = targets or self.targets_file.targets
        return np.array([[target_value(t, r.monthly, r.yearly) for t in targets]
                         for r in (results if results is not None else self.results(x))], dtype=float)

    def model_values(self, x: np.ndarray, targets: list[Target] | None = None) -> list[float]:
        """Each target's model value: the mean over replications."""
        return self.runs(x, targets).mean(axis=0).tolist()

    def objective(self, x: np.ndarray) -> float:
        model = self.model_values(x)
        return float(sum(((m - t.observed) / t.tolerance) ** 2 for m, t in zip(model, self.targets_file.targets)))


def target_value(t: Target, monthly: pd.DataFrame, yearly: pd.DataFrame) -> float:
    """A target's model value from a run's tables."""
    if t.kind == "sum":
        rows = monthly[(monthly["date"] >= t.start) & (monthly["date"] <= t.to)]
        return float(rows[t.column].sum())
    if t.kind == "yearly":
        row = yearly[yearly["fiscal_year"] == t.year]
        return float(row[t.column].iloc[0]) if len(row) else float("nan")
    row = monthly[monthly["date"] == t.at]
    if not len(row):
        return float("nan")
    if t.kind == "value":
        return float(row[t.column].iloc[0])
    if t.kind == "total":
        return float(row[t.of].iloc[0].sum())
    return float(row[t.column].iloc[0] / row[t.of].iloc[0].sum())


def load_targets(path: str | Path) -> Calibration:
    """Read and check a targets file and its scenario; ScenarioError on any problem."""
    path = Path(path)
    spec = load_file(path, TargetsFile)[1]
    scenario_path = path.parent / spec.scenario
    scenario = parse_scenario(read_text(scenario_path), str(scenario_path))
    problems, space = [], None
    try:
        space = ParameterSpace.checked(at_means(scenario), [f.path for f in spec.free], [f.bounds for f in spec.free],
                                       str(scenario_path), [f"free.{f.path}" for f in spec.free], file=str(path))
    except ScenarioError as exc:
        problems += exc.problems
    spec_ = compiled(scenario)
    start = spec_.calendar.start_year * 12 + spec_.calendar.start_month - 1
    columns = set(record_columns(spec_))
    last = 0
    for i, t in enumerate([*spec.targets, *spec.validation_only]):
        y, m = (int(v) for v in t.last_month.split("-"))
        last = max(last, y * 12 + m - 1 - start + 1)
        for col in [c for c in (t.column, *(t.of or [])) if c is not None]:
            if col not in columns and not (t.kind == "yearly" and col in YEARLY_COLUMNS):
                problems.append(Problem(f"targets[{i}].column", f"unknown output column '{col}'", col, True))
    if last <= 0:
        problems.append(Problem("targets", "every target is before the scenario's start"))
    if problems:
        raise ScenarioError(str(path), problems)
    n_cycles = int(np.ceil(last / spec_.calendar.cycle_months))
    return Calibration(spec, path, scenario_path, space, n_cycles)


def calibrate(cal: Calibration, progress=None) -> dict:
    """Fit the free parameters; returns the fit, the target table and timings."""
    bounds = [f.bounds for f in cal.targets_file.free]
    evaluations = {"n": 0}

    def f(x: np.ndarray) -> float:
        evaluations["n"] += 1
        if progress is not None:
            progress(evaluations["n"], cal.targets_file.max_evaluations)
        return cal.objective(np.asarray(x))

    start = np.array([np.mean(b) for b in bounds])
    t0 = time.perf_counter()
    if cal.targets_file.method == "differential_evolution":
        popsize = 8
        maxiter = max(1, cal.targets_file.max_evaluations // (popsize * len(bounds)) - 1)
        res = optimize.differential_evolution(f, bounds, seed=cal.targets_file.seed, popsize=popsize, maxiter=maxiter,
                                              polish=False, tol=1e-6, init="sobol")
    else:
        res = optimize.minimize(f, start, method="Nelder-Mead", bounds=bounds,
                                options=dict(maxfev=cal.targets_file.max_evaluations, xatol=1e-4, fatol=1e-3))
    x = np.asarray(res.x)
    fitted = dict(zip(cal.space.names, cal.space.values(x).values()))
    runs = cal.runs(x, [*cal.targets_file.targets, *cal.targets_file.validation_only])
    rows = []
    for t, values, role in zip([*cal.targets_file.targets, *cal.targets_file.validation_only], runs.T,
                               ["fitted"] * len(cal.targets_file.targets) + ["not fitted"] * len(cal.targets_file.validation_only)):
        m, spread = float(values.mean()), interval(values)
        rows.append(dict(target=t.name, role=role, observed=t.observed, model=m, gap=m - t.observed,
                         tolerance=t.tolerance, within=bool(abs(m - t.observed) <= t.tolerance),
                         low=spread["low"], high=spread["high"],
                         runs_within=float(np.mean(np.abs(values - t.observed) <= t.tolerance)), source=t.source))
    return dict(fitted=fitted, objective=float(res.fun), evaluations=evaluations["n"],
                seconds=time.perf_counter() - t0, table=pd.DataFrame(rows), method=cal.targets_file.method)


def calibrated_yaml(cal: Calibration, fitted: dict) -> str:
    """The calibrated scenario as a file that stands alone: the original as resolved (any `extends` merged
    in, so it does not depend on where the original is) with the fitted values put in, and its sources."""
    scenario = parse_scenario(read_text(cal.scenario_path), str(cal.scenario_path))
    data = copy.deepcopy(scenario.data)
    for dotted, value in fitted.items():
        _set(data, parse_path(dotted), value)
    data["name"] = f"{scenario.name}_calibrated"
    head = (f"# {cal.targets_file.name}: calibrated by `dayshift calibrate {cal.path}`.\n"
            f"# {cal.scenario_path} (any `extends` merged in) with the fitted values: {', '.join(fitted)}.\n")
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _set(tree: dict, path: tuple, value) -> None:
    """Put `value` at `path` in nested data, making mappings on the way (lists must already be there)."""
    node = tree
    for part in path[:-1]:
        node = node[part] if isinstance(part, int) else node.setdefault(part, {})
    node[path[-1]] = value
