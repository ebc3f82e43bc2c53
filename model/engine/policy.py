"""The commissioning policy at run time: employment-support places bought by a budget, the
first-come-first-served waiting list, money following the person out of day services, and day centres
that close in steps.

These act on council-level quantities, not on individuals, so both engines share them as they are. Each holds
one or more draws, its figures arrays over draws: the Mesa engine runs one, the fast engine all it runs together.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from model.compile.policy_params import PolicyParams
from model.compile.spec import CentreParams
from model.engine import kernels


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


class BudgetLedger:
    """Where the day-service packages of people who leave for work go, for each of one or more draws (every
    figure an array over draws, the draw first).

    Each cycle: released = moved + saving (money is never created), and the employment budget
    (base + moved) = employment spend + underspend. Totals are exact sums (`math.fsum`, compiled as
    `kernels.fsum_by_draw`) of each cycle's packages, so they do not depend on the order in which an engine
    records them.
    """

    def __init__(self, params: PolicyParams | Sequence[PolicyParams], n_ids: int):
        self.params = params
        D = len(self._params)
        self._cycle = np.full((D, n_ids), -1, dtype=np.int32)  # the cycle of each person's release (-1: none)
        self._amount = np.zeros((D, n_ids))
        # Every release in the order recorded, which is cycle by cycle: its cycle, draw and package, the first
        # `_n_ev[0]` of arrays made for one release a person (a person releases once). The totals are brought up to a
        # cycle from these in one compiled loop (`kernels.fold_releases`).
        self._ev_cycle = np.zeros(D * n_ids, dtype=np.int64)
        self._ev_d = np.zeros(D * n_ids, dtype=np.int64)
        self._ev_amount = np.zeros(D * n_ids)
        self._n_ev = np.zeros(1, dtype=np.int64)
        # Totals and balances by draw, changed in place (the compiled cycle, `model.engine.cycle`, writes them too)
        self._released = np.zeros(D)
        self._moved = np.zeros(D)
        self._folded = np.full(1, -1, dtype=np.int64)  # the last cycle whose releases are in the totals
        self._carried = np.zeros(D)  # unspent budget carried into the next cycle (unspent: carried_forward)
        self._most_places = np.zeros(D)  # the most block places filled so far (set-up costs are paid once a place)

    @property
    def params(self) -> list[PolicyParams]:
        """Each draw's policy (a new period of numbers that change over time sets it again)."""
        return self._params

    @params.setter
    def params(self, params: PolicyParams | Sequence[PolicyParams]) -> None:
        self._params = p = [params] if isinstance(params, PolicyParams) else list(params)
        self._base = np.array([x.base_budget for x in p])
        self._lag = np.array([x.lag_cycles if x.money_follows else -1 for x in p])  # -1: money does not follow
        self._lags = np.unique(self._lag[self._lag >= 0])  # the lags some draw has, ascending
        self._carries = np.array([x.unspent == "carried_forward" for x in p])
        self._set_up = np.array([x.set_up_per_place for x in p])
        self._place_cost = np.stack([x.place_cost for x in p]).astype(float)
        self._share = np.stack([x.spend_share for x in p]).astype(float)

    def release(self, pid: int, cycle: int, amount: float, draw: int = 0) -> None:
        """Record person `pid`'s package (per cycle) freed from day services at `cycle`; once per person."""
        self.release_many(np.array([draw]), np.array([pid]), cycle, np.array([float(amount)]))

    def release_many(self, draws: np.ndarray, pids: np.ndarray, cycle: int, amounts: np.ndarray) -> None:
        """`release` for many people at once (each of them once), given by draw and id."""
        first = self._cycle[draws, pids] < 0
        d, a = np.asarray(draws)[first], np.asarray(amounts, dtype=float)[first]
        if len(d):
            n, k = int(self._n_ev[0]), len(d)
            if n and cycle < self._ev_cycle[n - 1]:
                raise ValueError(f"releases are recorded cycle by cycle: cycle {cycle} after "
                                 f"cycle {self._ev_cycle[n - 1]}")
            self._cycle[d, np.asarray(pids)[first]] = cycle
            self._amount[d, np.asarray(pids)[first]] = a
            self._ev_cycle[n : n + k], self._ev_d[n : n + k], self._ev_amount[n : n + k] = cycle, d, a
            self._n_ev[0] = n + k

    def releases(self, draw: int = 0) -> dict[int, tuple[int, float]]:
        """Draw `draw`'s releases: person id -> (cycle, package per cycle)."""
        ids = np.flatnonzero(self._cycle[draw] >= 0)
        return {int(i): (int(self._cycle[draw, i]), float(self._amount[draw, i])) for i in ids}

    def split(self, cycle: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(released, moved, saving) per cycle by draw, as of `cycle` (cycles are asked for in order)."""
        n = int(self._n_ev[0])
        kernels.fold_up_to(cycle, self._released, self._moved, self._folded, self._ev_cycle[:n], self._ev_d[:n],
                           self._ev_amount[:n], self._lag, self._lags)
        return self._released, self._moved, self._released - self._moved

    def budget(self, cycle: int) -> np.ndarray:
        """Each draw's employment budget for this cycle: the base, the money moved so far and what was carried
        forward."""
        return self._base + self.split(cycle)[1] + self._carried

    def places(self, budgets: np.ndarray) -> np.ndarray:
        """Places each service model's share of each draw's budget buys (`PolicyParams.places`): shape (D, K)."""
        return kernels.places_bought(np.asarray(budgets, dtype=float), self._share, self._place_cost)

    def settle(self, budgets: np.ndarray, occupied: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Close each draw's budget once its block places are filled (`occupied` by draw and service model): under
        unspent: carried_forward, what the places leave unspent is added to the next cycle's. Returns the
        balances carried and the set-up cost of places filled for the first time (a place the budget could buy
        but nobody fills is never staffed)."""
        set_up = kernels.settle_budgets(budgets, np.asarray(occupied, dtype=float), self._place_cost, self._carries,
                                        self._set_up, self._carried, self._most_places)
        return self._carried, set_up

    def arrays(self) -> tuple:
        """What a cycle's budget reads and changes, for the compiled cycle (`model.engine.cycle`): the base budgets,
        the totals released and moved, the last cycle folded into them, each draw's lag and the lags there are, the
        balances carried and whether each draw carries them, each model's share and place cost, the set-up cost per
        place and the most places filled so far."""
        return (self._base, self._released, self._moved, self._folded, self._lag, self._lags, self._carried,
                self._carries, self._share, self._place_cost, self._set_up, self._most_places)

    def release_arrays(self) -> tuple:
        """Where releases are recorded, for the compiled cycle (`model.engine.cycle`): each person's cycle and package
        (by draw and id), and every release in order (cycle, draw, package) with how many there are."""
        return self._cycle, self._amount, self._ev_cycle, self._ev_d, self._ev_amount, self._n_ev


class CentreClosures:
    """Centres with fixed costs, closing one at a time when attendance falls; a closed centre's
    fixed costs run on for a double-running period. For each of one or more draws: figures are arrays over
    draws."""

    def __init__(self, params: CentreParams | Sequence[CentreParams], cycles: int = 16):
        self.params = params
        self.open = np.array([p.count for p in self._params], dtype=np.int64)
        # Cycles in which centres closed in some draw, and how many closed then by draw: the first `_n[0]` rows of
        # arrays read every cycle, with room for `cycles` cycles of closures, grown as needed (`_room`).
        self._at = np.zeros(max(cycles, 1), dtype=np.int64)
        self._closed = np.zeros((max(cycles, 1), len(self.open)), dtype=np.int64)
        self._n = np.zeros(1, dtype=np.int64)

    @property
    def params(self) -> list[CentreParams]:
        """Each draw's centres (a new period of numbers that change over time sets them again)."""
        return self._params

    @params.setter
    def params(self, params: CentreParams | Sequence[CentreParams]) -> None:
        self._params = p = [params] if isinstance(params, CentreParams) else list(params)
        self._places_each = np.array([x.places_each for x in p], dtype=np.int64)
        self._close_below = np.array([x.close_below for x in p], dtype=float)
        self._fixed = np.array([x.fixed_per_cycle for x in p], dtype=float)
        self._consult = np.array([x.consultation_cycles for x in p], dtype=np.int64)
        self._double = np.array([x.double_running_cycles for x in p], dtype=np.int64)

    def _room(self) -> None:
        """Room for one more cycle of closures."""
        if self._n[0] == len(self._at):
            self._at = np.concatenate([self._at, np.zeros_like(self._at)])
            self._closed = np.concatenate([self._closed, np.zeros_like(self._closed)])

    def costs(self, cycle: int) -> np.ndarray:
        """The fixed cost of open centres and of those under consultation to close, and the double-running cost of
        recently closed ones, this cycle, by draw as columns (`kernels.centre_costs`)."""
        n = self._n[0]
        return kernels.centre_costs(self.open, self._at[:n], self._closed[:n], cycle, self._consult, self._double,
                                    self._fixed)

    def update_and_costs(self, attendance: float | np.ndarray, cycle: int) -> tuple[np.ndarray, np.ndarray]:
        """Close the centres attendance (in whole-week equivalents, by draw) no longer needs, then `costs` and the
        centres open, in one compiled call (`kernels.centres_cycle`)."""
        self._room()
        return kernels.centres_cycle(np.atleast_1d(np.asarray(attendance, dtype=float)), *self.arrays(), cycle)

    def arrays(self) -> tuple:
        """What `kernels.centres_cycle` reads and writes, after the attendance and before the cycle: the centres open,
        the rules for closing, the closures so far and the costs, by draw. The compiled cycle of a run made with room
        for all its cycles' closures (`cycles`) takes them once a period, not one call a cycle."""
        return (self.open, self._close_below, self._places_each, self._at, self._closed, self._n, self._consult,
                self._double, self._fixed)
