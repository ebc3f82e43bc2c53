"""Figures a cabinet member can read: people per state, the budget shift, costs by service, day centres.

Time is in financial years (2024-25) throughout. Colours are the Okabe-Ito set, told apart by colour-blind
readers, and neighbouring bands differ in lightness (and are edged in white) so that a grey print separates them.

Each function draws on the axes it is given, or on a new pyplot figure (so a notebook shows it inline).
Figures written to files are drawn on `matplotlib.figure.Figure` objects, outside pyplot: the library
never chooses a backend or touches pyplot's global state.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import matplotlib.text
import matplotlib.ticker
import numpy as np
from matplotlib.figure import Figure

from model.analysis.labels import financial_year, in_words, money, whose_words

SIZES = {"states": (9, 5), "budget_shift": (9, 4.5), "costs": (9, 5), "centres": (11, 4), "compare_states": (13, 4.8),
         "compare_budget_shift": (11, 4), "compare_centres": (12, 4), "budget_impact": (9, 4), "ce_plane": (7, 5.5),
         "acceptability": (7, 4.5)}
# Okabe and Ito's colours, ordered so that each differs in lightness from the one before.
_PALETTE = ["#0072B2", "#E69F00", "#009E73", "#F0E442", "#CC79A7", "#56B4E9", "#D55E00", "#999999"]
# Two-sided quantities (a saving or a cost; a low or a high point) in dark blue and light orange: told apart by
# readers who do not see red and green apart, and in grey by their lightness (the light one is also hatched).
SAVING_COLOUR, COST_COLOUR = "#1b4f8a", "#f2a541"  # also the browser page's (`model.app.charts`)
_BASELINE, _TOTAL = "#6b6b6b", "#333333"  # a baseline beside a policy, and a whole beside its parts


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


def _save(draw: Callable, obj, path: Path, figsize: tuple[float, float], dpi: int, ncols: int = 1,
          sharey: bool = True) -> None:
    """Draw a figure outside pyplot and write it as PNG (panels side by side share their y axis if `sharey`)."""
    fig = Figure(figsize=figsize)
    axes = fig.subplots(1, ncols, sharey=sharey) if ncols > 1 else fig.subplots()
    draw(obj, axes)
    for text in fig.findobj(matplotlib.text.Text):  # never through LaTeX, whatever the user's matplotlibrc says
        text.set_usetex(False)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")


def _years(res) -> np.ndarray:
    m = res.monthly
    return res.spec.calendar.start_year + (res.spec.calendar.start_month - 1) / 12 + m["month"].to_numpy() / 12


def _financial_year_axis(ax, first: float, last: float) -> None:
    """Ticks on a time axis in years at the start of financial years (1 April), labelled '2024-25'."""
    years = list(range(math.ceil(first - 0.25), math.floor(last - 0.25) + 1))
    shown = years[:: max(1, math.ceil(len(years) / 8))]
    ax.set_xticks([y + 0.25 for y in shown], [f"{y}-{(y + 1) % 100:02d}" for y in shown])
    ax.tick_params(axis="x", labelrotation=60, labelsize=8)
    ax.set_xlabel("Financial year (ticks at 1 April)")


def _by_financial_year(ax, years, start: str) -> None:
    """An axis of projection years (1, 2, ...) labelled as the financial years they are."""
    ax.set_xticks(list(years), [financial_year(k, start) for k in years])
    ax.tick_params(axis="x", labelrotation=60, labelsize=8)
    ax.set_xlabel("Financial year")


def states(res, ax=None):
    """People per live state over time, stacked."""
    ax = _axes(ax, SIZES["states"])
    spec = res.spec
    live = spec.states[: spec.n_live]
    labels = [literal(spec.scenario.states[s].label or s.replace("_", " ")) for s in live]
    x = _years(res)
    ax.stackplot(x, [res.monthly[f"n_{s}"].to_numpy() for s in live], labels=labels,
                 colors=[_PALETTE[i % len(_PALETTE)] for i in range(len(live))], edgecolor="white", linewidth=0.6)
    _financial_year_axis(ax, float(x[0]), float(x[-1]))
    ax.set_title(f"People by service: {literal(spec.scenario.name)}")
    ax.set_ylabel("People")
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], loc="upper left", fontsize=8, frameon=False,  # in the order of the bands
              bbox_to_anchor=(1.0, 1.0))
    ax.figure.tight_layout()
    return ax


def shift_parts(m, y) -> tuple[np.ndarray, np.ndarray]:
    """The budget shift of each financial year (from a run's monthly and yearly tables) in two parts, as shares of
    the starting budget: what is now spent on proactive services (employment and in-work support) beyond the
    start, and what is no longer spent at all."""
    start = float(m["cost_reactive"].iloc[0] + m["cost_proactive"].iloc[0])
    if start <= 0:
        return np.full(len(y), np.nan), np.full(len(y), np.nan)
    moved = (y["cost_proactive"].to_numpy(float) / y["months"].to_numpy(float) - m["cost_proactive"].iloc[0]) / start
    return moved, y["budget_shift"].to_numpy(float) - moved


def budget_shift(res, ax=None):
    """How far the budget shifts, by financial year: the fall in reactive spend as a share of the starting budget,
    split into what now goes to employment support and what is no longer spent (a saving or a cut), and the
    proactive share of spend."""
    ax = _axes(ax, SIZES["budget_shift"])
    y = res.yearly
    x = np.arange(len(y))
    moved, unspent = (100 * np.nan_to_num(v) for v in shift_parts(res.monthly, y))
    ax.bar(x, moved, color=SAVING_COLOUR, edgecolor="white", label="Now spent on employment and in-work support")
    ax.bar(x, unspent, bottom=np.maximum(moved, 0), color=COST_COLOUR, hatch="//", edgecolor="white",
           label="No longer spent at all (a saving or a cut)")
    ax.plot(x, 100 * y["proactive_share"].fillna(0.0), marker="o", color=_TOTAL, lw=1.2,
            label="Proactive share of spend")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_title(f"Budget shift, {literal(res.spec.scenario.name)}: where the starting budget's reactive spend went\n"
                 "(one run with no baseline beside it; part of this fall happens under any policy)", fontsize=10)
    ax.set_ylabel("% of the starting budget (bars); % of spend (line)")
    ax.set_xticks(x, list(y["fiscal_year"]))
    ax.tick_params(axis="x", labelrotation=60, labelsize=8)
    ax.set_xlabel("Financial year")
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    ax.figure.tight_layout()
    return ax


def _no_service_states(spec) -> list[str]:
    """Live states in which the council funds no day-time service (listed under costs.no_cost), deaths aside."""
    sc = spec.scenario
    return [s for s in spec.states[: spec.n_live] if s in sc.costs.no_cost and not sc.states[s].death]


def has_centres(res) -> bool:
    """Whether a run has day centres or people with no day-time service to show."""
    return bool(res.monthly["centres_open"].max() > 0 if "centres_open" in res.monthly else False) or bool(
        _no_service_states(res.spec))


def centres(res, axes=None, label: str | None = None, colour: str = SAVING_COLOUR, style: str = "-"):
    """Day centres open and people with no day-time service at the end of each financial year, side by side."""
    if axes is None:
        import matplotlib.pyplot as plt  # only for a figure the caller asked to see

        axes = plt.subplots(1, 2, figsize=SIZES["centres"])[1]
    y = res.yearly
    x = np.arange(len(y))
    label = literal(label or res.spec.scenario.name)
    if "centres_open" in y:
        axes[0].plot(x, y["centres_open"], drawstyle="steps-mid", color=colour, ls=style, lw=2, label=label)
    none = _no_service_states(res.spec)
    axes[1].plot(x, sum(y[f"n_{s}"] for s in none) if none else np.zeros(len(y)), color=colour, ls=style, lw=2,
                 marker="o", ms=3, label=label)
    for ax, title, ylabel in ((axes[0], "Day centres open", "Centres open at the year's end"),
                              (axes[1], "People with no day-time service", "People at the year's end")):
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_xticks(x, list(y["fiscal_year"]))
        ax.tick_params(axis="x", labelrotation=60, labelsize=8)
        ax.set_xlabel("Financial year")
    axes[0].figure.tight_layout()
    return axes[0]


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
        ax.bar(y["fiscal_year"], v, bottom=bottom, label=literal(label), color=_PALETTE[i % len(_PALETTE)],
               edgecolor="white", linewidth=0.5)
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
    figures = [("states.png", states, "states", 1), ("budget_shift.png", budget_shift, "budget_shift", 1),
               ("costs.png", costs, "costs", 1)]
    if has_centres(res):
        figures.append(("centres.png", centres, "centres", 2))
    for name, fn, key, ncols in figures:
        _save(fn, res, Path(folder) / name, SIZES[key], dpi=110, ncols=ncols, sharey=False)
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
    for who, label, colour in (("baseline", comp.baseline, _BASELINE), ("policy", policy, SAVING_COLOUR)):
        x, mean, _, _ = _by_year_interval(comp, f"proactive_share_{who}", policy)
        ax.plot(x, 100 * mean, marker="o", label=f"{literal(label)}: proactive share of spend", color=colour)
        x, mean, _, _ = _by_year_interval(comp, f"budget_shift_{who}", policy)
        ax.plot(x, 100 * mean, linestyle="--", color=colour,
                label=f"{literal(label)}: starting budget no longer spent reactively")
    ax.set_title("Budget shift")
    ax.set_ylabel("%")
    _by_financial_year(ax, x, comp.first_month())
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.figure.tight_layout()
    return ax


def budget_impact(comp, ax=None):
    """What the council saves (positive) or spends extra (negative) each year, undiscounted, with 95% intervals."""
    ax = _axes(ax, SIZES["budget_impact"])
    x, mean, low, high = _by_year_interval(comp, "saving_undiscounted", comp.policies[0])
    colours = [SAVING_COLOUR if v >= 0 else COST_COLOUR for v in mean]
    ax.bar(x, mean / 1e6, color=colours, hatch=["" if v >= 0 else "//" for v in mean], edgecolor="white",
           yerr=[(mean - low) / 1e6, (high - mean) / 1e6], capsize=2, error_kw=dict(lw=0.8))
    ax.axhline(0, color="black", lw=0.8)
    ax.set_title(f"Yearly budget impact of {literal(comp.policies[0])} against {literal(comp.baseline)} (undiscounted)")
    ax.set_ylabel("Council saving, GBP million a year")
    _by_financial_year(ax, x, comp.first_month())
    ax.figure.tight_layout()
    return ax


def compare_centres(comp, axes=None):
    """Day centres open and people with no day-time service, baseline (grey, dashed) against policy (one run each)."""
    if axes is None:
        import matplotlib.pyplot as plt  # only for a figure the caller asked to see

        axes = plt.subplots(1, 2, figsize=SIZES["compare_centres"])[1]
    centres(comp.first[comp.baseline], axes, comp.baseline, _BASELINE, "--")
    centres(comp.first[comp.policies[0]], axes, comp.policies[0], SAVING_COLOUR, "-")
    axes[1].legend(frameon=False, fontsize=8)
    axes[0].figure.tight_layout()
    return axes[0]


def waterfall(comp, ax=None):
    """The discounted saving built up lever by lever (each lever's Shapley share), ending at the whole policy."""
    d = comp.decomposition
    t = d.table
    ax = _axes(ax, _waterfall_size(comp))
    rows = len(t) + 1
    running = 0.0
    for i, row in enumerate(t.itertuples()):
        v = row.npv_saving / 1e6
        y = rows - 1 - i
        ax.barh(y, v, left=running, color=SAVING_COLOUR if v >= 0 else COST_COLOUR, hatch="" if v >= 0 else "//",
                edgecolor="white")
        ax.plot([running + v] * 2, [y - 0.4, y - 1 + 0.4], color="grey", lw=0.6)  # joins each bar to the next
        ax.annotate(_share_words(row.npv_saving, row.share_of_saving), (max(running, running + v), y),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
        running += v
    total = d.total["npv_saving"]
    ax.barh(0, total / 1e6, color=_TOTAL)
    ax.annotate(_share_words(total, 1.0), (max(0.0, total / 1e6), 0), xytext=(4, 0), textcoords="offset points",
                va="center", fontsize=8, weight="bold")
    labels = [literal(n[0].upper() + n[1:]) for n in t["lever"]] + [f"The whole of {literal(d.policy)}"]
    ax.set_yticks(range(rows - 1, -1, -1), labels, fontsize=8)
    ax.axvline(0, color="black", lw=0.8)
    low, high = ax.get_xlim()
    ax.set_xlim(right=high + 0.2 * (high - low))  # room for the labels
    runs = f"{len(d.seeds)} run{'s' if len(d.seeds) > 1 else ''}"
    how = ("every order" if d.method == "exact" else f"{d.orders} random orders")
    ax.set_xlabel(f"Discounted saving to the council, GBP million (blue: a saving; orange, hatched: a cost)\n"
                  f"each lever's share averaged over {how} of switching the levers on, on {runs} of each subset")
    ax.set_title(f"Where the saving comes from: {literal(d.policy)} against {literal(d.baseline)}")
    ax.figure.tight_layout()
    return ax


def _share_words(value: float, share: float) -> str:
    words = money(value)
    return words if share is None or not np.isfinite(share) else f"{words} ({100 * share:.0f}%)"


def _waterfall_size(comp) -> tuple[float, float]:
    return (10, 0.45 * (len(comp.decomposition.table) + 1) + 1.8)


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
        ax.barh(i, lo - centre, left=centre, color=COST_COLOUR, hatch="//", edgecolor="white")
        ax.barh(i, hi - centre, left=centre, color=SAVING_COLOUR)
    labels = [literal(whose_words(p, t["scenarios"].iloc[i] if "scenarios" in t else None))
              for i, p in enumerate(t["parameter"])]
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
    if comp.decomposition is not None and len(comp.decomposition.table):
        figures.insert(0, ("decomposition.png", waterfall, _waterfall_size(comp), 1))
    if all(name in comp.first for name in (comp.baseline, comp.policies[0])) and has_centres(comp.first[comp.baseline]):
        figures.append(("compare_centres.png", compare_centres, SIZES["compare_centres"], 2))
    if comp.mode == "psa":
        figures.append(("acceptability.png", acceptability, SIZES["acceptability"], 1))
        if comp.value_of_information() is not None:
            figures.append(("value_of_information.png", value_of_information, SIZES["acceptability"], 1))
    if comp.tornado is not None and len(comp.tornado):
        figures.append(("tornado.png", tornado, _tornado_size(comp), 1))
    names = []
    for name, fn, size, ncols in figures:
        _save(fn, comp, Path(folder) / name, size, dpi=100, ncols=ncols, sharey=name != "compare_centres.png")
        names.append(name)
    return names
