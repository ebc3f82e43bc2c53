"""Figures a cabinet member can read: people per state, the budget shift, costs by service."""

from __future__ import annotations

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")  # no display needed; notebooks still show figures inline
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

_PALETTE = ["#1b6ca8", "#63a375", "#f2a541", "#c8553d", "#6f4e7c", "#9aa5ab", "#2e4057", "#b5a642"]


def _years(res) -> np.ndarray:
    m = res.monthly
    return res.spec.start_year + (res.spec.start_month - 1) / 12 + m["month"].to_numpy() / 12


def states(res, ax=None):
    """People per live state over time, stacked."""
    ax = ax or plt.subplots(figsize=(9, 5))[1]
    spec = res.spec
    live = spec.states[: spec.n_live]
    labels = [spec.scenario.states[s].label or s.replace("_", " ") for s in live]
    ax.stackplot(_years(res), [res.monthly[f"n_{s}"].to_numpy() for s in live], labels=labels,
                 colors=_PALETTE[: len(live)], alpha=0.9)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_title(f"People by service: {spec.scenario.name}")
    ax.set_xlabel("Year")
    ax.set_ylabel("People")
    ax.legend(loc="upper left", fontsize=8, frameon=False, bbox_to_anchor=(1.0, 1.0))
    ax.figure.tight_layout()
    return ax


def budget_shift(res, ax=None):
    """The share of spend that is proactive (employment) rather than reactive (day services), by year."""
    ax = ax or plt.subplots(figsize=(9, 4))[1]
    y = res.yearly
    ax.bar(y["fiscal_year"], 100 * y["proactive_share"].fillna(0.0), color=_PALETTE[0])
    ax.set_title(f"Budget shift: proactive share of spend, {res.spec.scenario.name}")
    ax.set_ylabel("Proactive share of spend (%)")
    ax.set_xlabel("Financial year")
    ax.tick_params(axis="x", labelrotation=60, labelsize=8)
    ax.figure.tight_layout()
    return ax


def costs(res, ax=None):
    """Council costs by service and financial year (undiscounted, price year pounds), stacked."""
    ax = ax or plt.subplots(figsize=(9, 5))[1]
    y = res.yearly
    spec = res.spec
    bottom = np.zeros(len(y))
    for i, s in enumerate(spec.services):
        v = y[f"cost_{s}"].to_numpy() / 1e6
        if not v.any():
            continue
        label = spec.scenario.services[s].label if s in spec.scenario.services and spec.scenario.services[s].label else s
        ax.bar(y["fiscal_year"], v, bottom=bottom, label=label, color=_PALETTE[i % len(_PALETTE)])
        bottom += v
    ax.set_title(f"Council spend by service ({spec.scenario.price_year} prices): {spec.scenario.name}")
    ax.set_ylabel("GBP million a year")
    ax.set_xlabel("Financial year")
    ax.tick_params(axis="x", labelrotation=60, labelsize=8)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.figure.tight_layout()
    return ax


def save_all(res, folder) -> list[str]:
    """Write the run's figures as PNG into a folder; returns the file names."""
    names = []
    for name, fn in (("states.png", states), ("budget_shift.png", budget_shift), ("costs.png", costs)):
        ax = fn(res)
        ax.figure.savefig(f"{folder}/{name}", dpi=110, bbox_inches="tight")
        plt.close(ax.figure)
        names.append(name)
    return names
