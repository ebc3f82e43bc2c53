"""Population synthesis: who is there at the start, and who enters each cycle.

Counts come from `model.compile.counts`; attributes that are chances (band of an entrant, age within an
age band, wanting work, holding a personal budget, entry state) come from the creation stream's row for
that id (see `model.engine.streams`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

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


def concat(batches: list[People]) -> People:
    """Batches of people, one after another."""
    return People(**{f.name: np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(People)})


def pick(cum_shares: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The category each uniform falls in, given cumulative shares ending at 1: one table for every uniform, or
    tables laid out like `u` with the shares last (how many shares are at or below the uniform)."""
    return np.minimum((u[..., None] >= cum_shares).sum(axis=-1), cum_shares.shape[-1] - 1)


@dataclass(frozen=True)
class CohortTables:
    """What making people reads from each parameter set's cohort, stacked by set: made once per period of numbers,
    not every cycle."""

    band_cum: np.ndarray  # [set, band] entrants' band, cumulative shares
    entry_cum: np.ndarray  # [set, entry route] entrants' entry route, cumulative shares
    entry_states: np.ndarray  # [set, entry route] the state each route enters
    age: np.ndarray  # [set] entrants' age
    wants_work: np.ndarray  # [set, band] the share wanting work
    personal_budget_share: np.ndarray  # [set, 1] the share holding a personal budget


def cohort_tables(cohorts: list) -> CohortTables:
    """The cohorts of several parameter sets, stacked."""
    return CohortTables(band_cum=np.stack([c.inflow_band_cum for c in cohorts]),
                        entry_cum=np.stack([c.inflow_entry_cum for c in cohorts]),
                        entry_states=np.stack([c.entry_states for c in cohorts]),
                        age=np.array([c.inflow_age for c in cohorts], dtype=float),
                        wants_work=np.stack([c.wants_work for c in cohorts]),
                        personal_budget_share=np.array([c.personal_budget_share for c in cohorts])[:, None])


def _choices(tables: CohortTables, u: np.ndarray, band: np.ndarray) -> dict:
    """What each person's creation uniforms decide beyond band and age, for each parameter set (`u` and `band`
    with the set first): wanting work, holding a budget."""
    wants_work = np.take_along_axis(tables.wants_work, band, axis=1)
    pb_u = u[..., streams.CREATE_PERSONAL_BUDGET]
    return dict(wants_work=(u[..., streams.CREATE_WANTS_WORK] < wants_work).ravel(),
                personal_budget=(pb_u < tables.personal_budget_share).ravel(), personal_budget_u=pb_u.ravel().copy())


def initial_people(spec, create_u: np.ndarray) -> People:
    """The initial stock: group by group, band by band, age band by age band, in id order."""
    none = np.zeros(0, dtype=np.int64)
    parts = [(none, none, none, none)]  # each group's people: band, age band, state, months in the state
    for group in spec.cohort.initial_groups:
        cells = allocate(group.count, np.outer(group.band_mix, group.age_mix).ravel())
        cell = np.repeat(np.arange(len(cells), dtype=np.int64), cells)  # each person's cell, cell by cell
        parts.append((cell // len(group.age_mix), cell % len(group.age_mix), np.full(len(cell), group.state),
                      np.full(len(cell), group.months_in_state)))
    band, age_band, state, tenure = (np.concatenate(column).astype(np.int64) for column in zip(*parts))
    n = len(band)
    u = create_u[:n]
    lo_edges, hi_edges = spec.cohort.age_lo, spec.cohort.age_hi
    age = lo_edges[age_band] + u[:, streams.CREATE_AGE] * (hi_edges[age_band] - lo_edges[age_band])
    return People(
        ids=np.arange(n, dtype=np.int64),
        band=band,
        age=age,
        state=state,
        **_choices(cohort_tables([spec.cohort]), u[None], band[None]),
        months_in_state=tenure,
    )


def entrants(spec, first_id: int, n: int, create_u: np.ndarray) -> People:
    """`n` young people entering services, ids from first_id, before the policy's entry route."""
    return entrants_of(cohort_tables([spec.cohort]), first_id, n, create_u[None])


def entrants_of(tables: CohortTables, first_id: int, n: int, create_u: np.ndarray) -> People:
    """`entrants` for each of several parameter sets (`tables`), in one batch ordered by set, then id. `create_u`
    holds each set's creation uniforms, or one array every set reads: shape (sets or 1, ids, N_CREATE)."""
    D = len(tables.age)
    u = np.broadcast_to(create_u[:, first_id : first_id + n], (D, n, create_u.shape[2]))
    band = pick(tables.band_cum[:, None], u[..., streams.CREATE_BAND])
    entry = pick(tables.entry_cum[:, None], u[..., streams.CREATE_ENTRY])
    return People(
        ids=np.tile(np.arange(first_id, first_id + n, dtype=np.int64), D),
        band=band.ravel(),
        age=np.repeat(tables.age, n),
        state=np.take_along_axis(tables.entry_states, entry, axis=1).ravel(),
        **_choices(tables, u, band),
        months_in_state=np.zeros(D * n, dtype=np.int64),
    )
