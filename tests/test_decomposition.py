"""The saving split by the policy's levers: Shapley values that add up to the saving of the same runs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from helpers import small
from model import validate_scenario
from model.analysis.compare import compare, pair_metrics
from model.analysis.decomposition import decompose, levers, order_shapley, random_orders, shapley


def _metrics(b, p):
    return pair_metrics(b, p)[1]


def test_two_levers_with_an_interaction_share_it_evenly():
    # Alone, the first saves 1 and the second 2; together 6: the interaction of 3 is split half and half.
    values = {0b00: 0.0, 0b01: 1.0, 0b10: 2.0, 0b11: 6.0}
    assert shapley(values, 2) == pytest.approx([2.5, 3.5])


def test_additive_levers_get_their_own_effect():
    effects = [3.0, -1.0, 7.5]
    values = {m: sum(e for i, e in enumerate(effects) if m >> i & 1) for m in range(8)}
    assert shapley(values, 3) == pytest.approx(effects)


def test_shares_add_up_to_the_whole_and_every_order_is_the_exact_value():
    rng = np.random.default_rng(3)
    n = 4
    values = {m: (0.0 if m == 0 else float(rng.normal(0, 10))) for m in range(1 << n)}
    exact = shapley(values, n)
    assert exact.sum() == pytest.approx(values[(1 << n) - 1], abs=1e-9)
    every = [list(p) for p in itertools.permutations(range(n))]
    assert order_shapley(values, n, every) == pytest.approx(exact)
    sampled = order_shapley(values, n, random_orders(n, 5, seed=1))
    assert sampled.sum() == pytest.approx(values[(1 << n) - 1], abs=1e-9)  # any set of orders adds up exactly


def _pair(**policy_changes):
    base = small(name="base", description="what happens now")
    base["policy"].update(entry_route="day_service", funding={"model": "block"})
    base["policy"]["referral"]["annual"] = 0.1
    base["sources"] = {"a-source": "cited only by the baseline"}
    pol = small(name="policy", description="a new policy")
    pol["policy"].update(policy_changes)
    return validate_scenario(base), validate_scenario(pol)


def test_levers_are_the_policy_values_that_differ_named_in_words():
    base, pol = _pair()
    found = {lv.key: lv.name for lv in levers(base, pol)}
    assert set(found) == {"entry_route", "referral", "funding"}  # not the name, description or sources
    assert found["funding"] == "money follows the person (after 2 months)"
    assert found["entry_route"].startswith("employment first")
    assert levers(base, validate_scenario(dict(base.data, name="same", description="other words"))) == []


INVESTMENT = [{"label": "a team for a year", "cost": 120000, "from": "2024-04", "months": 12}]


def test_the_shares_add_up_to_the_comparison_saving_on_the_same_runs():
    base, pol = _pair(investment=INVESTMENT)
    comp = compare(base, [pol], reps=2, tornado=False, decomposition_runs=2)
    d = comp.decomposition
    assert d is not None and d.method == "exact" and d.subsets == 16 and len(d.seeds) == 2
    headline = comp.runs["npv_saving"].mean()
    assert d.total["npv_saving"] == pytest.approx(headline, rel=1e-9)
    assert d.table["npv_saving"].sum() == pytest.approx(headline, rel=1e-9)
    assert d.table["extra_in_work_final"].sum() == pytest.approx(comp.runs["extra_in_work_final"].mean(), abs=1e-9)
    assert d.table["share_of_saving"].sum() == pytest.approx(1.0)
    assert not any("rebuild" in n for n in comp.notes)
    # Investment changes nobody's path, so it adds the same cost whatever else is on: its share is its own effect.
    inv = d.table.set_index("key").loc["investment"]
    assert inv["npv_saving"] == pytest.approx(inv["npv_saving_alone"], rel=1e-9)
    assert inv["npv_saving"] == pytest.approx(inv["npv_saving_last"], rel=1e-9)
    assert inv["npv_saving"] == pytest.approx(-120000 / 1.035 ** 0, rel=0.05)  # spent in the first year
    summary = comp.summary()["decomposition"]
    assert summary["runs"] == 2 and len(summary["levers"]) == 4


def test_random_orders_stand_in_for_every_order_and_still_add_up():
    base, pol = _pair(investment=INVESTMENT)
    seeds = [11]
    exact = decompose(base, pol, seeds, metrics=_metrics)
    sampled = decompose(base, pol, seeds, metrics=_metrics, exact_up_to=2, orders=3)
    assert sampled.method == "random orders" and sampled.orders == 6
    assert sampled.table["npv_saving"].sum() == pytest.approx(exact.total["npv_saving"], rel=1e-9)
    inv = sampled.table.set_index("key").loc["investment", "npv_saving"]
    assert inv == pytest.approx(exact.table.set_index("key").loc["investment", "npv_saving"], rel=1e-9)


def test_no_levers_no_decomposition():
    base, _ = _pair()
    same = validate_scenario(dict(base.data, name="same"))
    comp = compare(base, [same], reps=1, tornado=False)
    assert comp.decomposition is None and comp.summary()["decomposition"] is None
    base, pol = _pair()
    assert compare(base, [pol], reps=1, tornado=False, decomposition_runs=0).decomposition is None


def test_levers_that_cannot_be_switched_apart_leave_the_comparison_standing_with_a_note():
    base, _ = _pair()
    data = dict(base.data, name="college")
    data["states"] = dict(data["states"], college={"service": "community_day"})  # a new state and a way into it
    data["transitions"] = dict(data["transitions"], day_service={"community_day": {"annual": 0.05},
                                                                 "college": {"annual": 0.1}})
    data["costs"] = dict(data["costs"], states=dict(data["costs"]["states"], college={"weekly": 60}))
    pol = validate_scenario(data)
    comp = compare(base, [pol], reps=1, tornado=False)
    assert comp.decomposition is None and len(comp.runs) == 1
    assert any(n.startswith("The saving cannot be split by lever") and "(the college state)" in n for n in comp.notes)


def test_a_decomposition_past_the_budget_is_left_out_unless_asked(monkeypatch):
    import model.analysis.compare as compare_module

    base, pol = _pair()
    monkeypatch.setattr(compare_module, "DECOMPOSITION_BUDGET", 1000)
    left_out = compare(base, [pol], reps=1, tornado=False)
    assert left_out.decomposition is None
    assert any("not split by lever" in n and "8 subsets" in n for n in left_out.notes)
    asked = compare(base, [pol], reps=1, tornado=False, decomposition_runs=1)
    assert asked.decomposition is not None and not asked.notes
