"""The command line: a complete results folder, never overwritten without --force, never half-written."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pandas as pd
import pytest

from helpers import ROOT, small, write_yaml
from model.cli import main

FILES = {"monthly.parquet", "monthly.csv", "yearly.parquet", "yearly.csv", "people.parquet", "people.csv",
         "summary.json", "manifest.json", "states.png", "budget_shift.png", "costs.png"}


@pytest.fixture
def scenario_file(tmp_path):
    return write_yaml(tmp_path, small(horizon={"years": 2}))


def test_run_writes_a_complete_results_folder(tmp_path, scenario_file, capsys):
    out = tmp_path / "res"
    assert main(["run", str(scenario_file), "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "people in paid work" in printed and str(out) in printed
    assert FILES <= {p.name for p in out.iterdir()}
    summary = json.loads((out / "summary.json").read_text())
    for key in ("horizon_months", "final_counts", "job_starts_total", "job_starts_from_day_service",
                "cost_total_undiscounted", "cost_total_discounted", "cost_by_service", "proactive_share_by_year"):
        assert key in summary
    assert summary["horizon_months"] == 24
    manifest = json.loads((out / "manifest.json").read_text())
    text = scenario_file.read_text()
    assert manifest["scenario_text"] == text
    assert manifest["scenario_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert manifest["seed"] == 7
    assert {"python", "mesa", "numpy", "pandas", "dayshift"} <= set(manifest["versions"])
    assert "commit" in manifest["git"]
    monthly = pd.read_parquet(out / "monthly.parquet")
    assert len(monthly) == 24
    pd.testing.assert_frame_equal(monthly, pd.read_csv(out / "monthly.csv"), check_dtype=False)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_seed_option_changes_the_seed(tmp_path, scenario_file):
    out = tmp_path / "res"
    assert main(["run", str(scenario_file), "--out", str(out), "--seed", "123", "--no-progress"]) == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 123


def test_existing_results_are_not_overwritten(tmp_path, scenario_file, capsys):
    out = tmp_path / "res"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    assert main(["run", str(scenario_file), "--out", str(out), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err
    assert (out / "mine.txt").read_text() == "keep me"


def test_force_replaces_results(tmp_path, scenario_file):
    out = tmp_path / "res"
    out.mkdir()
    (out / ".dayshift-results").write_text("")  # a results folder: --force replaces only those
    (out / "old.txt").write_text("old")
    assert main(["run", str(scenario_file), "--out", str(out), "--force", "--no-progress"]) == 0
    assert not (out / "old.txt").exists() and FILES <= {p.name for p in out.iterdir()}


def test_a_crash_while_writing_leaves_no_half_written_results(tmp_path, scenario_file, monkeypatch, capsys):
    import model.output.plots

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(model.output.plots, "save_all", boom)
    out = tmp_path / "res"
    assert main(["run", str(scenario_file), "--out", str(out), "--no-progress"]) == 3
    err = capsys.readouterr().err
    assert "disk full" in err and "No results were written" in err and "Traceback" not in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [scenario_file]


def test_a_crash_while_forcing_keeps_the_old_results(tmp_path, scenario_file, monkeypatch):
    import model.output.plots

    out = tmp_path / "res"
    out.mkdir()
    (out / ".dayshift-results").write_text("")
    (out / "old.txt").write_text("old")
    monkeypatch.setattr(model.output.plots, "save_all", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("x")))
    assert main(["run", str(scenario_file), "--out", str(out), "--force", "--no-progress"]) == 3
    assert (out / "old.txt").read_text() == "old"


def test_schema_is_json_schema_with_the_scenario_fields(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"states", "population", "policy", "horizon"} <= set(schema["else"]["properties"])
    assert schema["else"]["additionalProperties"] is False


@pytest.mark.slow
def test_console_script_runs_as_a_process(tmp_path, scenario_file):
    exe = ROOT / ".venv" / "bin" / "dayshift"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "model.cli"]
    bad = subprocess.run(cmd + ["validate", str(tmp_path / "missing.yaml")], capture_output=True, text=True)
    assert bad.returncode == 2 and "file not found" in bad.stderr and "Traceback" not in bad.stderr
    ok = subprocess.run(cmd + ["validate", str(scenario_file)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr


def test_engines_write_the_same_numbers(tmp_path, scenario_file):
    for engine in ("agents", "vectorised"):
        assert main(["run", str(scenario_file), "--out", str(tmp_path / engine), "--engine", engine,
                     "--no-progress"]) == 0
    a = json.loads((tmp_path / "agents" / "summary.json").read_text())
    v = json.loads((tmp_path / "vectorised" / "summary.json").read_text())
    assert a.pop("engine") == "agents" and v.pop("engine") == "vectorised"
    assert a["final_counts"] == v["final_counts"]
    assert a["cost_total_discounted"] == pytest.approx(v["cost_total_discounted"], rel=1e-9)


@pytest.mark.slow
def test_shipped_scenarios_follow_the_json_schema_editors_use(capsys):
    import jsonschema
    import yaml

    from helpers import SCENARIOS

    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    for path in SCENARIOS.glob("*.yaml"):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    bad = yaml.safe_load((SCENARIOS / "essex_live.yaml").read_text())
    bad["policy"]["referal"] = 0.1
    with pytest.raises(jsonschema.ValidationError, match="referal"):
        jsonschema.validate(bad, schema)


def test_version_and_an_example_in_every_subcommands_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.startswith("dayshift ")
    for command in ("run", "validate", "schema", "compare", "sweep", "calibrate", "published-figures", "report"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "example:\n  dayshift " + command in capsys.readouterr().out


def test_workers_that_stop_are_explained_not_called_a_fault(tmp_path, scenario_file, capsys, monkeypatch):
    """A worker process that stops (out of memory, most likely) is said plainly, with what to change."""
    import model.cli as cli
    from model.engine.parallel import WorkersStopped

    def stops(args):
        raise WorkersStopped()

    monkeypatch.setattr(cli, "_run", stops)
    assert main(["run", str(scenario_file), "--out", str(tmp_path / "out")]) == 3
    err = capsys.readouterr().err
    assert "a worker process stopped" in err and "memory" in err and "internal error" not in err
