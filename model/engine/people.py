"""Population synthesis: who is there at the start, and who enters each cycle.

Counts come from `model.compile.counts`; attributes that are chances (band of an entrant, age within an
age band, wanting work, holding a personal budget, entry state) come from the creation stream's row for
that id (see `model.engine.streams`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.compile.counts import allocate
from model.engine import streams


@dataclass(frozen=True)
class People:
    """Attributes of a batch of new people, as arrays in id order."""

    ids: np.ndarray
    band: np.ndarray
    age: np.ndarray
    state: np.ndarray
    wants_work: np.ndarray
    personal_budget: np.ndarray
    personal_budget_u: np.ndarray  # the uniform behind it: uptake for work takes holders in its order
    months_in_state: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def pick(cum_shares: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The category each uniform falls in, given cumulative shares ending at 1."""
    return np.minimum(np.searchsorted(cum_shares, u, side="right"), len(cum_shares) - 1)


def _choices(spec, u: np.ndarray, band: np.ndarray) -> dict:
    """What each person's creation uniforms decide beyond band and age: wanting work, holding a budget."""
    return dict(wants_work=u[:, streams.CREATE_WANTS_WORK] < spec.cohort.wants_work[band],
                personal_budget=u[:, streams.CREATE_PERSONAL_BUDGET] < spec.cohort.personal_budget_share,
                personal_budget_u=u[:, streams.CREATE_PERSONAL_BUDGET])


def initial_people(spec, create_u: np.ndarray) -> People:
    """The initial stock: group by group, band by band, age band by age band, in id order."""
    bands, ages, states, tenure = [], [], [], []
    lo_edges, hi_edges = spec.cohort.age_lo, spec.cohort.age_hi
    for group in spec.cohort.initial_groups:
        cells = allocate(group.count, np.outer(group.band_mix, group.age_mix).ravel())
        for cell, n in enumerate(cells):
            b, a = divmod(cell, len(group.age_mix))
            bands += [b] * n
            ages += [a] * n
            states += [group.state] * n
            tenure += [group.months_in_state] * n
    n = len(bands)
    u = create_u[:n]
    band = np.array(bands, dtype=np.int64)
    age_band = np.array(ages, dtype=np.int64)
    age = lo_edges[age_band] + u[:, streams.CREATE_AGE] * (hi_edges[age_band] - lo_edges[age_band])
    return People(
        ids=np.arange(n, dtype=np.int64),
        band=band,
        age=age,
        state=np.array(states, dtype=np.int64),
        **_choices(spec, u, band),
        months_in_state=np.array(tenure, dtype=np.int64),
    )


def entrants(spec, first_id: int, n: int, create_u: np.ndarray) -> People:
    """`n` young people entering services, ids from first_id, before the policy's entry route."""
    u = create_u[first_id : first_id + n]
    band = pick(spec.cohort.inflow_band_cum, u[:, streams.CREATE_BAND])
    return People(
        ids=np.arange(first_id, first_id + n, dtype=np.int64),
        band=band,
        age=np.full(n, spec.cohort.inflow_age),
        state=spec.cohort.entry_states[pick(spec.cohort.inflow_entry_cum, u[:, streams.CREATE_ENTRY])],
        **_choices(spec, u, band),
        months_in_state=np.zeros(n, dtype=np.int64),
    )

