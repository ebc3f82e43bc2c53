"""Numbers that change over time: any number in a scenario that may be a distribution may instead be given
by projection year or by financial year, for example

    community_day: {annual: {years: [0, 4], values: [0.10, 0.03]}}
    budget_per_year: {calendar_years: [2020, 2025], values: [50000, 150000], between: linear}

`years` are projection years from the start (0 is the first year); `calendar_years` are financial years,
each starting on 1 April of the year named. With `between: steps` (the default) each value holds from its
year until the next point; with `between: linear` the value of each year (projection or financial, as the
points are given) is interpolated at the year's start. Before the first point the first value holds, after
the last the last. A value takes effect from the first cycle that starts on or after its time.

A series is told apart from a by-band mapping and from a distribution by its keys: it has `values` with
`years` or `calendar_years` (a distribution has `dist`; a by-band mapping has band names). Each value is a
number or a distribution (`{dist: ...}`, drawn per PSA draw like any other); a value cannot itself be a
by-band mapping (give a series per band instead). Values that decide who is in the model or when cannot
change over time (see `model.compile.periods`).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from model.scenario.paths import find_values
from model.scenario.schema import Strict

SERIES_KEYS = ("years", "calendar_years", "values", "between")
FY_MONTH = 4  # financial years start in April


class TimeSeries(Strict):
    """A number by projection year or by financial year, as steps or linear between the points."""

    years: list[int] | None = Field(None, description="Projection years from the start (0 is the first).",
                                    examples=[[0, 4]])
    calendar_years: list[int] | None = Field(
        None, description="Financial years, named by the year of their 1 April.", examples=[[2020, 2025]])
    values: list[float] = Field(
        min_length=1, description="The value at each of those years, one per year given: a number or a distribution.",
        examples=[[0.10, 0.03], [{"dist": "beta", "a": 6.72, "b": 30.0}, {"dist": "beta", "a": 3, "b": 97}]])
    between: Literal["steps", "linear"] = Field(
        "steps", description="steps (the default): each value holds until the next year given; linear: values in "
                             "between are interpolated.", examples=["linear"])

    @model_validator(mode="after")
    def _shape(self) -> "TimeSeries":
        if (self.years is None) == (self.calendar_years is None):
            raise ValueError("give exactly one of years (projection years from 0) or calendar_years (financial years)")
        at = self.points
        if len(at) != len(self.values):
            raise ValueError(f"{self.kind} and values must have the same length (got {len(at)} and {len(self.values)})")
        if any(b <= a for a, b in zip(at, at[1:])):
            raise ValueError(f"{self.kind} must be strictly increasing")
        if self.years is not None and (at[0] < 0 or at[-1] > 1000):
            raise ValueError("years are projection years from the start: from 0 to 1000")
        if self.calendar_years is not None and (at[0] < 1900 or at[-1] > 2300):
            raise ValueError("calendar_years must be years from 1900 to 2300")
        return self

    @property
    def kind(self) -> str:
        return "years" if self.years is not None else "calendar_years"

    @property
    def points(self) -> list[int]:
        return list(self.years if self.years is not None else self.calendar_years)

    def point_months(self, start_year: int, start_month: int) -> list[int]:
        """Each point's time in months from the start of the run (negative: before it)."""
        if self.years is not None:
            return [12 * y for y in self.years]
        return [(y * 12 + FY_MONTH - 1) - (start_year * 12 + start_month - 1) for y in self.calendar_years]

    def _year_start(self, month: float, start_month: int) -> int:
        """The start (in months from the run's start) of the year, projection or financial, holding `month`."""
        offset = 0 if self.years is not None else (FY_MONTH - start_month) % 12
        return offset + 12 * math.floor((month - offset) / 12)

    def value_at(self, month: float, start_year: int, start_month: int) -> float:
        """The value in force `month` months after the start of the run."""
        at = self.point_months(start_year, start_month)
        if self.between == "linear":
            t = self._year_start(month, start_month)
            if t <= at[0]:
                return float(self.values[0])
            if t >= at[-1]:
                return float(self.values[-1])
            i = max(j for j, a in enumerate(at) if a <= t)
            w = (t - at[i]) / (at[i + 1] - at[i])
            return float(self.values[i] + w * (self.values[i + 1] - self.values[i]))
        held = [v for a, v in zip(at, self.values) if a <= month]
        return float(held[-1] if held else self.values[0])

    def change_months(self, start_year: int, start_month: int) -> list[int]:
        """Times (months from the start) at which the value may change: each point for steps, each year's
        start between the first and last points for linear."""
        at = self.point_months(start_year, start_month)
        if self.between == "linear":
            return list(range(at[0], at[-1] + 1, 12))
        return at

    def when(self, i: int) -> str:
        """Point i in words, for messages."""
        return f"year {self.points[i]}" if self.years is not None else f"financial year {self.points[i]}-{(self.points[i] + 1) % 100:02d}"


def is_time_series(raw: Any) -> bool:
    """Whether a mapping in scenario data is a number written as a time series (by its keys)."""
    return isinstance(raw, dict) and "values" in raw and ("years" in raw or "calendar_years" in raw)


def find_time_series(data: Any) -> list[tuple[tuple, dict]]:
    """Every time series in raw scenario data, with its path."""
    return find_values(data, is_time_series)


def parse_time_series(raw: dict) -> TimeSeries:
    """A time series from its mapping; raises ValueError saying what is allowed."""
    bad = [k for k in raw if k not in SERIES_KEYS]
    if bad:
        raise ValueError(f"unknown key {bad[0]!r} in a time series; allowed: {', '.join(SERIES_KEYS)}")
    values = raw.get("values")
    if isinstance(values, list):
        for i, v in enumerate(values):
            if isinstance(v, dict) and not isinstance(v.get("dist"), str):
                raise ValueError(f"values[{i}] must be a number or a distribution ({{dist: ...}}); for values by band, "
                                 "give a series per band")
    try:
        return TimeSeries.model_validate(raw)
    except ValidationError as exc:
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}".lstrip(": ")
                           for e in exc.errors())
        raise ValueError(f"{detail} (a time series takes years or calendar_years, values, and between: steps or "
                         "linear)") from None
