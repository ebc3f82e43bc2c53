"""The ledger of one cycle: counts, flows, the waiting list, budgets and costs, as one row of the
monthly table. Engines fill it; its columns are the same whichever engine runs."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from model.compile.spec import Spec
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


class CycleLedger:
    """What happened in one cycle, recorded by an engine through these methods and closed into a row.

    The ledger is the only writer of its figures: engines call its methods (one person or event at a time,
    or as sums over many), never set its fields.
    """

    def __init__(self, spec: Spec, cycle: int):
        self.spec = spec
        self.cycle = cycle
        S = spec.n_live
        self._exits = {e: 0 for e in EXIT_STATES}
        self._exits_from = np.zeros(S, dtype=np.int64)
        self._inflow_to = np.zeros(S, dtype=np.int64)
        self._inflow = 0
        self._moves = np.zeros((S, S), dtype=np.int64)
        self._referrals = 0
        self._job_starts_by = np.zeros(S + 1, dtype=np.int64)  # the last is the inflow
        self._job_exits = 0
        self._kept_jobs = np.zeros(2, dtype=np.int64)  # jobs started in the run reaching 6 and 12 months
        self._job_outcomes = 0
        self._admissions = 0
        self._wait_admitted = 0.0
        self._queue_waits = np.zeros(0, dtype=np.int64)
        self._counts = np.zeros(S, dtype=np.int64)
        self._by_service = np.zeros(len(spec.costs.services))  # people's costs; centres are added at close
        self._benefits = 0.0
        self._tax = 0.0
        self._earnings = 0.0
        self._hours = 0.0
        self._outcomes = 0.0
        self._employment_spend = 0.0
        self._pb_spend = 0.0
        self._policy_row: dict = {}
        self._start = (0.0, 0.0, 0.0)  # the start state counted at time 0: discounted cost, outcome, public purse
        self._centre_row = dict(centres_open=0, day_centre_fixed=0.0, day_centre_double_running=0.0)

    # --- people entering and leaving -----------------------------------------------------------
    def entrants(self, n: int) -> None:
        """`n` young people entered the model this cycle."""
        self._inflow += n

    def entered(self, state: int, n: int = 1) -> None:
        """Entrants went into `state` (after the policy's entry route)."""
        self._inflow_to[state] += n

    def entered_many(self, by_state: np.ndarray) -> None:
        """Entrants by the state they went into."""
        self._inflow_to += by_state

    def exited(self, state: int, exit_name: str) -> None:
        """Someone left the model from `state`."""
        self._exits_from[state] += 1
        self._exits[exit_name] += 1

    def exited_many(self, by_exit: np.ndarray, from_state: np.ndarray) -> None:
        """People who left, by exit (in the order of EXIT_STATES) and by the state they left from."""
        for i, name in enumerate(EXIT_STATES):
            self._exits[name] += int(by_exit[i])
        self._exits_from += from_state

    # --- moves --------------------------------------------------------------------------------
    def moved(self, src: int, dst: int, n: int = 1) -> None:
        """`n` people moved from state `src` to state `dst`."""
        self._moves[src, dst] += n

    def moved_many(self, flows: np.ndarray) -> None:
        """Moves as a [src, dst] matrix of counts."""
        self._moves += flows

    def referred(self, n: int = 1) -> None:
        """People referred for employment support (whether they then wait or start at once)."""
        self._referrals += n

    def job_start(self, origin: int) -> None:
        """A job start, by the state the person came from (-1: straight from the inflow)."""
        self._job_starts_by[origin if origin >= 0 else self.spec.n_live] += 1

    def job_starts_many(self, by_origin: np.ndarray) -> None:
        """Job starts by origin: each live state, then the inflow."""
        self._job_starts_by += by_origin

    def job_outcomes(self, n: int) -> None:
        """People counted as a job outcome in the financial year, as NDTi counts them: in paid work at some
        point of the year (a job gained or kept), each person once a year, in the first cycle it is so."""
        self._job_outcomes += n

    def jobs_kept(self, six: int, twelve: int) -> None:
        """Jobs started in this run whose tenure reached 6 (and 12) months this cycle."""
        self._kept_jobs += (six, twelve)

    def job_exit(self, n: int = 1) -> None:
        """People who left paid work."""
        self._job_exits += n

    def admitted(self, waited_cycles: int) -> None:
        """Someone admitted from the waiting list after waiting this many cycles."""
        self._admissions += 1
        self._wait_admitted += waited_cycles * self.spec.calendar.cycle_months

    def admitted_many(self, n: int, waited_months: float) -> None:
        """`n` people admitted from the waiting list, who waited `waited_months` in all."""
        self._admissions += n
        self._wait_admitted += waited_months

    # --- the end-of-cycle state ---------------------------------------------------------------
    def person(self, state: int, band: int, cost: float, hours: float, spot: bool, place: float = 0.0,
               kept_from: int = -1, kept: float = 0.0, outcome: float = 0.0) -> None:
        """One person's cycle in their end-of-cycle state: `place` is what a block place costs the
        employment budget, `spot` whether a personal budget pays for their place, and `kept` what the part
        of the service they came from (`kept_from`) that they keep costs, paid by that service; `outcome` is
        their outcome this cycle."""
        spec = self.spec
        self._counts[state] += 1
        svc = spec.costs.state_service[state]
        self._by_service[svc] += cost
        if kept_from >= 0:
            self._by_service[spec.costs.state_service[kept_from]] += kept
        benefit, tax, earnings = spec.benefit_tax_earnings(state, band, hours)
        self._benefits += benefit
        self._tax += tax
        self._earnings += earnings
        self._hours += hours
        self._outcomes += outcome
        if spot:
            self._pb_spend += spec.policy.place_cost[0]
        if place:
            self._employment_spend += place

    def people_sums(self, counts: np.ndarray, by_service: np.ndarray, benefits: float, tax: float, earnings: float,
                    hours: float, outcomes: float, spot: int, place: float) -> None:
        """Everyone's cycle at once, as sums (equal to `person` one by one, up to rounding): benefits paid, tax
        and NI received, earnings and hours worked, people supported on personal budgets, and the block
        places' cost."""
        self._counts += counts
        self._by_service += by_service
        self._benefits += benefits
        self._tax += tax
        self._earnings += earnings
        self._hours += hours
        self._outcomes += outcomes
        if self.spec.policy is not None:
            self._pb_spend += spot * self.spec.policy.place_cost[0]
            self._employment_spend += place

    def policy_cycle(self, split: tuple[float, float, float], budget: float, places: np.ndarray,
                     occupied: np.ndarray, queue_waits, carried: float = 0.0, set_up: float = 0.0) -> None:
        """The policy's figures for the cycle (`carried`: the budget left for the next cycle; `set_up`: the
        set-up cost of places filled for the first time); the employment spend is added person by person."""
        released, moved, saving = split
        pol = self.spec.policy
        names = pol.model_names
        scheduled = float(pol.investment[self.cycle]) if pol.investment is not None else 0.0
        self._policy_row = dict(released=released, moved=moved, saving=saving, employment_budget=budget,
                                carried_forward=carried, investment=scheduled + set_up)
        self._policy_row.update(zip(_model_columns(names, "places"), map(float, places)))
        self._policy_row.update(zip(_model_columns(names, "supported"), map(int, occupied)))
        self._queue_waits = np.asarray(queue_waits, dtype=np.int64)

    def start_point(self, cost: float, outcomes: float, purse: float) -> None:
        """The start state's cycle of value at its within-cycle weight (time 0, undiscounted), in this first row's
        discounted figures only."""
        self._start = (float(cost), float(outcomes), float(purse))

    def centres(self, costs: tuple[float, float], n_open: int) -> None:
        """Fixed costs of open centres and double running of closed ones."""
        fixed, double = costs
        self._centre_row = dict(centres_open=n_open, day_centre_fixed=fixed, day_centre_double_running=double)

    def close(self, exits_total: dict[str, int], month: dict | None = None) -> dict:
        """The cycle's row of the monthly table, led by `month`: the cycle's calendar columns (made here if None;
        an engine that adds them itself gives {})."""
        spec, m = self.spec, self.cycle
        names = _names(spec)
        row = dict(month) if month is not None else month_info(spec, m)
        row.update(zip(names.counts, self._counts.tolist()))
        row.update(zip(names.exits_total, (int(exits_total[e]) for e in EXIT_STATES)))
        row["inflow"] = int(self._inflow)
        row.update(zip(names.exits, (int(self._exits[e]) for e in EXIT_STATES)))
        row.update(zip(names.inflow_to, self._inflow_to.tolist()))
        row.update(zip(names.exits_from, self._exits_from.tolist()))
        row.update(zip(names.flows, self._moves[names.off_diagonal].tolist()))
        row["referrals"] = int(self._referrals)
        row["admissions"] = int(self._admissions)
        row["job_starts"] = int(self._job_starts_by.sum())
        row.update(zip(names.job_starts_from, self._job_starts_by.tolist()))
        row["jobs_kept_6_months"], row["jobs_kept_12_months"] = (int(n) for n in self._kept_jobs)
        row["job_outcomes"] = int(self._job_outcomes)
        row["job_exits"] = int(self._job_exits)
        row["queue_length"] = len(self._queue_waits)
        row["mean_wait_admitted_months"] = self._wait_admitted / self._admissions if self._admissions else 0.0
        row["mean_wait_queue_months"] = (
            float(np.mean(self._queue_waits)) * spec.calendar.cycle_months if len(self._queue_waits) else 0.0
        )
        if spec.policy is not None:
            p = self._policy_row
            budget = p["employment_budget"]
            row.update(p)
            row["supported_spot"] = int(self._counts[spec.policy.support]) - sum(
                p[f"supported_{k}"] for k in spec.policy.model_names)
            row["employment_spend"] = self._employment_spend
            row["employment_underspend"] = budget - self._employment_spend
            row["pb_employment_spend"] = self._pb_spend
            # Money moved out of day services that employment support did not spend, paid back to day services.
            returned = (min(p["moved"], max(0.0, row["employment_underspend"]))
                        if spec.policy.unspent == "returned_to_day_services" else 0.0)
            row["returned_to_day_services"] = returned
        row.update(self._centre_row)
        by_service = self._by_service.copy()
        if spec.policy is not None:
            by_service[spec.costs.state_service[spec.policy.day]] += row["returned_to_day_services"]
        if spec.centres is not None:  # centres are paid by the day-service state's service
            by_service[spec.costs.state_service[spec.day_state]] += (self._centre_row["day_centre_fixed"]
                                                                      + self._centre_row["day_centre_double_running"])
        row.update({f"cost_{s}": float(v) for s, v in zip(spec.costs.services, by_service)})
        # Up-front costs are the council's, apart from its services' running costs.
        council = float(by_service.sum()) + (row["investment"] if spec.policy is not None else 0.0)
        kinds = np.array(spec.costs.service_kind)
        proactive = float(by_service[kinds == "proactive"].sum())
        reactive = float(by_service[kinds == "reactive"].sum())
        row["cost_council"] = council
        row["cost_proactive"] = proactive
        row["cost_reactive"] = reactive
        row["proactive_share"] = proactive / (proactive + reactive) if proactive + reactive > 0 else math.nan
        row["benefits_paid"] = float(self._benefits)
        row["tax_ni_received"] = float(self._tax)
        row["earnings"] = float(self._earnings)
        # By payer: the council's services, the DWP's benefits, HMRC's tax and NI (received, so a negative cost).
        row["cost_dwp"] = float(self._benefits)
        row["cost_hmrc"] = -float(self._tax)
        row["cost_public_purse"] = council + float(self._benefits) - float(self._tax)
        row["hours_worked"] = float(self._hours)
        row["outcomes"] = float(self._outcomes)
        df = float(spec.discount.costs[m])
        row["discount_factor"] = df
        start_cost, start_outcomes, start_purse = self._start
        row["cost_council_disc"] = council * df + start_cost
        row["cost_public_purse_disc"] = row["cost_public_purse"] * df + start_purse
        row["outcomes_disc"] = float(self._outcomes) * float(spec.discount.outcomes[m]) + start_outcomes
        return row
