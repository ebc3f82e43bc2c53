"""Cycles for every draw at once. A cycle is its decisions, shared among threads (`decide`), and the rest: the exits
and moves decided (steps 1 and 3 of `DayshiftModel.step`), the entrants (2), the budget and the waiting lists
(4-5), the cycle's people, money and day centres (6), recorded in the ledger's store, and time moving on in the
counts for the next cycle (`kernels._steps_move_on`). `cycles` runs the rest of a cycle in one compiled call, and
when one thread takes every row, the decisions too, for as many cycles as it can (up to the next period of
numbers, the end of the entrants made ahead, or a compaction): a call from Python between the loops costs
microseconds, and a few dozen a cycle were a tenth of a cycle of 20,000 people.

A row's exit or move changes only that row and the counts of its block of ids, so when several threads share the
rows each makes the exits and moves of its own (whole blocks: `model.engine.threads`) as it decides, while the rows
are still in its core's cache, and what they add up to (exits and moves by draw, places freed, releases of
day-service money, those joining a waiting list) is put together afterwards in the order of the rows: the same
numbers with any number of threads. With one thread the compiled cycles make them.

What the loops keep from one cycle to the next is in arrays the engine holds and passes in: the rows, the counts by
key, the waiting list, the budget's totals and releases, and the jobs to check again at 6 and 12 months. An array
that must grow (the list, the jobs to check) is returned anew; the others are changed in place.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from model.engine import kernels, pcg64
from model.engine.kernels import _inner, _jit, _leave, _move, _refresh, _waiting_lists
from model.engine.ledger import record_cycle
from model.engine.threads import RowThreads

# The fields of an entrant's row made ahead (`VectorisedEngine._entrants`), in this order, each (draw, id).
ENTRANT_FIELDS = ("d", "ids", "band", "entry_age", "age_band", "state", "wants_work", "personal_budget",
                  "personal_budget_u", "origin", "refer_ok")


# `decide`'s decisions when there are none (the exits: rows and uniforms; the moves: rows, to, uniforms)
_NO_DECISIONS = (np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                 np.zeros(0))


class Jobs(NamedTuple):
    """Jobs started in the run, to check again when they would reach 6 and 12 months: who (uid) and the cycle each
    started, in the order they started, from `head` (the oldest not yet checked at 12 months) to `tail`; `at6` is
    the first not yet checked at 6 months."""

    uid: np.ndarray
    start: np.ndarray
    head: int
    at6: int
    tail: int


def no_jobs() -> Jobs:
    """No jobs to check yet."""
    return Jobs(np.zeros(64, dtype=np.int64), np.zeros(64, dtype=np.int64), 0, 0, 0)


@_inner
def _push_jobs(uid_buf, start_buf, head, at6, tail, uids, m):
    """Add the jobs `uids` started at cycle `m` to the end, making room first (the checked ones dropped, or the
    arrays doubled)."""
    k = len(uids)
    if tail + k > len(uid_buf):
        keep = tail - head
        size = len(uid_buf)
        while keep + k > size // 2:
            size *= 2
        new_uid = np.zeros(size, dtype=np.int64)
        new_start = np.zeros(size, dtype=np.int64)
        new_uid[:keep] = uid_buf[head:tail]
        new_start[:keep] = start_buf[head:tail]
        uid_buf, start_buf, at6, tail, head = new_uid, new_start, at6 - head, keep, 0
    for j in range(k):
        uid_buf[tail + j] = uids[j]
        start_buf[tail + j] = m
    return uid_buf, start_buf, head, at6, tail + k


@_inner
def _into_work(L, at, m, year, n_ids, state, outcome_year, d_, ids, job_starts, tallies, jobs):
    """Of the rows at positions `at`, those who entered work this cycle: a job outcome this financial year if not one
    already (`tallies` column 3), and a job started in the run (not an entrant's) checked again at 6 and 12 months."""
    w = np.empty(len(at), dtype=np.int64)
    nw = 0
    for j in range(len(at)):
        if state[at[j]] == L.work:
            w[nw] = at[j]
            nw += 1
    w = w[:nw]
    kernels.new_outcomes(w, state, outcome_year, d_, L.work, year, tallies[:, 3])
    started = np.empty(nw, dtype=np.int64)
    ns = 0
    for j in range(nw):
        i = w[j]
        if job_starts[i] > 0:
            started[ns] = d_[i] * n_ids + ids[i]
            ns += 1
    if ns == 0:
        return jobs
    return _push_jobs(jobs[0], jobs[1], jobs[2], jobs[3], jobs[4], started[:ns], m)


@_inner
def _jobs_reached(L, m, c, row_of, state, state_start, d_, tallies, jobs):
    """The jobs reaching 6 months (`tallies` column 1) and 12 months (column 2) this cycle that are still held."""
    uid, start, head, at6, tail = jobs
    for column, months in ((1, 6), (2, 12)):
        lag = -(-months // c)  # months in the job at the end of a cycle: 0, c, 2c, ...
        j = at6 if column == 1 else head
        while j < tail and start[j] + lag == m:
            i = row_of[uid[j]]
            if i >= 0 and state[i] == L.work and state_start[i] == start[j]:
                tallies[d_[i], column] += 1
            j += 1
        if column == 1:
            at6 = j
        else:
            head = j
    return uid, start, head, at6, tail


@_inner
def _queue_add(q_uid, q_join, queued, uids, m):
    """Those `uids` join the end of the waiting list at cycle `m` (and are marked queued)."""
    for j in range(len(uids)):
        queued[uids[j]] = True
    return _joined(q_uid, uids), _joined(q_join, np.full(len(uids), m, dtype=np.int64))


@_inner
def _joined(a, b):
    """`a` then `b`, in a new array (a loop: numba's concatenate of a tuple compiles for each length of tuple)."""
    out = np.empty(len(a) + len(b), dtype=np.int64)
    for j in range(len(a)):
        out[j] = a[j]
    for j in range(len(b)):
        out[len(a) + j] = b[j]
    return out


@_inner
def _release(rel_cycle, rel_amount, ev_cycle, ev_d, ev_amount, n_ev, rel_d, rel_id, amounts, m):
    """`BudgetLedger.release_many` at cycle `m`: each person's package recorded once, and every release in order."""
    for j in range(len(rel_d)):
        d, i = rel_d[j], rel_id[j]
        if rel_cycle[d, i] < 0:
            rel_cycle[d, i] = m
            rel_amount[d, i] = amounts[j]
            k = n_ev[0]
            ev_cycle[k], ev_d[k], ev_amount[k] = m, d, amounts[j]
            n_ev[0] = k + 1


@_inner
def _end_of_cycle(L, t, r, m, D, n_services, fresh, nb, block_shift, by_cost_key, by_pathway_key):
    """Step 6 of cycle `m`: the cycle's sums by draw (people by state, costs by service, and the sums and tallies
    of `kernels._money_of_counts`), with the one-off costs of the rows at positions `fresh` (ascending, repeats
    allowed: those that entered a state this cycle; with person totals kept, into their totals). Step 7, time
    passing, visits only the rows it changes, as the next cycle decides (`decide`).

    A row's money this cycle, but for a one-off cost, follows from two small keys: its `cost_key` (draw, state,
    band, step of time in the state) and, on the employment pathway, its `pathway_key` (a job's hours, a place, the
    service kept from). The rows are counted by key as their keys change (`kernels.KeyCounts`), and the money is each
    key's count times its rate from the draws' small tables: no row is visited for it. The counts and one-off costs
    are kept by block of ids, and a draw's are added over its blocks in order, so the sums do not depend on the
    number of threads or on the draws beside it."""
    counts = np.zeros((D, L.S1), dtype=np.int64)
    by_service = np.zeros((D, n_services + 1))
    sums = np.zeros((D, 7))
    tallies = np.zeros((D, 4), dtype=np.int64)
    kernels._money_of_counts(L, nb, L.B * t.hours_values.shape[1], by_cost_key, by_pathway_key, counts, by_service,
                             sums, tallies, t.cost_rate, t.outcome_rate, t.benefit_rate, t.state_cost, t.service,
                             t.hours_values, t.work_benefit, t.work_tax, t.work_earnings, t.place_cost, t.kept_waiting,
                             t.kept_search, t.kept_work, t.kept_work_hours)
    one_off = np.zeros((D * nb, n_services + 1))
    kernels._one_offs(L, m, block_shift, nb, fresh, one_off, r.d, r.ids, r.state, r.one_off, t.service, r.cost,
                      r.cost_disc, t.df_costs)
    kernels._add_blocks(by_service, one_off, nb)
    return counts, by_service, sums, tallies


@kernels._inline
def _refreshed(L, t, r, at, m, block_shift, nb, job_keys, by_cost_key, by_pathway_key, young):
    """`kernels._refresh` of the rows at positions `at`, its arrays taken from the run's tuples."""
    _refresh(L, at, m, block_shift, nb, job_keys, by_cost_key, by_pathway_key, young, r.d, r.ids, r.state, r.band,
             r.age_band, r.months_base, r.count_base, r.refer_ok, r.model_k, r.kept_from, r.hours, r.spot, t.tis_lut,
             t.next_edge, t.death_p, t.move_p, t.referral_from, t.hours_values, r.key, r.leave_p, r.cost_key,
             r.pathway_key, t.place_cost, t.kept_waiting, t.kept_search, t.kept_work, t.kept_work_hours, r.cost,
             r.cost_disc, r.outcomes, r.outcomes_disc, r.cost_extra, r.since, t.cost_rate, t.outcome_rate,
             t.state_cost, t.tail_costs, t.tail_outcomes)


@_jit
def _leave_and_move(L, t, r, extra, by_cost_key, by_pathway_key, young, nb, job_keys, block_shift, m, D, n_ids,
                    n_models, leaving, u_exit, movers, dst, u_hours, pb_cut, queued, charged):
    """Steps 1 and 3 for the rows of one thread's range (`decide`), or of all when one thread decided them all
    (`cycles`): the rows `leaving` leave (`kernels._leave`), the `movers` move (`kernels._move`), both in row order as
    decided, and both are refreshed. Returns what they add up to, for the rest of the cycle (`_after_decisions`):
    exits by draw and exit and by draw and the state left; the block places freed, by draw and service model (taken
    from `block_filled` there, not here: another thread's rows may free places of the same draw); moves by draw, from
    and to; referrals, job starts by origin and job exits by draw; those joining a waiting list (uids), and the
    day-service money released (draw, id, amount a cycle), in row order."""
    exit_k_, exit_cycle = extra[2], extra[3]
    filled = np.zeros((D, n_models), dtype=np.int64)  # places freed: taken from `block_filled` after
    exit_k, by_exit, from_state = _leave(L, leaving, u_exit, m, queued, n_ids, D, filled, r.d, r.ids, r.state,
                                         r.band, r.age_band, r.retire_at, r.band_at, t.death_p, r.cycles_in,
                                         r.state_start, r.spot, r.model_k)
    if L.person_totals:
        for j in range(len(leaving)):
            exit_k_[leaving[j]] = exit_k[j]
            exit_cycle[leaving[j]] = m
    flows, referrals, starts, job_exits, joined, rel_d, rel_id, rel_amount = _move(
        L, movers, dst, u_hours, m, pb_cut, queued, n_ids, D, charged, filled, r.d, r.ids, r.state, r.origin,
        r.band, r.hours, r.job_starts, r.cycles_in, r.state_start, r.one_off, r.kept_from, r.model_k, r.spot,
        r.months_base, r.exposure_base, r.personal_budget_u, t.move_cost, t.hours_cum, t.hours_values,
        t.state_cost, t.kept_waiting, t.kept_search, t.kept_work, t.kept_work_hours)
    # refreshed now, but for rows that joined a waiting list: they are refreshed once in the rest of the cycle, with
    # those the lists admit (most who join are admitted in the cycle they join)
    again = _merge(_in_state(movers, r.state, L.waiting, False), leaving)
    if len(again):
        _refreshed(L, t, r, again, m, block_shift, nb, job_keys, by_cost_key, by_pathway_key, young)
    return by_exit, from_state, filled, flows, referrals, starts, job_exits, joined, rel_d, rel_id, rel_amount


@_inner
def _in_state(rows, state, s, inside):
    """The rows (positions) in state `s` (`inside`), or those not in it."""
    out = np.empty(len(rows), dtype=np.int64)
    k = 0
    for i in rows:
        if (state[i] == s) == inside:
            out[k] = i
            k += 1
    return out[:k]


@_inner
def _merge(a, b):
    """Two arrays of rows in ascending order as one, repeats kept: the two joined and sorted, in one pass (sorting
    them took 4% of an England run)."""
    out = np.empty(len(a) + len(b), dtype=np.int64)
    i = j = 0
    for k in range(len(out)):
        if j == len(b) or (i < len(a) and a[i] <= b[j]):
            out[k] = a[i]
            i += 1
        else:
            out[k] = b[j]
            j += 1
    return out


@_inner
def _added(a, b):
    """Two arrays of counts of the same shape added (a loop: numba compiles an array expression as a loop of its
    own, a second or so each)."""
    out = a.copy()
    flat, other = out.reshape(out.size), b.reshape(b.size)
    for k in range(out.size):
        flat[k] += other[k]
    return out


@_jit
def _merged(a, b):
    """What two ranges' exits and moves add up to (`_leave_and_move`), the first range's rows first."""
    return (_added(a[0], b[0]), _added(a[1], b[1]), _added(a[2], b[2]), _added(a[3], b[3]), _added(a[4], b[4]),
            _added(a[5], b[5]), _added(a[6], b[6]), _joined(a[7], b[7]), _joined(a[8], b[8]), _joined(a[9], b[9]),
            np.concatenate((a[10], b[10])))


@_inner
def _after_decisions(L, t, r, extra, by_cost_key, by_pathway_key, young, nb, job_keys, block_shift, n, m, D, n_ids,
                     n_services, decided, movers_t, changed_t, ent, ent_lo, ent_k, pb_cut, employment_first, queued,
                     row_of, block_filled, q_uid, q_join, q_sorted, budget, releases, year, new_year, work_tallies,
                     jobs, charged, figures, pb_place_cost, centres):
    """The rest of cycle `m` after its decisions (`cycles`). `charged` is True: given, not written, so that `_move`,
    called with it and with `not charged`, is compiled once (a constant True and False are two types to numba)."""
    S, c = L.gone, L.cycle_months
    wants_work, personal_budget, exit_k_, exit_cycle = extra
    rel_cycle, rel_amount_of, ev_cycle, ev_d, ev_amount, n_ev = releases
    base, released, moved, folded, lag_of, lags, carried, carries, share, place_cost, set_up_rate, most = budget
    # 1. exits and 3. moves (`_leave_and_move`): made by the threads that decided them when several shared the rows
    # (`decide`), else here; then what they add up to, in row order
    leaving, u_exit, movers_c, dst, u_hours = decided
    changed_c = _leave_and_move(L, t, r, extra, by_cost_key, by_pathway_key, young, nb, job_keys, block_shift, m, D,
                                n_ids, block_filled.shape[1], leaving, u_exit, movers_c, dst, u_hours, pb_cut, queued,
                                charged)
    by_exit, from_state, filled, flows_m, referrals_m, starts_m, job_exits_m, joined_m, rel_d, rel_id, rel_amount = \
        _merged(changed_t, changed_c)
    movers = _joined(movers_t, movers_c)
    for d in range(D):
        for k in range(block_filled.shape[1]):
            block_filled[d, k] += filled[d, k]

    # 2. entrants, every draw's, ordered by draw then id (they first decide in the next cycle)
    e_d, e_ids, e_band, e_age, e_age_band, e_state, e_wants, e_pb, e_pb_u, e_origin, e_refer = ent
    first_row = n
    for d in range(D):
        for j in range(ent_k):
            i, s = n + d * ent_k + j, ent_lo + j
            r.d[i], r.ids[i], r.band[i], r.entry_age[i] = e_d[d, s], e_ids[d, s], e_band[d, s], e_age[d, s]
            r.age_band[i], r.state[i], r.origin[i] = e_age_band[d, s], e_state[d, s], e_origin[d, s]
            wants_work[i], personal_budget[i], r.personal_budget_u[i] = e_wants[d, s], e_pb[d, s], e_pb_u[d, s]
            r.refer_ok[i] = e_refer[d, s]
            r.model_k[i], r.kept_from[i], r.outcome_year[i], r.cost_key[i] = -1, -1, -1, -1
            r.entered[i], r.state_start[i] = m, m
            # 0 months in the state in this cycle, and none exposed to a decision until the next
            r.months_base[i], r.exposure_base[i] = -m * c, -(m + 1) * c
    n += D * ent_k
    entrants = np.arange(first_row, n)
    kernels._ages_reached(L, m, entrants, r.d, r.state, r.entry_age, r.entered, r.age_band, r.band_at, r.retire_at,
                          t.next_age_edge, t.pension_age)
    for i in entrants:
        row_of[r.d[i] * n_ids + r.ids[i]] = i
    if L.has_policy:  # employment first: entrants who want work are referred at once
        first = np.empty(len(entrants), dtype=np.int64)
        nf = 0
        for i in entrants:
            if r.refer_ok[i] and employment_first[r.d[i]]:
                first[nf] = i
                nf += 1
        first = first[:nf]
        if nf:
            joined = _move(L, first, np.full(nf, L.waiting, dtype=np.int64), np.zeros(nf), m, pb_cut, queued, n_ids, D,
                           not charged, block_filled, r.d, r.ids, r.state, r.origin, r.band, r.hours, r.job_starts,
                           r.cycles_in, r.state_start, r.one_off, r.kept_from, r.model_k, r.spot, r.months_base,
                           r.exposure_base, r.personal_budget_u, t.move_cost, t.hours_cum, t.hours_values, t.state_cost,
                           t.kept_waiting, t.kept_search, t.kept_work, t.kept_work_hours)[4]
            q_uid, q_join = _queue_add(q_uid, q_join, queued, joined, m)
            for i in first:
                r.origin[i] = -1  # straight from education, never in day services
        jobs = _into_work(L, entrants, m, year, n_ids, r.state, r.outcome_year, r.d, r.ids, r.job_starts,
                          work_tallies, jobs)
    inflow_to = np.zeros((D, S), dtype=np.int64)
    for i in entrants:
        inflow_to[r.d[i], r.state[i]] += 1

    # 3. moves
    flows = np.zeros((D, S, S), dtype=np.int64)
    referrals = np.zeros(D, dtype=np.int64)
    starts = np.zeros((D, S + 1), dtype=np.int64)
    job_exits = np.zeros(D, dtype=np.int64)
    if len(movers):
        flows, referrals, starts, job_exits = flows_m, referrals_m, starts_m, job_exits_m
        if L.has_policy:
            q_uid, q_join = _queue_add(q_uid, q_join, queued, joined_m, m)
            if len(rel_d):
                _release(rel_cycle, rel_amount_of, ev_cycle, ev_d, ev_amount, n_ev, rel_d, rel_id, rel_amount, m)
            jobs = _into_work(L, movers, m, year, n_ids, r.state, r.outcome_year, r.d, r.ids, r.job_starts,
                              work_tallies, jobs)

    # 4-5. the budget, the places it buys, and the waiting lists
    admitted = np.zeros(0, dtype=np.int64)
    budgets, places, occupied = np.zeros(D), np.zeros((D, 1)), np.zeros((D, 1))
    waiting, mean_wait, set_up = np.zeros(D, dtype=np.int64), np.zeros(D), np.zeros(D)
    admissions, waited = np.zeros(D, dtype=np.int64), np.zeros(D)
    if L.has_policy:
        k = n_ev[0]
        admitted, flows_in, budgets, places, occupied, q_uid, q_join, waiting, mean_wait, set_up, admissions, \
            waited = _waiting_lists(
                L, m, n_ids, c, pb_cut, queued, row_of, block_filled, charged, q_uid, q_join, q_sorted, ev_cycle[:k],
                ev_d[:k], ev_amount[:k], base, released, moved, folded, lag_of, lags, carried, carries, share,
                place_cost, set_up_rate, most, r.d, r.ids, r.state, r.origin, r.band, r.hours, r.job_starts,
                r.cycles_in, r.state_start, r.one_off, r.kept_from, r.model_k, r.spot, r.months_base,
                r.exposure_base, r.personal_budget_u, t.move_cost, t.hours_cum, t.hours_values, t.state_cost,
                t.kept_waiting, t.kept_search, t.kept_work, t.kept_work_hours)
        for d in range(D):
            for a in range(S):
                for b in range(S):
                    flows[d, a, b] += flows_in[d, a, b]

    # 6. the rows that entered, joined a waiting list and stayed on it, or were admitted refreshed together before
    # the cycle's money (those that left or moved otherwise were, by their threads; nothing between reads what a
    # refresh writes); then the money, with the one-off costs of every row that entered, moved or was admitted
    # (rows in order, repeats kept: the movers' and entrants' are, and come before and after the entrants' first row)
    admitted = np.sort(admitted)
    fresh = _merge(_joined(movers, entrants), admitted)
    again = _merge(_joined(_in_state(movers, r.state, L.waiting, True), entrants), admitted)
    if len(again):
        _refreshed(L, t, r, again, m, block_shift, nb, job_keys, by_cost_key, by_pathway_key, young)
    counts, by_service, sums, tallies = _end_of_cycle(L, t, r, m, D, n_services, fresh, nb, block_shift, by_cost_key,
                                                      by_pathway_key)
    if L.has_policy:  # job outcomes and jobs reaching 6 and 12 months, of people in work at the end of the cycle
        if new_year:  # a new financial year: everyone in work is a job outcome in it
            kernels.new_outcomes(np.arange(n), r.state, r.outcome_year, r.d, L.work, year, work_tallies[:, 3])
        jobs = _jobs_reached(L, m, c, row_of, r.state, r.state_start, r.d, work_tallies, jobs)
        for d in range(D):
            for k in range(4):
                tallies[d, k] += work_tallies[d, k]
                work_tallies[d, k] = 0
    # day centres close as the attendance, in whole-week equivalents, falls (`CentreClosures`; none: no arrays)
    open_, close_below, places_each, at, closed, n_closed, consult, double, fixed = centres
    centre_costs, n_open = np.zeros((0, 2)), open_
    if len(open_):
        attendance = np.empty(D)
        for d in range(D):
            attendance[d] = sums[d, 6]
        centre_costs, n_open = kernels.centres_cycle(attendance, open_, close_below, places_each, at, closed, n_closed,
                                                     consult, double, fixed, m)
    record_cycle(figures, m, L.has_policy, pb_place_cost, by_exit, from_state, ent_k, inflow_to, flows, referrals,
                 starts, job_exits, (released, moved), budgets, places, occupied, waiting, mean_wait, carried,
                 set_up, admissions, waited, counts, by_service, sums, tallies, centre_costs, n_open)
    # 7. time moving on in the counts, for the next cycle: before any of its rows is refreshed (a new period's too)
    kernels._steps_move_on(L, m + 1, young, by_cost_key, t.tis_lut, t.next_edge)
    return n, q_uid, q_join, jobs


@_jit
def _cycles(L, t, r, extra, by_cost_key, by_pathway_key, young, nb, job_keys, block_shift, n, m0, m1, D, n_ids,
            n_services, decided, left_decided, entropy, lengths, u, ids_by_cycle, exit_col, ent, ent_los, ent_ks,
            pb_cuts, years, last_year, employment_first, queued, row_of, block_filled, q_uid, q_join, q_sorted, budget,
            releases, work_tallies, jobs, charged, figures, pb_place_cost, centres, none, gone, compact_share,
            lifetime, inflow_after):
    """`cycles` (compiled)."""
    given, decisions, movers_t, changed_t = decided
    # room for the decisions of every row the cycles will have (entrants are all the rows they add)
    space = kernels.decide_space(0 if given and m1 == m0 + 1 else n + D * ent_ks[: m1 - m0].sum())
    m = m0
    while m < m1:
        if given and m == m0:
            left = left_decided
        else:
            kernels._ages_move_on(L, m, 0, n, r.d, r.band, r.entry_age, r.entered, r.band_at, r.age_band, r.key,
                                  r.leave_p, t.next_age_edge, t.death_p, t.move_p)
            start = pcg64.starts(entropy, lengths, m)
            if u.shape[1]:  # every draw reads one array of the cycle's uniforms, made here
                pcg64.fill_from(start[0, 0], start[0, 1], start[0, 2], start[0, 3], u.reshape(u.size),
                                ids_by_cycle[m] * u.shape[2])
                decisions = kernels._decide_read(m, 0, n, u, start[:0], exit_col, exit_col + 1, exit_col + 2, L.gone,
                                                 r.d, r.ids, r.state, r.retire_at, r.leave_p, r.key, r.exposure_base,
                                                 L.cycle_months, t.tis_lut, t.total, t.cum, space)
            else:  # each row's made as it decides, from its draw's stream
                decisions = kernels._decide_made(m, 0, n, u, start, exit_col, exit_col + 1, exit_col + 2, L.gone,
                                                 r.d, r.ids, r.state, r.retire_at, r.leave_p, r.key, r.exposure_base,
                                                 L.cycle_months, t.tis_lut, t.total, t.cum, space)
            movers_t, changed_t, left = none[7], none, len(decisions[0])
        year = years[m - m0]
        new_year = L.has_policy and year != last_year
        last_year = year
        n, q_uid, q_join, jobs = _after_decisions(
            L, t, r, extra, by_cost_key, by_pathway_key, young, nb, job_keys, block_shift, n, m, D, n_ids, n_services,
            decisions, movers_t, changed_t, ent, ent_los[m - m0], ent_ks[m - m0], pb_cuts[m - m0], employment_first,
            queued, row_of, block_filled, q_uid, q_join, q_sorted, budget, releases, year, new_year, work_tallies,
            jobs, charged, figures, pb_place_cost, centres)
        q_sorted = len(q_uid)
        gone += left
        m += 1
        if gone > compact_share * n or (lifetime and inflow_after[m] == 0 and n == gone):
            break  # rows to compact, or a lifetime run with nobody left and nobody to come
    return m, n, q_uid, q_join, jobs, gone


def cycles(L: kernels.Layout, t: kernels.Tables, r: kernels.Rows, extra: tuple, counts: kernels.KeyCounts, n: int,
           m0: int, m1: int, D: int, n_ids: int, n_services: int, decided: tuple | None, entropy: tuple,
           columns: tuple[int, int, int], entrants: tuple, pb_cuts: np.ndarray, years: np.ndarray, last_year: int,
           employment_first: np.ndarray, queued: np.ndarray, row_of: np.ndarray, block_filled: np.ndarray,
           queue: tuple, budget: tuple, releases: tuple, work_tallies: np.ndarray, jobs: Jobs, store: tuple,
           pb_place_cost: np.ndarray, centres: tuple, none: tuple, gone: int, compact_share: float, lifetime: bool,
           inflow_after: np.ndarray) -> tuple:
    """Cycles `m0` to `m1` (at most) for every draw, one after another in one compiled call: a call from Python
    between two cycles cost tens of microseconds, a tenth of a cycle of 20,000 people.

    Each cycle makes its exit and move decisions (`decide`) on one thread, every row's uniforms made as it decides
    from its draw's stream (`entropy`: `streams.decision_entropy`'s two arrays, an empty `u` array that gives the
    uniforms' layout, and the ids made by each cycle), or, where every draw reads the same numbers (one seed), read
    from `u` (1, ids, columns), filled here each cycle from the seed's stream as `streams.cycle_uniforms` makes it
    (a row an id made by the cycle); unless `decided` gives the first cycle's: (the rows that left by them, and
    `decide`'s second result, whose decisions are made here or whose exits and moves its threads made). Then the
    rest of the cycle: the exits and moves decided are made and what they add up to counted: places freed, money
    released (steps 1, 3 of `DayshiftModel.step`); the cycle's entrants take rows after the first `n` in use (2);
    each draw's budget buys places and its waiting list is served (4-5: `queue` is the list's uids, the cycles
    joined and how many at its start are in order); the cycle's people and money are summed (6), its day centres
    close as attendance falls (`centres`: `CentreClosures.arrays`, with room for a closure every cycle; empty arrays
    where there are none), and all is recorded in its rows of the ledger's store (`store`: `CycleStore.arrays`;
    `ledger.record_cycle`); last, time moves on in the counts for the next cycle (`kernels._steps_move_on`). `extra`
    holds the fields of the rows the compiled loops do not otherwise take (wants work, personal budget, how and when
    a row left).

    By cycle from `m0`: `entrants` (the fields of `ENTRANT_FIELDS` made ahead, each (draw, id); the column of each
    cycle's first; how many a draw), `pb_cuts` (each draw's personal-budget cutoff) and `years` (the financial
    year, after `last_year`, the year of the cycle before, -1 at the start). The cycles stop early once the rows
    that have left (`gone` before the first) are more than `compact_share` of the rows, or, in a lifetime run, once
    nobody is left and nobody is still to enter (`inflow_after`: the entrants from each cycle on; every row may have
    left, and been compacted away, cycles before the last entrants are due). Returns the cycles run to, the rows in
    use, the waiting list left, the jobs to check again and the rows that have left."""
    exit_col = _exit_column(columns)
    given = decided is not None
    left, decided = decided if given else (0, (_NO_DECISIONS, none[7], none))
    ent, ent_los, ent_ks = entrants
    q_uid, q_join, q_sorted = queue
    done, n, q_uid, q_join, jobs, gone = _cycles(
        L, t, r, extra, counts.by_cost_key, counts.by_pathway_key, counts.young, counts.nb, counts.job_keys,
        kernels.BLOCK_SHIFT, n, m0, m1, D, n_ids, n_services, (given, *decided),
        left, entropy[0], entropy[1], entropy[2], entropy[3], exit_col, ent, ent_los, ent_ks, pb_cuts, years, last_year,
        employment_first, queued, row_of, block_filled, q_uid, q_join, q_sorted, budget, releases, work_tallies,
        tuple(jobs), True, store, pb_place_cost, centres, none, gone, compact_share, lifetime, inflow_after)
    return done, n, q_uid, q_join, Jobs(*jobs), gone


def decide(L: kernels.Layout, t: kernels.Tables, r: kernels.Rows, extra: tuple, m: int, u: np.ndarray,
           start: np.ndarray, columns: tuple[int, int, int], counts: kernels.KeyCounts, rows: RowThreads,
           ranges: list[tuple[int, int]], D: int, n_ids: int, pb_cut: np.ndarray, queued: np.ndarray,
           n_models: int) -> tuple[int, tuple]:
    """The cycle's exit and move decisions, on the states at its start, made by `rows`' threads, each on its range
    of rows (`ranges`: `RowThreads.ranges`, whole blocks of ids), and the exits and moves they decide
    (`_leave_and_move`), made by the thread that decided them while the rows are in its core's cache. Every row may
    move: the cycle's entrants are added after this, and so first decide in the next cycle. The uniforms are made row
    by row from each draw's `start` (`kernels._decide_rows`; `u`, empty, gives their layout); `columns` are the exit,
    move and hours columns of a row's uniforms, in the order they are drawn. (One thread taking every row makes its
    decisions in the compiled cycles instead: `cycles`.)

    Time passes without visiting every row: a row's age and times in its state are worked out from the cycle
    (`kernels._age`, `kernels._months`). A row whose next age band has come (`band_at`) has its age band and exit
    chances brought up to the cycle here, before it decides; its step of time in the state sets its money through
    the counts (`KeyCounts`, `kernels._steps_move_on`). Returns how many rows left, and for `cycles` no decisions left
    to make, the rows the threads moved and what their exits and moves add up to, in row order."""
    exit_col = _exit_column(columns)

    def some(lo: int, hi: int) -> tuple:
        kernels._ages_move_on(L, m, lo, hi, r.d, r.band, r.entry_age, r.entered, r.band_at, r.age_band, r.key,
                              r.leave_p, t.next_age_edge, t.death_p, t.move_p)
        decided = kernels._decide_made(
            m, lo, hi, u, start, exit_col, exit_col + 1, exit_col + 2, L.gone, r.d, r.ids, r.state, r.retire_at,
            r.leave_p, r.key, r.exposure_base, L.cycle_months, t.tis_lut, t.total, t.cum, kernels.decide_space(hi - lo))
        return decided, _leave_and_move(L, t, r, extra, counts.by_cost_key, counts.by_pathway_key, counts.young,
                                        counts.nb, counts.job_keys, kernels.BLOCK_SHIFT, m, D, n_ids, n_models,
                                        *decided, pb_cut, queued, True)

    parts = rows.run(some, ranges)
    changed = parts[0][1]
    for _, later in parts[1:]:
        changed = _merged(changed, later)
    return (sum(len(p[0][0]) for p in parts),
            (_NO_DECISIONS, np.concatenate([p[0][2] for p in parts]), changed))


def _exit_column(columns: tuple[int, int, int]) -> int:
    """The column of a row's exit uniform, its move and hours uniforms the next two (`kernels._decide_rows` makes
    them one after another)."""
    exit_col = columns[0]
    if tuple(columns) != (exit_col, exit_col + 1, exit_col + 2):
        raise ValueError(f"a row's exit, move and hours uniforms must be drawn one after another, not {columns}")
    return exit_col


def no_changes(D: int, S: int, n_models: int) -> tuple:
    """What `_leave_and_move` returns for no rows (`D` draws, `S` live states, `n_models` service models): what the
    threads' exits and moves add up to in `cycles` when no thread made them; never written to."""
    z = np.zeros
    i8 = np.int64
    return (z((D, 3), i8), z((D, S), i8), z((D, n_models), i8), z((D, S, S), i8), z(D, i8), z((D, S + 1), i8),
            z(D, i8), z(0, i8), z(0, i8), z(0, i8), z(0))
