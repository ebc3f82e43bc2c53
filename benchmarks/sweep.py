"""Parallel efficiency of sweeps, run on demand.

    python benchmarks/sweep.py [SWEEP]

Runs the sweep (default: the shipped referral_and_capacity Sobol sweep, 224 runs) with 1 worker and then
with 2 workers into fresh folders, and times a few runs in this process to estimate the work per run.
The last line is JSON: seconds with 1 and 2 workers, their ratio, parallel efficiency, and the per-run
overhead of going through Dask.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from model.analysis.sweep import OUTPUTS, load_sweep, run_one  # noqa: E402

from model.output.sweep_folder import run_sweep  # noqa: E402


def main() -> dict:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "scenarios" / "sweeps" / "referral_and_capacity.yaml"
    sweep = load_sweep(path)
    n = sweep.n_runs
    sample = range(0, n, max(1, n // 10))
    t = time.perf_counter()
    for i in sample:
        run_one(sweep.space, sweep.run_args(i), list(OUTPUTS), False)
    per_run = (time.perf_counter() - t) / len(sample)
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            t = time.perf_counter()
            run_sweep(sweep, Path(tmp) / f"w{workers}", workers=workers)
            times[workers] = time.perf_counter() - t
            print(f"{workers} worker(s): {n} runs in {times[workers]:.1f} s", flush=True)
    out = dict(runs=n, seconds_1_worker=round(times[1], 2), seconds_2_workers=round(times[2], 2),
               ratio_2_to_1=round(times[2] / times[1], 3), parallel_efficiency=round(times[1] / (2 * times[2]), 3),
               compute_per_run_s=round(per_run, 4),
               overhead_per_run_s=round(times[1] / n - per_run, 4))
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
