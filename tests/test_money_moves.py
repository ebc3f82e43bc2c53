"""Money that moves and binds (issue 15.2): moved money buys places when the budget binds, and what it does not
buy is held, carried forward or returned to day services, by the scenario's rule."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import small
from model import simulate, validate_scenario
from test_engines_agree import assert_same


def _binding(model: str, unspent: str = "held") -> dict:
    """Many referrals and a budget far too small: a waiting list from the first month."""
    d = small(horizon={"years": 6})
    pol = d["policy"]
    pol["entry_route"] = "day_service"
    pol["referral"]["annual"] = 0.6
    pol["employment_support"]["budget_per_year"] = 20000
    pol["funding"] = {"model": model, "lag_months": 0, "unspent": unspent}
    pol["personal_budgets"] = {"usable_for_employment": False}
    return d


def test_moving_money_that_binds_shortens_the_queue_and_gets_more_into_work():
    block = simulate(validate_scenario(_binding("block")), seed=5).monthly
    moved = simulate(validate_scenario(_binding("money_follows_person")), seed=5).monthly
    assert (block["queue_length"] > 0).all()  # the budget binds from the first month
    assert moved["queue_length"].mean() < block["queue_length"].mean()
    assert moved["job_starts"].sum() > block["job_starts"].sum()
    assert moved["admissions"].sum() > block["admissions"].sum()


@pytest.mark.parametrize("unspent", ["held", "carried_forward", "returned_to_day_services"])
def test_the_engines_agree_on_each_rule(unspent):
    assert_same(validate_scenario(_binding("money_follows_person", unspent)), n_cycles=40)


def test_carried_forward_adds_what_was_left_to_the_next_budget():
    d = small(horizon={"years": 3})
    d["policy"]["funding"] = {"model": "money_follows_person", "lag_months": 0, "unspent": "carried_forward"}
    m = simulate(validate_scenario(d), seed=2).monthly
    pol = validate_scenario(d)._compiled.policy
    np.testing.assert_allclose(m["carried_forward"], m["employment_underspend"].clip(lower=0), rtol=1e-9, atol=1e-6)
    expected = pol.base_budget + m["moved"] + m["carried_forward"].shift(1, fill_value=0.0)
    np.testing.assert_allclose(m["employment_budget"], expected, rtol=1e-9, atol=1e-6)
    assert m["carried_forward"].iloc[-1] > m["carried_forward"].iloc[0]


def test_returned_money_is_spent_on_day_services_and_saves_nothing():
    held = simulate(validate_scenario(small(horizon={"years": 3})), seed=2).monthly
    d = small(horizon={"years": 3})
    d["policy"]["funding"]["unspent"] = "returned_to_day_services"
    back = simulate(validate_scenario(d), seed=2).monthly
    assert (back["returned_to_day_services"] > 0).any()
    np.testing.assert_allclose(back["returned_to_day_services"],
                               np.minimum(back["moved"], back["employment_underspend"].clip(lower=0)))
    # The same people and places; the council pays the returned money on top, to day services.
    assert back["job_starts"].tolist() == held["job_starts"].tolist()
    np.testing.assert_allclose(back["cost_council"] - held["cost_council"], back["returned_to_day_services"],
                               rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(back["cost_day_services"] - held["cost_day_services"], back["returned_to_day_services"],
                               rtol=1e-9, atol=1e-6)


def test_investment_falls_in_the_months_it_is_spread_over_by_hand():
    d = small(horizon={"years": 2}, start="2024-04")
    d["policy"]["investment"] = [{"label": "seed funding", "cost": 120000, "from": "2024-06", "months": 12},
                                 {"label": "training", "cost": 5000}]
    sc = validate_scenario(d)
    m = simulate(sc, seed=3).monthly
    expected = np.zeros(24)
    expected[0] += 5000
    expected[2:14] += 10000
    np.testing.assert_allclose(m["investment"], expected)
    without = small(horizon={"years": 2}, start="2024-04")
    base = simulate(validate_scenario(without), seed=3).monthly
    np.testing.assert_allclose(m["cost_council"] - base["cost_council"], expected, atol=1e-6)
    assert_same(sc)


def test_set_up_is_paid_once_for_each_place_filled_for_the_first_time():
    d = _binding("money_follows_person")
    d["policy"]["set_up_per_place"] = 1000
    m = simulate(validate_scenario(d), seed=5).monthly
    filled = m[["supported_evidence_based", "supported_other"]].sum(axis=1)
    most = filled.cummax()
    np.testing.assert_allclose(m["investment"], most.diff().fillna(most.iloc[0]) * 1000)
    assert m["investment"].sum() == pytest.approx(filled.max() * 1000)
    assert_same(validate_scenario(d), n_cycles=30)


def test_an_investment_before_the_start_is_refused():
    d = small(start="2024-04")
    d["policy"]["investment"] = [{"label": "seed", "cost": 1000, "from": "2023-01"}]
    with pytest.raises(Exception, match=r"policy.investment\[0\].from: falls before the scenario starts"):
        validate_scenario(d)


def test_a_centre_under_consultation_costs_its_fixed_costs_before_double_running():
    from model.compile.spec import CentreParams
    from model.engine.policy import CentreClosures

    closures = CentreClosures(CentreParams(count=3, places_each=10, fixed_per_cycle=100.0, close_below=0.8,
                                           double_running_cycles=2, consultation_cycles=3))
    closures.update_and_costs(attendance=15, cycle=5)
    assert closures.open.tolist() == [2]  # one of three closed: 15 < 0.8 x 30 and fits in two centres
    costs = [(float(c[0, 0]), float(c[0, 1])) for c in map(closures.costs, range(4, 12))]
    # cycle 4: three open; 5-7: two open and one under consultation; 8-9: double running; from 10: released.
    assert costs == [(300, 0), (300, 0), (300, 0), (300, 0), (200, 100), (200, 100), (200, 0), (200, 0)]
