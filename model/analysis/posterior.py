"""A calibration's uncertainty handed on: a joint sample of the free parameters consistent with the targets,
by sampling-importance-resampling (SIR; Rubin 1988).

Points are drawn from a uniform prior over the targets file's bounds (a Latin hypercube), each is
run once on its own random numbers, and weighted by a normal likelihood of the fitted targets with the
tolerance as its standard deviation (so a run's own chance variation counts against it, as the observed
figures' would). Resampling by weight gives the joint sample; a PSA can then draw its calibrated parameters
from it together (`compare --psa-sample`), so its draws reproduce the targets.

Free parameters that decide who is in the model (entrants a year) cannot differ between draws run together,
so they are held at the fitted point: the sample is then conditional on them, and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import qmc

from model.analysis.calibrate import Calibration, target_value
from model.analysis.stats import replication_seeds
from model.compile.spec import build_spec
from model.compile.validate import draws_may_vary
from model.engine.results import SimulationResult
from model.engine.simulate import simulate_draws

CHUNK = 100  # points run together


def posterior_sample(cal: Calibration, n_prior: int, n_keep: int, fitted: np.ndarray,
                     progress: Callable[[int, int], None] | None = None) -> dict:
    """SIR over the free parameters: `n_prior` points, `n_keep` resampled; `fitted` holds the parameters
    that cannot vary between draws."""
    free = cal.targets_file.free
    varying = [draws_may_vary(p) for p in cal.space.paths]
    seed = cal.targets_file.seed
    unit = qmc.LatinHypercube(len(free), seed=seed).random(n_prior)
    lo, hi = np.array([f.bounds[0] for f in free]), np.array([f.bounds[1] for f in free])
    points = lo + unit * (hi - lo)
    points[:, ~np.array(varying)] = np.asarray(fitted, dtype=float)[~np.array(varying)]
    seeds = replication_seeds(seed + 1, n_prior)
    targets = [*cal.targets_file.targets, *cal.targets_file.validation_only]
    values = np.empty((n_prior, len(targets)))
    for start in range(0, n_prior, CHUNK):
        part = range(start, min(n_prior, start + CHUNK))
        specs = [build_spec(cal.scenario_at(points[i]), n_cycles=cal.n_cycles) for i in part]
        for i, res in zip(part, simulate_draws(specs, seeds=[seeds[i] for i in part], people=False)):
            values[i] = [target_value(t, res.monthly, res.yearly) for t in targets]
        if progress is not None:
            progress(min(n_prior, start + CHUNK), n_prior)
    fit = len(cal.targets_file.targets)
    observed = np.array([t.observed for t in targets])
    tolerance = np.array([t.tolerance for t in targets])
    z = (values - observed) / tolerance
    loglik = -0.5 * (z[:, :fit] ** 2).sum(axis=1)
    w = np.exp(loglik - loglik.max())
    w /= w.sum()
    keep = np.random.default_rng(seed).choice(n_prior, size=n_keep, replace=True, p=w)
    sample = pd.DataFrame(points[keep], columns=cal.space.names)
    for j, t in enumerate(targets):
        sample[f"model: {t.name}"] = values[keep, j]
    within = np.abs(z[keep]) <= 1.0
    return dict(
        sample=sample,
        scenario=cal.space.base.get("name"),
        n_prior=n_prior,
        n_keep=n_keep,
        effective_sample_size=float(1.0 / (w ** 2).sum()),
        distinct_points=int(len(np.unique(keep))),
        held_at_fit=[n for n, v in zip(cal.space.names, varying) if not v],
        share_within={t.name: float(within[:, j].mean()) for j, t in enumerate(targets)},
        share_within_all_fitted=float(within[:, :fit].all(axis=1).mean()),
        prior_share_within_all_fitted=float((np.abs(z[:, :fit]) <= 1.0).all(axis=1).mean()),
    )


@dataclass
class JointSample:
    """A calibration's joint sample of a scenario's free parameters (`posterior_sample`), for a PSA to
    draw them from together, and the targets its draws are checked against."""

    scenario: str
    sample: pd.DataFrame  # one column per parameter path
    targets: list = field(default_factory=list)  # model.analysis.calibrate.Target

    def rows(self, n: int, seed: int) -> pd.DataFrame:
        """n rows of the sample, drawn at random (with replacement only when n exceeds it)."""
        rng = np.random.default_rng(seed)
        picked = rng.choice(len(self.sample), size=n, replace=n > len(self.sample))
        return self.sample.iloc[picked].reset_index(drop=True)

    def within(self, run: SimulationResult) -> list[bool]:
        """Whether a run reproduces each target, within its tolerance."""
        return [bool(abs(target_value(t, run.monthly, run.yearly) - t.observed) <= t.tolerance) for t in self.targets]

    def reproduced(self, within: list[list[bool]]) -> str:
        """How many of the PSA's draws reproduce each target (each draw's `within`), in words."""
        shares = np.array(within, dtype=bool).reshape(len(within), len(self.targets)).mean(axis=0)
        parts = [f"{t.name} {share:.0%}" for t, share in zip(self.targets, shares)]
        return (f"{self.scenario}'s calibrated parameters ({', '.join(self.sample.columns)}) are drawn together from "
                f"its calibration's joint sample; PSA draws within each target's tolerance: {'; '.join(parts)}.")
