"""The commissioning policy compiled: state indices and per-cycle numbers both engines read."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PolicyParams:
    """A scenario's policy section, compiled to per-cycle numbers and state indices."""

    day: int
    waiting: int
    support: int
    work: int
    referral_p: float
    referral_from: np.ndarray  # bool over states
    eligible_band: np.ndarray  # bool over bands
    model_names: tuple[str, ...]
    job_p: np.ndarray  # [service model, band] per-cycle chance of a job start
    place_cost: np.ndarray  # cost of one place for one cycle, by service model
    spend_share: np.ndarray
    base_budget: float  # employment budget per cycle at the start
    money_follows: bool
    lag_cycles: int
    personal_budgets_usable: bool
    employment_first: bool
    pb_share: float = 0.0  # share of people holding a personal budget
    uptake_years: tuple[float, ...] = ()  # empty: every holder uses it for work
    uptake_share: tuple[float, ...] = ()
    cycle_months: int = 1
    unspent: str = "held"  # held, carried_forward or returned_to_day_services
    investment: np.ndarray | None = None  # up-front costs falling in each cycle
    set_up_per_place: float = 0.0

    def pb_cutoff(self, cycle: int) -> float:
        """A person referred in `cycle` uses a personal budget for work when their personal-budget uniform is
        below this. Holders are those below the holding share; as uptake grows it takes in holders in the
        order of their uniforms, so each person's choice is fixed and scenarios share it."""
        if not self.personal_budgets_usable:
            return -1.0
        if not self.uptake_years:
            return self.pb_share
        return self.pb_share * float(np.interp(cycle * self.cycle_months / 12, self.uptake_years, self.uptake_share))

    def places(self, budget: float) -> np.ndarray:
        """Places each service model's share of a per-cycle budget buys (whole places)."""
        return places_bought(np.array([float(budget)]), self.spend_share[None, :], self.place_cost[None, :])[0]


def places_bought(budgets: np.ndarray, share: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Whole places each service model's share of each budget buys: budgets (D,), share and cost (D, K)."""
    share, cost = np.asarray(share, dtype=float), np.asarray(cost, dtype=float)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # overflow to inf, as Python floats do
        n = np.asarray(budgets, dtype=float)[:, None] * share / np.where(cost > 0, cost, 1.0)
    n = np.where(cost > 0, n, np.inf)
    finite = np.isfinite(n)
    # a place costing ~nothing: no limit
    return np.where(finite, np.floor(np.where(finite, n, 0.0) + 1e-9), np.inf)
