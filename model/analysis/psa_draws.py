"""A probabilistic sensitivity analysis's parameter sets: each uncertain value's draws, made at once as arrays,
and each draw's scenario compiled when it is first asked for, so that a PSA run in worker processes starts on
its first draws while the later ones are still being made.

A draw whose every value lies between the extremes its distribution was checked at when the scenario was loaded
(every draw of the scenario's own distributions, which are kept within those extremes) is not validated again
as a scenario: its numbers are put into the loaded scenario and only the rules relating fields are run
(`model.compile.validate.compiled_between`). A draw from elsewhere (a calibration's joint sample) that falls
outside is validated in full."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import overload

import numpy as np
import pandas as pd

from model.analysis.parameter_space import ParameterSpace
from model.analysis.posterior import JointSample
from model.compile.spec import Spec, compiled
from model.compile.validate import compiled_between
from model.scenario.distributions import correlated_draws
from model.scenario.problems import Problem, ScenarioError
from model.scenario.put import NotPlain
from model.scenario.schema import Scenario


def uncertain_space(scenario: Scenario) -> ParameterSpace:
    """The space of a scenario's values written as distributions (checked when it was loaded)."""
    return ParameterSpace(scenario.data, tuple(u.path for u in scenario.uncertain),
                          (False,) * len(scenario.uncertain), scenario.name)


class DrawnSpecs(Sequence[Spec]):
    """A scenario's compiled parameter sets, one a draw, each made when first asked for and kept.

    A draw that breaks a rule of the scenario (a mixture of high and low values the checks at loading could not
    see) raises a ScenarioError naming the draw and its values when it is made."""

    def __init__(self, scenario: Scenario, values: dict[tuple, np.ndarray], n: int):
        self._scenario, self._values, self._n = scenario, values, n
        self._space = uncertain_space(scenario) if scenario.uncertain else None
        # which draws lie between the extremes checked at loading, every value of them (checked for all at once)
        inside = np.ones(n, dtype=bool)
        for u in scenario.uncertain:
            v = values[u.path]
            inside &= (v >= float(u.quantile(0.0))) & (v <= float(u.quantile(1.0)))
        self._between = inside
        self._made: list[Spec | None] = [None] * n
        self.seconds = 0.0  # spent making them so far

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> Spec: ...

    @overload
    def __getitem__(self, i: slice) -> list[Spec]: ...

    def __getitem__(self, i: int | slice) -> Spec | list[Spec]:
        if isinstance(i, slice):
            wanted = range(*i.indices(self._n))
            self._make([k for k in wanted if self._made[k] is None])
            return [self._made[k] for k in wanted]
        k = range(self._n)[i]  # negative indices as a list's; IndexError past the end
        if self._made[k] is None:
            self._make([k])
        return self._made[k]

    def forget(self, k: int) -> None:
        """Draw `k`'s parameter set let go of (made again if asked for): a PSA that pairs each draw as it comes
        needs it no longer, and kept, a thousand of them took 0.1 to 0.2 GB."""
        self._made[k] = None

    def _make(self, draws: list[int]) -> None:
        if not draws:
            return
        t = time.perf_counter()
        with collector_paused():
            for k in draws:
                self._made[k] = self._one(k)
        self.seconds += time.perf_counter() - t

    def _one(self, k: int) -> Spec:
        if self._space is None:
            return compiled(self._scenario)
        x = [v[k] for v in self._values.values()]
        try:
            series = self._space.series
            if self._between[k] and series is not None:
                values = self._space.values(x)
                data = self._space.data_with(values)
                try:
                    spec = compiled_between(self._scenario, data, values, series, self._space.source)
                except NotPlain:  # a number the scenario holds in a form only validation makes: validate each draw
                    self._between[:] = False
                else:
                    spec.scenario._data = data
                    return spec
            return self._space.spec_at(x)
        except ScenarioError as exc:
            drawn = ", ".join(f"{'.'.join(map(str, p))} = {v[k]:.6g}" for p, v in self._values.items())
            problem = Problem("", f"PSA draw {k} ({drawn}) makes the scenario invalid: {exc.problems[0]}. "
                                  "Narrow the distributions.")
            raise ScenarioError(self._scenario.name, [problem]) from None


def draw_specs(scenario: Scenario, n: int, seed: int,
               joint: JointSample | None = None) -> tuple[DrawnSpecs, pd.DataFrame]:
    """n parameter sets of a scenario (its means where it has no distributions), each compiled when first asked
    for, and their values; the parameters in `joint` (if it is this scenario's) are drawn together from its
    sample."""
    if not scenario.uncertain:
        return DrawnSpecs(scenario, {}, n), pd.DataFrame(index=range(n))
    values = {u.path: u.draws(n, seed) for u in scenario.uncertain}
    by_name = {u.name: u for u in scenario.uncertain}
    if scenario.correlation is not None:
        values.update(correlated_draws([by_name[p] for p in scenario.correlation.parameters],
                                       np.array(scenario.correlation.matrix, dtype=float), n, seed))
    if joint is not None and joint.scenario == scenario.name:
        rows = joint.rows(n, seed)
        missing = [c for c in rows.columns if c not in by_name]
        if missing:
            raise ScenarioError(scenario.name, [Problem(c, "is in the joint sample but not written as a distribution "
                                                        "in the scenario, so a PSA cannot vary it") for c in missing])
        for c in rows.columns:
            values[by_name[c].path] = rows[c].to_numpy(float)
    return DrawnSpecs(scenario, values, n), pd.DataFrame({".".join(map(str, p)): v for p, v in values.items()})


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the block, back as it was after. Each collection scans every object alive,
    every parameter set made so far among them: a quarter of the time drawing 1,000 parameter sets of essex_live
    alone took (4.5 to 5.2 s against 3.4 to 3.7 s; within noise in the whole PSA benchmark), and those draws leave
    no cycles for it to find (measured: none)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
