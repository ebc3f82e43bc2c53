"""Transition rules: how a scenario's chances become per-cycle probabilities, and how a move is chosen.

Conventions (both engines follow them):
- An annual probability p becomes 1 - (1 - p)^(c/12) for a cycle of c months; a monthly one
  1 - (1 - p)^c; an annual rate r becomes 1 - exp(-r c / 12).
- Band values pick the person's band; `by_age` and `time_in_state` multiply the per-cycle probability.
- From one state the per-cycle chances of every target (the policy's referral or job start included)
  are laid out in state order as running sums (`cumulative_chances`), and one uniform u picks the first
  target whose running sum exceeds u (`choose_cum`); u beyond the total means staying.
"""

from __future__ import annotations

import math

import numpy as np

from model.scenario.schema import Scenario, TimeInState, Transition


def per_cycle(value: float, kind: str, cycle_months: int) -> float:
    """Convert one chance to a probability per cycle of `cycle_months` months."""
    if kind == "annual":
        return 1.0 - (1.0 - value) ** (cycle_months / 12.0)
    if kind == "monthly":
        return 1.0 - (1.0 - value) ** cycle_months
    if kind == "rate":
        return 1.0 - math.exp(-value * cycle_months / 12.0)
    raise ValueError(f"unknown kind {kind!r}")


def tis_edges(tables: list[TimeInState]) -> np.ndarray:
    """The union of all time-in-state breakpoints (months), always starting at 0."""
    edges = {0}
    for t in tables:
        edges.update(t.months)
    return np.array(sorted(edges), dtype=np.int64)


def tis_ratios(table: TimeInState | None, edges: np.ndarray) -> np.ndarray:
    """A table's multiplier on each global time-in-state segment."""
    if table is None:
        return np.ones(len(edges))
    idx = np.searchsorted(np.array(table.months), edges, side="right") - 1
    return np.array(table.ratio, dtype=float)[idx]


def by_band(value: float | dict, bands: list[str]) -> np.ndarray:
    """One number or a per-band mapping, as an array over bands."""
    if isinstance(value, dict):
        return np.array([float(value[b]) for b in bands])
    return np.full(len(bands), float(value))


def transition_tables(sc: Scenario, states: list[str], age_labels: list[str], edges: np.ndarray, cycle_months: int) -> np.ndarray:
    """P[src, band, age band, tis segment, dst]: per-cycle probability of each scenario transition."""
    bands = sc.population.bands
    S, B, A, T = len(states), len(bands), len(age_labels), len(edges)
    P = np.zeros((S, B, A, T, S))
    for src, targets in sc.transitions.items():
        i = states.index(src)
        for dst, t in targets.items():
            j = states.index(dst)
            P[i, :, :, :, j] = _one_transition(t, bands, age_labels, edges, cycle_months)
    return P


def _one_transition(t: Transition, bands: list[str], ages: list[str], edges: np.ndarray, c: int) -> np.ndarray:
    kind = next(k for k in ("annual", "monthly", "rate") if getattr(t, k) is not None)
    base = np.array([per_cycle(v, kind, c) for v in by_band(getattr(t, kind), bands)])
    age_mult = np.array([float((t.by_age or {}).get(a, 1.0)) for a in ages])
    return base[:, None, None] * age_mult[None, :, None] * tis_ratios(t.time_in_state, edges)[None, None, :]


def cumulative_chances(P: np.ndarray, policy) -> np.ndarray:
    """CUM[src, band, age, tis, variant, dst]: running sums of a person's per-cycle chances.

    The variant adds the policy's moves: 0 none; 1 a referral into the waiting list (for someone the
    referral applies to); 2 + k a job start at service model k's rate (for someone supported). Both
    engines read these tables, so they sum the same numbers in the same order.
    """
    n_models = 0 if policy is None else len(policy.job_p)
    rows = np.repeat(P[:, :, :, :, None, :], 2 + n_models, axis=4)
    if policy is not None:
        rows[:, :, :, :, 1, policy.waiting] += policy.referral_p * policy.referral_from[:, None, None, None]
        for k in range(n_models):
            rows[policy.support, :, :, :, 2 + k, policy.work] += policy.job_p[k][:, None, None]  # by band
    # Column by column, in place: the same additions in the same order as np.cumsum along the last axis (equal bit
    # for bit), a third of its time on these short rows; a PSA compiles a parameter set per draw.
    for j in range(1, rows.shape[-1]):
        rows[..., j] += rows[..., j - 1]
    return rows


def choose_cum(cum: np.ndarray, u: np.ndarray | float):
    """The first target whose running chance exceeds u, or -1 (u beyond the total) to stay."""
    cum = np.asarray(cum)
    hit = np.asarray(u)[..., None] < cum
    return np.where(hit.any(axis=-1), hit.argmax(axis=-1), -1)
