"""The compiled PCG64 gives numpy's uniforms bit for bit, from the start of a stream and from any point of it."""

import numpy as np
import pytest

from model.engine import pcg64, streams


def _numpy(seed: int, key: tuple, shape: tuple) -> np.ndarray:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key))).random(shape)


@pytest.mark.parametrize("seed, key", [(0, (1, 0)), (20200401, (1, 239)), (2**63 + 5, (0,))])
def test_the_stream_is_numpys_bit_for_bit(seed, key):
    want = _numpy(seed, key, (20_000, streams.N_DECIDE))
    got = np.empty_like(want)
    pcg64.fill(*pcg64.state_of(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key))), got)
    assert np.array_equal(got.view(np.uint64), want.view(np.uint64))


@pytest.mark.parametrize("row", [0, 1, 7, 12_345, 19_999])
def test_a_block_of_rows_starts_at_its_own_point_of_the_stream(row):
    seed, key = 42, (1, 3)
    want = _numpy(seed, key, (20_000, streams.N_DECIDE))[row:row + 50]
    state = pcg64.state_of(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
    s_hi, s_lo = pcg64.advance(*state, streams.N_DECIDE * row)
    got = np.empty((len(want), streams.N_DECIDE))
    pcg64.fill(s_hi, s_lo, state[2], state[3], got)
    assert np.array_equal(got.view(np.uint64), want.view(np.uint64))


def test_advance_is_numpys():
    for delta in (1, 2, 3, 1_000, 123_457, 2**40 + 3):
        bg = np.random.PCG64(9)
        state = pcg64.state_of(bg)
        bg.advance(delta)
        want = pcg64.state_of(bg)[:2]
        assert tuple(int(x) for x in pcg64.advance(*state, delta)) == tuple(int(x) for x in want)


def test_decisions_make_each_rows_numbers_as_numpy_lays_them_out():
    # the fast engine makes a cycle's uniforms row by row (`kernels._decide_rows`): each draw's rows come in id order
    # with gaps where people left (crossed by a table up to 64 draws, by `advance` beyond), draws' rows interleave, and
    # a row that leaves or stays draws no more than it needs; every number must still be numpy's for that id
    from model.engine import kernels

    rng = np.random.default_rng(3)
    m, n_ids, seeds, gone, never = 7, 3_000, [11, 12, 13], 4, kernels.NEVER
    ids_of = [np.sort(rng.choice(n_ids, size=1_200, replace=False)) for _ in seeds]
    ids_of = [ids[(ids < 1_500) | (ids >= 1_600)] for ids in ids_of]  # a run of people who left
    parts = [(dd, ids[(ids >= lo) & (ids < hi)]) for lo, hi in ((0, 1_000), (1_000, n_ids))
             for dd, ids in enumerate(ids_of)]  # each draw's early ids, then each draw's later ones
    d = np.concatenate([np.full(len(ids), dd, dtype=np.int32) for dd, ids in parts])
    ids = np.concatenate([ids for _, ids in parts]).astype(np.int64)
    n = len(d)
    state = np.where(rng.random(n) < 0.1, gone, 0).astype(np.int8)
    retire_at = np.where(rng.random(n) < 0.05, m, never).astype(np.int32)
    leave_p = 0.3 * rng.random(n)
    # two rows of chances (0 and 2), each with a step of time exposed to a decision (0 months, then 1 or more)
    key = 2 * rng.integers(0, 2, n).astype(np.int32)
    exposure_base = rng.integers(-m - 2, -m + 2, n).astype(np.int32)
    tis_lut = np.array([0, 1])
    cum = np.array([[0.2, 0.35, 0.5], [0.1, 0.1, 0.6], [0.0, 0.0, 0.0], [0.0, 0.3, 0.3]])
    total = cum[:, -1].copy()
    cols = np.uint32(streams.DECIDE_EXIT), np.uint32(streams.DECIDE_MOVE), np.uint32(streams.DECIDE_HOURS)
    start = streams.cycle_starts(streams.decision_entropy(seeds), m)
    got = kernels._decide_made(m, 0, n, np.zeros((1, 0, streams.N_DECIDE)), start, *cols, gone, d, ids, state,
                               retire_at, leave_p, key, exposure_base, 1, tis_lut, total, cum, kernels.decide_space(n))

    u = [streams.cycle_uniforms(s, m, n_ids) for s in seeds]
    want = [[], [], [], [], []]
    for i in range(n):
        x = u[d[i]][ids[i]]
        if state[i] == gone:
            continue
        if m >= retire_at[i] or x[streams.DECIDE_EXIT] < leave_p[i]:
            want[0].append(i)
            want[1].append(0.0 if m >= retire_at[i] else x[streams.DECIDE_EXIT])
            continue
        k = key[i] + tis_lut[min(max(0, exposure_base[i] + m), 1)]
        if x[streams.DECIDE_MOVE] < total[k]:
            want[2].append(i)
            want[3].append(int(np.argmax(x[streams.DECIDE_MOVE] < cum[k])))
            want[4].append(x[streams.DECIDE_HOURS])
    assert len(want[0]) > 100 and len(want[2]) > 100
    for g, w in zip(got, want):
        assert np.array_equal(g, np.array(w, dtype=g.dtype))
    gaps = np.diff(ids[d == 0])
    assert gaps.max() * streams.N_DECIDE > kernels._JUMP and gaps.min() == 1


@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1, 2**32, 20200401, 2**63 + 5, 2**64 + 7, 2**130 + 3])
def test_where_a_cycles_stream_starts_is_numpys_seeding(seed):
    # numpy's SeedSequence and PCG64 seeding, made in compiled code: words of the seed padded to the pool, the
    # spawn key's words after, a seed longer than the pool mixed in after it
    entropy = streams.decision_entropy([seed, 7])
    for cycle in (0, 1, 239, 2**32 - 1):
        got = streams.cycle_starts(entropy, cycle)[0]
        bg = np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(1, cycle)))
        assert tuple(int(x) for x in got) == tuple(int(x) for x in pcg64.state_of(bg))
    for key in ((), (0,), (1, 2**32 + 5)):
        want = pcg64.state_of(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
        assert tuple(int(x) for x in pcg64.seeded(pcg64.entropy_words(seed, key))) == tuple(int(x) for x in want)
