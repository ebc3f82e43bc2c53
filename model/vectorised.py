"""The vectorised engine: the agent engine's rules applied to arrays of people at once.

Everyone is held in arrays in id order, a row per person, preallocated for every id the run will
create. Someone who leaves is copied out to the per-person table and their row is marked with a
sentinel state (`GONE`) that costs nothing and never moves; rows are compacted only now and then.
Each cycle follows `model.agents` step for step and reads the same random numbers (`model.streams`),
the same chance tables (`Spec.cum`) and the same policy objects, so for the same scenario and seed it
gives the same monthly counts, flows and queue figures exactly, and the same money to rounding.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from model import population, streams
from model.ledger import CycleLedger
from model.policy import BudgetLedger, DayCentres
from model.spec import Spec

_INT = np.int64
_FIELDS = dict(
    ids=_INT, band=_INT, age=float, age_band=_INT, state=_INT, mis=_INT, exposure=_INT, wants=bool, pb=bool,
    refer_ok=bool, model_k=_INT, variant=_INT, spot=bool, origin=_INT, hours=float, entered=_INT, first_move=_INT,
    one_off=float,
    state_start=_INT, cost=float, cost_disc=float, outcomes=float, outcomes_disc=float, job_starts=_INT,
)
_COMPACT_SHARE = 0.05  # compact the arrays once this share of rows belongs to people who have left


class _People:
    """The people in the model, as parallel arrays in id order; `n` rows are in use."""

    def __init__(self, capacity: int, n_states: int):
        self._full = {name: np.zeros(capacity, dtype=dtype) for name, dtype in _FIELDS.items()}
        self._full["cycles_in"] = np.zeros((capacity, n_states), dtype=_INT)
        self.n = 0
        self._views()

    def _views(self) -> None:
        for name, arr in self._full.items():
            setattr(self, name, arr[: self.n])

    def append(self, rows: dict) -> None:
        """Add rows (ids above every id present) at the end."""
        k = len(rows["ids"])
        for name, arr in self._full.items():
            arr[self.n : self.n + k] = rows[name]
        self.n += k
        self._views()

    def rows(self, at: np.ndarray) -> dict:
        """Copies of the rows at positions `at`."""
        return {name: getattr(self, name)[at] for name in self._full}

    def compact(self, keep: np.ndarray) -> None:
        """Keep only the rows where `keep` is true."""
        n = int(keep.sum())
        for name, arr in self._full.items():
            arr[:n] = arr[: self.n][keep]
        self.n = n
        self._views()


class VectorisedEngine:
    """One run of one scenario with one seed, on arrays."""

    def __init__(self, spec: Spec, seed: int):
        self.spec = spec
        self.seed = int(seed)
        self.pol = pol = spec.policy
        S = spec.n_live
        self.GONE = S
        # Tables with one more state, GONE, that costs nothing and never moves.
        self.cum = np.concatenate([spec.cum, np.zeros((1,) + spec.cum.shape[1:])])
        self.total = self.cum[..., -1]
        self.state_cost = np.vstack([spec.state_cost, np.zeros((1, spec.state_cost.shape[1]))])
        self.state_cost_tis = np.vstack([spec.state_cost_tis, np.ones((1, spec.state_cost_tis.shape[1]))])
        self.benefits = np.vstack([spec.benefits, np.zeros((1, spec.benefits.shape[1]))])
        self.outcome_weight = np.append(spec.outcome_weight, 0.0)
        self.service = np.append(spec.state_service, len(spec.services))
        self.referral_from = np.append(pol.referral_from, False) if pol is not None else None
        self.tis_lut = np.searchsorted(spec.tis_edges, np.arange(spec.tis_edges[-1] + 1), side="right") - 1
        self.next_age = np.append(spec.age_edges[1:], np.inf)

        self.create_u = streams.creation_uniforms(self.seed, spec.n_ids)
        self.next_id = 0
        self.cycle = 0
        self.p = _People(spec.n_ids, S)
        self.gone = 0
        self.finished: list[dict] = []
        self.exits_total = {name: 0 for name in spec.exit_index}
        self.q_pid = np.zeros(0, dtype=_INT)  # the waiting list
        self.q_join = np.zeros(0, dtype=_INT)
        self.budget = BudgetLedger(pol) if pol is not None else None
        self.centres = DayCentres(**spec.day_centres) if spec.day_centres else None
        self.led: CycleLedger | None = None
        self.rows: list[dict] = []
        self._add(population.initial_people(spec, self.create_u), initial=True)
        self.initial_counts = np.bincount(self.p.state, minlength=S)

    # --- small helpers -----------------------------------------------------------------------
    def _seg(self, months: np.ndarray) -> np.ndarray:
        return self.tis_lut[np.minimum(months, len(self.tis_lut) - 1)]

    def _variant(self, state: np.ndarray, refer_ok: np.ndarray, model_k: np.ndarray) -> np.ndarray:
        """The policy variant of the chance tables (see `transitions.cumulative_chances`)."""
        pol = self.pol
        if pol is None:
            return np.zeros_like(state)
        v = (self.referral_from[state] & refer_ok).astype(_INT)
        return np.where(state == pol.support, 2 + model_k, v)

    # --- people entering ---------------------------------------------------------------------
    def _add(self, batch: population.People, initial: bool = False) -> None:
        spec, pol, m = self.spec, self.pol, self.cycle
        n = len(batch)
        if n == 0:
            return
        self.next_id = int(batch.ids[-1]) + 1
        new = {name: np.zeros(n, dtype=dtype) for name, dtype in _FIELDS.items()}
        new.update(ids=batch.ids, band=batch.band, age=batch.age.astype(float), state=batch.state.copy(),
                   wants=batch.wants_work, pb=batch.personal_budget, model_k=np.full(n, -1, dtype=_INT),
                   origin=batch.state.copy(), entered=np.full(n, m, dtype=_INT),
                   first_move=np.full(n, m if initial else m + 1, dtype=_INT),  # entrants move from the next cycle
                   state_start=np.full(n, m, dtype=_INT), cycles_in=np.zeros((n, spec.n_live), dtype=_INT))
        new["age_band"] = spec.age_band(new["age"])
        new["refer_ok"] = batch.wants_work & (pol.eligible_band[batch.band] if pol is not None else False)
        if initial:
            new["state_start"][:] = -1  # present before the first cycle: exposure grows from cycle 0
            new["mis"] = batch.months_in_state.copy()
            new["exposure"] = batch.months_in_state.copy()
            if pol is not None:
                u = self.create_u[batch.ids, streams.CREATE_ENTRY]
                new["hours"] = np.where(batch.state == pol.work, _hours(spec, u), 0.0)
                pathway = (batch.state == pol.support) | (batch.state == pol.waiting)
                self._queue_add(batch.ids[pathway], np.zeros(int(pathway.sum()), dtype=_INT))
        elif pol is not None and pol.employment_first:
            first = np.flatnonzero(new["refer_ok"])
            self._refer(new, first, charge=False)
            new["origin"][first] = -1  # straight from education, never in day services
        new["variant"] = self._variant(new["state"], new["refer_ok"], new["model_k"])
        self.p.append(new)
        if initial and pol is not None:
            self._place_initial()
        elif self.led is not None:
            self.led.inflow_to += np.bincount(new["state"], minlength=spec.n_live)

    def _place_initial(self) -> None:
        """As the agent engine: the starting supported stock takes the starting places in id order."""
        pol, p = self.pol, self.p
        pos = np.searchsorted(p.ids, self.q_pid)  # all joined at 0, in id order
        supported = p.state[pos] == pol.support
        sup_pos = pos[supported]
        models = _fill(pol.places(pol.base_budget), len(sup_pos))
        placed = models >= 0
        p.model_k[sup_pos[placed]] = models[placed]
        over = sup_pos[~placed]
        p.state[over] = pol.waiting
        p.origin[over] = pol.waiting
        keep = ~supported
        keep[np.flatnonzero(supported)[~placed]] = True
        self.q_pid, self.q_join = self.q_pid[keep], self.q_join[keep]
        p.variant[:] = self._variant(p.state, p.refer_ok, p.model_k)

    def _refer(self, rows, at: np.ndarray, charge: bool) -> np.ndarray:
        """Send the people at positions `at` into the pathway: a usable personal budget buys a place at
        once, anyone else joins the waiting list. Returns the state each went to."""
        pol, m = self.pol, self.cycle
        spot = rows["pb"][at] if pol.personal_budgets_usable else np.zeros(len(at), dtype=bool)
        dst = np.where(spot, pol.support, pol.waiting)
        self._enter(rows, at, dst, charge)
        rows["model_k"][at[spot]] = 0
        rows["spot"][at[spot]] = True
        self._queue_add(rows["ids"][at[~spot]], np.full(int((~spot).sum()), m, dtype=_INT))
        return dst

    def _enter(self, rows, at: np.ndarray, dst: np.ndarray, charge: bool = True) -> None:
        """`Person.enter` for the people at positions `at`: time in state restarts, the move is charged."""
        spec, pol = self.spec, self.pol
        src = rows["state"][at]
        if charge:
            rows["one_off"][at] += spec.move_cost[src, dst]
        if pol is not None:
            in_new = (dst == pol.waiting) | (dst == pol.support) | (dst == pol.work)
            in_old = (src == pol.waiting) | (src == pol.support) | (src == pol.work)
            rows["origin"][at] = np.where(in_new & ~in_old, src, np.where(~in_new, dst, rows["origin"][at]))
            left = at[src == pol.support]
            rows["model_k"][left] = -1
            rows["spot"][left] = False
        rows["state"][at] = dst
        rows["mis"][at] = 0
        rows["exposure"][at] = 0
        rows["state_start"][at] = self.cycle

    def _queue_add(self, pids: np.ndarray, joins: np.ndarray) -> None:
        self.q_pid = np.concatenate([self.q_pid, pids.astype(_INT)])
        self.q_join = np.concatenate([self.q_join, joins.astype(_INT)])

    # --- one cycle ---------------------------------------------------------------------------
    def step(self) -> None:
        """One cycle, as `DayshiftModel.step`."""
        spec, pol, m, p = self.spec, self.pol, self.cycle, self.p
        led = self.led = CycleLedger(spec, m)
        n_inflow = int(spec.inflow[m])
        u_all = streams.cycle_uniforms(self.seed, m, self.next_id + n_inflow)

        # 1. exits
        self._exits(u_all[p.ids, streams.DECIDE_EXIT], led)

        # 2. inflow
        self._add(population.entrants(spec, self.next_id, n_inflow, self.create_u))
        led.inflow = n_inflow
        p = self.p

        # 3. moves, decided on the state at the start of the cycle (entrants wait for the next)
        u_move = u_all[p.ids, streams.DECIDE_MOVE]
        seg = self._seg(p.exposure)
        total = self.total[p.state, p.band, p.age_band, seg, p.variant]
        movers = np.flatnonzero((u_move < total) & (p.first_move <= m))
        if len(movers):
            cum = self.cum[p.state[movers], p.band[movers], p.age_band[movers], seg[movers], p.variant[movers]]
            dst = (u_move[movers][:, None] < cum).argmax(axis=1)
            self._moves(movers, dst, u_all[p.ids[movers], streams.DECIDE_HOURS], led)

        # 4-5. the budget, the places it buys, and the waiting list
        if pol is not None:
            self._waiting_list(led)

        # 6. day centres
        if self.centres is not None:
            self.centres.update(int(np.count_nonzero(p.state == spec.day_state)), m)
            led.centres(self.centres.costs(m), self.centres.open)

        # 7. costs and outcomes, then time passes
        cost = self.state_cost[p.state, p.band] * self.state_cost_tis[p.state, self._seg(p.mis)]
        if pol is not None:
            supported = p.state == pol.support
            cost += np.where(supported, pol.place_cost[p.model_k], 0.0)  # model_k -1 only where unsupported
            hours = np.where(p.state == pol.work, p.hours, 0.0)
            spot = np.count_nonzero(supported & p.spot)
            place = pol.place_cost[p.model_k[supported & ~p.spot]]
        else:
            hours, spot, place = np.zeros(p.n), 0, np.zeros(0)
        cost += p.one_off
        w = self.outcome_weight[p.state]
        led.people_sums(
            counts=np.bincount(p.state, minlength=self.GONE + 1)[: self.GONE],
            by_service=np.bincount(self.service[p.state], weights=cost, minlength=len(spec.services) + 1)[:-1],
            benefits=float(self.benefits[p.state, p.band].sum()), hours=hours, outcomes=float(w.sum()),
            spot=spot, place=place)
        p.cost += cost
        p.cost_disc += cost * spec.df_costs[m]
        p.outcomes += w
        p.outcomes_disc += w * spec.df_outcomes[m]
        self._advance()
        self.rows.append(led.close(self.exits_total))
        self.led = None
        self.cycle += 1

    def _exits(self, u: np.ndarray, led: CycleLedger) -> None:
        spec, p = self.spec, self.p
        alive = p.state < self.GONE
        p_death = spec.death_p[p.age_band, p.band]
        retire = p.age >= spec.pension_age
        die = ~retire & (u < p_death)
        move = ~retire & ~die & (u < p_death + spec.move_p)
        leaving = np.flatnonzero((retire | die | move) & alive)
        if not len(leaving):
            return
        ex = spec.exit_index
        exit_to = np.where(retire[leaving], ex["retired"], np.where(die[leaving], ex["died"], ex["moved_away"]))
        for name, k in ex.items():
            n = int(np.count_nonzero(exit_to == k))
            self.exits_total[name] += n
            led.exits[name] += n
        led.exits_from += np.bincount(p.state[leaving], minlength=spec.n_live)
        p.cycles_in[leaving, p.state[leaving]] += self.cycle - np.maximum(p.state_start[leaving], 0)
        self.finished.append(dict(p.rows(leaving), exit_state=exit_to, exit_cycle=np.full(len(leaving), self.cycle)))
        p.state[leaving] = self.GONE
        p.variant[leaving] = 0
        if len(self.q_pid):
            stay = ~np.isin(self.q_pid, p.ids[leaving])
            self.q_pid, self.q_join = self.q_pid[stay], self.q_join[stay]
        self.gone += len(leaving)
        if self.gone > _COMPACT_SHARE * p.n:
            p.compact(p.state < self.GONE)
            self.gone = 0

    def _moves(self, movers: np.ndarray, dst: np.ndarray, u_hours: np.ndarray, led: CycleLedger) -> None:
        spec, pol, m, p = self.spec, self.pol, self.cycle, self.p
        src = p.state[movers]
        p.cycles_in[movers, src] += m - np.maximum(p.state_start[movers], 0)
        if pol is not None:
            refer = dst == pol.waiting
            if refer.any():
                led.referrals += int(refer.sum())
                went = self._refer(p.__dict__, movers[refer], charge=True)
                np.add.at(led.moves, (src[refer], went), 1)
                p.variant[movers[refer]] = self._variant(went, p.refer_ok[movers[refer]], p.model_k[movers[refer]])
            movers, dst, src, u_hours = movers[~refer], dst[~refer], src[~refer], u_hours[~refer]
        np.add.at(led.moves, (src, dst), 1)
        self._enter(p.__dict__, movers, dst)
        p.variant[movers] = self._variant(dst, p.refer_ok[movers], p.model_k[movers])
        if pol is None:
            return
        job = dst == pol.work
        if job.any():
            at = movers[job]
            p.hours[at] = _hours(spec, u_hours[job])
            origin = np.where(src[job] == pol.support, p.origin[at], src[job])
            led.job_starts_by += np.bincount(np.where(origin >= 0, origin, spec.n_live), minlength=spec.n_live + 1)
            p.job_starts[at] += 1
            from_day = origin == pol.day
            self.budget.release_many(p.ids[at][from_day], m, spec.state_cost[pol.day, p.band[at][from_day]])
        led.job_exits += int(np.count_nonzero(src == pol.work))

    def _waiting_list(self, led: CycleLedger) -> None:
        spec, pol, m, p = self.spec, self.pol, self.cycle, self.p
        budget = self.budget.budget(m)
        places = pol.places(budget)
        in_block = (p.state == pol.support) & ~p.spot
        occupied = np.bincount(p.model_k[in_block], minlength=len(places)).astype(float)
        order = np.lexsort((self.q_pid, self.q_join))
        self.q_pid, self.q_join = self.q_pid[order], self.q_join[order]
        models = _fill(places - occupied, len(self.q_pid))
        taken = models >= 0
        if taken.any():
            at = np.searchsorted(p.ids, self.q_pid[taken])
            led.admissions += int(taken.sum())
            led.wait_admitted = float(((m - self.q_join[taken]) * spec.cycle_months).sum())
            led.moves[pol.waiting, pol.support] += int(taken.sum())
            p.cycles_in[at, pol.waiting] += m - np.maximum(p.state_start[at], 0)
            self._enter(p.__dict__, at, np.full(len(at), pol.support, dtype=_INT))
            p.model_k[at] = models[taken]
            p.variant[at] = 2 + models[taken]
            occupied += np.bincount(models[taken], minlength=len(places))
            self.q_pid, self.q_join = self.q_pid[~taken], self.q_join[~taken]
        led.policy_cycle(self.budget.split(m), budget, places, occupied, m - self.q_join)

    def _advance(self) -> None:
        """The cycle has passed: everyone a cycle older and a cycle longer in their state."""
        spec, p, m = self.spec, self.p, self.cycle
        c = spec.cycle_months
        p.exposure += np.where((p.first_move > m) | (p.state_start == m), 0, c)
        p.mis += c
        p.age += c / 12.0
        p.age_band += p.age >= self.next_age[p.age_band]
        p.one_off[:] = 0.0

    # --- a whole run -------------------------------------------------------------------------
    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Run to the horizon (or, for a lifetime horizon, until everyone has left)."""
        spec = self.spec
        while self.cycle < spec.n_cycles:
            self.step()
            if progress is not None:
                progress(self.cycle, spec.n_cycles)
            if (spec.scenario.horizon == "lifetime" and not np.any(self.p.state < self.GONE)
                    and int(spec.inflow[self.cycle:].sum()) == 0):
                break

    def person_rows(self) -> dict:
        """One row per person ever in the model, in id order (as `DayshiftModel.person_rows`)."""
        spec, p = self.spec, self.p
        here = np.flatnonzero(p.state < self.GONE)
        p.cycles_in[here, p.state[here]] += self.cycle - np.maximum(p.state_start[here], 0)
        parts = self.finished + [dict(p.rows(here), exit_state=p.state[here], exit_cycle=np.full(len(here), -1))]
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
        out[start : start + take] = k
        start += take
    return out


def _hours(spec: Spec, u: np.ndarray) -> np.ndarray:
    return spec.hours_values[population.pick(spec.hours_cum, u)]
