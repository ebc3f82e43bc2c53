"""The ledger of one cycle: counts, flows, the waiting list, budgets and costs, as one row of the
monthly table. Engines fill it; its columns are the same whichever engine runs."""

from __future__ import annotations

import math

import numpy as np

from model.compile.spec import Spec
from model.scenario.schema import EXIT_STATES


def _month_info(spec: Spec, cycle: int) -> dict:
    months = spec.start_year * 12 + (spec.start_month - 1) + cycle * spec.cycle_months
    y, m0 = divmod(months, 12)
    fy = y if m0 >= 3 else y - 1  # financial years start in April
    return dict(
        cycle=cycle,
        month=cycle * spec.cycle_months,
        date=f"{y:04d}-{m0 + 1:02d}",
        fiscal_year=f"{fy}-{(fy + 1) % 100:02d}",
        year=cycle * spec.cycle_months // 12,
    )


def origins(spec: Spec) -> list[str]:
    """Where job starts can come from: any live state, or straight from the inflow."""
    return list(spec.states[: spec.n_live]) + ["inflow"]


def record_columns(spec: Spec) -> list[str]:
    """The monthly table's columns, in order."""
    live = spec.states[: spec.n_live]
    cols = list(_month_info(spec, 0))
    cols += [f"n_{s}" for s in spec.states]
    cols += ["inflow"] + [f"exits_{e}" for e in EXIT_STATES]
    cols += [f"inflow_to_{s}" for s in live] + [f"exits_from_{s}" for s in live]
    cols += [f"flow_{a}_to_{b}" for a in live for b in live if a != b]
    cols += ["referrals", "admissions", "job_starts"] + [f"job_starts_from_{o}" for o in origins(spec)]
    cols += ["job_exits", "queue_length", "mean_wait_admitted_months", "mean_wait_queue_months"]
    if spec.policy is not None:
        cols += [f"places_{k}" for k in spec.policy.model_names] + [f"supported_{k}" for k in spec.policy.model_names]
        cols += ["supported_spot", "employment_budget", "employment_spend", "employment_underspend",
                 "released", "moved", "saving", "pb_employment_spend"]
    cols += ["centres_open", "day_centre_fixed", "day_centre_double_running"]
    cols += [f"cost_{s}" for s in spec.services]
    cols += ["cost_council", "cost_proactive", "cost_reactive", "proactive_share"]
    cols += ["benefits_paid", "tax_ni_received", "cost_public_purse", "hours_worked", "outcomes"]
    cols += ["discount_factor", "cost_council_disc", "cost_public_purse_disc", "outcomes_disc"]
    return cols


class CycleLedger:
    """What happened in one cycle, filled by an engine and closed into a row."""

    def __init__(self, spec: Spec, cycle: int):
        self.spec = spec
        self.cycle = cycle
        S = spec.n_live
        self.exits = {e: 0 for e in EXIT_STATES}
        self.exits_from = np.zeros(S, dtype=np.int64)
        self.inflow_to = np.zeros(S, dtype=np.int64)
        self.inflow = 0
        self.moves = np.zeros((S, S), dtype=np.int64)
        self.referrals = 0
        self.job_starts_by = np.zeros(S + 1, dtype=np.int64)  # the last is the inflow
        self.job_exits = 0
        self.admissions = 0
        self.wait_admitted = 0.0
        self.queue_waits: list[int] = []
        self.counts = np.zeros(S, dtype=np.int64)
        self.by_service = np.zeros(len(spec.services))  # people's costs; centres are added at close
        self.benefits = 0.0
        self.tax = 0.0
        self.hours = 0.0
        self.outcomes = 0.0
        self.employment_spend = 0.0
        self.pb_spend = 0.0
        self.policy_row: dict = {}
        self.centre_row = dict(centres_open=0, day_centre_fixed=0.0, day_centre_double_running=0.0)

    def entered(self, state: int) -> None:
        """Someone entered the model into `state` (after the policy's entry route)."""
        self.inflow_to[state] += 1

    def exited(self, state: int, exit_name: str) -> None:
        """Someone left the model from `state`."""
        self.exits_from[state] += 1
        self.exits[exit_name] += 1

    def job_start(self, origin: int) -> None:
        """A job start, by the state the person came from (-1: straight from the inflow)."""
        self.job_starts_by[origin if origin >= 0 else self.spec.n_live] += 1

    def admitted(self, waited_cycles: int) -> None:
        """Someone admitted from the waiting list after waiting this many cycles."""
        self.admissions += 1
        self.wait_admitted += waited_cycles * self.spec.cycle_months

    def person(self, state: int, band: int, cost: float, hours: float, spot: bool) -> None:
        """One person's cycle in their end-of-cycle state."""
        spec = self.spec
        self.counts[state] += 1
        svc = spec.state_service[state]
        self.by_service[svc] += cost
        self.benefits += spec.benefits[state, band]
        self.tax += hours * spec.tax_per_hour_cycle
        self.hours += hours
        self.outcomes += spec.outcome_weight[state]
        if spot:
            self.pb_spend += spec.policy.place_cost[0]

    def people_sums(self, counts: np.ndarray, by_service: np.ndarray, benefits: float, hours: float,
                    outcomes: float, spot: int, place: float) -> None:
        """Everyone's cycle at once, as sums (equal to `person` one by one, up to rounding): hours worked,
        people supported on personal budgets, and the block places' cost."""
        self.counts += counts
        self.by_service += by_service
        self.benefits += benefits
        self.hours += hours
        self.tax += hours * self.spec.tax_per_hour_cycle
        self.outcomes += outcomes
        if self.spec.policy is not None:
            self.pb_spend += spot * self.spec.policy.place_cost[0]
            self.employment_spend += place

    def policy_cycle(self, split: tuple[float, float, float], budget: float, places: np.ndarray,
                     occupied: np.ndarray, queue_waits: list[int]) -> None:
        """The policy's figures for the cycle; the employment spend is added person by person."""
        released, moved, saving = split
        names = self.spec.policy.model_names
        self.policy_row = dict(released=released, moved=moved, saving=saving, employment_budget=budget)
        for k, name in enumerate(names):
            self.policy_row[f"places_{name}"] = float(places[k])
            self.policy_row[f"supported_{name}"] = int(occupied[k])
        self.queue_waits = list(queue_waits)

    def centres(self, costs: tuple[float, float], n_open: int) -> None:
        """Fixed costs of open centres and double running of closed ones."""
        fixed, double = costs
        self.centre_row = dict(centres_open=n_open, day_centre_fixed=fixed, day_centre_double_running=double)

    def close(self, exits_total: dict[str, int]) -> dict:
        """The cycle's row of the monthly table."""
        spec, m = self.spec, self.cycle
        live = spec.states[: spec.n_live]
        row = _month_info(spec, m)
        row.update({f"n_{s}": int(self.counts[i]) for i, s in enumerate(live)})
        row.update({f"n_{e}": int(exits_total[e]) for e in EXIT_STATES})
        row["inflow"] = int(self.inflow)
        row.update({f"exits_{e}": int(self.exits[e]) for e in EXIT_STATES})
        row.update({f"inflow_to_{s}": int(n) for s, n in zip(live, self.inflow_to)})
        row.update({f"exits_from_{s}": int(n) for s, n in zip(live, self.exits_from)})
        row.update({f"flow_{a}_to_{b}": int(self.moves[i, j]) for i, a in enumerate(live)
                    for j, b in enumerate(live) if i != j})
        row["referrals"] = int(self.referrals)
        row["admissions"] = int(self.admissions)
        row["job_starts"] = int(self.job_starts_by.sum())
        row.update({f"job_starts_from_{o}": int(n) for o, n in zip(origins(spec), self.job_starts_by)})
        row["job_exits"] = int(self.job_exits)
        row["queue_length"] = len(self.queue_waits)
        row["mean_wait_admitted_months"] = self.wait_admitted / self.admissions if self.admissions else 0.0
        row["mean_wait_queue_months"] = (
            float(np.mean(self.queue_waits)) * spec.cycle_months if self.queue_waits else 0.0
        )
        if spec.policy is not None:
            p = self.policy_row
            budget = p["employment_budget"]
            row.update(p)
            row["supported_spot"] = int(self.counts[spec.policy.support]) - sum(
                p[f"supported_{k}"] for k in spec.policy.model_names)
            row["employment_spend"] = self.employment_spend
            row["employment_underspend"] = budget - self.employment_spend
            row["pb_employment_spend"] = self.pb_spend
        row.update(self.centre_row)
        by_service = self.by_service.copy()
        if spec.day_centres is not None:  # centres are paid by the day-service state's service
            by_service[spec.state_service[spec.day_state]] += (self.centre_row["day_centre_fixed"]
                                                                + self.centre_row["day_centre_double_running"])
        row.update({f"cost_{s}": float(v) for s, v in zip(spec.services, by_service)})
        council = float(by_service.sum())
        kinds = np.array(spec.service_kind)
        proactive = float(by_service[kinds == "proactive"].sum())
        reactive = float(by_service[kinds == "reactive"].sum())
        row["cost_council"] = council
        row["cost_proactive"] = proactive
        row["cost_reactive"] = reactive
        row["proactive_share"] = proactive / (proactive + reactive) if proactive + reactive > 0 else math.nan
        row["benefits_paid"] = float(self.benefits)
        row["tax_ni_received"] = float(self.tax)
        row["cost_public_purse"] = council + float(self.benefits) - float(self.tax)
        row["hours_worked"] = float(self.hours)
        row["outcomes"] = float(self.outcomes)
        df = float(spec.df_costs[m])
        row["discount_factor"] = df
        row["cost_council_disc"] = council * df
        row["cost_public_purse_disc"] = row["cost_public_purse"] * df
        row["outcomes_disc"] = float(self.outcomes) * float(spec.df_outcomes[m])
        return row

