"""Comparing policies: paired runs, replications, PSA, the summary and the report."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import numpy as np
import pytest

from helpers import SCENARIOS, small, write_yaml
from model import validate_scenario
from model.cli import main
from model.analysis.compare import compare
from model.analysis.psa_draws import collector_paused
from model.compile.spec import compiled
from model.scenario.problems import ScenarioError


def _pair():
    base = small(name="base", horizon={"years": 3})
    base["policy"]["entry_route"] = "day_service"
    base["policy"]["referral"]["annual"] = 0.1
    base["policy"]["funding"] = {"model": "block"}
    pol = small(name="policy", horizon={"years": 3})
    return base, pol


def _uncertain_pair():
    """`_pair` with the same distribution on a chance of leaving supported employment in both, for a PSA."""
    base, pol = _pair()
    for d in (base, pol):
        d["transitions"]["supported_employment"]["day_service"]["annual"] = {"dist": "beta", "a": 20, "b": 80}
    return base, pol


def test_a_policy_identical_to_the_baseline_differs_by_exactly_zero():
    base, _ = _pair()
    same = dict(base, name="same")
    comp = compare(validate_scenario(base), [validate_scenario(same)], reps=3)
    diffs = comp.yearly.filter(regex="^(extra_|saving_)")
    assert (diffs.to_numpy() == 0).all()
    assert (comp.runs[["extra_job_starts", "npv_saving", "saving_undiscounted_total"]].to_numpy() == 0).all()


@pytest.mark.slow
def test_common_random_numbers_narrow_the_interval_of_the_difference():
    base, pol = _pair()
    base["policy"] = pol["policy"] = dict(pol["policy"], funding={"model": "block"})
    pol = dict(pol, policy=dict(pol["policy"], employment_support=dict(
        pol["policy"]["employment_support"], budget_per_year=60000)))  # one lever: a bigger budget
    b, p = validate_scenario(base), validate_scenario(pol)
    paired = compare(b, [p], reps=16, tornado=False).runs
    apart = compare(b, [p], reps=16, common_random_numbers=False, tornado=False).runs
    width = lambda v: np.percentile(v, 97.5) - np.percentile(v, 2.5)  # noqa: E731
    assert width(paired["npv_saving"]) < 0.5 * width(apart["npv_saving"])
    assert paired["npv_saving"].std() < 0.5 * apart["npv_saving"].std()
    assert width(paired["extra_job_starts"]) <= width(apart["extra_job_starts"])


def test_replications_use_independent_seeds_from_one_root():
    base, pol = (validate_scenario(d) for d in _pair())
    comp = compare(base, [pol], reps=4, seed=99, tornado=False)
    assert comp.runs["extra_job_starts"].nunique() > 1
    again = compare(base, [pol], reps=4, seed=99, tornado=False)
    assert comp.runs.equals(again.runs)


def test_distributions_take_their_mean_and_draw_paired_by_path():
    base, pol = _pair()
    for d in (base, pol):
        d["policy"]["employment_support"]["service_models"]["evidence_based"]["job_outcome_rate"] = {
            "dist": "beta", "a": 43, "b": 57}
    pol["policy"]["referral"]["annual"] = {"dist": "triangular", "low": 0.3, "mode": 0.5, "high": 0.7}
    b, p = validate_scenario(base), validate_scenario(pol)
    assert b.policy.employment_support.service_models["evidence_based"].job_outcome_rate == pytest.approx(0.43)
    assert p.policy.referral.annual == pytest.approx(0.5)
    ub = {u.name: u for u in b.uncertain}
    up = {u.name: u for u in p.uncertain}
    path = "policy.employment_support.service_models.evidence_based.job_outcome_rate"
    assert np.array_equal(ub[path].draws(50, 7), up[path].draws(50, 7))
    assert not np.array_equal(ub[path].draws(50, 7), ub[path].draws(50, 8))


@pytest.mark.parametrize("bad,expected", [
    ({"dist": "normal", "mean": 0.5, "sd": 0.3}, "lowest draw"),
    ({"dist": "betta", "a": 1, "b": 1}, "unknown distribution 'betta'"),
    ({"dist": "beta", "a": -1, "b": 2}, "greater than 0"),
])
def test_bad_distributions_are_scenario_errors(bad, expected):
    d = small()
    d["policy"]["referral"]["annual"] = bad
    with pytest.raises(ScenarioError, match="policy.referral.annual") as err:
        validate_scenario(d, "x.yaml")
    assert expected in str(err.value)


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.figures, self.text = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure":
            self.figures.append(a.get("id"))
        if tag == "img":
            assert a["src"].startswith("data:image/png;base64,") and len(a["src"]) > 1000

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.slow
def test_compare_command_with_psa_writes_summary_figures_and_report(tmp_path, capsys):
    base, pol = _uncertain_pair()
    b, p = write_yaml(tmp_path, base, "base.yaml"), write_yaml(tmp_path, pol, "pol.yaml")
    out = tmp_path / "cmp"
    assert main(["compare", str(b), str(p), "--psa", "12", "--out", str(out), "--no-progress"]) == 0
    assert "more people are in paid work" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    for key in ("extra_in_work_by_year", "saving_undiscounted_by_year", "npv_saving", "prob_saves_money",
                "cost_per_extra_job"):
        assert key in summary
    year = summary["extra_in_work_by_year"]["3"]
    assert year["low"] <= year["mean"] <= year["high"]
    assert 0 <= summary["prob_saves_money"] <= 1
    assert summary["runs"] == 12
    parser = _Images()
    parser.feed((out / "report.html").read_text())
    assert set(parser.figures) >= {"compare_states", "compare_budget_shift", "budget_impact", "ce_plane",
                                    "acceptability", "tornado"}
    assert "more people are in paid work" in "".join(parser.text)
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["scenarios"]) == {"base", "policy"} and manifest["seed"] == 7
    assert main(["compare", str(b), str(p), "--out", str(out), "--no-progress"]) == 1  # no overwrite


def test_report_command_rewrites_the_report(tmp_path, capsys):
    path = write_yaml(tmp_path, small(horizon={"years": 1}))
    out = tmp_path / "run"
    assert main(["run", str(path), "--out", str(out), "--no-progress"]) == 0
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    parser = _Images()
    parser.feed((out / "report.html").read_text())
    assert set(parser.figures) == {"states", "budget_shift", "costs", "centres"}
    assert main(["report", str(tmp_path)]) == 2


def test_psa_needs_a_distribution(tmp_path, capsys):
    base, pol = _pair()
    b, p = write_yaml(tmp_path, base, "base.yaml"), write_yaml(tmp_path, pol, "pol.yaml")
    assert main(["compare", str(b), str(p), "--psa", "5", "--no-progress", "--out", str(tmp_path / "o")]) == 2
    assert "distribution" in capsys.readouterr().err


def test_scenarios_on_different_calendars_are_refused(tmp_path, capsys):
    base, pol = _pair()
    pol["horizon"] = {"years": 2}
    b, p = write_yaml(tmp_path, base, "base.yaml"), write_yaml(tmp_path, pol, "pol.yaml")
    assert main(["compare", str(b), str(p), "--no-progress", "--out", str(tmp_path / "o")]) == 2
    assert "horizon" in capsys.readouterr().err


def test_lifetime_runs_of_different_lengths_compare_over_their_common_span():
    base, pol = _pair()
    for d, death in ((base, 0.01), (pol, 0.6)):  # the same people, all dead before pension age under the policy
        d["horizon"] = "lifetime"
        d["population"].update(state_pension_age=50, age_bands=[18, 45], age_mix={"18-44": 0.1, "45+": 0.9},
                               mortality={"annual_by_age": {"18-44": death, "45+": death}})
        d["population"]["inflow"]["until_year"] = 1
    comp = compare(validate_scenario(base), [validate_scenario(pol)], reps=2, tornado=False)
    b, p = comp.first[comp.baseline].monthly, comp.first[comp.policies[0]].monthly
    assert len(p) < len(b)
    assert len(comp.yearly) > 0 and comp.summary()["runs"] == 2


@pytest.mark.parametrize("change", [lambda d: d["population"]["initial"].append({"state": "day_service", "count": 5}),
                                    lambda d: d["population"]["inflow"].update(per_year=30)])
def test_scenarios_with_different_people_are_refused(tmp_path, capsys, change):
    base, pol = _pair()
    change(pol)
    b, p = write_yaml(tmp_path, base, "base.yaml"), write_yaml(tmp_path, pol, "pol.yaml")
    assert main(["compare", str(b), str(p), "--no-progress", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "population" in err and "the same people" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("path", [("population", "inflow", "per_year"), ("population", "initial", 0, "count")])
def test_values_that_decide_who_is_in_the_model_cannot_be_distributions(path):
    d = small()
    node = d
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = {"dist": "uniform", "low": 10, "high": 20}
    with pytest.raises(ScenarioError, match="cannot be a distribution"):
        validate_scenario(d)


def test_distributions_that_break_a_rule_together_are_caught_when_read():
    d = small()
    d["transitions"]["supported_employment"] = {"day_service": {"annual": {"dist": "uniform", "low": 0, "high": 0.6}},
                                                "no_service": {"annual": {"dist": "uniform", "low": 0, "high": 0.6}}}
    with pytest.raises(ScenarioError, match="every distribution at its highest draw together"):
        validate_scenario(d)


def test_a_psa_draw_that_breaks_a_rule_is_named_with_its_values(monkeypatch):
    # the bounds of each distribution, and all of them at their lowest and highest together, are checked when the
    # scenario is read; a mixture of high and low values can still break a rule, and the PSA then says which draw
    from model.analysis import compare as compare_module
    from model.analysis import psa_draws
    from model.analysis.psa_draws import draw_specs
    from model.scenario.problems import Problem

    d = small()
    d["policy"]["referral"]["annual"] = {"dist": "uniform", "low": 0.1, "high": 0.3}
    sc = validate_scenario(d, "council.yaml")
    calls = []
    compiled_between = psa_draws.compiled_between

    def third_breaks(scenario, data, values, *args):
        calls.append(list(values.values()))
        if len(calls) == 3:
            raise ScenarioError("council.yaml", [Problem("policy", "the chances out of a state add up to more than 1")])
        return compiled_between(scenario, data, values, *args)

    monkeypatch.setattr(psa_draws, "compiled_between", third_breaks)
    specs, _ = draw_specs(sc, 5, seed=1)
    assert calls == []  # each parameter set is made when first asked for
    with pytest.raises(ScenarioError) as err:
        specs[:]
    text = str(err.value)
    assert "PSA draw 2 (policy.referral.annual = " in text and "add up to more than 1" in text
    assert "Narrow the distributions" in text
    assert f"{calls[2][0]:.6g}" in text
    calls.clear()
    with pytest.raises(ScenarioError, match="PSA draw 2 "):  # and so in a PSA, once its runs have begun
        compare_module.compare(sc, [sc], psa=5, tornado=False)


def test_a_draw_is_checked_against_every_rule_a_number_can_break_without_searching_its_data(monkeypatch):
    # a draw skips validate_scenario's searches of the data (extends, distributions, time series) but none of its
    # checks: the same scenario, tables and errors as validating the draw in full, on a scenario with a time series
    import pickle

    from model import load_scenario
    from model.analysis import parameter_space
    from model.analysis.compare import uncertain_space
    from model.compile.spec import compiled, tables_only

    sc = load_scenario(SCENARIOS / "essex_live.yaml")
    space = uncertain_space(sc)
    assert space._plain is not None and space._plain[1]  # the quick way, and a time series among the values

    def in_full(values):
        return validate_scenario(space.data_with(values), space.source)

    monkeypatch.setattr(parameter_space, "validate_scenario", lambda *a, **k: pytest.fail("searched the draw's data"))

    for q in (0.1, 0.9):
        at = space.values([u.quantile(q) for u in sc.uncertain])
        quick, full = space.scenario_with(at), in_full(at)
        assert quick.model_dump() == full.model_dump() and quick.data == full.data and quick.notes == full.notes
        assert len(compiled(quick).periods) == 2
        assert pickle.dumps(tables_only(compiled(quick))) == pickle.dumps(tables_only(compiled(full)))
    # leaving chances that sum past 1 (one of them in the time series): a rule between two numbers
    at = space.values([u.mean() for u in sc.uncertain])
    at[("transitions", "day_service", "no_service", "annual")] = 0.6
    at[("transitions", "day_service", "community_day", "annual", "values", 1)] = 0.6
    with pytest.raises(ScenarioError) as quick:
        space.scenario_with(at)
    with pytest.raises(ScenarioError) as full:
        in_full(at)
    assert "leaving chances sum to 1.2" in str(quick.value) and quick.value.problems == full.value.problems


def test_each_draw_copies_only_what_it_changes():
    # a PSA's draws share the scenario's data except along the paths drawn (so 1,000 draws do not each hold a copy
    # of it): the scenario's own data must come through every draw unchanged
    import copy

    from model.analysis.psa_draws import draw_specs
    from model.scenario.paths import at_means

    d = small()
    d["policy"]["referral"]["annual"] = {"dist": "uniform", "low": 0.1, "high": 0.3}
    d["costs"]["states"]["day_service"]["weekly"] = {"dist": "uniform", "low": 200, "high": 300}
    sc = validate_scenario(d, "council.yaml")
    before = copy.deepcopy(sc.data)
    specs, values = draw_specs(sc, 3, seed=1)
    assert sc.data == before
    for spec, (_, row) in zip(specs, values.iterrows()):
        drawn = spec.scenario.data
        assert drawn["policy"]["referral"]["annual"] == row["policy.referral.annual"]
        assert drawn["policy"]["referral"] is not sc.data["policy"]["referral"]  # copied: on a drawn path
        assert drawn["population"] is sc.data["population"]  # shared: no draw changes it
    means = at_means(sc)  # a copy to edit
    means["population"]["initial"][0]["count"] += 1
    assert sc.data == before


def test_drawing_parameter_sets_leaves_the_cycle_collector_as_it_was():
    # drawing pauses Python's cycle collector for speed: it must come back on after, and stay
    # off for a caller who had turned it off
    import gc

    from model.analysis.psa_draws import draw_specs

    d = small()
    d["policy"]["referral"]["annual"] = {"dist": "uniform", "low": 0.1, "high": 0.3}
    sc = validate_scenario(d, "council.yaml")
    assert gc.isenabled()
    draw_specs(sc, 2, seed=1)[0][:]
    assert gc.isenabled()
    gc.disable()
    try:
        draw_specs(sc, 2, seed=1)[0][:]
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_awkward_names_and_bad_arguments(tmp_path, capsys):
    base, pol = _pair()
    pol["name"] = "a/b <two>"
    b, p = write_yaml(tmp_path, base, "base.yaml"), write_yaml(tmp_path, pol, "pol.yaml")
    assert main(["compare", str(b), str(p), "--no-progress", "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "monthly_a_b_two.parquet").exists()
    for extra in (["--seed", "-5"], ["--reps", "2", "--psa", "2"]):
        assert main(["compare", str(b), str(p), "--no-progress", "--out", str(tmp_path / "x"), *extra]) == 2
    (tmp_path / "o" / "summary.json").write_text("{not json")
    assert main(["report", str(tmp_path / "o")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_headline_words_follow_the_sign():
    base, pol = _pair()
    comp = compare(validate_scenario(pol), [validate_scenario(base)], reps=3, tornado=False)  # reversed: fewer jobs
    text = comp.headline()
    assert "fewer people are in paid work" in text and "costs the council" in text and "saved" not in text
    count = text[text.index("By the end"):text.index("fewer")].split(",", 1)[1]
    assert "-" not in count and "-£" not in text  # a count of people and amounts of money, never negative numbers


def test_a_key_named_dist_is_not_taken_for_a_distribution():
    d = small()
    d["dist"] = d.pop("horizon")  # the fuzz test's find: a top-level key renamed 'dist'
    with pytest.raises(ScenarioError, match="dist"):
        validate_scenario(d)
    d = small()
    d["policy"]["referral"]["annual"] = {"dist": {"a": 1}}
    with pytest.raises(ScenarioError):
        validate_scenario(d)


def test_psa_draws_have_their_own_numbers_unless_asked_and_intervals_say_what_they_cover():
    base, pol = _uncertain_pair()
    b, p = validate_scenario(base), validate_scenario(pol)
    own = compare(b, [p], psa=4, tornado=False)
    assert len(set(own.seeds)) == 4
    assert own.summary()["uncertainty"]["covers"].startswith("parameter and first-order")
    common = compare(b, [p], psa=4, tornado=False, psa_common_numbers=True)
    assert set(common.seeds) == {common.seed}
    assert common.summary()["uncertainty"]["covers"].startswith("parameter uncertainty only")
    # The first draw has the same parameters either way; only its random numbers differ.
    assert own.runs["npv_saving"].iloc[0] != common.runs["npv_saving"].iloc[0]


def test_a_psas_draws_are_paired_as_they_come_and_let_go(monkeypatch):
    # every scenario's draws run in step, each pair let go of once its figures are taken, so no scenario's results
    # are all held at once: holding the baseline's for the policies' draws to come took a 1,000-draw comparison of
    # the shipped scenarios over 1 GB (0.36 GB of it)
    import weakref

    import model.analysis.compare as compare_module
    import model.engine.simulate as simulate_module

    base, pol = _uncertain_pair()
    monkeypatch.setattr(simulate_module, "draws_at_once", lambda *a, **k: 2)  # chunks of 2 draws
    held, most, order = {"baseline": [], "policy": []}, {"baseline": 0, "policy": 0}, []
    pair_run = compare_module.pair_run

    def counted(name, run, b, p):
        for side, table in (("baseline", b.monthly), ("policy", p.monthly)):
            held[side].append(weakref.ref(table))
            most[side] = max(most[side], len({id(r()) for r in held[side] if r() is not None}))
        order.append((name, run))
        return pair_run(name, run, b, p)

    monkeypatch.setattr(compare_module, "pair_run", counted)
    second = validate_scenario({**pol, "name": "second"})
    with collector_paused():  # let go of means freed at once, not when the collector next runs
        out = compare(validate_scenario(base), [validate_scenario(pol), second], psa=8, tornado=False,
                      decomposition_runs=0)
    assert len(out.runs) == 16 and len(set(order)) == 16
    # a chunk of 2, and the first draw, kept for the report (the policies' tables counted together)
    assert most["baseline"] <= 3 and most["policy"] <= 6
    # the tables list each policy's draws in turn
    assert list(out.runs["policy"]) == [pol["name"]] * 8 + ["second"] * 8
    assert list(out.runs["run"]) == list(range(8)) * 2
    assert list(out.yearly["policy"].drop_duplicates()) == [pol["name"], "second"]


def test_a_psas_parameter_sets_are_let_go_once_paired(monkeypatch):
    # a parameter set is made for its draw's run and let go of once the draw is paired: a 1,000-draw comparison
    # kept every one to its end (about 0.1 MB a draw)
    import model.analysis.compare as compare_module
    import model.engine.simulate as simulate_module

    base, pol = _uncertain_pair()
    monkeypatch.setattr(simulate_module, "draws_at_once", lambda *a, **k: 2)  # chunks of 2 draws
    drawn, most = [], [0]
    draw_specs, pair_run = compare_module.draw_specs, compare_module.pair_run

    def kept(*args, **kwargs):
        specs, table = draw_specs(*args, **kwargs)
        drawn.append(specs)
        return specs, table

    def counted(name, run, b, p):
        most[0] = max([most[0]] + [sum(s is not None for s in specs._made) for specs in drawn])
        return pair_run(name, run, b, p)

    monkeypatch.setattr(compare_module, "draw_specs", kept)
    monkeypatch.setattr(compare_module, "pair_run", counted)
    out = compare(validate_scenario(base), [validate_scenario(pol)], psa=8, tornado=False, decomposition_runs=0)
    assert len(out.runs) == 8 and len(drawn) == 2
    assert most[0] == 2  # the chunk being paired
    assert all(s is None for specs in drawn for s in specs._made)


def test_a_pairs_yearly_figures_hold_no_part_of_the_runs_tables():
    # a draw's monthly table is rows of its chunk's table, so a view of a column kept in a pair's yearly figures
    # keeps the whole chunk's numbers alive: a 1,000-draw PSA then held every policy table to its end (0.1 GB)
    from model.analysis.compare import pair_run
    from model.engine.simulate import simulate_draws

    base, pol = _pair()
    (b, _), (p, _) = (simulate_draws([compiled(validate_scenario(d))] * 2, people=False) for d in (base, pol))
    yearly, _ = pair_run("policy", 0, b, p)
    tables = [frame[c].to_numpy() for frame in (b.monthly, p.monthly) for c in frame.columns]
    shared = [k for k, v in yearly.items() if isinstance(v, np.ndarray) and any(
        np.may_share_memory(v, t) for t in tables if t.dtype != object)]
    assert shared == []


def test_one_run_never_claims_a_share_of_runs():
    base, pol = _pair()
    comp = compare(validate_scenario(base), [validate_scenario(pol)], reps=1, tornado=False)
    text = comp.headline()
    assert "100%" not in text and "%" not in text.split("discounted")[-1]
    assert "one run" in text and comp.summary()["uncertainty"]["runs"] == 1


def test_the_tornado_centre_is_the_headline_base_case():
    base, pol = _uncertain_pair()
    b, p = validate_scenario(base), validate_scenario(pol)
    comp = compare(b, [p], reps=5)
    assert comp.tornado["npv_saving_centre"].iloc[0] == pytest.approx(comp.runs["npv_saving"].mean(), rel=1e-9)
    # On the same seeds, the one-way centre (every parameter at its mean) is the replications' mean itself.
    from model.analysis.compare import one_way
    plain = one_way(b, p, comp.seeds)
    assert plain["npv_saving_centre"].iloc[0] == pytest.approx(comp.runs["npv_saving"].mean(), rel=1e-9)
    swing = plain["npv_saving_high"] - plain["npv_saving_low"]
    assert (comp.tornado["npv_saving_high"] - comp.tornado["npv_saving_low"]).iloc[0] == pytest.approx(swing.iloc[0], rel=0.5)
