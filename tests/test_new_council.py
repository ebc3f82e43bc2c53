"""`dayshift new`: a council's baseline and policy from a few answers, valid at once, never over a user's files."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from helpers import ROOT
from model.cli import main
from model.compile.validate import load_scenario
from model.engine.simulate import simulate
from model.output.council_questions import QUESTIONS, ask
from model.output.new_council import fill

NEW = ["new", "--yes", "--council", "Northshire", "--day-centre-users", "1200", "--start", "2026-04"]


def test_new_writes_two_valid_scenarios_that_run(tmp_path, capsys):
    out = tmp_path / "northshire"
    assert main([*NEW, "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "both valid" in said and f"dayshift compare {out}/baseline.yaml {out}/policy.yaml" in said
    base, policy = load_scenario(out / "baseline.yaml"), load_scenario(out / "policy.yaml")
    assert (base.name, policy.name) == ("northshire_baseline", "northshire_policy")
    assert base.notes == [] and policy.notes == []
    assert {g.state: g.count for g in base.population.initial}["day_service"] == 1200
    assert base.start == "2026-04" and policy.population.inflow.per_year == base.population.inflow.per_year
    assert policy.policy.entry_route == "employment_first" and base.policy.entry_route == "day_service"
    text = (out / "baseline.yaml").read_text()
    assert "you said: people in day centres" in text and "CHECK" in text
    for sc in (base, policy):  # a short run of each: the files run as written
        result = simulate(sc, seed=1)
        assert result.yearly["n_paid_work"].iloc[-1] > 0


def test_new_never_writes_over_a_users_files(tmp_path, capsys):
    out = tmp_path / "council"
    out.mkdir()
    (out / "baseline.yaml").write_text("mine\n")
    assert main([*NEW, "--out", str(out)]) == 1
    assert "already exists; nothing was written" in capsys.readouterr().err
    assert (out / "baseline.yaml").read_text() == "mine\n" and not (out / "policy.yaml").exists()
    assert main([*NEW, "--out", str(out), "--force"]) == 0


def test_answers_are_asked_and_a_bad_answer_asked_again(capsys):
    replies = iter(["Westshire", "2025-04-01", "2025-04", "800", "", "", "", "", "", "", "", "", "", ""])
    answers = ask({}, interactive=True, read=lambda prompt: next(replies))
    assert answers["council"] == "Westshire" and answers["start"] == "2025-04" and answers["day_centre_users"] == 800
    assert "write a month as YYYY-MM, e.g. 2026-04 (got '2025-04-01')" in capsys.readouterr().err
    assert answers["entrants"] == round(800 * 23 / 800) and answers["needs"] is None


def test_needs_by_band_become_the_mix_and_must_add_up(tmp_path, capsys):
    assert main([*NEW, "--needs", "240,420,360,180", "--out", str(tmp_path / "a")]) == 0
    assert "band_mix: {low: 0.2, moderate: 0.35, high: 0.3, complex: 0.15}" in (tmp_path / "a/baseline.yaml").read_text()
    assert main([*NEW, "--needs", "240,420,360,100", "--out", str(tmp_path / "b")]) == 2
    assert "sum to 1120, not to the 1200 day-centre users" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_a_bad_option_is_refused_with_an_example(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["new", "--yes", "--start", "01/04/2026"])
    assert exc.value.code == 2
    assert "write a month as YYYY-MM, e.g. 2026-04 (got '01/04/2026')" in capsys.readouterr().err


def test_every_question_has_an_option_and_a_default():
    answers = ask({}, interactive=False)
    assert set(answers) == {q.key for q in QUESTIONS} | {"_said"} and answers["_said"] == set()
    assert answers["day_centre_users"] > 0 and re.fullmatch(r"\d{4}-04", answers["start"])


def test_the_shipped_template_is_what_new_writes():
    """scenarios/template/ is `dayshift new --yes --council Template` on the date in its first line."""
    folder = ROOT / "scenarios" / "template"
    written = (folder / "baseline.yaml").read_text()
    day = dt.date.fromisoformat(re.search(r"on (\d{4}-\d\d-\d\d)", written)[1])
    answers = ask({"council": "Template", "start": re.search(r"^start: (\S+)", written, re.M)[1]}, False)
    texts = fill(answers, "baseline.yaml", "policy.yaml", "scenarios/template", today=day)
    assert texts == (written, (folder / "policy.yaml").read_text()), "regenerate: dayshift new --yes --council Template --start <its start> --out scenarios/template --force"
