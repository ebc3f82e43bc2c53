"""The ledger owns its figures: engines record through its methods, and every monthly column has one
declared kind that the financial-year table follows."""

from __future__ import annotations

import ast

import numpy as np

from helpers import ROOT, small
from model.compile.validate import validate_scenario
from model.engine.ledger import CALENDAR, FLOW, MONEY, RATE, STOCK, column_kinds
from model.engine.simulate import simulate


def _writes_a_ledger_field(target: ast.expr) -> bool:
    """Whether an assignment target is a field of a ledger (`led.x`, `led.x[i]`, `self.ledger.x`)."""
    while isinstance(target, ast.Subscript):
        target = target.value
    if not isinstance(target, ast.Attribute):
        return False
    owner = target.value
    return (isinstance(owner, ast.Name) and owner.id in ("led", "ledger")) or (
        isinstance(owner, ast.Attribute) and owner.attr in ("led", "ledger"))


def test_engines_never_write_ledger_fields():
    for path in (ROOT / "model" / "engine").glob("*.py"):
        if path.name == "ledger.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else [])
            for t in targets:
                assert not _writes_a_ledger_field(t), (
                    f"{path.name}:{node.lineno} writes a ledger field; call a CycleLedger method instead")


def test_every_column_has_a_kind_and_years_follow_it():
    res = simulate(validate_scenario(small(horizon={"years": 2})), seed=4)
    kinds = column_kinds(res.spec)
    assert list(kinds) == list(res.monthly.columns)
    assert set(kinds.values()) <= {CALENDAR, STOCK, FLOW, MONEY, RATE}
    m, y = res.monthly, res.yearly
    last = m.groupby("fiscal_year", sort=False).tail(1).reset_index(drop=True)
    sums = m.groupby("fiscal_year", sort=False).sum(numeric_only=True).reset_index(drop=True)
    recomputed = {"proactive_share", "mean_wait_admitted_months"}
    for column, kind in kinds.items():
        if kind == CALENDAR or column in recomputed:
            continue
        expected = last[column] if kind in (STOCK, RATE) else sums[column]
        assert np.allclose(y[column].to_numpy(float), expected.to_numpy(float), equal_nan=True), column
