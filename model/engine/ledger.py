"""The ledger of one cycle: counts, flows, the waiting list, budgets and costs, as one row of the
monthly table. Engines fill it; its columns are the same whichever engine runs."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from model.compile.spec import Spec
from model.engine import compiled
from model.scenario.schema import EXIT_STATES


def _calendar_month(spec: Spec, cycle: int) -> tuple[int, int]:
    """The year and month (0-11) a cycle starts in."""
    return divmod(spec.calendar.start_year * 12 + (spec.calendar.start_month - 1) + cycle * spec.calendar.cycle_months, 12)


def financial_year(spec: Spec, cycle: int) -> int:
    """The financial year (April to March) a cycle falls in, as the calendar year it starts in."""
    y, m0 = _calendar_month(spec, cycle)
    return y if m0 >= 3 else y - 1


def month_info(spec: Spec, cycle: int) -> dict:
    """The calendar columns of a cycle's row: cycle, month, date, financial year and projection year."""
    y, m0 = _calendar_month(spec, cycle)
    fy = financial_year(spec, cycle)
    return dict(
        cycle=cycle,
        month=cycle * spec.calendar.cycle_months,
        date=f"{y:04d}-{m0 + 1:02d}",
        fiscal_year=f"{fy}-{(fy + 1) % 100:02d}",
        year=cycle * spec.calendar.cycle_months // 12,
    )


def origins(spec: Spec) -> list[str]:
    """Where job starts can come from: any live state, or straight from the inflow."""
    return list(spec.states[: spec.n_live]) + ["inflow"]


# What each monthly column is, declared once: stocks are counted at the end of the cycle, flows and
# money accumulate over it, rates are ratios; a financial year takes a stock's or rate's last month and
# sums flows and money. The yearly table, calibration and the conservation tests read these kinds.
CALENDAR, STOCK, FLOW, MONEY, RATE = "calendar", "stock", "flow", "money", "rate"


def column_kinds(spec: Spec) -> dict[str, str]:
    """The monthly table's columns, in order, with the kind of each."""
    live = spec.states[: spec.n_live]
    cols: dict[str, str] = {c: CALENDAR for c in month_info(spec, 0)}
    cols.update({f"n_{s}": STOCK for s in spec.states})
    cols.update({c: FLOW for c in ["inflow"] + [f"exits_{e}" for e in EXIT_STATES]})
    cols.update({c: FLOW for c in [f"inflow_to_{s}" for s in live] + [f"exits_from_{s}" for s in live]})
    cols.update({f"flow_{a}_to_{b}": FLOW for a in live for b in live if a != b})
    cols.update({c: FLOW for c in ["referrals", "admissions", "job_starts"]})
    cols.update({f"job_starts_from_{o}": FLOW for o in origins(spec)})
    cols.update(jobs_kept_6_months=FLOW, jobs_kept_12_months=FLOW, job_outcomes=FLOW)
    cols.update(job_exits=FLOW, queue_length=STOCK, mean_wait_admitted_months=RATE, mean_wait_queue_months=RATE)
    if spec.policy is not None:
        names = spec.policy.model_names
        cols.update({f"places_{k}": STOCK for k in names})
        cols.update({f"supported_{k}": STOCK for k in names})
        cols.update(supported_spot=STOCK)
        cols.update({c: MONEY for c in ("employment_budget", "employment_spend", "employment_underspend",
                                        "released", "moved", "saving", "pb_employment_spend",
                                        "returned_to_day_services", "investment")})
        cols.update(carried_forward=STOCK)  # a balance at the end of the cycle
    cols.update(centres_open=STOCK, day_centre_fixed=MONEY, day_centre_double_running=MONEY)
    cols.update({f"cost_{s}": MONEY for s in spec.costs.services})
    cols.update(cost_council=MONEY, cost_proactive=MONEY, cost_reactive=MONEY, proactive_share=RATE)
    cols.update(benefits_paid=MONEY, tax_ni_received=MONEY, earnings=MONEY, cost_dwp=MONEY, cost_hmrc=MONEY,
                cost_public_purse=MONEY, hours_worked=FLOW,
                outcomes=FLOW)
    cols.update(discount_factor=RATE, cost_council_disc=MONEY, cost_public_purse_disc=MONEY, outcomes_disc=FLOW)
    return cols


def record_columns(spec: Spec) -> list[str]:
    """The monthly table's columns, in order."""
    return list(column_kinds(spec))


@dataclass(frozen=True)
class _Names:
    """The monthly table's column names that follow from the states, made once per layout of states."""

    counts: list[str]
    exits_total: list[str]
    exits: list[str]
    inflow_to: list[str]
    exits_from: list[str]
    flows: list[str]
    off_diagonal: np.ndarray
    job_starts_from: list[str]


@functools.lru_cache(maxsize=64)
def _names_of(states: tuple, n_live: int) -> _Names:
    live = states[:n_live]
    off = ~np.eye(n_live, dtype=bool)  # row by row, as the flow columns are laid out
    return _Names(counts=[f"n_{s}" for s in live], exits_total=[f"n_{e}" for e in EXIT_STATES],
                  exits=[f"exits_{e}" for e in EXIT_STATES], inflow_to=[f"inflow_to_{s}" for s in live],
                  exits_from=[f"exits_from_{s}" for s in live],
                  flows=[f"flow_{a}_to_{b}" for a in live for b in live if a != b], off_diagonal=off,
                  job_starts_from=[f"job_starts_from_{o}" for o in list(live) + ["inflow"]])


@functools.lru_cache(maxsize=64)
def _model_columns(names: tuple, what: str) -> list[str]:
    return [f"{what}_{name}" for name in names]


def _names(spec: Spec) -> _Names:
    return _names_of(tuple(spec.states), spec.n_live)


@dataclass(frozen=True)
class DrawTables:
    """What a cycle's ledger reads from each draw's spec, stacked by draw: made once per period of numbers, not
    every cycle."""

    investment: np.ndarray  # [draw, cycle] the policy's scheduled investment (0 without)
    returned: np.ndarray  # [draw] whether money moved but not spent goes back to day services
    pb_place_cost: np.ndarray  # [draw] what a place bought with a personal budget costs
    proactive: np.ndarray  # [service] whether each service is proactive
    reactive: np.ndarray
    df_costs: np.ndarray  # [draw, cycle] discount factors
    df_outcomes: np.ndarray

    @classmethod
    def of(cls, specs: list[Spec]) -> "DrawTables":
        """The tables of these draws' specs."""
        spec, n = specs[0], specs[0].calendar.n_cycles
        pols = [s.policy for s in specs]
        kinds = np.array(spec.costs.service_kind)
        return cls(investment=np.array([np.zeros(n) if p is None or p.investment is None else p.investment
                                        for p in pols], dtype=float),
                   returned=np.array([p is not None and p.unspent == "returned_to_day_services" for p in pols]),
                   pb_place_cost=np.array([0.0 if p is None else p.place_cost[0] for p in pols], dtype=float),
                   proactive=kinds == "proactive", reactive=kinds == "reactive",
                   df_costs=np.array([s.discount.costs for s in specs], dtype=float),
                   df_outcomes=np.array([s.discount.outcomes for s in specs], dtype=float))

    def due(self, first: int, end: int) -> np.ndarray:
        """What cycles `first` to `end` (not included) read from these tables, (cycle, draw, 4): investment falling
        due, whether money moved but not spent goes back, and the discount factors of costs and outcomes."""
        out = np.empty((end - first, len(self.returned), 4))
        out[..., 0] = self.investment[:, first:end].T
        out[..., 1] = self.returned
        out[..., 2] = self.df_costs[:, first:end].T
        out[..., 3] = self.df_outcomes[:, first:end].T
        return out


def _figures(spec: Spec, D: int) -> dict[str, tuple[tuple, type]]:
    """A cycle's ledger figures for `D` draws: each one's shape and type."""
    S, E, K = spec.n_live, len(EXIT_STATES), len(spec.policy.model_names) if spec.policy is not None else 0
    whole, money = np.int64, float
    return dict(
        _exits=((D, E), whole), _exits_from=((D, S), whole), _inflow_to=((D, S), whole), _inflow=((D,), whole),
        _moves=((D, S, S), whole), _referrals=((D,), whole),
        _job_starts_by=((D, S + 1), whole),  # the last is the inflow
        _job_exits=((D,), whole),
        _kept_jobs=((D, 2), whole),  # jobs started in the run reaching 6 and 12 months
        _job_outcomes=((D,), whole), _admissions=((D,), whole), _wait_admitted=((D,), money),
        _queue_length=((D,), whole),
        _queue_wait=((D,), money),  # mean cycles waited by those still waiting
        _counts=((D, S), whole),
        _by_service=((D, len(spec.costs.services)), money),  # people's costs; centres are added at close
        _benefits=((D,), money), _tax=((D,), money), _earnings=((D,), money), _hours=((D,), money),
        _outcomes=((D,), money), _employment_spend=((D,), money), _pb_spend=((D,), money),
        _policy=((D, 6), money),  # released, moved, saving, employment budget, carried forward, set-up
        _places=((D, K), money), _supported=((D, K), whole),
        _start=((D, 3), money),  # the start state counted at time 0: discounted cost, outcome, public purse
        _centres_open=((D,), whole),
        _centre_costs=((D, 2), money),  # fixed, double running
        # what the cycle's columns read from its draws' specs (`DrawTables`): investment falling due, whether money
        # moved but not spent goes back, the discount factors of costs and outcomes
        _due=((D, 4), money),
    )


class CycleStore:
    """Every cycle's ledger figures for a run of `D` draws, preallocated with the cycle first: each cycle's
    ledger writes into its own rows, and the monthly columns of every cycle run are made at once from them
    (`CycleLedger.of_cycles`), not a cycle at a time."""

    def __init__(self, spec: Spec, D: int, n_cycles: int):
        self.D = D
        self.figures = {name: np.zeros((n_cycles, *shape), dtype=dtype) for name, (shape, dtype) in
                        _figures(spec, D).items()}

    def arrays(self) -> tuple:
        """The figures' arrays, in the order `record_cycle` takes them (that of `_figures`)."""
        return tuple(self.figures.values())

    def due_from(self, cycle: int, tables: DrawTables) -> None:
        """What the cycles from `cycle` on read from their draws' specs (`DrawTables.due`): set at the start, and again
        for the cycles of each new period of numbers that change over time."""
        due = self.figures["_due"][cycle:]
        due[:] = tables.due(cycle, cycle + len(due))

    def start_point(self, starts: list[tuple[float, float, float]]) -> None:
        """Each draw's start state counted at time 0 (`CycleLedger.start_point`), in the first cycle's figures."""
        self.figures["_start"][0] = starts

    def exits_total(self, n: int) -> np.ndarray:
        """People gone by each exit by the end of each of the first `n` cycles, by (cycle, draw) row, cycle first: the
        cycles' exits added up."""
        return np.cumsum(self.figures["_exits"][:n], axis=0).reshape(n * self.D, -1)


class CycleLedger:
    """What happened in one cycle, recorded by an engine through these methods and closed into a row per draw.

    One ledger holds every draw run together: its figures are arrays with the draw first. The Mesa engine runs
    one draw and records one person or event at a time (`person`, `moved`, ...); the fast engine records a whole
    cycle of all its draws at once, as sums with the draw first, in the cycle's rows of a `CycleStore`
    (`record_cycle`, compiled). Only this module writes the figures: engines call its methods, never set them.
    """

    def __init__(self, specs: Spec | list[Spec], cycle: int):
        specs = [specs] if isinstance(specs, Spec) else list(specs)
        self.spec = spec = specs[0]  # the layout (states, services, models) is the same in every draw
        self.specs = specs
        self.cycle = cycle
        self._tables: DrawTables | None = None
        self.D = D = len(specs)
        vars(self).update((name, np.zeros(shape, dtype=dtype)) for name, (shape, dtype) in _figures(spec, D).items())
        self._due[:] = self.tables.due(cycle, cycle + 1)[0]

    @classmethod
    def of_cycles(cls, specs: list[Spec], store: CycleStore, n: int, tables: DrawTables) -> "CycleLedger":
        """The ledgers of the first `n` cycles kept in `store`, as one ledger over (cycle, draw) rows, cycle first:
        its columns are every cycle's (each row's figures are the same arithmetic as its cycle's own ledger)."""
        led = cls.__new__(cls)
        led.spec, led.specs, led.cycle, led._tables, led.D = specs[0], list(specs), None, tables, n * store.D
        vars(led).update((name, held[:n].reshape(n * store.D, *held.shape[2:])) for name, held in
                         store.figures.items())
        return led

    # --- people entering and leaving -----------------------------------------------------------
    def entrants(self, n: int) -> None:
        """`n` young people entered the model this cycle (in every draw)."""
        self._inflow += n

    def entered(self, state: int, n: int = 1) -> None:
        """Entrants went into `state` (after the policy's entry route)."""
        self._inflow_to[0, state] += n

    def exited(self, state: int, exit_name: str) -> None:
        """Someone left the model from `state`."""
        self._exits_from[0, state] += 1
        self._exits[0, EXIT_STATES.index(exit_name)] += 1

    # --- moves --------------------------------------------------------------------------------
    def moved(self, src: int, dst: int, n: int = 1) -> None:
        """`n` people moved from state `src` to state `dst`."""
        self._moves[0, src, dst] += n

    def referred(self, n: int = 1) -> None:
        """People referred for employment support (whether they then wait or start at once)."""
        self._referrals[0] += n

    def job_start(self, origin: int) -> None:
        """A job start, by the state the person came from (-1: straight from the inflow)."""
        self._job_starts_by[0, origin if origin >= 0 else self.spec.n_live] += 1

    def job_outcomes(self, n: int) -> None:
        """People counted as a job outcome in the financial year, as NDTi counts them: in paid work at some
        point of the year (a job gained or kept), each person once a year, in the first cycle it is so."""
        self._job_outcomes[0] += n

    def jobs_kept(self, six: int, twelve: int) -> None:
        """Jobs started in this run whose tenure reached 6 (and 12) months this cycle."""
        self._kept_jobs[0] += (six, twelve)

    def job_exit(self, n: int = 1) -> None:
        """People who left paid work."""
        self._job_exits[0] += n

    def admitted(self, waited_cycles: int) -> None:
        """Someone admitted from the waiting list after waiting this many cycles."""
        self._admissions[0] += 1
        self._wait_admitted[0] += waited_cycles * self.spec.calendar.cycle_months

    # --- the end-of-cycle state ---------------------------------------------------------------
    def person(self, state: int, band: int, cost: float, hours: float, spot: bool, place: float = 0.0,
               kept_from: int = -1, kept: float = 0.0, outcome: float = 0.0) -> None:
        """One person's cycle in their end-of-cycle state: `place` is what a block place costs the
        employment budget, `spot` whether a personal budget pays for their place, and `kept` what the part
        of the service they came from (`kept_from`) that they keep costs, paid by that service; `outcome` is
        their outcome this cycle."""
        spec = self.spec
        self._counts[0, state] += 1
        by_service = self._by_service[0]
        by_service[spec.costs.state_service[state]] += cost
        if kept_from >= 0:
            by_service[spec.costs.state_service[kept_from]] += kept
        benefit, tax, earnings = spec.benefit_tax_earnings(state, band, hours)
        self._benefits[0] += benefit
        self._tax[0] += tax
        self._earnings[0] += earnings
        self._hours[0] += hours
        self._outcomes[0] += outcome
        if spot:
            self._pb_spend[0] += spec.policy.place_cost[0]
        if place:
            self._employment_spend[0] += place

    def policy_cycle(self, split: tuple[np.ndarray, np.ndarray, np.ndarray], budget: np.ndarray, places: np.ndarray,
                     occupied: np.ndarray, waiting: np.ndarray, mean_wait: np.ndarray, carried: np.ndarray,
                     set_up: np.ndarray) -> None:
        """The policy's figures for the cycle, each an array over draws (`BudgetLedger`'s): how many are still
        waiting and the mean cycles they have waited (0 with nobody), `carried`: the budget left for the next
        cycle, `set_up`: the set-up cost of places filled for the first time; the employment spend is added
        person by person."""
        self._policy[:] = np.column_stack([*split, budget, carried, set_up])
        self._places[:] = places
        self._supported[:] = occupied
        self._queue_length[:], self._queue_wait[:] = waiting, mean_wait

    def start_point(self, cost: float, outcomes: float, purse: float, draw: int = 0) -> None:
        """The start state's cycle of value at its within-cycle weight (time 0, undiscounted), in this first row's
        discounted figures only."""
        self._start[draw] = (cost, outcomes, purse)

    def centres(self, costs: np.ndarray, n_open: np.ndarray) -> None:
        """Fixed costs of open centres and double running of closed ones, by draw as columns, and the centres open
        (`CentreClosures.update_and_costs`)."""
        self._centre_costs[:] = costs
        self._centres_open[:] = n_open

    @property
    def tables(self) -> DrawTables:
        """The draws' `DrawTables`."""
        if self._tables is None:
            self._tables = DrawTables.of(self.specs)
        return self._tables

    def close(self, exits_total: dict[str, int], month: dict | None = None) -> dict:
        """The cycle's row of the monthly table (one draw), led by `month`: the cycle's calendar columns (made here
        if None; an engine that adds them itself gives {})."""
        totals = np.array([[exits_total[e] for e in EXIT_STATES]], dtype=np.int64)
        row = dict(month) if month is not None else month_info(self.spec, self.cycle)
        row.update((c, v[0].item()) for c, v in self.columns(totals).items())
        return row

    def columns(self, exits_total: np.ndarray) -> dict[str, np.ndarray]:
        """The cycle's monthly columns after the calendar ones, each an array over draws (over a ledger's rows: every
        cycle's, of `of_cycles`) (`exits_total`: people gone by each exit so far, by row). Whole-number columns are
        int64."""
        spec, tables = self.spec, self.tables
        investment_due, returned_on, df, df_outcomes = self._due.T
        names = _names(spec)
        S = spec.n_live
        col: dict[str, np.ndarray] = {}
        col.update(zip(names.counts, self._counts.T))
        col.update(zip(names.exits_total, exits_total.T))
        col["inflow"] = self._inflow
        col.update(zip(names.exits, self._exits.T))
        col.update(zip(names.inflow_to, self._inflow_to.T))
        col.update(zip(names.exits_from, self._exits_from.T))
        col.update(zip(names.flows, self._moves.reshape(self.D, S * S)[:, names.off_diagonal.ravel()].T))
        col["referrals"] = self._referrals
        col["admissions"] = self._admissions
        col["job_starts"] = self._job_starts_by.sum(axis=1)
        col.update(zip(names.job_starts_from, self._job_starts_by.T))
        col["jobs_kept_6_months"], col["jobs_kept_12_months"] = self._kept_jobs.T
        col["job_outcomes"] = self._job_outcomes
        col["job_exits"] = self._job_exits
        col["queue_length"] = self._queue_length
        admitted = np.maximum(self._admissions, 1)
        col["mean_wait_admitted_months"] = np.where(self._admissions > 0, self._wait_admitted / admitted, 0.0)
        col["mean_wait_queue_months"] = self._queue_wait * spec.calendar.cycle_months
        by_service = self._by_service.copy()
        investment = np.zeros(self.D)
        if spec.policy is not None:
            pol = spec.policy
            released, moved, saving, budget, carried, set_up = self._policy.T
            investment = investment_due + set_up
            col.update(released=released, moved=moved, saving=saving, employment_budget=budget,
                       carried_forward=carried, investment=investment)
            col.update(zip(_model_columns(pol.model_names, "places"), self._places.T))
            col.update(zip(_model_columns(pol.model_names, "supported"), self._supported.T))
            col["supported_spot"] = self._counts[:, pol.support] - self._supported.sum(axis=1)
            col["employment_spend"] = self._employment_spend
            underspend = budget - self._employment_spend
            col["employment_underspend"] = underspend
            col["pb_employment_spend"] = self._pb_spend
            # Money moved out of day services that employment support did not spend, paid back to day services.
            returned = np.where(returned_on > 0, np.minimum(moved, np.maximum(0.0, underspend)), 0.0)
            col["returned_to_day_services"] = returned
            by_service[:, spec.costs.state_service[pol.day]] += returned
        col["centres_open"] = self._centres_open
        col["day_centre_fixed"], col["day_centre_double_running"] = self._centre_costs.T
        if spec.centres is not None:  # centres are paid by the day-service state's service
            fixed, double = self._centre_costs.T
            by_service[:, spec.costs.state_service[spec.day_state]] += fixed + double
        col.update((f"cost_{s}", v) for s, v in zip(spec.costs.services, by_service.T))
        # Up-front costs are the council's, apart from its services' running costs.
        council = _row_sums(by_service) + investment
        proactive = _row_sums(by_service[:, tables.proactive])
        reactive = _row_sums(by_service[:, tables.reactive])
        col["cost_council"] = council
        col["cost_proactive"] = proactive
        col["cost_reactive"] = reactive
        both = proactive + reactive
        col["proactive_share"] = np.where(both > 0, proactive / np.where(both > 0, both, 1.0), math.nan)
        col["benefits_paid"] = self._benefits
        col["tax_ni_received"] = self._tax
        col["earnings"] = self._earnings
        # By payer: the council's services, the DWP's benefits, HMRC's tax and NI (received, so a negative cost).
        col["cost_dwp"] = self._benefits
        col["cost_hmrc"] = -self._tax
        purse = council + self._benefits - self._tax
        col["cost_public_purse"] = purse
        col["hours_worked"] = self._hours
        col["outcomes"] = self._outcomes
        start_cost, start_outcomes, start_purse = self._start.T
        col["discount_factor"] = df
        col["cost_council_disc"] = council * df + start_cost
        col["cost_public_purse_disc"] = purse * df + start_purse
        col["outcomes_disc"] = self._outcomes * df_outcomes + start_outcomes
        return col


def _row_sums(a: np.ndarray) -> np.ndarray:
    """Each row's sum, added left to right (as a few numbers are summed one by one)."""
    out = np.zeros(len(a))
    for k in range(a.shape[1]):
        out = out + a[:, k]
    return out


@compiled.jit(nogil=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def record_cycle(figures, m, has_policy, pb_place_cost, by_exit, from_state, n_inflow, inflow_to, flows, referrals,
                 starts, job_exits, split, budget, places, occupied, waiting, mean_wait, carried, set_up, admissions,
                 waited, counts, by_service, sums, tallies, centre_costs, n_open):
    """A whole cycle of the fast engine, every draw's, recorded in its rows of a `CycleStore` (`figures`: its
    `arrays()`), each figure the sum over people and events of what `CycleLedger`'s methods record one at a time
    (`exited`, `entrants`, `entered`, `moved`, `referred`, `job_exit`, `job_start`, `admitted`, `person`,
    `job_outcomes`, `jobs_kept`), and `policy_cycle`'s figures set, all by draw: exits by exit and by state left,
    entrants by state, flows [draw, from, to], referrals, job starts by origin (each live state, then the inflow),
    job exits; the policy's released and moved totals (`split`), budget, places, places filled, people waiting and
    their mean wait, the budget carried, set-up costs, admissions and months waited; people by state, costs by
    service, `sums` (benefits, tax and NI, earnings, hours, outcomes, block places' cost) and `tallies` (people on
    personal budgets, jobs reaching 6 and 12 months, job outcomes); the day centres' costs (fixed, double running)
    and the centres open (`CycleLedger.centres`; none where `n_open` is empty). Compiled, to be called from the
    compiled cycle (`model.engine.cycle`)."""
    (exits, exits_from, inflow_to_, inflow, moves, referrals_, job_starts_by, job_exits_, kept_jobs, job_outcomes,
     admissions_, wait_admitted, queue_length, queue_wait, counts_, by_service_, benefits, tax, earnings, hours,
     outcomes, employment_spend, pb_spend, policy, places_, supported, _start, _centres_open, _centre_costs,
     _due) = figures
    # element by element: numba compiles an array expression's loop for each, slowly (this took 2.9 s to compile)
    S, K = counts_.shape[2], places.shape[1]
    for d in range(len(budget)):
        for e in range(by_exit.shape[1]):
            exits[m, d, e] += by_exit[d, e]
        inflow[m, d] += n_inflow
        for s in range(S):
            exits_from[m, d, s] += from_state[d, s]
            inflow_to_[m, d, s] += inflow_to[d, s]
            counts_[m, d, s] += counts[d, s]
            for s2 in range(S):
                moves[m, d, s, s2] += flows[d, s, s2]
        if has_policy:
            referrals_[m, d] += referrals[d]
            job_exits_[m, d] += job_exits[d]
            for o in range(S + 1):
                job_starts_by[m, d, o] += starts[d, o]
            released, moved = split
            policy[m, d, 0], policy[m, d, 1], policy[m, d, 2] = released[d], moved[d], released[d] - moved[d]
            policy[m, d, 3], policy[m, d, 4], policy[m, d, 5] = budget[d], carried[d], set_up[d]
            for k in range(K):
                places_[m, d, k] = places[d, k]
                supported[m, d, k] = np.int64(occupied[d, k])
            queue_length[m, d] = waiting[d]
            queue_wait[m, d] = mean_wait[d]
            admissions_[m, d] += admissions[d]
            wait_admitted[m, d] += waited[d]
        for k in range(by_service_.shape[2]):
            by_service_[m, d, k] += by_service[d, k]
        benefits[m, d] += sums[d, 0]
        tax[m, d] += sums[d, 1]
        earnings[m, d] += sums[d, 2]
        hours[m, d] += sums[d, 3]
        outcomes[m, d] += sums[d, 4]
        kept_jobs[m, d, 0] += tallies[d, 1]
        kept_jobs[m, d, 1] += tallies[d, 2]
        job_outcomes[m, d] += tallies[d, 3]
        if has_policy:
            pb_spend[m, d] += tallies[d, 0] * pb_place_cost[d]
            employment_spend[m, d] += sums[d, 5]
        if len(n_open):
            _centres_open[m, d] = n_open[d]
            _centre_costs[m, d, 0], _centre_costs[m, d, 1] = centre_costs[d, 0], centre_costs[d, 1]
