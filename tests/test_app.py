"""`dayshift app`, the policy explorer: its levers in a scenario's data, its comparison (compare's own
replications), its downloads, its messages, and the page itself in a real headless browser (Debian's Chromium,
driven by Playwright): moving a lever changes the headline the expected way.

`DAYSHIFT_APP_SCREENSHOT=docs/app.png .venv/bin/python -m pytest tests/test_app.py -k browser` writes the
screenshot the README shows.
"""

from __future__ import annotations

import html
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
import yaml

from helpers import ROOT, SCENARIOS, small, write_yaml
from model.analysis.compare import compare
from model.analysis.labels import money
from model.app import explore, levers
from model.cli import main
from model.compile.validate import load_scenario, parse_scenario
from model.scenario.problems import ScenarioError

CHROMIUM = os.environ.get("DAYSHIFT_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium calls home at start, and a closed network refuses it.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _baseline(**policy) -> dict:
    data = small(name="small_baseline")
    data["policy"].update(entry_route="day_service", funding={"model": "block", "lag_months": 0}, **policy)
    data["policy"]["referral"] = dict(data["policy"]["referral"], annual=0.05)
    return data


@pytest.fixture
def pair(tmp_path):
    policy = write_yaml(tmp_path, small(horizon={"years": 4}), "policy.yaml")
    base = _baseline()
    base["horizon"] = {"years": 4}
    return policy, write_yaml(tmp_path, base, "baseline.yaml")


# --- the levers -------------------------------------------------------------------------------------------

def test_levers_read_where_the_scenario_has_them():
    essex = load_scenario(SCENARIOS / "essex_live.yaml")
    values = levers.read(essex.data)
    assert values["employment_first"] and values["money_follows"] and values["kept_in_work"]
    assert values["referral"] == pytest.approx(100 * 40.3 / (40.3 + 175.2))  # the beta's mean, in percent
    assert values["budget"] == 150_000 and values["evidence_share"] == pytest.approx(80)
    assert values["lag_months"] == 3 and values["push_years"] == 0
    base = levers.read(load_scenario(SCENARIOS / "baseline.yaml").data)
    assert not base["employment_first"] and not base["money_follows"]


def test_levers_left_alone_leave_the_scenario_alone():
    essex = load_scenario(SCENARIOS / "essex_live.yaml")
    assert levers.apply(essex.data, levers.read(essex.data)) == essex.data  # distributions, correlation and all


def test_a_moved_lever_writes_a_plain_number_and_leaves_the_correlation():
    essex = load_scenario(SCENARIOS / "essex_live.yaml")
    values = dict(levers.read(essex.data), referral=25.0)
    data = levers.apply(essex.data, values)
    assert data["policy"]["referral"]["annual"] == 0.25
    assert "correlation" not in data  # it correlated the referral chance with one other value: nothing is left
    assert data["transitions"] == essex.data["transitions"]  # the other distributions stay
    assert levers.read(parse_scenario(yaml.safe_dump(data)).data)["referral"] == pytest.approx(25)


def test_every_lever_moves_its_part_of_the_scenario():
    data = small()
    base = _baseline()
    values = dict(levers.read(data), employment_first=False, referral=10, budget=0, evidence_share=90,
                  money_follows=False, lag_months=6, kept_in_work=True, push_years=2)
    out = levers.apply(data, values, base)
    p = out["policy"]
    assert p["entry_route"] == "day_service" and p["funding"] == {"model": "block", "lag_months": 6}
    assert p["referral"]["annual"] == {"years": [0, 2], "values": [0.1, 0.05]}  # then the baseline's
    assert p["employment_support"]["budget_per_year"] == {"years": [0, 2], "values": [0, 30000]}
    shares = {k: m["spend_share"] for k, m in p["employment_support"]["service_models"].items()}
    assert shares == {"evidence_based": 0.9, "other": pytest.approx(0.1)}
    assert out["costs"]["day_week"]["kept_in_work"] == levers.DEFAULT_KEPT_IN_WORK
    parse_scenario(yaml.safe_dump(out))  # a valid scenario
    off = levers.apply(out, dict(levers.read(out), kept_in_work=False))
    assert "kept_in_work" not in off["costs"]["day_week"]


def test_levers_a_scenario_cannot_move_say_why():
    data = small()
    data["policy"]["employment_support"]["service_models"] = {
        "ips": {"spend_share": 1.0, "job_outcome_rate": 0.5, "cost_per_job_outcome": 3000}}
    assert "evidence_based" in levers.available(data)["evidence_share"]
    assert levers.apply(data, dict(levers.read(data), evidence_share=50)) == data


# --- the comparison and the downloads ---------------------------------------------------------------------

def test_the_page_compares_as_compare_does(pair):
    policy, baseline = pair
    setup = explore.load(policy, baseline)
    out = explore.run(setup, setup.start_values)
    ref = compare(load_scenario(baseline), [load_scenario(policy)], reps=explore.RUNS, tornado=False)
    cols = ["extra_job_starts", "npv_saving", "saving_cashable_total", "break_even_year_cashable", "extra_in_work_final"]
    got, want = out.comparison.runs[cols], ref.runs[cols]
    assert got.to_numpy() == pytest.approx(want.to_numpy(), nan_ok=True)
    assert out.years == ["2024-25", "2025-26", "2026-27", "2027-28"]  # financial years
    cards = explore.cards(out)
    assert cards["in_work"]["mean"] == pytest.approx(ref.yearly.query("year == 4")["in_work_policy"].mean())


def test_levers_move_the_figures_the_expected_way(pair):
    setup = explore.load(*pair)
    start = explore.cards(explore.run(setup, setup.start_values))
    none = explore.cards(explore.run(setup, dict(setup.start_values, budget=0)))
    assert none["in_work"]["mean"] < start["in_work"]["mean"]  # no places, fewer jobs
    assert none["queue_peak"]["mean"] > start["queue_peak"]["mean"]  # and a longer waiting list


def test_downloads_are_a_valid_scenario_a_report_and_a_workbook(pair, tmp_path):
    setup = explore.load(*pair)
    values = dict(setup.start_values, referral=20.0, evidence_share=100)
    text = explore.scenario_yaml(setup, values)
    again = parse_scenario(text)
    assert again.name == "small_explored"
    assert levers.read(again.data)["referral"] == pytest.approx(20) and "referral to employment support 20%" in text
    out = explore.run(setup, values)
    files = explore.report_files(setup, out)
    assert b"<html" in files["report.html"][:200].lower()
    book = tmp_path / "book.xlsx"
    book.write_bytes(files["budget_impact.xlsx"])
    assert "totals" in openpyxl.load_workbook(book).sheetnames


def test_the_cards_speak_in_words_and_financial_years(pair):
    from model.app import page

    setup = explore.load(*pair)
    out = explore.run(setup, setup.start_values)
    cards = page.cards_html(out)
    assert "People in paid work, 2027-28" in cards and "95% of 5 runs" in cards
    assert "Cashable saving, 2024-25 to 2027-28" in cards and "£" in cards and "m<" in cards
    assert "(years 1 to 4)" in page.totals_html(out) and "DWP (benefits)" in page.totals_html(out)


def test_the_page_says_what_carries_the_saving_as_compare_does(tmp_path):
    """essex_live with the employment budget at nothing still 'saves' money: the page says how much of that its
    calibrated catch-all carries, and what the policy would save without it, with compare's figures."""
    from model.app import page

    setup = explore.load(SCENARIOS / "essex_live.yaml", SCENARIOS / "baseline.yaml")
    values = dict(setup.start_values, budget=0)
    out = explore.run(setup, values)
    got = explore.carried(setup, out)
    mine = tmp_path / f"{out.name}.yaml"
    mine.write_text(explore.scenario_yaml(setup, values))  # the page's download, as compare reads it
    ref = compare(load_scenario(SCENARIOS / "baseline.yaml"), [load_scenario(mine)], reps=explore.RUNS,
                  tornado=False, decomposition_runs=0)
    assert ref.seeds == setup.seeds
    want = ref.summary()
    assert len(got.carried_by) == len(want["carried_by"]) == 1
    g, w = got.carried_by[0], want["carried_by"][0]
    assert g["label"] == w["label"] == "the calibrated move from day centres to community day opportunities"
    assert g["share_of_saving"] == pytest.approx(w["share_of_saving"], rel=1e-9)
    assert g["npv_saving_without"]["mean"] == pytest.approx(w["npv_saving_without"]["mean"], rel=1e-9)
    assert got.npv_saving["mean"] == pytest.approx(want["npv_saving"]["mean"], rel=1e-9)
    # The saving shown rests on the catch-all: with no employment support it carries most of it or more.
    assert w["share_of_saving"] > 0.5 and w["npv_saving_without"]["mean"] < want["npv_saving"]["mean"]
    text = got.statements[0]
    without = w["npv_saving_without"]["mean"]
    assert text.startswith("The calibrated move from day centres to community day opportunities carries "
                           f"{100 * w['share_of_saving']:.0f}% of the {money(want['npv_saving']['mean'])} saving (discounted)")
    assert "(5 runs)" in text
    assert (f"without it the policy saves the council {money(without)}" if without >= 0 else
            f"without it the policy costs the council {money(-without)} more") in text
    shown = page.carried_html(setup, out, got)
    assert html.escape(text) in shown and "not a lever" in shown
    assert "catch-all" in page.carried_html(setup, out, None)  # said before it is worked out
    lines = explore.catch_all_lines(setup)
    assert len(lines) == 1 and lines[0].startswith("Not a lever here") and "community day opportunities" in lines[0]
    # The report written once the page has it says what the saving rests on.
    report = explore.report_files(setup, out, got.comparison)["report.html"].decode()
    assert "What this rests on" in report and "carries" in report


def test_the_catch_alls_runs_stop_when_the_page_moves_on():
    setup = explore.load(SCENARIOS / "essex_live.yaml", SCENARIOS / "baseline.yaml", runs=2)
    out = explore.run(setup, setup.start_values)
    with pytest.raises(explore.Abandoned):
        explore.carried(setup, out, stop=lambda: True)
    assert explore.carried(setup, explore.run(setup, dict(setup.start_values, budget=0)), stop=lambda: False)


def test_a_policy_without_catch_alls_has_nothing_to_carry(pair):
    setup = explore.load(*pair)
    assert explore.carried(setup, explore.run(setup, setup.start_values)) is None
    assert explore.catch_all_lines(setup) == []


def test_a_catch_all_a_lever_writes_says_so():
    assert levers.lever_at("policy.referral.annual") == "referral"
    assert levers.lever_at("policy.funding.lag_months") == "lag_months"
    assert levers.lever_at("transitions.day_service.community_day.annual") is None


def test_the_explorers_workings_leave_global_state_alone():
    code = ("import matplotlib, sys; before = matplotlib.get_backend(); import model.app.explore, model.app.charts, "
            "model.app.levers; print(before == matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules, "
            "'solara' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "MPLBACKEND": "svg"})
    assert out.stdout.split() == ["True", "False", "False"], out.stdout + out.stderr


def test_a_bad_scenario_is_one_line_in_words(tmp_path, capsys):
    bad = write_yaml(tmp_path, small(policy="no"), "bad.yaml")
    assert main(["app", str(bad), "--baseline", str(bad), "--no-browser", "--port", str(_free_port())]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "Traceback" not in err
    with pytest.raises(ScenarioError, match="population"):
        other = _baseline()
        other["population"] = dict(other["population"], initial=[{"state": "day_service", "count": 5}])
        explore.load(write_yaml(tmp_path, small(), "p.yaml"), write_yaml(tmp_path, other, "b.yaml"))


def test_a_port_in_use_is_said_in_words(pair, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        policy, baseline = pair
        assert main(["app", str(policy), "--baseline", str(baseline), "--no-browser", "--port", str(port)]) == 1
    assert f"port {port}" in capsys.readouterr().err


# --- the page in a real browser ---------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_server():
    """`dayshift app` on essex_live against the baseline, as a user starts it, on a free port."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "model.cli", "app", "--no-browser", "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"dayshift app stopped: {proc.stdout.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("dayshift app did not start serving within 90 s")
    yield f"http://127.0.0.1:{port}/"
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("£", "").replace("m", ""))


@pytest.mark.slow
def test_browser_moving_a_lever_changes_the_headline(app_server, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium (apt-get install chromium), "
                    "or give the path of a Chromium in DAYSHIFT_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1050})
        try:
            page.goto(app_server)
            in_work = page.get_by_test_id("in-work-value")
            in_work.wait_for(timeout=60_000)
            waiting = page.get_by_test_id("waiting-value")
            before, queue_before = _number(in_work.inner_text()), _number(waiting.inner_text())
            page.get_by_role("button", name="Scenario (YAML)").wait_for(timeout=30_000)  # the page has settled
            assert page.get_by_test_id("lever-budget").inner_text().startswith("£150,000 a year")

            # The employment budget to nothing: fewer people in work, a longer waiting list.
            t0 = time.perf_counter()
            page.locator(".ds-lever-budget [role=slider]").focus()
            page.keyboard.press("Home")
            page.wait_for_function("(b) => document.querySelector('[data-testid=in-work-value]').innerText != b",
                                   arg=in_work.inner_text(), timeout=30_000, polling=100)
            seconds = time.perf_counter() - t0
            page.wait_for_function("() => document.querySelector('[data-testid=status]').dataset.busy == '0'"
                                   " && !document.querySelector('.ds-charts.ds-stale')", timeout=30_000, polling=100)
            after, queue_after = _number(in_work.inner_text()), _number(waiting.inner_text())
            assert page.get_by_test_id("lever-budget").inner_text().startswith("£0 a year")
            assert after < before and queue_after > queue_before, (before, after, queue_before, queue_after)
            print(f"headline changed {seconds:.1f} s after the lever moved; "
                  f"{page.get_by_test_id('status').inner_text()}")

            # What carries the saving follows the figures: the catch-all's share and the saving without it.
            carried = page.get_by_test_id("carried")
            page.wait_for_function("() => document.querySelector('[data-testid=carried]').dataset.busy == '0'",
                                   timeout=60_000, polling=100)
            print(f"what carries the saving shown {time.perf_counter() - t0:.1f} s after the lever moved")
            words = carried.inner_text()
            assert "community day opportunities carries" in words and "without it the policy" in words, words
            assert "Not a lever here" in page.get_by_test_id("catch-all-0").inner_text()
            shot = Path(os.environ.get("DAYSHIFT_APP_SCREENSHOT", tmp_path / "app.png"))
            page.screenshot(path=str(shot), full_page=False)
            assert shot.stat().st_size > 10_000

            # The scenario as set downloads as YAML that reads back with the budget at nothing.
            with page.expect_download() as got:
                page.get_by_role("button", name="Scenario (YAML)").click()
            text = Path(got.value.path()).read_text()
            assert levers.read(parse_scenario(text).data)["budget"] == 0

            # A file of one's own that is not there: the scenario's message in words on the page.
            page.get_by_role("button", name="Policy").click()
            page.get_by_role("option", name="Your own file...").click()
            page.get_by_label("Path to a scenario file (YAML)").fill(str(tmp_path / "mine.yaml"))
            page.get_by_role("button", name="Use this file").click()
            error = page.locator(".ds-scenario-error")
            error.wait_for(timeout=30_000)
            assert "mine.yaml" in error.inner_text() and "file not found" in error.inner_text()
        finally:
            browser.close()
