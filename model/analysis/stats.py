"""Statistics over runs: seeds for independent replications, and a mean with its 95% interval."""

from __future__ import annotations

import numpy as np


def replication_seed(root: int, replication: int) -> int:
    """The seed of replication r, spawned from one root seed (as SeedSequence(root).spawn(n)[r])."""
    child = np.random.SeedSequence(int(root), spawn_key=(int(replication),))
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


def replication_seeds(root: int, n: int) -> list[int]:
    """Independent seeds for n replications, spawned from one root seed."""
    return [replication_seed(root, r) for r in range(n)]


def interval(values) -> dict:
    """Mean and 95% interval (2.5% and 97.5% points) of a set of runs; NaNs are left out."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return dict(mean=None, low=None, high=None)
    return dict(mean=float(v.mean()), low=float(np.percentile(v, 2.5)), high=float(np.percentile(v, 97.5)))

