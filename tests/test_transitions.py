"""Transition rules: conversions to per-cycle chances, band, age and time-in-state effects, choosing a move."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from helpers import small
from model import build_spec, simulate, validate_scenario
from model.compile.transitions import choose_cum, cumulative_chances, per_cycle


def test_per_cycle_conversions_by_hand():
    assert per_cycle(0.43, "annual", 1) == pytest.approx(1 - 0.57 ** (1 / 12))
    assert per_cycle(0.43, "annual", 12) == pytest.approx(0.43)
    assert per_cycle(0.1, "monthly", 1) == pytest.approx(0.1)
    assert per_cycle(0.1, "monthly", 12) == pytest.approx(1 - 0.9 ** 12)
    assert per_cycle(0.5, "rate", 1) == pytest.approx(1 - math.exp(-0.5 / 12))


def test_band_age_and_time_in_state_multiply_the_chance():
    d = small()
    d["transitions"]["day_service"]["community_day"] = {
        "annual": {"low": 0.2, "high": 0.1}, "by_age": {"55+": 0.5},
        "time_in_state": {"months": [0, 12], "ratio": [1.0, 0.25]}}
    spec = build_spec(validate_scenario(d))
    i, j = spec.states.index("day_service"), spec.states.index("community_day")
    base_low, base_high = per_cycle(0.2, "annual", 1), per_cycle(0.1, "annual", 1)
    old, late = spec.cohort.age_labels.index("55+"), int(np.searchsorted(spec.moves.tis_edges, 12))
    assert spec.moves.P[i, 0, 0, 0, j] == pytest.approx(base_low)
    assert spec.moves.P[i, 1, 0, 0, j] == pytest.approx(base_high)
    assert spec.moves.P[i, 0, old, 0, j] == pytest.approx(base_low * 0.5)
    assert spec.moves.P[i, 0, old, late, j] == pytest.approx(base_low * 0.5 * 0.25)


def test_choose_takes_the_first_target_whose_running_chance_exceeds_u():
    cum = np.cumsum([0.0, 0.2, 0.0, 0.3])
    u = np.array([0.0, 0.19, 0.2, 0.49, 0.5, 0.99])
    assert [int(choose_cum(cum, x)) for x in u] == [1, 1, 3, 3, -1, -1]
    assert choose_cum(np.tile(cum, (6, 1)), u).tolist() == [1, 1, 3, 3, -1, -1]


def test_policy_variants_add_the_referral_and_job_start_chances():
    spec = build_spec(validate_scenario(small()))
    pol = spec.policy
    day, wait, sup, work = pol.day, pol.waiting, pol.support, pol.work
    cum = cumulative_chances(spec.moves.P, pol)
    chances = np.diff(cum, axis=-1, prepend=0.0)
    assert np.allclose(chances[day, ..., 0, :], spec.moves.P[day])  # variant 0: no policy move
    assert np.allclose(chances[day, ..., 1, wait], pol.referral_p)  # variant 1: referred
    for k in range(len(pol.job_p)):
        # 2 + k: a job start at model k's rate for the person's band (the band is the first axis after the state)
        assert np.allclose(chances[sup, :, :, :, 2 + k, work], pol.job_p[k][:, None, None])


def test_job_loss_falls_with_tenure():
    d = small(horizon={"years": 6})
    d["population"]["initial"] = [{"state": "paid_work", "count": 2000}]
    d["population"].pop("inflow")
    d["transitions"]["paid_work"] = {"day_service": {
        "annual": 0.3, "time_in_state": {"months": [0, 12], "ratio": [3.0, 0.2]}}}
    people = simulate(validate_scenario(d), seed=1).monthly
    # The initial stock starts at tenure 0: high exits in year 1, low after.
    exits = people["flow_paid_work_to_day_service"]
    assert exits.iloc[:12].sum() > 4 * exits.iloc[12:24].sum()


def test_lifetime_runs_until_everyone_has_left():
    d = small(horizon="lifetime")
    d["population"]["inflow"]["until_year"] = 1
    d["population"]["initial"] = [{"state": "day_service", "count": 40}]
    res = simulate(validate_scenario(d), seed=3)
    last = res.monthly.iloc[-1]
    live = [f"n_{s}" for s in res.spec.states[: res.spec.n_live]]
    assert last[live].sum() == 0
    assert len(res.monthly) < res.spec.calendar.n_cycles + 1
    assert res.summary()["final_counts"]["retired"] > 0


def test_the_running_sums_are_made_from_the_chances_and_not_sent_with_a_spec():
    # a PSA holds and sends a spec per draw: cum (four times P) is made where it is read, never pickled
    spec = build_spec(validate_scenario(small()))
    cum = spec.moves.cum
    assert np.array_equal(cum, cumulative_chances(spec.moves.P, spec.policy))
    back = pickle.loads(pickle.dumps(spec))
    assert "cum" not in vars(back.moves)
    assert np.array_equal(back.moves.cum, cum) and back.moves.cum_shape == cum.shape
