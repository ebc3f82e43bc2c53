"""The reports: a run's leads with its description and its own figures, a comparison's with the saving, where
it comes from and what it rests on; time in financial years and money to three figures throughout."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from helpers import small
from model import simulate, validate_scenario
from model.analysis.compare import compare
from model.output.results_folder import write_comparison, write_results


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.figures, self.headings, self.text, self._tag = [], [], [], None

    def handle_starttag(self, tag, attrs):
        self._tag = tag
        if tag == "figure":
            self.figures.append(dict(attrs).get("id"))

    def handle_data(self, data):
        if self._tag in ("h1", "h2"):
            self.headings.append(data)
        self.text.append(data)


def _read(folder) -> _Page:
    page = _Page()
    page.feed((folder / "report.html").read_text())
    return page


def _no_other_time_words(text: str) -> None:
    assert "Year ending" not in text and not re.search(r"\byear \d+\b(?! of the policy\))(?!\))", text)
    assert not re.search(r"£\d[\d,]*\.\d\dm", text)  # never to the penny of a million


@pytest.fixture(scope="module")
def comparison_folder(tmp_path_factory):
    base = small(name="base", description="What happens now: day services first.")
    base["policy"].update(entry_route="day_service", funding={"model": "block"})
    base["policy"]["referral"]["annual"] = 0.1
    pol = small(name="policy", description="A new policy: employment first, and the money follows the person.")
    pol["policy"]["investment"] = [{"label": "a team", "cost": 120000, "from": "2024-04", "months": 12}]
    pol["catch_alls"] = [{"path": "policy.referral.annual", "without": 0.1, "label": "the calibrated referral rate"}]
    for d in (base, pol):
        d["transitions"]["supported_employment"]["day_service"]["annual"] = {"dist": "beta", "a": 20, "b": 80}
    comp = compare(validate_scenario(base), [validate_scenario(pol)], reps=2)
    out = tmp_path_factory.mktemp("cmp") / "cmp"
    write_comparison(comp, out, {"base": ("base.yaml", "base"), "policy": ("policy.yaml", "policy")})
    return out, comp


def test_a_comparison_leads_with_the_saving_then_explains_it(comparison_folder):
    out, comp = comparison_folder
    page = _read(out)
    text = " ".join(page.text)
    answer = comp.headline()
    assert answer.startswith("Over 3 years (2024-25 to 2026-27), policy ")
    assert "the council" in answer.split(".")[0]  # the first sentence is the saving (or the extra cost)
    assert "A new policy: employment first" in text  # the policy's own description
    assert page.headings[1:3] == ["Where the saving comes from", "What this rests on"]
    assert "decomposition" in page.figures
    for lever in ("Money follows the person (after 2 months)", "Referral rate to employment support",
                  "Up-front investment and set-up costs"):
        assert lever in text
    assert "The calibrated referral rate carries" in text and "it is a calibrated value standing for" in text
    assert "Chance a year of moving from supported employment to day service" in text  # the tornado's widest
    _no_other_time_words(text)


def test_the_decomposition_is_written_as_a_table_and_in_the_summary(comparison_folder):
    out, comp = comparison_folder
    table = pd.read_csv(out / "decomposition.csv")
    summary = json.loads((out / "summary.json").read_text())
    assert set(table["key"]) == {"entry_route", "referral", "funding", "investment"}
    d = summary["decomposition"]
    assert d["runs"] == 1 and d["method"] == "exact" and d["subsets"] == 16
    assert sum(lv["npv_saving"] for lv in d["levers"]) == pytest.approx(d["total"]["npv_saving"], rel=1e-9)
    assert d["total"]["npv_saving"] == pytest.approx(comp.runs["npv_saving"].iloc[0], rel=1e-9)  # the first run
    kinds = [r["kind"] for r in summary["rests_on"]]
    assert kinds[0] == "catch-all" and "swing" in kinds


def test_a_run_report_leads_with_the_description_and_shows_centres_and_no_service(tmp_path):
    res = simulate(validate_scenario(small(description="A small council: employment first. More words.")))
    out = write_results(res, tmp_path / "run", "text")
    page = _read(out)
    text = " ".join(page.text)
    assert page.headings[0] == "A small council"
    assert "centres" in page.figures
    assert "people have no day-time service at the end" in text and "Day centres open" in text
    assert "now goes to employment and in-work support" in text and "no longer spent at all" in text
    assert "one run" in text and "By the end of 2026-27" in text
    _no_other_time_words(text)


@pytest.mark.slow
def test_essex_live_against_the_baseline_explains_its_saving(tmp_path):
    from helpers import SCENARIOS
    from model import load_scenario

    base, pol = load_scenario(SCENARIOS / "baseline.yaml"), load_scenario(SCENARIOS / "essex_live.yaml")
    comp = compare(base, [pol], reps=2, tornado=False)
    out = write_comparison(comp, tmp_path / "cmp", {"baseline": ("b", "b"), "essex_live": ("e", "e")})
    page = _read(out)
    text = " ".join(page.text)
    assert {"Where the saving comes from", "What this rests on"} <= set(page.headings)
    d = comp.decomposition
    assert set(d.table["key"]) == {"entry_route", "referral", "budget", "service_models", "funding", "investment",
                                   "transitions.day_service.community_day"}
    assert d.table["npv_saving"].sum() == pytest.approx(comp.runs["npv_saving"].iloc[0], rel=1e-9)
    assert d.table["key"].iloc[0] == "transitions.day_service.community_day"  # the calibrated move carries most
    assert "Money follows the person (after 3 months)" in text and "carries" in text
