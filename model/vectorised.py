"""The vectorised engine: the agent engine's rules applied to arrays of people at once.

Everyone present is held in arrays in id order (a row per person); people who leave are moved out to
the per-person table. Each cycle follows `model.agents` step for step and reads the same random
numbers (`model.streams`), the same chance tables (`Spec.cum`) and the same policy objects, and it
adds money in the same order (`CycleLedger.people`), so for the same scenario and seed it gives the
same monthly counts, flows and queue figures exactly and the same money to rounding.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from model import population, streams
from model.ledger import CycleLedger
from model.policy import BudgetLedger, DayCentres
from model.spec import Spec
from model.transitions import variant

_INT = np.int64


class _People:
    """The people present, as parallel arrays in id order."""

    FIELDS = dict(
        ids=_INT, band=_INT, age=float, age_band=_INT, state=_INT, mis=_INT, exposure=_INT, wants=bool, pb=bool,
        refer_ok=bool, model_k=_INT, spot=bool, origin=_INT, hours=float, joined=_INT, entered=_INT, is_new=bool,
        entered_now=bool, one_off=float, state_start=_INT, cost=float, cost_disc=float, outcomes=float,
        outcomes_disc=float, job_starts=_INT,
    )

    def __init__(self, n_states: int):
        for name, dtype in self.FIELDS.items():
            setattr(self, name, np.zeros(0, dtype=dtype))
        self.cycles_in = np.zeros((0, n_states), dtype=_INT)

    def __len__(self) -> int:
        return len(self.ids)

    def append(self, other: dict) -> None:
        for name in self.FIELDS:
            setattr(self, name, np.concatenate([getattr(self, name), other[name]]))
        self.cycles_in = np.concatenate([self.cycles_in, other["cycles_in"]])

    def take(self, keep: np.ndarray) -> dict:
        """Keep the rows where `keep` is true; return the others as a dict of arrays."""
        gone = {name: getattr(self, name)[~keep] for name in self.FIELDS}
        gone["cycles_in"] = self.cycles_in[~keep]
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name)[keep])
        self.cycles_in = self.cycles_in[keep]
        return gone


class VectorisedEngine:
    """One run of one scenario with one seed, on arrays."""

    def __init__(self, spec: Spec, seed: int):
        self.spec = spec
        self.seed = int(seed)
        self.pol = spec.policy
        self.create_u = streams.creation_uniforms(self.seed, spec.n_ids)
        self.next_id = 0
        self.cycle = 0
        self.p = _People(spec.n_live)
        self.finished: list[dict] = []
        self.exits_total = {name: 0 for name in spec.exit_index}
        self.q_pid = np.zeros(0, dtype=_INT)  # the waiting list, kept sorted by (join cycle, id)
        self.q_join = np.zeros(0, dtype=_INT)
        self.budget = BudgetLedger(self.pol) if self.pol is not None else None
        self.centres = DayCentres(**spec.day_centres) if spec.day_centres else None
        self.led: CycleLedger | None = None
        self.rows: list[dict] = []
        self._add(population.initial_people(spec, self.create_u), initial=True)
        self.initial_counts = np.bincount(self.p.state, minlength=spec.n_live)

    # --- people entering ---------------------------------------------------------------------
    def _add(self, batch: population.People, initial: bool = False) -> None:
        spec, pol, m = self.spec, self.pol, self.cycle
        n = len(batch)
        if n == 0:
            return
        self.next_id = int(batch.ids[-1]) + 1
        u = self.create_u[batch.ids]
        new = {name: np.zeros(n, dtype=dtype) for name, dtype in _People.FIELDS.items()}
        new.update(ids=batch.ids, band=batch.band, age=batch.age.astype(float), state=batch.state.copy(),
                   wants=batch.wants_work, pb=batch.personal_budget, model_k=np.full(n, -1, dtype=_INT),
                   origin=batch.state.copy(), entered=np.full(n, m, dtype=_INT),
                   state_start=np.full(n, m, dtype=_INT), is_new=np.full(n, not initial),
                   cycles_in=np.zeros((n, spec.n_live), dtype=_INT))
        new["age_band"] = spec.age_band(new["age"])
        new["refer_ok"] = batch.wants_work & (pol.eligible_band[batch.band] if pol is not None else False)
        if initial:
            new["mis"] = batch.months_in_state.copy()
            new["exposure"] = batch.months_in_state.copy()
            if pol is not None:
                work = batch.state == pol.work
                new["hours"] = np.where(work, _hours(spec, u[:, streams.CREATE_ENTRY]), 0.0)
                pathway = (batch.state == pol.support) | (batch.state == pol.waiting)
                self._queue_add(batch.ids[pathway], np.zeros(int(pathway.sum()), dtype=_INT))
        elif pol is not None and pol.employment_first:
            first = new["refer_ok"]
            self._refer(new, first, charge=False)
            new["origin"][first] = -1  # straight from education, never in day services
        self.p.append(new)
        if initial and pol is not None:
            self._place_initial()
        elif self.led is not None:
            self.led.inflow_to += np.bincount(new["state"], minlength=spec.n_live)

    def _place_initial(self) -> None:
        """As the agent engine: the starting supported stock takes the starting places in id order."""
        pol, p = self.pol, self.p
        pos = np.searchsorted(p.ids, self.q_pid)
        supported = p.state[pos] == pol.support
        sup_pos = pos[supported]  # queue is in id order here: all joined at 0
        free = pol.places(pol.base_budget)
        models = _fill(free, len(sup_pos))
        placed = models >= 0
        p.model_k[sup_pos[placed]] = models[placed]
        over = sup_pos[~placed]
        p.state[over] = pol.waiting
        p.origin[over] = pol.waiting
        keep = ~supported
        keep[np.flatnonzero(supported)[~placed]] = True
        self.q_pid, self.q_join = self.q_pid[keep], self.q_join[keep]
        self._queue_sort()

    def _refer(self, rows: dict, mask: np.ndarray, charge: bool) -> np.ndarray:
        """Send the people at `mask` of `rows` into the pathway (a personal budget, else the waiting list);
        returns the state each went to."""
        pol, m = self.pol, self.cycle
        spot = mask & rows["pb"] if pol.personal_budgets_usable else np.zeros_like(mask)
        wait = mask & ~spot
        dst = np.where(spot, pol.support, pol.waiting)
        self._enter(rows, mask, dst[mask] if mask.dtype == bool else dst, charge)
        rows["model_k"][spot] = 0
        rows["spot"][spot] = True
        rows["joined"][wait] = m
        self._queue_add(rows["ids"][wait], np.full(int(wait.sum()), m, dtype=_INT))
        return dst

    def _enter(self, rows: dict, mask: np.ndarray, dst, charge: bool = True) -> None:
        """`Person.enter` for the people at `mask` (a boolean mask or positions) of `rows`."""
        spec, pol = self.spec, self.pol
        src = rows["state"][mask]
        if charge:
            rows["one_off"][mask] = rows["one_off"][mask] + spec.move_cost[src, dst]
        if pol is not None:
            in_new = (dst == pol.waiting) | (dst == pol.support) | (dst == pol.work)
            in_old = (src == pol.waiting) | (src == pol.support) | (src == pol.work)
            origin = rows["origin"][mask]
            origin = np.where(in_new & ~in_old, src, np.where(~in_new, dst, origin))
            rows["origin"][mask] = origin
            left_support = src == pol.support
            rows["model_k"][mask] = np.where(left_support, -1, rows["model_k"][mask])
            rows["spot"][mask] = np.where(left_support, False, rows["spot"][mask])
        rows["state"][mask] = dst
        rows["mis"][mask] = 0
        rows["exposure"][mask] = 0
        rows["entered_now"][mask] = True

    def _queue_add(self, pids: np.ndarray, joins: np.ndarray) -> None:
        self.q_pid = np.concatenate([self.q_pid, pids.astype(_INT)])
        self.q_join = np.concatenate([self.q_join, joins.astype(_INT)])

    def _queue_sort(self) -> None:
        order = np.lexsort((self.q_pid, self.q_join))
        self.q_pid, self.q_join = self.q_pid[order], self.q_join[order]

    # --- one cycle ---------------------------------------------------------------------------
    def step(self) -> None:
        """One cycle, as `DayshiftModel.step`."""
        spec, pol, m, p = self.spec, self.pol, self.cycle, self.p
        led = self.led = CycleLedger(spec, m)
        n_inflow = int(spec.inflow[m])
        u_all = streams.cycle_uniforms(self.seed, m, self.next_id + n_inflow)

        # 1. exits
        u = u_all[p.ids]
        ex = spec.exit_index
        p_death = spec.death_p[p.age_band, p.band]
        u0 = u[:, streams.DECIDE_EXIT]
        exit_to = np.where(p.age >= spec.pension_age, ex["retired"],
                           np.where(u0 < p_death, ex["died"], np.where(u0 < p_death + spec.move_p, ex["moved_away"], -1)))
        leaving = exit_to >= 0
        if leaving.any():
            for name, k in ex.items():
                n = int((exit_to == k).sum())
                self.exits_total[name] += n
                led.exits[name] += n
            led.exits_from += np.bincount(p.state[leaving], minlength=spec.n_live)
            gone_to = exit_to[leaving]
            p.cycles_in[np.flatnonzero(leaving), p.state[leaving]] += m - p.state_start[leaving]
            gone = p.take(~leaving)
            self._finish(gone, gone_to, m)
            if len(self.q_pid):
                stay = ~np.isin(self.q_pid, gone["ids"])
                self.q_pid, self.q_join = self.q_pid[stay], self.q_join[stay]

        # 2. inflow
        self._add(population.entrants(spec, self.next_id, n_inflow, self.create_u))
        led.inflow = n_inflow
        p = self.p

        # 3. moves, decided on the state at the start of the cycle
        u = u_all[p.ids]
        seg = np.searchsorted(spec.tis_edges, p.exposure, side="right") - 1
        v = variant(p.state, p.refer_ok, p.model_k, pol)
        cand = ~p.is_new
        total = spec.cum[p.state, p.band, p.age_band, seg, v, -1]
        movers = np.flatnonzero(cand & (u[:, streams.DECIDE_MOVE] < total))
        if len(movers):
            cum = spec.cum[p.state[movers], p.band[movers], p.age_band[movers], seg[movers], v[movers]]
            dst = (u[movers, streams.DECIDE_MOVE][:, None] < cum).argmax(axis=1)
            self._moves(movers, dst, u[movers], led)

        # 4-5. the budget, the places it buys, and the waiting list
        if pol is not None:
            budget = self.budget.budget(m)
            places = pol.places(budget)
            in_block = (p.state == pol.support) & ~p.spot
            occupied = np.bincount(p.model_k[in_block], minlength=len(places)).astype(float)
            self._queue_sort()
            models = _fill(places - occupied, len(self.q_pid))
            taken = models >= 0
            if taken.any():
                pos = np.searchsorted(p.ids, self.q_pid[taken])
                waits = m - self.q_join[taken]
                led.admissions += int(taken.sum())
                led.wait_admitted = float(np.add.accumulate(np.concatenate([[0.0], waits * spec.cycle_months]))[-1])
                led.moves[pol.waiting, pol.support] += int(taken.sum())
                self._cycles_in_close(pos, m)
                self._enter(self._view(), pos, np.full(len(pos), pol.support, dtype=_INT))
                p.model_k[pos] = models[taken]
                p.state_start[pos] = m
                occupied += np.bincount(models[taken], minlength=len(places))
                self.q_pid, self.q_join = self.q_pid[~taken], self.q_join[~taken]
            led.policy_cycle(self.budget.split(m), budget, places, occupied, list(m - self.q_join))

        # 6. day centres
        if self.centres is not None:
            attendance = int((p.state == spec.day_state).sum())
            self.centres.update(attendance, m)
            led.centres(self.centres.costs(m), self.centres.open)

        # 7. costs and outcomes, then time passes
        seg_cost = np.searchsorted(spec.tis_edges, p.mis, side="right") - 1
        cost = spec.state_cost[p.state, p.band] * spec.state_cost_tis[p.state, seg_cost]
        place = np.zeros(0)
        spot = np.zeros(len(p), dtype=bool)
        hours = np.zeros(len(p))
        if pol is not None:
            supported = p.state == pol.support
            cost = cost + np.where(supported, pol.place_cost[np.maximum(p.model_k, 0)], 0.0)
            spot = supported & p.spot
            place = pol.place_cost[p.model_k[supported & ~p.spot]]
            hours = np.where(p.state == pol.work, p.hours, 0.0)
        cost = cost + p.one_off
        led.people(p.state, p.band, cost, hours, spot, place)
        p.cost += cost
        p.cost_disc += cost * spec.df_costs[m]
        w = spec.outcome_weight[p.state]
        p.outcomes += w
        p.outcomes_disc += w * spec.df_outcomes[m]
        # advance
        p.exposure += np.where(p.is_new | p.entered_now, 0, spec.cycle_months)
        p.entered_now[:] = False
        p.mis += spec.cycle_months
        p.age += spec.cycle_months / 12.0
        p.age_band = spec.age_band(p.age)
        p.is_new[:] = False
        p.one_off[:] = 0.0
        self.rows.append(led.close(self.exits_total))
        self.led = None
        self.cycle += 1

    def _view(self) -> dict:
        return {name: getattr(self.p, name) for name in _People.FIELDS}

    def _cycles_in_close(self, pos: np.ndarray, m: int) -> None:
        """Count the cycles spent in the state being left, at positions `pos`."""
        p = self.p
        p.cycles_in[pos, p.state[pos]] += m - p.state_start[pos]

    def _moves(self, movers: np.ndarray, dst: np.ndarray, u: np.ndarray, led: CycleLedger) -> None:
        spec, pol, m, p = self.spec, self.pol, self.cycle, self.p
        src = p.state[movers].copy()
        self._cycles_in_close(movers, m)
        p.state_start[movers] = m
        rows = self._view()
        if pol is not None:
            refer = dst == pol.waiting
            if refer.any():
                led.referrals += int(refer.sum())
                at = movers[refer]
                mask = np.zeros(len(p), dtype=bool)
                mask[at] = True
                went = self._refer(rows, mask, charge=True)[at]
                np.add.at(led.moves, (src[refer], went), 1)
            movers, dst, src, u = movers[~refer], dst[~refer], src[~refer], u[~refer]
        np.add.at(led.moves, (src, dst), 1)
        self._enter(rows, movers, dst)
        if pol is None:
            return
        job = dst == pol.work
        if job.any():
            at = movers[job]
            p.hours[at] = _hours(spec, u[job, streams.DECIDE_HOURS])
            origin = np.where(src[job] == pol.support, p.origin[at], src[job])
            led.job_starts_by += np.bincount(np.where(origin >= 0, origin, spec.n_live), minlength=spec.n_live + 1)
            p.job_starts[at] += 1
            from_day = origin == pol.day
            self.budget.release_many(p.ids[at][from_day], m, spec.state_cost[pol.day, p.band[at][from_day]])
        led.job_exits += int((src == pol.work).sum())

    def _finish(self, gone: dict, exit_to: np.ndarray, cycle: int | None) -> None:
        self.finished.append(dict(gone, exit_state=exit_to, exit_cycle=np.full(len(exit_to), -1 if cycle is None else cycle)))

    # --- a whole run -------------------------------------------------------------------------
    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Run to the horizon (or, for a lifetime horizon, until everyone has left)."""
        spec = self.spec
        while self.cycle < spec.n_cycles:
            self.step()
            if progress is not None:
                progress(self.cycle, spec.n_cycles)
            if spec.scenario.horizon == "lifetime" and len(self.p) == 0 and int(spec.inflow[self.cycle:].sum()) == 0:
                break

    def person_rows(self) -> list[dict]:
        """One row per person ever in the model, in id order (as `DayshiftModel.person_rows`)."""
        spec, p = self.spec, self.p
        p.cycles_in[np.arange(len(p)), p.state] += self.cycle - p.state_start
        parts = self.finished + [dict(self._view(), cycles_in=p.cycles_in, exit_state=p.state.copy(),
                                      exit_cycle=np.full(len(p), -1))]
        cat = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
        order = np.argsort(cat["ids"], kind="stable")
        rows = dict(
            id=cat["ids"][order],
            band=np.array(spec.bands, dtype=object)[cat["band"][order]],
            wants_work=cat["wants"][order],
            personal_budget=cat["pb"][order],
            entered_cycle=cat["entered"][order],
            exit_cycle=cat["exit_cycle"][order],
            final_state=np.array(spec.states, dtype=object)[cat["exit_state"][order]],
            cost=cat["cost"][order],
            cost_disc=cat["cost_disc"][order],
            outcomes=cat["outcomes"][order],
            outcomes_disc=cat["outcomes_disc"][order],
            job_starts=cat["job_starts"][order],
        )
        for i, s in enumerate(spec.states[: spec.n_live]):
            rows[f"months_{s}"] = cat["cycles_in"][order, i] * spec.cycle_months
        return rows


def _fill(free: np.ndarray, n: int) -> np.ndarray:
    """Service model of each of the first n in the queue (-1: no place), the first model filled first,
    as `policy.admit` does."""
    out = np.full(n, -1, dtype=_INT)
    start = 0
    for k, f in enumerate(free):
        take = n - start if not np.isfinite(f) else int(max(0.0, min(f, n - start)))
        out[start:start + take] = k
        start += take
    return out


def _hours(spec: Spec, u: np.ndarray) -> np.ndarray:
    return spec.hours_values[population.pick(spec.hours_cum, u)]
