"""A comparison's saving split by the policy's levers: Shapley values over the groups of scenario values in
which the policy differs from the baseline.

A lever is one group of such values (the referral rule, the funding rule, the employment-support budget...).
Every subset of levers is run as the baseline with those levers switched to the policy's values, on the
comparison's own seeds (common random numbers), so the subsets differ only by their levers. A lever's share
is its extra saving when it is switched on, averaged over every order of switching the levers on (Shapley
values): the shares add up exactly to the saving of the whole policy on the same runs, and an interaction
between two levers is split evenly between them. With many levers, random orders (each with its reverse)
stand in for every order; the shares still add up exactly.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.analysis.labels import lever_in_words
from model.compile.spec import Spec, compiled
from model.compile.validate import validate_scenario
from model.engine.results import SimulationResult
from model.engine.simulate import simulate_draws
from model.scenario.paths import at_means, value_at
from model.scenario.problems import Problem, ScenarioError
from model.scenario.schema import Scenario

# Top-level keys that name, describe or annotate a scenario, or set the PSA's draws, but change no run.
NOT_LEVERS = frozenset({"name", "description", "seed", "sources", "catch_alls", "correlation", "extends"})

# Which values move together as one lever: a path's lever is the first rule it starts with ('*': any key);
# rules with the same key are one lever. A path no rule matches is a lever of its first two parts.
RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("policy", "entry_route"), "entry_route"),
    (("policy", "referral"), "referral"),
    (("policy", "employment_support", "budget_per_year"), "budget"),
    (("policy", "employment_support", "service_models"), "service_models"),
    (("policy", "funding"), "funding"),
    (("policy", "personal_budgets"), "personal_budgets"),
    (("policy", "investment"), "investment"),
    (("policy", "set_up_per_place"), "investment"),
    (("costs", "day_week"), "day_week"),
    (("costs", "day_centres"), "day_centres"),
    (("costs", "states", "*"), "costs.states.{2}"),
    (("transitions", "*", "*"), "transitions.{1}.{2}"),
    (("population", "inflow", "entry"), "entry"),
)

EXACT_UP_TO = 8  # levers up to which every subset is run (2^8 = 256 subsets); beyond, random orders
ORDERS = 32  # random orders (each with its reverse) when there are more levers
ORDER_SEED = 0  # the random orders are the same in every comparison with the same number of levers


@dataclass(frozen=True)
class Lever:
    """One group of values in which the policy differs from the baseline."""

    key: str
    name: str  # in words
    roots: tuple[tuple, ...]  # the paths whose whole values the policy's replace


def differences(base: object, policy: object, path: tuple = ()) -> list[tuple]:
    """The paths at which two scenarios' data differ: mappings are searched key by key, anything else (a
    number, a list, a time series's parts) is compared whole."""
    if isinstance(base, dict) and isinstance(policy, dict):
        return [p for k in dict.fromkeys([*base, *policy]) if not (not path and k in NOT_LEVERS)
                for p in differences(base.get(k, _ABSENT), policy.get(k, _ABSENT), path + (k,))]
    return [] if base == policy else [path]


_ABSENT = object()


def _rule(path: tuple) -> tuple[tuple, str]:
    """The root a difference is switched at, and its lever's key."""
    for pattern, key in RULES:
        if len(path) >= len(pattern) and all(p in ("*", q) for p, q in zip(pattern, path)):
            return path[: len(pattern)], key.format(*path)
    root = path[:2]
    return root, ".".join(map(str, root))


def levers(baseline: Scenario, policy: Scenario) -> list[Lever]:
    """The policy's levers against the baseline, in the order their values first differ."""
    base, pol = at_means(baseline), at_means(policy)
    roots: dict[str, list[tuple]] = {}
    for path in differences(base, pol):
        root, key = _rule(path)
        if root not in roots.setdefault(key, []):
            roots[key].append(root)
    return [Lever(key, lever_in_words(key, value_at(pol, rs[0], None)), tuple(rs)) for key, rs in roots.items()]


def switched(base: dict, policy: dict, on: list[Lever]) -> dict:
    """The baseline's data with the given levers at the policy's values (a value the policy lacks is removed)."""
    out = copy.deepcopy(base)
    for lever in on:
        for root in lever.roots:
            node = out
            for part in root[:-1]:
                node = node.setdefault(part, {})
            value = value_at(policy, root, _ABSENT)
            if value is _ABSENT:
                node.pop(root[-1], None)
            else:
                node[root[-1]] = copy.deepcopy(value)
    return out


def shapley(values: Mapping[int, float], n: int) -> np.ndarray:
    """Exact Shapley values of n players from the value of every coalition, keyed by bit mask."""
    phi = np.zeros(n)
    for i in range(n):
        bit = 1 << i
        for mask in range(1 << n):
            if not mask & bit:
                k = bin(mask).count("1")
                weight = math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
                phi[i] += weight * (values[mask | bit] - values[mask])
    return phi


def random_orders(n: int, orders: int, seed: int) -> list[list[int]]:
    """Random orders of n levers, each followed by its reverse (antithetic: it halves much of the noise)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(orders):
        order = [int(i) for i in rng.permutation(n)]
        out += [order, order[::-1]]
    return out


def order_shapley(values: Mapping[int, float], n: int, orders: list[list[int]]) -> np.ndarray:
    """Shapley values estimated as each player's marginal value averaged over the given orders."""
    phi = np.zeros(n)
    for order in orders:
        mask = 0
        for i in order:
            phi[i] += values[mask | (1 << i)] - values[mask]
            mask |= 1 << i
    return phi / len(orders)


def _order_masks(n: int, orders: list[list[int]]) -> list[int]:
    masks = {0}
    for order in orders:
        mask = 0
        for i in order:
            mask |= 1 << i
            masks.add(mask)
    return sorted(masks)


@dataclass
class Decomposition:
    """Each lever's share of a policy's saving, and how it was found."""

    policy: str
    baseline: str
    table: pd.DataFrame  # a row per lever
    seeds: list[int]
    method: str  # "exact" or "random orders"
    orders: int  # orders averaged (n! when exact)
    subsets: int  # subsets of levers run, each on every seed
    total: dict = field(default_factory=dict)  # the whole policy's figures on the same runs

    def summary(self) -> dict:
        """The decomposition for summary.json."""
        rows = [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
                for r in self.table.to_dict(orient="records")]  # JSON has no NaN
        return dict(policy=self.policy, baseline=self.baseline, method=self.method, orders=self.orders,
                    subsets=self.subsets, runs=len(self.seeds), seeds=list(self.seeds), total=self.total, levers=rows)


# The figures decomposed: the discounted saving to the council and the extra people in work at the horizon.
MEASURES = ("npv_saving", "extra_in_work_final")


def decompose(baseline: Scenario, policy: Scenario, seeds: list[int],
              metrics: Callable[[SimulationResult, SimulationResult], dict], exact_up_to: int = EXACT_UP_TO,
              orders: int = ORDERS, progress: Callable[[float], None] | None = None,
              workers: int = 1) -> Decomposition | None:
    """Split the policy's saving (and extra people in work) by its levers on the given seeds: exact Shapley
    values up to `exact_up_to` levers, else `orders` random orders and their reverses. `metrics` gives a
    policy run's totals against its paired baseline run (`compare.pair_metrics`). None without levers."""
    found = levers(baseline, policy)
    n = len(found)
    if not n:
        return None
    masks, chosen = _masks(n, exact_up_to, orders)
    exact = chosen is None
    specs = subset_specs(baseline, policy, found, masks)
    values = {m: {k: [] for k in MEASURES} for m in masks}
    for s in seeds:
        runs = simulate_draws(specs, seed=s, people=False, workers=workers)
        base = runs[0]  # mask 0: the baseline as the subsets rebuild it
        for m, run in zip(masks, runs):
            totals = metrics(base, run)
            for k in MEASURES:
                values[m][k].append(totals[k])
        if progress is not None:
            progress(len(specs))
    mean = {k: {m: float(np.mean(v[k])) for m, v in values.items()} for k in MEASURES}
    full = (1 << n) - 1
    rows = {k: (shapley(mean[k], n) if exact else order_shapley(mean[k], n, chosen)) for k in MEASURES}
    total = {k: mean[k][full] for k in MEASURES}
    table = pd.DataFrame({"lever": [lv.name for lv in found], "key": [lv.key for lv in found],
                          "values": [", ".join(".".join(map(str, r)) for r in lv.roots) for lv in found]})
    for k in MEASURES:
        table[k] = rows[k]
        table[f"{k}_alone"] = [mean[k][1 << i] for i in range(n)]
        table[f"{k}_last"] = [total[k] - mean[k][full ^ (1 << i)] for i in range(n)]
    table["share_of_saving"] = table["npv_saving"] / total["npv_saving"] if total["npv_saving"] else math.nan
    table = table.sort_values("npv_saving", key=abs, ascending=False).reset_index(drop=True)
    return Decomposition(policy=policy.name, baseline=baseline.name, table=table, seeds=list(seeds),
                         method="exact" if exact else "random orders",
                         orders=math.factorial(n) if exact else len(chosen), subsets=len(masks), total=total)


def subset_specs(baseline: Scenario, policy: Scenario, found: list[Lever], masks: list[int]) -> list[Spec]:
    """The compiled scenario of each subset of levers (bit i of a mask: lever i at the policy's value)."""
    base, pol = at_means(baseline), at_means(policy)
    out = []
    for m in masks:
        on = [lv for i, lv in enumerate(found) if m >> i & 1]
        try:
            out.append(compiled(validate_scenario(switched(base, pol, on), baseline.name)))
        except ScenarioError as exc:
            names = ", ".join(lv.name for lv in on) or "none"
            raise ScenarioError(policy.name, [Problem("", f"The saving cannot be split by lever: the baseline with "
                                                      f"only these of {policy.name}'s levers switched on ({names}) is "
                                                      f"not a valid scenario ({exc.problems[0]}).")]) from None
    return out


def _masks(n: int, exact_up_to: int, orders: int) -> tuple[list[int], list | None]:
    """The subsets of n levers a decomposition runs (as bit masks), and the random orders behind them (None:
    every subset, for exact values); each lever alone and each left out are always run, for the table."""
    exact = n <= exact_up_to
    chosen = None if exact else random_orders(n, orders, ORDER_SEED)
    masks = list(range(1 << n)) if exact else _order_masks(n, chosen)
    for i in range(n):
        masks += [m for m in (1 << i, ((1 << n) - 1) ^ (1 << i)) if m not in masks]
    return masks, chosen


def subsets_run(baseline: Scenario, policy: Scenario, exact_up_to: int = EXACT_UP_TO, orders: int = ORDERS) -> int:
    """How many subsets of levers a decomposition runs on each seed (for progress)."""
    n = len(levers(baseline, policy))
    return len(_masks(n, exact_up_to, orders)[0]) if n else 0

