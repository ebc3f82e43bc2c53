"""Conservation of people and money, capacity, the waiting list, and money following the person."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import small
from model import ScenarioError, validate_scenario
from model.engine.agents import DayshiftModel
from model.engine.policy import admit
from model.engine.simulate import simulate
from model.compile.spec import build_spec


@pytest.fixture(scope="module")
def run():
    return simulate(validate_scenario(small(horizon={"years": 4})), seed=11)


def _live_and_exits(res):
    spec = res.spec
    live = [f"n_{s}" for s in spec.states[: spec.n_live]]
    exits = [f"n_{s}" for s in spec.states[spec.n_live:]]
    return res.monthly[live].sum(axis=1), res.monthly[exits].sum(axis=1)


def test_everyone_is_somewhere_every_month(run):
    live, exited = _live_and_exits(run)
    created = sum(g.count for g in run.spec.cohort.initial_groups) + run.monthly["inflow"].cumsum()
    assert (live + exited == created).all()


def test_stock_change_is_inflow_minus_exits(run):
    live, _ = _live_and_exits(run)
    m = run.monthly
    exits = m[["exits_retired", "exits_died", "exits_moved_away"]].sum(axis=1)
    start = sum(g.count for g in run.spec.cohort.initial_groups)
    change = live.diff().fillna(live.iloc[0] - start)
    assert (change == m["inflow"] - exits).all()
    for e in ("retired", "died", "moved_away"):
        assert (m[f"n_{e}"] == m[f"exits_{e}"].cumsum()).all()


def test_each_person_in_exactly_one_state_each_month():
    model = DayshiftModel(validate_scenario(small(horizon={"years": 2})), rng=5)
    live = set(range(model.spec.n_live))
    while model.running:
        model.step()
        states = [p.state for p in model.agents]
        assert set(states) <= live
        counts = np.bincount(states, minlength=model.spec.n_live)
        assert [model.record[f"n_{s}"] for s in model.spec.states[: model.spec.n_live]] == counts.tolist()
        ids = [p.pid for p in model.agents] + [r["id"] for r in model.finished]
        assert sorted(ids) == list(range(model.next_id))


def test_months_in_states_add_up_to_time_in_the_model(run):
    p = run.people
    months = p[[c for c in p if c.startswith("months_")]].sum(axis=1)
    end = np.where(p["exit_cycle"] >= 0, p["exit_cycle"], run.spec.calendar.n_cycles)
    assert (months == (end - p["entered_cycle"]) * run.spec.calendar.cycle_months).all()


def test_money_released_is_moved_or_saved_and_budget_is_spent_or_underspent(run):
    m = run.monthly
    pol = run.spec.policy
    assert np.allclose(m["released"], m["moved"] + m["saving"], rtol=0, atol=1e-6)
    assert np.allclose(m["employment_budget"], pol.base_budget + m["moved"], rtol=0, atol=1e-6)
    assert np.allclose(m["employment_spend"] + m["employment_underspend"], m["employment_budget"], rtol=0, atol=1e-6)
    assert (m["employment_underspend"] >= -1e-6).all()
    assert (m["moved"] > 0).any(), "the test scenario should move some money"
    place = sum(m[f"supported_{k}"] * pol.place_cost[i] for i, k in enumerate(pol.model_names))
    assert np.allclose(m["employment_spend"], place)


def test_block_funding_moves_nothing():
    d = small()
    d["policy"]["funding"] = {"model": "block"}
    m = simulate(validate_scenario(d), seed=3).monthly
    assert (m["moved"] == 0).all()
    assert (m["released"] == m["saving"]).all()
    assert (m["released"] > 0).any()


def test_council_cost_is_the_sum_of_people_and_centres(run):
    m, spec = run.monthly, run.spec
    assert np.allclose(m["cost_council"], m[[f"cost_{s}" for s in spec.costs.services]].sum(axis=1))
    people = run.people["cost"].sum()
    centres = (m["day_centre_fixed"] + m["day_centre_double_running"]).sum()
    assert people + centres == pytest.approx(m["cost_council"].sum(), rel=1e-12)
    assert run.people["cost_disc"].sum() + (
        (m["day_centre_fixed"] + m["day_centre_double_running"]) * m["discount_factor"]).sum() == pytest.approx(
        m["cost_council_disc"].sum(), rel=1e-12)


def test_capacity_is_never_exceeded(run):
    m = run.monthly
    for k in run.spec.policy.model_names:
        assert (m[f"supported_{k}"] <= m[f"places_{k}"]).all()
    assert m["queue_length"].max() > 0, "the test scenario should have a waiting list"


def test_waiting_list_is_first_come_first_served():
    model = DayshiftModel(validate_scenario(small(horizon={"years": 3})), rng=2)
    admitted_total = 0
    while model.running:
        model.step()
        m = model.cycle - 1
        admitted = sorted((p.joined_queue, p.pid) for p in model.agents if p.admitted_cycle == m)
        admitted_total += len(admitted)
        if admitted and model.queue:
            assert max(admitted) < min(model.queue), "someone who came later was served first"
    assert admitted_total > 0


def test_admit_serves_in_order_and_fills_the_first_model_first():
    queue = [(3, 9), (1, 5), (1, 2), (2, 7)]
    got = admit(queue, np.array([1.0, 2.0]))
    assert got == [(2, 0), (5, 1), (7, 1)]
    assert queue == [(3, 9)]
    assert admit([(0, 1)], np.array([0.0, 0.0])) == []


def _one_leaver(lag: int, model: str = "money_follows_person") -> dict:
    """One person in day services who is referred, supported and in work by construction."""
    return {
        "name": "one_leaver",
        "start": "2024-04",
        "horizon": {"years": 1},
        "states": {"day_service": {}, "waiting": {}, "supported_employment": {}, "paid_work": {}},
        "population": {"bands": ["only"], "band_mix": {"only": 1}, "wants_work": 1.0,
                       "initial": [{"state": "day_service", "count": 1}]},
        "costs": {"states": {"day_service": {"weekly": 120}},
                  "no_cost": {"waiting": "the test counts only the package", "paid_work": "as waiting"}},
        "policy": {
            "referral": {"annual": 1.0},
            "employment_support": {"budget_per_year": 1300, "service_models": {
                "evidence_based": {"spend_share": 1.0, "job_outcome_rate": 1.0, "cost_per_place_per_year": 1200}}},
            "funding": {"model": model, "lag_months": lag},
        },
    }


@pytest.mark.parametrize("lag", [0, 2, 5])
def test_money_follows_exactly_the_leavers_package_after_the_lag(lag):
    m = simulate(validate_scenario(_one_leaver(lag)), seed=1).monthly
    package = 120 * 52 / 12
    # Referred and admitted in month 0, in work from month 1: the package is freed then, moved `lag` later.
    assert m["job_starts"].tolist()[:2] == [0, 1]
    assert m["released"].tolist() == [0.0] + [package] * 11
    assert m["moved"].tolist() == [0.0] * (1 + lag) + [package] * (11 - lag)
    assert np.allclose(m["employment_budget"], 1300 / 12 + m["moved"])


def test_job_starts_are_counted_by_origin(run):
    m = run.monthly
    origins = [c for c in m if c.startswith("job_starts_from_")]
    assert (m[origins].sum(axis=1) == m["job_starts"]).all()
    assert m["job_starts_from_inflow"].sum() > 0  # employment first
    s = run.summary()
    assert s["job_starts_from_day_service"] == m["job_starts_from_day_service"].sum()


def test_day_centres_close_in_steps_with_double_running():
    d = small(horizon={"years": 4})
    m = simulate(validate_scenario(d), seed=4).monthly
    opened = m["centres_open"].to_numpy()
    assert opened[0] <= 3 and (np.diff(opened) <= 0).all()
    closes = np.flatnonzero(np.diff(np.concatenate([[3], opened])) < 0)
    assert len(closes) > 0, "the test scenario should close a centre"
    fixed = 100000 / 12
    for c in closes:
        assert m["day_centre_double_running"].iloc[c] >= fixed - 1e-6
    assert np.allclose(m["day_centre_fixed"], opened * fixed)


def test_every_states_stock_change_is_its_flows(run):
    """n_s[t] - n_s[t-1] = entrants into s + moves in - moves out - exits from s, from the opening stock."""
    m, spec = run.monthly, run.spec
    live = spec.states[: spec.n_live]
    for s in live:
        before = np.concatenate([[run.initial_counts[s]], m[f"n_{s}"].to_numpy()[:-1]])
        moves_in = sum(m[f"flow_{o}_to_{s}"] for o in live if o != s)
        moves_out = sum(m[f"flow_{s}_to_{o}"] for o in live if o != s)
        change = m[f"n_{s}"] - before
        assert (change == m[f"inflow_to_{s}"] + moves_in - moves_out - m[f"exits_from_{s}"]).all(), s


def test_a_package_moves_once_per_person_and_is_the_leavers_own():
    d = small(horizon={"years": 5})
    d["transitions"]["paid_work"]["day_service"]["annual"] = 0.5  # many return to day services
    model = DayshiftModel(validate_scenario(d), rng=8)
    while model.running:
        model.step()
    df = model.datacollector.get_model_vars_dataframe()
    spec = model.spec
    releases = model.budget.releases()
    rows = model.person_rows()
    bands = {int(i): spec.cohort.bands.index(b) for i, b in zip(rows["id"], rows["band"])}
    assert len(releases) > 20
    for pid, (_, amount) in releases.items():
        assert amount == spec.costs.state_cost[spec.policy.day, bands[pid]]
    for m in range(spec.calendar.n_cycles):
        released = sum(a for c, a in releases.values() if c <= m)
        moved = sum(a for c, a in releases.values() if c + spec.policy.lag_cycles <= m)
        assert df["released"].iloc[m] == pytest.approx(released)
        assert df["moved"].iloc[m] == pytest.approx(moved)
    returners = int((rows["job_starts"] > 1).sum())
    assert returners > 0, "the test should have people who start a job twice"


def test_the_starting_supported_stock_beyond_the_places_waits():
    d = small()
    d["population"]["initial"] = [{"state": "supported_employment", "count": 30},
                                  {"state": "waiting", "count": 5}]
    res = simulate(validate_scenario(d), seed=1)
    pol = res.spec.policy
    places = pol.places(pol.base_budget)
    assert res.initial_counts["supported_employment"] == sum(places)
    assert res.initial_counts["waiting"] == 35 - sum(places)
    first = res.monthly.iloc[0]
    assert first["mean_wait_admitted_months"] == 0.0


def test_the_first_decision_in_a_state_reads_the_first_step_of_time_in_state():
    d = small(horizon={"years": 1})
    d["population"] = {**d["population"], "initial": [{"state": "paid_work", "count": 3000}],
                       "mortality": None, "moving_away_annual": 0.0}
    d["population"].pop("inflow")
    d["population"].pop("mortality")
    d["transitions"]["paid_work"] = {"day_service": {"monthly": 0.2, "time_in_state": {"months": [0, 1], "ratio": [1.0, 0.0]}}}
    d["policy"]["referral"]["annual"] = 0.0
    m = simulate(validate_scenario(d), seed=1).monthly
    # Risk only in the first month of exposure: everyone in work at the start meets it in month 0, once.
    out = m["flow_paid_work_to_day_service"]
    assert 500 < out.iloc[0] < 700 and out.iloc[1:].sum() == 0


def test_personal_budget_uptake_cutoff_by_hand():
    pol = build_spec(validate_scenario(small(policy={**small()["policy"], "personal_budgets": {
        "usable_for_employment": True, "uptake": {"years": [1, 3], "share": [0.1, 0.5]}}}))).policy
    assert pol.pb_share == 0.3
    # flat before the first year, linear between, flat after; cycles are months
    assert [pol.pb_cutoff(c) for c in (0, 12, 24, 36, 60)] == pytest.approx([0.03, 0.03, 0.09, 0.15, 0.15])
    assert build_spec(validate_scenario(small())).policy.pb_cutoff(50) == 0.3  # no uptake given: every holder


def test_personal_budget_uptake_picks_holders_in_order_as_it_grows(monkeypatch):
    """Each referral goes straight into support exactly when the person's uniform is under the cycle's cutoff."""
    pbs = {"usable_for_employment": True, "uptake": {"years": [0, 2], "share": [0.0, 1.0]}}
    spec = build_spec(validate_scenario(small(horizon={"years": 3}, policy={**small()["policy"], "personal_budgets": pbs})))
    seen = []
    refer = DayshiftModel._refer

    def spy(self, p, charge=True):
        state = refer(self, p, charge)
        seen.append((self.cycle, p.personal_budget, p.personal_budget_u, state == self.spec.policy.support))
        return state

    monkeypatch.setattr(DayshiftModel, "_refer", spy)
    model = DayshiftModel(spec, rng=5)
    while model.running:
        model.step()
    holders = [(c, u, straight) for c, pb, u, straight in seen if pb]
    assert not any(straight for c, pb, u, straight in seen if not pb)
    assert len(holders) > 30
    for c, u, straight in holders:
        assert straight == (u < 0.3 * min(1.0, c / 24))
    assert any(s for *_, s in holders) and not all(s for *_, s in holders)


def test_personal_budget_uptake_at_the_ends_matches_all_or_none():
    base = small()["policy"]
    def run(pbs):
        return simulate(validate_scenario(small(horizon={"years": 2}, policy={**base, "personal_budgets": pbs})),
                        seed=3).monthly
    every = run({"usable_for_employment": True, "uptake": {"years": [0], "share": [1.0]}})
    assert every.equals(run({"usable_for_employment": True}))
    none = run({"usable_for_employment": True, "uptake": {"years": [0, 5], "share": [0.0, 0.0]}})
    assert none.drop(columns="proactive_share").equals(run({"usable_for_employment": False}).drop(columns="proactive_share"))
    assert (none["supported_spot"] == 0).all() and (every["supported_spot"] > 0).any()


@pytest.mark.parametrize("leave_monthly, expected", [(0.0, 1.0), (1.0, 0.0)])
def test_retention_at_6_and_12_months_counts_jobs_by_hand(leave_monthly, expected):
    d = _one_leaver(0, model="block")
    d["horizon"] = {"years": 2}
    d["transitions"] = {"paid_work": {"day_service": {"monthly": leave_monthly}}}
    for engine in ("vectorised", "agents"):
        res = simulate(validate_scenario(d), seed=1, engine=engine)
        s, m = res.summary(), res.monthly
        # In work from month 1; kept: its 6th month is cycle 7 and its 12th cycle 13; lost: it never gets there.
        assert s["retention_6_months"] == expected and s["retention_12_months"] == expected
        if expected:
            assert m["jobs_kept_6_months"].tolist()[7] == 1 and m["jobs_kept_12_months"].tolist()[13] == 1


def test_job_outcomes_count_each_person_in_work_once_a_financial_year():
    d = _one_leaver(0, model="block")
    d["horizon"] = {"years": 2}
    d["transitions"] = {"paid_work": {"day_service": {"monthly": 0.0}}}
    for engine in ("vectorised", "agents"):
        res = simulate(validate_scenario(d), seed=1, engine=engine)
        # In work from May 2024 and throughout: one job outcome (kept or gained) in each financial year.
        assert res.summary()["job_outcomes_by_year"] == {"2024-25": 1, "2025-26": 1}
        assert res.monthly["job_outcomes"].tolist()[1] == 1 and res.monthly["job_outcomes"].tolist()[12] == 1


def test_employment_support_priced_by_a_specialists_caseload():
    d = _one_leaver(0, model="block")
    d["policy"]["employment_support"]["service_models"]["evidence_based"] = {
        "spend_share": 1.0, "job_outcome_rate": 1.0,
        "caseload": {"clients_per_specialist": 20, "cost_per_specialist_per_year": 36000}}
    spec = build_spec(validate_scenario(d))
    assert spec.policy.place_cost[0] == pytest.approx(36000 / 20 / 12)  # a place a month
    d["policy"]["employment_support"]["service_models"]["evidence_based"]["cost_per_place_per_year"] = 1800
    with pytest.raises(ScenarioError, match="caseload instead of both"):
        validate_scenario(d)


def test_someone_entering_at_18_is_25_after_seven_years_not_a_month_later():
    # age is the age on entering plus whole months lived: adding a twelfth each month left an entrant at 18 aged
    # 24.9999999999999 after 84 months, so they reached the 25-34 band, and later pension age, a month late
    model = DayshiftModel(validate_scenario(small()), rng=5)
    p = next(iter(model.agents))
    p.entry_age = 18.0
    for _ in range(84):
        p.advance(1)
    assert p.age == 25.0
    assert model.spec.cohort.age_band(p.age) == model.spec.cohort.age_band(25.0)
