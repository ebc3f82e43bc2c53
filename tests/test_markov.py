"""A pure Markov scenario (no policy, no capacity, fixed chances) against its exact matrix solution."""

from __future__ import annotations

import numpy as np

from model import simulate, validate_scenario

P = np.array([  # monthly chances, rows from, columns to: a, b, c
    [0.85, 0.10, 0.05],
    [0.20, 0.70, 0.10],
    [0.05, 0.00, 0.95],
])
N, MONTHS, REPS = 1000, 24, 6


def _markov(cycle: str = "month") -> dict:
    return {
        "name": "markov", "horizon": {"years": MONTHS // 12}, "cycle": cycle, "seed": 100,
        "states": {"a": {}, "b": {}, "c": {}},
        "population": {"bands": ["x"], "band_mix": {"x": 1}, "age_bands": [18, 30], "age_mix": {"18-29": 1},
                       "initial": [{"state": "a", "count": N}]},
        "transitions": {
            "a": {"b": {"monthly": 0.10}, "c": {"monthly": 0.05}},
            "b": {"a": {"monthly": 0.20}, "c": {"monthly": 0.10}},
            "c": {"a": {"monthly": 0.05}},
        },
        "costs": {"no_cost": {s: "a Markov check: costs are not compared" for s in "abc"}},
    }


def test_mean_occupancy_matches_the_matrix_power_within_three_standard_errors():
    sc = validate_scenario(_markov())
    runs = [simulate(sc, seed=s).monthly for s in range(REPS)]
    counts = np.stack([r[["n_a", "n_b", "n_c"]].to_numpy() for r in runs])  # reps, months, states
    mean = counts.mean(axis=0)
    start = np.array([1.0, 0.0, 0.0])
    for t in range(MONTHS):
        p = start @ np.linalg.matrix_power(P, t + 1)
        se = np.sqrt(N * p * (1 - p) / REPS)
        assert np.all(np.abs(mean[t] - N * p) <= 3 * se + 1e-9), (t, mean[t], N * p, se)
    assert (counts.sum(axis=2) == N).all()


def test_yearly_cycle_uses_the_twelfth_power():
    # With a yearly cycle, monthly chances become yearly ones for each move on its own (1-(1-p)^12);
    # here only one move leaves each state in the reduced chain, so the yearly matrix is exact.
    d = _markov("year")
    d["transitions"] = {"a": {"b": {"monthly": 0.10}}, "b": {"a": {"monthly": 0.20}}, "c": {"a": {"monthly": 0.05}}}
    sc = validate_scenario(d)
    runs = [simulate(sc, seed=s).monthly for s in range(REPS * 4)]
    counts = np.stack([r[["n_a", "n_b"]].to_numpy() for r in runs])
    pa, pb = 1 - 0.9 ** 12, 1 - 0.8 ** 12
    Y = np.array([[1 - pa, pa], [pb, 1 - pb]])
    for t in range(2):
        p = np.array([1.0, 0.0]) @ np.linalg.matrix_power(Y, t + 1)
        se = np.sqrt(N * p * (1 - p) / len(runs))
        assert np.all(np.abs(counts.mean(axis=0)[t] - N * p) <= 3 * se + 1e-9)
