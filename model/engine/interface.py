"""What every engine offers `simulate`: built from compiled specs and a seed, run with a progress callback,
and read back as a monthly table, person rows and initial counts in one shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
import pandas as pd

from model.compile.spec import Spec


class Engine(Protocol):
    """A run of one or more parameter sets (draws) of one scenario over the same people."""

    seed: int  # the root seed the run used
    initial_counts: np.ndarray  # [draw, live state]: people in each state at the start

    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Run to the horizon, calling progress(cycles done, cycles in all) after each cycle."""

    def monthly_frame(self, draw: int = 0) -> pd.DataFrame:
        """The monthly table of draw `draw`, a row per cycle (columns: `model.engine.ledger.column_kinds`)."""

    def person_rows(self, draw: int = 0) -> dict[str, np.ndarray]:
        """The per-person table of draw `draw`, as columns in id order (`model.engine.results.person_columns`), each a
        new array (`results.people_frame` keeps them without copying)."""


EngineFactory = Callable[[list[Spec], int, int, bool], Engine]  # (specs, seed, threads, people)
