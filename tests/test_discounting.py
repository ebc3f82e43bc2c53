"""Costs and discounting against hand calculation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from model import ScenarioError, simulate, validate_scenario
from model.compile.discounting import GREEN_BOOK, cycle_times, discount_factor
from model.engine.kernels import tail_sums


def test_green_book_factors_by_hand():
    assert discount_factor(GREEN_BOOK, 0) == 1.0
    assert discount_factor(GREEN_BOOK, 1) == pytest.approx(1 / 1.035)
    assert discount_factor(GREEN_BOOK, 30) == pytest.approx(1.035 ** -30)
    assert discount_factor(GREEN_BOOK, 31) == pytest.approx(1.035 ** -30 / 1.03)
    assert discount_factor(GREEN_BOOK, 75) == pytest.approx(1.035 ** -30 * 1.03 ** -45)
    assert discount_factor(GREEN_BOOK, 76) == pytest.approx(1.035 ** -30 * 1.03 ** -45 / 1.025)
    assert discount_factor(GREEN_BOOK, 30.5) == pytest.approx(1.035 ** -30 * 1.03 ** -0.5)
    assert discount_factor(((0, 0.05),), 2.25) == pytest.approx(1.05 ** -2.25)


@pytest.mark.parametrize("rate", [0.0, 0.035, 0.10])
def test_a_persons_discounted_stretch_to_rounding(rate):
    """The fast engine adds a stretch of cycles' discounted money as a difference of sums to the horizon: over 120
    years of months at 10% a year the last factors are 1e-5 of the first, and a difference of sums from the start
    would be off by about 1e-9 of a late month's value; sums to the horizon keep it to rounding."""
    df = (1 + rate) ** -(np.arange(1440) / 12.0)
    tail = tail_sums(df[None])[0]
    for a, b in [(0, 1440), (0, 1), (700, 701), (1439, 1440), (1200, 1440), (3, 1000)]:
        assert tail[a] - tail[b] == pytest.approx(math.fsum(df[a:b]), rel=1e-13, abs=0)


def test_cycle_times_conventions():
    assert cycle_times(14, 1, "annual").tolist() == [0] * 12 + [1, 1]
    assert cycle_times(2, 1, "start").tolist() == pytest.approx([0, 1 / 12])
    assert cycle_times(2, 1, "middle").tolist() == pytest.approx([0.5 / 12, 1.5 / 12])
    assert cycle_times(2, 12, "end").tolist() == pytest.approx([1, 2])


def _constant(timing: str, discounting: dict, cycle: str = "month", years: int = 3) -> dict:
    """Ten people in one state that costs GBP 100 a week, for `years` years, nothing else happening."""
    return {
        "name": "constant", "horizon": {"years": years}, "cycle": cycle,
        "states": {"day_service": {}},
        "population": {"bands": ["b"], "band_mix": {"b": 1}, "age_bands": [18, 30], "age_mix": {"18-29": 1},
                       "initial": [{"state": "day_service", "count": 10}]},
        "costs": {"weeks_per_year": 52, "states": {"day_service": {"weekly": 100}}},
        "outcome_weights": {"day_service": 0.5},
        "discounting": {**discounting, "timing": timing},
    }


def test_scenario_costs_and_green_book_discounting_by_hand():
    res = simulate(validate_scenario(_constant("annual", {"costs": "green_book", "outcomes": "green_book"})))
    year = 10 * 100 * 52
    s = res.summary()
    assert s["cost_total_undiscounted"] == pytest.approx(3 * year)
    assert s["cost_total_discounted"] == pytest.approx(year * (1 + 1 / 1.035 + 1 / 1.035 ** 2))
    assert s["outcomes_total_discounted"] == pytest.approx(10 * 0.5 * (1 + 1 / 1.035 + 1 / 1.035 ** 2))
    assert res.monthly["cost_council"].iloc[0] == pytest.approx(10 * 100 * 52 / 12)


def test_costs_and_outcomes_discounted_separately_mid_cycle():
    d = {"costs": {"rate": 0.05}, "outcomes": {"rate": 0.015}}
    res = simulate(validate_scenario(_constant("middle", d, years=2)))
    month = 10 * 100 * 52 / 12
    want_cost = sum(month * 1.05 ** -((m + 0.5) / 12) for m in range(24))
    want_out = sum(10 * 0.5 / 12 * 1.015 ** -((m + 0.5) / 12) for m in range(24))
    s = res.summary()
    assert s["cost_total_discounted"] == pytest.approx(want_cost, rel=1e-12)
    assert s["outcomes_total_discounted"] == pytest.approx(want_out, rel=1e-12)


def test_yearly_cycle_costs_a_year_per_cycle():
    res = simulate(validate_scenario(_constant("end", {"costs": {"rate": 0.035}}, cycle="year")))
    assert len(res.monthly) == 3
    assert res.summary()["cost_total_discounted"] == pytest.approx(
        sum(52000 * 1.035 ** -(y + 1) for y in range(3)))


def test_no_discounting():
    res = simulate(validate_scenario(_constant("annual", {"costs": "none", "outcomes": "none"})))
    s = res.summary()
    assert s["cost_total_discounted"] == pytest.approx(s["cost_total_undiscounted"])


def test_step_costs_by_time_in_state_by_hand():
    d = _constant("annual", {"costs": "none"}, years=1)
    d["costs"]["states"]["day_service"]["time_in_state"] = {"months": [0, 3], "ratio": [1.0, 0.5]}
    m = simulate(validate_scenario(d)).monthly
    month = 10 * 100 * 52 / 12
    assert m["cost_council"].tolist() == pytest.approx([month] * 3 + [month / 2] * 9)


def test_job_coach_hours_by_band_and_time_in_state_by_hand():
    """In-work support priced by job-coach hours: 4 hours a week at GBP 37.50 for band a, 8 for band b,
    halving after 3 months in the state."""
    d = _constant("annual", {"costs": "none"}, years=1)
    d["population"]["bands"], d["population"]["band_mix"] = ["a", "b"], {"a": 0.5, "b": 0.5}
    d["population"]["initial"] = [{"state": "day_service", "count": 1, "band_mix": {"a": 1}},
                                  {"state": "day_service", "count": 1, "band_mix": {"b": 1}}]
    d["costs"]["states"]["day_service"] = {"job_coach": {"hours_per_week": {"a": 4, "b": 8}, "cost_per_hour": 37.5},
                                           "time_in_state": {"months": [0, 3], "ratio": [1.0, 0.5]}}
    m = simulate(validate_scenario(d)).monthly
    month = (4 + 8) * 37.5 * 52 / 12
    assert m["cost_council"].tolist() == pytest.approx([month] * 3 + [month / 2] * 9)


def test_a_state_is_priced_one_way():
    d = _constant("annual", {"costs": "none"}, years=1)
    d["costs"]["states"]["day_service"]["job_coach"] = {"hours_per_week": 4, "cost_per_hour": 37.5}
    with pytest.raises(ScenarioError, match="exactly one of weekly, monthly, yearly or job_coach"):
        validate_scenario(d)


def test_budget_shift_by_hand():
    """Ten in day services at GBP 100 a week, halving after a year in the service, and ten in work at GBP 50:
    reactive spend per month falls from 4,333 to 2,167, a third of the starting 6,500."""
    d = _constant("annual", {"costs": "none"}, years=3)
    d["start"] = "2024-04"
    d["states"] = {"day_service": {"service": "day"}, "paid_work": {"service": "work"}}
    d["services"] = {"day": {"kind": "reactive"}, "work": {"kind": "proactive"}}
    d["population"]["initial"].append({"state": "paid_work", "count": 10})
    d["costs"]["states"]["day_service"]["time_in_state"] = {"months": [0, 12], "ratio": [1.0, 0.5]}
    d["costs"]["states"]["paid_work"] = {"weekly": 50}
    res = simulate(validate_scenario(d))
    y = res.yearly
    assert y["fiscal_year"].tolist() == ["2024-25", "2025-26", "2026-27"]
    assert y["budget_shift"].tolist() == pytest.approx([0.0, 1 / 3, 1 / 3], abs=1e-12)
    assert y["proactive_share"].tolist() == pytest.approx([1 / 3, 0.5, 0.5])
    assert res.summary()["budget_shift_by_year"]["2025-26"] == pytest.approx(1 / 3)
    # Years cut short are measured per month: from January, 2024-25 has three halved months in twelve.
    d["start"], d["horizon"] = "2024-01", {"years": 2}
    y = simulate(validate_scenario(d)).yearly
    assert y["months"].tolist() == [3, 12, 9]
    assert y["budget_shift"].tolist() == pytest.approx([0.0, 1 / 12, 1 / 3], abs=1e-12)


def test_outcome_weights_by_band_by_hand():
    d = _constant("annual", {"costs": "none", "outcomes": "none"}, years=1)
    d["population"]["bands"], d["population"]["band_mix"] = ["a", "b"], {"a": 0.5, "b": 0.5}
    d["population"]["initial"] = [{"state": "day_service", "count": 3, "band_mix": {"a": 1}},
                                  {"state": "day_service", "count": 1, "band_mix": {"b": 1}}]
    d["outcome_weights"] = {"day_service": {"a": 0.8, "b": 0.4}}  # e.g. utilities by need
    res = simulate(validate_scenario(d))
    assert res.summary()["outcomes_total_discounted"] == pytest.approx(3 * 0.8 + 1 * 0.4)
    from test_engines_agree import assert_same
    assert_same(validate_scenario(d))


def test_outcome_weights_by_time_in_state_by_hand():
    d = _constant("annual", {"costs": "none", "outcomes": "none"}, years=1)
    d["outcome_weights"] = {"day_service": 0.9}
    d["outcome_time_in_state"] = {"day_service": {"months": [0, 4], "ratio": [1.0, 0.5]}}  # worse after 4 months
    res = simulate(validate_scenario(d))
    assert res.monthly["outcomes"].tolist() == pytest.approx([10 * 0.9 / 12] * 4 + [10 * 0.45 / 12] * 8)
    from test_engines_agree import assert_same
    assert_same(validate_scenario(d))
