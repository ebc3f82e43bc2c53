"""A PSA's parameter sets: a draw between the extremes checked at loading is compiled without validating the
scenario again, with every rule relating fields still run, and gives what validating it in full gives."""

from __future__ import annotations

import copy
import pickle
import typing

import annotated_types
import numpy as np
import pytest
from pydantic import BaseModel

from helpers import SCENARIOS, small
from model import load_scenario, validate_scenario
from model.analysis import parameter_space, psa_draws
from model.analysis.psa_draws import draw_specs, uncertain_space
from model.compile.spec import tables_only
from model.compile.validate import compiled_between
from model.scenario.problems import ScenarioError
from model.scenario.put import _after_validators
from model.scenario.schema import Scenario


def _in_full(space, values):
    """The draw's scenario validated as a file would be."""
    return validate_scenario(space.data_with(values), space.source)


@pytest.mark.parametrize("name", ["baseline", "essex_live", "community_shift_only"])
def test_a_draw_between_the_checked_extremes_equals_the_draw_validated_in_full(name, monkeypatch):
    sc = load_scenario(SCENARIOS / f"{name}.yaml")
    space = uncertain_space(sc)
    specs, table = draw_specs(sc, 12, seed=7)
    assert specs._between.all()
    monkeypatch.setattr(parameter_space, "validate_numbers_changed", lambda *a: pytest.fail("validated a draw"))
    monkeypatch.setattr(parameter_space, "validate_scenario", lambda *a: pytest.fail("validated a draw"))
    quick = specs[:]
    monkeypatch.undo()
    for k, spec in enumerate(quick):
        values = space.values(table.iloc[k].to_numpy(float))
        full = _in_full(space, values)
        assert pickle.dumps(tables_only(spec)) == pickle.dumps(tables_only(full._compiled))
        assert spec.scenario.model_dump() == full.model_dump() and spec.scenario.data == full.data
        assert spec.scenario.notes == full.notes
        assert [k for k, _ in spec.periods] == [k for k, _ in full._compiled.periods]


def _series_cases() -> dict[str, dict]:
    """Small scenarios whose distributions meet time series in the ways a draw's periods can differ from its means'."""
    back = small()  # a step series back at its first value: the full path's later period is its first period's spec
    back["transitions"]["day_service"]["community_day"]["annual"] = {
        "years": [0, 1, 2], "values": [0.05, {"dist": "beta", "a": 3, "b": 97}, 0.05]}
    even = small()  # a linear series whose points have equal means: one period at the means, several in a draw
    even["policy"]["referral"]["annual"] = {"years": [0, 2], "between": "linear", "values": [
        {"dist": "beta", "a": 30, "b": 70}, {"dist": "beta", "a": 30, "b": 70}]}
    whole = small()  # a whole number given over time beside a distribution
    whole["costs"]["day_centres"]["consultation_months"] = {"years": [0, 1], "values": [2, 3]}
    whole["policy"]["referral"]["annual"] = {"dist": "beta", "a": 30, "b": 70}
    return {"back": back, "even": even, "whole": whole}


@pytest.mark.parametrize("case", ["back", "even", "whole"])
def test_draws_whose_periods_differ_from_the_means_are_compiled_as_validated_in_full(case, monkeypatch):
    sc = validate_scenario(_series_cases()[case], "council.yaml")
    space = uncertain_space(sc)
    specs, table = draw_specs(sc, 6, seed=5)
    monkeypatch.setattr(parameter_space, "validate_numbers_changed", lambda *a: pytest.fail("validated a draw"))
    quick = specs[:]
    monkeypatch.undo()
    assert specs._between.all()
    for k, spec in enumerate(quick):
        full = space.spec_at(table.iloc[k].to_numpy(float))
        assert _period_tables(spec) == _period_tables(full)
        assert len(spec.periods) > (1 if case == "even" else 0)
    # what a worker is sent holds no scenario, even where a later period is the first period's own spec
    sent = tables_only(space.spec_at(table.iloc[0].to_numpy(float)))
    assert all(s.scenario is None for _, s in sent.periods) and all(s._periods is None for _, s in sent.periods[1:])


def _period_tables(spec) -> list:
    """Each period's first cycle and compiled tables, pickled alone (a later period may share the first's arrays)."""
    out = []
    for k, s in spec.periods:
        alone = copy.copy(s)
        object.__setattr__(alone, "scenario", None)
        object.__setattr__(alone, "_periods", None)
        out.append((k, pickle.dumps(alone)))
    return out


def test_a_draw_is_checked_in_the_periods_a_run_meets():
    # two series whose points are drawn: a point with the other series at its first value is a mixture no run meets
    # (loading the scenario checks it; a draw is checked period by period); every period of this draw is valid
    d = small()
    d["costs"]["day_week"] = {"kept_in_work": {"days": [3, 2, 1], "hours": [
        0, {"years": [0, 2], "values": [2, {"dist": "uniform", "low": 5, "high": 10}]},
        {"years": [0, 2], "values": [{"dist": "uniform", "low": 8, "high": 14}, 20]}]}}
    sc = validate_scenario(d, "council.yaml")
    specs = psa_draws.DrawnSpecs(sc, {u.path: np.array([v]) for u, v in zip(sc.uncertain, [9.5, 8.5])}, 1)
    assert [k for k, _ in specs[0].periods] == [0, 24]  # years 0-1: hours 0, 2, 8.5; from year 2: 0, 9.5, 20
    with pytest.raises(ScenarioError, match="strictly increasing"):  # year 2's 9.5 beside year 0's 8.5
        uncertain_space(sc).spec_at([9.5, 8.5])


def _kept_hours(low: float, high: float, second: tuple[float, float]) -> dict:
    """`small` with the first two steps of hours in work kept as drawn: each fine alone and at the extremes
    together, but a high first with a low second is not strictly increasing."""
    d = small()
    d["costs"]["day_week"] = {"kept_in_work": {
        "hours": [0, {"dist": "uniform", "low": low, "high": high},
                  {"dist": "uniform", "low": second[0], "high": second[1]}],
        "days": [3, 2, 1]}}
    return d


def test_a_mixture_of_draws_that_breaks_a_rule_of_the_schema_is_caught_and_named():
    sc = validate_scenario(_kept_hours(5, 14, (10, 20)), "council.yaml")  # the extremes alone and together pass
    specs, table = draw_specs(sc, 200, seed=3)
    assert specs._between.all()
    first, second = (table[c].to_numpy() for c in table.columns)
    bad = int(np.flatnonzero(first >= second)[0])
    specs[:bad]  # the draws before it are fine
    with pytest.raises(ScenarioError) as err:
        specs[bad]
    text = str(err.value)
    assert f"PSA draw {bad} (" in text and "costs.day_week.kept_in_work" in text and "strictly increasing" in text
    with pytest.raises(ScenarioError, match="strictly increasing"):  # and so says validating it in full
        _in_full(uncertain_space(sc), uncertain_space(sc).values(table.iloc[bad].to_numpy(float)))


def test_a_draw_that_breaks_a_rule_between_fields_raises_what_validating_it_in_full_raises():
    # leaving chances that sum past 1, one of them in a time series: a cross-field rule, checked in each period
    sc = load_scenario(SCENARIOS / "essex_live.yaml")
    space = uncertain_space(sc)
    at = space.values([u.mean() for u in sc.uncertain])
    at[("transitions", "day_service", "no_service", "annual")] = 0.6
    at[("transitions", "day_service", "community_day", "annual", "values", 1)] = 0.6
    with pytest.raises(ScenarioError) as quick:
        compiled_between(sc, space.data_with(at), at, space.series, space.source)
    with pytest.raises(ScenarioError) as full:
        _in_full(space, at)
    assert "leaving chances sum to 1.2" in str(quick.value) and "leaving chances sum to 1.2" in str(full.value)
    assert "(from cycle 60)" in str(quick.value)  # the period it breaks in


def test_a_draw_outside_the_checked_extremes_is_validated_in_full(monkeypatch):
    # a calibration's joint sample may put a value beyond the extremes the distribution was checked at: that
    # draw goes through validation; the others do not
    d = small()
    d["policy"]["referral"]["annual"] = {"dist": "uniform", "low": 0.1, "high": 0.3}
    sc = validate_scenario(d, "council.yaml")
    path = sc.uncertain[0].path
    specs = psa_draws.DrawnSpecs(sc, {path: np.array([0.2, 0.35, 0.25])}, 3)
    assert specs._between.tolist() == [True, False, True]
    validated = []
    spec_at = parameter_space.ParameterSpace.spec_at
    monkeypatch.setattr(parameter_space.ParameterSpace, "spec_at",
                        lambda self, x: validated.append(x) or spec_at(self, x))
    assert [s.policy.referral_p for s in specs[:]] == [s.policy.referral_p for s in
                                                       (spec_at(uncertain_space(sc), [v]) for v in (0.2, 0.35, 0.25))]
    assert validated == [[0.35]]


def _schema_models(t, seen: set) -> None:
    if typing.get_origin(t) is typing.Annotated:
        _schema_models(typing.get_args(t)[0], seen)
    elif isinstance(t, type) and issubclass(t, BaseModel):
        if t not in seen:
            seen.add(t)
            for f in t.model_fields.values():
                _schema_models(f.annotation, seen)
    else:
        for a in typing.get_args(t):
            _schema_models(a, seen)


def _constraints(t) -> list:
    out = []
    if typing.get_origin(t) is typing.Annotated:
        for m in typing.get_args(t)[1:]:
            out += list(getattr(m, "metadata", [m]))
    for a in typing.get_args(t):
        out += _constraints(a)
    return out


def test_every_bound_on_a_number_in_the_schema_is_an_interval_and_every_rule_an_after_validator():
    # what lets a draw between two checked extremes skip the schema: a bound that is not an interval (a multiple
    # of, a set of values) could refuse a number between two it allows; a validator of another kind would not run
    models: set = set()
    _schema_models(Scenario, models)
    assert len(models) > 30
    kinds = set()
    for m in models:
        _after_validators(m)  # NotPlain if a model has validators of another kind
        for f in m.model_fields.values():
            kinds |= {type(c) for c in list(f.metadata) + _constraints(f.annotation)
                      if not (hasattr(c, "pattern") and c.pattern)}  # patterns are on names, never on numbers
    bounds = {annotated_types.Ge, annotated_types.Gt, annotated_types.Le, annotated_types.Lt}
    lengths = {annotated_types.MinLen, annotated_types.MaxLen}  # of lists, which a draw does not lengthen
    assert kinds <= bounds | lengths, kinds - bounds - lengths
