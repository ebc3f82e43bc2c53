"""Numbers that change over time (issue 14.6): series by projection or financial year, steps or linear,
compiled as periods that both engines switch to."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from helpers import small
from model import ScenarioError, simulate, simulate_draws, validate_scenario
from model.analysis.psa_draws import draw_specs
from test_engines_agree import assert_same

WEEKS = 52 / 12  # weeks in a month at the default 52 weeks a year


def one_person(weekly, start: str = "2024-01", cycle: str = "month", years: int = 3) -> dict:
    """One person in day services for the whole run: nothing happens but their cost."""
    return {"name": "one", "start": start, "cycle": cycle, "horizon": {"years": years}, "states": {"day_service": {}},
            "population": {"bands": ["all"], "band_mix": {"all": 1}, "initial": [{"state": "day_service", "count": 1}],
                           "moving_away_annual": 0},
            "costs": {"states": {"day_service": {"weekly": weekly}}}}


def _tables(spec) -> dict:
    out = {}
    for part in ("exits", "moves", "costs", "policy", "centres", "discount"):
        value = getattr(spec, part)
        for f in dataclasses.fields(value) if value is not None else ():
            if not dataclasses.is_dataclass(getattr(value, f.name)):  # moves.policy is compared as the policy
                out[f"{part}.{f.name}"] = getattr(value, f.name)
    out["moves.cum"] = spec.moves.cum  # what the engines read, made from moves.P and the policy
    return out


def assert_same_tables(a, b) -> None:
    ta, tb = _tables(a), _tables(b)
    assert ta.keys() == tb.keys()
    for k in ta:
        if isinstance(ta[k], np.ndarray):
            assert np.array_equal(ta[k], tb[k]), k
        else:
            assert ta[k] == tb[k], k


def with_value(path: tuple, value, **changes) -> dict:
    d = small(**changes)
    node = d
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return d


REFERRAL = ("policy", "referral", "annual")
BUDGET = ("policy", "employment_support", "budget_per_year")
PUSH = ("transitions", "day_service", "community_day", "annual")


@pytest.mark.parametrize("path, plain", [(REFERRAL, 0.4), (BUDGET, 45000.0), (PUSH, 0.07),
                                         (("costs", "states", "day_service", "weekly", "low"), 130.0)])
@pytest.mark.parametrize("when", [{"years": [0]}, {"years": [3]}, {"calendar_years": [2030]}])
def test_a_series_of_one_value_is_the_plain_number(path, plain, when):
    series = validate_scenario(with_value(path, {**when, "values": [plain]}))
    number = validate_scenario(with_value(path, plain))
    spec = series._compiled
    assert len(spec.periods) == 1 and spec.periods[0] == (0, spec)
    assert_same_tables(spec, number._compiled)
    a, b = simulate(series), simulate(number)
    assert a.monthly.equals(b.monthly)


def test_scenarios_without_series_have_one_period():
    spec = validate_scenario(small())._compiled
    assert spec.periods == ((0, spec),)


def test_a_four_year_push_moves_people_in_its_years_only():
    push = validate_scenario(with_value(PUSH, {"years": [0, 4], "values": [0.3, 0.05]}, horizon={"years": 6}))
    high = validate_scenario(with_value(PUSH, 0.3, horizon={"years": 6}))
    low = validate_scenario(with_value(PUSH, 0.05, horizon={"years": 6}))
    (k0, first), (k1, second) = push._compiled.periods
    assert (k0, k1) == (0, 48)
    assert_same_tables(first, high._compiled)
    assert_same_tables(second, low._compiled)
    run, run_high = simulate(push, seed=3), simulate(high, seed=3)
    assert run.monthly.iloc[:48].equals(run_high.monthly.iloc[:48])  # years 1-4: the push, exactly
    flow = "flow_day_service_to_community_day"
    per_person = (run.monthly[flow] / run.monthly["n_day_service"].shift(1, fill_value=170)).groupby(run.monthly["year"]).mean()
    assert per_person.iloc[:4].min() > 2 * per_person.iloc[4:].max()


def test_a_stepped_weekly_cost_changes_the_monthly_cost_at_the_step():
    run = simulate(validate_scenario(one_person({"years": [0, 2], "values": [100, 150]})))
    assert run.monthly["cost_council"].tolist() == [100 * 52 / 12] * 24 + [150 * 52 / 12] * 12
    # By financial year: a year already begun before the start holds from the start; April 2024 is month 3.
    run = simulate(validate_scenario(one_person({"calendar_years": [2023, 2024], "values": [100, 200]})))
    assert run.monthly["cost_council"].tolist() == [100 * 52 / 12] * 3 + [200 * 52 / 12] * 33
    # Yearly cycles: a change takes effect from the first cycle starting on or after it (April 2024 -> cycle 1).
    run = simulate(validate_scenario(one_person({"calendar_years": [2023, 2024], "values": [100, 200]}, cycle="year")))
    assert run.monthly["cost_council"].tolist() == [100 * 52, 200 * 52, 200 * 52]


def test_linear_between_points_by_hand():
    run = simulate(validate_scenario(one_person({"years": [1, 5], "values": [100, 300], "between": "linear"},
                                                years=7)))
    by_year = run.monthly.groupby("year")["cost_council"]
    assert by_year.nunique().max() == 1  # each projection year holds its value at the year's start
    weekly = by_year.first() / WEEKS
    np.testing.assert_allclose(weekly.to_numpy(), [100, 100, 150, 200, 250, 300, 300], rtol=1e-12)
    # Financial years from a start in January: each financial year (from April) takes its value.
    run = simulate(validate_scenario(one_person({"calendar_years": [2024, 2026], "values": [100, 200],
                                                 "between": "linear"})))
    weekly = run.monthly["cost_council"].to_numpy() / WEEKS
    np.testing.assert_allclose(weekly, [100] * 15 + [150] * 12 + [200] * 9, rtol=1e-12)


def test_the_budget_by_financial_year_linear():
    d = with_value(BUDGET, {"calendar_years": [2020, 2025], "values": [50000, 150000], "between": "linear"})
    d["policy"]["funding"] = {"model": "block", "lag_months": 0}
    run = simulate(validate_scenario(d))  # starts 2024-04: financial years 2024-25, 2025-26, 2026-27
    budget = run.monthly.groupby("fiscal_year")["employment_budget"].agg(["min", "max"]) * 12
    np.testing.assert_allclose(budget["min"], [130000, 150000, 150000])
    np.testing.assert_allclose(budget["max"], [130000, 150000, 150000])


def test_both_engines_agree_with_series():
    d = small(horizon={"years": 5})
    d["transitions"]["day_service"]["community_day"] = {"annual": {"years": [0, 2], "values": [0.3, 0.05]}}
    d["transitions"]["paid_work"]["no_service"] = {"rate": {"calendar_years": [2025, 2027], "values": [0.02, 0.2],
                                                           "between": "linear"}}
    pol = d["policy"]
    pol["employment_support"]["budget_per_year"] = {"years": [1, 3], "values": [30000, 90000]}
    pol["employment_support"]["service_models"]["other"]["job_outcome_rate"] = {"years": [0, 2], "values": [0.4, 0.8]}
    pol["referral"]["annual"] = {"years": [1], "values": [0.2]}
    d["costs"]["states"]["day_service"]["weekly"]["low"] = {"years": [0, 3], "values": [120, 60]}
    d["costs"]["day_centres"]["fixed_per_year"] = {"years": [0, 2], "values": [100000, 300000]}
    d["costs"]["day_week"] = {"days": {"years": [0, 1], "values": [5, 3]}, "kept_waiting": 2,
                              "kept_in_work": {"hours": [0, 16], "days": [{"years": [0, 2], "values": [2, 1]}, 0]}}
    d["public_purse"]["benefits_weekly"]["paid_work"] = {"years": [2], "values": [40]}
    d["population"]["wants_work"]["high"] = {"years": [0, 1], "values": [0.4, 0.9]}
    sc = validate_scenario(d)
    assert len(sc._compiled.periods) > 3
    assert_same(sc)
    assert_same(sc, n_cycles=80)  # a longer run keeps its periods


def test_entrants_a_year_change_over_time():
    """18 a year for two years, then 30 (from month 24), then none after year 4: the running total by hand."""
    d = with_value(("population", "inflow", "per_year"), {"years": [0, 2, 4], "values": [18, 30, 0]},
                   horizon={"years": 5})
    sc = validate_scenario(d)
    inflow = sc._compiled.cohort.inflow
    expected = np.diff(np.floor(np.round([18 * min(m, 24) / 12 + 30 * max(0, min(m, 48) - 24) / 12
                                          for m in range(61)], 9)))
    assert inflow.tolist() == expected.astype(int).tolist()
    assert all(s.cohort.inflow is inflow or np.array_equal(s.cohort.inflow, inflow) for _, s in sc._compiled.periods)
    assert_same(sc)
    assert simulate(sc, seed=2).monthly["inflow"].sum() == 18 * 2 + 30 * 2


def test_entrants_wanting_work_change_over_time():
    """Who of the entrants wants work follows the period they enter in (the fast engine makes entrants ahead, up
    to the next period): from year 2 every low-band entrant, none before."""
    d = with_value(("population", "wants_work", "low"), {"years": [0, 2], "values": [0.0, 1.0]}, horizon={"years": 4})
    d["population"]["wants_work"]["high"] = 0.0
    sc = validate_scenario(d)
    assert_same(sc)
    people = simulate(sc, seed=1).people
    entrants = people[(people.entered_cycle > 0) & (people.band == "low")]
    assert entrants.wants_work.tolist() == (entrants.entered_cycle >= 24).tolist()
    assert 0 < (entrants.entered_cycle >= 24).sum() < len(entrants)


def test_psa_draws_of_a_series_share_its_periods():
    d = with_value(REFERRAL, {"years": [0, 2], "values": [{"dist": "beta", "a": 5, "b": 5}, 0.1]})
    d["policy"]["employment_support"]["budget_per_year"] = {"dist": "uniform", "low": 20000, "high": 40000}
    sc = validate_scenario(d)
    specs, table = draw_specs(sc, 3, seed=1)
    assert "policy.referral.annual.values.0" in table.columns
    assert all([k for k, _ in s.periods] == [0, 24] for s in specs)
    assert len({s.policy.referral_p for s in specs}) == 3
    assert len({s.periods[1][1].policy.referral_p for s in specs}) == 1
    together = simulate_draws(specs, seed=4)
    for spec, res in zip(specs, together):
        alone = simulate(spec, seed=4)
        assert res.monthly["referrals"].tolist() == alone.monthly["referrals"].tolist()
        np.testing.assert_allclose(res.monthly["cost_council"], alone.monthly["cost_council"], rtol=1e-9)


def test_a_spec_with_periods_pickles():
    spec = validate_scenario(with_value(REFERRAL, {"years": [0, 2], "values": [0.4, 0.1]}))._compiled
    again = pickle.loads(pickle.dumps(spec))
    assert [k for k, _ in again.periods] == [0, 24]
    assert again.periods[1][1].policy.referral_p == spec.periods[1][1].policy.referral_p


@pytest.mark.parametrize("path, value, where, says", [
    (REFERRAL, {"years": [2, 0], "values": [0.1, 0.2]}, "policy.referral.annual", "years must be strictly increasing"),
    (REFERRAL, {"years": [0, 2], "values": [0.1]}, "policy.referral.annual", "same length"),
    (REFERRAL, {"years": [0, 2], "values": [0.1, 0.2], "between": "smooth"}, "policy.referral.annual", "steps"),
    (REFERRAL, {"years": [0], "calendar_years": [2025], "values": [0.1]}, "policy.referral.annual", "exactly one of"),
    (REFERRAL, {"years": [0], "values": [0.1], "from": 3}, "policy.referral.annual", "unknown key 'from'"),
    (REFERRAL, {"years": [0], "values": [{"low": 0.1}]}, "policy.referral.annual", "a series per band"),
    (REFERRAL, {"years": [0, 3], "values": [0.1, 1.5]}, "policy.referral.annual", "value for year 3 (1.5) is not allowed"),
    (PUSH, {"calendar_years": [2024, 2026], "values": [0.1, 1.5]}, PUSH[0] + "." + ".".join(PUSH[1:]),
     "financial year 2026-27"),
    (("population", "inflow", "age"), {"years": [0, 2], "values": [18, 30]}, "population.inflow.age",
     "cannot change over time"),
    (("population", "inflow", "per_year"), {"years": [0, 2], "values": [18, {"dist": "uniform", "low": 20, "high": 30}]},
     "population.inflow.per_year.values[1]", "cannot be a distribution"),
    (("population", "initial", 0, "count"), {"years": [0, 2], "values": [18, 30]}, "population.initial[0].count",
     "cannot change over time"),
    (("costs", "day_centres", "count"), {"years": [0, 2], "values": [3, 1]}, "costs.day_centres.count",
     "cannot change over time"),
    (("discounting",), {"costs": {"rate": {"years": [0, 2], "values": [0.03, 0.01]}}}, "discounting.costs.rate",
     "cannot change over time"),
    (REFERRAL, {"years": [0, {"dist": "uniform", "low": 1, "high": 2}], "values": [0.1, 0.2]},
     "policy.referral.annual.years[1]", "cannot be a distribution"),
])
def test_a_bad_series_is_a_scenario_error(path, value, where, says):
    with pytest.raises(ScenarioError) as info:
        validate_scenario(with_value(path, value))
    text = str(info.value)
    assert where in text and says in text, text


def test_values_that_break_a_rule_together_in_one_period_only():
    d = small(cycle="year")  # yearly cycles: the chances add up as given (with the referral's 0.5)
    d["transitions"]["day_service"]["community_day"] = {"annual": {"years": [0, 2], "values": [0.1, 0.3]}}
    d["transitions"]["day_service"]["no_service"] = {"annual": {"years": [0, 1], "values": [0.1, 0.3]}}
    with pytest.raises(ScenarioError, match=r"from cycle 2 .*at most 1"):
        validate_scenario(d)


def test_the_editors_schema_accepts_series():
    import jsonschema

    from model.scenario.json_schema import json_schema

    schema = json_schema()
    d = with_value(REFERRAL, {"years": [0, 2], "values": [{"dist": "beta", "a": 5, "b": 5}, 0.1]})
    d["policy"]["employment_support"]["budget_per_year"] = {"calendar_years": [2020, 2025], "values": [5e4, 1.5e5],
                                                            "between": "linear"}
    jsonschema.validate(d, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(with_value(REFERRAL, {"years": [0, 2], "vals": [0.1, 0.2]}), schema)
