"""A scenario whose numbers change over time, compiled as periods: the cycles from which any time series
(`model.scenario.time_series`) takes a new value, each with a Spec built from the scenario with every series
at its value for that period. Engines switch to a period's tables at the start of its first cycle.

Every value a series can take is checked as a plain number would be: each point alone (the other series at
their values in the first period) and each period's values together.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from model.compile.spec import with_periods
from model.scenario.paths import substitute
from model.scenario.problems import Problem, ScenarioError, dotted
from model.scenario.schema import Scenario
from model.scenario.time_series import TimeSeries, parse_time_series

# Entrants a year may change over time (the count per cycle follows the running total of each period's rate),
# though not between PSA draws: who is in the model is the same in every draw.
_SERIES_ALLOWED = (("population", "inflow", "per_year"),)
# Where a number cannot change over time, beyond what cannot be a distribution: values the engines read only
# when people are created or at the start, running state (centres, the funding lag), discount rates (they
# have their own schedule) and run settings.
_SERIES_FIXED = (("seed",), ("discounting",), ("catch_alls",), ("population", "initial"),
                 ("population", "inflow", "until_year"), ("population", "inflow", "age"),
                 ("population", "inflow", "band_mix"), ("population", "inflow", "entry"),
                 ("population", "band_mix"), ("population", "age_mix"), ("population", "state_pension_age"),
                 ("costs", "day_centres", "count"), ("costs", "day_centres", "places_each"),
                 ("costs", "day_centres", "double_running_months"), ("policy", "funding", "lag_months"),
                 ("costs", "weeks_per_year"))


def compile_periods(data: dict, found: list[tuple[tuple, dict]], source: str,
                    validate_plain: Callable[[dict, str], Scenario], fixed: Callable[[tuple], bool]) -> Scenario:
    """Validate and compile a scenario with time series (`found`: their paths and mappings); return the
    scenario of the first period, whose compiled spec holds every period. `validate_plain` validates and
    compiles data with plain numbers only; `fixed` says which paths cannot vary between PSA draws."""
    problems, series = [], []
    for path, raw in found:
        if path not in _SERIES_ALLOWED and (fixed(path) or any(path[: len(f)] == f for f in _SERIES_FIXED)):
            problems.append(Problem(dotted(list(path)), "cannot change over time: it decides who is in the model or "
                                    "when, or is read only at the start (give one number); time series are allowed "
                                    "for chances, costs, benefits, budgets, policy levers and entrants a year",
                                    raw, True))
            continue
        try:
            series.append((path, parse_time_series(raw)))
        except ValueError as exc:
            problems.append(Problem(dotted(list(path)), str(exc), raw, True))
    if problems:
        raise ScenarioError(source, problems)

    checked: dict[tuple, Scenario] = {}

    def check(values: dict[tuple, float]) -> Scenario:
        key = tuple(values[p] for p, _ in series)
        if key not in checked:
            checked[key] = validate_plain(substitute(data, values), source)
        return checked[key]

    # The first values give the start and cycle length (or the usual errors about them).
    first = check({p: s.values[0] for p, s in series})
    cal = first._compiled.calendar
    y, m, c = cal.start_year, cal.start_month, cal.cycle_months
    periods = period_values(series, y, m, c)
    base = periods[0][1]
    for path, s in series:  # each point alone
        for i, v in enumerate(s.values):
            try:
                check({**base, path: float(v)})
            except ScenarioError as exc:
                problems.append(Problem(dotted(list(path)), f"the value for {s.when(i)} ({v:g}) is not allowed: "
                                        f"{exc.problems[0]}"))
    if problems:
        raise ScenarioError(source, problems)
    compiled = []
    for k, values in periods:  # each period's values together
        try:
            compiled.append((k, check(values)._compiled))
        except ScenarioError as exc:
            changed = [dotted(list(p)) for p, _ in series if values[p] != base[p]] or [dotted(list(p)) for p, _ in series]
            problems.append(Problem(", ".join(changed), f"from cycle {k} (month {k * c}) the values together are not "
                                    f"allowed: {exc.problems[0]}"))
    if problems:
        raise ScenarioError(source, problems)
    scenario = checked[tuple(base[p] for p, _ in series)]
    scenario._compiled = with_periods(scenario._compiled, compiled)
    return scenario


def period_values(series: list[tuple[tuple, TimeSeries]], y: int, m: int, c: int) -> list[tuple[int, dict]]:
    """(first cycle, every series' value) of each period: a new period wherever any value changes."""
    starts = {0} | {math.ceil(t / c) for _, s in series for t in s.change_months(y, m) if t > 0}
    out: list[tuple[int, dict]] = []
    for k in sorted(starts):
        values = {p: s.value_at(k * c, y, m) for p, s in series}
        if not out or values != out[-1][1]:
            out.append((k, values))
    return out
