"""Value of information from a PSA: what it would be worth to the council to know the parameters before
choosing between the baseline and a policy.

With two options the net benefit of the policy over the baseline at a willingness to pay `wtp` per unit of
outcome is INB = wtp x (extra discounted outcomes) + (discounted saving). EVPI is E[max(0, INB)] -
max(0, E[INB]). EVPPI for a group of parameters replaces INB by its expectation given the group, estimated by
a regression metamodel on the PSA sample (Strong, Oakley and Brennan 2014): here an additive cubic-spline
fit, one smooth term per parameter, by least squares. Values are totals for the council's population over
the horizon, in the price year's pounds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.interpolate import BSpline


def evpi(inb: np.ndarray) -> float:
    """Expected value of perfect information from per-draw incremental net benefits (two options)."""
    inb = np.asarray(inb, dtype=float)
    return float(np.maximum(inb, 0.0).mean() - max(0.0, inb.mean()))


def _spline_basis(x: np.ndarray, knots: int = 4) -> np.ndarray:
    """A cubic B-spline basis of x with interior knots at its quantiles, without the constant."""
    lo, hi = float(x.min()), float(x.max())
    if hi <= lo:
        return np.zeros((len(x), 0))
    inner = np.unique(np.quantile(x, np.linspace(0, 1, knots + 2)[1:-1]))
    t = np.concatenate([[lo] * 4, inner[(inner > lo) & (inner < hi)], [hi] * 4])
    basis = BSpline.design_matrix(np.clip(x, lo, hi), t, 3).toarray()
    return basis[:, 1:]  # the B-splines sum to 1: drop one so the intercept stays identifiable


def fitted_given(params: np.ndarray, y: np.ndarray, knots: int = 4) -> np.ndarray:
    """E[y | params] at each draw, by an additive cubic-spline regression (one smooth term per column)."""
    params = np.asarray(params, dtype=float).reshape(len(y), -1)
    columns = [np.ones((len(y), 1))] + [_spline_basis(params[:, j], knots) for j in range(params.shape[1])]
    design = np.hstack(columns)
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return design @ coef


def evppi(params: np.ndarray, inb: np.ndarray, knots: int = 4) -> float:
    """Expected value of partial perfect information for the parameters in `params` (draws x parameters)."""
    g = fitted_given(params, np.asarray(inb, dtype=float), knots)
    return float(np.maximum(g, 0.0).mean() - max(0.0, g.mean()))


def groups_of(columns: list[str]) -> dict[str, list[str]]:
    """The parameter groups to value: each parameter alone, and the parameters of each part of a scenario
    (transitions, costs, policy, ...) together."""
    out: dict[str, list[str]] = {c: [c] for c in columns}
    for c in columns:
        out.setdefault(f"all of {c.split('.')[0]}", []).append(c)
    return {k: v for k, v in out.items() if not (k.startswith("all of ") and len(v) < 2)}


def voi_table(draws: pd.DataFrame, saving: np.ndarray, extra_outcomes: np.ndarray,
              wtp: list[float]) -> pd.DataFrame:
    """EVPI and each group's EVPPI at each willingness to pay per unit of outcome: one row per wtp."""
    varying = [c for c in draws.columns if draws[c].nunique() > 1]
    groups = groups_of(varying)
    rows = []
    for w in wtp:
        inb = w * np.asarray(extra_outcomes, dtype=float) + np.asarray(saving, dtype=float)
        row = {"wtp_per_outcome": w, "prob_policy_best": float((inb > 0).mean()), "evpi": evpi(inb)}
        for name, cols in groups.items():
            row[f"evppi: {name}"] = evppi(draws[cols].to_numpy(float), inb)
        rows.append(row)
    return pd.DataFrame(rows)
