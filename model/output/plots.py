"""Figures a cabinet member can read: people per state, the budget shift, costs by service.

Each function draws on the axes it is given, or on a new pyplot figure (so a notebook shows it inline).
Figures written to files are drawn on `matplotlib.figure.Figure` objects, outside pyplot: the library
never chooses a backend or touches pyplot's global state.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib.text
import matplotlib.ticker
import numpy as np
from matplotlib.figure import Figure

from model.analysis.labels import in_words

SIZES = {"states": (9, 5), "budget_shift": (9, 4), "costs": (9, 5), "compare_states": (13, 4.8),
         "compare_budget_shift": (11, 4), "budget_impact": (9, 4), "ce_plane": (7, 5.5), "acceptability": (7, 4.5)}
_PALETTE = ["#1b6ca8", "#63a375", "#f2a541", "#c8553d", "#6f4e7c", "#9aa5ab", "#2e4057", "#b5a642"]
# Two-sided quantities (a saving or a cost; a low or a high point) in dark blue and light orange: told apart by
# readers who do not see red and green apart, and in grey by their lightness.
_GOOD, _BAD = "#1b4f8a", "#f2a541"


def literal(text) -> str:
    """Text from a scenario (a name, a label) as matplotlib shows it literally: every '$' escaped, so
    'Plan $x^$' is never read as mathematics (which can fail to draw at all)."""
    return str(text).replace("$", r"\$")


def _axes(ax, figsize: tuple[float, float]):
    """The axes to draw on: the caller's, or a new pyplot figure's for interactive use."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # only for a figure the caller asked to see; files never use pyplot

    return plt.subplots(figsize=figsize)[1]


def _save(draw: Callable, obj, path: Path, figsize: tuple[float, float], dpi: int, ncols: int = 1) -> None:
    """Draw a figure outside pyplot and write it as PNG."""
    fig = Figure(figsize=figsize)
    axes = fig.subplots(1, ncols, sharey=ncols > 1) if ncols > 1 else fig.subplots()
    draw(obj, axes)
    for text in fig.findobj(matplotlib.text.Text):  # never through LaTeX, whatever the user's matplotlibrc says
        text.set_usetex(False)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")


def _years(res) -> np.ndarray:
    m = res.monthly
    return res.spec.calendar.start_year + (res.spec.calendar.start_month - 1) / 12 + m["month"].to_numpy() / 12


def states(res, ax=None):
    """People per live state over time, stacked."""
    ax = _axes(ax, SIZES["states"])
    spec = res.spec
    live = spec.states[: spec.n_live]
    labels = [literal(spec.scenario.states[s].label or s.replace("_", " ")) for s in live]
    ax.stackplot(_years(res), [res.monthly[f"n_{s}"].to_numpy() for s in live], labels=labels,
                 colors=_PALETTE[: len(live)], alpha=0.9)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_title(f"People by service: {literal(spec.scenario.name)}")
    ax.set_xlabel("Year")
    ax.set_ylabel("People")
    ax.legend(loc="upper left", fontsize=8, frameon=False, bbox_to_anchor=(1.0, 1.0))
    ax.figure.tight_layout()
    return ax


def budget_shift(res, ax=None):
    """How far the budget shifts, by year: the proactive share of spend (bars) and the share of the starting
    budget no longer spent reactively (line)."""
    ax = _axes(ax, SIZES["budget_shift"])
    y = res.yearly
    ax.bar(y["fiscal_year"], 100 * y["proactive_share"].fillna(0.0), color=_PALETTE[0],
           label="Proactive share of spend")
    ax.plot(y["fiscal_year"], 100 * y["budget_shift"], marker="o", color=_PALETTE[3],
            label="Starting budget no longer spent reactively")
    ax.set_title(f"Budget shift, {literal(res.spec.scenario.name)}")
    ax.set_ylabel("%")
    ax.set_xlabel("Financial year")
    ax.tick_params(axis="x", labelrotation=60, labelsize=8)
    ax.legend(frameon=False, fontsize=8)
    ax.figure.tight_layout()
    return ax


def costs(res, ax=None):
    """Council costs by service and financial year (undiscounted, price year pounds), stacked."""
    ax = _axes(ax, SIZES["costs"])
    y = res.yearly
    spec = res.spec
    bottom = np.zeros(len(y))
    for i, s in enumerate(spec.costs.services):
        v = y[f"cost_{s}"].to_numpy() / 1e6
        if not v.any():
            continue
        label = spec.scenario.services[s].label if s in spec.scenario.services and spec.scenario.services[s].label else s
        ax.bar(y["fiscal_year"], v, bottom=bottom, label=literal(label), color=_PALETTE[i % len(_PALETTE)])
        bottom += v
    ax.set_title(f"Council spend by service ({literal(spec.scenario.price_year)} prices): {literal(spec.scenario.name)}")
    ax.set_ylabel("GBP million a year")
    ax.set_xlabel("Financial year")
    ax.tick_params(axis="x", labelrotation=60, labelsize=8)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.figure.tight_layout()
    return ax


def save_all(res, folder: str | Path) -> list[str]:
    """Write the run's figures as PNG into a folder; returns the file names."""
    names = []
    for name, fn, key in (("states.png", states, "states"), ("budget_shift.png", budget_shift, "budget_shift"),
                          ("costs.png", costs, "costs")):
        _save(fn, res, Path(folder) / name, SIZES[key], dpi=110)
        names.append(name)
    return names


# --- comparisons -------------------------------------------------------------------------------

def _by_year_interval(comp, column: str, policy: str):
    y = comp.yearly[comp.yearly["policy"] == policy].groupby("year")[column]
    mean = y.mean()
    return mean.index.to_numpy(), mean.to_numpy(), y.quantile(0.025).to_numpy(), y.quantile(0.975).to_numpy()


def compare_states(comp, axes=None):
    """People per state under the baseline and the first policy (first run), side by side."""
    names = [comp.baseline, comp.policies[0]]
    if axes is None:
        import matplotlib.pyplot as plt  # only for a figure the caller asked to see

        axes = plt.subplots(1, 2, figsize=SIZES["compare_states"], sharey=True)[1]
    fig = axes[0].figure
    for ax, name in zip(axes, names):
        states(comp.first[name], ax=ax)
        ax.set_title(f"People by service: {literal(name)}")
        if ax is axes[0]:
            ax.get_legend().remove()
    fig.tight_layout()
    return axes[0]


def compare_budget_shift(comp, ax=None):
    """The proactive share of spend and the starting budget no longer spent reactively, by projection year,
    baseline against policy."""
    ax = _axes(ax, SIZES["compare_budget_shift"])
    policy = comp.policies[0]
    for who, label, colour in (("baseline", comp.baseline, _PALETTE[5]), ("policy", policy, _PALETTE[0])):
        x, mean, _, _ = _by_year_interval(comp, f"proactive_share_{who}", policy)
        ax.plot(comp.start_year + x, 100 * mean, marker="o", label=f"{literal(label)}: proactive share of spend",
                color=colour)
        x, mean, _, _ = _by_year_interval(comp, f"budget_shift_{who}", policy)
        ax.plot(comp.start_year + x, 100 * mean, linestyle="--", color=colour,
                label=f"{literal(label)}: starting budget no longer spent reactively")
    ax.set_title("Budget shift")
    ax.set_ylabel("%")
    ax.set_xlabel("Year ending")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.figure.tight_layout()
    return ax


def budget_impact(comp, ax=None):
    """What the council saves (positive) or spends extra (negative) each year, undiscounted, with 95% intervals."""
    ax = _axes(ax, SIZES["budget_impact"])
    x, mean, low, high = _by_year_interval(comp, "saving_undiscounted", comp.policies[0])
    colours = [_GOOD if v >= 0 else _BAD for v in mean]
    ax.bar(comp.start_year + x, mean / 1e6, color=colours,
           yerr=[(mean - low) / 1e6, (high - mean) / 1e6], capsize=2, error_kw=dict(lw=0.8))
    ax.axhline(0, color="black", lw=0.8)
    ax.set_title(f"Yearly budget impact of {literal(comp.policies[0])} against {literal(comp.baseline)} (undiscounted)")
    ax.set_ylabel("Council saving, GBP million a year")
    ax.set_xlabel("Year ending")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.figure.tight_layout()
    return ax


def ce_plane(comp, ax=None):
    """Cost-effectiveness plane: discounted incremental council cost against extra people in work, a point per run."""
    ax = _axes(ax, SIZES["ce_plane"])
    r = comp.runs[comp.runs["policy"] == comp.policies[0]]
    ax.scatter(r["extra_in_work_final"], -r["npv_saving"] / 1e6, s=10, alpha=0.5, color=_PALETTE[0])
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("Extra people in paid work at the horizon")
    ax.set_ylabel("Incremental council cost, GBP million (discounted)")
    ax.set_title("Cost-effectiveness plane (below the line: the policy saves money)")
    ax.figure.tight_layout()
    return ax


def acceptability(comp, ax=None):
    """The chance that the cost per extra job is below a threshold, across thresholds."""
    ax = _axes(ax, SIZES["acceptability"])
    r = comp.runs[comp.runs["policy"] == comp.policies[0]]
    incremental = -r["npv_saving"].to_numpy()
    jobs = r["extra_job_starts"].to_numpy()
    thresholds = np.linspace(0, 60000, 121)
    # Net benefit at threshold t: t * extra jobs - incremental cost; acceptable where it is non-negative.
    prob = [(t * jobs - incremental >= 0).mean() for t in thresholds]
    ax.plot(thresholds / 1000, prob, color=_PALETTE[0])
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("Willingness to pay per extra job start, GBP thousand")
    ax.set_ylabel("Chance the policy is worth it")
    ax.set_title("Acceptability curve")
    ax.figure.tight_layout()
    return ax


def tornado(comp, ax=None):
    """One-way sensitivity of the discounted saving to each uncertain parameter (2.5% to 97.5% points)."""
    t = comp.tornado.head(12).iloc[::-1]
    ax = _axes(ax, _tornado_size(comp))
    centre = float(t["npv_saving_centre"].iloc[0]) / 1e6 if len(t) else 0.0
    for i, row in enumerate(t.itertuples()):
        lo, hi = row.npv_saving_low / 1e6, row.npv_saving_high / 1e6
        ax.barh(i, lo - centre, left=centre, color=_BAD, hatch="//", edgecolor="white")
        ax.barh(i, hi - centre, left=centre, color=_GOOD)
    labels = [literal(in_words(p)) for p in t["parameter"]]
    ax.set_yticks(range(len(t)), labels, fontsize=8)
    ax.axvline(centre, color="black", lw=0.8)
    ax.set_xlabel("Discounted council saving, GBP million (orange, hatched: parameter at its 2.5% point; blue: at "
                  "97.5%;\n"
                  "a parameter in both scenarios is set to each scenario's own point)")
    ax.set_title("Tornado: what the saving depends on")
    ax.figure.tight_layout()
    return ax


def value_of_information(comp, ax=None):
    """EVPI and the EVPPI of the groups worth most, across willingness to pay per unit of outcome."""
    table = comp.value_of_information()
    ax = _axes(ax, SIZES["acceptability"])
    x = table["wtp_per_outcome"] / 1000
    ax.plot(x, table["evpi"] / 1e6, color="black", lw=2, label="all parameters (EVPI)")
    groups = [c for c in table if c.startswith("evppi: ")]
    for i, c in enumerate(sorted(groups, key=lambda c: -table[c].max())[:5]):
        group = c.removeprefix("evppi: ")
        label = group if group.startswith("all of ") else in_words(group)
        ax.plot(x, table[c] / 1e6, color=_PALETTE[i % len(_PALETTE)], label=literal(label))
    ax.set_xlabel("Willingness to pay per unit of outcome (a year in paid work), GBP thousand")
    ax.set_ylabel("Expected value of knowing, GBP million")
    ax.set_title("Value of information: what resolving the uncertainty is worth to the council")
    ax.legend(fontsize=7)
    ax.figure.tight_layout()
    return ax


def _tornado_size(comp) -> tuple[float, float]:
    return (10, 0.45 * len(comp.tornado.head(12)) + 1.5)


def save_comparison(comp, folder: str | Path) -> list[str]:
    """Write a comparison's figures as PNG; returns the file names."""
    figures = [("compare_states.png", compare_states, SIZES["compare_states"], 2),
               ("compare_budget_shift.png", compare_budget_shift, SIZES["compare_budget_shift"], 1),
               ("budget_impact.png", budget_impact, SIZES["budget_impact"], 1),
               ("ce_plane.png", ce_plane, SIZES["ce_plane"], 1)]
    if comp.mode == "psa":
        figures.append(("acceptability.png", acceptability, SIZES["acceptability"], 1))
        if comp.value_of_information() is not None:
            figures.append(("value_of_information.png", value_of_information, SIZES["acceptability"], 1))
    if comp.tornado is not None and len(comp.tornado):
        figures.append(("tornado.png", tornado, _tornado_size(comp), 1))
    names = []
    for name, fn, size, ncols in figures:
        _save(fn, comp, Path(folder) / name, size, dpi=100, ncols=ncols)
        names.append(name)
    return names
