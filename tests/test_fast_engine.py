"""The fast engine's own promises: the same numbers whatever the threads, the memory budget or the draws run
beside a draw; a clear message for a bad setting."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from helpers import SCENARIOS, small
from model import build_spec, load_scenario, simulate, simulate_draws, validate_scenario
from model.cli import main
from model.engine import kernels, memory, streams, threads, vectorised
from model.engine.policy import BudgetLedger
from test_engines_agree import _draw


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.monthly, b.monthly, check_exact=True)
    pd.testing.assert_frame_equal(a.people, b.people, check_exact=True)


def test_a_draw_alone_equals_itself_among_others_exactly():
    # every sum adds rows in order, so a draw's money does not depend on the draws beside it (it once did, to
    # rounding: one draw alone was summed pairwise)
    specs = [build_spec(validate_scenario(_draw(i))) for i in range(3)]
    for spec, together in zip(specs, simulate_draws(specs, seed=13)):
        _same(simulate(spec, seed=13), together)


def test_exact_sums_by_draw_are_math_fsum_bit_for_bit():
    # the budget ledgers of every draw are summed in one compiled call; both engines read the same call, and its
    # sums must not depend on the order packages come in (cancelling and tiny terms are where it could go wrong)
    rng = np.random.default_rng(3)
    for trial in range(400):
        n_draws, n = int(rng.integers(1, 5)), int(rng.integers(0, 30))
        d = rng.integers(0, n_draws, n)
        values = rng.choice([1e16, -1e16, 1.0, 0.1, -0.1, 2.0**-60, 3.0], n) if trial % 2 else rng.random(n) * 1e4
        start = rng.random(n_draws) * 100
        got = kernels.fsum_by_draw(start, d, values)
        assert got.tolist() == [math.fsum([start[k], *values[d == k]]) for k in range(n_draws)]


def test_entrants_made_a_few_cycles_ahead_give_the_same_run(monkeypatch):
    # entrants are made ahead up to the next period of numbers, at most _ENTRANTS_AT_ONCE rows at a time; made a
    # cycle or two at a time, over a change of period and with several draws, the runs are the same
    d = small(horizon={"years": 4})
    d["population"]["wants_work"]["low"] = {"years": [0, 2], "values": [0.2, 0.9]}
    specs = [build_spec(validate_scenario(d))] * 3
    once = [simulate(specs[0], seed=4), *simulate_draws(specs, seeds=[4, 5, 6])]
    monkeypatch.setattr(vectorised, "_ENTRANTS_AT_ONCE", 5)
    for a, b in zip(once, [simulate(specs[0], seed=4), *simulate_draws(specs, seeds=[4, 5, 6])]):
        _same(a, b)


def test_the_budgets_totals_are_each_cycles_releases_added_by_hand():
    # released: each cycle's packages added to the total so far in one exact sum; moved: those released `lag`
    # cycles before, by the draws with that lag (draw 0: none, draw 1: 2 cycles, draw 2: money does not follow)
    pol = build_spec(validate_scenario(small())).policy
    lags = [0, 2, -1]
    ledger = BudgetLedger([dataclasses.replace(pol, money_follows=lag >= 0, lag_cycles=max(lag, 0)) for lag in lags],
                          n_ids=100)
    rng = np.random.default_rng(5)
    released, moved, history = [0.0] * 3, [0.0] * 3, {}
    for cycle in range(10):
        draws = rng.integers(0, 3, 8)
        amounts = rng.choice([1e16, -1e16, 0.1, 3.0, 2.0**-60], 8)
        ledger.release_many(draws, np.arange(8 * cycle, 8 * cycle + 8), cycle, amounts)  # each person once
        history[cycle] = list(zip(draws.tolist(), amounts.tolist()))
        for d, lag in enumerate(lags):
            released[d] = math.fsum([released[d]] + [a for dd, a in history[cycle] if dd == d])
            if 0 <= lag <= cycle:
                moved[d] = math.fsum([moved[d]] + [a for dd, a in history[cycle - lag] if dd == d])
        got_released, got_moved, _ = ledger.split(cycle)
        assert got_released.tolist() == released and got_moved.tolist() == moved, cycle
    with pytest.raises(ValueError, match="cycle by cycle"):
        ledger.release_many(np.array([0]), np.array([99]), 3, np.array([1.0]))  # a release in a cycle gone by


def test_every_draws_waiting_list_is_served_as_one_list_is():
    # the fast engine serves all its draws' lists in one loop: each must get exactly what `fill_places` gives it
    from model.engine.policy import fill_places

    rng = np.random.default_rng(4)
    for _ in range(200):
        D, K = rng.integers(1, 5), rng.integers(1, 4)
        free = np.round(rng.uniform(-2, 6, (D, K)), 1)
        free[rng.random((D, K)) < 0.2] = np.inf
        draw = np.sort(rng.integers(0, D, rng.integers(0, 20)))
        got = kernels.fill_places_by_draw(free, draw)
        for d in range(D):
            assert np.array_equal(got[draw == d], fill_places(free[d], int((draw == d).sum())))


def test_the_compiled_budget_buys_the_places_the_policy_does():
    # the compiled cycle works out places from each draw's budget itself; it must give `places_bought`'s whole
    # places exactly, a place costing nothing or a number too large to hold included
    from model.compile.policy_params import places_bought

    rng = np.random.default_rng(8)
    for _ in range(200):
        D, K = rng.integers(1, 4), rng.integers(1, 4)
        budgets = rng.choice([0.0, 1e300, 1234.5, 7e5], D) * rng.uniform(0.5, 2, D)
        share = rng.dirichlet(np.ones(K), D)
        cost = rng.choice([0.0, 1e-300, 250.0, 1093.75], (D, K))
        assert np.array_equal(kernels.places_bought(budgets, share, cost), places_bought(budgets, share, cost))


def _list_key(uid, join, m, n_ids):
    return (uid // n_ids * (m + 1) + join) * n_ids + uid % n_ids


def test_a_waiting_list_kept_in_order_and_merged_is_the_whole_list_sorted():
    # the list is kept in order from cycle to cycle and those who join are merged in: it must be what a stable
    # sort of the whole list by draw, cycle joined and id gives, without those who have left it
    rng = np.random.default_rng(9)
    n_ids = 50
    for _ in range(300):
        m = int(rng.integers(0, 30))
        D = int(rng.integers(1, 4))
        old = np.unique(rng.integers(0, D * n_ids, rng.integers(0, 25)))
        old_join = rng.integers(0, m + 1, len(old))
        keep = np.argsort(_list_key(old, old_join, m, n_ids), kind="stable")
        new = rng.integers(0, D * n_ids, rng.integers(0, 10))
        new_join = np.where(rng.random(len(new)) < 0.8, m, rng.integers(0, m + 1, len(new)))
        uid, join = np.concatenate([old[keep], new]), np.concatenate([old_join[keep], new_join])
        queued = rng.random(D * n_ids) < 0.85
        got = kernels._list_in_order(uid, join, len(old), queued, m, n_ids)
        here = queued[uid]
        order = np.argsort(_list_key(uid[here], join[here], m, n_ids), kind="stable")
        assert np.array_equal(got[0], uid[here][order]) and np.array_equal(got[1], join[here][order])


def test_block_places_kept_as_people_come_and_go_equal_a_recount_every_cycle():
    # the engine counts block places filled once, then adds admissions and frees the places of people who leave
    # support or the model; a place freed twice, or never, would let the budget buy the wrong number of places
    from model.engine.vectorised import VectorisedEngine

    run = VectorisedEngine([build_spec(validate_scenario(_draw(i))) for i in range(4)], 7)
    freed = 0
    while run.cycle < run.spec.calendar.n_cycles:
        before = run.block_filled.sum()
        run.step()
        assert run.block_filled.tolist() == run._block_places_filled().tolist()
        freed += max(0, before - run.block_filled.sum())
    assert freed > 0  # people did leave block places


@pytest.mark.parametrize("cycle", ["month", "year"])
def test_rows_counted_by_key_as_they_change_equal_a_recount_every_cycle(cycle):
    # a cycle's money is counts of rows by key times rates; the counts are kept as rows enter, move, leave and step
    # on in time, never recounted: a change missed would charge a state someone has left, or miss one they are in,
    # and a row in its first months in a state counted at the wrong step of time would be charged the wrong rate
    # (a year's cycle takes a row past several steps at once)
    from model.engine.vectorised import VectorisedEngine

    draws = [dict(_draw(i), cycle=cycle, horizon={"years": 8}) for i in ([0, 1, 2] if cycle == "month" else [0, 1, 3])]
    for d in draws:  # steps at 3, 6 and 18 months: a year's cycle takes a row past two of them, not to the last
        d["transitions"]["paid_work"]["day_service"]["time_in_state"] = {"months": [0, 6, 18], "ratio": [2.0, 1.0, 0.5]}
    run = VectorisedEngine([build_spec(validate_scenario(d)) for d in draws], 11)
    L, counts, n_keys = run.layout, run.counts, run.layout.S1 * run.layout.B * run.layout.T
    c, R, T = L.cycle_months, counts.young.shape[1], L.T
    seg = lambda months: np.searchsorted(run.spec.moves.tis_edges, months, side="right") - 1  # noqa: E731
    assert R == 18 and T == 4
    while run.cycle < run.spec.calendar.n_cycles:
        run.step()
        m, p = run.cycle, run.p  # a cycle ends with the counts moved on to the next (`kernels._steps_move_on`)
        here = p.state < run.GONE
        d, pk = p.d[here].astype(np.int64), p.pathway_key[here].astype(np.int64)
        blk = d * counts.nb + (p.ids[here] >> kernels.BLOCK_SHIFT)
        months = p.months_base[here] + m * c
        assert (p.count_base[here] == p.months_base[here]).all(), m
        job = (pk >= 0) & (pk < counts.job_keys)
        at_step = 2 * (p.cost_key[here] - d * n_keys + seg(months)) + job  # the row's key at its step at cycle m
        by_cost = np.zeros_like(counts.by_cost_key)
        np.add.at(by_cost, (blk, at_step), 1)
        assert (counts.by_cost_key == by_cost).all(), m
        young = months < R  # also counted by months_base mod R in their first R months, to be moved on in bulk
        by_slot = np.zeros_like(counts.young)
        local = (p.cost_key[here] - d * n_keys) // T
        np.add.at(by_slot, (blk[young], p.months_base[here][young] % R, (2 * local + job)[young]), 1)
        assert (counts.young == by_slot).all(), m
        by_pathway = np.zeros_like(counts.by_pathway_key)
        np.add.at(by_pathway, (blk[pk >= 0], pk[pk >= 0]), 1)
        assert (counts.by_pathway_key == by_pathway).all(), m
    assert L.has_policy and counts.by_pathway_key.sum() > 0  # people were on the employment pathway


@pytest.mark.parametrize("n_threads", [1, 2])
def test_a_finished_run_is_freed_when_let_go_not_when_the_cycle_collector_next_runs(n_threads):
    # a worker runs chunk after chunk: a run held in a reference cycle kept its arrays (a few hundred MiB) until the
    # cycle collector next ran, and a 1,000-draw PSA's workers grew past 1 GiB
    import weakref

    from model.analysis.psa_draws import collector_paused
    from model.engine.vectorised import VectorisedEngine

    run = VectorisedEngine([build_spec(validate_scenario(small()))] * 2, 5, threads=n_threads)
    run.run()
    people = weakref.ref(run.p)
    with collector_paused():
        del run
        assert people() is None


def test_rows_shared_among_threads_give_the_same_numbers(monkeypatch):
    # each thread takes whole blocks of ids and every sum is kept by block, so 1, 2 or 3 threads add the same
    # numbers in the same order; blocks of 8 ids and no minimum of rows make a small run split many ways
    spec = build_spec(validate_scenario(small()))
    monkeypatch.setattr(threads, "_MIN_ROWS", 1)
    monkeypatch.setattr(threads, "BLOCK_SHIFT", 3)
    monkeypatch.setattr(kernels, "BLOCK_SHIFT", 3)
    split = []
    ranges = threads.RowThreads.ranges

    def cut_at_blocks(self, d, ids, D):
        # a block cut in two would have two threads writing its sums at once: the numbers would then depend on
        # which finished first, so every cut must fall between blocks
        out = ranges(self, d, ids, D)
        for lo, _ in out[1:]:
            assert (d[lo - 1], ids[lo - 1] >> 3) != (d[lo], ids[lo] >> 3)
        split.append(len(out))
        return out

    monkeypatch.setattr(threads.RowThreads, "ranges", cut_at_blocks)
    one = simulate(spec, seed=5, threads=1)
    for n in (2, 3):
        _same(one, simulate(spec, seed=5, threads=n))
    assert max(split) == 3


def test_exits_and_moves_made_in_two_ranges_come_together_as_made_in_one(monkeypatch):
    # with several threads each makes the exits and moves of its own rows; put together, what they add up to (those
    # joining the waiting list and the day-service money released in row order: the budget adds the money in that
    # order) and every row and count they change must be what one call over all the rows makes
    from model.engine import cycle, streams

    monkeypatch.setattr(threads, "BLOCK_SHIFT", 3)
    monkeypatch.setattr(kernels, "BLOCK_SHIFT", 3)
    spec = build_spec(load_scenario(SCENARIOS / "essex_live.yaml")).with_cycles(60)
    e = vectorised.VectorisedEngine(spec, 5)
    L, t, c = e.layout, e.t, e.counts
    released = 0
    for _ in range(48):
        m, n, r = e.cycle, e.p.n, e._rows()
        kernels._ages_move_on(L, m, 0, n, r.d, r.band, r.entry_age, r.entered, r.band_at, r.age_band, r.key,
                              r.leave_p, t.next_age_edge, t.death_p, t.move_p)
        decided = kernels._decide_made(m, 0, n, e._no_numbers, streams.cycle_starts(e._entropy, m), 0, 1, 2, L.gone,
                                       r.d, r.ids, r.state, r.retire_at, r.leave_p, r.key, r.exposure_base,
                                       L.cycle_months, t.tis_lut, t.total, t.cum, kernels.decide_space(n))
        cut = threads._next_cut(r.d[:n], r.ids[:n], n // 2, 3)

        def made(ranges):
            rows = kernels.Rows(*(a.copy() for a in r))
            extra, queued = tuple(a.copy() for a in e._extra), e.queued.copy()
            counts = [a.copy() for a in (c.by_cost_key, c.by_pathway_key, c.young)]
            parts = []
            for lo, hi in ranges:
                mine = [(decided[0] >= lo) & (decided[0] < hi), (decided[2] >= lo) & (decided[2] < hi)]
                part = [a[mine[0] if k < 2 else mine[1]] for k, a in enumerate(decided)]
                parts.append(cycle._leave_and_move(L, t, rows, extra, *counts, c.nb, c.job_keys, 3, m, 1,
                                                   spec.cohort.n_ids, e.block_filled.shape[1], *part,
                                                   e._pb_cutoffs(m), queued, True))
            return [*(cycle._merged(*parts) if len(parts) == 2 else parts[0]), *rows, *extra, queued, *counts]

        one, two = made([(0, n)]), made([(0, cut), (cut, n)])
        assert len(one) == len(two)
        for x, y in zip(one, two):
            assert x.dtype == y.dtype and np.array_equal(x, y)
        released += len(one[8]) > 0 and len(one[8]) > len(made([(0, cut)])[8]) > 0  # money released in both ranges
        e.step()
    assert released > 3


def test_the_memory_budget_sets_the_draws_run_together_not_the_numbers(monkeypatch):
    specs = [build_spec(validate_scenario(_draw(i))) for i in range(4)]
    n_ids = specs[0].cohort.n_ids
    assert memory.draws_at_once(specs[0], memory_mib=1e-6) == 1
    assert memory.draws_at_once(specs[0], memory_mib=2 * memory.BYTES_PER_DRAW_ROW * n_ids / 2**20) == 2
    assert memory.draws_at_once(specs[0], memory_mib=4 * memory.BYTES_PER_DRAW_ROW * n_ids / 2**20, processes=2) == 2
    monkeypatch.setenv(memory.MEMORY_ENV, "1")
    assert memory.draws_at_once(specs[0]) == 2**20 // (memory.BYTES_PER_DRAW_ROW * n_ids)
    for a, b in zip(simulate_draws(specs, seed=3), simulate_draws(specs, seed=3, memory_mib=1e6)):
        _same(a, b)
    monkeypatch.setenv(memory.MEMORY_ENV, "a lot")
    with pytest.raises(ValueError, match="DAYSHIFT_MEMORY_MIB must be a number of MiB, e.g. 1024"):
        memory.draws_at_once(specs[0])


@pytest.mark.parametrize("option", ["--threads", "--memory-mib"])
def test_a_setting_below_one_is_refused(option, capsys):
    args = ["compare", "a.yaml", "b.yaml"] if option == "--memory-mib" else ["run", "a.yaml"]
    assert main([*args, option, "0"]) == 2
    assert f"{option} must be at least 1 (got 0)" in capsys.readouterr().err


def test_a_bad_memory_setting_in_the_environment_is_refused_before_work(monkeypatch, capsys):
    monkeypatch.setenv("DAYSHIFT_MEMORY_MIB", "lots")
    assert main(["run", "a.yaml"]) == 2
    assert "DAYSHIFT_MEMORY_MIB must be a number of MiB, e.g. 1024 (got 'lots')" in capsys.readouterr().err


def test_what_time_changes_is_changed_in_the_cycle_it_changes_as_a_recount_every_cycle():
    # a row's age band (and so its chances and pension age) changes only in the cycle `band_at` or `retire_at` gives,
    # not by visiting every row every cycle: a cycle late or early would move a person at the wrong rate, and a band
    # crossed with no event due would never be seen (its steps of time in its state are in the counts: above)
    from model.engine.vectorised import VectorisedEngine

    specs = [build_spec(validate_scenario(dict(_draw(i), horizon={"years": 8}))) for i in range(2)]
    run = VectorisedEngine(specs, 3)
    c, spec = run.spec.calendar.cycle_months, run.spec
    while run.cycle < spec.calendar.n_cycles:
        run.step()
        m, p = run.cycle - 1, run.p  # the rows as cycle m left them: decided, moved and charged in it
        here = p.state < run.GONE
        age = p.entry_age[here] + ((m - p.entered[here]) * c) / 12.0
        assert (p.age_band[here] == spec.cohort.age_band(age)).all(), m
        assert (p.key[here] % run.dims[-1] == 0).all(), m  # `_decide_rows` adds the step of time exposed itself
        assert (p.band_at[here] > m).all() and (age < run.pension_age[p.d[here]]).all(), m
    crossed = (p.age_band != spec.cohort.age_band(p.entry_age))[here]
    retired = sum(run.monthly_frame(d)["exits_retired"].sum() for d in range(2))
    assert crossed.sum() > 0 and retired > 0  # people did change band, and retire


def test_runs_with_and_without_a_policy_share_one_compiled_cycle():
    # the compiled cycle takes up to half a minute to compile; a run without a policy is given arrays of the types
    # a policy's budget has, so that it reuses what a run with one compiled (and `make` warms up), not compile again
    from model.engine import cycle

    no_policy = small()
    no_policy.pop("policy")
    no_policy["public_purse"].pop("in_work", None)  # earnings count in the policy's work state
    no_policy["costs"].setdefault("no_cost", {})["supported_employment"] = "no policy: nobody is supported"
    simulate(build_spec(load_scenario(SCENARIOS / "essex_live.yaml")), n_cycles=2)
    simulate(build_spec(validate_scenario(no_policy)), n_cycles=2)
    assert len(cycle._cycles.signatures) == 1


def test_compiled_code_is_cached_under_every_engine_file_that_holds_compiled_code():
    # numba checks a cached function against its own file only: the compiled cycle (cycle.py) would go on running
    # the old code of the loops it calls (kernels.py) after they changed. Every engine file with compiled code is in
    # the stamp, every compiled function goes through `compiled.jit`, and the cycle's cache reads that stamp.
    from pathlib import Path

    from model.engine import compiled, cycle

    engine = Path(compiled.__file__).parent
    texts = {p.name: p.read_text() for p in engine.glob("*.py") if p.name != "compiled.py"}
    holding = {name for name, text in texts.items() if any(k in text for k in ("compiled.jit", "@_jit", "@_inner"))}
    assert holding and holding <= set(compiled.SOURCES)
    assert not [name for name, text in texts.items() if "numba.njit" in text or "cache=True" in text]
    assert cycle._cycles._cache._impl.locator.get_source_stamp() == compiled.stamp()


def test_every_field_is_kept_once_and_a_rows_record_is_whole_cache_lines():
    # a field in neither place has no array, one in both two (the loops would write one and read the other)
    own, record = set(vectorised._ON_THEIR_OWN), set(vectorised._IN_RECORD)
    assert not own & record and own | record == set(vectorised._FIELDS)
    p = vectorised._People(10, 7)
    assert p._words.ctypes.data % 64 == 0 and p._words.shape[1] * 8 % 64 == 0
    p.cost[:] = 1.0  # no rows in use: writes nothing
    p.append(dict(ids=np.arange(3), cost=np.array([1.0, 2.0, 3.0])), dict(cost_key=-1))
    p.compact(np.array([True, False, True]))
    assert p.cost.tolist() == [1.0, 3.0] and p.cost_key.tolist() == [-1, -1] and p.ids.tolist() == [0, 2]
    assert p.kernel_rows.cost[2:].tolist() == [0.0] * 8  # rows past those in use are zero again
    # a run of one person has fields of the types any other run has: the compiled loops serve it as they are
    import numba

    assert [numba.typeof(a) for a in vectorised._People(1, 7).kernel_rows] == [numba.typeof(a) for a in p.kernel_rows]


@pytest.mark.parametrize("case", ["essex_live", "lifetime", "nobody"])
def test_cycles_run_in_one_compiled_call_equal_cycles_run_one_at_a_time(case):
    # a run makes its cycles many to a compiled call (`cycle.cycles`), a dozen at a time when it tells its progress,
    # and stops a call for a new period of numbers, the entrants made ahead, a compaction and a lifetime run's end
    # (with nobody in it at all, too: no row leaves to stop it); `step` makes one: all must give the same numbers,
    # and a lifetime run must end in the same cycle
    if case != "essex_live":
        d = small(horizon="lifetime")
        d["population"]["inflow"]["until_year"] = 2
        d["population"]["initial"] = [{"state": "day_service", "count": 140 if case == "lifetime" else 0}]
        if case == "nobody":
            d["population"]["inflow"]["per_year"] = 0
        spec = build_spec(validate_scenario(d))
    else:
        from model.compile.spec import compiled

        spec = compiled(load_scenario(SCENARIOS / "essex_live.yaml")).with_cycles(150)
        assert 0 < max(k for k, _ in spec.periods) < 150  # a new period of numbers during the run
    runs, compactions, calls = [], [], []
    for how in ("whole", "told", "steps"):
        e = vectorised.VectorisedEngine(spec, 5)
        compact = e.p.compact
        e.p.compact = lambda keep, compact=compact: compactions.append(how) or compact(keep)
        cycles = e._cycles
        e._cycles = lambda most, *a, cycles=cycles: calls.append((how, most)) or cycles(most, *a)
        if how == "steps":  # as `run`, a cycle at a time
            while e.cycle < spec.calendar.n_cycles:
                e.step()
                if spec.run_over(e.cycle, lambda: bool(np.any(e.p.state < e.GONE))):
                    break
        else:
            e.run(progress=(lambda done, total: None) if how == "told" else None)
        runs.append((e.monthly_frame(0), pd.DataFrame(e.person_rows(0))))
    for monthly, people in runs[1:]:
        pd.testing.assert_frame_equal(monthly, runs[0][0])
        pd.testing.assert_frame_equal(people, runs[0][1])
    assert len(runs[0][0]) < spec.calendar.n_cycles if case != "essex_live" else len(runs[0][0]) == 150
    if case != "nobody":
        assert {"whole", "steps"} <= set(compactions)
        assert {most for how, most in calls if how == "told"} == {vectorised._CYCLES_TOLD}
        assert len([c for c in calls if c[0] == "whole"]) < len([c for c in calls if c[0] == "told"]) < len(runs[0][0])


def test_draws_on_one_seed_run_many_cycles_to_a_call_each_as_it_runs_alone():
    # draws run together on one seed read one array of a cycle's uniforms, which the compiled cycles fill from the
    # seed's stream, cycle after cycle in one call: each draw as it runs alone (its uniforms made as its rows decide)
    from model.analysis.psa_draws import draw_specs

    specs = [s.with_cycles(80) for s in draw_specs(load_scenario(SCENARIOS / "essex_live.yaml"), 3, seed=2)[0]]
    e = vectorised.VectorisedEngine(specs, 5)
    assert e._one_array
    calls = []
    cycles = e._cycles
    e._cycles = lambda most, *a: calls.append(most) or cycles(most, *a)
    e.run()
    assert len(calls) < 10
    for d, spec in enumerate(specs):
        alone = vectorised.VectorisedEngine(spec, 5)
        alone.run()
        pd.testing.assert_frame_equal(e.monthly_frame(d), alone.monthly_frame(0))
        pd.testing.assert_frame_equal(pd.DataFrame(e.person_rows(d)), pd.DataFrame(alone.person_rows(0)))
    # and as numpy makes them (`streams.cycle_uniforms`), a row an id made by the cycle
    u = e._u_one[0]
    assert np.array_equal(u[: e._ids_by_cycle[79]], streams.cycle_uniforms(5, 79, int(e._ids_by_cycle[79])))
