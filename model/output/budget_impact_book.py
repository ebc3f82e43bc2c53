"""`budget_impact.xlsx`: a comparison's budget-impact view as a workbook, since finance teams work in Excel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from model.analysis.compare import Comparison

_ABOUT = [
    "Budget impact: what each policy saves against the baseline, in pounds of the price year, undiscounted,",
    "year by year (ISPOR's convention for budget-impact analysis). Positive: a saving; negative: a cost.",
    "Each figure is the mean over the comparison's runs; summary.json gives the intervals.",
    "",
    "totals: the first one to five financial years and the whole horizon, by payer, and how much of the",
    "  council's saving is cashable.",
    "by payer: the council, the DWP (benefits paid) and HMRC (tax and National Insurance received).",
    "by service: the council's saving by service line; day-centre fixed costs and up-front investment apart.",
    "cashable: savings the council can bank (released budget: a centre closed, a package or block ended) and",
    "  those it cannot (capacity freed but still paid for), by each service's cashable_share in the scenario.",
]


def write_budget_impact(comp: Comparison, folder: Path) -> Path:
    """Write the workbook into a results folder being built: an about sheet, then each policy's views."""
    path = Path(folder) / "budget_impact.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        about = pd.DataFrame({"budget impact": _ABOUT + ["", f"baseline: {comp.baseline}"] +
                              [f"policy {i + 1}: {name}" for i, name in enumerate(comp.policies)]})
        about.to_excel(book, sheet_name="about", index=False)
        for i, name in enumerate(comp.policies):
            for view, table in comp.budget_impact(name).items():
                sheet = view if len(comp.policies) == 1 else f"{i + 1} {view}"
                table.round(2).to_excel(book, sheet_name=sheet[:31], index=False)
    return path
