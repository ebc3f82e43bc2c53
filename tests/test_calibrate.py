"""Calibration: targets files, recovering a known value, and the calibrated scenario."""

from __future__ import annotations

import json

import pytest
import yaml

from helpers import SCENARIOS, small, write_yaml
from model import load_scenario, simulate
from model.analysis.calibrate import calibrate, load_targets, target_value
from model.cli import main


def _targets(tmp_path, observed: float, **extra) -> object:
    write_yaml(tmp_path, small(horizon={"years": 3}), "base.yaml")
    data = dict(name="t", scenario="base.yaml", seed=7, max_evaluations=60, method="differential_evolution",
                free=[{"path": "policy.referral.annual", "bounds": [0.05, 0.95]}],
                targets=[{"name": "jobs", "source": "made up", "kind": "sum", "column": "job_starts",
                          "from": "2024-04", "to": "2025-09", "observed": observed, "tolerance": 2}])
    data.update(extra)
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.slow
def test_calibration_recovers_a_value_it_was_given(tmp_path):
    # Make the observation from a known referral rate, then fit it back.
    sc = load_scenario(write_yaml(tmp_path, {**small(horizon={"years": 3}),
                                             "policy": {**small()["policy"], "referral": {
                                                 **small()["policy"]["referral"], "annual": 0.3}}}, "truth.yaml"))
    res = simulate(sc, seed=7, n_cycles=18)
    truth = res.monthly[(res.monthly["date"] >= "2024-04") & (res.monthly["date"] <= "2025-09")]["job_starts"].sum()
    cal = load_targets(_targets(tmp_path, float(truth)))
    assert cal.n_cycles == 18
    fit = calibrate(cal)
    assert fit["table"]["within"].all()
    assert abs(fit["table"]["gap"].iloc[0]) <= 2


@pytest.mark.parametrize("change,expected", [
    (dict(free=[{"path": "policy.referal.annual", "bounds": [0.1, 0.2]}]), "no such value"),
    (dict(free=[{"path": "policy.referral.annual", "bounds": [0.1, 1.5]}]), "makes the scenario invalid"),
    (dict(targets=[{"name": "x", "source": "s", "kind": "sum", "column": "job_startz", "from": "2024-04",
                    "to": "2024-06", "observed": 1, "tolerance": 1}]), "unknown output column 'job_startz'"),
    (dict(targets=[{"name": "x", "source": "s", "kind": "value", "column": "job_starts", "observed": 1,
                    "tolerance": 1}]), "needs at"),
])
def test_bad_targets_files(tmp_path, capsys, change, expected):
    path = _targets(tmp_path, 10, **change)
    assert main(["calibrate", str(path), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


def test_calibrate_command_writes_fit_table_and_a_calibrated_scenario(tmp_path, capsys):
    path = _targets(tmp_path, 30, method="nelder_mead", max_evaluations=20)
    out = tmp_path / "cal"
    assert main(["calibrate", str(path), "--out", str(out), "--no-progress"]) == 0
    fit = json.loads((out / "fit.json").read_text())
    assert set(fit["fitted"]) == {"policy.referral.annual"}
    calibrated = load_scenario(out / "calibrated_scenario.yaml")  # stands alone: no `extends` out of its folder
    assert calibrated.policy.referral.annual == pytest.approx(fit["fitted"]["policy.referral.annual"])
    assert calibrated.name == "small_calibrated"
    assert (out / "targets.csv").exists()


def test_target_kinds():
    res = simulate(load_scenario_small(), seed=1, n_cycles=24)
    from model.analysis.calibrate import Target

    m, y = res.monthly, res.yearly
    share = Target(name="s", source="x", kind="share", column="n_paid_work", of=["n_paid_work", "n_day_service"],
                   at="2024-06", observed=0, tolerance=1)
    row = m[m["date"] == "2024-06"].iloc[0]
    assert target_value(share, m, y) == pytest.approx(row["n_paid_work"] / (row["n_paid_work"] + row["n_day_service"]))
    yearly = Target(name="y", source="x", kind="yearly", column="cost_council", year="2024-25", observed=0, tolerance=1)
    assert target_value(yearly, m, y) == pytest.approx(m[m["fiscal_year"] == "2024-25"]["cost_council"].sum())


def load_scenario_small():
    from model import validate_scenario

    return validate_scenario(small(horizon={"years": 2}))


@pytest.mark.slow
def test_validation_page_lists_every_published_figure(tmp_path):
    out = tmp_path / "VALIDATION.md"
    assert main(["published-figures", "--out", str(out)]) == 0
    page = out.read_text()
    for figure in ("Essex: into paid work", "Essex: from day services", "Essex: budget shift", "NDTi", "Kent",
                   "England: ascof 2012 13", "England: ascof 2021 22", "England: ascof 2017 18"):
        assert figure in page
    assert "calibrated to" in page and "predicted" in page
    import json

    rows = json.loads((tmp_path / "validation.json").read_text())
    assert {tuple(sorted(r)) for r in rows} == {("figure", "high", "low", "model", "published", "role", "source")}
    assert {r["role"] for r in rows} == {"calibrated", "predicted", "check"}
    kent = [r for r in rows if r["figure"].startswith("Kent")]
    assert [r["published"] for r in kent] == [3564, 1290] and all(r["role"] == "predicted" for r in kent)


def test_replications_average_runs_with_spawned_seeds(tmp_path):
    import numpy as np

    from model.analysis.stats import replication_seeds

    one = load_targets(_targets(tmp_path, 10))
    assert one.seeds == [7]
    cal = load_targets(_targets(tmp_path, 10, replications=3))
    assert cal.seeds == replication_seeds(7, 3)
    x = np.array([0.4])
    each = []
    for seed in cal.seeds:
        m = simulate(cal.scenario_at(x), seed=seed, n_cycles=cal.n_cycles).monthly
        each.append(m[(m["date"] >= "2024-04") & (m["date"] <= "2025-09")]["job_starts"].sum())
    assert cal.model_values(x) == pytest.approx([np.mean(each)])
    assert cal.objective(x) == pytest.approx(((np.mean(each) - 10) / 2) ** 2)


def test_budget_shift_is_a_yearly_target_only(tmp_path, capsys):
    shift = {"name": "shift", "source": "s", "kind": "yearly", "column": "budget_shift", "year": "2024-25",
             "observed": 0.1, "tolerance": 0.05}
    assert load_targets(_targets(tmp_path, 10, targets=[shift])).targets_file.targets[0].column == "budget_shift"
    path = _targets(tmp_path, 10, targets=[{**shift, "kind": "value", "at": "2024-06", "year": None}])
    assert main(["calibrate", str(path), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    assert "unknown output column 'budget_shift'" in capsys.readouterr().err


def test_calibrated_scenario_with_a_value_inside_a_list(tmp_path):
    from model.analysis.calibrate import calibrated_yaml

    cal = load_targets(_targets(tmp_path, 10, free=[{"path": "population.initial.0.count", "bounds": [100, 140]}]))
    out = tmp_path / "cal"
    out.mkdir()
    (out / "c.yaml").write_text(calibrated_yaml(cal, {"population.initial.0.count": 130}))
    counts = [g.count for g in load_scenario(out / "c.yaml").population.initial]
    assert counts == [130, 30, 10, 10]  # the rest of the list kept, not replaced by a mapping


def test_shipped_essex_live_reproduces_the_essex_targets():
    cal = load_targets(SCENARIOS / "targets" / "essex_live.yaml")
    for t, m in zip(cal.targets_file.targets, cal.model_values(cal.shipped)):
        assert abs(m - t.observed) <= t.tolerance, (t.name, m, t.observed)


def test_the_joint_sample_concentrates_where_the_targets_are_met_and_a_psa_draws_from_it(tmp_path):
    import numpy as np

    from model.analysis.compare import compare
    from model.analysis.posterior import JointSample
    from model.analysis.posterior import posterior_sample

    cal = load_targets(_targets(tmp_path, 30))
    post = posterior_sample(cal, 128, 64, cal.shipped)
    assert post["share_within_all_fitted"] > post["prior_share_within_all_fitted"]
    assert post["effective_sample_size"] > 1 and len(post["sample"]) == 64
    assert set(post["sample"].columns) >= {"policy.referral.annual", "model: jobs"}
    # A PSA of the scenario with the referral written as a distribution takes its values from the sample.
    base = small(horizon={"years": 3})
    base["policy"]["referral"]["annual"] = {"dist": "beta", "a": 5, "b": 5}
    sc = load_scenario(write_yaml(tmp_path, base, "psa.yaml"))
    joint = JointSample(scenario=sc.name, sample=post["sample"][["policy.referral.annual"]], targets=cal.targets_file.targets)
    comp = compare(sc, [sc], psa=8, tornado=False, psa_sample=joint)
    drawn = comp.draws["policy.referral.annual"].to_numpy()
    assert np.isin(drawn, post["sample"]["policy.referral.annual"].to_numpy()).all()
    assert any("drawn together from its calibration's joint sample" in n for n in comp.notes)
