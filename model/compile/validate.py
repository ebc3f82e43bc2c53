"""Whole-scenario validation: a scenario is valid when it passes the schema and the cross-field checks,
its distributions' extremes do too, and it compiles (the leaving chances after every multiplier and the
policy's moves are checked on the compiled tables). This is what `load_scenario` runs.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from model.compile.periods import compile_periods, period_values
from model.compile.spec import Spec, build_spec, with_periods
from model.scenario.checks import check_cross_fields
from model.scenario.distributions import TAIL, Uncertain, find_distributions, parse_distribution
from model.scenario.extends import key_origin, resolve_extends
from model.scenario.messages import pydantic_problems
from model.scenario.paths import substitute, value_at
from model.scenario.problems import Problem, ScenarioError, dotted
from model.scenario.put import RuleBroken, put_numbers
from model.scenario.schema import Scenario
from model.scenario.time_series import find_time_series, parse_time_series
from model.scenario.yaml_reader import parse_yaml, read_text


def load_scenario(path: str | Path) -> Scenario:
    """Load and fully validate a scenario file."""
    return parse_scenario(read_text(path), str(path))


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Validate scenario YAML text; raise ScenarioError listing every problem.

    A scenario may start from another with `extends: other.yaml` (relative to its own file): its values
    are laid over the other's, mappings merged key by key and anything else (lists included) replaced.
    """
    return validate_scenario(parse_yaml(text, source), source)  # which resolves `extends`


def validate_scenario(data: dict, source: str = "<scenario>") -> Scenario:
    """Validate a scenario given as a mapping (as read from YAML); values written as distributions are
    checked, the scenario takes their means, and their extremes must make valid scenarios too."""
    notes: list[str] = []
    chain: list[tuple[str, dict]] = []
    data = resolve_extends(data, source, notes=notes, chain=chain)
    try:
        scenario = _validate_merged(data, source)
    except ScenarioError as exc:
        raise ScenarioError(exc.source, [_blame(p, chain) for p in exc.problems]) from None
    scenario._notes = notes + scenario_notes(scenario)
    return scenario


def _blame(problem: Problem, chain: list[tuple[str, dict]]) -> Problem:
    """A problem whose key stands in a file the scenario extends says which file."""
    origin = key_origin(chain, problem.path) if problem.path and len(chain) > 1 else None
    if origin is None:
        return problem
    return dataclasses.replace(problem, message=f"{problem.message} [this key is written in {origin}, which the "
                                                "scenario extends]")


def scenario_notes(scenario: Scenario) -> list[str]:
    """What a valid scenario may not mean: no costs at all (every result in money would be zero)."""
    spec = scenario._compiled
    money = [spec.costs.state_cost, spec.costs.move_cost] if spec is not None else []
    if spec is not None and not any(np.any(np.asarray(m, dtype=float) != 0) for m in money):
        return ["no state or move has a cost (`costs` is empty or zero), so every sum of money in the results "
                "will be zero; give costs.states (weekly cost of each state) to see spending"]
    return []


def _validate_merged(data: dict, source: str) -> Scenario:
    """Validate a scenario whose `extends` chain is merged in."""
    found = find_distributions(data)
    if not found:
        scenario = _validate_plain(data, source)
        _check_correlation(scenario, [], source)
        scenario._data = data
        return scenario
    problems, uncertain = [], []
    for path, raw in found:
        if _fixed_path(path):
            problems.append(Problem(dotted(list(path)), "cannot be a distribution: it changes who is in the model "
                                    "or when, and every draw of a PSA runs over the same people and cycles", raw, True))
            continue
        try:
            uncertain.append(Uncertain(path, parse_distribution(raw)))
        except ValueError as exc:
            problems.append(Problem(dotted(list(path)), str(exc), raw, True))
    if problems:
        raise ScenarioError(source, problems)
    means = {u.path: u.mean() for u in uncertain}
    scenario = _validate_plain(substitute(data, means), source)
    for u in uncertain:
        for q, label in ((0.0, "lowest"), (1.0, "highest")):
            value = float(u.quantile(q))
            try:
                _validate_plain(substitute(data, {**means, u.path: value}), source)
            except ScenarioError as exc:
                problems.append(Problem(u.name, f"the distribution's {label} draw ({value:.6g}, at the "
                                        f"{100 * TAIL:g}% tail) is not allowed: {exc.problems[0]}"))
    if not problems and len(uncertain) > 1:  # values that are fine alone may not be together (sums, shares)
        for q, label in ((0.0, "lowest"), (1.0, "highest")):
            try:
                _validate_plain(substitute(data, {u.path: float(u.quantile(q)) for u in uncertain}), source)
            except ScenarioError as exc:
                problems.append(Problem("", f"with every distribution at its {label} draw together the scenario "
                                        f"is not allowed: {exc.problems[0]}"))
    if problems:
        raise ScenarioError(source, problems)
    _check_correlation(scenario, uncertain, source)
    scenario._uncertain = uncertain
    scenario._data = data
    return scenario


def _check_correlation(scenario: Scenario, uncertain: list[Uncertain], source: str) -> None:
    """Correlated parameters must be values written as distributions, and their matrix a valid correlation."""
    corr = scenario.correlation
    if corr is None:
        return
    names = {u.name for u in uncertain}
    problems = [Problem(f"correlation.parameters[{i}]", "is not a value written as a distribution in this scenario"
                        + (f"; these are: {', '.join(sorted(names))}" if names else ""), p)
                for i, p in enumerate(corr.parameters) if p not in names]
    try:
        np.linalg.cholesky(np.array(corr.matrix, dtype=float))
    except np.linalg.LinAlgError:
        problems.append(Problem("correlation.matrix", "is not a valid correlation matrix (not positive definite: "
                                "some correlations contradict each other)", corr.matrix))
    if problems:
        raise ScenarioError(source, problems)


_FIXED = (("horizon",), ("cycle",), ("start",), ("population", "inflow", "per_year"),
          ("population", "inflow", "until_year"), ("population", "age_bands"), ("population", "bands"))


def draws_may_vary(path: tuple) -> bool:
    """Whether the value at a path may differ between PSA draws run together (it does not decide who is in
    the model or when)."""
    return not _fixed_path(path)


def _fixed_path(path: tuple) -> bool:
    """Values that decide who is in the model and when; they cannot vary between PSA draws."""
    if any(path[: len(f)] == f for f in _FIXED):
        return True
    if path[:2] == ("population", "initial") and path[-1] in ("count", "state"):
        return True
    if path[:4] == ("policy", "personal_budgets", "uptake", "years"):
        return True
    if "years" in path or "calendar_years" in path:  # when a time series' values apply
        return True
    return "time_in_state" in path and "months" in path


def validate_numbers_changed(data: dict, series: tuple[tuple, ...], source: str = "<scenario>") -> Scenario:
    """Validate a valid scenario's data with only numbers changed (a PSA draw, a sweep's point): no `extends`,
    no distributions, time series at `series` (where the valid scenario has them) and nowhere else. Every rule a
    number can break is checked, the same checks as `validate_scenario`; only its searches of the data are skipped."""
    scenario = _validate_plain(data, source, [(p, value_at(data, p)) for p in series])
    scenario._data = data
    scenario._notes = scenario_notes(scenario)
    return scenario


def compiled_between(scenario: Scenario, data: dict, values: dict[tuple, float], series: tuple[tuple, ...],
                     source: str = "<scenario>") -> Spec:
    """The compiled spec of a loaded scenario with numbers put at paths (`data`: its data with them), each between
    the extremes its field was checked at when the scenario was loaded (a PSA's draws; `series`: where the scenario
    has time series, whose points may be among them). The schema is not run again (`model.scenario.put`), but every
    rule relating fields is, in every period: the schema's after-validators, the cross-field checks, the compiled
    leaving chances and money. (Each period's values together, as the run meets them; not also each series' point
    alone with the others at their first values, as loading a scenario checks.) ScenarioError if a rule is broken;
    `put.NotPlain` if the numbers cannot be put this way (the caller validates the scenario instead)."""
    spec = scenario._compiled
    plain = {p: v for p, v in values.items() if not any(p[: len(s)] == s for s in series)}
    periods = [(0, plain)]
    if series:  # each period's values of every series, from the draw's points: a period's scenario differs from
        # the loaded one's first period only there and in the plain numbers drawn, so that is where they are put
        cal = spec.calendar
        found = [(p, parse_time_series(value_at(data, p))) for p in series]
        periods = [(k, {**plain, **v}) for k, v in period_values(found, cal.start_year, cal.start_month,
                                                                 cal.cycle_months)]
    made = []
    for k, put in periods:
        try:
            sc = put_numbers(spec.scenario, put)
            if sc.correlation is not None:  # how values are drawn together; a draw has its values already
                sc = sc.model_copy(update={"correlation": None})
            problems = check_cross_fields(sc)
            if not problems:
                sc._compiled = build_spec(sc, source=source)
                check_money(sc._compiled, source)
        except RuleBroken as exc:
            problems = [Problem(dotted(list(exc.path)), str(exc))]
        except ScenarioError as exc:
            problems = exc.problems
        if problems:
            if k:
                problems = [dataclasses.replace(p, message=f"{p.message} (from cycle {k})") for p in problems]
            raise ScenarioError(source, problems)
        made.append((k, sc._compiled))
    first = made[0][1]
    first.scenario._notes = scenario_notes(first.scenario)
    return with_periods(first, made) if series else first


def _validate_plain(data: dict, source: str, series: list[tuple[tuple, dict]] | None = None) -> Scenario:
    """Validate a scenario with plain numbers only (numbers given over time: each period's, see
    `model.compile.periods`); `series`: its time series, if already found."""
    series = find_time_series(data) if series is None else series
    if series:  # each period's data has plain numbers: no second search for series in it
        return compile_periods(data, series, source, _validate_numbers, _fixed_path)
    return _validate_numbers(data, source)


def _validate_numbers(data: dict, source: str) -> Scenario:
    """Validate and compile a scenario whose numbers are all plain (no time series, no distributions)."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, pydantic_problems(exc, data)) from None
    except (TypeError, ValueError, RecursionError) as exc:  # pragma: no cover - defensive
        raise ScenarioError(source, [Problem("", f"cannot be read as a scenario: {exc}")]) from None
    problems = check_cross_fields(scenario)
    if problems:
        raise ScenarioError(source, problems)
    # The compiled tables hold the last checks (leaving chances after all multipliers); the spec is kept,
    # so callers that run the scenario do not compile it again.
    scenario._compiled = build_spec(scenario, source=source)
    check_money(scenario._compiled, source)
    return scenario


# Where each compiled money table comes from in the scenario, for messages.
_MONEY_SOURCES = {"state_cost": "costs.states", "move_cost": "costs.transitions", "benefits": "public_purse.benefits_weekly",
                  "work_benefit": "public_purse",
                  "work_tax": "public_purse", "work_earnings": "public_purse.in_work.wage_per_hour",
                  "outcome_weight": "outcome_weights",
                  "place_cost": "policy.employment_support.service_models",
                  "base_budget": "policy.employment_support.budget_per_year",
                  "fixed_per_cycle": "costs.day_centres.fixed_per_year"}


def check_money(spec: Spec, source: str = "<scenario>") -> None:
    """Money as compiled (per cycle, every table) must be finite, and so must the most a run could add up:
    every person at the dearest cost for every cycle. Raise ScenarioError naming the scenario's field."""
    problems, most = [], 0.0
    for part in (spec.costs, spec.policy, spec.centres):
        if part is None:
            continue
        for f in dataclasses.fields(part):
            try:
                values = np.asarray(getattr(part, f.name), dtype=float)
            except (TypeError, ValueError):
                continue  # names, not numbers
            if not values.size:
                continue
            top = float(np.abs(values).max())  # not finite if any value is not (NaN and infinity both carry)
            if not math.isfinite(top):
                problems.append(Problem(_MONEY_SOURCES.get(f.name, f.name), "gives money per cycle that is not a finite "
                                        "number once compiled; use realistic values"))
            else:
                most += top
    if not problems:
        with np.errstate(over="ignore"):
            total = np.float64(most) * max(spec.cohort.n_ids, 1) * spec.calendar.n_cycles * 168.0
        if not np.isfinite(total):
            problems.append(Problem("costs", "money over the run could exceed the largest number the model can add up; "
                                    "use realistic costs"))
    if problems:
        raise ScenarioError(source, problems)

