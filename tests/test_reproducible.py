"""Same scenario and seed, same numbers; a different seed, different numbers; Mesa conventions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import small
from model import build_spec, simulate, validate_scenario
from model.engine.agents import DayshiftModel, run_batch
from model.engine.streams import cycle_uniforms


def test_same_seed_same_results():
    sc = validate_scenario(small())
    a, b = simulate(sc, seed=42), simulate(sc, seed=42)
    pd.testing.assert_frame_equal(a.monthly, b.monthly)
    pd.testing.assert_frame_equal(a.people, b.people)


def test_different_seed_different_results():
    sc = validate_scenario(small())
    a, b = simulate(sc, seed=1), simulate(sc, seed=2)
    assert not a.monthly.equals(b.monthly)


def test_default_seed_is_the_scenarios():
    sc = validate_scenario(small(seed=9))
    assert simulate(sc).seed == 9
    pd.testing.assert_frame_equal(simulate(sc).monthly, simulate(sc, seed=9).monthly)


def test_a_persons_numbers_do_not_depend_on_how_many_people_there_are():
    few, many = cycle_uniforms(5, 3, 10), cycle_uniforms(5, 3, 1000)
    assert np.array_equal(few, many[:10])


def test_model_accepts_rng_as_mesa_models_do():
    spec = build_spec(validate_scenario(small(horizon={"years": 1})))
    m = DayshiftModel(spec, rng=np.random.default_rng(3))
    while m.running:
        m.step()
    assert m.cycle == spec.calendar.n_cycles
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == spec.calendar.n_cycles and "n_paid_work" in df


def test_runs_under_mesa_batch_run():
    spec = build_spec(validate_scenario(small(horizon={"years": 1})))
    rows = run_batch(spec, seeds=[1, 2])
    assert len(rows) == 2
    direct = [simulate(spec, seed=s).monthly.iloc[-1] for s in (1, 2)]
    for row, want in zip(rows, direct):
        assert row["n_paid_work"] == want["n_paid_work"]
        assert row["cost_council"] == pytest.approx(want["cost_council"], rel=1e-12)  # money: equal to rounding


def test_draws_run_together_on_their_own_numbers_equal_each_draw_run_alone():
    from model.analysis.psa_draws import draw_specs
    from model.engine.simulate import simulate_draws

    d = small(horizon={"years": 2})
    d["transitions"]["supported_employment"]["day_service"]["annual"] = {"dist": "beta", "a": 20, "b": 80}
    specs, _ = draw_specs(validate_scenario(d), 3, seed=9)
    together = simulate_draws(specs, seeds=[11, 12, 13])
    for spec, seed, res in zip(specs, [11, 12, 13], together):
        alone = simulate(spec, seed=seed)
        assert res.seed == seed
        pd.testing.assert_frame_equal(res.monthly, alone.monthly)
    # the same draws on one seed read the same numbers: the first two draws of one spec are identical
    same = simulate_draws([specs[0], specs[0]], seeds=[11, 11])
    pd.testing.assert_frame_equal(same[0].monthly, same[1].monthly)
    assert not together[0].monthly.equals(simulate_draws([specs[0]], seeds=[12])[0].monthly)


def test_draws_split_over_worker_processes_give_the_same_numbers(monkeypatch, tmp_path):
    """Any number of workers gives the same numbers: draws never interact, and a group of draws run in another
    process reads the same random numbers as it would here."""
    import tempfile
    import time

    import model.engine.parallel as sim_parallel
    import model.engine.simulate as sim

    monkeypatch.setattr(sim, "PARALLEL_MIN", 0)  # this small run would otherwise stay in one process
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the groups' tables come back, seen here
    specs = [build_spec(validate_scenario(small(seed=s))) for s in (1, 2, 3, 4, 5)]
    alone = sim.simulate_draws(specs, seed=5, seeds=[5, 6, 7, 8, 9])
    split = sim.simulate_draws(specs, seed=5, seeds=[5, 6, 7, 8, 9], workers=2)  # a group of each draw
    # the workers are kept for the next call (starting them takes seconds), not discarded once the draws are in
    assert 2 in sim_parallel._pools
    first = sim.each_draw(specs, seed=5, seeds=[5, 6, 7, 8, 9], workers=2)
    pd.testing.assert_frame_equal(next(first).monthly, split[0].monthly, check_exact=True)
    first.close()  # a caller that stops early leaves the workers for the next call too
    assert 2 in sim_parallel._pools
    # the groups' tables came back in files, removed with their folder, once the groups still running have ended
    for _ in range(100):
        if not list(tmp_path.glob("dayshift-draws-*")):
            break
        time.sleep(0.1)
    assert not list(tmp_path.glob("dayshift-draws-*"))
    assert [len(r) for r in sim.groups(5, 2 * sim.GROUPS_PER_WORKER)] == [1, 1, 1, 1, 1]
    assert [len(r) for r in sim.groups(5, 2)] == [2, 3]
    # A long run's groups are whole chunks, near-equal, a whole number a worker: 1,000 draws at 58 a chunk were
    # groups of 125, each run as chunks of 58, 58 and 9 (a draw in a chunk of 9 or 10 costs about 1.7 times what it
    # does in one of 58: the Python per chunk and cycle).
    parts = sim.draw_groups(1000, 58, 2, sim.GROUPS_PER_WORKER)
    assert len(parts) == 18 and {len(r) for r in parts} == {55, 56}
    assert [len(r) for r in sim.draw_groups(5, 58, 2, sim.GROUPS_PER_WORKER)] == [1, 1, 1, 1, 1]
    assert len(sim.draw_groups(1000, 10, 3, 4)) == 102  # 100 chunks, rounded up to a whole number a worker
    for a, b in zip(alone, split):
        pd.testing.assert_frame_equal(a.monthly, b.monthly, check_exact=True)
        pd.testing.assert_frame_equal(a.people, b.people, check_exact=True)
        assert a.spec is b.spec and a.seed == b.seed


def test_a_workers_result_comes_back_in_a_file_or_else_as_it_is(tmp_path):
    """A group's tables come back from a worker in a file (through the pool's pipe, 13 MB cost the receiving process
    32 ms against 2.9 ms), which is removed once read; where it cannot be written they come back the usual way."""
    from model.engine import parallel

    handed = parallel.hand_over(str(tmp_path), "group-0.pickle", {"a": np.arange(3)})
    assert [p.name for p in tmp_path.iterdir()] == ["group-0.pickle"]
    assert parallel.take_over(handed)["a"].tolist() == [0, 1, 2]
    assert not list(tmp_path.iterdir())
    assert parallel.hand_over(str(tmp_path / "gone"), "group-1.pickle", [1, 2]) == [1, 2]  # no folder: as it is
    assert parallel.take_over([1, 2]) == [1, 2]


def _watch_submissions(monkeypatch, sim, seen) -> None:
    """The engine's worker pool replaced by one that calls `seen()` as each group of draws is sent."""
    real_pool = sim.pool

    class Watched:
        def __init__(self, workers):
            self.real = real_pool(workers)

        def submit(self, *args):
            seen()
            return self.real.submit(*args)

    monkeypatch.setattr(sim, "pool", Watched)


def test_a_psas_first_draws_run_in_workers_while_its_later_parameter_sets_are_made(monkeypatch):
    """A PSA's parameter sets are made as asked for: a group of draws goes to a worker as soon as its own are made,
    not once every draw's is (making 1,000 took 1.4 to 4.4 s while the workers waited), with the same numbers."""
    import model.engine.simulate as sim
    from model.analysis.psa_draws import draw_specs

    monkeypatch.setattr(sim, "PARALLEL_MIN", 0)
    d = small(horizon={"years": 2})
    d["transitions"]["supported_employment"]["day_service"]["annual"] = {"dist": "beta", "a": 20, "b": 80}
    specs, _ = draw_specs(validate_scenario(d), 4, seed=9)
    made_at_submit = []
    _watch_submissions(monkeypatch, sim, lambda: made_at_submit.append(sum(s is not None for s in specs._made)))
    split = sim.simulate_draws(specs, seed=5, seeds=[5, 6, 7, 8], workers=2, chunk=1)
    assert made_at_submit == [1, 2, 3, 4]
    assert specs.seconds > 0
    for spec, seed, res in zip(specs, [5, 6, 7, 8], split):
        assert res.spec is spec
        pd.testing.assert_frame_equal(res.monthly, simulate(spec, seed=seed).monthly, check_exact=True)


def test_a_psas_groups_go_to_the_workers_a_few_ahead_of_those_taken_back(monkeypatch):
    """Only GROUPS_AHEAD groups a worker are sent beyond those taken back, so the parameter sets made, and the
    finished groups waiting for the caller (a comparison runs its baseline's groups ahead of its policies'), stay a
    few groups' worth however many draws there are; the numbers are those of one process."""
    import model.engine.simulate as sim
    from model.analysis.psa_draws import draw_specs

    monkeypatch.setattr(sim, "PARALLEL_MIN", 0)
    d = small(horizon={"years": 1})
    d["transitions"]["supported_employment"]["day_service"]["annual"] = {"dist": "beta", "a": 20, "b": 80}
    specs, _ = draw_specs(validate_scenario(d), 12, seed=9)
    sent = []
    _watch_submissions(monkeypatch, sim, lambda: sent.append(1))
    ahead = []
    out = []
    for i, res in enumerate(sim.each_draw(specs, seed=5, seeds=list(range(12)), workers=2, chunk=1, people=False)):
        ahead.append(len(sent) - (i + 1))  # groups of one draw: sent beyond those taken back
        out.append(res)
    assert max(ahead) == sim.GROUPS_AHEAD * 2 and ahead[-1] == 0
    for i, res in enumerate(out):
        assert res.spec is specs[i]
        pd.testing.assert_frame_equal(res.monthly, simulate(specs[i], seed=i).monthly, check_exact=True)


@pytest.mark.slow
def test_a_script_without_the_main_guard_is_told_how_to_fix_it(tmp_path):
    """Worker processes import the script that starts them: one that runs draws at import stops its workers
    before they start, and is told to put its work under `if __name__ == "__main__":`, not shown a broken pool."""
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "psa_script.py"
    script.write_text(
        "import model.engine.simulate as sim\n"
        "from helpers import small\n"
        "from model import build_spec, validate_scenario\n"
        "sim.PARALLEL_MIN = 0\n"
        "specs = [build_spec(validate_scenario(small(seed=s))) for s in (1, 2)]\n"
        "try:\n"
        "    sim.simulate_draws(specs, seed=5, workers=2)\n"
        "except sim.WorkersStopped as exc:\n"
        "    print('told:', exc)\n")
    here = Path(__file__).resolve().parent
    env = {"PYTHONPATH": f"{here.parent}:{here}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300)
    assert 'told: a worker process stopped' in done.stdout, done.stderr[-2000:]
    assert 'if __name__ == "__main__":' in done.stdout
