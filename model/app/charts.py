"""The explorer's figures, as PNG bytes: people in paid work, council spend, the cashable saving and the
waiting list, by financial year, policy against baseline, each with the spread of its runs.

Drawn on `matplotlib.figure.Figure` outside pyplot (no backend is chosen). The policy is dark blue and solid,
the baseline light orange and dashed (the project's pair of colours, told apart by colour-blind readers and in
grey by lightness and line style); bands and bars say how many runs they span.
"""

from __future__ import annotations

import io

import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.app.explore import Outcome
from model.output.plots import COST_COLOUR, SAVING_COLOUR, literal

POLICY, BASELINE = SAVING_COLOUR, COST_COLOUR  # the colours the plots give a saving and a cost
SIZE = (6.4, 3.3)


def _spread(t: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, 2.5% and 97.5% points across runs, by year."""
    g = t.groupby("year")[column]
    return g.mean().to_numpy(), g.quantile(0.025).to_numpy(), g.quantile(0.975).to_numpy()


def _years_axis(ax, labels: list[str]) -> None:
    x = np.arange(1, len(labels) + 1)
    every = max(1, int(np.ceil(len(labels) / 6)))
    ax.set_xticks(x[::every])
    ax.set_xticklabels([labels[i - 1] for i in x[::every]], fontsize=8)
    ax.set_xlim(0.5, len(labels) + 0.5)
    ax.set_xlabel("Financial year" if all(len(s) == 7 for s in labels) else "Year of the projection")
    ax.grid(axis="y", color="#dde3e8", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _two_lines(out: Outcome, column: str, title: str, ylabel: str, scale: float = 1.0, money: bool = False) -> bytes:
    """Policy against baseline, each with its band across runs."""
    fig = Figure(figsize=SIZE)
    ax = fig.subplots()
    t = out.table
    x = np.arange(1, len(out.years) + 1)
    runs = int(t["run"].nunique())
    for who, colour, style, name in (("baseline", BASELINE, "--", f"baseline ({literal(out.comparison.baseline)})"),
                                     ("policy", POLICY, "-", f"policy ({literal(out.name)})")):
        mean, low, high = (v[: len(x)] / scale for v in _spread(t, f"{column}_{who}"))
        ax.fill_between(x, low, high, color=colour, alpha=0.25, linewidth=0)
        ax.plot(x, mean, style, color=colour, linewidth=2.2, label=name)
    ax.set_title(title, fontsize=11, loc="left")
    ax.set_ylabel(ylabel)
    if money:
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"£{v:,.1f}m"))
    else:
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_ylim(bottom=0)
    _years_axis(ax, out.years)
    handles, labels = ax.get_legend_handles_labels()
    band = matplotlib.patches.Patch(color="#9aa5ab", alpha=0.4, label=f"shaded: 95% of {runs} runs")
    ax.legend(handles + [band], labels + [band.get_label()], fontsize=8, frameon=False, loc="best")
    return _png(fig)


def people_in_work(out: Outcome) -> bytes:
    return _two_lines(out, "in_work", "People in paid work at the end of each year", "People")


def spend(out: Outcome) -> bytes:
    return _two_lines(out, "cost", "Council spend by year (undiscounted)", "£ million", scale=1e6, money=True)


def waiting_list(out: Outcome) -> bytes:
    return _two_lines(out, "queue", "Waiting list for employment support at the end of each year", "People")


def cashable_saving(out: Outcome) -> bytes:
    """The policy's cashable saving by year (bars: blue a saving, orange hatched a cost), with the spread of
    the runs, and the running total that decides the break-even year."""
    fig = Figure(figsize=SIZE)
    ax = fig.subplots()
    t = out.table
    x = np.arange(1, len(out.years) + 1)
    runs = int(t["run"].nunique())
    mean, low, high = (v[: len(x)] / 1e6 for v in _spread(t, "saving_cashable"))
    saving = mean >= 0
    ax.bar(x[saving], mean[saving], color=POLICY, label="cashable saving")
    ax.bar(x[~saving], mean[~saving], color=BASELINE, hatch="//", edgecolor="#7a5a1a", linewidth=0,
           label="extra cost")
    ax.errorbar(x, mean, yerr=[mean - low, high - mean], fmt="none", ecolor="#2e3a44", elinewidth=0.9, capsize=2,
                label=f"95% of {runs} runs")
    cumulative = t.assign(c=t.groupby("run")["saving_cashable"].cumsum()).groupby("year")["c"].mean().to_numpy()
    ax.plot(x, cumulative[: len(x)] / 1e6, color="#2e3a44", linewidth=1.6, marker="o", markersize=3,
            label="running total")
    ax.axhline(0, color="#2e3a44", linewidth=0.8)
    ax.set_title("Cashable saving to the council by year", fontsize=11, loc="left")
    ax.set_ylabel("£ million")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"£{v:,.1f}m"))
    _years_axis(ax, out.years)
    ax.legend(fontsize=8, frameon=False, loc="best")
    return _png(fig)


FIGURES = (
    ("people_in_work", people_in_work, "People in paid work by year, policy (solid dark blue) against baseline "
                                       "(dashed orange), shaded across the runs."),
    ("spend", spend, "Council spend by year in pounds million, policy against baseline, shaded across the runs."),
    ("cashable_saving", cashable_saving, "Cashable saving by year in pounds million (bars) and its running total "
                                         "(line); the break-even year is where the running total stays above zero."),
    ("waiting_list", waiting_list, "Waiting list for employment support at the end of each year, policy against "
                                   "baseline."),
)
