"""The budget-impact view of a comparison (ISPOR's convention: undiscounted, year by year, by budget holder
and service), and which savings the council can bank.

A saving is *cashable* when budget is actually released: a day centre closed (its fixed costs, after
consultation and double running), a package or a block ended. It is *non-cashable* when capacity is freed
but still paid for. Each service says what share of a fall in its running costs is cashable
(`services.<name>.cashable_share`); a rise in spend and up-front investment are always cash.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from model.compile.spec import Spec

PAYERS = {"council": "cost_council", "dwp": "cost_dwp", "hmrc": "cost_hmrc"}


class MonthlyColumns:
    """A run's monthly table over its first `n` cycles, read as numpy columns, each taken from the table once: a PSA
    pairs a thousand runs in the process that gathers them, and reading a column of a DataFrame (or slicing it)
    costs tens of microseconds, some fifty times a pair (a pair took 2.9 to 3.7 ms, 1.4 to 1.7 ms with this)."""

    def __init__(self, monthly: pd.DataFrame, n: int):
        self._monthly, self._n, self._taken = monthly, n, {}

    def __contains__(self, column: str) -> bool:
        return column in self._monthly

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, column: str) -> np.ndarray:
        if column not in self._taken:
            self._taken[column] = self._monthly[column].to_numpy()[: self._n]
        return self._taken[column]


Monthly = pd.DataFrame | MonthlyColumns


def by_year(monthly: Monthly, spec: Spec, column: str) -> np.ndarray:
    """A money or flow column summed over each whole projection year."""
    per_year = 12 // spec.calendar.cycle_months
    values = np.asarray(monthly[column], dtype=float) if column in monthly else np.zeros(len(monthly))
    n_years = len(values) // per_year
    return values[: n_years * per_year].reshape(n_years, per_year).sum(axis=1)


def cashable_share(spec: Spec, service: str) -> float:
    """The share of a fall in a service's running costs that the council can bank."""
    s = spec.scenario.services.get(service)
    return float(s.cashable_share) if s is not None else 0.0


def yearly_lines(bm: Monthly, pm: Monthly, bs: Spec, ps: Spec) -> dict[str, np.ndarray]:
    """Each year's saving (baseline less policy, undiscounted) by payer and by service line, and how much of
    the council's saving is cashable."""
    out = {f"saving_{payer}": by_year(bm, bs, col) - by_year(pm, ps, col) for payer, col in PAYERS.items()}
    centres = sum(by_year(bm, bs, c) - by_year(pm, ps, c) for c in ("day_centre_fixed", "day_centre_double_running"))
    day_service = bs.costs.services[bs.costs.state_service[bs.day_state]] if bs.day_state >= 0 else None
    cashable = centres - (by_year(pm, ps, "investment") - by_year(bm, bs, "investment"))
    for s in bs.costs.services:
        running = by_year(bm, bs, f"cost_{s}") - by_year(pm, ps, f"cost_{s}")
        if s == day_service:
            running = running - centres
        out[f"running_{s}"] = running
        cashable = cashable + np.where(running > 0, cashable_share(bs, s) * running, running)
    out["centres_fixed"] = centres
    out["investment"] = by_year(pm, ps, "investment") - by_year(bm, bs, "investment")
    out["saving_cashable"] = cashable
    out["saving_non_cashable"] = out["saving_council"] - cashable
    return out


def break_even_year(savings: np.ndarray) -> float:
    """The first year from which the cumulative saving never falls below zero again (NaN: never)."""
    cumulative = np.cumsum(savings)
    for i in range(len(cumulative)):
        if (cumulative[i:] >= 0).all():
            return float(i + 1)
    return float("nan")


def year_labels(years: Iterable[int], start: str) -> list[str]:
    """Projection years as financial years when the run starts in April, else as the months they span."""
    y0, m0 = (int(x) for x in start.split("-"))
    if m0 == 4:
        return [f"{y0 + k - 1}-{(y0 + k) % 100:02d}" for k in years]
    return [f"{y0 + k - 1}-{m0:02d} to {y0 + k - 1 + (m0 + 10) // 12}-{(m0 + 10) % 12 + 1:02d}" for k in years]


def views(yearly: pd.DataFrame, policy: str, start: str) -> dict[str, pd.DataFrame]:
    """The budget-impact tables of one policy, as means over runs: by payer, by service line, cashable, and
    the totals for years 1 to 5 and the whole horizon. Pounds, undiscounted, positive: a saving."""
    y = yearly[yearly["policy"] == policy].groupby("year").mean(numeric_only=True).reset_index()
    label = pd.Series(year_labels(y["year"], start), name="year from start")
    payer = pd.DataFrame({"year": y["year"], "year from start": label,
                          "council": y["saving_undiscounted"], "DWP (benefits)": y["saving_dwp"],
                          "HMRC (tax and NI)": y["saving_hmrc"]})
    payer["taxpayer"] = payer["council"] + payer["DWP (benefits)"] + payer["HMRC (tax and NI)"]
    service = pd.DataFrame({"year": y["year"], "year from start": label})
    for c in [c for c in y if c.startswith("running_")]:
        service[c.removeprefix("running_").replace("_", " ")] = y[c]
    service["day-centre fixed costs"] = y["centres_fixed"]
    service["up-front investment"] = -y["investment"]
    service["council"] = y["saving_undiscounted"]
    cash = pd.DataFrame({"year": y["year"], "year from start": label, "cashable": y["saving_cashable"],
                         "non-cashable": y["saving_non_cashable"], "up-front investment": -y["investment"],
                         "cumulative cashable": y["saving_cashable"].cumsum()})
    rows = []
    for n in [*range(1, min(5, len(y)) + 1), len(y)]:
        part = y.iloc[:n]
        span = f"{label.iloc[0]} to {label.iloc[n - 1]}" if n > 1 else label.iloc[0]
        rows.append({"years": f"{span} (years 1 to {n})" if n > 1 else f"{span} (year 1)",
                     "council": part["saving_undiscounted"].sum(),
                     "cashable": part["saving_cashable"].sum(), "non-cashable": part["saving_non_cashable"].sum(),
                     "up-front investment": -part["investment"].sum(), "DWP (benefits)": part["saving_dwp"].sum(),
                     "HMRC (tax and NI)": part["saving_hmrc"].sum()})
    totals = pd.DataFrame(rows).drop_duplicates("years")
    totals["taxpayer"] = totals["council"] + totals["DWP (benefits)"] + totals["HMRC (tax and NI)"]
    return {"totals": totals, "by payer": payer, "by service": service, "cashable": cash}
