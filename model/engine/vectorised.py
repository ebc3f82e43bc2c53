"""The vectorised engine: the agent engine's rules applied to arrays of people at once.

A row is one person under one parameter set (a "draw"): a single run has one draw, and a probabilistic
sensitivity analysis runs many draws over the same people in one call, every draw reading the same
random numbers. Rows are preallocated for every person the run will create. Someone who leaves has their
row marked with a sentinel state (`GONE`) that costs nothing and never moves; rows are compacted only now
and then, and the rows of people who left are copied out to the per-person table (when person rows are
kept) then.

Each cycle follows `model.agents` step for step and reads the same random numbers (`model.streams`),
the same chance tables (`Spec.cum`) and the same policy objects, so for the same scenario and seed it
gives the same monthly counts, flows and queue figures exactly, and the same money to rounding. What
depends only on a person's state, band, age band and time in state (their row of the chance tables,
exit chances, cost per cycle) is cached per row and refreshed only for rows that change, and for every row
when numbers that change over time enter a new period (`Spec.periods`): the draws' tables are then stacked
again from each draw's spec for that period. A cycle is the decisions every row makes (`cycle.decide`, shared
among threads, which with several also make the exits and moves they decide) and the rest of the cycle (exits and
moves, entrants, the budget and waiting lists, the cycle's money and day centres, recorded in the ledger's store,
and time moving on in the counts for the next cycle), in one compiled call (`cycle.cycles`); when one thread takes
every row, that call makes the decisions too, and as many cycles as it can: Python only makes the entrants ahead,
compacts rows and starts a new period of numbers.

What does not change from one cycle to the next is not worked out again every cycle: a row's age and times in its
state follow from the cycle (`kernels._age`, `kernels._months`), and what depends on them is changed only in the
cycle it changes (`band_at`, `retire_at`); rows are counted by the keys that set their money as they change, and
by their months in their first steps of time in a state (`kernels.KeyCounts`), so a cycle's money is counts times
rates; job outcomes and jobs reaching 6 and 12 months are tallied when people enter work and when the months come
round; and a person's totals take the cycles since their money last changed when it changes again
(`kernels.settle`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from model.compile.spec import Spec
from model.engine import cycle, kernels, people, streams
from model.engine.ledger import CycleLedger, CycleStore, DrawTables, financial_year, month_info, record_columns
from model.engine.policy import BudgetLedger, CentreClosures, fill_places
from model.engine.threads import RowThreads

_INT = np.int64
# Small whole numbers are stored narrow: every cycle's loops read each row's fields, and the time they take is
# the memory they read. States, bands, services and models fit int8 (fewer than 128 of each); times in months,
# cycles, draws and chance-table keys (checked when the tables are stacked) fit int32. Ids and totals stay int64.
_I8, _I32 = np.int8, np.int32
_FIELDS = dict(
    d=_I32, ids=_INT, band=_I8, entry_age=float, age_band=_I8, state=_I8, months_base=_I32, exposure_base=_I32,
    wants_work=bool, personal_budget=bool, personal_budget_u=float, refer_ok=bool, model_k=_I8, spot=bool,
    origin=_I8, hours=float, entered=_I32, one_off=float, state_start=_I32, kept_from=_I8,
    outcome_year=_I32, cost=float, cost_disc=float, outcomes=float, outcomes_disc=float, job_starts=_INT,
    # Cached from the fields above, refreshed only for rows that change:
    key=_I32, leave_p=float, band_at=_I32, retire_at=_I32,
    cost_key=_I32, count_base=_I32, pathway_key=_I32, cost_extra=float,
    # The cycle from which a person's cost and outcome are not yet in their totals (`kernels.settle`):
    since=_I32,
    # How and when a person left (the order of EXIT_STATES; the cycle), for their person row:
    exit_k=_I8, exit_cycle=_I32,
)
# Where the fields are kept. The fields every cycle's decisions read row after row (`cycle.decide`) have an array
# each; the others sit side by side in one record a row (`_People`), in this order: the loops after the decisions
# read and write them a few scattered rows at a time (the rows that move, are refreshed or settled), and a row read
# from a record reads 2 or 3 cache lines, not one a field. Measured: England's compiled rest of the cycle 0.47 ->
# 0.41 s; a 20,000-person, 5-year run 24.0 -> 21.2 ms in its cycles, but as much slower in its set-up and person
# rows (fields written and read a record apart); with every field in the record, the decisions, which then read
# every row's record, were three times slower.
_ON_THEIR_OWN = ("d", "ids", "state", "band", "age_band", "entry_age", "entered", "exposure_base", "retire_at",
                 "band_at", "key", "leave_p")
_IN_RECORD = ("refer_ok", "model_k", "kept_from", "spot", "months_base", "count_base", "cost_key", "pathway_key",
              "since", "cost_extra", "hours", "cost", "cost_disc", "outcomes", "outcomes_disc", "one_off",
              "state_start", "origin", "wants_work", "personal_budget", "personal_budget_u", "outcome_year",
              "job_starts", "exit_k", "exit_cycle")  # then `cycles_in`, one column a state
# The fields a person row reads (`person_rows`), beside its cycles in each state and how and when it left.
_PERSON_FIELDS = ("ids", "band", "wants_work", "personal_budget", "entered", "cost", "cost_disc", "outcomes",
                  "outcomes_disc", "job_starts")
_NEVER = kernels.NEVER
# `CentreClosures.arrays` of a run without day centres: no draw's centres, so the compiled cycle closes none
_NO_CENTRES = (np.zeros(0, dtype=_INT), np.zeros(0), np.zeros(0, dtype=_INT), np.zeros(1, dtype=_INT),
               np.zeros((1, 0), dtype=_INT), np.zeros(1, dtype=_INT), np.zeros(0, dtype=_INT), np.zeros(0, dtype=_INT),
               np.zeros(0))
# Compact the arrays once this share of rows belongs to people who have left. A row that has left costs the
# cycle's passes a byte or two to skip, and a compaction moves every field of every row: at 0.2 a PSA chunk (56
# draws x 5,000 people x 240 cycles) compacts 3 times in 0.03 s, at 0.05 14 times in 0.15 s, of about 2 s.
_COMPACT_SHARE = 0.2
# Entrants' rows made ahead at once, at most (`_entrants`): about 5 MB, a PSA chunk's entrants of some 50 cycles.
_ENTRANTS_AT_ONCE = 64_000
# Cycles run in one compiled call, at most, when a run tells its progress (`_cycles`)
_CYCLES_TOLD = 12


def _staggered(n: int, dtype, k: int) -> np.ndarray:
    """A zeroed array of `n` items starting k cache lines past where a fresh allocation starts. Large arrays of
    the same size start at the same place in a memory page, so the same row of each would fall in the same few
    cache sets: a loop reading 30 fields of a row then runs four times slower."""
    pad = (k + 1) * 64 // np.dtype(dtype).itemsize
    return np.zeros(n + pad, dtype=dtype)[pad:]


class _People:
    """The rows in the model; `n` rows are in use, in id order within each draw. Each field (`_FIELDS`, and
    `cycles_in`) reads as a view of its rows in use; the compiled loops take the whole arrays (`kernel_rows`, made
    once: the arrays are never replaced, rows are added and compacted in place). Fields are kept in arrays of their
    own or side by side in a record a row (`_ON_THEIR_OWN`, `_IN_RECORD`); either way a field is an array."""

    def __init__(self, capacity: int, n_states: int):
        self._own = {name: _staggered(capacity, _FIELDS[name], k) for k, name in enumerate(_ON_THEIR_OWN)}
        record = _record_type(n_states)
        # at least two rows: numpy counts a field of one row as contiguous, and numba would compile every loop again
        # for that type
        rows = max(capacity, 2)
        # whole 8-byte words a row, from a cache line's start: compacted as rows of words (`kernels.keep_rows`)
        words = np.zeros((rows + 8) * record.itemsize // 8, dtype=_INT)
        skip = (-words.ctypes.data % 64) // 8
        self._words = words[skip : skip + rows * record.itemsize // 8].reshape(rows, record.itemsize // 8)
        records = self._words.view(record).reshape(rows)
        self._full = dict(self._own, **{name: records[name] for name in record.names})
        self.n = 0
        self.kernel_rows = kernels.Rows(*(self._full[f] for f in kernels.Rows._fields))

    def append(self, rows: dict, fill: dict) -> None:
        """Add rows at the end (ids above every id of their draw): the fields in `rows`, the others all one value,
        `fill`'s or 0."""
        k = len(rows["ids"])
        end = self.n + k
        for name, value in rows.items():
            self._full[name][self.n : end] = value
        for name, value in fill.items():
            if name not in rows:
                self._full[name][self.n : end] = value
        # the other fields are 0 already: rows past `n` are kept zero (`compact`)
        self.n = end

    def whole(self, fields: Sequence[str]) -> tuple:
        """The whole arrays of these fields, rows not in use included (for the compiled loops)."""
        return tuple(self._full[name] for name in fields)

    def rows(self, at: np.ndarray, fields: Sequence[str]) -> dict:
        """Copies of the `fields` of the rows at positions `at`."""
        return {name: self._full[name][at] for name in fields}

    def compact(self, keep: np.ndarray) -> None:
        """Keep only the rows where `keep` is true."""
        at = np.flatnonzero(keep)
        for arr in [*self._own.values(), self._words]:
            kernels.keep_rows(arr, at)  # in place: no copy of every field
            arr[len(at) : self.n] = 0  # rows past `n` zero, as `append` takes them
        self.n = len(at)


def _record_type(n_states: int) -> np.dtype:
    """A row's record: the fields of `_IN_RECORD` in order, each where its alignment puts it, then `cycles_in`;
    whole cache lines long."""
    names = [*_IN_RECORD, "cycles_in"]
    formats = [np.dtype(_FIELDS[name]) for name in _IN_RECORD] + [np.dtype((_INT, (n_states,)))]
    packed = np.dtype(dict(names=names, formats=formats), align=True)
    return np.dtype(dict(names=names, formats=formats, offsets=[packed.fields[name][1] for name in names],
                         itemsize=-(-packed.itemsize // 64) * 64))


def _in_use(name: str) -> property:
    """A field of `_People` read as a view of its rows in use; set, its rows in use are written (so `+=` works)."""
    def get(self: _People) -> np.ndarray:
        return self._full[name][: self.n]

    def put(self: _People, value) -> None:
        self._full[name][: self.n] = value

    return property(get, put)


for _name in [*_FIELDS, "cycles_in"]:
    setattr(_People, _name, _in_use(_name))


def _layout(s: Spec) -> tuple:
    """What draws run together must share: the people's layout and the shapes of the tables."""
    pol = s.policy
    return (s.states, s.day_state, s.cohort.bands, s.calendar.n_cycles, s.calendar.cycle_months, s.costs.services,
            s.cohort.inflow.tolist(), s.cohort.n_ids, s.moves.tis_edges.tolist(), s.cohort.age_edges.tolist(),
            s.moves.cum_shape, len(s.moves.hours_values), [g.count for g in s.cohort.initial_groups],
            None if pol is None else (pol.day, pol.waiting, pol.support, pol.work))


def _check_shared(specs: Sequence[Spec]) -> None:
    """Draws run together must share their people's layout and the shape of their tables."""
    first = _layout(specs[0])
    if any(_layout(b) != first for b in specs[1:]):
        raise ValueError("draws run together must share states, bands, age bands, time-in-state steps, "
                         "cycles, service models and the number of people entering and at the start")


class VectorisedEngine:
    """One run of one or more parameter sets (draws) over the same people and random numbers."""

    def __init__(self, specs: Spec | Sequence[Spec], seed: int | Sequence[int], threads: int = 1,
                 person_totals: bool = True):
        """`threads` above 1 shares each cycle's decisions (with the rows time moves on, and their random numbers)
        among the threads (`model.engine.threads`);
        `person_totals` False leaves each person's cost and outcome totals at zero (a run whose person rows
        nobody reads): less memory read and written per row and cycle."""
        specs = [specs] if isinstance(specs, Spec) else list(specs)
        self.person_totals = person_totals
        _check_shared(specs)
        self._base = specs  # each draw's spec, holding its periods
        spec = specs[0]
        self.D = D = len(specs)
        # One seed for every draw (the same random numbers: common random numbers), or one seed per draw.
        self.seeds = [int(s) for s in seed] if isinstance(seed, Sequence) else [int(seed)] * D
        if len(self.seeds) != D:
            raise ValueError(f"{D} draws need {D} seeds, not {len(self.seeds)}")
        self.seed = self.seeds[0]
        self._own_numbers = len(set(self.seeds)) > 1  # each draw reads its own streams, by its draw index
        self.pol = pol = spec.policy  # the policy's state indices are the same in every draw
        S = spec.n_live
        self.GONE = S
        self.tis_lut = np.searchsorted(spec.moves.tis_edges, np.arange(spec.moves.tis_edges[-1] + 1), side="right") - 1
        self.next_edge = np.append(spec.moves.tis_edges[1:], _NEVER)
        self.next_age_edge = np.append(spec.cohort.age_edges[1:], np.inf)
        self._tables(specs)
        # Numbers that change over time: the first cycles of later periods (of any draw), when tables are re-read.
        self._switches = sorted({k for s in specs for k, _ in s.periods if 0 < k < spec.calendar.n_cycles})
        self.create_u = self._per_draw(lambda s: streams.creation_uniforms(s, spec.cohort.n_ids))
        # A cycle's decision uniforms are made row by row in the compiled decisions (`kernels._decide_rows`), from where
        # each draw's stream starts; draws that all read the same numbers read them from one array, made once a cycle
        # in the compiled cycles (`_u_one`; draws run together always take one thread: `RowThreads.ranges`).
        self._ids_by_cycle = (sum(g.count for g in spec.cohort.initial_groups)
                              + np.cumsum(spec.cohort.inflow)).astype(np.int64)
        self._inflow_after = np.append(np.cumsum(spec.cohort.inflow[::-1])[::-1], 0).astype(_INT)  # from each cycle on
        self._one_array = D > 1 and not self._own_numbers
        self._no_numbers = np.zeros((1, 0, streams.N_DECIDE))
        self._u_one = np.zeros((1, spec.cohort.n_ids, streams.N_DECIDE)) if self._one_array else self._no_numbers
        self._entropy = streams.decision_entropy(self.seeds if self._own_numbers else [self.seed])
        self._columns = (streams.DECIDE_EXIT, streams.DECIDE_MOVE, streams.DECIDE_HOURS)
        self._threads = RowThreads(threads)  # the rows' loops shared among threads, by whole blocks of ids
        self.next_id = 0
        self.cycle = 0
        self.p = _People(D * spec.cohort.n_ids, S)
        self.counts = kernels.key_counts(self.layout, self.t, D, spec.cohort.n_ids)  # rows by key, as they change
        self.row_of = np.full(D * spec.cohort.n_ids, -1, dtype=_INT)  # d * n_ids + id -> row
        self.gone = 0
        self.finished: list[dict] = []
        # Work tallied where it changes, not by visiting every row every cycle: job outcomes this financial year
        # (people counted when they enter work, and everyone in work when a financial year starts) and jobs
        # reaching 6 and 12 months (each checked in the cycle it would reach them: `cycle.Jobs`).
        self._work_tallies = np.zeros((D, 4), dtype=_INT)
        self._outcome_year: int | None = None
        self._jobs = cycle.no_jobs()
        # the rows' fields the compiled cycle writes beside `kernels.Rows`
        self._extra = self.p.whole(("wants_work", "personal_budget", "exit_k", "exit_cycle"))
        # Every draw's waiting list in one pair of arrays: who (uid: d * n_ids + id) and the cycle they joined.
        self.q_uid = np.zeros(0, dtype=_INT)
        self.q_join = np.zeros(0, dtype=_INT)
        self._q_sorted = 0  # its first entries in order (`kernels._waiting_lists`)
        # Who is on a waiting list, by uid: leaving clears the flag, and each list drops its cleared entries
        # when next read (a per-draw search on every exit and move cost more than the whole cycle's arithmetic).
        self.queued = np.zeros(D * spec.cohort.n_ids, dtype=bool)
        self.budgets = BudgetLedger(self.pols, spec.cohort.n_ids) if pol is not None else None
        # without a policy, the compiled cycle is given arrays of the same types, never read
        self._no_budget = None if pol is not None else (
            np.zeros(D), np.zeros(D), np.zeros(D), np.zeros(1, dtype=_INT), np.zeros(D, dtype=_INT),
            np.zeros(0, dtype=_INT), np.zeros(D), np.zeros(D, dtype=bool), np.zeros((D, 1)), np.zeros((D, 1)),
            np.zeros(D), np.zeros(D))
        self._no_releases = None if pol is not None else (
            np.zeros((D, 1), dtype=np.int32), np.zeros((D, 1)), np.zeros(0, dtype=_INT), np.zeros(0, dtype=_INT),
            np.zeros(0), np.zeros(1, dtype=_INT))
        # block places filled, by draw and service model (counted from the people at the start, if any: `_add_initial`;
        # without a policy, never read)
        self.block_filled = np.zeros((D, self.place_cost.shape[1] if pol is not None else 1), dtype=_INT)
        # with room for a closure every cycle: the compiled cycle closes centres in arrays it takes once a period
        self.centres = CentreClosures([s.centres for s in specs], spec.calendar.n_cycles) if spec.centres else None
        self._centre_arrays = self.centres.arrays() if self.centres is not None else _NO_CENTRES
        # Every cycle's ledger figures, each draw's, in preallocated arrays: the monthly columns are made from them
        # for every cycle at once when a table is read (calendar columns, the same for every draw, added then).
        self._store = CycleStore(spec, D, spec.calendar.n_cycles)
        self._store.due_from(0, self._ledger_tables)
        self._store_arrays = self._store.arrays()
        self._frames: tuple[int, pd.DataFrame] | None = None  # every draw's monthly tables, and cycles run then
        self._finished_split: tuple | None = None  # (parts gathered, their rows by draw, each draw's edges)
        self._entering: tuple | None = None  # entrants made ahead: (first cycle, end, ids from each cycle, fields)
        self._add_initial(self._row_fields(people.concat([people.initial_people(s, self._creation(d))
                                                          for d, s in enumerate(specs)]), initial=True))
        self.initial_counts = np.bincount(self.p.d * S + self.p.state, minlength=D * S).reshape(D, S)
        self._no_changes = cycle.no_changes(D, S, self.block_filled.shape[1])  # no threads' exits and moves
        start = self._start_point()
        if start is not None:
            self._store.start_point(start)

    def _start_point(self) -> list[tuple[float, float, float]] | None:
        """The start state counted at time 0 (a within-cycle correction, or count_start): each person's cycle of
        cost and outcome at its weight goes into their discounted totals; per draw, (cost, outcome, public
        purse) for the first row (`DayshiftModel._start_point`)."""
        w = self.spec.discount.start
        if not w:
            return None
        p = self.p
        cost, weight, benefit, tax = kernels.start_money(self.layout, self.t, self._rows(), self.p.n)
        p.cost_disc += w * cost
        p.outcomes_disc += w * weight
        costs, outcomes = self._sum_by_draw(cost), self._sum_by_draw(weight)
        purse = self._sum_by_draw(benefit) - self._sum_by_draw(tax)
        centres = self.centres.costs(0)[:, 0].tolist() if self.centres is not None else [0.0] * self.D  # all open
        return [(w * (costs[dd] + centres[dd]), w * outcomes[dd], w * (costs[dd] + centres[dd] + purse[dd]))
                for dd in range(self.D)]

    def _tables(self, specs: list[Spec]) -> None:
        """Stack the draws' tables (at the start, and again at each new period of numbers that change over time)."""
        self.specs = specs
        self.spec = spec = specs[0]
        self.pols = [s.policy for s in specs]
        self.cohorts = people.cohort_tables([s.cohort for s in specs])  # who enters, by draw
        self._ledger_tables = DrawTables.of(specs)  # what each cycle's ledger reads from the specs
        pol = spec.policy

        def stack(fn) -> np.ndarray:
            return np.stack([fn(s) for s in specs])

        # Chance tables laid out [draw, state, band, age band, variant, tis segment] so one flat key per
        # row finds its row of running chances: key = (((((d * S1 + state) * B + band) * A + age) * V + v) * T + seg.
        # made anew, not kept with each draw's spec (`Moves.chances`), each draw's written in place (the GONE
        # state's rows stay 0)
        S, B, A, T, V, S2 = spec.moves.cum_shape
        cum = np.zeros((len(specs), S + 1, B, A, V, T, S2))
        for d, s in enumerate(specs):
            cum[d, :S] = s.moves.chances().transpose(0, 1, 2, 4, 3, 5)
        self.dims = cum.shape[1:6]  # S + 1, B, A, V, T
        self.cum = cum.reshape(-1, S2)
        if len(self.cum) > np.iinfo(_I32).max:  # a row's key is int32 (`_FIELDS`)
            raise ValueError(f"{len(specs)} draws together have {len(self.cum):,} rows of chance tables, more than a "
                             "row's key can hold: run fewer draws together (a smaller memory budget)")
        self.total = np.ascontiguousarray(self.cum[:, -1])
        self.state_cost = stack(lambda s: np.vstack([s.costs.state_cost, np.zeros((1, s.costs.state_cost.shape[1]))]))
        # only the cost, outcome and benefit rates below are made from these
        state_cost_tis = stack(lambda s: np.vstack([s.costs.state_cost_tis,
                                                    np.ones((1, s.costs.state_cost_tis.shape[1]))]))
        benefits = stack(lambda s: np.vstack([s.costs.benefits, np.zeros((1, s.costs.benefits.shape[1]))]))
        outcome_weight = stack(lambda s: np.vstack([s.costs.outcome_weight,
                                                    np.zeros((1, s.costs.outcome_weight.shape[1]))]))
        outcome_tis = stack(lambda s: np.vstack([s.costs.outcome_tis, np.ones((1, s.costs.outcome_tis.shape[1]))]))
        self.move_cost = stack(lambda s: s.costs.move_cost)
        self.death_p = stack(lambda s: s.exits.death_p)
        self.move_p = np.array([s.exits.move_p for s in specs])
        self.pension_age = np.array([s.exits.pension_age for s in specs])
        self.work_benefit = stack(lambda s: s.costs.work_benefit)
        self.work_tax = stack(lambda s: s.costs.work_tax)
        self.work_earnings = stack(lambda s: s.costs.work_earnings)
        self.hours_values = stack(lambda s: s.moves.hours_values)
        self.hours_cum = stack(lambda s: s.moves.hours_cum)
        self.df_costs = stack(lambda s: s.discount.costs)
        self.service = np.append(spec.costs.state_service, len(spec.costs.services))  # the last: no service
        if pol is not None:
            self.eligible = stack(lambda s: s.policy.eligible_band)
            self.employment_first = np.array([s.policy.employment_first for s in specs])
            self.referral_from = stack(lambda s: np.append(s.policy.referral_from, False))
            self.place_cost = stack(lambda s: s.policy.place_cost)
            # The part of a former service kept on the employment pathway (`Spec.kept_share`), by draw.
            self.kept_waiting = stack(lambda s: s.costs.kept_waiting)
            self.kept_search = stack(lambda s: s.costs.kept_search)
            self.kept_work = stack(lambda s: s.costs.kept_work)
            self.kept_work_hours = stack(lambda s: s.costs.kept_work_hours)
            self._pb_cut = (-1, np.zeros(len(specs)))  # (cycle, each draw's personal-budget cutoff)
        self._employment_first = self.employment_first if pol is not None else np.zeros(len(specs), dtype=bool)
        D = len(specs)

        def policy(name: str, shape: tuple, dtype=float) -> np.ndarray:  # without a policy, never read
            return getattr(self, name) if pol is not None else np.zeros(shape, dtype=dtype)

        S1, B, A, V, T = self.dims
        self.t = kernels.Tables(
            tis_lut=self.tis_lut, next_edge=self.next_edge, next_age_edge=self.next_age_edge, death_p=self.death_p,
            move_p=self.move_p, state_cost=self.state_cost,
            # a cycle's cost, outcome weight and benefits by draw, state, band and step of time in the state,
            # flat: a row's cost_key finds its entry (((d * S1 + state) * B + band) * T + step)
            cost_rate=(self.state_cost[..., None] * state_cost_tis[:, :, None, :]).ravel(),
            outcome_rate=(outcome_weight[..., None] * outcome_tis[:, :, None, :]).ravel(),
            benefit_rate=np.repeat(benefits[..., None], T, axis=-1).ravel(),
            place_cost=policy("place_cost", (D, 1)), referral_from=policy("referral_from", (D, S1), bool),
            kept_waiting=policy("kept_waiting", (D, B)), kept_search=policy("kept_search", (D, B)),
            kept_work=policy("kept_work", (D, B, 1)), kept_work_hours=policy("kept_work_hours", (D, 1)),
            hours_values=self.hours_values, work_benefit=self.work_benefit, work_tax=self.work_tax,
            work_earnings=self.work_earnings, service=self.service, cum=self.cum,
            total=self.total, move_cost=self.move_cost, hours_cum=self.hours_cum, pension_age=self.pension_age,
            df_costs=self.df_costs, tail_costs=kernels.tail_sums(self.df_costs),
            tail_outcomes=kernels.tail_sums(stack(lambda s: s.discount.outcomes)))
        self.layout = kernels.Layout(
            gone=spec.n_live, has_policy=pol is not None, waiting=-1 if pol is None else pol.waiting,
            support=-1 if pol is None else pol.support, work=-1 if pol is None else pol.work,
            day=spec.day_state, S1=S1, B=B, A=A, V=V, T=T,
            cycle_months=spec.calendar.cycle_months, person_totals=self.person_totals)

    def _new_period(self) -> None:
        """Numbers that change over time: each draw reads its spec for the period holding this cycle; the policy's
        run-time objects take its parameters (keeping their state) and every row's cached quantities are refreshed."""
        m = self.cycle
        if self.person_totals:  # the cycles before, at the rates of the period ending
            kernels.settle(self.layout, self.t, self._rows(), self.p.n, m)
        self._tables([[s for k, s in base.periods if k <= m][-1] for base in self._base])
        self._store.due_from(m, self._ledger_tables)
        if self.budgets is not None:
            self.budgets.params = self.pols
        if self.centres is not None:
            self.centres.params = [sd.centres for sd in self.specs]
            self._centre_arrays = self.centres.arrays()
        every = np.arange(self.p.n)
        kernels.ages_reached(self.layout, self.t, self._rows(), every, m)  # pension age may change
        self._refresh(every)

    # --- small helpers -----------------------------------------------------------------------
    def _numbers_of(self, d: np.ndarray | int) -> np.ndarray | int:
        """Which random-number streams rows of draw `d` read: their own, or the one all draws share."""
        return d if self._own_numbers else 0 * d

    def _per_draw(self, make: Callable[[int], np.ndarray]) -> np.ndarray:
        """An array of random numbers for each draw's seed, stacked; one shared array, without a copy, when every
        draw reads the same numbers."""
        if self._own_numbers:
            return np.stack([make(s) for s in self.seeds])
        return make(self.seeds[0])[None]

    def _creation(self, d: int) -> np.ndarray:
        """Draw `d`'s creation uniforms, one row per person id."""
        return self.create_u[d if self._own_numbers else 0]

    def _uid(self, d: np.ndarray, ids: np.ndarray) -> np.ndarray:
        return np.asarray(d, dtype=_INT) * self.spec.cohort.n_ids + ids  # draws are int32: no overflow here

    def _hours(self, d: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Weekly hours of a new job, from the draw's hours table."""
        return self.hours_values[d, people.pick(self.hours_cum[d], u)]

    def _refresh(self, at: np.ndarray) -> None:
        """Recompute the cached quantities of the rows at positions `at` (compiled: `kernels.refresh`)."""
        if len(at):
            kernels.refresh(self.layout, self.t, self._rows(), at, self.counts, self.cycle)

    def _rows(self) -> kernels.Rows:
        """The rows' fields the compiled loops read and write (whole arrays: the first `p.n` rows are in use)."""
        return self.p.kernel_rows

    # --- people entering ---------------------------------------------------------------------
    def _entrants(self) -> tuple:
        """The entrants of this cycle and of the cycles after it up to the next period of numbers (at most
        `_ENTRANTS_AT_ONCE` rows), made at once and kept until a cycle needs more, for the compiled cycles
        (`cycle.cycles`): the first and the end of those cycles, the column of each one's first entrant (and the
        end), and the fields of `cycle.ENTRANT_FIELDS` (`people.entrants_of`, `_row_fields`), each (draw, id)."""
        m = self.cycle
        if self._entering is None or not self._entering[0] <= m < self._entering[1]:
            end = self._switches[0] if self._switches else self.spec.calendar.n_cycles
            ids_from = np.concatenate([[0], np.cumsum(self.spec.cohort.inflow[m:end])]).astype(_INT)
            fit = max(1, int(np.searchsorted(ids_from * self.D, _ENTRANTS_AT_ONCE, side="right")) - 1)
            end, ids_from = m + fit, ids_from[: fit + 1]  # as many cycles as fit, at least this one
            made = self._row_fields(people.entrants_of(self.cohorts, self.next_id, int(ids_from[-1]), self.create_u))
            made.setdefault("refer_ok", np.zeros(len(made["ids"]), dtype=bool))  # without a policy, never read
            fields = tuple(made[k].reshape(self.D, -1) for k in cycle.ENTRANT_FIELDS)
            self._entering = (m, end, ids_from, fields)
        return self._entering

    def _row_fields(self, batch: people.People, initial: bool = False) -> dict:
        """The fields of the rows for `batch` (each draw's, ordered by draw, then id) that are not the same for every
        row (`_add` sets those)."""
        pol, cat = self.pol, vars(batch)
        d = np.repeat(np.arange(self.D), len(batch) // self.D)
        new = dict(d=d, ids=cat["ids"], band=cat["band"], entry_age=cat["age"].astype(float), state=cat["state"],
                   wants_work=cat["wants_work"], personal_budget=cat["personal_budget"],
                   personal_budget_u=cat["personal_budget_u"], origin=cat["state"])
        new["age_band"] = self.spec.cohort.age_band(new["entry_age"])
        if pol is not None:
            new["refer_ok"] = cat["wants_work"] & self.eligible[d, cat["band"]]
        if initial:  # months in the state and exposed to a decision at cycle 0 (`kernels.Rows`)
            new["months_base"] = new["exposure_base"] = cat["months_in_state"]
            if pol is not None:
                working = np.flatnonzero(cat["state"] == pol.work)  # the hours of the others' jobs: 0
                u = self.create_u[self._numbers_of(d[working]), cat["ids"][working], streams.CREATE_ENTRY]
                new["hours"] = np.zeros(len(d))
                new["hours"][working] = self._hours(d[working], u)
                new["kept_from"] = np.where((cat["state"] == pol.support) | (cat["state"] == pol.waiting),
                                            pol.day, -1).astype(_I8)  # as the Mesa engine: a day service kept
        return new

    def _add_initial(self, new: dict) -> None:
        """Rows for the people at the start, their fields (`_row_fields`) each draw's, ordered by draw, then id (a
        cycle's entrants take their rows in the compiled cycle: `cycle.cycles`)."""
        pol = self.pol
        if not len(new["ids"]):
            return
        self.next_id = int(new["ids"][-1]) + 1
        d = new["d"]
        if pol is not None:  # the starting pathway waits for places (`_place_initial`)
            pathway = np.flatnonzero(new["kept_from"] >= 0)
            self.q_uid = self._uid(d[pathway], new["ids"][pathway])  # the list is empty until now; all join at 0
            self.q_join = np.zeros(len(self.q_uid), dtype=_INT)
            self.queued[self.q_uid] = True
        start = self.p.n
        # the other fields start at 0, or at these (cost_key -1: not yet counted)
        self.p.append(new, dict(model_k=-1, kept_from=-1, outcome_year=-1, cost_key=-1, entered=0, state_start=-1))
        at = np.arange(start, self.p.n)
        kernels.ages_reached(self.layout, self.t, self._rows(), at, 0)
        self.row_of[self._uid(d, new["ids"])] = at
        if pol is not None:
            self._place_initial()
            self.block_filled = self._block_places_filled()  # counted once here, then kept as people come and go
        self._refresh(at)

    def _place_initial(self) -> None:
        """As the agent engine: the starting supported stock takes the starting places in id order."""
        pol, p = self.pol, self.p
        q_uid = self.q_uid  # nobody has left it yet
        q_d = q_uid // self.spec.cohort.n_ids
        for dd, params in enumerate(self.pols):
            mine = q_uid[q_d == dd]  # all joined at 0, in id order
            pos = self.row_of[mine]
            supported = p.state[pos] == pol.support
            sup_pos = pos[supported]
            models = fill_places(params.places(params.base_budget), len(sup_pos))
            placed = models >= 0
            p.model_k[sup_pos[placed]] = models[placed]
            over = sup_pos[~placed]
            p.state[over] = pol.waiting
            p.origin[over] = pol.waiting
            self.queued[mine[supported][placed]] = False  # placed: off the list

    def _block_places_filled(self) -> np.ndarray:
        """Block places filled, by draw and service model, counted from the rows: people in supported employment
        not on a personal budget."""
        p = self.p
        held = (p.state == self.pol.support) & ~p.spot
        K = self.place_cost.shape[1]
        return np.bincount(p.d[held] * K + p.model_k[held], minlength=self.D * K).reshape(self.D, K)

    def _pb_cutoffs(self, m: int) -> np.ndarray:
        """Each draw's personal-budget cutoff in cycle `m`: a referral whose uniform is below it buys a place at
        once."""
        if self.pol is None:
            return np.zeros(self.D)
        if self._pb_cut[0] != m:
            self._pb_cut = (m, np.array([s.policy.pb_cutoff(m) for s in self.specs]))
        return self._pb_cut[1]

    def _sum_by_draw(self, values: np.ndarray) -> np.ndarray:
        """Sums of a row quantity by draw: shape (D,), added row by row in order, so a draw's sums do not depend
        on which other draws run beside it."""
        return kernels.sum_by_draw(self.p.d, values.astype(float), self.D)

    # --- one cycle ---------------------------------------------------------------------------
    def step(self) -> None:
        """One cycle, as `DayshiftModel.step`, for every draw."""
        self._advance(1)

    def _advance(self, most: int) -> None:
        """Up to `most` cycles in one compiled call where one thread takes every row, else one cycle, its decisions,
        and the exits and moves they decide, made first by the threads on their ranges of rows (`cycle.decide`)."""
        n = self.p.n
        ranges = self._threads.ranges(self.p.d[:n], self.p.ids[:n], self.D)
        if len(ranges) == 1:
            self._cycles(most)
            return
        self._period_starts()
        spec, m = self.spec, self.cycle
        start = streams.cycle_starts(self._entropy, m)  # one draw: threads share only one draw's rows
        # 1, 3. exits, and the moves of those who stay, decided on the states at the start of the cycle and made by
        # the threads that decided them; then the rest of the cycle
        self._cycles(1, cycle.decide(self.layout, self.t, self._rows(), self._extra, m, self._no_numbers, start,
                                     self._columns, self.counts, self._threads, ranges, self.D, spec.cohort.n_ids,
                                     self._pb_cutoffs(m), self.queued, self.block_filled.shape[1]))

    def _cycles(self, most: int, decided: tuple | None = None) -> None:
        """Up to `most` cycles, each as `DayshiftModel.step`, in one compiled call (`cycle.cycles`): as many as run on
        the entrants made ahead and the period's numbers, fewer where rows are to be compacted or a lifetime run has
        ended. With `decided` (`cycle.decide`'s, for this cycle), one cycle on the exits and moves the threads made;
        without, one thread takes every row and makes each cycle's decisions too."""
        self._period_starts()
        spec, pol, m0, D, p = self.spec, self.pol, self.cycle, self.D, self.p
        first, end, ids_from, fields = self._entrants()
        m1 = min(end, self._switches[0] if self._switches else spec.calendar.n_cycles, m0 + most)
        pb_cuts = np.array([self._pb_cutoffs(m) for m in range(m0, m1)])
        years = np.array([financial_year(spec, m) for m in range(m0, m1)], dtype=_INT)
        done, p.n, self.q_uid, self.q_join, self._jobs, self.gone = cycle.cycles(
            self.layout, self.t, self._rows(), self._extra, self.counts, p.n, m0, m1, D, spec.cohort.n_ids,
            len(spec.costs.services), decided, (*self._entropy, self._u_one, self._ids_by_cycle), self._columns,
            (fields, ids_from[m0 - first : m1 - first], spec.cohort.inflow[m0:m1].astype(_INT)),
            pb_cuts, years, -1 if self._outcome_year is None else self._outcome_year, self._employment_first,
            self.queued, self.row_of, self.block_filled, (self.q_uid, self.q_join, self._q_sorted),
            self.budgets.arrays() if pol is not None else self._no_budget,
            self.budgets.release_arrays() if pol is not None else self._no_releases, self._work_tallies, self._jobs,
            self._store_arrays, self._ledger_tables.pb_place_cost, self._centre_arrays, self._no_changes, self.gone,
            _COMPACT_SHARE, spec.calendar.lifetime, self._inflow_after)
        taken = int(ids_from[done - first])  # the entrants' columns the cycles run have taken
        if taken:
            self.next_id = int(fields[1][0, taken - 1]) + 1
        self._q_sorted = len(self.q_uid)  # left in order: by draw, then the cycle joined, then id
        self._outcome_year = int(years[done - m0 - 1])
        self.cycle = done
        self._compact_if_due()

    def _period_starts(self) -> None:
        """A new period of numbers that change over time, if one starts with this cycle."""
        if self._switches and self._switches[0] == self.cycle:
            self._switches.pop(0)
            self._new_period()

    def _compact_if_due(self) -> None:
        """The rows of people who have left let go of, once they are `_COMPACT_SHARE` of the rows."""
        p = self.p
        if self.gone > _COMPACT_SHARE * p.n:
            left = p.state == self.GONE
            if self.person_totals:
                self.finished.append(self._left_rows(np.flatnonzero(left)))
            self.row_of[self._uid(p.d[left], p.ids[left])] = -1  # a uid's row is -1 once its row is gone
            p.compact(~left)
            self.row_of[self._uid(p.d, p.ids)] = np.arange(p.n)
            self.gone = 0

    def _left_rows(self, at: np.ndarray) -> dict:
        """Copies of the rows at positions `at`, of people who have left, with the state they left to. Nothing a
        person row reads changes once a row has left (its money is then nothing a cycle), so they are copied only
        when their rows are about to go (a compaction) or at the end, not in every cycle; only the fields a person
        row reads are kept, and the draw."""
        rows = self.p.rows(at, _PERSON_FIELDS + ("d", "exit_k", "exit_cycle", "cycles_in"))
        rows["exit_state"] = self.GONE + rows["exit_k"].astype(_INT)
        return rows

    # --- a whole run -------------------------------------------------------------------------
    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Run to the horizon (or, for a lifetime horizon, until everyone has left)."""
        spec = self.spec
        try:
            while self.cycle < spec.calendar.n_cycles:
                self._advance(spec.calendar.n_cycles if progress is None else _CYCLES_TOLD)
                if progress is not None:
                    progress(self.cycle, spec.calendar.n_cycles)
                if spec.run_over(self.cycle, lambda: bool(np.any(self.p.state < self.GONE))):
                    break
        finally:
            self._threads.close()

    def monthly_frame(self, draw: int = 0) -> pd.DataFrame:
        """The monthly table of draw `draw`, a row per cycle run, with the columns of `record_columns`."""
        n = self.cycle
        if self._frames is None or self._frames[0] != n:
            self._frames = (n, self._every_draws_frame(n))
        out = self._frames[1].iloc[draw * n : (draw + 1) * n]  # a new frame each time: changing it changes no other
        out.index = pd.RangeIndex(n)
        return out

    def _every_draws_frame(self, n: int) -> pd.DataFrame:
        """The monthly tables of every draw, one under another: `monthly_frame` takes each draw's rows from it, as
        making a DataFrame of 120 columns took 1.1 to 1.6 ms a draw (a PSA's thousand draws: 1 to 2 s of each
        worker's time), most of it pandas checking each column."""
        months = [month_info(self.spec, m) for m in range(n)]  # the same for every draw
        # as pandas holds them: inferring the type of the text columns was a third of each draw's table
        again = np.tile(np.arange(n), self.D)
        columns = {c: pd.Series(np.array([row[c] for row in months])).array.take(again)
                   for c in month_info(self.spec, 0)}
        if n:
            led = CycleLedger.of_cycles(self.specs, self._store, n, self._ledger_tables)
            made = led.columns(self._store.exits_total(n))  # rows by cycle, then draw
            columns.update((c, v.reshape(n, self.D).T.astype(np.int64 if v.dtype.kind in "iu" else float).ravel())
                           for c, v in made.items())
        return pd.DataFrame(columns, columns=record_columns(self.spec))

    def _finished_of(self, draw: int) -> dict[str, np.ndarray]:
        """The rows of people who left, of draw `draw` (all draws' rows are gathered and split once)."""
        if self._finished_split is None or self._finished_split[0] != len(self.finished):
            cat = {k: np.concatenate([part[k] for part in self.finished]) for k in self.finished[0]}
            order = np.argsort(cat["d"], kind="stable")
            edges = np.searchsorted(cat["d"][order], np.arange(self.D + 1))
            self._finished_split = (len(self.finished), {k: v[order] for k, v in cat.items()}, edges)
        _, cat, edges = self._finished_split
        return {k: v[edges[draw]:edges[draw + 1]] for k, v in cat.items()}

    def person_rows(self, draw: int = 0) -> dict[str, np.ndarray | pd.api.extensions.ExtensionArray]:
        """One row per person ever in draw `draw`, in id order (as `DayshiftModel.person_rows`); names (band, final
        state) as pandas text arrays."""
        if not self.person_totals:
            raise ValueError("this run kept no person rows (it was made with person_totals=False)")
        spec, p = self.spec, self.p
        kernels.settle(self.layout, self.t, self._rows(), self.p.n, self.cycle)  # every cycle run in the totals
        # the draw's rows still in the arrays, in id order: those who left since the last compaction, and those here
        mine = np.arange(p.n) if self.D == 1 else np.flatnonzero(p.d == draw)
        state = p.state[mine]
        gone = state == self.GONE
        cycles_in = p.cycles_in[mine]
        here = np.flatnonzero(~gone)
        cycles_in[here, state[here]] += self.cycle - np.maximum(p.state_start[mine[here]], 0)  # the spell going on
        now = dict(p.rows(mine, _PERSON_FIELDS), cycles_in=cycles_in,
                   exit_state=np.where(gone, self.GONE + p.exit_k[mine].astype(_INT), state),
                   exit_cycle=np.where(gone, p.exit_cycle[mine], -1).astype(_INT))
        parts = list(self.finished) if self.D == 1 or not self.finished else [self._finished_of(draw)]
        if parts:  # rows copied out when compacting, and those here: each put at its id, as a draw's ids are 0 to n - 1
            every = [*parts, now]  # (one pass: a sort by id and a gather of every field took twice as long)
            total = sum(len(part["ids"]) for part in every)
            if max(int(part["ids"].max(initial=-1)) for part in every) != total - 1:
                raise RuntimeError(f"draw {draw}'s person ids are not 0 to {total - 1}")
            cat = {k: np.empty(total, dtype=v.dtype) for k, v in now.items() if k != "cycles_in"}
            months = np.empty((spec.n_live, total), dtype=_INT)  # a row a state: each a column of the table
            for part in every:
                at = part["ids"]
                for k, v in cat.items():
                    v[at] = part[k]
                for i in range(spec.n_live):
                    months[i, at] = part["cycles_in"][:, i]
        else:
            cat, months = now, np.ascontiguousarray(now["cycles_in"].T)
        months *= spec.calendar.cycle_months
        rows = dict(
            id=cat["ids"],
            band=_labels(spec.cohort.bands, cat["band"]),
            wants_work=cat["wants_work"],
            personal_budget=cat["personal_budget"],
            entered_cycle=cat["entered"],
            exit_cycle=cat["exit_cycle"],
            final_state=_labels(spec.states, cat["exit_state"]),
            cost=cat["cost"],
            cost_disc=cat["cost_disc"],
            outcomes=cat["outcomes"],
            outcomes_disc=cat["outcomes_disc"],
            job_starts=cat["job_starts"],
        )
        for i, s in enumerate(spec.states[: spec.n_live]):
            rows[f"months_{s}"] = months[i]
        return rows


def _labels(names: Sequence[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """The names at `codes`, held as pandas holds text: the few names converted once, then taken by code (pandas
    converting each person's name took 0.07 to 0.2 s for England's 149,000 person rows)."""
    return pd.Series(np.array(names, dtype=object)).array.take(codes)
