"""The budget-impact view (issue 15.4-5): cashable and non-cashable savings by hand, break-even on cashable
savings after up-front costs, and budget_impact.xlsx read back from a comparison folder."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from helpers import small, write_yaml
from model import validate_scenario
from model.analysis.budget_impact import break_even_year, by_year
from model.analysis.compare import compare
from model.cli import main
from model.engine.simulate import simulate


def _pair(years: int = 4):
    base = small(name="base", horizon={"years": years}, start="2024-04")
    base["policy"]["entry_route"] = "day_service"
    base["policy"]["referral"]["annual"] = 0.1
    base["policy"]["funding"] = {"model": "block"}
    pol = small(name="policy", horizon={"years": years}, start="2024-04")
    return base, pol


def test_break_even_is_the_year_the_cumulative_saving_stays_positive():
    assert break_even_year(np.array([5.0, 1.0])) == 1.0
    assert break_even_year(np.array([-5.0, 3.0, 3.0])) == 3.0
    assert break_even_year(np.array([-5.0, 6.0, -2.0, 3.0])) == 4.0
    assert np.isnan(break_even_year(np.array([-5.0, 1.0])))


@pytest.mark.parametrize("share", [0.0, 0.4, 1.0])
def test_cashable_savings_by_hand(share):
    base, pol = _pair()
    for d in (base, pol):
        d["services"]["day_services"]["cashable_share"] = share
    b, p = validate_scenario(base), validate_scenario(pol)
    comp = compare(b, [p], reps=1, tornado=False)
    y = comp.yearly
    bm, pm = simulate(b._compiled, seed=comp.seed).monthly, simulate(p._compiled, seed=comp.seed).monthly
    spec = b._compiled
    centres = sum(by_year(bm, spec, c) - by_year(pm, spec, c) for c in ("day_centre_fixed", "day_centre_double_running"))
    expected = centres.copy()
    for s in spec.costs.services:
        running = by_year(bm, spec, f"cost_{s}") - by_year(pm, spec, f"cost_{s}")
        if s == "day_services":
            running = running - centres
        cashable = share if s == "day_services" else 0.0  # the other services say nothing: the default, 0
        expected = expected + np.where(running > 0, cashable * running, running)
    np.testing.assert_allclose(y["saving_cashable"], expected, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(y["saving_cashable"] + y["saving_non_cashable"], y["saving_undiscounted"], rtol=1e-9)


def test_up_front_costs_put_cashable_break_even_later_than_year_1():
    base, pol = _pair(years=6)
    for d in (base, pol):
        d["services"] = {k: dict(v, cashable_share=1.0) for k, v in d["services"].items()}
    plain = compare(validate_scenario(base), [validate_scenario(pol)], reps=1, tornado=False).summary()
    assert plain["break_even_year_cashable"]["mean"] >= 1.0
    invest = copy.deepcopy(pol)
    invest["policy"]["investment"] = [{"label": "seed funding", "cost": 400000, "from": "2024-04", "months": 12}]
    s = compare(validate_scenario(base), [validate_scenario(invest)], reps=1, tornado=False).summary()
    assert s["investment_total"]["mean"] == pytest.approx(400000)
    assert s["break_even_year_cashable"]["mean"] > max(1.0, plain["break_even_year_cashable"]["mean"])
    assert s["break_even_year"]["mean"] >= plain["break_even_year"]["mean"]
    assert s["saving_cashable_total"]["mean"] == pytest.approx(plain["saving_cashable_total"]["mean"] - 400000)


def test_the_comparison_folder_holds_a_workbook_that_reads_back(tmp_path):
    base, pol = _pair()
    b, p = write_yaml(tmp_path, base, "base.yaml"), write_yaml(tmp_path, pol, "pol.yaml")
    out = tmp_path / "cmp"
    assert main(["compare", str(b), str(p), "--out", str(out), "--no-progress"]) == 0
    book = pd.read_excel(out / "budget_impact.xlsx", sheet_name=None)
    assert list(book) == ["about", "totals", "by payer", "by service", "cashable"]
    payer = book["by payer"]
    assert payer["year from start"].tolist() == ["2024-25", "2025-26", "2026-27", "2027-28"]
    np.testing.assert_allclose(payer["taxpayer"], payer["council"] + payer["DWP (benefits)"] + payer["HMRC (tax and NI)"],
                               atol=0.02)
    totals = book["totals"].set_index("years")
    assert totals.loc["2024-25 to 2027-28 (years 1 to 4)", "council"] == pytest.approx(payer["council"].sum(), abs=0.05)
    cash = book["cashable"]
    np.testing.assert_allclose(cash["cashable"] + cash["non-cashable"], payer["council"], atol=0.02)
    assert "of which cashable" in (out / "report.html").read_text()
