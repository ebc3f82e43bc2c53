"""A validated scenario compiled to the numbers both engines read: state indices, per-cycle chances,
costs per cycle, population shares and the policy's parameters."""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from model.compile import counts, discounting, public_purse, transitions
from model.compile.policy_params import PolicyParams
from model.scenario.checks import age_labels
from model.scenario.problems import Problem, ScenarioError
from model.scenario.schema import EXIT_STATES, DayWeek, Scenario


@dataclass(frozen=True)
class Group:
    """A group of the starting stock: its state, size, band and age mixes and time already in the state."""

    state: int
    count: int
    band_mix: np.ndarray
    age_mix: np.ndarray
    months_in_state: int


@dataclass(frozen=True)
class Calendar:
    """When the run starts and how long it lasts."""

    start_year: int
    start_month: int
    cycle_months: int  # months a cycle lasts: 1 or 12
    n_cycles: int
    lifetime: bool  # run until everyone has left (n_cycles is then an upper bound)


@dataclass(frozen=True)
class Cohort:
    """Who is in the model: bands, age bands, the starting stock and the entrants."""

    bands: list[str]
    age_edges: np.ndarray  # lower edges of age bands (years)
    age_labels: list[str]
    age_lo: np.ndarray
    age_hi: np.ndarray
    initial_groups: tuple[Group, ...]
    wants_work: np.ndarray  # by band
    personal_budget_share: float
    inflow: np.ndarray  # entrants per cycle
    inflow_per_year: float  # the rate the counts come from (a period's own, when entrants change over time)
    inflow_until_year: float | None
    inflow_age: float
    inflow_band_cum: np.ndarray
    inflow_entry_cum: np.ndarray
    entry_states: np.ndarray

    @functools.cached_property  # read every cycle by the fast engine; a cohort's counts never change
    def n_ids(self) -> int:
        """Every person id a run creates: the initial stock and all entrants."""
        return sum(g.count for g in self.initial_groups) + int(self.inflow.sum())

    def age_band(self, age: np.ndarray | float) -> np.ndarray | int:
        """The age band index of an age in years."""
        return np.searchsorted(self.age_edges, age, side="right") - 1


@dataclass(frozen=True)
class Exits:
    """Leaving the model: state pension age, death and moving away."""

    death_p: np.ndarray  # [age band, band] per cycle
    move_p: float  # per cycle
    pension_age: float


@dataclass(frozen=True)
class Moves:
    """Moves between live states, and the hours of a job when someone starts one.

    The running sums `cum` that engines read are made from `P` and the policy when first asked for, not stored
    with the spec: a PSA holds a spec per draw, and `cum` is four times the size of `P`."""

    tis_edges: np.ndarray  # months in a state at which any time-in-state table steps
    P: np.ndarray  # [src, band, age band, tis segment, dst] per-cycle chances of the scenario's own moves
    hours_values: np.ndarray
    hours_cum: np.ndarray
    policy: PolicyParams | None = None  # the policy whose moves `cum` adds (the spec's own)

    def chances(self) -> np.ndarray:
        """[src, band, age band, tis segment, policy variant, dst] running sums of the per-cycle chances, the
        policy's moves included (`transitions.cumulative_chances`), made anew each time."""
        return transitions.cumulative_chances(self.P, self.policy)

    @functools.cached_property
    def cum(self) -> np.ndarray:
        """`chances()`, made once and kept (the Mesa engine reads it person by person)."""
        return self.chances()

    @property
    def cum_shape(self) -> tuple[int, ...]:
        """The shape of `cum`, without making it."""
        S, B, A, T, _ = self.P.shape
        return (S, B, A, T, 2 + (0 if self.policy is None else len(self.policy.job_p)), S)

    def __getstate__(self) -> dict:
        # `cum` is made again where it is needed: a spec sent to a worker or saved stays small
        return {k: v for k, v in self.__dict__.items() if k != "cum"}


@dataclass(frozen=True)
class CostTables:
    """What each state costs the council per cycle, by service, and the public purse's figures."""

    services: list[str]
    service_kind: list[str]
    state_service: np.ndarray  # service index by live state (-1 for none)
    state_cost: np.ndarray  # [state, band] per cycle
    state_cost_tis: np.ndarray  # [state, tis segment] multiplier
    move_cost: np.ndarray  # [src, dst] one-off
    outcome_weight: np.ndarray  # [state, band] per cycle
    outcome_tis: np.ndarray  # [state, tis segment] multiplier
    benefits: np.ndarray  # [state, band] per cycle
    # A person in paid work, by their weekly hours (an index into moves.hours_values), per cycle:
    work_benefit: np.ndarray  # [band, hours value] benefit paid
    work_tax: np.ndarray  # [hours value] income tax and NI received
    work_earnings: np.ndarray  # [hours value] gross earnings (0 when the scenario gives no wage)
    # What a person on the employment pathway keeps of the service they came from, as a share of it:
    kept_waiting: np.ndarray  # [band] while waiting for a place
    kept_search: np.ndarray  # [band] in supported employment
    kept_work_hours: np.ndarray  # steps of weekly hours worked
    kept_work: np.ndarray  # [band, hours step] in paid work


@dataclass(frozen=True)
class CentreParams:
    """Day centres with fixed costs, closing one at a time as attendance falls."""

    count: int
    places_each: int
    fixed_per_cycle: float
    close_below: float
    double_running_cycles: int
    consultation_cycles: int = 0


@dataclass(frozen=True)
class DiscountFactors:
    """The discount factor of every cycle, for costs and for outcomes."""

    costs: np.ndarray  # times the within-cycle weight of the cycle's end point
    outcomes: np.ndarray
    start: float = 0.0  # the within-cycle weight of the start point (time 0, undiscounted); 0: not counted


@dataclass(frozen=True)
class Spec:
    """A scenario compiled: its states and the typed parts both engines read."""

    scenario: Scenario  # None in a spec sent to a worker process to run (`tables_only`)
    states: list[str]  # the scenario's states, then the exits
    n_live: int  # states[:n_live] are live, the rest exits
    day_state: int  # the day-service state: the policy's, else 'day_service' if there is one, else -1
    calendar: Calendar
    cohort: Cohort
    exits: Exits
    moves: Moves
    costs: CostTables
    policy: PolicyParams | None
    centres: CentreParams | None
    discount: DiscountFactors
    # Later periods of numbers that change over time, set by `with_periods` (None: one period).
    _periods: tuple | None = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def exit_index(self) -> dict[str, int]:
        return {name: self.n_live + i for i, name in enumerate(EXIT_STATES)}

    def run_over(self, cycles_done: int, anyone_left: Callable[[], bool]) -> bool:
        """Whether a run stops after `cycles_done` cycles: the horizon is reached, or a lifetime run has
        nobody left and nobody still to enter (`anyone_left` is asked only then)."""
        return cycles_done >= self.calendar.n_cycles or (
            self.calendar.lifetime and int(self.cohort.inflow[cycles_done:].sum()) == 0 and not anyone_left())

    def kept_share(self, state, band, hours):
        """The share of the service a person came from that they keep in `state` (waiting, job search or
        work, by weekly hours); 0 outside the employment pathway. Works on numbers or arrays."""
        pol, c = self.policy, self.costs
        if pol is None:
            return np.zeros(np.broadcast(state, band, hours).shape)
        step = np.searchsorted(c.kept_work_hours, hours, side="right") - 1
        return np.where(state == pol.waiting, c.kept_waiting[band],
                        np.where(state == pol.support, c.kept_search[band],
                                 np.where(state == pol.work, c.kept_work[band, step], 0.0)))

    def benefit_tax_earnings(self, state: int, band: int, hours: float) -> tuple[float, float, float]:
        """(benefit paid, tax and NI received, earnings) this cycle of one person in `state`, by band and weekly
        hours (0 outside work): in work by the hours tables, elsewhere the state's benefit."""
        c = self.costs
        if not hours > 0:
            return float(c.benefits[state, band]), 0.0, 0.0
        h = int(np.argmax(self.moves.hours_values == hours))  # a job's hours are one of the values
        return float(c.work_benefit[band, h]), float(c.work_tax[h]), float(c.work_earnings[h])

    @property
    def periods(self) -> tuple[tuple[int, "Spec"], ...]:
        """(first cycle, spec) of each period of a scenario whose numbers change over time, in order; one
        period, this spec from cycle 0, when nothing changes. The first period's spec is this one."""
        return self._periods or ((0, self),)

    def with_cycles(self, n_cycles: int) -> "Spec":
        """The same spec over a different number of cycles (for a shorter or longer run)."""
        first = build_spec(self.scenario, n_cycles=n_cycles)
        if len(self.periods) == 1:
            return first
        return with_periods(first, [(k, first if k == 0 else build_spec(s.scenario, n_cycles=n_cycles))
                                    for k, s in self.periods])


def with_periods(spec: Spec, periods: list[tuple[int, Spec]]) -> Spec:
    """`spec` (the first period's) holding every period: (first cycle, spec), the first at cycle 0."""
    periods = tuple((int(k), spec if k == 0 else s) for k, s in periods)
    if not periods or periods[0][0] != 0:
        raise ValueError("the first period must start at cycle 0")
    rates = [(k, s.cohort.inflow_per_year) for k, s in periods]
    if len({r for _, r in rates}) > 1:  # entrants change over time: one count per cycle, shared by every period
        inflow = counts.inflow_counts_by_period(rates, spec.cohort.inflow_until_year, spec.calendar.n_cycles,
                                                spec.calendar.cycle_months)
        periods = tuple((k, _with_inflow(s, inflow)) for k, s in periods)
        spec = periods[0][1]
    object.__setattr__(spec, "_periods", periods if len(periods) > 1 else None)
    return spec


def tables_only(spec: Spec) -> Spec:
    """The spec, every period's too, without its scenario (None): what a worker process needs to run it, since the
    engines read only the compiled tables. Pickling and unpickling a PSA draw's scenario took three quarters of
    sending the draw to a worker (2.8 ms a draw with it, 0.65 ms without)."""
    def bare(s: Spec) -> Spec:
        out = copy.copy(s)
        object.__setattr__(out, "scenario", None)
        # a later period may be the first period's own spec (a series back at its first value), which holds them all
        object.__setattr__(out, "_periods", None)
        return out

    first = bare(spec)
    if spec._periods:
        object.__setattr__(first, "_periods", tuple((k, first if k == 0 else bare(s)) for k, s in spec._periods))
    return first


def _with_inflow(spec: Spec, inflow: np.ndarray) -> Spec:
    """`spec` with the entrants per cycle replaced."""
    return replace(spec, cohort=replace(spec.cohort, inflow=inflow))


MAX_AGE = 120.0  # a lifetime run without leaving at pension age lasts until everyone could be this old


def compiled(scenario: Scenario) -> Spec:
    """The scenario's spec: the one compiled when it was validated, or compiled now (and kept)."""
    if scenario._compiled is None:
        scenario._compiled = build_spec(scenario)
    return scenario._compiled


def _mix(shares: dict | None, names: list[str], default: np.ndarray) -> np.ndarray:
    if shares is None:
        return default
    v = np.array([float(shares.get(n, 0.0)) for n in names])
    return v / v.sum()


def _cum(v: np.ndarray) -> np.ndarray:
    c = np.cumsum(v / v.sum())
    c[-1] = 1.0
    return c


def build_spec(sc: Scenario, source: str = "<scenario>", n_cycles: int | None = None) -> Spec:
    """Compile a validated scenario; raise ScenarioError for chances that sum past 1 after multipliers."""
    states = list(sc.states) + list(EXIT_STATES)
    live = list(sc.states)
    S = len(live)
    bands = list(sc.population.bands)
    B = len(bands)
    pop = sc.population
    c = 1 if sc.cycle == "month" else 12
    edges = np.array(pop.age_bands, dtype=float)
    labels = age_labels(pop.age_bands)
    age_lo = edges.copy()
    age_hi = np.append(edges[1:], pop.state_pension_age)
    age_hi = np.maximum(age_hi, age_lo)

    inflow_until = pop.inflow.until_year if pop.inflow is not None else None
    if n_cycles is None:
        if sc.horizon == "lifetime":
            youngest = min([float(edges[0])] + ([pop.inflow.age] if pop.inflow is not None else []))
            last = pop.state_pension_age if pop.leave_at_pension_age else MAX_AGE
            n_cycles = counts.lifetime_cycles(inflow_until, youngest, last, c)
        else:
            n_cycles = int(math.ceil(sc.horizon.years * 12 / c))

    tables = [t.time_in_state for ts in sc.transitions.values() for t in ts.values() if t.time_in_state]
    tables += [sc_.time_in_state for sc_ in sc.costs.states.values() if sc_.time_in_state]
    tables += list(sc.outcome_time_in_state.values())
    tis = transitions.tis_edges(tables)
    P = transitions.transition_tables(sc, live, labels, tis, c)

    # Exits.
    death = np.zeros((len(labels), B))
    if pop.mortality is not None:
        ratio = np.array([float(pop.mortality.band_ratio.get(b, 1.0)) for b in bands])
        for a, lab in enumerate(labels):
            death[a] = transitions.per_cycle(pop.mortality.annual_by_age[lab], "annual", c) * ratio
    move_p = transitions.per_cycle(pop.moving_away_annual, "annual", c)

    default_band = _mix(pop.band_mix, bands, None)
    default_age = _mix(pop.age_mix, labels, np.full(len(labels), 1.0 / len(labels)))
    groups = tuple(
        Group(live.index(g.state), g.count, _mix(g.band_mix, bands, default_band), _mix(g.age_mix, labels, default_age),
              g.months_in_state)
        for g in pop.initial
    )
    if pop.inflow is not None:
        inflow = counts.inflow_counts(pop.inflow.per_year, pop.inflow.until_year, n_cycles, c)
        band_cum = _cum(_mix(pop.inflow.band_mix, bands, default_band))
        entry_names = list(pop.inflow.entry)
        entry_cum = _cum(np.array([float(pop.inflow.entry[e]) for e in entry_names]))
        entry_states = np.array([live.index(e) for e in entry_names], dtype=np.int64)
        inflow_age = float(pop.inflow.age)
    else:
        inflow = np.zeros(n_cycles, dtype=np.int64)
        band_cum, entry_cum = _cum(np.ones(B)), np.array([1.0])
        entry_states = np.array([0], dtype=np.int64)
        inflow_age = float(edges[0])

    # Services and costs.
    services = list(sc.services) or []
    state_service = np.full(S, -1, dtype=np.int64)
    for i, s in enumerate(live):
        name = sc.states[s].service or s
        if name not in services:
            services.append(name)
        state_service[i] = services.index(name)
    kinds = [sc.services[s].kind if s in sc.services else "other" for s in services]
    wpy = sc.costs.weeks_per_year
    state_cost = np.zeros((S, B))
    state_cost_tis = np.ones((S, len(tis)))
    for s, cost in sc.costs.states.items():
        i = live.index(s)
        state_cost[i] = discounting.weekly_to_cycle(transitions.by_band(cost.weekly_cost_at(wpy), bands), wpy, c)
        state_cost_tis[i] = transitions.tis_ratios(cost.time_in_state, tis)
    move_cost = np.zeros((S, S))
    for tc in sc.costs.transitions:
        move_cost[live.index(tc.source), live.index(tc.to)] += tc.cost
    outcome_weight = np.array([transitions.by_band(sc.outcome_weights.get(s, 0.0), bands) * c / 12.0 for s in live])
    outcome_tis = np.array([transitions.tis_ratios(sc.outcome_time_in_state.get(s), tis) for s in live])
    benefits = np.zeros((S, B))
    if sc.public_purse is not None:
        for s, v in sc.public_purse.benefits_weekly.items():
            benefits[live.index(s)] = discounting.weekly_to_cycle(transitions.by_band(v, bands), wpy, c)

    policy = _policy(sc, live, bands, c, n_cycles)
    hours_values = np.array(sc.hours.values, dtype=float)
    work_flat = benefits[policy.work] if policy is not None else np.zeros(B)
    work_benefit, work_tax, work_earnings = public_purse.work_tables(sc.public_purse, bands, hours_values, work_flat,
                                                                     wpy, c)
    cum = transitions.cumulative_chances(P, policy)
    problems = _leaving_problems(cum, death, move_p, live, bands, labels, tis)
    if problems:
        raise ScenarioError(source, problems)

    dc = None
    if sc.costs.day_centres is not None:
        d = sc.costs.day_centres
        dc = CentreParams(
            count=d.count,
            places_each=d.places_each,
            fixed_per_cycle=d.fixed_per_year * c / 12.0,
            close_below=d.close_below,
            double_running_cycles=int(math.ceil(d.double_running_months / c)),
            consultation_cycles=int(math.ceil(d.consultation_months / c)),
        )

    day_state = policy.day if policy is not None else (live.index("day_service") if "day_service" in live else -1)
    if dc is not None and day_state < 0:
        raise ScenarioError(source, [Problem("costs.day_centres", "day centres need a policy or a 'day_service' state")])
    y, m = (int(x) for x in sc.start.split("-"))
    hours_w = np.array(sc.hours.weights, dtype=float)
    return Spec(
        scenario=sc,
        states=states,
        n_live=S,
        day_state=day_state,
        calendar=Calendar(start_year=y, start_month=m, cycle_months=c, n_cycles=n_cycles, lifetime=sc.horizon == "lifetime"),
        cohort=Cohort(bands=bands, age_edges=edges, age_labels=labels, age_lo=age_lo, age_hi=age_hi, initial_groups=groups,
                      wants_work=transitions.by_band(pop.wants_work, bands),
                      personal_budget_share=float(pop.personal_budget_share), inflow=inflow, inflow_age=inflow_age,
                      inflow_per_year=float(pop.inflow.per_year) if pop.inflow is not None else 0.0,
                      inflow_until_year=inflow_until,
                      inflow_band_cum=band_cum, inflow_entry_cum=entry_cum, entry_states=entry_states),
        exits=Exits(death_p=death, move_p=move_p,
                    pension_age=float(pop.state_pension_age) if pop.leave_at_pension_age else math.inf),
        moves=Moves(tis_edges=tis, P=P, policy=policy, hours_values=hours_values,
                    hours_cum=_cum(hours_w)),
        costs=CostTables(services=services, service_kind=kinds, state_service=state_service, state_cost=state_cost,
                         state_cost_tis=state_cost_tis, move_cost=move_cost, outcome_weight=outcome_weight,
                         outcome_tis=outcome_tis,
                         benefits=benefits, work_benefit=work_benefit, work_tax=work_tax,
                         work_earnings=work_earnings, **_kept(sc.costs.day_week, bands)),
        policy=policy,
        centres=dc,
        discount=_discount(sc, n_cycles, c),
    )


def _discount(sc: Scenario, n_cycles: int, c: int) -> DiscountFactors:
    """Each cycle's discount factors, times its within-cycle weight; and the start point's weight."""
    d = sc.discounting
    return _discount_of(discounting.schedule_of(d.costs), discounting.schedule_of(d.outcomes), d.timing,
                        d.within_cycle, d.count_start, n_cycles, c)


@functools.lru_cache(maxsize=32)
def _discount_of(costs: tuple, outcomes: tuple, timing: str, within: str, count_start: bool, n_cycles: int,
                 c: int) -> DiscountFactors:
    """`_discount` from the discounting's schedules, kept: the draws of a PSA seldom change it. Read-only, as every
    spec made from the same schedules shares it."""
    start, ends = discounting.within_cycle_weights(within, count_start, n_cycles)
    times = discounting.cycle_times(n_cycles, c, timing)
    out = DiscountFactors(costs=discounting.discount_factors_at(costs, times) * ends,
                          outcomes=discounting.discount_factors_at(outcomes, times) * ends, start=start)
    out.costs.flags.writeable = out.outcomes.flags.writeable = False
    return out


def _kept(week: DayWeek, bands: list[str]) -> dict[str, np.ndarray]:
    """What is kept of a day-time package on the employment pathway, as shares of it by band."""
    days = transitions.by_band(week.days, bands)
    whole = np.where(days > 0, days, 1.0)

    def share(kept: float | str) -> np.ndarray:
        return np.where(days > 0, 1.0, 0.0) if kept == "all" else np.minimum(float(kept), days) / whole

    work = week.kept_in_work
    hours = np.array(work.hours if work else [0.0], dtype=float)
    kept_days = np.array(work.days if work else [0.0], dtype=float)
    return dict(kept_waiting=share(week.kept_waiting), kept_search=share(week.kept_job_search),
                kept_work_hours=hours, kept_work=np.minimum(kept_days[None, :], days[:, None]) / whole[:, None])


def _policy(sc: Scenario, live: list[str], bands: list[str], c: int, n_cycles: int) -> PolicyParams | None:
    pol = sc.policy
    if pol is None:
        return None
    models = pol.employment_support.service_models
    eligible = pol.referral.eligible_bands or bands
    uptake = pol.personal_budgets.uptake
    return PolicyParams(
        day=live.index(pol.states.day),
        waiting=live.index(pol.states.waiting),
        support=live.index(pol.states.support),
        work=live.index(pol.states.work),
        referral_p=transitions.per_cycle(pol.referral.annual, "annual", c),
        referral_from=np.array([s in pol.referral.source for s in live]),
        eligible_band=np.array([b in eligible for b in bands]),
        model_names=tuple(models),
        job_p=np.array([[transitions.per_cycle(v, "annual", c) for v in transitions.by_band(m.job_outcome_rate, bands)]
                        for m in models.values()]),
        place_cost=np.array([m.place_cost_per_year * c / 12.0 for m in models.values()]),
        spend_share=np.array([m.spend_share for m in models.values()]),
        base_budget=pol.employment_support.budget_per_year * c / 12.0,
        money_follows=pol.funding.model == "money_follows_person",
        lag_cycles=int(math.ceil(pol.funding.lag_months / c)),
        personal_budgets_usable=pol.personal_budgets.usable_for_employment,
        employment_first=pol.entry_route == "employment_first",
        pb_share=float(sc.population.personal_budget_share),
        uptake_years=tuple(float(y) for y in uptake.years) if uptake else (),
        uptake_share=tuple(float(v) for v in uptake.share) if uptake else (),
        cycle_months=c,
        unspent=pol.funding.unspent,
        investment=_investment(pol.investment, sc.start, c, n_cycles),
        set_up_per_place=float(pol.set_up_per_place),
    )


def _investment(items, start: str, c: int, n_cycles: int) -> np.ndarray:
    """Up-front costs by cycle: each spread evenly over its months from its first month (months beyond the
    run are not charged)."""
    out = np.zeros(n_cycles)
    y0, m0 = (int(x) for x in start.split("-"))
    for item in items:
        y, m = (int(x) for x in (item.start or start).split("-"))
        first = (y - y0) * 12 + (m - m0)
        per_month = float(item.cost) / item.months
        for month in range(first, first + item.months):
            if 0 <= month // c < n_cycles:
                out[month // c] += per_month
    return out


def _leaving_problems(cum, death, move_p, live, bands, ages, tis) -> list[Problem]:
    """Every person's per-cycle chances of leaving a state (moves and exits) must sum to at most 1."""
    problems = []
    over = cum[..., -1].max() > 1.0 + 1e-9  # one pass when nothing is over (a PSA checks every draw)
    for i, s in enumerate(live if over else ()):
        total = cum[i, ..., -1].max(axis=-1)  # [band, age, tis], the policy's moves included
        b, a, t = np.unravel_index(np.argmax(total), total.shape)
        if total[b, a, t] > 1.0 + 1e-9:
            problems.append(
                Problem(
                    f"transitions.{s}",
                    f"chances of leaving '{s}' sum to {total[b, a, t]:.4g} per cycle for band '{bands[b]}', "
                    f"age {ages[a]}, from month {tis[t]} in the state (after by_age and time_in_state "
                    "multipliers and the policy's moves); they may sum to at most 1",
                )
            )
    if ((death.max(axis=0) + move_p) > 1.0 + 1e-9).any():  # by band
        problems.append(Problem("population.mortality", "death and moving-away chances sum past 1"))
    return problems
