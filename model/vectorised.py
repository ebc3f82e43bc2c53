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
    one_off=float, state_start=_INT, cost=float, cost_disc=float, outcomes=float, outcomes_disc=float,
    job_starts=_INT,
    # Cached from the fields above, refreshed (`_refresh`) only for rows that change:
    key=_INT, eseg=_INT, death=float, exit2=float, next_age=float, next_mis=_INT, next_exposure=_INT, monthly_cost=float,
    block_cost=float, spot_supported=bool, benefit=float, weight=float, service=_INT, work_hours=float,
)
_NEVER = np.iinfo(np.int64).max // 2
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
        # Chance tables laid out [state, band, age band, variant, tis segment] so one flat key per person
        # finds their row: key = (((state * B + band) * A + age band) * V + variant) * T + segment.
        cum = np.concatenate([spec.cum, np.zeros((1,) + spec.cum.shape[1:])]).transpose(0, 1, 2, 4, 3, 5)
        self.dims = cum.shape[1:5]  # B, A, V, T
        self.cum = np.ascontiguousarray(cum).reshape(-1, cum.shape[-1])
        self.total = np.ascontiguousarray(self.cum[:, -1])
        self.state_cost = np.vstack([spec.state_cost, np.zeros((1, spec.state_cost.shape[1]))])
        self.state_cost_tis = np.vstack([spec.state_cost_tis, np.ones((1, spec.state_cost_tis.shape[1]))])
        self.benefits = np.vstack([spec.benefits, np.zeros((1, spec.benefits.shape[1]))])
        self.outcome_weight = np.append(spec.outcome_weight, 0.0)
        self.service = np.append(spec.state_service, len(spec.services))
        self.referral_from = np.append(pol.referral_from, False) if pol is not None else None
        self.tis_lut = np.searchsorted(spec.tis_edges, np.arange(spec.tis_edges[-1] + 1), side="right") - 1
        self.next_edge = np.append(spec.tis_edges[1:], _NEVER)
        self.next_age_edge = np.append(spec.age_edges[1:], np.inf)
        self._fresh: list[np.ndarray] = []  # rows that entered a state this cycle

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

    def _refresh(self, at: np.ndarray) -> None:
        """Recompute the cached quantities of the rows at positions `at` from their state, band, age,
        time in state and service model."""
        spec, pol, p = self.spec, self.pol, self.p
        st, band, ab = p.state[at], p.band[at], p.age_band[at]
        gone = st == self.GONE
        eseg, cseg = self._seg(p.exposure[at]), self._seg(p.mis[at])
        v = self._variant(st, p.refer_ok[at], p.model_k[at])
        B, A, V, T = self.dims
        p.variant[at] = v
        p.eseg[at] = eseg
        p.key[at] = (((st * B + band) * A + ab) * V + v) * T + eseg
        p.next_exposure[at] = np.where(gone, _NEVER, self.next_edge[eseg])
        self._refresh_age(at, gone)
        self._refresh_cost(at, cseg)
        p.next_mis[at] = np.where(gone, _NEVER, p.next_mis[at])
        p.benefit[at] = self.benefits[st, band]
        p.weight[at] = self.outcome_weight[st]
        p.service[at] = self.service[st]

    def _refresh_age(self, at: np.ndarray, gone: np.ndarray) -> None:
        """What depends on the age band: exit chances, and when the next band starts."""
        spec, p = self.spec, self.p
        ab, band = p.age_band[at], p.band[at]
        death = np.where(gone, 0.0, spec.death_p[np.minimum(ab, len(spec.age_labels) - 1), band])
        p.death[at] = death
        p.exit2[at] = np.where(gone, 0.0, death + spec.move_p)
        p.next_age[at] = np.where(gone, np.inf, self.next_age_edge[ab])

    def _refresh_cost(self, at: np.ndarray, cseg: np.ndarray) -> None:
        """What depends on months in the state: the cycle's cost, and when the next cost step starts."""
        pol, p = self.pol, self.p
        st, band = p.state[at], p.band[at]
        p.next_mis[at] = self.next_edge[cseg]
        cost = self.state_cost[st, band] * self.state_cost_tis[st, cseg]
        if pol is not None:
            supported = st == pol.support
            mk = p.model_k[at]
            cost = cost + np.where(supported, pol.place_cost[mk], 0.0)  # model_k is -1 only where unsupported
            p.block_cost[at] = np.where(supported & ~p.spot[at], pol.place_cost[mk], 0.0)
            p.spot_supported[at] = supported & p.spot[at]
            p.work_hours[at] = np.where(st == pol.work, p.hours[at], 0.0)
        p.monthly_cost[at] = cost

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
        start = self.p.n
        self.p.append(new)
        at = np.arange(start, self.p.n)
        if not initial:
            self._fresh.append(at)  # entrants: no leaving decision in this cycle
        if initial and pol is not None:
            self._place_initial()
        self._refresh(at)
        if not initial and self.led is not None:
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
        movers = np.flatnonzero((u_move < self.total[p.key]) & (p.first_move <= m))
        if len(movers):
            dst = (u_move[movers][:, None] < self.cum[p.key[movers]]).argmax(axis=1)
            self._moves(movers, dst, u_all[p.ids[movers], streams.DECIDE_HOURS], led)

        # 4-5. the budget, the places it buys, and the waiting list
        if pol is not None:
            self._waiting_list(led)

        # 6. day centres
        if self.centres is not None:
            self.centres.update(int(np.count_nonzero(p.state == spec.day_state)), m)
            led.centres(self.centres.costs(m), self.centres.open)

        # 7. costs and outcomes, then time passes
        cost = p.monthly_cost + p.one_off
        led.people_sums(
            counts=np.bincount(p.state, minlength=self.GONE + 1)[: self.GONE],
            by_service=np.bincount(p.service, weights=cost, minlength=len(spec.services) + 1)[:-1],
            benefits=float(p.benefit.sum()), hours=p.work_hours, outcomes=float(p.weight.sum()),
            spot=int(np.count_nonzero(p.spot_supported)), place=p.block_cost)
        p.cost += cost
        p.cost_disc += cost * spec.df_costs[m]
        p.outcomes += p.weight
        p.outcomes_disc += p.weight * spec.df_outcomes[m]
        self._advance()
        self.rows.append(led.close(self.exits_total))
        self.led = None
        self.cycle += 1

    def _exits(self, u: np.ndarray, led: CycleLedger) -> None:
        spec, p = self.spec, self.p
        retire = p.age >= spec.pension_age  # rows of people who left have age -inf and exit chances 0
        leaving = np.flatnonzero(retire | (u < p.exit2))
        if not len(leaving):
            return
        die = u[leaving] < p.death[leaving]
        ex = spec.exit_index
        exit_to = np.where(retire[leaving], ex["retired"], np.where(die, ex["died"], ex["moved_away"]))
        for name, k in ex.items():
            n = int(np.count_nonzero(exit_to == k))
            self.exits_total[name] += n
            led.exits[name] += n
        led.exits_from += np.bincount(p.state[leaving], minlength=spec.n_live)
        p.cycles_in[leaving, p.state[leaving]] += self.cycle - np.maximum(p.state_start[leaving], 0)
        self.finished.append(dict(p.rows(leaving), exit_state=exit_to, exit_cycle=np.full(len(leaving), self.cycle)))
        p.state[leaving] = self.GONE
        p.age[leaving] = -np.inf
        self._refresh(leaving)
        if len(self.q_pid):
            stay = ~np.isin(self.q_pid, p.ids[leaving])
            self.q_pid, self.q_join = self.q_pid[stay], self.q_join[stay]
        self.gone += len(leaving)
        if self.gone > _COMPACT_SHARE * p.n:
            p.compact(p.state < self.GONE)
            self.gone = 0

    def _moves(self, movers: np.ndarray, dst: np.ndarray, u_hours: np.ndarray, led: CycleLedger) -> None:
        self._moves_apply(movers, dst, u_hours, led)
        self._fresh.append(movers)
        self._refresh(movers)

    def _moves_apply(self, movers: np.ndarray, dst: np.ndarray, u_hours: np.ndarray, led: CycleLedger) -> None:
        spec, pol, m, p = self.spec, self.pol, self.cycle, self.p
        src = p.state[movers]
        p.cycles_in[movers, src] += m - np.maximum(p.state_start[movers], 0)
        if pol is not None:
            refer = dst == pol.waiting
            if refer.any():
                led.referrals += int(refer.sum())
                went = self._refer(p.__dict__, movers[refer], charge=True)
                np.add.at(led.moves, (src[refer], went), 1)
            movers, dst, src, u_hours = movers[~refer], dst[~refer], src[~refer], u_hours[~refer]
        np.add.at(led.moves, (src, dst), 1)
        self._enter(p.__dict__, movers, dst)
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
            self._fresh.append(at)
            self._refresh(at)
            occupied += np.bincount(models[taken], minlength=len(places))
            self.q_pid, self.q_join = self.q_pid[~taken], self.q_join[~taken]
        led.policy_cycle(self.budget.split(m), budget, places, occupied, m - self.q_join)

    def _advance(self) -> None:
        """The cycle has passed: everyone a cycle older and a cycle longer in their state."""
        spec, p = self.spec, self.p
        c = spec.cycle_months
        fresh = np.unique(np.concatenate(self._fresh)) if self._fresh else np.zeros(0, dtype=_INT)
        self._fresh = []
        p.exposure += c
        p.exposure[fresh] = 0  # entered this cycle: no leaving decision survived in the state yet
        p.one_off[fresh] = 0.0
        p.mis += c
        p.age += c / 12.0
        B, A, V, T = self.dims
        older = np.flatnonzero(p.age >= p.next_age)
        if len(older):  # a new age band: one band further along the chance tables
            p.age_band[older] += 1
            p.key[older] += V * T
            self._refresh_age(older, np.zeros(len(older), dtype=bool))
        longer = np.flatnonzero(p.mis >= p.next_mis)
        if len(longer):
            self._refresh_cost(longer, self._seg(p.mis[longer]))
        exposed = np.flatnonzero(p.exposure >= p.next_exposure)
        if len(exposed):
            eseg = self._seg(p.exposure[exposed])
            p.key[exposed] += eseg - p.eseg[exposed]
            p.eseg[exposed] = eseg
            p.next_exposure[exposed] = self.next_edge[eseg]

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
