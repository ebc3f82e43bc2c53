"""The explorer's page (Solara): pick a policy and a baseline, move the levers, read the headline figures and
charts, download the scenario, the report and the workbook.

`serve` says which scenarios the page opens with (`start_with`); every browser tab then has its own choices
and levers. Scenarios read and baselines run are kept for the server's life, shared by tabs.
"""

from __future__ import annotations

import base64
import html
import threading
from pathlib import Path

import reacton.ipyvue as rvue
import reacton.ipyvuetify as rv
import solara
import solara.lab

from model.app import charts, explore, levers
from model.scenario.problems import ScenarioError

OWN = "Your own file..."
_lock = threading.Lock()
_setups: dict[tuple, explore.Setup] = {}
_start: dict[str, str] = {}

CSS = """
.ds-cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr)); gap: 0.8rem; margin: 0.6rem 0; }
.ds-card { border: 1px solid #d5dde3; border-left: 5px solid #1b4f8a; border-radius: 4px; padding: 0.6rem 0.8rem;
           background: #fff; }
.ds-label { color: #44525c; font-size: 0.9rem; } .ds-value { font-size: 1.9rem; font-weight: 600; color: #1d2731; }
.ds-sub { color: #44525c; font-size: 0.82rem; line-height: 1.3; }
.ds-answer { font-size: 1.05rem; background: #eef5fb; border-left: 5px solid #1b4f8a; padding: 0.6rem 0.9rem;
             margin: 0.4rem 0 0.2rem 0; }
.ds-charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(28rem, 1fr)); gap: 0.6rem; }
.ds-charts img { max-width: 100%; }
.ds-stale { opacity: 0.55; }
.ds-status { color: #44525c; font-size: 0.85rem; min-height: 1.2rem; }
.ds-status[data-busy="1"] { color: #1b4f8a; font-weight: 600; }
.ds-help { color: #5b6770; font-size: 0.78rem; margin: 0 0 0.5rem 0; line-height: 1.25; }
.ds-lever-value { font-weight: 600; color: #1d2731; }
.ds-lever-label { font-size: 0.95rem; color: #1d2731; margin-top: 0.4rem; }
.ds-carried { font-size: 1.0rem; background: #fff6e5; border-left: 5px solid #b26a00; padding: 0.5rem 0.9rem;
              margin: 0.2rem 0 0.4rem 0; color: #1d2731; }
.ds-carried[data-busy="1"] { color: #5b4a2e; font-size: 0.92rem; }
.ds-carried .ds-sub { margin-top: 0.2rem; }
.ds-catch-all { color: #5b4a2e; font-size: 0.8rem; margin: 0.5rem 0 0 0; line-height: 1.25;
                border-left: 3px solid #b26a00; padding-left: 0.4rem; }
.ds-table { border-collapse: collapse; font-size: 0.88rem; } .ds-table td, .ds-table th { padding: 0.2rem 0.6rem;
           border-bottom: 1px solid #dde3e8; text-align: left; } .ds-table td.num { text-align: right; }
"""


def start_with(policy: str, baseline: str, setup: explore.Setup | None = None) -> None:
    """The scenarios the page opens with (and their setup, when the caller has made it already)."""
    _start.update(policy=str(policy), baseline=str(baseline))
    if setup is not None:
        with _lock:
            _setups[_key(policy, baseline)] = setup


def _key(policy: str, baseline: str) -> tuple:
    def stamp(p: str) -> float:
        try:
            return Path(p).stat().st_mtime
        except OSError:
            return 0.0

    return (str(policy), str(baseline), stamp(policy), stamp(baseline))


def setup_for(policy: str, baseline: str) -> explore.Setup:
    """Both scenarios read and the baseline run, once per pair of files (again when either file changes)."""
    key = _key(policy, baseline)
    with _lock:
        if key in _setups:
            return _setups[key]
    setup = explore.load(policy, baseline)
    with _lock:
        _setups[key] = setup
    return setup


def shipped() -> list[str]:
    """The shipped scenarios beside the ones the page opened with."""
    folders = {Path(p).parent for p in _start.values()} | {Path("scenarios")}
    found = sorted({str(p) for f in folders if f.is_dir() for p in f.glob("*.yaml")})
    return list(dict.fromkeys([*(_start.values()), *found]))


def _n(v: float | None, money: bool = False) -> str:
    if v is None:
        return "n/a"
    if money:
        m = round(v / 1e6, 1) + 0.0  # to £0.1m, and never "-£0.0m"
        return f"{'-' if m < 0 else ''}£{abs(m):,.1f}m"
    return f"{v:,.0f}"


def _spread(d: dict, runs: int, money: bool = False) -> str:
    if d.get("low") is None or d["low"] == d["high"]:
        return ""
    return f"95% of {runs} runs: {_n(d['low'], money)} to {_n(d['high'], money)}"


def cards_html(out: explore.Outcome) -> str:
    """The four headline figures as cards, each with its spread over the runs."""
    c = explore.cards(out)
    runs = c["runs"]
    extra = c["extra_in_work"]
    diff = (f"{'+' if extra['mean'] >= 0 else '-'}{abs(extra['mean']):,.0f} against the baseline's "
            f"{_n(c['in_work_baseline']['mean'])}")
    be = (f"{c['break_even']}" if c["break_even"] else f"not within {c['last']} years")
    be_sub = (f"the first year from which the running total of cashable savings stays above zero; in "
              f"{c['break_even_runs']} of {runs} runs")
    items = [
        ("in-work", f"People in paid work, {c['year']}", _n(c["in_work"]["mean"]),
         f"{diff}; the difference in {_spread(extra, runs)}" if _spread(extra, runs) else diff),
        ("cashable", f"Cashable saving, {c['first_span']}", _n(c["cashable_first_years"]["mean"], True),
         f"{_spread(c['cashable_first_years'], runs, True)}; over {c['last']} years "
         f"{_n(c['cashable_total']['mean'], True)}"),
        ("break-even", "Break-even year (cashable)", be, be_sub),
        ("waiting", "Longest waiting list", _n(c["queue_peak"]["mean"]),
         f"people at a year's end (most in {c['queue_peak_year']}); the baseline's "
         f"{_n(c['queue_baseline_peak']['mean'])}"),
    ]
    return "".join(
        f'<div class="ds-card" data-testid="card-{key}"><div class="ds-label">{html.escape(label)}</div>'
        f'<div class="ds-value" data-testid="{key}-value">{html.escape(value)}</div>'
        f'<div class="ds-sub">{html.escape(sub)}</div></div>' for key, label, value, sub in items)


def charts_html(out: explore.Outcome) -> str:
    parts = []
    for key, draw, alt in charts.FIGURES:
        data = base64.b64encode(draw(out)).decode("ascii")
        parts.append(f'<img data-testid="chart-{key}" alt="{html.escape(alt)}" src="data:image/png;base64,{data}">')
    return "".join(parts)


def totals_html(out: explore.Outcome) -> str:
    """The budget-impact totals (years 1 to 5 and the whole horizon), as the workbook's first sheet has them."""
    t = out.comparison.budget_impact(out.name)["totals"]
    cols = [c for c in ("council", "cashable", "non-cashable", "up-front investment", "DWP (benefits)",
                        "HMRC (tax and NI)", "taxpayer") if c in t]
    head = "<tr><th>years</th>" + "".join(f"<th>{html.escape(c)}</th>" for c in cols) + "</tr>"
    rows = "".join("<tr><td>" + html.escape(str(r["years"])) + "</td>" +
                   "".join(f'<td class="num">{_n(r[c], True)}</td>' for c in cols) + "</tr>" for _, r in t.iterrows())
    return ("<p><b>Saving by payer</b>: undiscounted, the mean of the runs; positive a saving, negative a cost.</p>"
            f'<table class="ds-table" data-testid="totals">{head}{rows}</table>')


@solara.component
def LeverSlider(lever: levers.Lever, value: float, on_commit, disabled: bool = False, high: float | None = None,
                words: str = ""):
    """A slider that moves freely and tells the page only when let go (or by a key), so a drag runs once."""
    shown, set_shown = solara.use_state(value)
    solara.use_effect(lambda: set_shown(value), [value])  # the page moved it (a reset, another scenario)
    solara.HTML(tag="div", classes=["ds-lever-label"],
                unsafe_innerHTML=f'{html.escape(lever.label)}: <span class="ds-lever-value" '
                                 f'data-testid="lever-{lever.key}">{html.escape(words)}</span>')
    slider = rv.Slider(v_model=shown, on_v_model=set_shown, min=lever.low, max=high or lever.high, step=lever.step,
                       disabled=disabled, thumb_label=False, hide_details=True, dense=True,
                       class_=f"ds-lever ds-lever-{lever.key}", attributes={"aria-label": lever.label})
    rvue.use_event(slider, "change", lambda *args: on_commit(float(args[-1])))
    solara.HTML(tag="div", classes=["ds-help"], unsafe_innerHTML=html.escape(lever.help))


@solara.component
def ScenarioPicker(label: str, value: str, on_value, choices: list[str]):
    """A shipped scenario from a list, or a path to one's own file."""
    own, set_own = solara.use_state(value not in choices)
    text, set_text = solara.use_state(value if value not in choices else "")

    def pick(v: str) -> None:
        set_own(v == OWN)
        if v != OWN:
            on_value(v)

    solara.Select(label=label, values=[*choices, OWN], value=OWN if own else value, on_value=pick)
    if own:
        solara.InputText("Path to a scenario file (YAML)", value=text, on_value=set_text, continuous_update=True)
        solara.Button("Use this file", on_click=lambda: on_value(text.strip()), disabled=not text.strip(),
                      outlined=True, small=True)


@solara.component
def Page():
    solara.Title("dayshift: policy explorer")
    solara.Style(CSS)
    policy_path, set_policy = solara.use_state(_start.get("policy", "scenarios/essex_live.yaml"))
    baseline_path, set_baseline = solara.use_state(_start.get("baseline", "scenarios/baseline.yaml"))
    values, set_values = solara.use_state(None)

    loaded = solara.lab.use_task(lambda: setup_for(policy_path, baseline_path),
                                 dependencies=[policy_path, baseline_path], raise_error=False)
    setup = loaded.value if loaded.finished and not loaded.error else None
    current = values if (values is not None and setup is not None and set(values) == set(setup.start_values)) else (
        dict(setup.start_values) if setup is not None else None)
    key = (id(setup), tuple(sorted(current.items())) if current else None)

    def compute():
        return explore.run(setup, current) if setup is not None else None

    result = solara.lab.use_task(compute, dependencies=[key], raise_error=False)
    out = result.value if result.finished and not result.error else result.latest
    stale = result.pending or (out is not None and out.values != current)

    def change(k: str, v) -> None:
        set_values({**current, k: v})

    with solara.AppBarTitle():
        solara.Text("dayshift: policy explorer")

    with solara.Sidebar():
        with solara.Card("Scenarios", margin=0):
            choices = shipped()
            ScenarioPicker("Policy", policy_path, lambda p: (set_policy(p), set_values(None)), choices)
            ScenarioPicker("Baseline (what the council does now)", baseline_path,
                           lambda p: (set_baseline(p), set_values(None)), choices)
            if loaded.error:
                msg = str(loaded.exception) if isinstance(loaded.exception, ScenarioError) else (
                    f"could not read the scenarios: {loaded.exception}")
                solara.Error(msg, text=True, dense=True, outlined=True, classes=["ds-scenario-error"])
            elif loaded.pending:
                solara.Info("Reading the scenarios and running the baseline...", dense=True)
        if setup is not None and current is not None:
            with solara.Card("Policy levers", margin=0):
                for lever in levers.LEVERS:
                    why = setup.off.get(lever.key)
                    words = explore.describe(lever.key, current[lever.key])
                    if lever.key == "budget":
                        places = levers.places_a_year(setup.policy_means, current["budget"])
                        words += f" (about {places:,.0f} places)" if places is not None else ""
                    if lever.key == "lag_months" and not current["money_follows"]:
                        why = why or "only with money following the person"
                    if why:
                        words = f"{words} (off: {why})"
                    if lever.kind == "switch":
                        solara.Switch(label=lever.label, value=bool(current[lever.key]), disabled=bool(why),
                                      on_value=lambda v, k=lever.key: change(k, bool(v)),
                                      classes=[f"ds-lever-{lever.key}"])
                        solara.HTML(tag="div", classes=["ds-help"], unsafe_innerHTML=html.escape(lever.help))
                    else:
                        high = lever.high
                        if lever.key == "budget":
                            high = max(lever.high, 2 * setup.start_values["budget"])
                        if lever.key == "push_years":
                            high = max(1, setup.years - 1)
                        LeverSlider(lever, float(current[lever.key]), disabled=bool(why), high=high, words=words,
                                    on_commit=lambda v, k=lever.key: change(
                                        k, int(v) if k in ("lag_months", "push_years") else v))
                solara.Button("Put the levers back as the scenario has them", text=True, small=True,
                              on_click=lambda: set_values(None), disabled=current == setup.start_values)
                for i, line in enumerate(explore.catch_all_lines(setup)):
                    solara.HTML(tag="div", classes=["ds-catch-all"], unsafe_innerHTML=html.escape(line),
                                attributes={"data-testid": f"catch-all-{i}"})

    with solara.Column(style={"max-width": "78rem"}):
        if setup is None:
            solara.HTML(tag="p", unsafe_innerHTML="Pick a policy and a baseline on the left." if loaded.error else
                        "Reading the scenarios and running the baseline...")
            solara.ProgressLinear(loaded.pending)
            return
        if result.error:
            msg = str(result.exception) if isinstance(result.exception, ScenarioError) else str(result.exception)
            solara.Error(f"These lever settings do not make a valid scenario: {msg}", text=True, outlined=True,
                         classes=["ds-run-error"])
        # No animated bar while the runs go: it would take the processor from them (a browser draws it in software).
        follows = (" What carries the saving (its calibrated catch-alls, run again without each) is worked out "
                   "after the figures are drawn." if out is not None and _has_catch_alls(out) else "")
        status = ("Updating: running the policy with these levers..." if not result.finished else
                  f"Updated in {out.seconds:.1f} s: {len(setup.seeds)} runs of each scenario on the same random "
                  f"numbers, every parameter at its mean.{follows}" if out is not None else "")
        solara.HTML(tag="div", classes=["ds-status"], unsafe_innerHTML=html.escape(status),
                    attributes={"data-testid": "status", "data-busy": "1" if stale else "0"})
        if out is not None:
            Results(setup, out, stale)


def _has_catch_alls(out: explore.Outcome) -> bool:
    return out.scenario is not None and bool(out.scenario.catch_alls)


def carried_html(setup: explore.Setup, out: explore.Outcome, done: explore.Carried | None, error=None) -> str:
    """What carries the saving: each catch-all's share and the saving without it once worked out, or that it
    is being worked out."""
    runs = len(setup.seeds)
    if done is not None:
        sentences = " ".join(html.escape(t) for t in done.statements)
        return (f"{sentences}<div class=\"ds-sub\">A calibrated catch-all stands for what the model's structure "
                f"misses; it is not a lever. Worked out as <code>dayshift compare</code> does, on the same {runs} "
                f"runs with the value it would have without it, in {done.seconds:.1f} s once the figures were "
                "drawn.</div>")
    if error is not None:
        return html.escape(f"What carries this saving could not be worked out: {error}")
    labels = "; ".join(c.label for c in out.scenario.catch_alls)
    return html.escape(f"What carries this saving: {out.name} has a calibrated catch-all ({labels}). The page runs "
                       f"it again without it ({runs} runs, a couple of seconds) once the figures are drawn.")


@solara.component
def Results(setup: explore.Setup, out: explore.Outcome, stale: bool):
    """The answer in words, what carries the saving, the headline figures, the charts, the totals and the
    downloads of one outcome."""
    dim = ["ds-stale"] if stale else []
    drawn = solara.lab.use_task(lambda: (id(out), charts_html(out)), dependencies=[id(out)], raise_error=False)
    latest = drawn.value if drawn.finished and not drawn.error else drawn.latest
    pictures = latest[1] if latest else ""
    if drawn.pending or (latest and latest[0] != id(out)):
        dim_charts = ["ds-stale"]
    else:
        dim_charts = dim
    busy = stale or dim_charts != dim
    # The catch-alls' runs wait until the figures are drawn, so that they never slow them, and stop (between
    # runs) once the page moves on.
    live = solara.use_ref(None)
    live.current = (id(out), busy)
    has = _has_catch_alls(out)

    def carry():
        if busy or not has:
            return None
        try:
            return id(out), explore.carried(setup, out, stop=lambda: live.current != (id(out), False))
        except explore.Abandoned:
            return None

    carrying = solara.lab.use_task(carry, dependencies=[id(out), busy], raise_error=False)
    got = carrying.value if carrying.finished and not carrying.error else None
    done = got[1] if got and got[0] == id(out) else None
    solara.HTML(tag="div", classes=["ds-answer"] + dim, unsafe_innerHTML=html.escape(out.headline),
                attributes={"data-testid": "headline"})
    if has:
        error = carrying.exception if carrying.error and not busy else None
        solara.HTML(tag="div", classes=["ds-carried"] + dim, unsafe_innerHTML=carried_html(setup, out, done, error),
                    attributes={"data-testid": "carried", "data-busy": "0" if done is not None or error else "1"})
    solara.HTML(tag="div", classes=["ds-cards"] + dim, unsafe_innerHTML=cards_html(out))
    solara.HTML(tag="div", classes=["ds-charts"] + dim_charts, unsafe_innerHTML=pictures)
    solara.HTML(tag="div", unsafe_innerHTML=totals_html(out))
    Downloads(setup, out, stale, busy=busy, carried=done)


@solara.component
def Downloads(setup: explore.Setup, out: explore.Outcome, stale: bool, busy: bool = False,
              carried: explore.Carried | None = None):
    """The scenario as YAML (checked with its distributions, in the background); the report and the workbook
    once written (a few seconds, in the background, when asked for), with what carries the saving once the page
    has it. The check waits while the page is busy with the figures, so that it never slows them."""
    key = (id(setup), tuple(sorted(out.values.items())))
    text = solara.lab.use_task(lambda: None if busy else explore.scenario_yaml(setup, out.values),
                               dependencies=[key, busy], raise_error=False)
    files_key = (key, carried is not None)
    files = solara.lab.use_task(
        lambda: (files_key, explore.report_files(setup, out, carried.comparison if carried else None)),
        dependencies=None, raise_error=False)
    with solara.Card("Downloads", margin=0):
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            if text.finished and not text.error and text.value is not None:
                solara.FileDownload(text.value, filename=f"{out.name}.yaml", label="Scenario (YAML)",
                                    mime_type="application/x-yaml")
            elif text.error:
                solara.Error(f"The scenario with these levers is not valid with its distributions: {text.exception}",
                             text=True, dense=True)
            else:
                solara.Button("Scenario (YAML): checking...", disabled=True)
            if files.finished and not files.error and files.value[0] == files_key:
                done = files.value[1]
                solara.FileDownload(done["report.html"], filename=f"{out.name}_report.html",
                                    label="Report (HTML)", mime_type="text/html")
                solara.FileDownload(done["budget_impact.xlsx"], filename=f"{out.name}_budget_impact.xlsx",
                                    label="Workbook (Excel)",
                                    mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            elif files.pending:
                solara.Button("Preparing the report and workbook...", disabled=True, loading=True)
            else:
                solara.Button("Prepare the report and workbook", disabled=stale, outlined=True, on_click=files)
        if files.error:
            msg = files.exception
            solara.Error(str(msg) if isinstance(msg, ScenarioError) else f"Could not write the files: {msg}",
                         text=True, dense=True)
        solara.HTML(tag="p", classes=["ds-help"], unsafe_innerHTML=(
            "The report and the workbook hold what the page shows: the same runs, written by <code>dayshift compare"
            "</code>'s own writers. For more runs or a PSA, run <code>dayshift compare</code> on the downloaded "
            "scenario."))
