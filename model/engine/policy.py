"""The commissioning policy at run time: employment-support places bought by a budget, the
first-come-first-served waiting list, money following the person out of day services, and day centres
that close in steps.

These act on council-level quantities, not on individuals, so both engines share them as they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from model.compile.policy_params import PolicyParams
from model.compile.spec import CentreParams


def fill_places(free: np.ndarray, n: int) -> np.ndarray:
    """The service model each of the first n on a waiting list gets (-1: no place): whole free places of
    the first model first, then the next model's."""
    out = np.full(n, -1, dtype=np.int64)
    start = 0
    for k, f in enumerate(free):
        take = n - start if not np.isfinite(f) else int(max(0.0, min(f, n - start)))
        out[start : start + take] = k
        start += take
    return out


def admit(queue: list[tuple[int, int]], free: np.ndarray) -> list[tuple[int, int]]:
    """Serve a waiting list first come, first served: (join cycle, id) in order, the first model first.

    Returns (person id, service model) for each admission, and removes them from `queue`.
    """
    queue.sort()
    models = fill_places(free, len(queue))
    admitted = [(pid, int(k)) for (_, pid), k in zip(queue, models) if k >= 0]
    del queue[: len(admitted)]
    return admitted


@dataclass
class BudgetLedger:
    """Where the day-service packages of people who leave for work go.

    Each cycle: released = moved + saving (money is never created), and the employment budget
    (base + moved) = employment spend + underspend. Totals are exact sums (math.fsum) of each cycle's
    packages, so they do not depend on the order in which an engine records them.
    """

    params: PolicyParams
    releases: dict[int, tuple[int, float]] = field(default_factory=dict)
    _new: dict[int, list[float]] = field(default_factory=dict)
    _released: float = 0.0
    _moved: float = 0.0
    _folded: int = -1
    _carried: float = 0.0  # unspent budget carried into the next cycle (unspent: carried_forward)
    _most_places: float = 0.0  # the most block places filled so far (set-up costs are paid once a place)

    def release(self, pid: int, cycle: int, amount: float) -> None:
        """Record person `pid`'s package (per cycle) freed from day services at `cycle`; once per person."""
        if pid not in self.releases:
            self.releases[pid] = (cycle, float(amount))
            self._new.setdefault(cycle, []).append(float(amount))

    def release_many(self, pids: np.ndarray, cycle: int, amounts: np.ndarray) -> None:
        """`release` for many people at once (each of them once)."""
        new = {pid: (cycle, amount) for pid, amount in zip(pids.tolist(), amounts.tolist()) if pid not in self.releases}
        if new:
            self.releases.update(new)
            self._new.setdefault(cycle, []).extend(amount for _, amount in new.values())

    def split(self, cycle: int) -> tuple[float, float, float]:
        """(released, moved, saving) per cycle, as of `cycle` (cycles are asked for in order)."""
        lag = self.params.lag_cycles
        for c in range(self._folded + 1, cycle + 1):
            self._released = math.fsum([self._released, *self._new.get(c, ())])
            if self.params.money_follows and c - lag >= 0:
                self._moved = math.fsum([self._moved, *self._new.get(c - lag, ())])
        self._folded = max(self._folded, cycle)
        return self._released, self._moved, self._released - self._moved

    def budget(self, cycle: int) -> float:
        """The employment budget for this cycle: the base, the money moved so far and what was carried forward."""
        return self.params.base_budget + self.split(cycle)[1] + self._carried

    def settle(self, budget: float, occupied: np.ndarray) -> tuple[float, float]:
        """Close the cycle's budget once its block places are filled (`occupied` by service model): under
        unspent: carried_forward, what the places leave unspent is added to the next cycle's. Returns the
        balance carried and the set-up cost of places filled for the first time (a place the budget could buy
        but nobody fills is never staffed)."""
        spend = math.fsum(float(n) * float(c) for n, c in zip(occupied, self.params.place_cost))
        self._carried = max(0.0, budget - spend) if self.params.unspent == "carried_forward" else 0.0
        filled = float(sum(occupied))
        new = max(0.0, filled - self._most_places)
        self._most_places = max(self._most_places, filled)
        return self._carried, new * self.params.set_up_per_place


class CentreClosures:
    """Centres with fixed costs, closing one at a time when attendance falls; a closed centre's
    fixed costs run on for a double-running period."""

    def __init__(self, params: CentreParams):
        self.params = params
        self.open = params.count
        self.closed_at: list[tuple[int, int]] = []  # (cycle, centres closed then)

    def update(self, attendance: float, cycle: int) -> int:
        """Close centres attendance (in whole-week equivalents) no longer needs; returns how many closed."""
        # Rounded so that engines summing part-weeks in different orders take the same decision.
        attendance = round(float(attendance), 9)
        places_each, closed = self.params.places_each, 0
        while (
            self.open > 0
            and attendance < self.params.close_below * self.open * places_each
            and attendance <= (self.open - 1) * places_each
        ):
            self.open -= 1
            closed += 1
        if closed:
            self.closed_at.append((cycle, closed))
        return closed

    def costs(self, cycle: int) -> tuple[float, float]:
        """(fixed cost of open centres and of those under consultation to close, double-running cost of
        recently closed ones) this cycle."""
        consult, double = self.params.consultation_cycles, self.params.double_running_cycles
        consulting = sum(n for c, n in self.closed_at if cycle < c + consult)
        running = sum(n for c, n in self.closed_at if c + consult <= cycle < c + consult + double)
        return (self.open + consulting) * self.params.fixed_per_cycle, running * self.params.fixed_per_cycle
