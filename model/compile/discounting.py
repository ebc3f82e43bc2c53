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


def rates_by_year(schedule: tuple[tuple[int, float], ...], years: np.ndarray) -> np.ndarray:
    """The rate that applies in each year k (the last step starting at or before k)."""
    starts = np.array([start for start, _ in schedule])
    rates = np.array([rate for _, rate in schedule], dtype=float)
    return rates[np.maximum(np.searchsorted(starts, years, side="right") - 1, 0)]


def discount_factors_at(schedule: tuple[tuple[int, float], ...], t: np.ndarray) -> np.ndarray:
    """The factors for money at times t years from the start (t >= 0): whole years compound year by year,
    a fraction of a year at the next year's rate."""
    t = np.asarray(t, dtype=float)
    whole = np.floor(t).astype(np.int64)
    top = int(whole.max()) if whole.size else 0
    rates = rates_by_year(schedule, np.arange(1, top + 2))  # rates[k] is year k + 1's
    # Dividing year by year (not multiplying reciprocals) keeps the factors equal to a loop's, bit for bit.
    by_whole = np.divide.accumulate(np.concatenate([[1.0], 1.0 + rates[:top]]))
    frac = t - whole
    return np.where(frac > 0, by_whole[whole] / (1.0 + rates[whole]) ** frac, by_whole[whole])


def discount_factor(schedule: tuple[tuple[int, float], ...], t: float) -> float:
    """The factor for money at time t years from the start (t >= 0)."""
    return float(discount_factors_at(schedule, np.array([t]))[0])


def cycle_times(n_cycles: int, cycle_months: int, timing: str) -> np.ndarray:
    """When each cycle's money counts, in years from the start, under a timing convention."""
    m = np.arange(n_cycles, dtype=float)
    years = cycle_months / 12.0
    if timing == "annual":
        return np.floor(m * years + 1e-9)
    offset = {"start": 0.0, "middle": 0.5, "end": 1.0}[timing]
    return (m + offset) * years


def within_cycle_weights(method: str, count_start: bool, n_cycles: int) -> tuple[float, np.ndarray]:
    """(weight of the start point, weight of each cycle's end point) of a within-cycle correction over the
    points 0..n_cycles: none counts the ends (and the start if asked), half_cycle and trapezoid halve the first
    and last points, Simpson's 1/3 rule weighs them 1, 4, 2, 4, ..., 4, 1 over 3."""
    ends = np.ones(n_cycles)
    if method == "none" or n_cycles == 0:
        return (1.0 if count_start else 0.0), ends
    if method in ("half_cycle", "trapezoid"):
        ends[-1] = 0.5
        return 0.5, ends
    ends = np.where(np.arange(1, n_cycles + 1) % 2 == 1, 4.0, 2.0) / 3.0
    ends[-1] = 1.0 / 3.0
    return 1.0 / 3.0, ends


def weekly_to_cycle(weekly: np.ndarray | float, weeks_per_year: float, cycle_months: int) -> np.ndarray | float:
    """A weekly amount as an amount per cycle."""
    return weekly * weeks_per_year / 12.0 * cycle_months
