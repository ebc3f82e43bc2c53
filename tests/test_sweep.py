"""Sweeps: designs, storage, resuming after a kill, surviving a dead worker, sensitivity, Mesa's batch_run.

The tests that run sweeps share one local Dask cluster (two worker processes) for the module: starting
workers and importing the model in them costs seconds each time. Only the kill-and-resume test starts
a cluster of its own, inside the command-line process it kills.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers import ROOT, small, write_yaml
from model import build_spec, simulate, validate_scenario
from model.engine.agents import run_batch
from model.cli import main
from model.analysis.sweep import design_points, load_sweep
from model.output.sweep_folder import read_runs, run_sweep


def _files(tmp_path: Path, years: int = 1, **sweep) -> Path:
    write_yaml(tmp_path, small(horizon={"years": years}), "base.yaml")
    data = dict(name="t", base="base.yaml", design="grid", replications=2, seed=3, batch_size=3,
                parameters=[{"path": "policy.referral.annual", "values": [0.1, 0.4, 0.8]},
                            {"path": "policy.funding.lag_months", "values": [0, 6]}])
    data.update(sweep)
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _dataset(out: Path) -> pd.DataFrame:
    runs = read_runs(out)
    assert runs["index"].is_unique
    return runs


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes shared by this module's sweeps."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=50) as cluster:
        yield cluster


@pytest.fixture
def client(cluster):
    """A client of the shared cluster, once both workers are up (the dead-worker test kills one)."""
    from dask.distributed import Client

    with Client(cluster) as client:
        client.wait_for_workers(2, timeout=120)
        yield client


@pytest.fixture(scope="module")
def reference(cluster, tmp_path_factory) -> pd.DataFrame:
    """The 36 runs of the kill tests' sweep, run once without interruption."""
    from dask.distributed import Client

    tmp = tmp_path_factory.mktemp("reference")
    with Client(cluster) as client:
        run_sweep(load_sweep(_files(tmp, years=3, batch_size=2, replications=6)), tmp / "out", client=client)
    return _dataset(tmp / "out")


def test_designs_have_the_expected_points(tmp_path):
    grid = load_sweep(_files(tmp_path))
    assert len(grid.points) == 6 and grid.n_runs == 12
    params = [{"path": "policy.referral.annual", "bounds": [0.1, 0.5]},
              {"path": "policy.funding.lag_months", "bounds": [0, 6]}]
    sobol = load_sweep(_files(tmp_path, design="sobol", points=8, parameters=params))
    assert len(sobol.points) == 8 * (2 + 2)
    assert np.array_equal(design_points(sobol.sweep_file), design_points(sobol.sweep_file))
    assert all(isinstance(sobol.values(i)[("policy", "funding", "lag_months")], int) for i in range(4))


@pytest.mark.parametrize("change,expected", [
    (dict(design="sobol"), "takes bounds"),
    (dict(parameters=[{"path": "policy.referal.annual", "values": [0.1]}]), "no such value"),
    (dict(parameters=[{"path": "policy.referral.annual", "values": [1.5]}]), "makes the base scenario invalid"),
    (dict(desing="grid"), "did you mean 'design'"),
])
def test_bad_sweep_files_are_rejected(tmp_path, capsys, change, expected):
    path = _files(tmp_path, **change)
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


@pytest.mark.slow
def test_results_do_not_depend_on_the_number_of_workers(tmp_path, client):
    from dask.distributed import Client, LocalCluster

    sweep = load_sweep(_files(tmp_path))
    # One worker: a thread in this process (quick to start); two: the shared cluster's processes.
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0",
                      silence_logs=50) as one, Client(one) as alone:
        run_sweep(sweep, tmp_path / "one", client=alone)
    assert len(client.scheduler_info()["workers"]) == 2
    run_sweep(sweep, tmp_path / "two", client=client)
    a, b = _dataset(tmp_path / "one"), _dataset(tmp_path / "two")
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 12 and a["seed"].nunique() == 2  # seeds by replication: common random numbers across points
    # A run equals the same scenario run on its own.
    from model.scenario.paths import substitute

    values = sweep.values(int(a["point"].iloc[5]))
    alone = simulate(validate_scenario(substitute(sweep.space.base, values)), seed=int(a["seed"].iloc[5]))
    assert a["job_starts_total"].iloc[5] == alone.summary()["job_starts_total"]


@pytest.mark.slow
def test_a_killed_sweep_resumes_without_duplicates_or_gaps(tmp_path, client, reference):
    path = _files(tmp_path, years=3, batch_size=2, replications=6)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "model.cli", "sweep", str(path), "--out", str(out), "--workers", "1", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "runs").glob("part-*.parquet"))) < 3:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the coordinator and its workers, with no chance to tidy up
    proc.wait()
    partial = len(_dataset(out))
    assert 0 < partial < 36, "the kill should land part-way"
    info = run_sweep(load_sweep(path), out, client=client)
    assert info["already_done"] == partial and info["ran"] == 36 - partial
    pd.testing.assert_frame_equal(_dataset(out), reference)


@pytest.mark.slow
def test_a_dead_worker_is_replaced_and_its_runs_retried(tmp_path, client, reference):
    path = _files(tmp_path, years=3, batch_size=2, replications=6)
    out = tmp_path / "worker_lost"
    pids = list(client.run(os.getpid).values())
    killed = []

    def kill_one():
        while not list((out / "runs").glob("part-*.parquet")) and len(killed) == 0:
            time.sleep(0.02)
        os.kill(pids[0], signal.SIGKILL)  # the nanny starts a new worker in its place
        killed.append(pids[0])

    t = threading.Thread(target=kill_one, daemon=True)
    t.start()
    info = run_sweep(load_sweep(path), out, client=client)
    t.join(timeout=30)
    assert killed and info["ran"] == 36
    pd.testing.assert_frame_equal(_dataset(out), reference)


@pytest.mark.slow
def test_sobol_sweep_writes_indices_and_names_top_drivers(tmp_path, capsys, cluster):
    params = [{"path": "policy.referral.annual", "bounds": [0.05, 0.9]},
              {"path": "policy.employment_support.budget_per_year", "bounds": [1000, 80000]},
              {"path": "policy.funding.lag_months", "bounds": [0, 12]}]
    path = _files(tmp_path, design="sobol", points=8, replications=1, parameters=params, batch_size=10)
    out = tmp_path / "sobol"
    assert main(["sweep", str(path), "--out", str(out), "--scheduler", cluster.scheduler_address,
                 "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "top drivers" in printed
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table["parameter"]) == {p["path"] for p in params} and {"S1", "ST"} <= set(table.columns)
    assert (out / "sensitivity.png").exists()
    # Running the finished sweep again does nothing but report.
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    assert "0 ran now" in capsys.readouterr().out


@pytest.mark.slow
def test_a_changed_sweep_does_not_overwrite_results(tmp_path, capsys, cluster):
    path = _files(tmp_path)
    out = tmp_path / "o"
    assert main(["sweep", str(path), "--out", str(out), "--scheduler", cluster.scheduler_address,
                 "--no-progress"]) == 0
    path.write_text(path.read_text().replace("seed: 3", "seed: 4"))
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 1
    assert "different sweep" in capsys.readouterr().err


def test_mesa_batch_run_over_a_parameter_grid():
    specs = [build_spec(validate_scenario(small(horizon={"years": 1}, **{"seed": 1}))),
             build_spec(validate_scenario(small(horizon={"years": 1}, policy=dict(small()["policy"], entry_route="day_service"))))]
    rows = run_batch(specs[0], seeds=[1, 2], parameters={"config": specs})
    assert len(rows) == 4
    got = sorted((r["n_paid_work"], r["cost_council"]) for r in rows)
    want = sorted((simulate(s, seed=seed, engine="agents").monthly.iloc[-1]["n_paid_work"],
                   simulate(s, seed=seed, engine="agents").monthly.iloc[-1]["cost_council"]) for s in specs for seed in (1, 2))
    assert got == want
