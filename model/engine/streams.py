"""The layout of random numbers, shared by every engine so that they make identical draws.

Two streams, both from `numpy.random.SeedSequence(seed, spawn_key=...)`:

- creation: one row per person id (ids are given in order: the initial stock first, then each
  cycle's entrants), columns `CREATE_*`; drawn once for every id the run will ever create.
- decisions: for cycle m, one row per person id created so far, columns `DECIDE_*`.

Rows are filled in id order, so person i's numbers do not depend on how many people there are:
two scenarios that create the same people read the same numbers for the same decision
(common random numbers), whatever either does to its people. The agent engine reads a cycle's decisions from
`cycle_uniforms`; the fast engine makes each row's from where the stream starts (`cycle_starts`, `model.engine.pcg64`),
except that draws run together on one seed read one array of `cycle_uniforms`' numbers, filled from where the
stream starts in the compiled cycles.
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


def _generator(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=key)))


def creation_uniforms(seed: int, n_ids: int) -> np.ndarray:
    """Uniforms for every person's attributes: shape (n_ids, N_CREATE)."""
    return _generator(seed, _STREAM_CREATE).random((n_ids, N_CREATE))


def cycle_uniforms(seed: int, cycle: int, n_ids: int) -> np.ndarray:
    """Uniforms for cycle `cycle`'s decisions: shape (n_ids, N_DECIDE), row = person id."""
    return _generator(seed, _STREAM_DECIDE, cycle).random((n_ids, N_DECIDE))


def decision_entropy(seeds: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Each seed's decision streams as numpy's SeedSequence takes them, with a last word for the cycle
    (`cycle_starts`): the words, a row per seed, and how many of each row's are used."""
    rows = [pcg64.entropy_words(s, (_STREAM_DECIDE, 0)) for s in seeds]
    out = np.zeros((len(rows), max(map(len, rows))), dtype=np.uint32)
    for k, r in enumerate(rows):
        out[k, : len(r)] = r
    return out, np.array([len(r) for r in rows], dtype=np.int64)


def cycle_starts(entropy: tuple[np.ndarray, np.ndarray], cycle: int) -> np.ndarray:
    """Where each seed's stream of cycle `cycle`'s decision uniforms starts, for `kernels._decide_rows` to make them
    row by row: shape (seeds, 4), the PCG64 state and increment as uint64 halves (`pcg64.state_of`), made without
    numpy's objects (`pcg64.seeded`); `entropy` is `decision_entropy(seeds)`."""
    if not 0 <= cycle < 2**32:  # one word in the spawn key, as `decision_entropy` leaves room for
        raise ValueError(f"a cycle's number must fit in 32 bits, not {cycle}")
    return pcg64.starts(*entropy, cycle)


def seed_from(rng: int | np.random.Generator | None, default: int) -> int:
    """A root seed from what a caller gave: an int is used as is, a Generator gives one draw."""
    if rng is None:
        return int(default)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63 - 1))
    if isinstance(rng, (int, np.integer)) and int(rng) >= 0:
        return int(rng)
    raise TypeError(f"rng must be a non-negative int, a numpy Generator or None, not {rng!r}")
