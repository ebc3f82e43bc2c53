"""How many people: the starting stock split by shares, entrants per cycle, and how long a lifetime run
lasts. Counts are deterministic (largest-remainder rounding), so two scenarios with the same population
section create the same people ids."""

from __future__ import annotations

import math

import numpy as np


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split a whole number by weights, largest remainders first (ties to the lower index)."""
    w = np.asarray(weights, dtype=float)
    if total == 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=np.int64)
    exact = total * w / w.sum()
    base = np.floor(exact + 1e-9).astype(np.int64)
    short = total - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:short]] += 1
    return base


def inflow_counts(per_year: float, until_year: int | None, n_cycles: int, cycle_months: int) -> np.ndarray:
    """Entrants per cycle: the running total floor(per_year x years elapsed), differenced."""
    years_end = np.arange(1, n_cycles + 1) * cycle_months / 12.0
    if until_year is not None:
        years_end = np.minimum(years_end, float(until_year))
    cum = np.floor(np.round(per_year * years_end, 9)).astype(np.int64)
    return np.diff(np.concatenate([[0], cum]))


def inflow_counts_by_period(rates: list[tuple[int, float]], until_year: float | None, n_cycles: int,
                            cycle_months: int) -> np.ndarray:
    """Entrants per cycle when the yearly rate changes: (first cycle, per_year) of each period; the running
    total of entrants expected so far, floored, differenced (as `inflow_counts` for one rate)."""
    years_end = np.arange(1, n_cycles + 1) * cycle_months / 12.0
    if until_year is not None:
        years_end = np.minimum(years_end, float(until_year))
    years = np.diff(np.concatenate([[0.0], years_end]))
    per_year = np.zeros(n_cycles)
    for k, rate in rates:
        per_year[k:] = rate
    cum = np.floor(np.round(np.cumsum(per_year * years), 9)).astype(np.int64)
    return np.diff(np.concatenate([[0], cum]))


def lifetime_cycles(inflow_until_year: int | None, youngest_age: float, pension_age: float, cycle_months: int) -> int:
    """Cycles until everyone has left: the last entrant reaches pension age by then."""
    years = (inflow_until_year or 0) + max(0.0, pension_age - youngest_age) + 1
    return int(math.ceil(years * 12 / cycle_months))

