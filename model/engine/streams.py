"""The layout of random numbers, shared by every engine so that they make identical draws.

Two streams, both from `numpy.random.SeedSequence(seed, spawn_key=...)`:

- creation: one row per person id (ids are given in order: the initial stock first, then each
  cycle's entrants), columns `CREATE_*`; drawn once for every id the run will ever create.
- decisions: for cycle m, one row per person id created so far, columns `DECIDE_*`.

Rows are filled in id order, so person i's numbers do not depend on how many people there are:
two scenarios that create the same people read the same numbers for the same decision
(common random numbers), whatever either does to its people. The agent engine reads a cycle's decisions from
`cycle_uniforms`; the fast engine makes each row's from where the stream starts (`cycle_starts`, `model.engine.pcg64`).
"""

from __future__ import annotations

import numpy as np

from model.engine import pcg64

CREATE_BAND, CREATE_AGE, CREATE_WANTS_WORK, CREATE_PERSONAL_BUDGET, CREATE_ENTRY = range(5)
N_CREATE = 5
DECIDE_EXIT, DECIDE_MOVE, DECIDE_HOURS = range(3)
N_DECIDE = 3

_STREAM_CREATE = 0
_STREAM_DECIDE = 1


def _bit_generator(seed: int, *key: int) -> np.random.PCG64:
    return np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=key))


def _generator(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(_bit_generator(seed, *key))


def creation_uniforms(seed: int, n_ids: int, out: np.ndarray | None = None) -> np.ndarray:
    """Uniforms for every person's attributes: shape (n_ids, N_CREATE); made in `out` if given."""
    return _generator(seed, _STREAM_CREATE).random((n_ids, N_CREATE), out=out)


def cycle_uniforms(seed: int, cycle: int, n_ids: int, out: np.ndarray | None = None) -> np.ndarray:
    """Uniforms for cycle `cycle`'s decisions: shape (n_ids, N_DECIDE), row = person id; made in `out` if given."""
    return _generator(seed, _STREAM_DECIDE, cycle).random((n_ids, N_DECIDE), out=out)


def cycle_starts(seeds: list[int], cycle: int) -> np.ndarray:
    """Where each seed's stream of cycle `cycle`'s decision uniforms starts, for `kernels._decide` to make them row by
    row: shape (len(seeds), 4), the PCG64 state and increment as uint64 halves (`pcg64.state_of`)."""
    return np.array([pcg64.state_of(_bit_generator(s, _STREAM_DECIDE, cycle)) for s in seeds],
                    dtype=np.uint64).reshape(len(seeds), 4)


def seed_from(rng: int | np.random.Generator | None, default: int) -> int:
    """A root seed from what a caller gave: an int is used as is, a Generator gives one draw."""
    if rng is None:
        return int(default)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63 - 1))
    if isinstance(rng, (int, np.integer)) and int(rng) >= 0:
        return int(rng)
    raise TypeError(f"rng must be a non-negative int, a numpy Generator or None, not {rng!r}")
