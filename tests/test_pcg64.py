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
