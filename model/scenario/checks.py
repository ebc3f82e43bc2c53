"""Checks that relate one part of a scenario to another: state, band and service names, shares, the
policy's states, and declared leaving chances that sum past 1."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any

from model.scenario.problems import Problem
from model.scenario.schema import EXIT_STATES, Scenario, Transition

RESERVED_SERVICES = ("council", "proactive", "reactive", "public_purse")
MAX_PEOPLE = 10_000_000  # people in the starting stock: far more than any council, or the UK, has
SHARE_SLACK = 0.001  # shares written to three decimals (0.333 three times) still pass


def age_labels(edges: list[int]) -> list[str]:
    """Labels of the age bands: '18-24', ..., '55+'."""
    labels = [f"{a}-{b - 1}" for a, b in zip(edges, edges[1:])]
    return labels + [f"{edges[-1]}+"]


@dataclass
class _Checker:
    sc: Scenario
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: str, message: str, value: Any = None, has_value: bool = True) -> None:
        self.problems.append(Problem(path, message, value, has_value))

    def name_in(self, path: str, name: str, allowed: list[str], what: str) -> bool:
        if name in allowed:
            return True
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        self.add(path, f"unknown {what} '{name}'{hint} Allowed: {', '.join(allowed)}", has_value=False)
        return False

    def keys_in(self, path: str, mapping: dict, allowed: list[str], what: str) -> None:
        for key in mapping:
            self.name_in(f"{path}.{key}", key, allowed, what)

    def by_band(self, path: str, value: Any, bands: list[str]) -> None:
        if isinstance(value, dict):
            self.keys_in(path, value, bands, "band")
            missing = [b for b in bands if b not in value]
            if missing:
                self.add(path, f"give a value for every band; missing: {', '.join(missing)}", has_value=False)

    def shares(self, path: str, mapping: dict, allowed: list[str], what: str) -> None:
        self.keys_in(path, mapping, allowed, what)
        total = sum(mapping.values())
        if total <= 0:
            self.add(path, f"give a positive share for at least one {what}", mapping)
        elif abs(total - 1) > SHARE_SLACK:  # rescaling quietly would hide a typing slip (0.6 for 0.06)
            self.add(path, f"shares must sum to 1; these sum to {total:.4g} (they are not rescaled: correct them, "
                     f"e.g. {_rescaled(mapping, total)})", mapping)


def _rescaled(mapping: dict, total: float) -> str:
    return "{" + ", ".join(f"{k}: {v / total:.3g}" for k, v in mapping.items()) + "}"


def check_cross_fields(sc: Scenario) -> list[Problem]:
    """Checks that relate one part of a scenario to another (names, bands, policy states)."""
    c = _Checker(sc)
    states = list(sc.states)
    bands = list(sc.population.bands)
    ages = age_labels(sc.population.age_bands)
    pop = sc.population
    if sc.discounting.within_cycle == "simpson":
        cycles = None if sc.horizon == "lifetime" else sc.horizon.years * (12 if sc.cycle == "month" else 1)
        if cycles is None or cycles % 2:
            c.add("discounting.within_cycle", "Simpson's rule needs an even number of cycles (a horizon in years, "
                  f"{'a lifetime' if cycles is None else f'{cycles} cycles'} here); use trapezoid", "simpson")

    for s in states:
        if s in EXIT_STATES or s == "inflow":
            c.add(f"states.{s}", f"'{s}' is a name the model uses itself; choose another name", has_value=False)
    for s in sc.services:
        if s in RESERVED_SERVICES:
            c.add(f"services.{s}", f"'{s}' is a name the model uses itself (cost_{s} is a total); choose another",
                  has_value=False)
    services = list(sc.services)
    for s, d in sc.states.items():
        if d.service is not None and services:
            c.name_in(f"states.{s}.service", d.service, services, "service")
    if len(set(bands)) != len(bands):
        c.add("population.bands", "band names must be unique", bands)

    c.shares("population.band_mix", pop.band_mix, bands, "band")
    if pop.age_mix is not None:
        c.shares("population.age_mix", pop.age_mix, ages, "age band")
    c.by_band("population.wants_work", pop.wants_work, bands)
    for i, g in enumerate(pop.initial):
        c.name_in(f"population.initial[{i}].state", g.state, states, "state")
        if g.band_mix is not None:
            c.shares(f"population.initial[{i}].band_mix", g.band_mix, bands, "band")
        if g.age_mix is not None:
            c.shares(f"population.initial[{i}].age_mix", g.age_mix, ages, "age band")
    stock = sum(g.count for g in pop.initial)
    if stock > MAX_PEOPLE:
        c.add("population.initial", f"{stock:,} people at the start in all; at most {MAX_PEOPLE:,} (the UK has about "
              "1.5 million people with a learning disability)", has_value=False)
    if pop.inflow is not None:
        if pop.inflow.band_mix is not None:
            c.shares("population.inflow.band_mix", pop.inflow.band_mix, bands, "band")
        c.shares("population.inflow.entry", pop.inflow.entry, states, "state")
        if not pop.age_bands[0] <= pop.inflow.age < pop.state_pension_age:
            c.add("population.inflow.age",
                  f"entrants' age must be within the age bands ({pop.age_bands[0]} or more) and below "
                  f"state_pension_age ({pop.state_pension_age:g})", pop.inflow.age)
    if pop.mortality is not None:
        c.keys_in("population.mortality.annual_by_age", pop.mortality.annual_by_age, ages, "age band")
        missing = [a for a in ages if a not in pop.mortality.annual_by_age]
        if missing:
            c.add("population.mortality.annual_by_age", f"give a value for every age band; missing: {', '.join(missing)}", has_value=False)
        c.keys_in("population.mortality.band_ratio", pop.mortality.band_ratio, bands, "band")
    if pop.age_bands[-1] >= pop.state_pension_age:
        c.add("population.age_bands", f"every age band must start below state_pension_age ({pop.state_pension_age:g})",
              pop.age_bands)
    if sc.horizon == "lifetime" and pop.inflow is not None and pop.inflow.per_year > 0 and pop.inflow.until_year is None:
        c.add("population.inflow.until_year", "a lifetime horizon needs the inflow to stop: set until_year", has_value=False)

    for src, targets in sc.transitions.items():
        if not c.name_in(f"transitions.{src}", src, states, "state"):
            continue
        for dst, t in targets.items():
            path = f"transitions.{src}.{dst}"
            c.name_in(path, dst, states, "state")
            if dst == src:
                c.add(path, "a transition must lead to another state", has_value=False)
            for kind in ("annual", "monthly", "rate"):
                c.by_band(f"{path}.{kind}", getattr(t, kind), bands)
            if t.by_age:
                c.keys_in(f"{path}.by_age", t.by_age, ages, "age band")
        _check_leaving_sum(c, src, targets, bands)

    for s, cost in sc.costs.states.items():
        if c.name_in(f"costs.states.{s}", s, states, "state"):
            if cost.job_coach is not None:
                c.by_band(f"costs.states.{s}.job_coach.hours_per_week", cost.job_coach.hours_per_week, bands)
            for kind in ("weekly", "monthly", "yearly"):
                c.by_band(f"costs.states.{s}.{kind}", getattr(cost, kind), bands)
    support = sc.policy.states.support if sc.policy is not None else None
    for s, reason in sc.costs.no_cost.items():
        if c.name_in(f"costs.no_cost.{s}", s, states, "state") and s in sc.costs.states:
            c.add(f"costs.no_cost.{s}", f"'{s}' has a cost in costs.states; it cannot also cost nothing", has_value=False)
        if not reason.strip():
            c.add(f"costs.no_cost.{s}", "say why this state costs nothing (a source, or 'assumption: ...')", reason)
    for s in states:
        if sc.states[s].death:
            for dst in sc.transitions.get(s, {}):
                c.add(f"transitions.{s}.{dst}", f"'{s}' is a death state: nobody leaves it", has_value=False)
            if s in sc.costs.states:
                c.add(f"costs.states.{s}", f"'{s}' is a death state: it costs nothing", has_value=False)
            weight = sc.outcome_weights.get(s, 0.0)
            if any(w != 0 for w in (weight.values() if isinstance(weight, dict) else [weight])):
                c.add(f"outcome_weights.{s}", f"'{s}' is a death state: its outcome weight is 0", weight)
            continue
        if s not in sc.costs.states and s not in sc.costs.no_cost and s != support:
            c.add(f"costs.states.{s}", f"state '{s}' has no cost: give costs.states.{s}.weekly, or say why it "
                  f"costs the council nothing in costs.no_cost.{s} (every state a person can be in is charged "
                  "or explained)", has_value=False)
    c.by_band("costs.day_week.days", sc.costs.day_week.days, bands)
    centres = sc.costs.day_centres
    day = sc.policy.states.day if sc.policy is not None else "day_service"
    if centres is not None:
        starting = sum(g.count for g in pop.initial if g.state == day)
        if starting > centres.count * centres.places_each:
            c.add("costs.day_centres", f"{starting:,} people start in '{day}' but {centres.count:,} centres of "
                  f"{centres.places_each:,} places hold {centres.count * centres.places_each:,}: give more centres "
                  "or places", has_value=False)
    for i, tc in enumerate(sc.costs.transitions):
        c.name_in(f"costs.transitions[{i}].from", tc.source, states, "state")
        c.name_in(f"costs.transitions[{i}].to", tc.to, states, "state")
    c.keys_in("outcome_weights", sc.outcome_weights, states, "state")
    c.keys_in("outcome_time_in_state", sc.outcome_time_in_state, states, "state")
    for k, v in sc.outcome_weights.items():
        c.by_band(f"outcome_weights.{k}", v, bands)
        if not all(math.isfinite(x) for x in (v.values() if isinstance(v, dict) else [v])):
            c.add(f"outcome_weights.{k}", "must be a finite number", v)
    if sc.public_purse is not None:
        for s, v in sc.public_purse.benefits_weekly.items():
            if c.name_in(f"public_purse.benefits_weekly.{s}", s, states, "state"):
                c.by_band(f"public_purse.benefits_weekly.{s}", v, bands)
        in_work = sc.public_purse.in_work
        if in_work is not None:
            c.by_band("public_purse.in_work.out_of_work_weekly", in_work.out_of_work_weekly, bands)
            work = sc.policy.states.work if sc.policy is not None else None
            if work is None:
                c.add("public_purse.in_work", "needs a policy: its work state is where earnings count", has_value=False)
            elif work in sc.public_purse.benefits_weekly:
                c.add(f"public_purse.benefits_weekly.{work}", "in work the benefit follows public_purse.in_work "
                      "(by hours and earnings); remove this line", has_value=False)

    pol = sc.policy
    if pol is not None:
        ps = pol.states
        for role in ("day", "waiting", "support", "work"):
            c.name_in(f"policy.states.{role}", getattr(ps, role), states, "state")
        if len({ps.day, ps.waiting, ps.support, ps.work}) != 4:
            c.add("policy.states", "day, waiting, support and work must be four different states", ps.model_dump())
        for i, s in enumerate(pol.referral.source):
            c.name_in(f"policy.referral.from[{i}]", s, states, "state")
            if s in (ps.waiting, ps.support, ps.work):
                c.add(f"policy.referral.from[{i}]", "referral must come from a state outside the employment pathway", s)
        if pol.referral.eligible_bands is not None:
            for i, b in enumerate(pol.referral.eligible_bands):
                c.name_in(f"policy.referral.eligible_bands[{i}]", b, bands, "band")
        for src, targets in sc.transitions.items():
            for dst in targets:
                path = f"transitions.{src}.{dst}"
                if src == ps.waiting:
                    c.add(path, f"moves out of '{src}' are set by the policy's waiting list", has_value=False)
                elif dst in (ps.waiting, ps.support):
                    c.add(path, f"moves into '{dst}' are set by the policy (policy.referral, the waiting list "
                          "and the places the budget buys)", has_value=False)
                elif src == ps.support and dst == ps.work:
                    c.add(path, "job starts from supported employment are set by the policy's service_models "
                          "job_outcome_rate", has_value=False)
        if pop.inflow is not None:
            for s in pop.inflow.entry:
                if s in (ps.waiting, ps.support, ps.work):
                    c.add(f"population.inflow.entry.{s}", "entrants reach the employment pathway through "
                          "policy.entry_route: employment_first, not as an entry state", has_value=False)
        for i, item in enumerate(pol.investment):
            if item.start is not None and item.start < sc.start:
                c.add(f"policy.investment[{i}].from", f"falls before the scenario starts ({sc.start}); costs before "
                      "the start are not part of the projection", item.start)
        for k, sm in pol.employment_support.service_models.items():
            c.by_band(f"policy.employment_support.service_models.{k}.job_outcome_rate", sm.job_outcome_rate, bands)
        for k in pol.employment_support.service_models:
            if k == "spot":
                c.add(f"policy.employment_support.service_models.{k}",
                      "'spot' is a name the model uses itself (places bought on personal budgets); choose another",
                      has_value=False)
    return c.problems


def _check_leaving_sum(c: _Checker, src: str, targets: dict[str, Transition], bands: list[str]) -> None:
    """Declared leaving chances from one state must not sum past 1, in each band."""
    for kind in ("annual", "monthly"):
        for band in bands:
            total = 0.0
            for t in targets.values():
                v = getattr(t, kind)
                if v is not None:
                    total += v.get(band, 0.0) if isinstance(v, dict) else v
            if total > 1.0 + 1e-12:
                c.add(
                    f"transitions.{src}",
                    f"{kind} leaving chances sum to {total:.4g} for band '{band}'; they may sum to at most 1",
                    {k: getattr(t, kind) for k, t in targets.items() if getattr(t, kind) is not None},
                )
                return

