"""The rest of a cycle after its decisions, compiled as one call: the exits (step 1), the entrants (2), the moves (3),
the budget and the waiting lists (4-5), and the cycle's people and money (6), for every draw at once, calling the
engine's compiled loops (`model.engine.kernels`) one after another and recording the cycle in the ledger's store.
Steps taken in Python between the loops cost microseconds each, a few dozen a cycle; here they cost nothing, and a
cycle is three calls: time moving on, the decisions (shared among threads) and this.

What the loops keep from one cycle to the next is in arrays the engine holds and passes in: the rows, the counts by
key, the waiting list, the budget's totals and releases, and the jobs to check again at 6 and 12 months. An array
that must grow (the list, the jobs to check) is returned anew; the others are changed in place.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from model.engine import kernels
from model.engine.kernels import _inner, _jit, _leave, _move, _refresh, _waiting_lists
from model.engine.ledger import record_cycle

# The fields of an entrant's row made ahead (`VectorisedEngine._entrants`), in this order, each (draw, id).
ENTRANT_FIELDS = ("d", "ids", "band", "entry_age", "age_band", "state", "wants_work", "personal_budget",
                  "personal_budget_u", "origin", "refer_ok")


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
    passing, visits only the rows it changes, as the next cycle decides (`kernels.decide`).

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


@_jit
def _after_decisions(L, t, r, extra, by_cost_key, by_pathway_key, young, nb, job_keys, block_shift, n, m, D, n_ids,
                     n_services, leaving, u_exit, movers, dst, u_hours, ent, ent_lo, ent_k, pb_cut, employment_first,
                     queued, row_of, block_filled, q_uid, q_join, q_sorted, budget, releases, year, new_year,
                     work_tallies, jobs, charged, figures, pb_place_cost):
    """`after_decisions` (compiled). `charged` is True: given, not written, so that `_move`, called with it and with
    `not charged`, is compiled once (a constant True and False are two types to numba)."""
    S, c = L.gone, L.cycle_months
    wants_work, personal_budget, exit_k_, exit_cycle = extra
    rel_cycle, rel_amount_of, ev_cycle, ev_d, ev_amount, n_ev = releases
    base, released, moved, folded, lag_of, lags, carried, carries, share, place_cost, set_up_rate, most = budget
    # 1. exits
    exit_k, by_exit, from_state = _leave(L, leaving, u_exit, m, queued, n_ids, D, block_filled, r.d, r.ids, r.state,
                                         r.band, r.age_band, r.retire_at, r.band_at, t.death_p, r.cycles_in,
                                         r.state_start, r.spot, r.model_k)
    if L.person_totals:  # copied out with the other rows that have left when rows are compacted
        for j in range(len(leaving)):
            exit_k_[leaving[j]] = exit_k[j]
            exit_cycle[leaving[j]] = m

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
        flows, referrals, starts, job_exits, joined, rel_d, rel_id, rel_amount = _move(
            L, movers, dst, u_hours, m, pb_cut, queued, n_ids, D, charged, block_filled, r.d, r.ids, r.state, r.origin,
            r.band, r.hours, r.job_starts, r.cycles_in, r.state_start, r.one_off, r.kept_from, r.model_k, r.spot,
            r.months_base, r.exposure_base, r.personal_budget_u, t.move_cost, t.hours_cum, t.hours_values,
            t.state_cost, t.kept_waiting, t.kept_search, t.kept_work, t.kept_work_hours)
        if L.has_policy:
            q_uid, q_join = _queue_add(q_uid, q_join, queued, joined, m)
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

    # 6. the rows that left, entered or moved refreshed together before the cycle's money (nothing between reads
    # what a refresh writes, and a row refreshed twice ends as if once); then the money
    fresh = np.sort(_joined(_joined(entrants, movers), admitted))  # repeats kept
    again = np.sort(_joined(fresh, leaving)) if len(leaving) else fresh
    if len(again):
        _refresh(L, again, m, block_shift, nb, job_keys, by_cost_key, by_pathway_key, young, r.d, r.ids, r.state,
                 r.band, r.age_band, r.months_base, r.count_base, r.refer_ok, r.model_k, r.kept_from, r.hours, r.spot,
                 t.tis_lut, t.next_edge, t.death_p, t.move_p, t.referral_from, t.hours_values, r.key, r.leave_p,
                 r.cost_key, r.pathway_key, t.place_cost, t.kept_waiting, t.kept_search, t.kept_work,
                 t.kept_work_hours, r.cost, r.cost_disc, r.outcomes, r.outcomes_disc, r.cost_extra, r.since,
                 t.cost_rate, t.outcome_rate, t.state_cost, t.tail_costs, t.tail_outcomes)
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
    record_cycle(figures, m, L.has_policy, pb_place_cost, by_exit, from_state, ent_k, inflow_to, flows, referrals,
                 starts, job_exits, (released, moved), budgets, places, occupied, waiting, mean_wait, carried,
                 set_up, admissions, waited, counts, by_service, sums, tallies)
    return n, sums[:, 6], q_uid, q_join, jobs


def after_decisions(L: kernels.Layout, t: kernels.Tables, r: kernels.Rows, extra: tuple, counts: kernels.KeyCounts,
                    n: int, m: int, D: int, n_ids: int, n_services: int, decided: tuple, entrants: tuple,
                    pb_cut: np.ndarray, employment_first: np.ndarray, queued: np.ndarray, row_of: np.ndarray,
                    block_filled: np.ndarray, queue: tuple, budget: tuple, releases: tuple, year: int, new_year: bool,
                    work_tallies: np.ndarray, jobs: Jobs, store: tuple, pb_place_cost: np.ndarray) -> tuple:
    """Cycle `m` after its decisions (`kernels.decide`'s `decided`), for every draw: the rows leaving leave (step 1),
    this cycle's entrants (`entrants`: the fields of `ENTRANT_FIELDS` made ahead, from which column, how many a draw)
    take rows after the first `n` in use (2), the movers move (3), each draw's budget buys places and its waiting
    list is served (4-5: `queue` is the list's uids, the cycles joined and how many at its start are in order), and
    the cycle's people and money are summed (6) and recorded in its rows of the ledger's store (`store`:
    `CycleStore.arrays`; `ledger.record_cycle`). `extra` holds the fields of the rows the compiled loops do not
    otherwise take (wants work, personal budget, how and when a row left); `year` is the financial year, `new_year`
    whether it starts this cycle. Returns the rows now in use, each draw's day-centre attendance in whole weeks, the
    waiting list left (uids, cycles joined) and the jobs to check again."""
    leaving, u_exit, movers, dst, u_hours = decided
    ent, ent_lo, ent_k = entrants
    q_uid, q_join, q_sorted = queue
    return _after_decisions(L, t, r, extra, counts.by_cost_key, counts.by_pathway_key, counts.young, counts.nb,
                            counts.job_keys, kernels.BLOCK_SHIFT, n, m, D, n_ids, n_services, leaving, u_exit, movers,
                            dst, u_hours, ent, ent_lo, ent_k, pb_cut, employment_first, queued, row_of, block_filled,
                            q_uid, q_join, q_sorted, budget, releases, year, new_year, work_tallies, tuple(jobs), True,
                            store, pb_place_cost)
