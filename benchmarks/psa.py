"""Benchmark of a probabilistic sensitivity analysis, run on demand.

    python benchmarks/psa.py [--draws 1000] [--people 5000] [--years 20] [--workers N] [--memory-mib M]
                             [--own-numbers | --compare]

A council of `people` (essex_live scaled), baseline and essex_live policy, `draws` parameter sets each,
paired by parameter path, all draws of a scenario run together on the vectorised engine, every draw on the
same random numbers unless `--own-numbers` (each on its own, as `dayshift compare --psa` runs them, which makes
each draw's uniforms every cycle; neither keeps the results). `--compare` runs `compare` itself, as `dayshift compare
--psa` does without the tornado and the split by lever: each draw on its own numbers, the baseline's results kept
and each policy draw paired with its baseline draw as it comes. Prints the
seconds taken and, last, one JSON line. The issue's target: 1,000 draws, 5,000 people, 20 years, both
scenarios, in at most 30 s on a 2-core machine (issue 18). `--workers` processes share the draws out
(default: one per core); `--memory-mib` is the budget for the draws run together, shared among them (default
512). Peak memory is given for this process (which draws the parameter sets, and with `--compare` holds the
baseline's results and pairs the draws) and for the largest worker, read from /proc while the workers are still
running.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from model import validate_scenario  # noqa: E402
from model.analysis.compare import compare  # noqa: E402
from model.analysis.psa_draws import draw_specs  # noqa: E402
from model.analysis.stats import replication_seeds  # noqa: E402
from model.compile.spec import compiled  # noqa: E402
from model.engine.memory import MEMORY_ENV, memory_budget_mib  # noqa: E402
from model.engine.parallel import default_workers  # noqa: E402
from model.engine.simulate import simulate_draws, start_workers  # noqa: E402


def scaled_file(name: str, people: int, years: int):
    """A shipped scenario scaled to `people` at the start, distributions kept."""
    data = yaml.safe_load((HERE.parent / "scenarios" / f"{name}.yaml").read_text())
    k = people / sum(g["count"] for g in data["population"]["initial"])
    for g in data["population"]["initial"]:
        g["count"] = round(g["count"] * k)
    data["population"]["inflow"]["per_year"] = people / 47
    data["policy"]["employment_support"]["budget_per_year"] *= k
    data["costs"]["day_centres"]["count"] = max(1, round(data["costs"]["day_centres"]["count"] * k))
    data["horizon"] = {"years": years}
    return validate_scenario(data, f"{name} scaled to {people}")


def _workers_peak_mib() -> float:
    """The largest peak resident memory of any process descended from this one (the workers), in MiB; a pool's
    workers are never waited for while it lives, so getrusage(RUSAGE_CHILDREN) does not see them."""
    parents, peaks = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line)
        except OSError:
            continue
        parents[entry.name] = fields.get("PPid", "").strip()
        peaks[entry.name] = int(fields.get("VmHWM", "0 kB").split()[0]) / 1024
    me, best = str(os.getpid()), 0.0
    for pid, peak in peaks.items():
        up = parents.get(pid)
        while up and up not in (me, "0", "1"):
            up = parents.get(up)
        if up == me:
            best = max(best, peak)
    return best


def main() -> dict:
    ap = argparse.ArgumentParser(description="PSA benchmark")
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--people", type=int, default=5000)
    ap.add_argument("--years", type=int, default=20)
    ap.add_argument("--workers", type=int, default=default_workers())
    ap.add_argument("--memory-mib", type=float, default=None)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--own-numbers", action="store_true")
    mode.add_argument("--compare", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    timings = {}
    if args.compare:
        if args.memory_mib is not None:  # compare reads the budget as the command does
            os.environ[MEMORY_ENV] = str(args.memory_mib)
        base, policy = (scaled_file(n, args.people, args.years) for n in ("baseline", "essex_live"))
        compare(base, [policy], psa=args.draws, seed=1, tornado=False, decomposition_runs=0, workers=args.workers)
    for name in () if args.compare else ("baseline", "essex_live"):
        sc = scaled_file(name, args.people, args.years)
        start_workers(compiled(sc), args.draws, args.workers)  # as `compare` does: started while drawing
        t = time.perf_counter()
        specs, _ = draw_specs(sc, args.draws, seed=1)  # each parameter set made when the runs ask for it
        seeds = replication_seeds(1, args.draws) if args.own_numbers else None
        simulate_draws(specs, seed=1, seeds=seeds, people=False, workers=args.workers, memory_mib=args.memory_mib)
        timings[f"{name}_s"] = round(time.perf_counter() - t, 2)
        timings[f"{name}_draw_specs_s"] = round(specs.seconds, 2)
        print(f"{name}: {args.draws} draws in {timings[f'{name}_s']} s, of which {timings[f'{name}_draw_specs_s']} s "
              "making parameter sets (the workers meanwhile run the draws already made)", flush=True)
    seconds = time.perf_counter() - t0
    here = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = _workers_peak_mib()
    out = dict(draws=args.draws, people=args.people, years=args.years, workers=args.workers,
               own_numbers=args.own_numbers or args.compare, compare=args.compare,
               memory_mib=memory_budget_mib(args.memory_mib), psa_seconds=round(seconds, 2),
               peak_rss_mib=round(max(here, workers)), main_peak_rss_mib=round(here),
               worker_peak_rss_mib=round(workers), **timings)
    print(json.dumps(out))
    return out


if __name__ == "__main__":  # the guard lets worker processes import this file
    main()
