"""A one-page HTML report of a results folder: the answer in plain words, then the pictures.

A run's report leads with the scenario's description and its own figures; a comparison's with the saving,
then where the saving comes from (by lever) and what it rests on. Time is in financial years (2024-25), money
to three figures at most. Figures are embedded in the page (base64 PNG), so it opens anywhere without a network.
"""

from __future__ import annotations

import base64
import html
import json
import math
from pathlib import Path

import pandas as pd

from model.analysis.compare import negated
from model.analysis.labels import financial_year, money
from model.output.files import write_text_atomic
from model.output.plots import shift_parts

RUN_FIGURES = (
    ("states.png", "People by service over time."),
    ("budget_shift.png", "Budget shift: how far spend on reactive services (day services) has fallen since the "
                         "start, as a share of the starting budget, split into what now goes to employment and "
                         "in-work support (blue) and what is no longer spent at all (orange, hatched: a saving or a "
                         "cut); the line is the proactive share of spend. One run has no baseline: part of this "
                         "fall happens under any policy, as people leave day services."),
    ("costs.png", "Council spend by service, by financial year."),
    ("centres.png", "Day centres open, and people left with no day-time service, at the end of each financial year."),
)
# The figures for analysts (the rest answer a commissioner) follow an "For analysts" heading.
ANALYST_FIGURES = ("ce_plane.png", "acceptability.png", "value_of_information.png", "tornado.png")
COMPARISON_FIGURES = (
    ("compare_states.png", "People by service under the baseline and the policy (one run of each)."),
    ("compare_centres.png", "Day centres open, and people left with no day-time service, under the baseline "
                            "(grey, dashed) and the policy (blue), at the end of each financial year (one run of "
                            "each)."),
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
    return "n/a" if v is None else money(v)


def _pounds(v) -> str:
    """Pounds per person or per job, to the nearest hundred."""
    return "n/a" if v is None else f"{'-' if v < 0 else ''}£{round(abs(v), -2):,.0f}"


def _range(d: dict, money: bool = False, pounds: bool = False) -> str:
    if not d or d.get("mean") is None:
        return "n/a"
    f = _pounds if pounds else _money if money else (lambda v: f"{v:,.0f}")
    if d.get("low") is None or f(d["low"]) == f(d["high"]):
        return f(d["mean"])
    return f"{f(d['mean'])} ({f(d['low'])} to {f(d['high'])})"


def _year_range(d: dict, start: str) -> str:
    """A year of the projection (1 is the first) across runs, as the financial year it is."""
    if not d or d.get("mean") is None:
        return "never within the horizon"
    year = round(d["mean"])
    words = f"{financial_year(year, start)} (year {year} of the policy)"
    if d.get("low") is None or round(d["low"]) == round(d["high"]):
        return words
    return f"{words}; {financial_year(round(d['low']), start)} to {financial_year(round(d['high']), start)} across runs"


def _figure(folder: Path, name: str, caption: str) -> str:
    data = base64.b64encode((folder / name).read_bytes()).decode("ascii")
    return (f'<figure id="{html.escape(name[:-4])}"><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _table(rows: list[tuple[str, ...]], head: tuple[str, ...] | None = None) -> str:
    """Rows of text as an HTML table, the first cell of each a heading and the others numbers."""
    top = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>" if head else ""
    body = "".join("<tr><th>" + html.escape(r[0]) + "</th>" + "".join(f"<td class='num'>{html.escape(c)}</td>"
                                                                        for c in r[1:]) + "</tr>" for r in rows)
    return f"<table>{top}{body}</table>"


def _tables(folder: Path) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """A run folder's monthly and yearly tables, if they are there."""
    def read(name: str) -> pd.DataFrame | None:
        for ext, reader in ((".parquet", pd.read_parquet), (".csv", pd.read_csv)):
            if (folder / f"{name}{ext}").exists():
                return reader(folder / f"{name}{ext}")
        return None
    return read("monthly"), read("yearly")


def _run_page(summary: dict, manifest: dict, folder: Path) -> tuple[str, str, str, list[tuple[str, str]]]:
    data = manifest.get("scenario_resolved") or {}
    name = summary["scenario"]
    start = summary.get("start", "")
    years = summary.get("in_work_by_year", {})
    last = max(years, key=int) if years else None
    n_years = summary["horizon_months"] // 12
    span = f"{financial_year(1, start)} to {financial_year(n_years, start)}" if start and n_years else ""
    monthly, yearly = _tables(folder)
    counts, final = summary.get("initial_counts", {}), summary.get("final_counts", {})
    states = data.get("states", {})
    no_cost = [s for s in (data.get("costs", {}) or {}).get("no_cost", {}) if s in final and
               not states.get(s, {}).get("death")]
    words = []
    if last:
        work_state = ((data.get("policy") or {}).get("states") or {}).get("work", "paid_work")
        at_start = f" ({counts[work_state]:,} at the start)" if work_state in counts else ""
        words.append(f"By the end of {financial_year(int(last), start)}, {years[last]:,} people are in paid "
                     f"work{at_start}.")
    words.append(f"There are {summary['job_starts_total']:,} job starts, {summary['job_starts_from_day_service']:,} "
                 "of them straight from day services.")
    rows = [("People at the start", f"{summary['people_at_start']:,}"),
            ("People entering over the horizon", f"{summary['entrants_total']:,}"),
            ("Job starts", f"{summary['job_starts_total']:,}")]
    if yearly is not None and "centres_open" in yearly and yearly["centres_open"].max() > 0:
        first_count = (data.get("costs", {}).get("day_centres") or {}).get("count")
        opened = int(first_count) if first_count is not None else int(yearly["centres_open"].iloc[0])
        closed = int(yearly["centres_open"].iloc[-1])
        words.append(f"Day centres open fall from {opened} to {closed}." if closed < opened else
                     f"All {opened} day centres stay open.")
        rows.append(("Day centres open: at the start, at the end", f"{opened}, {closed}"))
    if no_cost:
        before, after = sum(counts.get(s, 0) for s in no_cost), sum(final[s] for s in no_cost)
        words.append(f"{after:,} people have no day-time service at the end ({before:,} at the start).")
        rows.append(("People with no day-time service: at the start, at the end", f"{before:,}, {after:,}"))
    if monthly is not None and yearly is not None and "budget_shift" in yearly and len(yearly):
        moved, unspent = (v[-1] for v in shift_parts(monthly, yearly))
        shift = float(yearly["budget_shift"].iloc[-1])
        if not math.isnan(shift):
            words.append(f"By {yearly['fiscal_year'].iloc[-1]}, spend on reactive services has fallen by "
                         f"{100 * shift:.0f}% of the starting budget: {100 * moved:.0f}% now goes to employment and "
                         f"in-work support and {100 * unspent:.0f}% is no longer spent at all (a saving or a cut).")
            rows.append((f"Budget shift by {yearly['fiscal_year'].iloc[-1]}: moved to employment support, no "
                         "longer spent", f"{100 * moved:.0f}%, {100 * unspent:.0f}%"))
    words.append(f"The council spends {_money(summary['cost_total_undiscounted'])} over {n_years} years "
                 f"({_money(summary['cost_total_discounted'])} discounted, {summary['price_year']} prices).")
    words.append("This is one run: it says what happens under this scenario, not what a policy saves; "
                 "dayshift compare sets it beside a baseline for that.")
    rows += [("Council cost, undiscounted", _money(summary["cost_total_undiscounted"])),
             ("Council cost, discounted", _money(summary["cost_total_discounted"]))]
    description = (data.get("description") or "").strip()
    title = _short(description) or name
    sub = (f"{description} " if description and description != title else "") + (
        f"dayshift projection of {name}" + (f", {span}" if span else "") + ", one run.")
    return title, sub, " ".join(words), rows


def _short(text: str, limit: int = 90) -> str:
    """A description's opening words, up to its first colon or full stop, for a title ('' if that is too long)."""
    for stop in (":", ". "):
        text = text.split(stop)[0]
    return text.strip().rstrip(".") if len(text) <= limit else ""


def _comparison_page(summary: dict) -> tuple[str, str, str, list[tuple[str, str]]]:
    u = summary.get("uncertainty", {})
    start = summary.get("start") or f"{summary['start_year']}-04"
    be_cash = (_year_range(summary["break_even_year_cashable"], start)
               if summary["share_never_breaking_even_cashable"] < 1 else "never within the horizon")
    rows = [("Discounted saving to the council (NPV)", _range(summary["npv_saving"], money=True)),
            ("Chance the policy saves the council money", f"{100 * summary['prob_saves_money']:.0f}%"),
            ("Saving to the council over the horizon, undiscounted",
             _range(summary["saving_undiscounted_total"], money=True)),
            ("of which cashable (budget released: centres closed, packages and blocks ended)",
             _range(summary["saving_cashable_total"], money=True)),
            ("of which not cashable (capacity freed but still paid for)",
             _range(summary["saving_non_cashable_total"], money=True)),
            ("Up-front investment (included above)", _range(summary["investment_total"], money=True)),
            ("Break-even year (from which the cumulative saving stays positive)",
             _year_range(summary["break_even_year"], start)),
            ("Break-even year on cashable savings", be_cash),
            ("Discounted saving to the public purse", _range(summary["npv_saving_public_purse"], money=True)),
            ("Saving to the DWP (benefits), undiscounted", _range(summary["saving_dwp_total"], money=True)),
            ("Saving to HMRC (more tax and NI), undiscounted", _range(summary["saving_hmrc_total"], money=True)),
            ("Extra job starts over the horizon", _range(summary["extra_job_starts"])),
            ("Council saving per extra job start", _range(negated(summary["cost_per_extra_job"]), pounds=True)),
            ("Saving per extra person-year in work: council", _range(summary["council_saving_per_extra_person_year"],
                                                                     pounds=True)),
            ("Saving per extra person-year in work: taxpayer (council, DWP, HMRC)",
             _range(summary["taxpayer_saving_per_extra_person_year"], pounds=True)),
            ("Runs", f"{summary['runs']} ({'parameter draws' if summary['mode'] == 'psa' else 'replications'})"),
            ("What the intervals cover", u.get("covers", ""))]
    for c in summary.get("carried_by", []):
        share = "n/a" if c["share_of_saving"] is None else f"{100 * c['share_of_saving']:.0f}%"
        rows.append((f"Of the saving, carried by {c['label']} (calibrated; without it: "
                     f"{_range(c['npv_saving_without'], money=True)})", share))
    policies = summary["policies"]
    title = f"{', '.join(policies)} compared with {summary['baseline']}"
    descriptions = summary.get("descriptions", {})
    sub = " ".join(f"{n}: {descriptions[n]}" + ("" if descriptions[n].endswith(".") else ".")
                   for n in [*policies, summary["baseline"]] if descriptions.get(n)) or "dayshift comparison"
    return title, sub, summary["headline"], rows


def _decomposition_section(summary: dict, folder: Path) -> str:
    """Where the saving comes from: each lever's share, as a waterfall and a table."""
    d = summary.get("decomposition")
    if not d or not d.get("levers"):
        return ""
    runs = d["runs"]
    how = ("averaged over every order of switching them on (Shapley values)" if d["method"] == "exact" else
           f"averaged over {d['orders']} random orders of switching them on (Shapley values estimated; the shares "
           "still add up exactly)")
    on = (f"on the first {runs} of the {summary['runs']} runs" if runs > 1 else
          f"on the first of the {summary['runs']} runs") if summary["mode"] == "reps" else (
        f"at every value's mean, on {runs} run{'s' if runs > 1 else ''}")
    total = d["total"]["npv_saving"]
    whole = (f" The saving on {'these runs' if runs > 1 else 'that run'} is {_money(total)}; the mean of all "
             f"{summary['runs']} is {_money(summary['npv_saving']['mean'])}."
             if summary["mode"] == "reps" and runs < summary["runs"] else "")
    intro = (f"The policy differs from the baseline in {len(d['levers'])} levers. Each subset of them "
             f"({d['subsets']} in all) was run as the baseline with those levers switched to the policy's values, "
             f"{on}, on the same random numbers; a lever's share is the saving it adds, {how}. The shares add up "
             f"to the whole policy's saving on the same runs.{whole}")
    rows = [(lv["lever"][0].upper() + lv["lever"][1:], _money(lv["npv_saving"]),
             "n/a" if lv.get("share_of_saving") is None else f"{100 * lv['share_of_saving']:.0f}%",
             _money(lv["npv_saving_alone"]), _money(lv["npv_saving_last"]), f"{lv['extra_in_work_final']:,.0f}")
            for lv in d["levers"]]
    rows.append((f"The whole policy ({d['policy']})", _money(total), "100%", "", "",
                 f"{d['total']['extra_in_work_final']:,.0f}"))
    head = ("Lever", "Share of the discounted saving", "% of the saving", "Switched on alone",
            "Lost if left out", "Extra people in work at the end")
    figure = _figure(folder, "decomposition.png", "The discounted saving built up lever by lever.") if (
        folder / "decomposition.png").exists() else ""
    note = ("'Switched on alone' is the baseline with only that lever; 'lost if left out' is the policy without it. "
            "Where they differ, the lever works with others, and its share splits the difference.")
    return (f"<h2>Where the saving comes from</h2><p>{html.escape(intro)}</p>{figure}{_table(rows, head)}"
            f"<p class='sub'>{html.escape(note)}</p>")


def _rests_on_section(summary: dict) -> str:
    """What the result rests on: the assumptions carrying most of it, and how much each carries."""
    items = summary.get("rests_on") or []
    if not items:
        return ""
    lis = "".join(f"<li>{html.escape(i['text'])}</li>" for i in items)
    return ("<h2>What this rests on</h2><p>The assumptions that carry most of the saving, and how much each carries: "
            "values calibrated to stand for what the model misses, and the uncertain values whose range moves the "
            "saving most (each alone, the others at their means).</p>"
            f"<ul>{lis}</ul>")


def write_report(folder: str | Path) -> Path:
    """Write `report.html` into a results folder (a run's or a comparison's)."""
    folder = Path(folder)
    summary = json.loads((folder / "summary.json").read_text())
    manifest = json.loads((folder / "manifest.json").read_text()) if (folder / "manifest.json").exists() else {}
    comparison = "policies" in summary
    title, sub, answer, rows = _comparison_page(summary) if comparison else _run_page(summary, manifest, folder)
    shown = [(n, c) for n, c in (COMPARISON_FIGURES if comparison else RUN_FIGURES) if (folder / n).exists()]
    figures = [_figure(folder, n, c) for n, c in shown if n not in ANALYST_FIGURES]
    analyst = [_figure(folder, n, c) for n, c in shown if n in ANALYST_FIGURES]
    if analyst:
        figures += ["<h2>For analysts</h2><p>The uncertainty behind the answer: runs on the cost-effectiveness "
                    "plane, how likely the policy is worth it, what resolving the uncertainty would be worth, and "
                    "which assumptions move the saving most.</p>", *analyst]
    explained = (_decomposition_section(summary, folder) + _rests_on_section(summary)) if comparison else ""
    notes = "".join(f"<p>{html.escape(n)}</p>" for n in summary.get("notes", []))
    git = manifest.get("git", {})
    foot = (f"dayshift {manifest.get('versions', {}).get('dayshift', '')}, seed {manifest.get('seed', summary.get('seed'))}, "
            f"commit {git.get('commit') or 'unknown'}{' (uncommitted changes)' if git.get('dirty') else ''}, "
            f"created {manifest.get('created_utc', '')}.")
    page = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p class='sub'>{html.escape(sub)}</p><p class='answer'>{html.escape(answer)}</p>{notes}"
            f"{_table(rows)}{explained}{''.join(figures)}<p class='foot'>{html.escape(foot)}</p></body></html>")
    return write_text_atomic(folder / "report.html", page)
