"""Will a run fit in memory? An estimate from the compiled scenario, made before anything runs, so a
population too large for the machine is refused at once with the figures instead of dying with
MemoryError after minutes.

The vectorised engine holds a row for every person the run will ever create (the initial stock and all
entrants), about 40 numbers each plus one per state, and the results hold a row per person again;
measured, a run needs about 1.4 KB per person with six states (peak resident memory, results written).
The estimate errs above that. The Mesa engine keeps a Python object per person and needs several times
more.
"""

from __future__ import annotations

import os
from pathlib import Path

from model.compile.spec import Spec
from model.engine.ledger import record_columns
from model.scenario.problems import Problem, ScenarioError

BYTES_PER_PERSON = 1000  # the rows' fixed fields, the results' row, working copies
BYTES_PER_PERSON_STATE = 64  # per state: time spent in it, and the per-state working arrays
AGENTS_FACTOR = 4  # the Mesa engine: a Python object per person
SKIP_ENV = "DAYSHIFT_NO_MEMORY_CHECK"
# Draws run together (simulate_draws) hold a row per person per draw. Measured with person rows off (a PSA):
# 530-600 bytes a row over a process's base (essex_live at 5,000 people, 20 years, 20 to 200 draws at once).
BYTES_PER_DRAW_ROW = 640
# The process that asks for many draws holds each one's parameter set, and its monthly table unless it reduces each
# draw as it comes (`simulate.each_draw`: `compare` pairs a policy's PSA draws so). Measured over 1,000
# draws: 8.6 to 10 bytes a figure of the monthly table (240 and 540 cycles of 116 columns) and 95 to 104 KB of
# parameter set a period of numbers (baseline, one period; essex_live, two).
GATHERED_BYTES_PER_FIGURE = 10
GATHERED_BYTES_PER_PERIOD = 110_000
MEMORY_ENV = "DAYSHIFT_MEMORY_MIB"
DEFAULT_MEMORY_MIB = 512  # for the rows of draws run together, over the ~400 MiB a process holds anyway
RESULT_BYTES_PER_PERSON = 300  # a run's results folder on disk (measured: about 130 bytes a person)
RESULT_BYTES_FIXED = 20_000_000  # the monthly and yearly tables, figures, report


def results_bytes(spec: Spec) -> int:
    """Disk space a run's results folder needs, erring above."""
    return RESULT_BYTES_FIXED + RESULT_BYTES_PER_PERSON * spec.cohort.n_ids


def memory_budget_mib(memory_mib: float | None = None) -> float:
    """The memory draws run together may take, in MiB: as given, else DAYSHIFT_MEMORY_MIB, else 512."""
    if memory_mib is not None:
        return float(memory_mib)
    value = os.environ.get(MEMORY_ENV, "").strip()
    try:
        return max(1.0, float(value)) if value else DEFAULT_MEMORY_MIB
    except ValueError:
        raise ValueError(f"{MEMORY_ENV} must be a number of MiB, e.g. 1024 (got {value!r})") from None


def draws_at_once(spec: Spec, memory_mib: float | None = None, processes: int = 1) -> int:
    """How many draws of `spec` run together within the memory budget (`memory_budget_mib`), shared among
    `processes`; at least one."""
    budget = memory_budget_mib(memory_mib) * 2**20 / max(1, processes)
    return max(1, int(budget // (BYTES_PER_DRAW_ROW * max(1, spec.cohort.n_ids))))


def estimate_bytes(spec: Spec, draws: int = 1, engine: str = "vectorised") -> int:
    """Memory a run of `spec` needs beyond what is loaded already, in bytes: every person it creates, in
    as many draws as run at once (`draws_at_once`)."""
    people = spec.cohort.n_ids
    at_once = max(1, min(draws, draws_at_once(spec)))
    per_person = BYTES_PER_PERSON + BYTES_PER_PERSON_STATE * len(spec.states)
    if engine == "agents":
        per_person *= AGENTS_FACTOR
    return int(people * at_once * per_person)


def gathered_bytes(spec: Spec, draws: int, monthly: bool = True) -> int:
    """Memory the process that asks for `draws` draws of `spec` holds once they have run: each draw's parameter set,
    and its monthly table unless each draw is let go of as it comes (`monthly` False)."""
    per_draw = (spec.calendar.n_cycles * len(record_columns(spec)) * GATHERED_BYTES_PER_FIGURE * monthly
                + GATHERED_BYTES_PER_PERIOD * len(spec.periods))
    return int(draws * per_draw)


def available_bytes() -> int | None:
    """Memory this process can still use: the system's available memory, or the container's limit less
    its use if that is smaller; None if neither can be read."""
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    if not found:
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (AttributeError, ValueError, OSError):
            pass
    for limit, usage in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                         ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            cap = Path(limit).read_text().strip()
            if cap != "max" and int(cap) < 1 << 60:
                found.append(max(0, int(cap) - int(Path(usage).read_text().strip())))
            break
        except (OSError, ValueError):
            continue
    return min(found) if found else None


def check_memory(spec: Spec, source: str, draws: int = 1, engine: str = "vectorised", runs_at_once: int = 1,
                 available: int | None = None, gathered: int = 0) -> None:
    """Raise ScenarioError, with the estimate, if `runs_at_once` runs of `spec` will not fit in memory beside
    `gathered` bytes of draws' results gathered in this process (`gathered_bytes`; a PSA's, every scenario's).
    Set DAYSHIFT_NO_MEMORY_CHECK=1 to run anyway (on a machine with swap, say)."""
    if os.environ.get(SKIP_ENV, "") not in ("", "0"):
        return
    need = estimate_bytes(spec, draws, engine) * max(1, runs_at_once)
    have = available_bytes() if available is None else available
    if have is None or need + gathered <= have:
        return
    if gathered > need:
        raise ScenarioError(source, [Problem(
            "",
            f"the draws' results need about {_size(gathered)} of memory in this process ({draws:,} draws of each "
            f"scenario, gathered to compare them) and a run about {_size(need)} more, but about {_size(have)} is "
            f"available; run fewer draws (--psa) or on a machine with more memory (set {SKIP_ENV}=1 to try anyway)")])
    c = spec.cohort
    initial = sum(g.count for g in c.initial_groups)
    entrants = int(c.inflow.sum())
    at_once = f" ({runs_at_once} runs at once)" if runs_at_once > 1 else ""
    raise ScenarioError(source, [Problem(
        "population",
        f"a run needs about {_size(need + gathered)} of memory{at_once} for its {c.n_ids:,} people ({initial:,} at the "
        f"start and {entrants:,} entrants, about {_size(need // max(c.n_ids, 1) // max(1, runs_at_once))} each), "
        f"but about {_size(have)} is available; make population.initial counts or population.inflow (per_year, "
        f"until_year) smaller, or run on a machine with more memory (set {SKIP_ENV}=1 to try anyway)")])


def _size(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n:,.0f} bytes"
