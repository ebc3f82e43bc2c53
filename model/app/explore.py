"""What the explorer shows and lets a commissioner download: a policy with its levers set, compared with a
baseline over a few replications, and the files the project writes for a comparison.

The comparison is `model.analysis.compare`'s replications, on its seeds (common random numbers: the policy
and the baseline share each run's numbers), with every parameter at its mean, on the vectorised engine. Two
things keep a lever move within about two seconds: the baseline's runs are made once and kept (a lever moves
only the policy), and the policy's runs go through the engine together (`simulate_draws`, one seed each). The
tornado of `dayshift compare` is left out of the page; `dayshift compare` with the downloaded scenario gives it.

What the saving rests on is not left out: when the policy has calibrated catch-alls (`catch_alls`), `carried`
runs it again without each, as `dayshift compare` does and with compare's own function
(`carried_by_catch_alls`), on the page's seeds and paired with the same baseline runs. That doubles a lever
move's work (about 2 s more for essex_live), so the page asks for it once the figures are drawn.
"""

from __future__ import annotations

import copy
import dataclasses
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from model.analysis.budget_impact import break_even_year
from model.analysis.compare import (Comparison, carried_by_catch_alls, check_comparable, pair_run, year_end,
                                    yearly_table)
from model.analysis.labels import carried_words
from model.analysis.stats import interval, replication_seeds
from model.app import levers
from model.compile.spec import compiled
from model.compile.validate import load_scenario, validate_scenario
from model.engine.results import SimulationResult
from model.engine.simulate import simulate_draws
from model.engine.streams import seed_from
from model.output.results_folder import write_comparison
from model.scenario.paths import at_means
from model.scenario.problems import Problem, ScenarioError
from model.scenario.schema import Scenario

RUNS = 5  # replications behind each figure on the page: enough for a spread, few enough for two seconds


@dataclass
class Setup:
    """A policy scenario and its baseline, read and checked, with what every lever move starts from."""

    policy: Scenario
    baseline: Scenario
    policy_path: str
    baseline_path: str
    policy_means: dict  # the policy's data with every distribution at its mean (what the page runs)
    baseline_means: dict
    start_values: dict  # the levers where the policy scenario has them
    off: dict  # levers the scenario cannot move, with why
    seeds: list[int]
    root: int
    base_runs: list[SimulationResult] = field(default_factory=list)

    @property
    def years(self) -> int:
        return levers.horizon_years(self.policy_means)


def load(policy_path: str | Path, baseline_path: str | Path, runs: int = RUNS) -> Setup:
    """Read and check both scenarios (ScenarioError, in words, when either is wrong or they cannot be compared)
    and run the baseline once on the page's seeds."""
    policy, baseline = load_scenario(policy_path), load_scenario(baseline_path)
    check_comparable(baseline, [policy])
    if policy.policy is None:
        raise ScenarioError(str(policy_path), [Problem("policy", "has no commissioning policy, so there are no levers "
                                                       "to move; pick a scenario with a policy block")])
    root = seed_from(None, baseline.seed)
    seeds = replication_seeds(root, runs)
    means = at_means(policy)
    setup = Setup(policy=policy, baseline=baseline, policy_path=str(policy_path), baseline_path=str(baseline_path),
                  policy_means=means, baseline_means=at_means(baseline), start_values=levers.read(means),
                  off=levers.available(means), seeds=seeds, root=root)
    setup.base_runs = simulate_draws([compiled(baseline)] * len(seeds), seed=root, seeds=seeds, people=False)
    return setup


def policy_name(setup: Setup, values: dict) -> str:
    """The policy's name on the page and in downloads: its own, or marked as explored once a lever moved."""
    name = setup.policy.name
    if levers.moved(values, setup.start_values) or name == setup.baseline.name:
        name = f"{name}_explored"
    return name


@dataclass
class Outcome:
    """One lever setting's comparison and the figures the page shows."""

    values: dict
    name: str
    comparison: Comparison
    summary: dict
    headline: str
    years: list[str]  # financial years (or the months each projection year spans)
    table: pd.DataFrame  # per run and year: in work, spend, cashable saving, waiting list, for both scenarios
    seconds: float
    scenario: Scenario | None = None  # the policy with the levers set, as run (at its means)


def run(setup: Setup, values: dict) -> Outcome:
    """Compare the policy with its levers set against the baseline, on the baseline's runs' seeds."""
    t0 = time.perf_counter()
    name = policy_name(setup, values)
    data = levers.apply(setup.policy_means, values, setup.baseline_means)
    data["name"] = name
    scenario = validate_scenario(data, f"{setup.policy_path} with the levers as set")
    check_comparable(setup.baseline, [scenario])
    runs = simulate_draws([compiled(scenario)] * len(setup.seeds), seed=setup.root, seeds=setup.seeds, people=False)
    comp = paired(setup, name, runs)
    summary = comp.summary()
    summary["headline"] = comp.headline(summary)
    labels = list(comp.budget_impact(name)["cashable"]["year from start"])
    table = _table(comp, setup.base_runs, runs, len(labels))
    return Outcome(values=dict(values), name=name, comparison=comp, summary=summary, headline=summary["headline"],
                   years=labels, table=table, seconds=time.perf_counter() - t0, scenario=scenario)


class Abandoned(Exception):
    """The page moved on (a lever moved again) while the catch-alls were being run: their runs are not wanted."""


@dataclass
class Carried:
    """How much of an outcome's saving the policy's calibrated catch-alls carry, as `dayshift compare` says it."""

    comparison: Comparison  # the outcome's comparison with compare's table of the runs without each catch-all
    carried_by: list[dict]  # compare's summary()["carried_by"]: per catch-all, the saving without it and its share
    npv_saving: dict  # the discounted saving the shares are of (the headline's), mean and spread over the runs
    runs: int
    seconds: float

    @property
    def statements(self) -> list[str]:
        """One sentence per catch-all: the share of the shown saving it carries and the saving without it."""
        return [carried_words(c, self.npv_saving["mean"], self.runs) for c in self.carried_by]


def carried(setup: Setup, out: Outcome, stop: Callable[[], bool] | None = None) -> Carried | None:
    """The policy with the levers set run again with each calibrated catch-all at its value without it, on the
    page's seeds and paired with the same baseline runs: `dayshift compare`'s own `carried_by_catch_alls`, so the
    figures are compare's for the same seeds. None when the policy has no catch-alls; `Abandoned` when `stop()`
    turns true between runs."""
    if out.scenario is None or not out.scenario.catch_alls:
        return None
    t0 = time.perf_counter()

    def tick(_runs: float) -> None:
        if stop is not None and stop():
            raise Abandoned

    table = carried_by_catch_alls([out.scenario], setup.base_runs, out.comparison.runs, list(setup.seeds),
                                  progress=tick)
    comp = dataclasses.replace(out.comparison, carried=table)
    summary = comp.summary()
    return Carried(comparison=comp, carried_by=summary["carried_by"], npv_saving=summary["npv_saving"],
                   runs=int(summary["runs"]), seconds=time.perf_counter() - t0)


def catch_all_lines(setup: Setup) -> list[str]:
    """One line per calibrated catch-all of the policy and of the baseline: not a lever here, and what it stands
    for."""
    lines = []
    for who, sc in (("policy", setup.policy), ("baseline", setup.baseline)):
        for c in sc.catch_alls:
            lever = levers.lever_at(c.path)
            where = (f"Set by the lever '{levers.BY_KEY[lever].label}' when moved" if lever else "Not a lever here")
            lines.append(
                f"{where}: {c.label}, a catch-all standing for what the model's structure misses "
                f"({sc.name}'s {c.path}; {c.without:g} without it). "
                + ("The box under the headline says how much of the saving it carries." if who == "policy" else
                   "It is the baseline's: dayshift compare measures a policy's catch-alls only, so the page does "
                   "not say how much of the difference it carries."))
    return lines


def paired(setup: Setup, name: str, runs: list[SimulationResult]) -> Comparison:
    """The policy's runs paired with the baseline's as a `Comparison` in replications mode, as `compare` makes
    it (each pair's differences by `pair_run`), without the tornado (and the catch-alls' runs: `carried`)."""
    yearly_parts, rows = [], []
    for i, (b, r) in enumerate(zip(setup.base_runs, runs)):
        y, totals = pair_run(name, i, b, r)
        yearly_parts.append(y)
        rows.append(totals)
    baseline = setup.baseline
    return Comparison(baseline=baseline.name, policies=[name], mode="reps", seed=setup.root,
                      yearly=yearly_table(yearly_parts), runs=pd.DataFrame(rows),
                      first={baseline.name: setup.base_runs[0], name: runs[0]},
                      start_year=compiled(baseline).calendar.start_year, start=baseline.start, seeds=list(setup.seeds))


def _queue_by_year(res: SimulationResult, n_years: int) -> np.ndarray:
    """The waiting list at the end of each projection year."""
    q = res.monthly["queue_length"].to_numpy(float) if "queue_length" in res.monthly else np.zeros(len(res.monthly))
    return year_end(q, res.spec)[:n_years]


def _table(comp: Comparison, base_runs: list[SimulationResult], runs: list[SimulationResult],
           n_years: int) -> pd.DataFrame:
    y = comp.yearly[["run", "year", "in_work_baseline", "in_work_policy", "cost_baseline", "cost_policy",
                     "saving_cashable", "saving_undiscounted"]].copy()
    y["queue_baseline"] = np.concatenate([_queue_by_year(b, n_years) for b in base_runs])[: len(y)]
    y["queue_policy"] = np.concatenate([_queue_by_year(r, n_years) for r in runs])[: len(y)]
    return y


def cards(out: Outcome, years: int = 5) -> dict:
    """The headline figures: people in work at the horizon, the cashable saving over the first years and the
    whole horizon, the break-even year on cashable savings, and the longest waiting list; each a mean with
    its spread over the runs."""
    t = out.table
    last = int(t["year"].max())
    end = t[t["year"] == last]
    early = t[t["year"] <= years].groupby("run")["saving_cashable"].sum()
    whole = t.groupby("run")["saving_cashable"].sum()
    be = [break_even_year(g["saving_cashable"].to_numpy()) for _, g in t.groupby("run")]
    be_known = [b for b in be if np.isfinite(b)]
    peak = t.groupby("run")["queue_policy"].max()
    peak_year = int(t.groupby("year")["queue_policy"].mean().idxmax())
    return dict(
        year=out.years[last - 1], first_years=min(years, last), last=last,
        first_span=f"{out.years[0]} to {out.years[min(years, last) - 1]}",
        in_work=interval(end["in_work_policy"]), in_work_baseline=interval(end["in_work_baseline"]),
        extra_in_work=interval(end["in_work_policy"] - end["in_work_baseline"]),
        cashable_first_years=interval(early), cashable_total=interval(whole),
        break_even=(out.years[int(round(np.mean(be_known))) - 1] if be_known else None),
        break_even_runs=len(be_known), runs=int(t["run"].nunique()),
        queue_peak=interval(peak), queue_peak_year=out.years[peak_year - 1],
        queue_baseline_peak=interval(t.groupby("run")["queue_baseline"].max()),
    )


def scenario_yaml(setup: Setup, values: dict) -> str:
    """The policy scenario with the levers as set, as a file that stands alone (`extends` merged in), its
    distributions kept where no lever moved them; checked as any scenario is (ScenarioError if not valid)."""
    name = policy_name(setup, values)
    data = levers.apply(copy.deepcopy(setup.policy.data), values, setup.baseline_means)
    data["name"] = name
    changed = levers.moved(values, setup.start_values)
    words = ", ".join(f"{levers.BY_KEY[k].label.lower()} {describe(k, values[k])}" for k in changed) or "none moved"
    data["description"] = (str(data.get("description", "")).strip() + f" Explored in dayshift app: {words}.").strip()
    validate_scenario(copy.deepcopy(data), f"{name}.yaml")
    head = (f"# {name}: {setup.policy_path} with the explorer's levers as set ({words}).\n"
            f"# Compare it with its baseline: dayshift compare {setup.baseline_path} {name}.yaml --reps 20\n")
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def describe(key: str, value) -> str:
    """A lever's value in words."""
    lever = levers.BY_KEY[key]
    if lever.kind == "switch":
        return "on" if value else "off"
    if key == "budget":
        return f"£{value:,.0f} a year"
    if key == "push_years":
        return "for the whole horizon" if not value else f"for {int(value)} years"
    shown = f"{value:,.1f}".removesuffix(".0")
    if lever.unit.startswith("%"):
        return f"{shown}{lever.unit}"
    return f"{shown} {lever.unit}"


def write_files(setup: Setup, out: Outcome, folder: str | Path, comparison: Comparison | None = None) -> Path:
    """The comparison on the page (or `comparison`: it with its catch-alls' runs, from `carried`) as a results
    folder, written by the project's writer: report.html and budget_impact.xlsx among its files."""
    text = scenario_yaml(setup, out.values)
    target = Path(folder) / f"{setup.baseline.name}_vs_{out.name}"
    scenarios = {setup.baseline.name: (setup.baseline_path, Path(setup.baseline_path).read_text(encoding="utf-8")),
                 out.name: (f"{out.name}.yaml", text)}
    settings = dict(reps=len(setup.seeds), engine="vectorised", parameters="at their means", made_by="dayshift app",
                    levers={k: out.values[k] for k in levers.BY_KEY if k in out.values})
    return write_comparison(comparison or out.comparison, target, scenarios, settings=settings)


def report_files(setup: Setup, out: Outcome, comparison: Comparison | None = None) -> dict[str, bytes]:
    """report.html and budget_impact.xlsx of the comparison on the page, written in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="dayshift-app-") as tmp:
        folder = write_files(setup, out, tmp, comparison)
        return {name: (folder / name).read_bytes() for name in ("report.html", "budget_impact.xlsx")}
