"""The fast engine's loops over rows, compiled with numba: what every row does every cycle (the exit and move
decisions), what time changes for the rows it moves on (a new age band; a new step of time in a state moves
counts, not rows: `KeyCounts`), what happens to the rows that leave or move (exits, moves, referrals, job starts,
admissions from a waiting list), the refresh of a row's cached quantities and of the counts of rows by key, a
cycle's money from those counts, person totals (`settle`), compaction (`keep_rows`), exact sums by draw
(`fsum_by_draw`), the budget and the places it buys (`fold_releases`, `places_bought`), who gets a place off every
draw's waiting list (`_waiting_lists`), job outcomes (`new_outcomes`), and day centres closing (`close_centres`,
`centres_closing`). A cycle calls them from a few compiled functions (`model.engine.cycle`).

Each loop visits rows (or keys) in order and adds in that order, so a sum over a draw's rows is the same whichever
other draws run beside it, and the same from one machine to the next. `cycle.decide` shares the rows among threads
by whole blocks of ids (`model.engine.threads`), and what is kept by block (the counts of rows by key, one-off costs)
is added block by block in order: the same with any number of threads. The functions hold no state and do no I/O;
compiled code is cached on disk beside this file (or in numba's user cache when that is read-only), fresh while no
engine file with compiled code has changed (`model.engine.compiled`), so only the first run after an install pays
for compiling.

Each loop is a compiled function (`_refresh`, `_decide_rows`, ...) taking the arrays it reads and writes one by
one, called by a plain function of the same name without the underscore that takes them out of the run's
tuples (`Layout`, `Tables`, `Rows`), or only from the compiled cycle (`_move`, `_leave`, `_waiting_lists`). A
compiled function given a whole tuple compiles for every array in it, used or not (a loop given the 60-array
`Rows` took 1.3 s to compile against 0.3 s given its four arrays), and reading a field through a tuple inside a
loop counts a reference to its array each time, which costs more than the work on it.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from model.engine import compiled, pcg64
from model.engine.threads import BLOCK_SHIFT, blocks_per_draw

# numpy's error model: a division by zero gives inf or nan, as numpy's would, with no check for it compiled into
# every division (every divisor here is a count of cycles, ids, bands or steps, or checked first)
_jit = compiled.jit(nogil=True, error_model="numpy")
# For loops only ever called from other compiled code: no wrapper to call them from Python is made (for a loop of
# forty arrays, code to check and unpack each from Python, compiled for nothing).
_inner = compiled.jit(nogil=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, error_model="numpy")
_inline = compiled.jit(nogil=True, inline="always")  # small helpers, compiled into the loops that call them
_u32 = np.uint32
NEVER = np.iinfo(np.int32).max // 2  # a time in months never reached (stored in int32 fields)


class Layout(NamedTuple):
    """Whole numbers that fix the shape of a run: the GONE state, the policy's states (-1 without a policy), the
    chance tables' dimensions, the cycle's length in months, and whether each person's totals are kept."""

    gone: int
    has_policy: bool
    waiting: int
    support: int
    work: int
    day: int
    S1: int
    B: int
    A: int
    V: int
    T: int
    cycle_months: int
    person_totals: bool


class Tables(NamedTuple):
    """The draws' tables, stacked by draw (see `VectorisedEngine._tables`)."""

    tis_lut: np.ndarray
    next_edge: np.ndarray
    next_age_edge: np.ndarray
    death_p: np.ndarray
    move_p: np.ndarray
    state_cost: np.ndarray
    cost_rate: np.ndarray
    outcome_rate: np.ndarray
    benefit_rate: np.ndarray
    place_cost: np.ndarray
    referral_from: np.ndarray
    kept_waiting: np.ndarray
    kept_search: np.ndarray
    kept_work: np.ndarray
    kept_work_hours: np.ndarray
    hours_values: np.ndarray
    work_benefit: np.ndarray
    work_tax: np.ndarray
    work_earnings: np.ndarray
    service: np.ndarray
    cum: np.ndarray
    total: np.ndarray
    move_cost: np.ndarray
    hours_cum: np.ndarray
    pension_age: np.ndarray
    df_costs: np.ndarray  # each cycle's discount factors for costs, by draw (one-off costs)
    tail_costs: np.ndarray  # by draw, the sums of the factors from each cycle to the horizon (`tail_sums`)
    tail_outcomes: np.ndarray  # the same for outcomes


class Rows(NamedTuple):
    """The rows' fields a compiled loop reads or writes (`_People`'s arrays, whole: the rows in use are the first n)."""

    d: np.ndarray
    ids: np.ndarray
    state: np.ndarray
    band: np.ndarray
    entry_age: np.ndarray  # age on entering the model (`_age`)
    entered: np.ndarray
    age_band: np.ndarray
    # Months in the state and months exposed to a decision at the start of cycle m are these bases + m * cycle
    # months (exposure never below 0): no row is visited every cycle to count them (`KeyCounts`, `_decide_rows`).
    exposure_base: np.ndarray
    months_base: np.ndarray
    refer_ok: np.ndarray
    model_k: np.ndarray
    kept_from: np.ndarray
    spot: np.ndarray
    hours: np.ndarray
    job_starts: np.ndarray
    outcome_year: np.ndarray
    one_off: np.ndarray
    cost: np.ndarray
    cost_disc: np.ndarray
    outcomes: np.ndarray
    outcomes_disc: np.ndarray
    origin: np.ndarray
    state_start: np.ndarray
    personal_budget_u: np.ndarray
    cycles_in: np.ndarray
    # cached from the fields above
    key: np.ndarray  # its row of the chances tables at no time exposed: `_decide_rows` adds the step of time exposed
    leave_p: np.ndarray  # its chance of dying (`_death_p`) or moving away this cycle
    band_at: np.ndarray  # the cycle at whose start it reaches its next age band (`ages_reached`; NEVER once left)
    retire_at: np.ndarray  # the cycle at whose start it reaches pension age (NEVER once it has left)
    cost_key: np.ndarray  # draw, state and band at the first step of time in the state (the counts add the step)
    count_base: np.ndarray  # its `months_base` when last counted in `KeyCounts` (a move changes it before a refresh)
    pathway_key: np.ndarray
    cost_extra: np.ndarray  # a cycle's cost beyond its cost key's: a place, the part of a service kept
    since: np.ndarray  # the cycle from which a row's cost and outcome are not yet in its totals


@_inline
def _age(entry_age, entered, m, cycle_months):
    """Age in years at the start of cycle `m` of someone who entered the model in cycle `entered`: their age on
    entering and the whole months lived since, as `Person.age` works it out."""
    return entry_age + ((m - entered) * cycle_months) / 12.0


@_inline
def _months(base, m, cycle_months):
    """Months counted from `base` (`Rows.months_base`, `Rows.exposure_base`) at the start of cycle `m`."""
    return max(0, base + m * cycle_months)


@_inline
def _age_reaches(entry_age, entered, age, m, cycle_months):
    """The first cycle from `m` at whose start `_age` reaches `age`; NEVER if it never does."""
    if not age < np.inf:
        return NEVER
    k = max(m, entered + int(np.ceil((age - entry_age) * 12.0 / cycle_months)))  # an estimate, then `_age`'s own
    while k > m and _age(entry_age, entered, k - 1, cycle_months) >= age:
        k -= 1
    while _age(entry_age, entered, k, cycle_months) < age:
        k += 1
    return min(k, NEVER)


@_jit
def _ages_reached(L, m, at, d_, state, entry_age, entered, age_band, band_at, retire_at, next_age_edge, pension_age):
    """`ages_reached` on the fields it reads and writes (compiled)."""
    for j in range(len(at)):
        i = _u32(at[j])
        if state[i] != L.gone:
            band_at[i] = _age_reaches(entry_age[i], entered[i], next_age_edge[age_band[i]], m, L.cycle_months)
            retire_at[i] = _age_reaches(entry_age[i], entered[i], pension_age[d_[i]], m, L.cycle_months)


def ages_reached(L: Layout, t: Tables, r: Rows, at: np.ndarray, m: int) -> None:
    """For the rows at positions `at` still in the model, the first cycle from `m` at whose start each reaches their
    next age band (`band_at`) and pension age (`retire_at`), from their age as `_age` works it out: for rows
    entering, and for every row when pension age may change (a new period)."""
    _ages_reached(L, m, at, r.d, r.state, r.entry_age, r.entered, r.age_band, r.band_at, r.retire_at, t.next_age_edge,
                  t.pension_age)


@_jit
def _seg(tis_lut, months):
    return tis_lut[min(months, len(tis_lut) - 1)]


@_inline
def _step_ends(base, k, step, next_edge, cycle_months):
    """The first cycle after `k` at whose start the step of time in its state of a row with `months_base` `base`
    moves on from `step` (its step at cycle `k`); NEVER if it never does."""
    edge = next_edge[step]
    if edge >= NEVER:
        return NEVER
    return max(k + 1, -((base - edge) // cycle_months))  # the first k' with base + k' * cycle_months >= edge


@_inline
def _kept_share(L, d, st, band, hours, kept_waiting, kept_search, kept_work, kept_work_hours):
    """`Spec.kept_share`: the part of a former service kept in a state of the employment pathway."""
    if st == L.waiting:
        return kept_waiting[d, band]
    if st == L.support:
        return kept_search[d, band]
    if st == L.work:
        return kept_work[d, band, np.searchsorted(kept_work_hours[d], hours, side="right") - 1]
    return 0.0


@_inline
def _death_p(death_p, d, age_band, band):
    """A row's chance of dying this cycle, worked out where it is read (a row's `leave_p`, and `_leave` for the few
    who leave) rather than kept in a field every refresh writes: one cached field fewer to keep in step."""
    return death_p[d, min(age_band, death_p.shape[1] - 1), band]


@_inline
def _hours_column(L, d, st, hours, hours_values):
    """In work, the column of the job's weekly hours in the draw's hours (benefits and tax follow it,
    `Spec.benefit_tax_earnings`); -1 otherwise."""
    if not (L.has_policy and st == L.work and hours > 0):
        return -1
    for j in range(hours_values.shape[1]):
        if hours_values[d, j] == hours:
            return j
    return 0


@_inline
def _pathway_key(L, n_hours, n_models, st, band, h, model, spot, kept_from):
    """Where a row's money beyond its `cost_key` is counted (`cycle._end_of_cycle`): -1 off the employment pathway; on
    it, (role * S1) + kept_from + 1, where the role is, in order: in work, band * n_hours + the job's hours column; in
    support, B * n_hours + (2 * service model + 1 on a personal budget) * B + band; waiting, after those, + band;
    in work without hours, after those, + band."""
    if not L.has_policy:
        return -1
    n_jobs = L.B * n_hours
    if h >= 0:
        role = band * n_hours + h
    elif st == L.support:
        role = n_jobs + (2 * model + (1 if spot else 0)) * L.B + band
    elif st == L.waiting:
        role = n_jobs + 2 * n_models * L.B + band
    elif st == L.work:
        role = n_jobs + (2 * n_models + 1) * L.B + band
    else:
        return -1
    return role * L.S1 + kept_from + 1


def pathway_keys(L: Layout, n_hours: int, n_models: int) -> int:
    """How many pathway keys (`_pathway_key`) a draw has."""
    return (L.B * n_hours + (2 * n_models + 2) * L.B) * L.S1


class KeyCounts(NamedTuple):
    """Rows counted by block (draw * nb + id >> BLOCK_SHIFT) and key, kept up to date wherever a row's keys change
    (`refresh`), so that a cycle's money is counts times rates (`cycle._end_of_cycle`). By cost key within the draw,
    twice: rows whose benefits follow a job's hours second; and by pathway key (`_pathway_key`). Rows of people who
    have left are not counted.

    Time in a state moves a row's cost key on without the row being visited: a row in the first R months of its
    state (R the last edge of the steps of time in a state) is also counted in `young`, by the slot `months_base`
    mod R and its state and band, and as each cycle starts the slots whose months reach an edge move their counts
    to the next step in `by_cost_key` (`_steps_move_on`): a few slots a cycle, however far the last edge. The rows
    under R months at a cycle have at most R different `months_base`, so mod R gives each its own slot."""

    nb: int
    job_keys: int  # pathway keys below this are jobs with hours
    by_cost_key: np.ndarray
    by_pathway_key: np.ndarray
    young: np.ndarray  # (blocks, R, 2 * state and band): which rows to move on, by slot; not read for money


# A block's rows number at most 2 ** BLOCK_SHIFT (one per id), so its counts fit 16 bits. A refresh moves a row's
# counts in three of these tables, the lines it touches at random: at 8 bytes a count they were 2 MB for 100 draws,
# more than a core's cache, and a refresh took a quarter longer (three alternating pairs of 56 draws: 0.30 to 0.36 s
# against 0.40 to 0.46 s).
_COUNT = np.int16 if BLOCK_SHIFT < 15 else np.int64


def key_counts(L: Layout, t: Tables, D: int, n_ids: int) -> KeyCounts:
    """Empty counts for `D` draws of `n_ids` ids each."""
    nb = blocks_per_draw(n_ids)
    n_hours, n_models = t.hours_values.shape[1], t.place_cost.shape[1]
    return KeyCounts(nb, L.B * n_hours * L.S1, np.zeros((D * nb, 2 * L.S1 * L.B * L.T), dtype=_COUNT),
                     np.zeros((D * nb, pathway_keys(L, n_hours, n_models)), dtype=_COUNT),
                     np.zeros((D * nb, len(t.tis_lut) - 1, 2 * L.S1 * L.B), dtype=_COUNT))


@_inline
def _counted_at(L, n_keys, n_job_keys, d, cost_key, pathway_key, base, m, tis_lut):
    """Where a row with `months_base` `base` is counted at cycle `m` within its block: its column of
    `KeyCounts.by_cost_key` at its step of time in the state then, and in its first R months its slot and column of
    `KeyCounts.young` (slot -1 after); column -1 when it has no keys yet (cost_key -1) or has left. Takes no
    arrays but the small `tis_lut`, and the counts are changed in the loops themselves: a helper that took the count
    arrays and changed them cost a refreshed row 60 to 75 ns more than the same code in the loop (measured; why
    was not found, and `_stretch`, which only reads an array, cost nothing measurable)."""
    if cost_key < 0:
        return -1, -1, -1
    local = cost_key - d * n_keys
    if local >= L.gone * L.B * L.T:  # GONE is the last state: no division for a row that has left
        return -1, -1, -1
    job = 1 if 0 <= pathway_key < n_job_keys else 0
    months = base + m * L.cycle_months
    R = len(tis_lut) - 1
    where = 2 * (local + _seg(tis_lut, months)) + job
    if months < R:
        return where, base % R, 2 * (local // L.T) + job
    return where, -1, -1


@_inline
def _stretch(each, upto, since, tail, d):
    """A cost or outcome of `each` a cycle from cycle `since` to `upto` (not included): undiscounted, and discounted
    by the cycles' factors, from their sums to the horizon `tail` (`tail_sums`). The agent engine adds a cycle at a
    time, so the two differ in the last bits (within 5e-14 of a stretch's value over 120 years of months at 0,
    3.5 and 10% a year; 4e-14 of a person's totals in England and the PSA draws checked); a loop over the cycles,
    equal to the bit, took a fifth of England's run (0.55 to 0.65 s of 2.6 to 2.9).

    Its callers (`_refresh`, `_settle`, through `_piece`) each add the results to a row's totals in their own loop:
    a shared helper that did it, taking the totals' arrays, made England's `end_of_cycle` (which then passed time
    for every row) 0.76 to 0.80 s -> 1.27 to 1.46 s and its `refresh` 0.58 to 0.62 s -> 0.84 to 0.98 s (one thread,
    three alternating runs)."""
    return each * (upto - since), each * (tail[d, since] - tail[d, upto])


@_inline
def _piece(key, extra, base, k0, m, d, c, tis_lut, next_edge, cost_rate, outcome_rate, tail_costs, tail_outcomes):
    """The cycles from `k0` of a row's money since it last changed that share one step of time in its state (to
    the step's end, or to `m`): their cost and outcome, undiscounted and discounted (`_stretch`), and the cycle the
    piece ends at. `_refresh` and `_settle` add the pieces to the row's totals one by one, as a visit to the row at
    each step would have; like `_stretch`, it only reads arrays."""
    cs = _seg(tis_lut, _months(base, k0, c))
    k1 = min(m, _step_ends(base, k0, cs, next_edge, c))
    cost, cost_d = _stretch(cost_rate[key + cs] + extra, k1, k0, tail_costs, d)
    weight, weight_d = _stretch(outcome_rate[key + cs], k1, k0, tail_outcomes, d)
    return cost, cost_d, weight, weight_d, k1


@_jit
def _refresh(L, at, m, block_shift, nb, n_job_keys, key_counts, pathway_counts, young, d_, ids, state, band_, age_band,
             months_base, count_base, refer_ok, model_k, kept_from_, hours_, spot, tis_lut, next_edge,
             death_p, move_p, referral_from, hours_values, key, leave_p,
             cost_key, pathway_key, place_cost, kept_waiting, kept_search, kept_work,
             kept_work_hours, cost_, cost_disc, outcomes, outcomes_disc, cost_extra, since, cost_rate, outcome_rate,
             state_cost, tail_costs, tail_outcomes):
    """`refresh` on the fields it reads and writes (compiled)."""
    n_hours = hours_values.shape[1]
    n_keys = L.S1 * L.B * L.T
    c = L.cycle_months
    for j in range(len(at)):
        i = _u32(at[j])  # unsigned: numba then skips its check for a negative index on every read
        d, st, band, ab = d_[i], state[i], band_[i], age_band[i]
        gone = st == L.gone
        blk = _u32(d * nb + (ids[i] >> block_shift))
        old, base = cost_key[i], count_base[i]
        if L.person_totals:  # the cycles since the row's money last changed go into its totals, at the old rates,
            # a step of time in the state at a time (as they would have gone in had it been visited at each step)
            k0 = since[i]
            while old >= 0 and k0 < m:
                cost, cost_d, weight, weight_d, k0 = _piece(old, cost_extra[i], base, k0, m, d, c, tis_lut, next_edge,
                                                            cost_rate, outcome_rate, tail_costs, tail_outcomes)
                cost_[i] += cost
                cost_disc[i] += cost_d
                outcomes[i] += weight
                outcomes_disc[i] += weight_d
            since[i] = m
        pk = pathway_key[i]
        where, slot, col = _counted_at(L, n_keys, n_job_keys, d, old, pk, base, m, tis_lut)
        if where >= 0:  # out of its old keys
            key_counts[blk, _u32(where)] -= 1
            if slot >= 0:
                young[blk, _u32(slot), _u32(col)] -= 1
            if pk >= 0:
                pathway_counts[blk, _u32(pk)] -= 1
        # The policy variant of the chance tables (`transitions.cumulative_chances`); someone waiting moves as in
        # the state they came from (`Person.choose_move`).
        chances_of, v = st, 0
        if L.has_policy:
            if st == L.support:
                v = 2 + model_k[i]
            elif referral_from[d, st] and refer_ok[i]:
                v = 1
            if st == L.waiting and kept_from_[i] >= 0:
                chances_of, v = kept_from_[i], 0
        key[i] = ((((d * L.S1 + chances_of) * L.B + band) * L.A + ab) * L.V + v) * L.T
        # exit chances
        leave_p[i] = 0.0 if gone else _death_p(death_p, d, ab, band) + move_p[d]
        # the cost key at the first step of time in the state: the step is read from the counts (`KeyCounts`)
        base = months_base[i]
        count_base[i] = base
        cost_key[i] = ((d * L.S1 + st) * L.B + band) * L.T
        h = _hours_column(L, d, st, hours_[i], hours_values)
        pk = _pathway_key(L, n_hours, place_cost.shape[1], st, band, h, model_k[i], spot[i], kept_from_[i])
        pathway_key[i] = pk
        where, slot, col = _counted_at(L, n_keys, n_job_keys, d, cost_key[i], pk, base, m, tis_lut)
        if where >= 0:  # into its new ones
            key_counts[blk, _u32(where)] += 1
            if slot >= 0:
                young[blk, _u32(slot), _u32(col)] += 1
            if pk >= 0:
                pathway_counts[blk, _u32(pk)] += 1
        # the part of their former service kept on the employment pathway (`Spec.kept_share`)
        extra = 0.0
        if L.has_policy and kept_from_[i] >= 0:
            share = _kept_share(L, d, st, band, hours_[i], kept_waiting, kept_search, kept_work, kept_work_hours)
            extra = share * state_cost[d, kept_from_[i], band]
        if L.has_policy and st == L.support:  # their place: a block place, or one a personal budget bought
            extra = place_cost[d, model_k[i]] + extra
        cost_extra[i] = extra


def refresh(L: Layout, t: Tables, r: Rows, at: np.ndarray, counts: KeyCounts, m: int) -> None:
    """Recompute the cached quantities of the rows at positions `at` from their state, band, age band and times at
    cycle `m`, and move them to their new keys in `counts`; with person totals kept, first add the cycles before
    cycle `m` since their money last changed to their totals."""
    return _refresh(L, at, m, BLOCK_SHIFT, counts.nb, counts.job_keys, counts.by_cost_key, counts.by_pathway_key,
                    counts.young, r.d, r.ids, r.state, r.band, r.age_band, r.months_base, r.count_base, r.refer_ok,
                    r.model_k, r.kept_from, r.hours, r.spot, t.tis_lut, t.next_edge, t.death_p, t.move_p,
                    t.referral_from, t.hours_values, r.key, r.leave_p,
                    r.cost_key, r.pathway_key, t.place_cost,
                    t.kept_waiting, t.kept_search, t.kept_work, t.kept_work_hours, r.cost, r.cost_disc, r.outcomes,
                    r.outcomes_disc, r.cost_extra, r.since, t.cost_rate, t.outcome_rate, t.state_cost, t.tail_costs,
                    t.tail_outcomes)


@_jit
def _ages_move_on(L, m, lo, hi, d_, band_, entry_age, entered, band_at, age_band, key_, leave_p, next_age_edge,
                  death_p, move_p):
    """`cycle.decide`'s passing of time for the rows whose next age band has come (compiled; the rows lo to hi). Every
    row's `band_at` is read here, not searched for first: a pass that listed the rows due and a loop over them took
    longer (rows that have left have NEVER)."""
    age_step = L.V * L.T
    c = L.cycle_months
    for i in range(np.uint64(lo), np.uint64(hi)):  # unsigned: numba then skips its check for a negative index
        if band_at[i] > m:
            continue
        d = _u32(d_[i])
        ab = age_band[i]  # one band further along the chance tables (or more)
        while _age(entry_age[i], entered[i], m, c) >= next_age_edge[ab]:
            ab += 1
            key_[i] += age_step
        age_band[i] = ab
        leave_p[i] = _death_p(death_p, d, ab, band_[i]) + move_p[d]
        band_at[i] = _age_reaches(entry_age[i], entered[i], next_age_edge[ab], m, c)


@_inner
def _steps_move_on(L, m, young, key_counts, tis_lut, next_edge):
    """Time passing in the counts, before any row of cycle `m` is refreshed (`cycle.cycles`, at the end of
    the cycle before): the rows of `KeyCounts.young` whose months in their state reach the next step of
    time in it move there in `KeyCounts.by_cost_key`, slot by slot (a slot holds the rows of one `months_base`);
    those reaching R months leave `young`, counted at the last step."""
    R, c = young.shape[1], L.cycle_months
    if m == 0 or R == 0:
        return
    lowest = -(m - 1) * c  # the rows under R months at cycle m - 1 have months_base from here to R - 1 - (m - 1) * c
    for e in range(len(next_edge)):
        edge = next_edge[e]
        if edge > R:  # NEVER: past the last step
            continue
        # months_base whose months reach `edge` at m and were under it at m - 1; with a cycle over a step long, the
        # same one can reach two edges: each is moved once, the first time, from its step at m - 1 to that at m
        for base in range(max(edge - m * c, lowest), edge - (m - 1) * c):
            if e > 0 and base + (m - 1) * c < next_edge[e - 1]:
                continue  # reached the earlier edge in this cycle too: moved there
            s = base % R
            old, new = _seg(tis_lut, base + (m - 1) * c), _seg(tis_lut, base + m * c)
            for blk in range(young.shape[0]):
                for sb in range(young.shape[2] // 2):
                    for job in range(2):
                        n = young[blk, s, 2 * sb + job]
                        if n:
                            key_counts[blk, 2 * (sb * L.T + old) + job] -= n
                            key_counts[blk, 2 * (sb * L.T + new) + job] += n
                            if base + m * c >= R:
                                young[blk, s, 2 * sb + job] = 0


# A gap in a stream of at most this many draws is crossed with a table (`pcg64.jumps`), a longer one by
# `pcg64.advance`
_JUMP = 64


@_inline
def _decide_rows(inline, m, lo, hi, u, start, exit_col, move_col, hours_col, gone, d, ids, state, retire_at, leave_p,
                 key_, exposure_base, cycle_months, tis_lut, total, cum, space):
    """A cycle's decisions on the rows lo to hi (`cycle.cycles`, `cycle.decide`'s threads; their positions returned, in
    order). A row's row of chances is its `key` and its step of time exposed to a decision (`exposure_base`), worked
    out here. With `inline` (`start` then has a row per draw: where its stream of the cycle's uniforms starts,
    `streams.cycle_starts`) each row's uniforms are made here, in the stream's order (columns of `streams`' layout:
    row id * N_DECIDE + column); without it they are read from `u`, the one array every draw shares. `inline` is a
    constant in each of the two compiled callers (`_decide_made`, `_decide_read`), so each loop has only its own
    branch: one loop for both ran a quarter slower reading `u` (1.99 against 1.43 ms a cycle, 56 draws). The
    decisions are written in `space` (`decide_space`, at least hi - lo long) and returned as the parts of it used."""
    leaving, u_exit, movers, dst, u_hours = space
    nl = nm = 0
    # each draw's place in its stream (draws made so far) and the state there; rows of a draw come in id order
    s_hi, s_lo = start[:, 0].copy(), start[:, 1].copy()
    at = np.zeros(len(start), dtype=np.int64)
    # a draw's gap over the rows between two it reads (people who left) taken in one step, not draw by draw
    jumps = np.empty((len(start), _JUMP + 1, 4), dtype=np.uint64)
    for k in range(len(start)):
        pcg64.jumps(start[k, 2], start[k, 3], jumps[k])
    n_cols = np.int64(u.shape[2])
    h = low = np.uint64(0)
    for i in range(np.uint64(lo), np.uint64(hi)):  # unsigned: no check for a negative index
        if state[i] == gone:  # left: never decides, and needs no numbers
            continue
        if m >= retire_at[i]:  # reaches pension age: leaves whatever its numbers
            leaving[nl] = i
            u_exit[nl] = 0.0
            nl += 1
            continue
        # indices read from arrays made unsigned: numba then skips its check for a negative index
        row = _u32(ids[i])
        k = _u32(d[i])
        if inline:
            upto = np.int64(row) * n_cols + exit_col + 1  # the stream's place after the row's exit uniform
            gap = upto - at[k]
            if gap <= _JUMP:
                h, low = pcg64.jump(s_hi[k], s_lo[k], jumps[k, gap])
            else:
                h, low = pcg64.advance(s_hi[k], s_lo[k], start[k, 2], start[k, 3], gap)
            x = pcg64.uniform(h, low)
        else:
            x = u[0, row, exit_col]
        if x < leave_p[i]:
            leaving[nl] = i
            u_exit[nl] = x
            nl += 1
            if inline:
                at[k], s_hi[k], s_lo[k] = upto, h, low
            continue
        key = _u32(key_[i] + _seg(tis_lut, _months(exposure_base[i], m, cycle_months)))
        if inline:
            h, low, x = pcg64.next_uniform(h, low, start[k, 2], start[k, 3])
            upto += 1
        else:
            x = u[0, row, move_col]
        if x < total[key]:
            j = 0
            while not x < cum[key, j]:
                j += 1
            if inline:
                h, low, y = pcg64.next_uniform(h, low, start[k, 2], start[k, 3])
                upto += 1
            else:
                y = u[0, row, hours_col]
            movers[nm], dst[nm], u_hours[nm] = i, j, y
            nm += 1
        if inline:
            at[k], s_hi[k], s_lo[k] = upto, h, low
    return leaving[:nl], u_exit[:nl], movers[:nm], dst[:nm], u_hours[:nm]


@_jit
def decide_space(n):
    """Room for the decisions of n rows (`_decide_rows`): the rows leaving and their exit uniforms, the rows moving,
    where to and their hours uniforms. Compiled cycles make it once, not every cycle: five arrays the size of every
    row, allocated and let go of each cycle, went back to the system and came back page by page (England: 15,000
    page faults and 2-3% of the run)."""
    return (np.empty(n, dtype=np.int64), np.empty(n, dtype=np.float64), np.empty(n, dtype=np.int64),
            np.empty(n, dtype=np.int64), np.empty(n, dtype=np.float64))


@_jit
def _decide_made(m, lo, hi, u, start, exit_col, move_col, hours_col, gone, d, ids, state, retire_at, leave_p, key_,
                 exposure_base, cycle_months, tis_lut, total, cum, space):
    """`_decide_rows` making each row's uniforms from its draw's `start`."""
    return _decide_rows(True, m, lo, hi, u, start, exit_col, move_col, hours_col, gone, d, ids, state, retire_at,
                        leave_p, key_, exposure_base, cycle_months, tis_lut, total, cum, space)


@_inner  # called only from the compiled cycles
def _decide_read(m, lo, hi, u, start, exit_col, move_col, hours_col, gone, d, ids, state, retire_at, leave_p, key_,
                 exposure_base, cycle_months, tis_lut, total, cum, space):
    """`_decide_rows` reading each row's uniforms from `u`."""
    return _decide_rows(False, m, lo, hi, u, start, exit_col, move_col, hours_col, gone, d, ids, state, retire_at,
                        leave_p, key_, exposure_base, cycle_months, tis_lut, total, cum, space)


@_inner
def _move(L, movers, dst, u_hours, m, pb_cut, queued, n_ids, D, charge, block_filled, d_, ids, state, origin_, band,
          hours_, job_starts, cycles_in, state_start, one_off, kept_from, model_k, spot_, months_base, exposure_base,
          personal_budget_u, move_cost, hours_cum, hours_values, state_cost, kept_waiting, kept_search, kept_work,
          kept_work_hours):
    """The rows at positions `movers` move to `dst`, in row order, as `Person.enter` (`DayshiftModel._moves`):
    time in the state restarts and the move is charged (unless `charge` is false); a move to the waiting list is
    a referral, which a usable personal budget (its uniform below the draw's cutoff `pb_cut`) turns into a place
    at once; on the employment pathway a person keeps where they came from (and the part of its service they
    keep), and leaving support frees their place (one fewer in `block_filled`, by draw and service model, when
    the budget paid for it); a job's weekly hours come from its uniform in `u_hours`. Cached quantities are not
    refreshed, and those joining a waiting list are not yet marked `queued` (the caller adds them to its list).
    Returns the flows [draw, from, to], referrals by draw, job starts by draw and origin (each live state, then the
    inflow), job exits by draw, the uids (draw * n_ids + id) who joined a waiting list, and the day-service
    packages released (draw, id, amount per cycle) by people starting work from day services."""
    S = L.gone
    n = len(movers)
    flows = np.zeros((D, S, S), dtype=np.int64)
    referrals = np.zeros(D, dtype=np.int64)
    starts = np.zeros((D, S + 1), dtype=np.int64)
    job_exits = np.zeros(D, dtype=np.int64)
    joined = np.empty(n, dtype=np.int64)
    rel_d = np.empty(n, dtype=np.int64)
    rel_id = np.empty(n, dtype=np.int64)
    rel_amount = np.empty(n)
    nj = nr = 0
    n_hours = hours_cum.shape[1]
    for j in range(n):
        i, to = _u32(movers[j]), dst[j]  # unsigned: numba then skips its check for a negative index
        d, src = d_[i], state[i]
        cycles_in[i, src] += m - max(state_start[i], 0)
        spot = False
        if L.has_policy:
            if to == L.waiting:  # a referral: a place at once, or the waiting list
                referrals[d] += 1
                spot = personal_budget_u[i] < pb_cut[d]
                if spot:
                    to = L.support
                else:  # the engine puts them on its list (and marks them queued)
                    joined[nj] = d * n_ids + ids[i]
                    nj += 1
            else:
                if src == L.waiting:
                    queued[d * n_ids + ids[i]] = False
                if src == L.work:
                    job_exits[d] += 1
        flows[d, src, to] += 1
        if charge:
            one_off[i] += move_cost[d, src, to]
        if L.has_policy:
            in_new = to == L.waiting or to == L.support or to == L.work
            in_old = src == L.waiting or src == L.support or src == L.work
            if in_new and not in_old:
                origin_[i] = src
                kept_from[i] = src
            elif not in_new:
                origin_[i] = to
                kept_from[i] = -1
            if src == L.support:
                if not spot_[i]:
                    block_filled[d, model_k[i]] -= 1
                model_k[i] = -1
                spot_[i] = False
            if spot:
                model_k[i] = 0
                spot_[i] = True
        state[i] = to
        months_base[i] = -m * L.cycle_months  # 0 months in the state in this cycle, and none exposed until the next
        exposure_base[i] = -(m + 1) * L.cycle_months
        state_start[i] = m
        if L.has_policy and to == L.work:
            above = 0  # the job's weekly hours: how many of the draw's running shares the uniform reaches
            for k in range(n_hours):
                if u_hours[j] >= hours_cum[d, k]:
                    above += 1
            hours = hours_values[d, min(above, n_hours - 1)]
            hours_[i] = hours
            origin = origin_[i] if src == L.support or src == L.waiting else src
            starts[d, origin if origin >= 0 else S] += 1
            job_starts[i] += 1
            if origin == L.day:  # the package moves, less what the person keeps in work
                b = band[i]
                kept = _kept_share(L, d, L.work, b, hours, kept_waiting, kept_search, kept_work, kept_work_hours)
                rel_d[nr], rel_id[nr] = d, ids[i]
                rel_amount[nr] = state_cost[d, L.day, b] * (1.0 - kept)
                nr += 1
    return flows, referrals, starts, job_exits, joined[:nj], rel_d[:nr], rel_id[:nr], rel_amount[:nr]


@_inner
def _leave(L, leaving, u_exit, m, queued, n_ids, D, block_filled, d_, ids, state, band, age_band, retire_at,
           band_at, death_p, cycles_in, state_start, spot, model_k):
    """Step 1's exits: the rows at positions `leaving` leave the model (retirement at pension age, else death
    when their exit uniform `u_exit` is below the chance of dying, else a move away) and are marked GONE. Returns each
    row's exit (the order of EXIT_STATES), and the exits by draw and exit and by draw and the state left. A row's
    time in its state is added up first; its totals and person fields are kept, its cached quantities are not
    refreshed. A block place they held is freed in `block_filled`."""
    n = len(leaving)
    exit_k = np.empty(n, dtype=np.int64)
    by_exit = np.zeros((D, 3), dtype=np.int64)
    from_state = np.zeros((D, L.gone), dtype=np.int64)
    for j in range(n):
        i = _u32(leaving[j])  # unsigned: numba then skips its check for a negative index
        d, st = d_[i], state[i]
        if m >= retire_at[i]:
            e = 0
        elif u_exit[j] < _death_p(death_p, d, age_band[i], band[i]):
            e = 1
        else:
            e = 2
        exit_k[j] = e
        by_exit[d, e] += 1
        from_state[d, st] += 1
        cycles_in[i, st] += m - max(state_start[i], 0)
        if L.has_policy:
            queued[d * n_ids + ids[i]] = False
            if st == L.support and not spot[i]:
                block_filled[d, model_k[i]] -= 1
        state[i] = L.gone
        retire_at[i] = NEVER
        band_at[i] = NEVER
    return exit_k, by_exit, from_state


_AT = numba.int64[::1]


# Compiled for these types only, when this module is first imported after an install (`make` does it): a field
# of any other type is viewed as the whole number of its size, so its bits are moved as they are.
@compiled.jit([(numba.int8[::1], _AT), (numba.int32[::1], _AT), (numba.int64[::1], _AT), (numba.int64[:, ::1], _AT)],
              nogil=True)
def _keep_rows(arr, at):
    if arr.ndim == 1:
        for j in range(len(at)):
            arr[j] = arr[np.uint64(at[j])]  # unsigned: no check for a negative index
    else:
        for j in range(len(at)):
            for k in range(arr.shape[1]):
                arr[j, k] = arr[at[j], k]


_SAME_SIZE = {1: np.int8, 4: np.int32, 8: np.int64}


def keep_rows(arr: np.ndarray, at: np.ndarray) -> None:
    """Move the rows at positions `at` (ascending) to the front of `arr`, in order, in place."""
    _keep_rows(arr.view(_SAME_SIZE[arr.dtype.itemsize]), np.asarray(at, dtype=np.int64))


@_jit
def fill_places_by_draw(free, draw):
    """`policy.fill_places` for every draw's waiting list at once: `free` places by draw and service model, and
    the draw of each entry of the lists, sorted by draw and in order within each; the service model of each
    entry (-1: no place). Whole free places of the first model first, then the next model's."""
    D, K = free.shape
    n = np.zeros(D)
    for j in range(len(draw)):
        n[draw[j]] += 1
    upto = np.zeros((D, K))  # the places of models up to each, by draw, as far as the list reaches
    for d in range(D):
        filled = 0.0
        for k in range(K):
            f = free[d, k]
            filled = filled + (np.floor(max(0.0, min(f, n[d] - filled))) if np.isfinite(f) else n[d] - filled)
            upto[d, k] = filled
    out = np.empty(len(draw), dtype=np.int64)
    rank, prev = 0, -1
    for j in range(len(draw)):
        d = draw[j]
        if d != prev:  # the first of its draw's list
            rank, prev = 0, d
        model = 0
        while model < K and rank >= upto[d, model]:
            model += 1
        out[j] = model if model < K else -1
        rank += 1
    return out


@_jit
def sum_by_draw(d, values, D):
    """Sums of a row quantity by draw, added in row order."""
    out = np.zeros(D)
    for i in range(len(d)):
        out[d[i]] += values[i]
    return out


@_inner
def _one_offs(L, m, block_shift, nb, at, one_offs, d_, ids, state, one_off, service, cost_, cost_disc, df_costs):
    """The one-off costs of the rows at positions `at` (ascending; a position repeated counts once), by block
    (draw * nb + id >> block_shift) and the service of the state they are in at the end of the cycle; with person
    totals kept, into their totals."""
    for j in range(len(at)):
        i = _u32(at[j])
        if j and at[j - 1] == i:
            continue
        own = one_off[i]
        if own != 0.0:
            d = _u32(d_[i])
            one_offs[_u32(d * nb + (ids[i] >> block_shift)), _u32(service[_u32(state[i])])] += own
            if L.person_totals:
                cost_[i] += own
                cost_disc[i] += own * df_costs[d, m]
            one_off[i] = 0.0


@_inner
def _money_of_counts(L, nb, n_jobs, key_counts, pathway_counts, counts, by_service, sums, tallies, cost_rate,
                     outcome_rate, benefit_rate, state_cost, service, hours_values, work_benefit, work_tax,
                     work_earnings, place_cost, kept_waiting, kept_search, kept_work, kept_work_hours):
    """Each draw's people by state and money from its counts of rows by key (`KeyCounts`): a row's cost, outcome
    weight and benefits follow from its cost key; its job's benefits, tax, earnings and hours, its place's cost and
    the part of a former service it keeps, from its pathway key (`_pathway_key`). Sums (by draw): benefit, tax,
    earnings, hours, outcome weight, block places' cost, day-centre attendance in whole weeks. A draw's counts are
    whole numbers added over its blocks, and its keys are visited in order, so its sums depend neither on the
    rows' order nor on the blocks or threads."""
    BT = L.B * L.T
    n_keys = L.S1 * BT
    n_hours = hours_values.shape[1]
    places_end = n_jobs + 2 * place_cost.shape[1] * L.B
    by_key = np.zeros(key_counts.shape[1], dtype=np.int64)
    by_pathway = np.zeros(pathway_counts.shape[1], dtype=np.int64)
    for d in range(key_counts.shape[0] // nb):
        by_key[:] = 0
        by_pathway[:] = 0
        for blk in range(d * nb, (d + 1) * nb):
            for j in range(len(by_key)):
                by_key[j] += key_counts[blk, j]
            for j in range(len(by_pathway)):
                by_pathway[j] += pathway_counts[blk, j]
        for kk in range(n_keys):
            n_plain, n_job = by_key[2 * kk], by_key[2 * kk + 1]
            n = n_plain + n_job
            if n == 0:
                continue
            st = kk // BT
            k = d * n_keys + kk
            counts[d, st] += n
            by_service[d, service[st]] += n * cost_rate[k]
            sums[d, 4] += n * outcome_rate[k]
            if n_plain:  # in work, benefits follow the job's hours (below)
                sums[d, 0] += n_plain * benefit_rate[k]
            if st == L.day:
                sums[d, 6] += n
        for pk in range(len(by_pathway)):
            n = by_pathway[pk]
            if n == 0:
                continue
            role, kept_from = pk // L.S1, pk % L.S1 - 1
            hours = 0.0
            if role < n_jobs:
                st, b, h = L.work, role // n_hours, role % n_hours
                hours = hours_values[d, h]
                sums[d, 0] += n * work_benefit[d, b, h]
                sums[d, 1] += n * work_tax[d, h]
                sums[d, 2] += n * work_earnings[d, h]
                sums[d, 3] += n * hours
            elif role < places_end:
                st, b = L.support, (role - n_jobs) % L.B
                model_spot = (role - n_jobs) // L.B
                place = n * place_cost[d, model_spot // 2]
                by_service[d, service[st]] += place
                if model_spot % 2:  # bought with a personal budget
                    tallies[d, 0] += n
                else:
                    sums[d, 5] += place
            elif role < places_end + L.B:
                st, b = L.waiting, role - places_end
            else:
                st, b = L.work, role - places_end - L.B
            if kept_from >= 0:  # the part of a former service kept on the employment pathway, paid by it
                share = _kept_share(L, d, st, b, hours, kept_waiting, kept_search, kept_work, kept_work_hours)
                by_service[d, service[kept_from]] += n * (share * state_cost[d, kept_from, b])
                if kept_from == L.day:
                    sums[d, 6] += n * share


@_inner
def _add_blocks(by_draw, by_block, nb):
    """Add each draw's blocks' sums (`_one_offs`) to its own, block by block in order."""
    for d in range(by_draw.shape[0]):
        for blk in range(d * nb, (d + 1) * nb):
            for j in range(by_draw.shape[1]):
                by_draw[d, j] += by_block[blk, j]


@_jit
def _settle(L, m, d_, cost_key, count_base, cost_, cost_disc, outcomes, outcomes_disc, cost_extra, since, cost_rate,
            outcome_rate, tis_lut, next_edge, tail_costs, tail_outcomes):
    """`settle` on the fields it reads and writes (compiled)."""
    c = L.cycle_months
    for i in range(len(d_)):
        k, d, base = cost_key[i], _u32(d_[i]), count_base[i]
        if k < 0 or since[i] >= m:
            continue
        k0 = since[i]
        while k0 < m:  # a step of time in the state at a time, as `_refresh`
            cost, cost_d, weight, weight_d, k0 = _piece(k, cost_extra[i], base, k0, m, d, c, tis_lut, next_edge,
                                                        cost_rate, outcome_rate, tail_costs, tail_outcomes)
            cost_[i] += cost
            cost_disc[i] += cost_d
            outcomes[i] += weight
            outcomes_disc[i] += weight_d
        since[i] = m


def settle(L: Layout, t: Tables, r: Rows, n: int, m: int) -> None:
    """Every row's (of the first `n`) cost and outcome of the cycles before cycle `m` since its money last changed,
    added to its totals (a person's totals are added when their money changes, not every cycle: `refresh`)."""
    _settle(L, m, r.d[:n], r.cost_key, r.count_base, r.cost, r.cost_disc, r.outcomes, r.outcomes_disc, r.cost_extra,
            r.since, t.cost_rate, t.outcome_rate, t.tis_lut, t.next_edge, t.tail_costs, t.tail_outcomes)


@_jit
def _start_money(L, d_, band_, state, hours, cost_key, count_base, cost_extra, cost_rate, outcome_rate, benefit_rate,
                 hours_values, work_benefit, work_tax, tis_lut):
    """`start_money` on the fields it reads and writes (compiled)."""
    n = len(d_)
    cost, weight, benefit, tax = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        d, b = d_[i], band_[i]
        h = _hours_column(L, d, state[i], hours[i], hours_values)
        k = cost_key[i] + _seg(tis_lut, _months(count_base[i], 0, L.cycle_months))
        cost[i], weight[i] = cost_rate[k] + cost_extra[i], outcome_rate[k]
        benefit[i] = work_benefit[d, b, h] if h >= 0 else benefit_rate[k]
        tax[i] = work_tax[d, h] if h >= 0 else 0.0
    return cost, weight, benefit, tax


def start_money(L: Layout, t: Tables, r: Rows, n: int) -> tuple:
    """Each row's (of the first `n`) cost (with its place and the part of a former service kept, `cost_extra`;
    without one-off costs), outcome weight, benefits and tax for a cycle in its state at the start, as a cycle
    charges them: the start state counted at time 0."""
    return _start_money(L, r.d[:n], r.band, r.state, r.hours, r.cost_key, r.count_base, r.cost_extra, t.cost_rate,
                        t.outcome_rate, t.benefit_rate, t.hours_values, t.work_benefit, t.work_tax, t.tis_lut)


@_jit
def _fsum_add(partials, n, x):
    """Add x to the exact sum held as non-overlapping partials (Shewchuk's algorithm, as `math.fsum`)."""
    i = 0
    for j in range(n):
        y = partials[j]
        if abs(x) < abs(y):
            x, y = y, x
        hi = x + y
        lo = y - (hi - x)
        if lo != 0.0:
            partials[i] = lo
            i += 1
        x = hi
    if x != 0.0:
        if i >= len(partials):
            raise OverflowError("too many partials in an exact sum")
        partials[i] = x
        i += 1
    return i


@_jit
def _fsum_result(partials, n):
    """The exact sum held in partials, rounded once (half to even), as `math.fsum` gives it."""
    if n == 0:
        return 0.0
    n -= 1
    hi = partials[n]
    lo = 0.0
    while n > 0:
        x = hi
        n -= 1
        y = partials[n]
        hi = x + y
        lo = y - (hi - x)
        if lo != 0.0:
            break
    if n > 0 and ((lo < 0.0 and partials[n - 1] < 0.0) or (lo > 0.0 and partials[n - 1] > 0.0)):
        y = lo * 2.0
        x = hi + y
        if y == x - hi:
            hi = x
    return hi


@_jit
def fsum_by_draw(start, d, values):
    """For each draw, `math.fsum` of its `start` and of the `values` of its rows `d`: the exactly rounded sum, so
    it does not depend on the order the values come in."""
    D = len(start)
    out = start.copy()
    partials = np.empty(128)
    first = np.zeros(D + 1, dtype=np.int64)  # the rows of draw k are order[first[k]:first[k + 1]]
    for i in range(len(d)):
        first[d[i] + 1] += 1
    for k in range(D):
        first[k + 1] += first[k]
    order = np.empty(len(d), dtype=np.int64)
    fill = first[:D].copy()
    for i in range(len(d)):
        order[fill[d[i]]] = i
        fill[d[i]] += 1
    for k in range(D):
        if first[k + 1] > first[k]:
            n = _fsum_add(partials, 0, start[k])
            for j in range(first[k], first[k + 1]):
                n = _fsum_add(partials, n, values[order[j]])
            out[k] = _fsum_result(partials, n)
    return out


@_jit
def tail_sums(df):
    """For each draw (row of `df`, its cycles' discount factors), the sum of its factors from each cycle to the
    end, one more at the end (0), each exactly rounded: a difference of two is the factors of the cycles between to
    within a rounding of the larger, which is of the size of the factors there (they fall, or stay level), not of
    the whole run's."""
    D, n = df.shape
    out = np.zeros((D, n + 1))
    partials = np.empty(128)
    for d in range(D):
        p = 0
        for k in range(n - 1, -1, -1):
            p = _fsum_add(partials, p, df[d, k])
            out[d, k] = _fsum_result(partials, p)
    return out


@_jit
def close_centres(attendance, open_, close_below, places_each):
    """`CentreClosures.update_and_costs`' closing, by draw: centres close one at a time while the attendance left is
    below `close_below` of the open centres' places and fits in one centre fewer; `open_` is changed in place, and
    the centres closed returned."""
    closed = np.zeros(len(open_), dtype=np.int64)
    for d in range(len(open_)):
        n = open_[d]
        # rounded, so that engines summing part-weeks in different orders take the same decision (both round here)
        a = round(attendance[d], 9)
        while n > 0 and a < close_below[d] * n * places_each[d] and a <= (n - 1) * places_each[d]:
            n -= 1
        closed[d] = open_[d] - n
        open_[d] = n
    return closed


@_jit
def centres_closing(at, closed, cycle, consult, double):
    """`centre_costs`' centres by draw still under consultation to close, and closed but still running
    (double running), at `cycle`, from the cycles `at` in which `closed` centres closed."""
    K, D = closed.shape
    consulting = np.zeros(D, dtype=np.int64)
    running = np.zeros(D, dtype=np.int64)
    for k in range(K):
        for d in range(D):
            ends = at[k] + consult[d]
            if cycle < ends:
                consulting[d] += closed[k, d]
            elif cycle < ends + double[d]:
                running[d] += closed[k, d]
    return consulting, running


@_jit
def centre_costs(open_, at, closed, cycle, consult, double, fixed):
    """By draw, as columns: the fixed cost of open centres and of those under consultation to close, and the
    double-running cost of closed ones (`centres_closing`), at `cycle`."""
    consulting, running = centres_closing(at, closed, cycle, consult, double)
    costs = np.empty((len(open_), 2))
    for d in range(len(open_)):
        costs[d, 0] = (open_[d] + consulting[d]) * fixed[d]
        costs[d, 1] = running[d] * fixed[d]
    return costs


@_jit
def centres_cycle(attendance, open_, close_below, places_each, at, closed, n_closed, consult, double, fixed, cycle):
    """`CentreClosures.update_and_costs`: centres closed (`close_centres`; a cycle's closures recorded as row
    `n_closed[0]` of `at` and `closed`, which have room), then their costs (`centre_costs`) and the centres open."""
    now = close_centres(attendance, open_, close_below, places_each)
    if np.sum(now) > 0:  # closures are never negative
        k = n_closed[0]
        at[k] = cycle
        for d in range(len(open_)):
            closed[k, d] = now[d]
        n_closed[0] = k + 1
    n = n_closed[0]
    return centre_costs(open_, at[:n], closed[:n], cycle, consult, double, fixed), open_.copy()


@_jit
def new_outcomes(at, state, outcome_year, d_, work, year, tallies):
    """Of the rows at positions `at`, those in work and not yet a job outcome in financial year `year` become one:
    their `outcome_year` set, and each counted in `tallies` by draw."""
    for j in range(len(at)):
        i = at[j]
        if state[i] == work and outcome_year[i] != year:
            outcome_year[i] = year
            tallies[d_[i]] += 1


@_inner
def serve_waiting_lists(uid, join, free, m, n_ids, c):
    """Every draw's waiting list served at once (`VectorisedEngine._waiting_lists`): the entries (uids d * n_ids + id,
    and the cycles they joined), in order by draw, then first come, first served, ties in id order, take the places
    `free` by draw and service model (`fill_places_by_draw`). Returns the uids admitted, their draws and service
    models; by draw, the admissions and the months they waited in all; the entries left, in order; by draw, how
    many are left and the cycles they have waited in all. Sums are added in list order."""
    D, n = free.shape[0], len(uid)
    d = uid // n_ids
    models = fill_places_by_draw(free, d)
    n_in = 0
    for j in range(n):
        n_in += models[j] >= 0
    in_uid = np.empty(n_in, dtype=np.int64)
    in_d = np.empty(n_in, dtype=np.int64)
    in_model = np.empty(n_in, dtype=np.int64)
    rest_uid = np.empty(n - n_in, dtype=np.int64)
    rest_join = np.empty(n - n_in, dtype=np.int64)
    admissions = np.zeros(D, dtype=np.int64)
    waited = np.zeros(D)
    waiting = np.zeros(D, dtype=np.int64)
    waits = np.zeros(D)
    a = r = 0
    for j in range(n):
        dd = d[j]
        if models[j] >= 0:
            in_uid[a], in_d[a], in_model[a] = uid[j], dd, models[j]
            admissions[dd] += 1
            waited[dd] += float((m - join[j]) * c)
            a += 1
        else:
            rest_uid[r], rest_join[r] = uid[j], join[j]
            waiting[dd] += 1
            waits[dd] += float(m - join[j])
            r += 1
    return in_uid, in_d, in_model, admissions, waited, rest_uid, rest_join, waiting, waits


@_jit
def fold_releases(first, last, released, moved, ev_cycle, ev_d, ev_amount, lag_of, lags):
    """`BudgetLedger.split`'s totals brought from cycle `first` to `last`: cycle by cycle, the packages released then
    (`ev_cycle`, `ev_d`, `ev_amount`: every release so far, in cycle order) added to `released`, and those released
    `lag` cycles before by draws whose lag (`lag_of`) it is added to `moved`, each lag in turn (`lags`, ascending),
    each an exactly rounded sum with the total so far (`fsum_by_draw`). Returns the new totals."""
    for c in range(first, last + 1):
        lo, hi = np.searchsorted(ev_cycle, c, side="left"), np.searchsorted(ev_cycle, c, side="right")
        if hi > lo:
            released = fsum_by_draw(released, ev_d[lo:hi], ev_amount[lo:hi])
        for lag in lags:
            if lag > c:
                continue
            lo, hi = np.searchsorted(ev_cycle, c - lag, side="left"), np.searchsorted(ev_cycle, c - lag, side="right")
            if hi > lo:
                d, a = ev_d[lo:hi], ev_amount[lo:hi]
                mine = lag_of[d] == lag
                moved = fsum_by_draw(moved, d[mine], a[mine])
    return released, moved


@_jit
def fold_up_to(m, released, moved, folded, ev_cycle, ev_d, ev_amount, lag_of, lags):
    """`BudgetLedger`'s totals released and moved brought up to cycle `m` in place (`fold_releases`), from the cycle
    after `folded[0]`, the last already in them; nothing if they are up to date."""
    if m > folded[0]:
        rel, mov = fold_releases(folded[0] + 1, m, released, moved, ev_cycle, ev_d, ev_amount, lag_of, lags)
        released[:], moved[:] = rel, mov
        folded[0] = m


@_jit
def settle_budgets(budgets, occupied, place_cost, carries, set_up_rate, carried, most_places):
    """`BudgetLedger.settle` for every draw: each draw's budget closed once its block places are filled (`occupied`,
    by draw and service model): the balance it carries (`carried`, in place: what the places leave unspent where the
    draw carries it, else 0), and the most places filled so far (`most_places`, in place). Returns the set-up cost of
    places filled for the first time. The places' cost is an exactly rounded sum (`fsum_by_draw`)."""
    D, K = occupied.shape
    cost = np.empty(D * K)  # each place's cost, by draw and model
    draw_of = np.empty(D * K, dtype=np.int64)
    for d in range(D):
        for k in range(K):
            cost[d * K + k] = np.float64(occupied[d, k]) * place_cost[d, k]
            draw_of[d * K + k] = d
    spend = fsum_by_draw(np.zeros(D), draw_of, cost)
    set_up = np.empty(D)
    for d in range(D):
        carried[d] = np.maximum(0.0, budgets[d] - spend[d]) if carries[d] else 0.0
        filled = 0.0
        for k in range(K):
            filled = filled + np.float64(occupied[d, k])
        set_up[d] = np.maximum(0.0, filled - most_places[d]) * set_up_rate[d]
        most_places[d] = np.maximum(most_places[d], filled)
    return set_up


@_jit
def places_bought(budgets, share, cost):
    """`policy_params.places_bought` compiled, for both engines (`BudgetLedger.places`, `_waiting_lists`): whole
    places each service model's share of each draw's budget buys (`budgets` (D,), `share` and `cost` (D, K)); no
    limit (inf) where a place costs nothing or the number overflows."""
    D, K = share.shape
    out = np.empty((D, K))
    for d in range(D):
        for k in range(K):
            if cost[d, k] > 0:
                n = budgets[d] * share[d, k] / cost[d, k]
                out[d, k] = np.floor(n + 1e-9) if np.isfinite(n) else np.inf
            else:
                out[d, k] = np.inf
    return out


@_jit
def _list_in_order(q_uid, q_join, n_sorted, queued, m, n_ids):
    """Every draw's waiting list in order (by draw, then the cycle joined, then id), without those who have left
    it: its first `n_sorted` entries are in that order already (what the last cycle left), those after them
    (joined since) are sorted and merged in. Each entry is sorted as one number, (draw * (m + 1) + cycle joined) *
    n_ids + id, from which it is read back: entries of equal number are the same entry."""
    n = len(q_uid)
    old = np.empty(n, dtype=np.int64)
    new = np.empty(n, dtype=np.int64)
    a = b = 0
    for j in range(n):
        u = q_uid[j]
        if not queued[u]:
            continue
        d = u // n_ids
        key = (d * (m + 1) + q_join[j]) * n_ids + (u - d * n_ids)
        if j < n_sorted:
            old[a] = key
            a += 1
        else:
            new[b] = key
            b += 1
    new = np.sort(new[:b])
    uid = np.empty(a + b, dtype=np.int64)
    join = np.empty(a + b, dtype=np.int64)
    i = k = 0
    for j in range(a + b):
        if k >= b or (i < a and old[i] <= new[k]):
            key = old[i]
            i += 1
        else:
            key = new[k]
            k += 1
        q = key // n_ids
        uid[j] = q // (m + 1) * n_ids + key % n_ids
        join[j] = q % (m + 1)
    return uid, join


@_inner
def _waiting_lists(L, m, n_ids, c, pb_cut, queued, row_of, block_filled, charged, q_uid, q_join, n_sorted,
                   ev_cycle, ev_d, ev_amount, base, released, moved, folded, lag_of, lags, carried, carries, share,
                   place_cost, set_up_rate, most_places,
                   d_, ids, state, origin_, band, hours_, job_starts, cycles_in, state_start, one_off, kept_from,
                   model_k, spot_, months_base, exposure_base, personal_budget_u, move_cost, hours_cum, hours_values,
                   state_cost, kept_waiting, kept_search, kept_work, kept_work_hours):
    """Steps 4-5 for every draw (`DayshiftModel.fill_places`): each draw's employment budget this cycle and the places
    it buys (`BudgetLedger.arrays`, brought up to the cycle in place from the releases `ev_...`), every draw's
    waiting list (`q_uid`, `q_join`: its first `n_sorted` entries in order) served first come, first served, ties in
    id order, those admitted moved into support in their service model's place (`_move`; `block_filled` counts them),
    and the budget closed (`BudgetLedger.settle`); `charged` (True) charges their moves. Returns the rows admitted,
    the flows [draw, from, to] of their moves; by draw, the budget, the places bought, the places filled (by model);
    the list left, in order (uids and the cycles joined); by draw, how many are left and the mean cycles they have
    waited (0 with nobody), the set-up cost of places filled for the first time, and the admissions and months waited
    in all."""
    D, K = block_filled.shape
    fold_up_to(m, released, moved, folded, ev_cycle, ev_d, ev_amount, lag_of, lags)
    # element by element here: numba compiles an array expression's loop for each, slowly
    budgets = np.empty(D)
    for d in range(D):
        budgets[d] = base[d] + moved[d] + carried[d]
    places = places_bought(budgets, share, place_cost)
    free = np.empty((D, K))
    for d in range(D):
        for k in range(K):
            free[d, k] = places[d, k] - np.float64(block_filled[d, k])
    uid, join = _list_in_order(q_uid, q_join, n_sorted, queued, m, n_ids)
    in_uid, in_d, in_model, admissions, waited, rest_uid, rest_join, waiting, waits = serve_waiting_lists(
        uid, join, free, m, n_ids, c)
    at = np.empty(len(in_uid), dtype=np.int64)
    for j in range(len(in_uid)):
        at[j] = row_of[in_uid[j]]
    flows = np.zeros((D, L.gone, L.gone), dtype=np.int64)
    if len(at):  # off the list, into support, each in their service model's place
        flows = _move(L, at, np.full(len(at), L.support, dtype=np.int64), np.zeros(len(at)), m, pb_cut, queued, n_ids,
                      D, charged, block_filled, d_, ids, state, origin_, band, hours_, job_starts, cycles_in,
                      state_start, one_off, kept_from, model_k, spot_, months_base, exposure_base, personal_budget_u,
                      move_cost, hours_cum, hours_values, state_cost, kept_waiting, kept_search, kept_work,
                      kept_work_hours)[0]
        for j in range(len(at)):
            model_k[at[j]] = in_model[j]
            block_filled[in_d[j], in_model[j]] += 1
    occupied = np.empty((D, K))
    mean_wait = np.zeros(D)
    for d in range(D):
        if waiting[d] > 0:
            mean_wait[d] = waits[d] / waiting[d]
        for k in range(K):
            occupied[d, k] = np.float64(block_filled[d, k])
    set_up = settle_budgets(budgets, occupied, place_cost, carries, set_up_rate, carried, most_places)
    return (at, flows, budgets, places, occupied, rest_uid, rest_join, waiting, mean_wait, set_up, admissions,
            waited)
