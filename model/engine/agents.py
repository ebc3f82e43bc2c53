"""The agent engine: a Mesa model whose Person agents step by readable rules.

It is the reference the rules are checked against. A scenario whose numbers change over time has periods
(`Spec.periods`): at the start of a period's first cycle the model reads that period's spec, and the policy's
run-time objects take its parameters, keeping their state. One cycle (a month by default) runs, in order:
1. exits: reaching state pension age, then death or moving away (one uniform);
2. inflow: young people enter, by the policy's entry route;
3. moves: each person present at the start of the cycle may move (one uniform), including the
   policy's referrals into the waiting list and job starts from supported employment;
4. the employment budget for the cycle (money following the person after its lag) and the places it buys;
5. the waiting list is served first come, first served (ties by id);
6. day centres close if attendance has fallen;
7. costs and outcomes of the cycle land in the ledgers; then everyone ages and time in state grows.

Time in a state has two clocks. Costs read `months_in_state`, which counts the cycle someone entered
in (they are charged for it). The chance of leaving reads `exposure`, the months of decisions already
survived in the state: someone who entered during a cycle meets their first decision at exposure 0,
so a `time_in_state` table's first step covers their first month of risk. A package moves from day
services at most once per person: someone who returns to day services is paid for by day services again.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import mesa
import numpy as np
import pandas as pd

from model.compile.spec import Spec, compiled
from model.compile.transitions import choose_cum
from model.engine import people, streams
from model.engine.ledger import CycleLedger, financial_year, record_columns
from model.engine.results import person_columns
from model.engine.policy import BudgetLedger, CentreClosures, admit
from model.scenario.schema import Scenario


class Person(mesa.Agent):
    """An adult with a learning disability known to the council."""

    def __init__(self, model: "DayshiftModel", pid: int, band: int, age: float, state: int,
                 wants_work: bool, personal_budget: bool, cycle: int, personal_budget_u: float = 1.0):
        super().__init__(model)
        self.pid = pid
        self.band = band
        self.entry_age = age  # age on entering the model, in years
        self.months_lived = 0  # in the model: whole months, so ages land on whole years exactly
        self.state = state
        self.months_in_state = 0  # counts the cycle of entry: costs read it
        self.exposure = 0  # months of leaving decisions survived in this state
        self.entered_now = False
        self.wants_work = bool(wants_work)
        self.personal_budget = bool(personal_budget)
        self.personal_budget_u = float(personal_budget_u)  # below the policy's cutoff: uses the budget for work
        self.service_model = -1  # which employment-support model, while supported
        self.spot = False  # supported on a personal budget, outside the block places
        self.origin = state  # where the person entered the employment pathway from
        self.kept_from = -1  # on the employment pathway: the state whose service they keep part of
        self.outcome_year = -1  # the last financial year in which they counted as a job outcome
        self.hours = 0.0
        self.joined_queue = 0
        self.admitted_cycle = -1
        self.entered_cycle = cycle
        self.is_new = True
        self.one_off = 0.0  # one-off move costs this cycle
        self.totals = dict(cost=0.0, cost_disc=0.0, outcomes=0.0, outcomes_disc=0.0, job_starts=0)
        self.cycles_in = np.zeros(model.spec.n_live, dtype=np.int64)

    @property
    def age(self) -> float:
        """Age in years: the age on entering and the whole months lived since (adding a twelfth a month would
        leave someone who entered at 18 aged 24.9999999999999 after seven years, a band late)."""
        return self.entry_age + self.months_lived / 12.0

    # --- rules ---------------------------------------------------------------------------------
    def exit_to(self, u: float) -> int | None:
        """The exit this person takes this cycle, if any: pension age, then death or moving away."""
        spec = self.model.spec
        ex = spec.exit_index
        if self.age >= spec.exits.pension_age:
            return ex["retired"]
        p_death = spec.exits.death_p[spec.cohort.age_band(self.age), self.band]
        if u < p_death:
            return ex["died"]
        if u < p_death + spec.exits.move_p:
            return ex["moved_away"]
        return None

    def variant(self) -> int:
        """Which of the policy's moves apply: none (0), a referral (1), or a job start at my model's rate (2 + k)."""
        pol = self.model.spec.policy
        if pol is None:
            return 0
        if self.state == pol.support:
            return 2 + self.service_model
        return int(bool(pol.referral_from[self.state] and self.wants_work and pol.eligible_band[self.band]))

    def choose_move(self, u: float) -> int:
        """Where this person moves this cycle (-1: nowhere): the first state whose running chance exceeds u.
        Someone waiting for a place keeps the moves of the state they came from (a queue holds nobody back
        from what they would otherwise do); such a move takes them off the waiting list."""
        spec = self.model.spec
        seg = int(np.searchsorted(spec.moves.tis_edges, self.exposure, side="right") - 1)
        state, variant = self.state, self.variant()
        if spec.policy is not None and state == spec.policy.waiting and self.kept_from >= 0:
            state, variant = self.kept_from, 0
        return int(choose_cum(spec.moves.cum[state, self.band, spec.cohort.age_band(self.age), seg, variant], u))

    def tis_segment(self) -> int:
        """The time-in-state step that applies to this person's costs and outcome this cycle."""
        return int(np.searchsorted(self.model.spec.moves.tis_edges, self.months_in_state, side="right") - 1)

    def cycle_cost(self) -> float:
        """What this person's state costs the council this cycle (one-off move costs included)."""
        spec, pol = self.model.spec, self.model.spec.policy
        seg = self.tis_segment()
        cost = spec.costs.state_cost[self.state, self.band] * spec.costs.state_cost_tis[self.state, seg]
        if pol is not None and self.state == pol.support:
            cost += pol.place_cost[self.service_model]
        return float(cost + self.one_off)

    def outcome_weight(self) -> float:
        """This person's outcome this cycle (e.g. a year of life or quality-adjusted life, per cycle)."""
        spec = self.model.spec
        seg = self.tis_segment()
        return float(spec.costs.outcome_weight[self.state, self.band] * spec.costs.outcome_tis[self.state, seg])

    def kept_cost(self) -> float:
        """What the part of their former service that this person keeps costs this cycle (0 if none)."""
        if self.kept_from < 0:
            return 0.0
        spec = self.model.spec
        share = spec.kept_share(self.state, self.band, self.hours)
        return float(share * spec.costs.state_cost[self.kept_from, self.band])

    def enter(self, state: int, charge: bool = True) -> None:
        """Move into a state: time in state restarts, and the move's one-off cost is charged."""
        spec = self.model.spec
        pol = spec.policy
        if charge:
            self.one_off += spec.costs.move_cost[self.state, state]
        if pol is not None:
            pathway = (pol.waiting, pol.support, pol.work)
            if state in pathway and self.state not in pathway:
                self.origin = self.kept_from = self.state
            elif state not in pathway:
                self.origin, self.kept_from = state, -1
            if self.state == pol.support:
                self.service_model, self.spot = -1, False
        self.state = state
        self.months_in_state = 0
        self.exposure = 0
        self.entered_now = True

    def advance(self, cycle_months: int) -> None:
        """The cycle has passed: a cycle older, a cycle longer in the state."""
        self.cycles_in[self.state] += 1
        if not (self.is_new or self.entered_now):
            self.exposure += cycle_months
        self.entered_now = False
        self.months_in_state += cycle_months
        self.months_lived += cycle_months
        self.is_new = False
        self.one_off = 0.0


class DayshiftModel(mesa.Model):
    """The whole council: its people, its policy and its ledgers, one cycle per step.

    Extend a person's behaviour by subclassing `Person` and setting `person_class` on a subclass of this
    model (or on an instance before it is built: pass `person_class=`).
    """

    person_class: type[Person] = Person

    def __init__(self, config: Scenario | Spec, rng: int | np.random.Generator | None = None,
                 n_cycles: int | None = None, person_class: type[Person] | None = None):
        if person_class is not None:
            self.person_class = person_class
        spec = config if isinstance(config, Spec) else compiled(config)
        if n_cycles is not None and n_cycles != spec.calendar.n_cycles:
            spec = spec.with_cycles(n_cycles)
        self.seed = streams.seed_from(rng, spec.scenario.seed)
        super().__init__(rng=self.seed)
        self.spec = spec
        self._periods = {k: s for k, s in spec.periods if k > 0}  # later periods, by first cycle
        self.cycle = 0
        self.create_u = streams.creation_uniforms(self.seed, spec.cohort.n_ids)
        self.next_id = 0
        self.queue: list[tuple[int, int]] = []
        self.finished: list[dict] = []
        self.exits_total = {name: 0 for name in spec.exit_index}
        pol = spec.policy
        self.budget = BudgetLedger(pol, spec.cohort.n_ids) if pol is not None else None
        self.centres = CentreClosures(spec.centres) if spec.centres else None
        self.record: dict = {}
        self.ledger: CycleLedger | None = None
        self.datacollector = mesa.DataCollector(model_reporters={c: _reporter(c) for c in record_columns(spec)})
        self._add_people(people.initial_people(spec, self.create_u), initial=True)
        self.initial_counts = np.bincount([p.state for p in self.agents], minlength=spec.n_live)[None, :]
        self._start = self._start_point()
        self.running = spec.calendar.n_cycles > 0

    def _start_point(self) -> tuple[float, float, float] | None:
        """The start state counted at time 0 (a within-cycle correction, or count_start): each person's cycle of
        cost and outcome at its weight goes into their discounted totals; (cost, outcome, public purse) of
        everyone, for the first row."""
        spec = self.spec
        w = spec.discount.start
        if not w:
            return None
        pol = spec.policy
        costs, outcomes, purse = [], [], []
        for p in self.people():
            cost = p.cycle_cost() + p.kept_cost()
            weight = p.outcome_weight()
            working = pol is not None and p.state == pol.work
            benefit, tax, _ = spec.benefit_tax_earnings(p.state, p.band, p.hours if working else 0.0)
            p.totals["cost_disc"] += w * cost
            p.totals["outcomes_disc"] += w * weight
            costs.append(cost)
            outcomes.append(weight)
            purse.append(benefit - tax)
        centres = float(self.centres.costs(0)[0, 0]) if self.centres is not None else 0.0  # every centre open
        cost = math.fsum(costs) + centres
        return w * cost, w * math.fsum(outcomes), w * (cost + math.fsum(purse))

    # --- people ------------------------------------------------------------------------------
    def people(self) -> list[Person]:
        """Everyone in the model, in id order."""
        return sorted(self.agents, key=lambda a: a.pid)

    def _add_people(self, batch: people.People, initial: bool = False) -> None:
        pol = self.spec.policy
        for i in range(len(batch)):
            p = self.person_class(self, int(batch.ids[i]), int(batch.band[i]), float(batch.age[i]), int(batch.state[i]),
                       bool(batch.wants_work[i]), bool(batch.personal_budget[i]), self.cycle,
                       float(batch.personal_budget_u[i]))
            self.next_id = p.pid + 1
            u = self.create_u[p.pid]
            if initial:
                p.is_new = False  # present at the start: moves from the first cycle
                p.months_in_state = p.exposure = int(batch.months_in_state[i])
                if pol is not None and p.state == pol.work:
                    p.hours = _hours(self.spec, u[streams.CREATE_ENTRY])
                if pol is not None and p.state in (pol.support, pol.waiting):
                    self.queue.append((0, p.pid))  # placed below, in id order
                    # What they had before is not known: they keep a day service (the conservative reading,
                    # so a waiting list or job search at the start is never free).
                    p.kept_from = pol.day
            elif pol is not None and pol.employment_first and p.wants_work and pol.eligible_band[p.band]:
                self._refer(p, charge=False)
                p.origin = -1  # straight from education, never in day services
            if self.ledger is not None:
                self.ledger.entered(p.state)
        if initial and pol is not None:
            self._place_initial()

    def _place_initial(self) -> None:
        """The starting supported-employment stock takes the places the starting budget buys, in id
        order; those beyond them, and the starting waiting list, wait in id order."""
        pol = self.spec.policy
        by_id = {p.pid: p for p in self.agents}
        supported = [q for q in self.queue if by_id[q[1]].state == pol.support]
        self.queue = [q for q in self.queue if by_id[q[1]].state != pol.support]
        for pid, k in admit(supported, pol.places(pol.base_budget)):
            by_id[pid].service_model = k
        for _, pid in supported:  # no place: on the waiting list from the start
            by_id[pid].state = pol.waiting
            by_id[pid].origin = pol.waiting
        self.queue += supported
        self.queue.sort()

    def _refer(self, p: Person, charge: bool = True) -> int:
        """Into the employment pathway: straight in on a usable personal budget, else the waiting list."""
        pol = self.spec.policy
        if p.personal_budget_u < pol.pb_cutoff(self.cycle):
            p.enter(pol.support, charge)
            p.service_model, p.spot = 0, True
        else:
            p.enter(pol.waiting, charge)
            p.joined_queue = self.cycle
            self.queue.append((self.cycle, p.pid))
        return p.state

    def _leave_queue(self, p: Person) -> None:
        self.queue = [q for q in self.queue if q[1] != p.pid]

    def _leave(self, p: Person, exit_state: int) -> None:
        self.exits_total[self.spec.states[exit_state]] += 1
        self.ledger.exited(p.state, self.spec.states[exit_state])
        self._leave_queue(p)
        self.finished.append(_person_row(p, self.spec.states[exit_state], self.cycle))
        p.remove()

    # --- one cycle ---------------------------------------------------------------------------
    def step(self) -> None:
        """One cycle of the council, phase by phase."""
        if self.cycle in self._periods:
            self.new_period(self._periods[self.cycle])
        self.ledger = CycleLedger(self.spec, self.cycle)
        if self.cycle == 0 and self._start is not None:
            self.ledger.start_point(*self._start)
        n_inflow = int(self.spec.cohort.inflow[self.cycle])
        u = streams.cycle_uniforms(self.seed, self.cycle, self.next_id + n_inflow)
        self.exits(u)
        self.inflow(n_inflow)
        self.moves(u)
        self.fill_places()
        self.close_centres()
        self.charge_costs()
        self.record = self.ledger.close(self.exits_total)
        self.ledger = None
        self.datacollector.collect(self)
        self.cycle += 1
        if self.spec.run_over(self.cycle, lambda: len(self.agents) > 0):
            self.running = False

    def new_period(self, spec: Spec) -> None:
        """0. Numbers that change over time: read this period's tables from now on."""
        self.spec = spec
        if self.budget is not None:
            self.budget.params = spec.policy
        if self.centres is not None:
            self.centres.params = spec.centres

    def exits(self, u: np.ndarray) -> None:
        """1. Exits: state pension age, then death or moving away (one uniform each)."""
        for p in self.people():
            ex = p.exit_to(u[p.pid, streams.DECIDE_EXIT])
            if ex is not None:
                self._leave(p, ex)

    def inflow(self, n: int) -> None:
        """2. Young people enter, by the policy's entry route."""
        self._add_people(people.entrants(self.spec, self.next_id, n, self.create_u))
        self.ledger.entrants(n)

    def moves(self, u: np.ndarray) -> None:
        """3. Moves, all decided on the state at the start of the cycle (entrants wait for the next)."""
        spec, pol, m, led = self.spec, self.spec.policy, self.cycle, self.ledger
        decisions = [(p, p.choose_move(u[p.pid, streams.DECIDE_MOVE])) for p in self.people() if not p.is_new]
        for p, dst in decisions:
            if dst < 0:
                continue
            src = p.state
            if pol is not None and dst == pol.waiting:
                led.referred()
                led.moved(src, self._refer(p))
                continue
            led.moved(src, dst)
            p.enter(dst)
            if pol is not None and src == pol.waiting:  # left the waiting list by a move of their own
                self._leave_queue(p)
            if pol is not None and dst == pol.work:
                p.hours = _hours(spec, u[p.pid, streams.DECIDE_HOURS])
                origin = p.origin if src in (pol.support, pol.waiting) else src
                led.job_start(origin)
                p.totals["job_starts"] += 1
                if origin == pol.day:  # the package moves, less what the person keeps in work
                    given_up = 1.0 - spec.kept_share(pol.work, p.band, p.hours)
                    self.budget.release(p.pid, m, float(spec.costs.state_cost[pol.day, p.band] * given_up))
            if pol is not None and src == pol.work:
                led.job_exit()

    def fill_places(self) -> None:
        """4-5. The employment budget, the places it buys, and the waiting list served first come, first served."""
        pol, m, led = self.spec.policy, self.cycle, self.ledger
        if pol is None:
            return
        budget = self.budget.budget(m)
        places = self.budget.places(budget)[0]
        occupied = np.zeros(len(places))
        by_id = {p.pid: p for p in self.agents}
        for p in by_id.values():
            if p.state == pol.support and not p.spot:
                occupied[p.service_model] += 1
        for pid, k in admit(self.queue, places - occupied):
            p = by_id[pid]
            led.admitted(m - p.joined_queue)
            led.moved(pol.waiting, pol.support)
            p.enter(pol.support)
            p.service_model = k
            p.admitted_cycle = m
            occupied[k] += 1
        carried, set_up = self.budget.settle(budget, occupied[None, :])
        waits = [m - j for j, _ in self.queue]
        led.policy_cycle(self.budget.split(m), budget, places, occupied, len(waits),
                         float(np.mean(waits)) if waits else 0.0, carried, set_up)

    def _attendance(self) -> float:
        """Day-centre attendance in whole-week equivalents: everyone in the day state, and the share of the week
        kept by people on the employment pathway who came from it."""
        spec, day = self.spec, self.spec.day_state
        return float(sum(1.0 if p.state == day else float(spec.kept_share(p.state, p.band, p.hours)) if p.kept_from == day
                         else 0.0 for p in self.agents))

    def close_centres(self) -> None:
        """6. Day centres close if attendance has fallen."""
        if self.centres is None:
            return
        attendance = self._attendance()
        self.ledger.centres(*self.centres.update_and_costs(attendance, self.cycle))

    def charge_costs(self) -> None:
        """7. Costs and outcomes of the cycle land in the ledgers; then everyone ages and time in state grows."""
        spec, pol, m = self.spec, self.spec.policy, self.cycle
        year = financial_year(spec, m)
        for p in self.people():
            cost, kept, w = p.cycle_cost(), p.kept_cost(), p.outcome_weight()
            supported = pol is not None and p.state == pol.support
            working = pol is not None and p.state == pol.work
            place = pol.place_cost[p.service_model] if supported and not p.spot else 0.0
            self.ledger.person(p.state, p.band, cost, p.hours if working else 0.0, supported and p.spot, place,
                               kept_from=p.kept_from, kept=kept, outcome=w)
            if working and p.outcome_year != year:  # a job gained or kept this financial year (NDTi)
                p.outcome_year = year
                self.ledger.job_outcomes(1)
            if working and p.totals["job_starts"] > 0:  # a job started in the run: does it reach 6, 12 months?
                reached = [t <= p.months_in_state < t + spec.calendar.cycle_months for t in (6, 12)]
                if any(reached):
                    self.ledger.jobs_kept(*reached)
            cost += kept
            p.totals["cost"] += cost
            p.totals["cost_disc"] += cost * spec.discount.costs[m]
            p.totals["outcomes"] += w
            p.totals["outcomes_disc"] += w * spec.discount.outcomes[m]
            p.advance(spec.calendar.cycle_months)

    # --- the engine interface ----------------------------------------------------------------
    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Run to the horizon (or, for a lifetime horizon, until everyone has left)."""
        while self.running:
            self.step()
            if progress is not None:
                progress(self.cycle, self.spec.calendar.n_cycles)

    def monthly_frame(self, draw: int = 0) -> pd.DataFrame:
        """The monthly table, a row per cycle run, as the DataCollector collected it."""
        self._one_draw(draw)
        columns = self.datacollector.model_vars
        return pd.DataFrame([dict(zip(columns, values)) for values in zip(*columns.values())],
                            columns=record_columns(self.spec))

    def person_rows(self, draw: int = 0) -> dict[str, np.ndarray]:
        """One row per person ever in the model, in id order, as columns."""
        self._one_draw(draw)
        still = [_person_row(p, self.spec.states[p.state], None) for p in self.people()]
        rows = sorted(self.finished + still, key=lambda r: r["id"])
        return {k: np.array([r[k] for r in rows]) for k in person_columns(self.spec)}

    @staticmethod
    def _one_draw(draw: int) -> None:
        if draw != 0:
            raise IndexError("the Mesa engine runs one parameter set (draw 0)")


def _reporter(column: str):
    return lambda m: m.record[column]


def _hours(spec: Spec, u: float) -> float:
    return float(spec.moves.hours_values[people.pick(spec.moves.hours_cum, np.array([u]))[0]])


def _person_row(p: Person, final_state: str, exit_cycle: int | None) -> dict:
    spec = p.model.spec
    row = dict(id=p.pid, band=spec.cohort.bands[p.band], wants_work=p.wants_work, personal_budget=p.personal_budget,
               entered_cycle=p.entered_cycle, exit_cycle=-1 if exit_cycle is None else exit_cycle,
               final_state=final_state, **p.totals)
    for i, s in enumerate(spec.states[: spec.n_live]):
        row[f"months_{s}"] = int(p.cycles_in[i]) * spec.calendar.cycle_months
    return row


def run_batch(config: Scenario | Spec, seeds: list[int], number_processes: int = 1, **kwargs) -> list[dict]:
    """`mesa.batch_run` over seeds, the same on Mesa 3.3 (seeds as a parameter) and 3.4+ (its `rng` argument)."""
    import inspect

    spec = config if isinstance(config, Spec) else compiled(config)
    params = {"config": spec, **{k: v for k, v in kwargs.pop("parameters", {}).items()}}
    common = dict(number_processes=number_processes, data_collection_period=-1, max_steps=spec.calendar.n_cycles + 1,
                  display_progress=False, **kwargs)
    if "rng" in inspect.signature(mesa.batch_run).parameters:
        return mesa.batch_run(DayshiftModel, parameters=params, rng=list(seeds), **common)
    return mesa.batch_run(DayshiftModel, parameters={**params, "rng": list(seeds)}, iterations=1, **common)
