"""What a health economist reads from a comparison: discounted costs and outcomes per person, the increments,
the ICER, net monetary benefit at stated thresholds and the acceptability curve, each with the Monte Carlo
standard error (MCSE) of its estimate.

Within one run, people are paired by id (the same person under both scenarios, on the same random numbers),
so the MCSE of an increment comes from the spread of each person's own difference. Costs per person here are
the people's own; fixed costs that belong to nobody (day centres, up-front investment) appear in the totals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

THRESHOLDS = [0.0, 10000.0, 20000.0, 30000.0, 50000.0]  # willingness to pay per unit of outcome (e.g. a QALY)


def _mean_mcse(values: np.ndarray) -> dict:
    values = np.asarray(values, dtype=float)
    n = len(values)
    return dict(mean=float(values.mean()) if n else math.nan,
                mcse=float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan)


def per_person(base: pd.DataFrame, policy: pd.DataFrame, thresholds: list[float] | None = None) -> dict:
    """Per-person discounted cost and outcome under each scenario, their increments, the ICER and net monetary
    benefit at each threshold, with MCSEs, from one run's people tables (paired by id)."""
    b = base.set_index("id")[["cost_disc", "outcomes_disc"]]
    p = policy.set_index("id")[["cost_disc", "outcomes_disc"]].reindex(b.index)
    if p.isna().any().any():
        raise ValueError("the two runs do not hold the same people")
    d_cost = (p["cost_disc"] - b["cost_disc"]).to_numpy()
    d_out = (p["outcomes_disc"] - b["outcomes_disc"]).to_numpy()
    out = dict(people=int(len(b)),
               cost_baseline=_mean_mcse(b["cost_disc"]), cost_policy=_mean_mcse(p["cost_disc"]),
               outcome_baseline=_mean_mcse(b["outcomes_disc"]), outcome_policy=_mean_mcse(p["outcomes_disc"]),
               incremental_cost=_mean_mcse(d_cost), incremental_outcome=_mean_mcse(d_out))
    out["icer"] = icer(d_cost.mean(), d_out.mean())
    out["net_monetary_benefit"] = {f"{t:g}": _mean_mcse(t * d_out - d_cost) for t in (thresholds or THRESHOLDS)}
    return out


def icer(incremental_cost: float, incremental_outcome: float) -> float | None:
    """Incremental cost per unit of outcome gained (None where the outcome does not change)."""
    return float(incremental_cost / incremental_outcome) if incremental_outcome != 0 else None


def acceptability(incremental_cost: np.ndarray, incremental_outcome: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """The share of runs in which the policy's net monetary benefit is positive, at each threshold."""
    nmb = np.outer(thresholds, incremental_outcome) - incremental_cost[None, :]
    return (nmb > 0).mean(axis=1)
