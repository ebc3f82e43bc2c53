"""Comparing policies with a baseline on the same people and the same random numbers.

Every policy runs with the baseline's seed (common random numbers: the same person draws the same
uniform for the same decision in every scenario), so differences are the policy's, not noise.
Replications (`reps`) repeat that with independent seeds spawned from one root seed; a probabilistic
sensitivity analysis (`psa`) draws parameter sets, paired across scenarios by parameter path, and by default
runs each draw on its own random numbers (so its interval holds parameter and first-order uncertainty
together), or on common numbers across draws. Figures carry their mean and a 95% interval (the 2.5% and
97.5% points across runs). The first policy's saving is split by its levers on the first seeds
(`model.analysis.decomposition`), and what the saving rests on is said in words from its catch-alls and tornado.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.analysis import budget_impact, cost_effectiveness, value_of_information
from model.analysis.budget_impact import Monthly, MonthlyColumns, by_year
from model.analysis.decomposition import Decomposition, decompose, subsets_run
from model.analysis.labels import carried_words, financial_year, money, whose_words
from model.analysis.posterior import JointSample
from model.analysis.psa_draws import draw_specs, uncertain_space
from model.analysis.stats import interval, replication_seeds
from model.compile.spec import Spec, compiled
from model.compile.validate import validate_scenario
from model.engine.results import SimulationResult, budget_shift, work_column
from model.engine.simulate import each_draw, simulate, simulate_draws, start_workers
from model.engine.streams import seed_from
from model.scenario.paths import at_means, parse_path, substitute, value_at
from model.scenario.problems import Problem, ScenarioError
from model.scenario.schema import Scenario

# Willingness to pay per unit of discounted outcome (for the shipped scenarios, a year in paid work) at which
# the value of information is reported.
WTP_PER_OUTCOME = [0.0, 1000.0, 2000.0, 5000.0, 10000.0, 20000.0, 30000.0, 50000.0]
# Runs behind each subset of levers in the decomposition: one run of 2^7 = 128 subsets (essex_live's levers) takes
# about 20 seconds, and one run already tells the lever that carries the saving from the rest.
DECOMPOSITION_RUNS = 1
# Unless asked for, the decomposition is left out when its subsets would take more person-cycles than this (about
# 30 seconds on one core; essex_live's 128 subsets of 1,560 people over 240 months take 48 million).
DECOMPOSITION_BUDGET = 80_000_000


def _in_work(monthly: Monthly, spec: Spec) -> np.ndarray:
    """People in paid work each cycle (none where the scenario has no paid work)."""
    col = work_column(spec)
    return np.asarray(monthly[col]) if col is not None else np.zeros(len(monthly), dtype=np.int64)


def check_comparable(baseline: Scenario, policies: list[Scenario]) -> None:
    """A comparison needs the same calendar (start, horizon, cycle), the same people, and paid work."""
    problems = []
    for p in policies:
        for field_ in ("start", "horizon", "cycle"):
            if getattr(p, field_) != getattr(baseline, field_):
                problems.append(Problem(field_, f"{p.name} has {getattr(p, field_)!r} but the baseline "
                                        f"{baseline.name} has {getattr(baseline, field_)!r}; they must match"))
    base_people = _people(baseline)
    for p in policies:
        people = _people(p)
        if people != base_people:
            problems.append(Problem("population", f"{p.name} starts with {people[0]:,} people and takes "
                                    f"{people[1]:g} entrants a year, but {baseline.name} (the baseline) starts "
                                    f"with {base_people[0]:,} and takes {base_people[1]:g}; a "
                                    "comparison must follow the same people, so give the baseline the same "
                                    "population (a policy moves people between states, it does not add them)"))
    if problems:
        raise ScenarioError("comparison", problems)


def _people(sc: Scenario) -> tuple:
    """Who a scenario creates: people at the start, entrants a year, and the year entry stops."""
    inflow = sc.population.inflow
    return (sum(g.count for g in sc.population.initial), inflow.per_year if inflow else 0.0,
            inflow.until_year if inflow else None)


def year_end(values: np.ndarray, spec: Spec) -> np.ndarray:
    """A stock (one value per cycle) at the end of each projection year."""
    per_year = 12 // spec.calendar.cycle_months
    n_years = len(values) // per_year
    return values[per_year - 1 : n_years * per_year : per_year]


def _leaving_day(spec: Spec) -> str | None:
    return spec.states[spec.day_state] if spec.day_state >= 0 else None


def pair_metrics(base: SimulationResult, pol: SimulationResult) -> tuple[pd.DataFrame, dict]:
    """Year-by-year and whole-horizon differences of one policy run from its paired baseline run."""
    yearly, totals = _paired(base, pol)
    return pd.DataFrame(yearly), totals


def _paired(base: SimulationResult, pol: SimulationResult) -> tuple[dict[str, np.ndarray], dict]:
    """`pair_metrics` with the yearly table as its columns. A PSA pairs a thousand runs in the process that gathers
    them, and adding the columns to a DataFrame one at a time took more than half of each pair's time (10.5 ms a
    pair, 4.4 ms made at once)."""
    bs, ps = base.spec, pol.spec
    # Lifetime runs end when everyone has left, which may differ by a few cycles: compare the common span.
    n = min(len(base.monthly), len(pol.monthly))
    bm, pm = MonthlyColumns(base.monthly, n), MonthlyColumns(pol.monthly, n)
    years = np.arange(1, len(year_end(bm["cycle"], bs)) + 1)
    yearly = {"year": years}
    yearly["in_work_baseline"] = year_end(_in_work(bm, bs), bs)
    yearly["in_work_policy"] = year_end(_in_work(pm, ps), ps)
    yearly["extra_in_work"] = yearly["in_work_policy"] - yearly["in_work_baseline"]
    yearly["extra_job_starts"] = by_year(pm, ps, "job_starts") - by_year(bm, bs, "job_starts")
    day = _leaving_day(bs)
    if day is not None:
        # Leaving day services: moves out of the day state into a state billed to another service
        # (a referral into a waiting list still paid for by day services does not count).
        live = bs.states[: bs.n_live]
        day_service = bs.costs.state_service[bs.day_state]
        away = [s for i, s in enumerate(live) if bs.costs.state_service[i] != day_service]
        yearly["extra_leaving_day_services"] = sum(
            by_year(pm, ps, f"flow_{day}_to_{s}") - by_year(bm, bs, f"flow_{day}_to_{s}") for s in away)
    yearly["cost_baseline"] = by_year(bm, bs, "cost_council")
    yearly["cost_policy"] = by_year(pm, ps, "cost_council")
    yearly["saving_undiscounted"] = yearly["cost_baseline"] - yearly["cost_policy"]
    yearly["saving_public_purse"] = by_year(bm, bs, "cost_public_purse") - by_year(pm, ps, "cost_public_purse")
    for s in bs.costs.services:
        if f"cost_{s}" in pm:
            yearly[f"saving_{s}"] = by_year(bm, bs, f"cost_{s}") - by_year(pm, ps, f"cost_{s}")
    for name, m, spec in (("baseline", bm, bs), ("policy", pm, ps)):
        pro, re = by_year(m, spec, "cost_proactive"), by_year(m, spec, "cost_reactive")
        yearly[f"proactive_share_{name}"] = np.where(pro + re > 0, pro / np.where(pro + re > 0, pro + re, 1), np.nan)
        yearly[f"budget_shift_{name}"] = budget_shift(re / (12 // spec.calendar.cycle_months), m["cost_reactive"][0],
                                                      m["cost_proactive"][0])
    lines = budget_impact.yearly_lines(bm, pm, bs, ps)
    yearly.update((k, v) for k, v in lines.items() if k != "saving_council")
    extra_jobs = float(pm["job_starts"].sum() - bm["job_starts"].sum())
    incremental = float(pm["cost_council_disc"].sum() - bm["cost_council_disc"].sum())
    # Person-years in work gained, for the saving per person in work (Kent's measure).
    person_years = float((_in_work(pm, ps).sum() - _in_work(bm, bs).sum()) * bs.calendar.cycle_months / 12)
    purse = float(bm["cost_public_purse"].sum() - pm["cost_public_purse"].sum())
    council = float(bm["cost_council"].sum() - pm["cost_council"].sum())
    extra_outcomes = float(pm["outcomes_disc"].sum() - bm["outcomes_disc"].sum())
    people = max(1, bs.cohort.n_ids)
    totals = dict(
        extra_job_starts=extra_jobs,
        extra_outcomes_disc=extra_outcomes,
        incremental_cost_per_person=incremental / people,
        incremental_outcome_per_person=extra_outcomes / people,
        extra_in_work_final=float(yearly["extra_in_work"][-1]) if len(years) else 0.0,
        npv_saving=-incremental,
        npv_saving_public_purse=float(bm["cost_public_purse_disc"].sum() - pm["cost_public_purse_disc"].sum()),
        saving_undiscounted_total=council,
        cost_per_extra_job=incremental / extra_jobs if extra_jobs > 0 else math.nan,
        break_even_year=budget_impact.break_even_year(yearly["saving_undiscounted"]),
        saves_money=float(incremental < 0),
        saving_cashable_total=float(lines["saving_cashable"].sum()),
        saving_non_cashable_total=float(lines["saving_non_cashable"].sum()),
        investment_total=float(lines["investment"].sum()),
        break_even_year_cashable=budget_impact.break_even_year(lines["saving_cashable"]),
        saving_dwp_total=float(lines["saving_dwp"].sum()),
        saving_hmrc_total=float(lines["saving_hmrc"].sum()),
        extra_person_years_in_work=person_years,
        council_saving_per_extra_person_year=council / person_years if person_years > 0 else math.nan,
        taxpayer_saving_per_extra_person_year=purse / person_years if person_years > 0 else math.nan,
    )
    return yearly, totals


@dataclass
class Comparison:
    """The paired runs of a baseline and its policies, and their differences."""

    baseline: str
    policies: list[str]
    mode: str  # "reps" or "psa"
    seed: int
    yearly: pd.DataFrame  # one row per policy, run and year
    runs: pd.DataFrame  # one row per policy and run
    first: dict[str, SimulationResult]  # the first run of each scenario, for pictures
    start_year: int
    tornado: pd.DataFrame | None = None
    draws: pd.DataFrame | None = None  # the parameter values of each PSA draw
    carried: pd.DataFrame | None = None  # per policy, catch-all and run: the saving with and without it
    notes: list[str] = field(default_factory=list)
    start: str = ""  # the first month, YYYY-MM
    seeds: list[int] = field(default_factory=list)  # the seed of each run (replication or draw)
    psa_common_numbers: bool = False
    decomposition: Decomposition | None = None  # the first policy's saving by lever
    descriptions: dict[str, str] = field(default_factory=dict)  # each scenario's description, by name

    def value_of_information(self, wtp: list[float] | None = None) -> pd.DataFrame | None:
        """EVPI and EVPPI by parameter group of the first policy's PSA, at each willingness to pay per unit
        of discounted outcome (None without a PSA)."""
        if self.mode != "psa" or self.draws is None or not len(self.draws.columns):
            return None
        r = self.runs[self.runs["policy"] == self.policies[0]]
        return value_of_information.voi_table(self.draws, r["npv_saving"].to_numpy(),
                                              r["extra_outcomes_disc"].to_numpy(),
                                              wtp if wtp is not None else WTP_PER_OUTCOME)

    def uncertainty(self) -> dict:
        """What the intervals cover, and how many runs they rest on."""
        n = len(self.runs) // max(1, len(self.policies))
        if self.mode == "psa" and not self.psa_common_numbers:
            covers = ("parameter and first-order uncertainty together: each PSA draw has its own parameter "
                      "values and its own random numbers (the baseline and the policy share them within a draw)")
        elif self.mode == "psa":
            covers = ("parameter uncertainty only: each PSA draw has its own parameter values, and every draw "
                      "reads the same random numbers")
        elif n > 1:
            covers = ("first-order (chance) uncertainty only: replications with their own random numbers, every "
                      "parameter at its mean")
        else:
            covers = "none: one run, every parameter at its mean; give --reps or --psa for an interval"
        return dict(covers=covers, runs=n, interval="2.5% and 97.5% points across runs")

    def budget_impact(self, policy: str) -> dict[str, pd.DataFrame]:
        """The budget-impact tables of one policy (`model.analysis.budget_impact.views`)."""
        return budget_impact.views(self.yearly, policy, self.first_month())

    def summary(self) -> dict:
        """The comparison's headline figures, per policy (and the first policy's at the top level)."""
        per = {}
        for name in self.policies:
            y = self.yearly[self.yearly["policy"] == name]
            r = self.runs[self.runs["policy"] == name]
            years = {int(k): g for k, g in y.groupby("year")}
            incremental = -r["npv_saving"].to_numpy()
            jobs = r["extra_job_starts"].to_numpy()
            mean_ratio = float(incremental.mean() / jobs.mean()) if len(r) and jobs.mean() > 0 else None
            per[name] = dict(
                runs=int(len(r)),
                extra_in_work_by_year={k: interval(g["extra_in_work"]) for k, g in years.items()},
                extra_job_starts_by_year={k: interval(g["extra_job_starts"]) for k, g in years.items()},
                extra_leaving_day_services_by_year=(
                    {k: interval(g["extra_leaving_day_services"]) for k, g in years.items()}
                    if "extra_leaving_day_services" in y else {}),
                saving_undiscounted_by_year={k: interval(g["saving_undiscounted"]) for k, g in years.items()},
                saving_public_purse_by_year={k: interval(g["saving_public_purse"]) for k, g in years.items()},
                proactive_share_by_year={k: dict(baseline=interval(g["proactive_share_baseline"])["mean"],
                                                 policy=interval(g["proactive_share_policy"])["mean"])
                                         for k, g in years.items()},
                budget_shift_by_year={k: dict(baseline=interval(g["budget_shift_baseline"])["mean"],
                                              policy=interval(g["budget_shift_policy"])["mean"])
                                      for k, g in years.items()},
                extra_job_starts=interval(r["extra_job_starts"]),
                npv_saving=interval(r["npv_saving"]),
                npv_saving_public_purse=interval(r["npv_saving_public_purse"]),
                saving_undiscounted_total=interval(r["saving_undiscounted_total"]),
                prob_saves_money=float(r["saves_money"].mean()) if len(r) else None,
                cost_per_extra_job=dict(interval(r["cost_per_extra_job"]), ratio_of_means=mean_ratio),
                break_even_year=interval(r["break_even_year"]),
                share_never_breaking_even=float(r["break_even_year"].isna().mean()) if len(r) else None,
                # The money as a finance director sees it: undiscounted, banked or not, and who gains.
                saving_cashable_by_year={k: interval(g["saving_cashable"]) for k, g in years.items()},
                saving_non_cashable_by_year={k: interval(g["saving_non_cashable"]) for k, g in years.items()},
                investment_by_year={k: interval(g["investment"]) for k, g in years.items()},
                saving_by_payer_by_year={k: dict(council=interval(g["saving_undiscounted"])["mean"],
                                                 dwp=interval(g["saving_dwp"])["mean"],
                                                 hmrc=interval(g["saving_hmrc"])["mean"]) for k, g in years.items()},
                saving_cashable_total=interval(r["saving_cashable_total"]),
                saving_non_cashable_total=interval(r["saving_non_cashable_total"]),
                investment_total=interval(r["investment_total"]),
                break_even_year_cashable=interval(r["break_even_year_cashable"]),
                share_never_breaking_even_cashable=(float(r["break_even_year_cashable"].isna().mean())
                                                    if len(r) else None),
                saving_dwp_total=interval(r["saving_dwp_total"]),
                saving_hmrc_total=interval(r["saving_hmrc_total"]),
                extra_person_years_in_work=interval(r["extra_person_years_in_work"]),
                council_saving_per_extra_person_year=interval(r["council_saving_per_extra_person_year"]),
                taxpayer_saving_per_extra_person_year=interval(r["taxpayer_saving_per_extra_person_year"]),
                carried_by=self._carried_by(name),
                cost_effectiveness=self._cost_effectiveness(name, r),
                decomposition=(self.decomposition.summary() if self.decomposition is not None
                               and self.decomposition.policy == name else None),
            )
            per[name]["rests_on"] = self.rests_on(name, per[name])
        first = per[self.policies[0]]
        return dict(baseline=self.baseline, policies=per, mode=self.mode, seed=self.seed, start_year=self.start_year,
                    start=self.first_month(), descriptions=dict(self.descriptions), uncertainty=self.uncertainty(),
                    notes=self.notes, **{k: v for k, v in first.items()})

    def first_month(self) -> str:
        """The first month of the projection, YYYY-MM."""
        return self.start or f"{self.start_year}-04"

    def rests_on(self, policy: str, s: dict) -> list[dict]:
        """The assumptions that carry most of a policy's saving, and how much each carries, in words: its
        calibrated catch-alls (the saving each carries) and the tornado's widest swings (first policy only)."""
        saving = s["npv_saving"]["mean"] or 0.0
        out = []
        for c in s.get("carried_by", []):
            if c["share_of_saving"] is None:
                continue
            out.append(dict(kind="catch-all", label=c["label"], share_of_saving=c["share_of_saving"],
                            text=carried_words(c, saving)))
        if self.tornado is not None and len(self.tornado) and policy == self.policies[0]:
            for row in self.tornado.head(RESTS_ON_SWINGS).itertuples():
                lo, hi = sorted((row.npv_saving_low, row.npv_saving_high))
                share = row.swing / abs(saving) if saving else None
                of = f" ({100 * share:.0f}% of the saving)" if share is not None else ""
                words = whose_words(row.parameter, getattr(row, "scenarios", None))
                out.append(dict(kind="swing", label=words, parameter=row.parameter, swing=float(row.swing),
                                low=float(lo), high=float(hi), share_of_saving=share, text=(
                                    f"{words[0].upper()}{words[1:]}: from its 2.5% to its 97.5% point the "
                                    f"saving runs from {money(lo)} to {money(hi)}, a swing of "
                                    f"{money(row.swing)}{of}.")))
        return out

    def _cost_effectiveness(self, policy: str, r: pd.DataFrame) -> dict:
        """Per person: the increments across runs (mean, interval and MCSE), the ICER (ratio of mean increments),
        net monetary benefit and the acceptability curve; and, within the first run, per-person MCSEs."""
        d_cost = r["incremental_cost_per_person"].to_numpy()
        d_out = r["incremental_outcome_per_person"].to_numpy()
        n = max(1, len(r))

        def across(values: np.ndarray) -> dict:
            mcse = float(np.std(values, ddof=1) / math.sqrt(n)) if n > 1 else None
            return dict(interval(values), mcse=mcse)

        thresholds = cost_effectiveness.THRESHOLDS
        out = dict(incremental_cost_per_person=across(d_cost), incremental_outcome_per_person=across(d_out),
                   icer=cost_effectiveness.icer(float(d_cost.mean()), float(d_out.mean())) if len(r) else None,
                   net_monetary_benefit_per_person={f"{t:g}": across(t * d_out - d_cost) for t in thresholds},
                   acceptability={f"{t:g}": float(p) for t, p in zip(
                       thresholds, cost_effectiveness.acceptability(d_cost, d_out, np.array(thresholds)))})
        base, pol = self.first.get(self.baseline), self.first.get(policy)
        if base is not None and pol is not None and len(base.people) and len(pol.people):
            out["first_run_per_person"] = cost_effectiveness.per_person(base.people, pol.people, thresholds)
        return out

    def _carried_by(self, policy: str) -> list[dict]:
        """How much of the policy's saving each of its calibrated catch-alls carries."""
        if self.carried is None or not len(self.carried):
            return []
        out = []
        for label, g in self.carried[self.carried["policy"] == policy].groupby("label", sort=False):
            saving, carried = g["npv_saving"].mean(), g["carried"].mean()
            out.append(dict(label=label, path=g["path"].iloc[0], without=float(g["without"].iloc[0]),
                            npv_saving_without=interval(g["npv_saving_without"]), carried=interval(g["carried"]),
                            share_of_saving=float(carried / saving) if saving > 0 else None))
        return out

    def headline(self, summary: dict | None = None) -> str:
        """The answer in plain words, for the first policy (from `summary` when it is already at hand)."""
        s = summary or self.summary()
        name = self.policies[0]
        years = sorted(s["extra_in_work_by_year"])
        if not years:
            return f"{name} compared with {self.baseline}: the horizon is shorter than a year."
        if all(work_column(r.spec) is None for r in self.first.values()):  # a decision model: no paid work
            ce = s["cost_effectiveness"]
            d_cost, d_out = ce["incremental_cost_per_person"]["mean"], ce["incremental_outcome_per_person"]["mean"]
            ratio = "" if ce["icer"] is None else f": £{ce['icer']:,.0f} per unit of outcome gained (ICER)"
            return (f"Per person, {name} costs £{abs(d_cost):,.0f} {'more' if d_cost >= 0 else 'less'} than "
                    f"{self.baseline} and gains {d_out:,.3f} units of outcome (discounted), over {s['runs']} "
                    f"{'parameter draws' if self.mode == 'psa' else 'replications' if s['runs'] > 1 else 'run'}"
                    f"{ratio}.")
        y5 = years[min(4, len(years) - 1)]
        last = years[-1]
        start = self.first_month()
        w = s["extra_in_work_by_year"][last]
        save5 = s["saving_undiscounted_by_year"][y5]["mean"]
        npv = s["npv_saving"]
        what = "parameter draws" if self.mode == "psa" else "replications"
        people = f"{abs(w['mean']):,.0f} {'more' if w['mean'] >= 0 else 'fewer'} people are in paid work"
        spend = ("about the same" if abs(save5) < 5000 else
                 f"{money(abs(save5))} {'less' if save5 >= 0 else 'more'}")
        saves = (f"saves the council {money(npv['mean'])} against {self.baseline}" if npv["mean"] >= 0 else
                 f"costs the council {money(-npv['mean'])} more than {self.baseline}")
        span = f"{financial_year(years[0], start)} to {financial_year(last, start)}"
        carried = [carried_words(c, npv["mean"]) for c in s.get("carried_by", []) if c["share_of_saving"] is not None]
        # A comparison leads with the saving; the people in work follow.
        return " ".join([
            f"Over {last} years ({span}), {name} {saves}, discounted"
            + (_interval_words(npv, money, " saved") if npv["mean"] >= 0 else
               _interval_words(negated(npv), money, " more")) + ".",
            f"In {financial_year(y5, start)} (year {y5}) the council spends {spend}.",
            f"By the end of {financial_year(last, start)}, {people} under {name} than under {self.baseline}"
            + _interval_words(w, lambda v: f"{v:,.0f}") + ".",
            (f"The policy saves the council money in {100 * s['prob_saves_money']:.0f}% of {s['runs']} {what}."
             if s["runs"] > 1 else "This is one run: how often the policy saves money needs --reps or --psa."),
            *carried,
        ])


RESTS_ON_SWINGS = 3  # the tornado's widest swings named in 'what this rests on'


def negated(d: dict) -> dict:
    """A mean and interval of a quantity as those of its negative (a saving as an extra cost); None stays None."""
    low, high, mean = d.get("low"), d.get("high"), d.get("mean")
    return dict(d, mean=None if mean is None else -mean, low=None if high is None else -high,
                high=None if low is None else -low)


def _interval_words(d: dict, fmt, unit: str = "") -> str:
    if d["low"] is None or d["low"] == d["high"]:
        return ""
    return f" (95% interval {fmt(d['low'])} to {fmt(d['high'])}{unit})"


def pair_run(name: str, run: int, base: SimulationResult, pol: SimulationResult) -> tuple[dict, dict]:
    """One paired run's yearly differences (columns; `yearly_table` stacks them) and totals, labelled with the
    policy and the run."""
    yearly, totals = _paired(base, pol)
    years = len(yearly["year"])
    # A view of a run's column would keep its chunk's whole table alive for as long as the pair is kept (a
    # 1,000-draw PSA held every policy table to its end: 0.1 GB).
    owned = {k: v.copy() if isinstance(v, np.ndarray) and v.base is not None else v for k, v in yearly.items()}
    return {"policy": [name] * years, "run": np.full(years, run), **owned}, dict(policy=name, run=run, **totals)


def yearly_table(parts: list[dict]) -> pd.DataFrame:
    """The yearly differences of paired runs (`pair_run`), one under another: made once, not a DataFrame a pair
    (a PSA pairs a thousand runs in the process that gathers them; a DataFrame a pair, then joined, took 0.4 ms a
    pair)."""
    if not parts:
        return pd.DataFrame()
    return pd.DataFrame({c: np.concatenate([p[c] for p in parts]) if c != "policy" else
                         [name for p in parts for name in p[c]] for c in parts[0]})


def compare(baseline: Scenario, policies: list[Scenario], reps: int = 1, psa: int = 0, seed: int | None = None,
            common_random_numbers: bool = True, tornado: bool = True,
            progress: Callable[[int, int], None] | None = None, psa_common_numbers: bool = False,
            psa_sample: JointSample | None = None, decomposition_runs: int | None = None,
            workers: int = 1) -> Comparison:
    """Run a baseline and its policies paired, over replications or PSA draws, and difference them. PSA draws
    run on their own random numbers unless `psa_common_numbers`; a scenario's calibrated parameters are drawn
    together from `psa_sample` when it is that scenario's. The first policy's saving is split by its levers on
    the first `decomposition_runs` seeds (0: not split; None: on DECOMPOSITION_RUNS seeds unless that would take
    longer than DECOMPOSITION_BUDGET allows, which a note then says). Runs of many draws are split over `workers`
    processes (`simulate_draws`), with the same numbers."""
    check_comparable(baseline, policies)
    # Progress in runs (one scenario over one seed or draw), over every stage: the runs, the catch-alls run
    # again, and the tornado's points.
    n = psa if psa > 0 else max(1, reps)
    if psa > 0:
        start_workers(compiled(baseline), psa, workers)  # while the parameter sets are drawn
    tornado_on = tornado and any(sc.uncertain for sc in [baseline, *policies])
    names = {u.name for sc in (baseline, policies[0]) for u in sc.uncertain}
    decomposition_subsets = subsets_run(baseline, policies[0]) if decomposition_runs != 0 else 0
    late_notes = []
    if decomposition_runs is None:
        decomposition_runs = DECOMPOSITION_RUNS
        spec = compiled(baseline)
        cost = decomposition_subsets * spec.cohort.n_ids * spec.calendar.n_cycles * DECOMPOSITION_RUNS
        if cost > DECOMPOSITION_BUDGET:
            late_notes.append(f"The saving is not split by lever: {policies[0].name}'s {decomposition_subsets} subsets "
                              f"of levers would take {cost / 1e6:,.0f} million person-cycles, more than the "
                              f"{DECOMPOSITION_BUDGET / 1e6:,.0f} million a comparison spends on it unless asked "
                              "(decomposition_runs).")
            decomposition_subsets = 0
    total = n * (1 + len(policies)) + (0 if psa > 0 else n * sum(len(p.catch_alls) for p in policies)) + (
        2 * (1 + 2 * len(names)) * min(n, TORNADO_SEEDS) if tornado_on else 0) + (
        decomposition_subsets * min(n, decomposition_runs))
    done = [0.0]

    def tick(runs: float) -> None:
        done[0] += runs
        if progress is not None:
            progress(min(done[0], total), total)

    def within(k: int):  # progress inside a call that runs k draws together
        start = done[0]
        return None if progress is None else (lambda d, t: progress(min(start + k * d / max(t, 1), total), total))

    root = seed_from(seed, baseline.seed)
    base_spec = compiled(baseline)
    pol_specs = [compiled(p) for p in policies]
    notes = []
    for p, ps in zip(policies, pol_specs):
        if ps.cohort.n_ids != base_spec.cohort.n_ids or not np.array_equal(ps.cohort.inflow, base_spec.cohort.inflow):
            notes.append(f"{p.name} creates different people from {baseline.name} (initial stock or inflow "
                         "differ), so its random numbers are paired only by person id.")
    yearly_parts, run_rows = [], []
    base_runs: list[SimulationResult] = []  # kept only to rerun policies without their catch-alls
    carries = any(p.catch_alls for p in policies)
    first: dict[str, SimulationResult] = {}
    draws_table = None
    if psa > 0:
        mode = "psa"
        seeds = [root] * psa if psa_common_numbers else replication_seeds(root, psa)
        base_draws, table = draw_specs(baseline, psa, root, psa_sample)
        draws_table = table
        pol_draws = []
        for p in policies:
            pdraws, ptable = draw_specs(p, psa, root, psa_sample)
            pol_draws.append(pdraws)
            draws_table = pd.concat([draws_table, ptable.drop(columns=[c for c in ptable if c in draws_table])], axis=1)
        # Every scenario's draws run in step, each paired as it comes and then let go of, its parameter sets too:
        # holding the baseline's draws for the policies' to come took a 1,000-draw comparison of the shipped
        # scenarios over 1 GB.
        shares = [0.0] * (1 + len(policies))

        def share(j: int):  # progress of the j-th scenario's draws, told as the sum over scenarios
            start = done[0]

            def told(d: int, t: int) -> None:
                shares[j] = psa * d / max(t, 1)
                progress(min(start + sum(shares), total), total)
            return None if progress is None else told

        runs = [each_draw(d, seed=root, people=False, seeds=seeds, progress=share(j), workers=workers)
                for j, d in enumerate([base_draws, *pol_draws])]
        yearly_of, rows_of = [[] for _ in policies], [[] for _ in policies]  # by policy
        calibrated = [psa_sample is not None and psa_sample.scenario == p.name for p in policies]
        reproduces: list[list[bool]] = [[] for _ in policies]
        for i, (b, *rs) in enumerate(zip(*runs, strict=True)):  # strict: every generator run to its end
            if i == 0:
                first[baseline.name] = b
                first.update((p.name, r) for p, r in zip(policies, rs))
            for j, (p, r) in enumerate(zip(policies, rs)):
                if calibrated[j]:
                    reproduces[j].append(psa_sample.within(r))
                y, t = pair_run(p.name, i, b, r)
                yearly_of[j].append(y)
                rows_of[j].append(t)
            for drawn in (base_draws, *pol_draws):
                drawn.forget(i)
        tick(psa * (1 + len(policies)))
        for j in range(len(policies)):  # each policy's draws in turn, in the tables
            yearly_parts += yearly_of[j]
            run_rows += rows_of[j]
            if calibrated[j]:
                notes.append(psa_sample.reproduced(reproduces[j]))
    else:
        mode = "reps"
        seeds = [root] if reps <= 1 else replication_seeds(root, reps)
        other = replication_seeds(root + 1, len(seeds)) if not common_random_numbers else seeds
        # The first replication of each scenario runs alone, kept with its people for the report's per-person
        # figures; the others run together as draws, each on its own seed (the same numbers).
        every = {}
        for name, spec, run_seeds in [(baseline.name, base_spec, seeds)] + [
                (p.name, ps, other) for p, ps in zip(policies, pol_specs)]:
            first[name] = simulate(spec, seed=run_seeds[0])
            tick(1)
            rest = run_seeds[1:]
            every[name] = [first[name], *simulate_draws([spec] * len(rest), people=False, seeds=rest,
                                                        progress=within(len(rest)), workers=workers)]
            tick(len(rest))
        if carries:
            base_runs = every[baseline.name]
        for i in range(len(seeds)):
            for p in policies:
                y, t = pair_run(p.name, i, every[baseline.name][i], every[p.name][i])
                yearly_parts.append(y)
                run_rows.append(t)
    out = Comparison(baseline=baseline.name, policies=[p.name for p in policies], mode=mode, seed=root,
                     yearly=yearly_table(yearly_parts), runs=pd.DataFrame(run_rows),
                     first=first, start_year=base_spec.calendar.start_year, draws=draws_table, notes=notes,
                     start=baseline.start, seeds=list(seeds), psa_common_numbers=psa_common_numbers,
                     descriptions={sc.name: sc.description for sc in (baseline, *policies)})
    if mode == "reps" and carries:
        out.carried = carried_by_catch_alls(policies, base_runs, out.runs, seeds if common_random_numbers else other,
                                            progress=tick, workers=workers)
    if tornado_on:
        # Each parameter's swing, measured on the first of the headline's seeds (common random numbers keep the
        # differences steady), is centred on the headline, so the tornado's base case is the headline's.
        tornado_seeds = list(dict.fromkeys(seeds))[:TORNADO_SEEDS]
        out.tornado = centred(one_way(baseline, policies[0], tornado_seeds, progress=tick, workers=workers),
                              out.runs[out.runs["policy"] == policies[0].name])
    out.notes += late_notes
    if decomposition_subsets:
        _split_by_lever(out, baseline, policies[0], list(dict.fromkeys(seeds))[:decomposition_runs],
                        paired=mode == "reps" and common_random_numbers, progress=tick, workers=workers)
    if progress is not None:
        progress(total, total)
    return out


TORNADO_SEEDS = 3  # runs behind each point of the tornado


def _split_by_lever(out: Comparison, baseline: Scenario, policy: Scenario, seeds: list[int], paired: bool,
                    progress: Callable[[float], None], workers: int = 1) -> None:
    """The first policy's saving split by its levers on the comparison's first seeds, checked against the
    saving of the same runs (the levers must rebuild the policy)."""
    try:
        out.decomposition = decompose(baseline, policy, seeds, metrics=lambda b, p: pair_metrics(b, p)[1],
                                      progress=progress, workers=workers)
    except ScenarioError as exc:  # some mix of levers makes no valid scenario: the comparison stands without it
        out.notes.append(exc.problems[0].message)
        return
    if out.decomposition is None:
        return
    if not paired:
        out.notes.append(f"The saving by lever is at every value's mean, on {len(seeds)} run(s) of its own: its "
                         "total is not the headline's.")
        return
    runs = out.runs[(out.runs["policy"] == policy.name) & (out.runs["run"] < len(seeds))]
    gap = out.decomposition.total["npv_saving"] - float(runs["npv_saving"].mean())
    if abs(gap) > 1e-6 * max(1.0, abs(float(runs["npv_saving"].mean()))):
        out.notes.append(f"The levers rebuild {policy.name} only to within {money(gap)} of its saving on the "
                         "same runs: it differs from the baseline in something the levers leave out.")


def centred(table: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """A one-way table moved so that its centre is the mean of the headline's runs."""
    out = table.copy()
    if not len(out):
        return out
    headlines = (("npv_saving", runs["npv_saving"].mean()), ("extra_in_work", runs["extra_in_work_final"].mean()))
    for col, headline in headlines:
        shift = headline - out[f"{col}_centre"].iloc[0]
        for end in ("low", "high", "centre"):
            out[f"{col}_{end}"] = out[f"{col}_{end}"] + shift
    return out


def carried_by_catch_alls(policies: list[Scenario], base_runs: list[SimulationResult], runs: pd.DataFrame,
                          seeds: list[int], progress: Callable[[float], None] | None = None,
                          workers: int = 1) -> pd.DataFrame:
    """Each policy run again with each calibrated catch-all at its value without it, on the seeds the
    policy ran on and paired with the same baseline runs: the saving it carries is the difference."""
    rows = []
    for p in policies:
        if not p.catch_alls:
            continue
        mine = runs[runs["policy"] == p.name].set_index("run")["npv_saving"]
        data = at_means(p)
        for i, c in enumerate(p.catch_alls):
            path = parse_path(c.path)
            if value_at(data, path, None) is None:
                raise ScenarioError(p.name, [Problem(f"catch_alls[{i}].path", "no such value in the scenario",
                                                     c.path, True)])
            # The whole value at the path (a number, or a series over time) gives way to the value without it.
            spec = compiled(validate_scenario(substitute(data, {path: c.without}), p.name))
            without = simulate_draws([spec] * len(seeds), people=False, seeds=seeds, workers=workers)
            for run, (b, r) in enumerate(zip(base_runs, without)):
                _, totals = pair_metrics(b, r)
                if progress is not None:
                    progress(1)
                rows.append(dict(policy=p.name, label=c.label, path=c.path, without=c.without, run=run,
                                 npv_saving=float(mine[run]), npv_saving_without=totals["npv_saving"],
                                 carried=float(mine[run]) - totals["npv_saving"]))
    return pd.DataFrame(rows)


def one_way(baseline: Scenario, policy: Scenario, seeds: int | list[int], low: float = 0.025,
            high: float = 0.975, progress: Callable[[float], None] | None = None, workers: int = 1) -> pd.DataFrame:
    """One-way sensitivity: each uncertain parameter at its 2.5% and 97.5% points (each scenario at its
    own distribution's point where both have the parameter), the others at their means; the discounted
    saving and the extra people in work at the horizon, each the mean over runs on `seeds` (the centre, every
    parameter at its mean, is then the base case of replications on the same seeds)."""
    seeds = [seeds] if isinstance(seeds, int) else list(seeds)
    names: dict[str, None] = {}
    for sc in (baseline, policy):
        for u in sc.uncertain:
            names.setdefault(u.name)
    points = [(None, 0.5)] + [(name, q) for name in names for q in (low, high)]

    def specs(sc: Scenario) -> list[Spec]:
        out = []
        for name, q in points:
            if sc.uncertain:
                values = {u.path: (float(u.quantile(q)) if u.name == name else u.mean()) for u in sc.uncertain}
                out.append(compiled(uncertain_space(sc).scenario_with(values)))
            else:
                out.append(compiled(sc))
        return out

    base_specs, pol_specs = specs(baseline), specs(policy)
    totals = [[] for _ in points]
    for s in seeds:  # every point of a scenario runs together, on one seed
        pairs = zip(simulate_draws(base_specs, seed=s, people=False, workers=workers),
                    simulate_draws(pol_specs, seed=s, people=False, workers=workers))
        for i, pair in enumerate(pairs):
            totals[i].append(pair_metrics(*pair)[1])
        if progress is not None:
            progress(2 * len(points))
    mean = [{k: float(np.mean([t[k] for t in ts])) for k in ("npv_saving", "extra_in_work_final")} for ts in totals]
    at = {p: m for p, m in zip(points, mean)}

    def value(name: str, q: float) -> float:
        u = next(u for sc in (policy, baseline) for u in sc.uncertain if u.name == name)
        return float(u.quantile(q))

    def whose(name: str) -> str:  # which scenario has the parameter: "both", or the one that does
        has = [sc.name for sc in (baseline, policy) if any(u.name == name for u in sc.uncertain)]
        return "both" if len(has) == 2 else has[0]

    centre = at[(None, 0.5)]
    rows = []
    for name in names:
        lo, hi = at[(name, low)], at[(name, high)]
        rows.append(dict(parameter=name, scenarios=whose(name), low_value=value(name, low),
                         high_value=value(name, high),
                         npv_saving_low=lo["npv_saving"], npv_saving_high=hi["npv_saving"],
                         extra_in_work_low=lo["extra_in_work_final"], extra_in_work_high=hi["extra_in_work_final"],
                         npv_saving_centre=centre["npv_saving"], extra_in_work_centre=centre["extra_in_work_final"]))
    table = pd.DataFrame(rows)
    if len(table):
        table["swing"] = (table["npv_saving_high"] - table["npv_saving_low"]).abs()
        table = table.sort_values("swing", ascending=False).reset_index(drop=True)
    return table
