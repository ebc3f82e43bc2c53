"""A published decision model reproduced: Chancellor et al. (1997), zidovudine monotherapy against lamivudine
and zidovudine combination therapy for HIV, as DMHEE (Briggs, Claxton and Sculpher 2006) and heemod's
reproduction vignette set it out, written as two scenarios in tests/scenarios/ and run by `compare`.

The exact cohort values come from the Markov trace: transitions at the start of each year, costs and
life-years counted on the state after them, costs discounted at 6% from the first year. dayshift's
per-person means must fall within 2 Monte Carlo standard errors of them."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import ROOT
from model import load_scenario
from model.analysis.compare import compare

RR, YEARS, LAMIVUDINE = 0.509, 20, 2086.5
MONO = np.array([[1251 / 1734, 350 / 1734, 116 / 1734, 17 / 1734],
                 [0, 731 / 1258, 512 / 1258, 15 / 1258],
                 [0, 0, 1312 / 1749, 437 / 1749],
                 [0, 0, 0, 1.0]])
COSTS = np.array([2756 + 2278, 3052 + 2278, 9007 + 2278, 0.0])


def _combination(year: int) -> np.ndarray:
    if year >= 2:
        return MONO
    p = MONO * RR
    np.fill_diagonal(p, 0.0)
    p[3, 3] = 0.0
    p[np.diag_indices(4)] = 1 - p.sum(axis=1)
    return p


def exact(combination: bool) -> tuple[float, float]:
    """Discounted cost and life-years per person of the cohort model."""
    state, cost, years = np.array([1.0, 0, 0, 0]), 0.0, 0.0
    for k in range(YEARS):
        state = state @ (_combination(k) if combination else MONO)
        drug = LAMIVUDINE * (state[:3].sum()) if combination and k < 2 else 0.0
        cost += (state @ COSTS + drug) / 1.06 ** (k + 1)
        years += state[:3].sum()
    return cost, years


@pytest.fixture(scope="module")
def result():
    mono = load_scenario(ROOT / "tests" / "scenarios" / "hiv_monotherapy.yaml")
    comb = load_scenario(ROOT / "tests" / "scenarios" / "hiv_combination.yaml")
    return compare(mono, [comb], reps=1, tornado=False).summary()["cost_effectiveness"]["first_run_per_person"]


def test_the_cohort_values_are_the_published_models():
    # DMHEE's results for this model: about GBP 44,663 and 7.991 life-years under monotherapy (undiscounted
    # life-years), and an ICER of about GBP 6,276 per life-year gained; the trace reproduces them.
    (c0, e0), (c1, e1) = exact(False), exact(True)
    assert c0 == pytest.approx(44663, rel=0.002) and e0 == pytest.approx(7.991, abs=0.01)
    assert (c1 - c0) / (e1 - e0) == pytest.approx(6276, rel=0.01)


@pytest.mark.parametrize("name, combination", [("baseline", False), ("policy", True)])
def test_dayshift_reproduces_each_strategy_within_2_mcse(result, name, combination):
    cost, years = exact(combination)
    got_cost, got_years = result[f"cost_{name}"], result[f"outcome_{name}"]
    assert abs(got_cost["mean"] - cost) <= 2 * got_cost["mcse"], (got_cost, cost)
    assert abs(got_years["mean"] - years) <= 2 * got_years["mcse"], (got_years, years)


def test_dayshift_reproduces_the_increments_within_2_mcse(result):
    (c0, e0), (c1, e1) = exact(False), exact(True)
    d_cost, d_years = result["incremental_cost"], result["incremental_outcome"]
    assert abs(d_cost["mean"] - (c1 - c0)) <= 2 * d_cost["mcse"]
    assert abs(d_years["mean"] - (e1 - e0)) <= 2 * d_years["mcse"]
    assert result["icer"] == pytest.approx((c1 - c0) / (e1 - e0), rel=0.15)


def test_pension_age_can_be_switched_off():
    from helpers import small
    from model import simulate, validate_scenario

    d = small(horizon={"years": 3})
    d["population"]["age_bands"] = [60, 65]
    d["population"]["state_pension_age"] = 66
    d["population"].pop("mortality")
    d["population"]["moving_away_annual"] = 0
    d["population"].pop("inflow")
    leave = simulate(validate_scenario(d), seed=1).monthly
    d["population"]["leave_at_pension_age"] = False
    stay = simulate(validate_scenario(d), seed=1).monthly
    assert leave["exits_retired"].sum() > 0
    assert stay["exits_retired"].sum() == 0 and stay[[c for c in stay if c.startswith("exits_")]].sum().sum() == 0
    from test_engines_agree import assert_same
    assert_same(validate_scenario(d))


def _exact_points(weights_start: float, weights_end: np.ndarray) -> tuple[float, float]:
    """Monotherapy's discounted cost and life-years per person with within-cycle weights on the points."""
    state = np.array([1.0, 0, 0, 0])
    cost, years = weights_start * (state @ COSTS), weights_start * state[:3].sum()
    for k in range(YEARS):
        state = state @ MONO
        cost += weights_end[k] * (state @ COSTS) / 1.06 ** (k + 1)
        years += weights_end[k] * state[:3].sum()
    return cost, years


@pytest.mark.parametrize("method, count_start", [("half_cycle", False), ("simpson", False), ("none", True)])
def test_within_cycle_corrections_and_the_start_state_against_the_cohort(method, count_start):
    import copy

    from model import validate_scenario
    from model.compile.discounting import within_cycle_weights

    sc = load_scenario(ROOT / "tests" / "scenarios" / "hiv_monotherapy.yaml")
    data = copy.deepcopy(sc.data)
    data["discounting"].update(within_cycle=method, count_start=count_start)
    scenario = validate_scenario(data)
    got = compare(scenario, [scenario], reps=1, tornado=False).summary()["cost_effectiveness"]["first_run_per_person"]
    cost, years = _exact_points(*within_cycle_weights(method, count_start, YEARS))
    assert abs(got["cost_baseline"]["mean"] - cost) <= 2 * got["cost_baseline"]["mcse"]
    assert abs(got["outcome_baseline"]["mean"] - years) <= 2 * got["outcome_baseline"]["mcse"]
    if method == "simpson":  # the rule itself: 1, 4, 2, ..., 4, 1 over 3
        start, ends = within_cycle_weights(method, False, 4)
        assert [start, *ends] == pytest.approx([1 / 3, 4 / 3, 2 / 3, 4 / 3, 1 / 3])


def test_the_engines_agree_with_a_within_cycle_correction():
    from helpers import small
    from model import validate_scenario
    from test_engines_agree import assert_same

    d = small(horizon={"years": 2})
    d["discounting"] = {"within_cycle": "trapezoid"}
    assert_same(validate_scenario(d))
    d["discounting"] = {"within_cycle": "none", "count_start": True}
    assert_same(validate_scenario(d))


def test_a_death_state_is_absorbing_costs_nothing_and_counts_as_deaths():
    from model import simulate

    sc = load_scenario(ROOT / "tests" / "scenarios" / "hiv_monotherapy.yaml")
    res = simulate(sc, seed=3)
    s = res.summary()
    assert s["deaths_total"] == s["final_counts"]["D"] > 0
    assert (res.monthly["n_D"].diff().dropna() >= 0).all()  # nobody leaves it


def test_a_decision_models_headline_speaks_of_costs_outcomes_and_the_icer():
    mono = load_scenario(ROOT / "tests" / "scenarios" / "hiv_monotherapy.yaml")
    comb = load_scenario(ROOT / "tests" / "scenarios" / "hiv_combination.yaml")
    text = compare(mono, [comb], reps=2, tornado=False).headline()
    assert text.startswith("Per person, hiv_combination costs £") and "(ICER)" in text and "paid work" not in text
