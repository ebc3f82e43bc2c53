"""Costs, ledgers and discounting.

Money is in constant prices of the scenario's price year. A weekly cost becomes a cost per cycle as
weekly x weeks_per_year / 12 x cycle months. Discounting follows the HM Treasury Green Book by default:
3.5% a year for years 1-30, 3.0% for 31-75, 2.5% for 76-125, compounding year by year, so the factor for
year t is the product of 1 / (1 + r_k) over k = 1..t; a fraction of a year compounds at that year's rate.
"""

from __future__ import annotations

import numpy as np

from model.scenario.schema import DiscountSchedule, DiscountSpec

GREEN_BOOK = ((0, 0.035), (31, 0.030), (76, 0.025))


def schedule_of(spec: DiscountSpec) -> tuple[tuple[int, float], ...]:
    """A discount specification as (from_year, rate) steps."""
    if spec == "green_book":
        return GREEN_BOOK
    if spec == "none":
        return ((0, 0.0),)
    assert isinstance(spec, DiscountSchedule)
    if spec.rate is not None:
        return ((0, float(spec.rate)),)
    return tuple((s.from_year, float(s.rate)) for s in spec.schedule)


def _rate_in_year(schedule: tuple[tuple[int, float], ...], k: int) -> float:
    rate = schedule[0][1]
    for start, r in schedule:
        if start <= k:
            rate = r
    return rate


def discount_factor(schedule: tuple[tuple[int, float], ...], t: float) -> float:
    """The factor for money at time t years from the start (t >= 0)."""
    whole = int(np.floor(t))
    df = 1.0
    for k in range(1, whole + 1):
        df /= 1.0 + _rate_in_year(schedule, k)
    frac = t - whole
    if frac > 0:
        df /= (1.0 + _rate_in_year(schedule, whole + 1)) ** frac
    return df


def cycle_times(n_cycles: int, cycle_months: int, timing: str) -> np.ndarray:
    """When each cycle's money counts, in years from the start, under a timing convention."""
    m = np.arange(n_cycles, dtype=float)
    years = cycle_months / 12.0
    if timing == "annual":
        return np.floor(m * years + 1e-9)
    offset = {"start": 0.0, "middle": 0.5, "end": 1.0}[timing]
    return (m + offset) * years


def discount_factors(spec: DiscountSpec, n_cycles: int, cycle_months: int, timing: str) -> np.ndarray:
    """The discount factor of every cycle."""
    schedule = schedule_of(spec)
    return np.array([discount_factor(schedule, t) for t in cycle_times(n_cycles, cycle_months, timing)])


def weekly_to_cycle(weekly: np.ndarray | float, weeks_per_year: float, cycle_months: int) -> np.ndarray | float:
    """A weekly amount as an amount per cycle."""
    return weekly * weeks_per_year / 12.0 * cycle_months
