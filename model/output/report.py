"""A one-page HTML report of a results folder: the answer in plain words, then the pictures.

Figures are embedded in the page (base64 PNG), so it opens anywhere without a network.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from model.output.files import write_text_atomic

RUN_FIGURES = (
    ("states.png", "People by service over time."),
    ("budget_shift.png", "Budget shift: the share of spend that is proactive (employment support) rather than "
                         "reactive (bars), and the share of the starting budget no longer spent reactively (line)."),
    ("costs.png", "Council spend by service, by financial year."),
)
# The figures for analysts (the rest answer a commissioner) follow an "For analysts" heading.
ANALYST_FIGURES = ("ce_plane.png", "acceptability.png", "value_of_information.png", "tornado.png")
COMPARISON_FIGURES = (
    ("compare_states.png", "People by service under the baseline and the policy (one run of each)."),
    ("compare_budget_shift.png", "Budget shift: the proactive share of spend (solid) and the starting budget no "
                                 "longer spent reactively (dashed), baseline against policy."),
    ("budget_impact.png", "Yearly budget impact: what the council saves (blue) or spends extra (orange), with 95% intervals."),
    ("ce_plane.png", "Cost-effectiveness plane: one point per run; below zero the policy saves money."),
    ("acceptability.png", "Acceptability: the chance the policy is worth it at each willingness to pay per extra job."),
    ("value_of_information.png", "Value of information: what knowing all parameters (EVPI), or one group of them "
                                 "(EVPPI), before choosing would be worth to the council, by willingness to pay."),
    ("tornado.png", "Tornado: how the discounted saving moves as each uncertain parameter goes from its 2.5% to its 97.5% point."),
)

_STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #1d2731; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } .sub { color: #5b6770; margin-top: 0; }
.answer { font-size: 1.2rem; background: #eef5fb; border-left: 5px solid #1b6ca8; padding: 0.8rem 1rem; }
table { border-collapse: collapse; margin: 1rem 0; } td, th { padding: 0.25rem 0.8rem; border-bottom: 1px solid #dde3e8;
       text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.5rem 0; } figure img { max-width: 100%; } figcaption { color: #5b6770; font-size: 0.9rem; }
.foot { color: #7a8790; font-size: 0.8rem; margin-top: 2rem; }
"""


def _money(v) -> str:
    return "n/a" if v is None else f"{'-' if v < 0 else ''}£{abs(v) / 1e6:,.2f}m"


def _pounds(v) -> str:
    return "n/a" if v is None else f"{'-' if v < 0 else ''}£{abs(v):,.0f}"


def _range(d: dict, money: bool = False, pounds: bool = False) -> str:
    if not d or d.get("mean") is None:
        return "n/a"
    f = _pounds if pounds else _money if money else (lambda v: f"{v:,.0f}")
    if d.get("low") is None or d["low"] == d["high"]:
        return f(d["mean"])
    return f"{f(d['mean'])} ({f(d['low'])} to {f(d['high'])})"


def _figure(folder: Path, name: str, caption: str) -> str:
    data = base64.b64encode((folder / name).read_bytes()).decode("ascii")
    return (f'<figure id="{html.escape(name[:-4])}"><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _run_page(summary: dict) -> tuple[str, str, list[tuple[str, str]]]:
    years = summary.get("in_work_by_year", {})
    last = max(years, key=int) if years else None
    answer = (f"After {int(last)} years, {years[last]} people are in paid work. " if last else "") + (
        f"There are {summary['job_starts_total']} job starts, {summary['job_starts_from_day_service']} of them "
        f"straight from day services. The council spends {_money(summary['cost_total_undiscounted'])} in all "
        f"({_money(summary['cost_total_discounted'])} discounted, {summary['price_year']} prices).")
    rows = [("People at the start", f"{summary['people_at_start']:,}"),
            ("People entering over the horizon", f"{summary['entrants_total']:,}"),
            ("Job starts", f"{summary['job_starts_total']:,}"),
            ("Council cost, undiscounted", _money(summary["cost_total_undiscounted"])),
            ("Council cost, discounted", _money(summary["cost_total_discounted"]))]
    return f"{summary['scenario']}", answer, rows


def _negated(d: dict) -> dict:
    return {k: (-v if isinstance(v, (int, float)) and k in ("mean", "low", "high") else v) for k, v in d.items()} | (
        {"low": -d["high"], "high": -d["low"]} if d.get("low") is not None and d.get("high") is not None else {})


def _comparison_page(summary: dict) -> tuple[str, str, list[tuple[str, str]]]:
    u = summary.get("uncertainty", {})
    rows = [("Runs", f"{summary['runs']} ({'parameter draws' if summary['mode'] == 'psa' else 'replications'})"),
            ("What the intervals cover", u.get("covers", "")),
            ("Extra job starts over the horizon", _range(summary["extra_job_starts"])),
            ("Discounted saving to the council (NPV)", _range(summary["npv_saving"], money=True)),
            ("Discounted saving to the public purse", _range(summary["npv_saving_public_purse"], money=True)),
            ("Chance the policy saves the council money", f"{100 * summary['prob_saves_money']:.0f}%"),
            ("Council saving per extra job start", _range(_negated(summary["cost_per_extra_job"]), pounds=True)),
            ("Break-even year (from which the cumulative saving stays positive)", _range(summary["break_even_year"])),
            # The budget-impact view (budget_impact.xlsx): undiscounted, banked or not, and who gains.
            ("Saving to the council over the horizon, undiscounted",
             _range(summary["saving_undiscounted_total"], money=True)),
            ("of which cashable (budget released: centres closed, packages and blocks ended)",
             _range(summary["saving_cashable_total"], money=True)),
            ("of which not cashable (capacity freed but still paid for)",
             _range(summary["saving_non_cashable_total"], money=True)),
            ("Up-front investment (included above)", _range(summary["investment_total"], money=True)),
            ("Break-even year on cashable savings", _range(summary["break_even_year_cashable"])
             if summary["share_never_breaking_even_cashable"] < 1 else "never within the horizon"),
            ("Saving to the DWP (benefits), undiscounted", _range(summary["saving_dwp_total"], money=True)),
            ("Saving to HMRC (more tax and NI), undiscounted", _range(summary["saving_hmrc_total"], money=True)),
            ("Saving per extra person-year in work: council", _range(summary["council_saving_per_extra_person_year"],
                                                                     pounds=True)),
            ("Saving per extra person-year in work: taxpayer (council, DWP, HMRC)",
             _range(summary["taxpayer_saving_per_extra_person_year"], pounds=True))]
    for c in summary.get("carried_by", []):
        share = "n/a" if c["share_of_saving"] is None else f"{100 * c['share_of_saving']:.0f}%"
        rows.append((f"Of the saving, carried by {c['label']} (calibrated; without it: "
                     f"{_range(c['npv_saving_without'], money=True)})", share))
    title = f"{', '.join(summary['policies'])} compared with {summary['baseline']}"
    return title, summary["headline"], rows


def write_report(folder: str | Path) -> Path:
    """Write `report.html` into a results folder (a run's or a comparison's)."""
    folder = Path(folder)
    summary = json.loads((folder / "summary.json").read_text())
    manifest = json.loads((folder / "manifest.json").read_text()) if (folder / "manifest.json").exists() else {}
    comparison = "policies" in summary
    title, answer, rows = (_comparison_page if comparison else _run_page)(summary)
    shown = [(n, c) for n, c in (COMPARISON_FIGURES if comparison else RUN_FIGURES) if (folder / n).exists()]
    figures = [_figure(folder, n, c) for n, c in shown if n not in ANALYST_FIGURES]
    analyst = [_figure(folder, n, c) for n, c in shown if n in ANALYST_FIGURES]
    if analyst:
        figures += ["<h2>For analysts</h2><p>The uncertainty behind the answer: runs on the cost-effectiveness "
                    "plane, how likely the policy is worth it, what resolving the uncertainty would be worth, and "
                    "which assumptions move the saving most.</p>", *analyst]
    notes = "".join(f"<p>{html.escape(n)}</p>" for n in summary.get("notes", []))
    table = "".join(f"<tr><th>{html.escape(k)}</th><td class='num'>{html.escape(v)}</td></tr>" for k, v in rows)
    git = manifest.get("git", {})
    foot = (f"dayshift {manifest.get('versions', {}).get('dayshift', '')}, seed {manifest.get('seed', summary.get('seed'))}, "
            f"commit {git.get('commit') or 'unknown'}{' (uncommitted changes)' if git.get('dirty') else ''}, "
            f"created {manifest.get('created_utc', '')}.")
    page = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p class='sub'>dayshift projection</p><p class='answer'>{html.escape(answer)}</p>{notes}"
            f"<table>{table}</table>{''.join(figures)}<p class='foot'>{html.escape(foot)}</p></body></html>")
    return write_text_atomic(folder / "report.html", page)
