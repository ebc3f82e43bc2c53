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
    """How far the budget shifts, by year: the proactive share of spend (bars) and the share of the starting
    budget no longer spent reactively (line)."""
    ax = ax or plt.subplots(figsize=(9, 4))[1]
    y = res.yearly
    ax.bar(y["fiscal_year"], 100 * y["proactive_share"].fillna(0.0), color=_PALETTE[0],
           label="Proactive share of spend")
    ax.plot(y["fiscal_year"], 100 * y["budget_shift"], marker="o", color=_PALETTE[3],
            label="Starting budget no longer spent reactively")
    ax.set_title(f"Budget shift, {res.spec.scenario.name}")
    ax.set_ylabel("%")
    ax.set_xlabel("Financial year")
    ax.tick_params(axis="x", labelrotation=60, labelsize=8)
    ax.legend(frameon=False, fontsize=8)
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


# --- comparisons -------------------------------------------------------------------------------

def _by_year_interval(comp, column: str, policy: str):
    y = comp.yearly[comp.yearly["policy"] == policy].groupby("year")[column]
    mean = y.mean()
    return mean.index.to_numpy(), mean.to_numpy(), y.quantile(0.025).to_numpy(), y.quantile(0.975).to_numpy()


def compare_states(comp):
    """People per state under the baseline and the first policy (first run), side by side."""
    names = [comp.baseline, comp.policies[0]]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), sharey=True)
    for ax, name in zip(axes, names):
        states(comp.first[name], ax=ax)
        ax.set_title(f"People by service: {name}")
        if ax is axes[0]:
            ax.get_legend().remove()
    fig.tight_layout()
    return axes[0]


def compare_budget_shift(comp):
    """The proactive share of spend and the starting budget no longer spent reactively, by projection year,
    baseline against policy."""
    ax = plt.subplots(figsize=(11, 4))[1]
    policy = comp.policies[0]
    for who, label, colour in (("baseline", comp.baseline, _PALETTE[5]), ("policy", policy, _PALETTE[0])):
        x, mean, _, _ = _by_year_interval(comp, f"proactive_share_{who}", policy)
        ax.plot(comp.start_year + x, 100 * mean, marker="o", label=f"{label}: proactive share of spend", color=colour)
        x, mean, _, _ = _by_year_interval(comp, f"budget_shift_{who}", policy)
        ax.plot(comp.start_year + x, 100 * mean, linestyle="--", color=colour,
                label=f"{label}: starting budget no longer spent reactively")
    ax.set_title("Budget shift")
    ax.set_ylabel("%")
    ax.set_xlabel("Year ending")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.figure.tight_layout()
    return ax


def budget_impact(comp):
    """What the council saves (positive) or spends extra (negative) each year, undiscounted, with 95% intervals."""
    ax = plt.subplots(figsize=(9, 4))[1]
    x, mean, low, high = _by_year_interval(comp, "saving_undiscounted", comp.policies[0])
    colours = [_PALETTE[1] if v >= 0 else _PALETTE[3] for v in mean]
    ax.bar(comp.start_year + x, mean / 1e6, color=colours,
           yerr=[(mean - low) / 1e6, (high - mean) / 1e6], capsize=2, error_kw=dict(lw=0.8))
    ax.axhline(0, color="black", lw=0.8)
    ax.set_title(f"Yearly budget impact of {comp.policies[0]} against {comp.baseline} (undiscounted)")
    ax.set_ylabel("Council saving, GBP million a year")
    ax.set_xlabel("Year ending")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.figure.tight_layout()
    return ax


def ce_plane(comp):
    """Cost-effectiveness plane: discounted incremental council cost against extra people in work, a point per run."""
    ax = plt.subplots(figsize=(7, 5.5))[1]
    r = comp.runs[comp.runs["policy"] == comp.policies[0]]
    ax.scatter(r["extra_in_work_final"], -r["npv_saving"] / 1e6, s=10, alpha=0.5, color=_PALETTE[0])
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("Extra people in paid work at the horizon")
    ax.set_ylabel("Incremental council cost, GBP million (discounted)")
    ax.set_title("Cost-effectiveness plane (below the line: the policy saves money)")
    ax.figure.tight_layout()
    return ax


def acceptability(comp):
    """The chance that the cost per extra job is below a threshold, across thresholds."""
    ax = plt.subplots(figsize=(7, 4.5))[1]
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


def tornado(comp):
    """One-way sensitivity of the discounted saving to each uncertain parameter (2.5% to 97.5% points)."""
    t = comp.tornado.head(12).iloc[::-1]
    ax = plt.subplots(figsize=(10, 0.45 * len(t) + 1.5))[1]
    centre = float(t["npv_saving_centre"].iloc[0]) / 1e6 if len(t) else 0.0
    for i, row in enumerate(t.itertuples()):
        lo, hi = row.npv_saving_low / 1e6, row.npv_saving_high / 1e6
        ax.barh(i, lo - centre, left=centre, color=_PALETTE[3])
        ax.barh(i, hi - centre, left=centre, color=_PALETTE[1])
    # The path without its section ('transitions.', 'costs.', 'policy.'), which the rest makes clear.
    labels = [p.split(".", 1)[1] if p.count(".") > 1 else p for p in t["parameter"]]
    ax.set_yticks(range(len(t)), labels, fontsize=8)
    ax.axvline(centre, color="black", lw=0.8)
    ax.set_xlabel("Discounted council saving, GBP million (red: parameter at its 2.5% point, green: at 97.5%;\n"
                  "a parameter in both scenarios is set to each scenario's own point)")
    ax.set_title("Tornado: what the saving depends on")
    ax.figure.tight_layout()
    return ax


def save_comparison(comp, folder) -> list[str]:
    """Write a comparison's figures as PNG; returns the file names."""
    figures = [("compare_states.png", compare_states), ("compare_budget_shift.png", compare_budget_shift),
               ("budget_impact.png", budget_impact), ("ce_plane.png", ce_plane)]
    if comp.mode == "psa":
        figures.append(("acceptability.png", acceptability))
    if comp.tornado is not None and len(comp.tornado):
        figures.append(("tornado.png", tornado))
    names = []
    for name, fn in figures:
        ax = fn(comp)
        ax.figure.savefig(f"{folder}/{name}", dpi=100, bbox_inches="tight")
        plt.close(ax.figure)
        names.append(name)
    return names
