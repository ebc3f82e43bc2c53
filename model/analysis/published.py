"""The published-figures check: each published figure beside the model's value, and whether the model was
fitted to it or predicts it without having seen it. `dayshift published-figures` writes it to
scenarios/VALIDATION.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from model.analysis.calibrate import load_targets
from model.analysis.compare import compare
from model.analysis.stats import interval, replication_seeds
from model.compile.validate import load_scenario, validate_scenario
from model.engine.simulate import simulate
from model.scenario.paths import at_means, substitute


@dataclass(frozen=True)
class Row:
    """One published figure beside the model's value: as shown on the page, and as numbers."""

    figure: str
    source: str
    shown: tuple[str, str, str, str]  # published, model, gap, role, as the page writes them
    published: float
    model: float
    role: str  # calibrated, predicted or check
    low: float | None = None
    high: float | None = None

    def markdown(self) -> str:
        published, model, gap, role = self.shown
        return f"| {self.figure} | {self.source} | {published} | {model} | {gap} | {role} |"

    def record(self) -> dict:
        """The row for validation.json."""
        return dict(figure=self.figure, source=self.source, published=self.published, model=self.model,
                    low=self.low, high=self.high, role=self.role)


def _row(figure: str, source: str, observed: str, model: str, gap: str, role: str, *, published: float,
         value: float, kind: str, low: float | None = None, high: float | None = None) -> Row:
    return Row(figure, source, (observed, model, gap, role), float(published), float(value), kind, low, high)


def _shipped_runs(root: Path, name: str) -> tuple:
    """A targets file and its scenario's runs at the shipped values (the means), not a new fit."""
    cal = load_targets(root / "targets" / f"{name}.yaml")
    return cal, cal.results(cal.shipped)


def _targets(cal, results: list, label: str) -> list[str]:
    targets = [*cal.targets_file.targets, *cal.targets_file.validation_only]
    rows = []
    runs = cal.runs(None, targets, results)
    for t, values in zip(targets, runs.T):
        m = float(values.mean())
        within = abs(m - t.observed) <= t.tolerance
        role = "calibrated to" if t in cal.targets_file.targets else "predicted (not fitted)"
        fmt = (lambda v: f"{v:.0%}") if t.observed < 1.5 else (lambda v: f"{v:,.0f}")
        fmt = (lambda v: f"{v:.1%}") if t.observed < 0.2 else fmt
        model = fmt(m)
        spread = interval(values) if len(values) > 1 else dict(low=None, high=None)
        if len(values) > 1:
            model += f" ({fmt(spread['low'])} to {fmt(spread['high'])})"
        rows.append(_row(f"{label}: {t.name.replace('_', ' ')}", t.source, fmt(t.observed), model,
                         f"{m - t.observed:+.3g} ({'within' if within else 'OUTSIDE'} ±{t.tolerance:g})", role,
                         published=t.observed, value=m, low=spread["low"], high=spread["high"],
                         kind="calibrated" if t in cal.targets_file.targets else "predicted"))
    return rows


def _ndti(root: Path) -> list[str]:
    rows = []
    data = at_means(load_scenario(root / "baseline.yaml"))
    models = ("policy", "employment_support", "service_models")
    for label, published, share in (("evidence-based, 43% job outcome rate", 2818, 1.0),
                                    ("all services (average), 38% job outcome rate", 8217, 0.0)):
        sc = validate_scenario(substitute(data, {models + ("evidence_based", "spend_share"): share,
                                                              models + ("other", "spend_share"): 1 - share}))
        res = simulate(sc, n_cycles=60)
        m, spec = res.monthly, res.spec
        cost = m["employment_spend"].sum() / max(1, m["job_starts"].sum())
        rows.append(_row(f"NDTi: cost per job outcome, {label}", "greig-2014-cost-effectiveness (NDTi 2014)", f"£{published:,}",
                         f"£{cost:,.0f}", f"{cost - published:+,.0f}",
                         "place cost set from it (cost per outcome × outcome rate); the realised cost per job "
                         "start over 5 years of the baseline with all spend on this model checks that derivation",
                         published=published, value=cost, kind="check"))
        # NDTi's own definition: what employment support and in-work support cost over the jobs gained or kept in
        # each year (each person in work counted once a year).
        in_work = spec.costs.services[spec.costs.state_service[spec.policy.work]]
        ndti = (m["employment_spend"].sum() + m[f"cost_{in_work}"].sum()) / max(1, m["job_outcomes"].sum())
        rows.append(_row(f"NDTi: cost per job outcome on NDTi's definition (gained or kept in the year), {label}",
                         "greig-2014-cost-effectiveness (NDTi 2014)", f"£{published:,}", f"£{ndti:,.0f}",
                         f"{ndti - published:+,.0f}",
                         "predicted (not fitted): employment and in-work support spend over job outcomes, each person "
                         "in work once a financial year, over 5 years of the baseline with all spend on this model",
                         published=published, value=ndti, kind="predicted"))
    return rows


KENT_REPLICATIONS = 8


def _gbp(v: float) -> str:
    return f"{'-' if v < 0 else ''}£{abs(v):,.0f}"


def _kent(root: Path) -> list[str]:
    # Against community_shift_only rather than the baseline: essex_live's move to community day opportunities
    # saves money without anyone working, and Kent's figure is what work saves.
    # Pooled over replications (one run's ratio of two small differences is noisy); the range is the runs'.
    base, policy = load_scenario(root / "community_shift_only.yaml"), load_scenario(root / "essex_live.yaml")
    per_run = []
    for seed in replication_seeds(policy.seed, KENT_REPLICATIONS):
        b, p = simulate(base, seed=seed).monthly, simulate(policy, seed=seed).monthly
        per_run.append((float((p["n_paid_work"] - b["n_paid_work"]).sum()) / 12,
                        float(b["cost_public_purse"].sum() - p["cost_public_purse"].sum()),
                        float(b["cost_council"].sum() - p["cost_council"].sum()),
                        float(b["cost_reactive"].sum() - p["cost_reactive"].sum()),
                        float(p["cost_proactive"].sum() - b["cost_proactive"].sum())))
    years, public_saved, council_saved, avoided, spent = np.array(per_run).T
    back = avoided.sum() / spent.sum()
    back_runs = interval(avoided / spent)
    public, council = public_saved.sum() / years.sum(), council_saved.sum() / years.sum()
    public_runs, council_runs = interval(public_saved / years), interval(council_saved / years)
    return [
        _row("Kent: saving to the taxpayer per person in work a year", "kilsby-beyer-2010-kent; greig-2014-work",
             "£3,564", f"{_gbp(public)} ({_gbp(public_runs['low'])} to {_gbp(public_runs['high'])})",
             f"{public - 3564:+,.0f}",
             "predicted (not fitted): essex_live against community_shift_only (the baseline with essex_live's "
             f"move to community day opportunities), per extra person-year in work, {KENT_REPLICATIONS} runs pooled",
             published=3564, value=public, kind="predicted", low=public_runs["low"], high=public_runs["high"]),
        _row("Kent: of which to the council", "kilsby-beyer-2010-kent", "£1,290",
             f"{_gbp(council)} ({_gbp(council_runs['low'])} to {_gbp(council_runs['high'])})",
             f"{council - 1290:+,.0f}", "predicted (not fitted)", published=1290, value=council, kind="predicted",
             low=council_runs["low"], high=council_runs["high"]),
        _row("Gloucestershire: council's avoided cost per £1 spent on employment and in-work support",
             "BASE, 'The cost/benefit argument' (Gloucestershire Employment Service)", "£1.17",
             f"£{back:.2f} (£{back_runs['low']:.2f} to £{back_runs['high']:.2f})", f"{back - 1.17:+.2f}",
             "predicted (not fitted): the same runs; day-service spend avoided over the extra employment and in-work "
             "support spend (Gloucestershire: £648,108 avoided against £554,353 a year)",
             published=1.17, value=back, kind="predicted", low=back_runs["low"], high=back_runs["high"]),
    ]


ESSEX_REPLICATIONS = 4


def _essex_lifetime(root: Path) -> list[str]:
    # Essex's "estimated £15m lifetime savings" has no stated method, span or base: set beside the model's
    # undiscounted 20-year saving against the baseline, and the part of it the council can bank.
    comp = compare(load_scenario(root / "baseline.yaml"), [load_scenario(root / "essex_live.yaml")],
                   reps=ESSEX_REPLICATIONS, tornado=False)
    s = comp.summary()
    total, cash = s["saving_undiscounted_total"], s["saving_cashable_total"]
    return [_row("Essex: lifetime savings", "coogan-2024-moving-the-money (provider-reported, method unknown)", "£15m",
                 f"£{total['mean'] / 1e6:.1f}m (£{total['low'] / 1e6:.1f}m to £{total['high'] / 1e6:.1f}m); "
                 f"cashable £{cash['mean'] / 1e6:.1f}m", f"{(total['mean'] - 15e6) / 1e6:+.1f}m",
                 f"predicted (not fitted): essex_live against the baseline, undiscounted, 20 years, "
                 f"{ESSEX_REPLICATIONS} runs; the published figure's span and method are not given",
                 published=15e6, value=total["mean"], kind="predicted", low=total["low"], high=total["high"])]


def _shared_lives(root: Path) -> list[str]:
    comp = compare(load_scenario(root / "residential_baseline.yaml"), [load_scenario(root / "shared_lives.yaml")],
                   reps=1, tornado=False)
    b, p = comp.first["residential_baseline"].monthly, comp.first["shared_lives"].monthly
    years = float((p["n_shared_lives"] + p["n_shared_lives_day"]).sum()) / 12
    saving = float(b["cost_council"].sum() - p["cost_council"].sum()) / years
    return [_row("Shared Lives: saving per arrangement a year", "Shared Lives Plus; fox-2012-shared-lives", "£13,000",
                 f"£{saving:,.0f}", f"{saving - 13000:+,.0f}",
                 "live-in arrangements set to it by construction (residential care less Shared Lives, weekly); "
                 "day arrangements at an assumed cost; shared_lives against residential_baseline checks the mix",
                 published=13000, value=saving, kind="check")]


def _shift_at(results: list) -> float:
    """The mean budget shift in 2024-25 over runs."""
    return float(np.mean([r.yearly.set_index("fiscal_year").loc["2024-25", "budget_shift"] for r in results]))


def _shift_note(root: Path, cal, results: list) -> list[str]:
    """Where the budget shift in the calibrated essex_live comes from, and where the money goes, in 2024-25."""
    figures = []
    for res in results:
        m, year = res.monthly, res.yearly.set_index("fiscal_year").loc["2024-25"]
        start = m["cost_reactive"].iloc[0] + m["cost_proactive"].iloc[0]
        proactive_rise = (year["cost_proactive"] / year["months"] - m["cost_proactive"].iloc[0]) / start
        figures.append([year["budget_shift"], proactive_rise, year["proactive_share"]])
    shift, proactive, share = np.mean(figures, axis=0)
    # The same runs' seeds and span for the scenarios that hold parts of the Essex approach back.
    others = {name: _shift_at(cal.replicate(load_scenario(root / f"{name}.yaml")))
              for name in ("baseline", "community_shift_only")}
    target = next(t for t in [*cal.targets_file.targets, *cal.targets_file.validation_only] if t.column == "budget_shift")
    verdict = ("within the tolerance of" if abs(shift - target.observed) <= target.tolerance else "short of")
    return [
        "- The Essex budget shift is read as its contract works: day services and Inclusive Employment share",
        "  one envelope, funded by reallocating the day-service budget (coogan-2024-moving-the-money), so the share shifted is the",
        "  fall in reactive spend since April 2020 over the spend at the start (`budget_shift`). The calibrated",
        f"  essex_live reaches {shift:.0%} in 2024-25, {verdict} \"nearly 40%\". The same runs of the baseline",
        f"  reach {others['baseline']:.0%}: day-centre numbers fall without any change of policy, as people retire,",
        "  die, move away or move on and fewer young people enter than leave. The move to community day",
        f"  opportunities alone (community_shift_only) reaches {others['community_shift_only']:.0%}; employment first,",
        "  more referrals and moving the money give the rest. Of the shift, only",
        f"  {proactive:.0%} of the starting budget went into proactive spend and the rest is saved: the model moves",
        "  each leaver's own package and buys employment places at NDTi prices. The share of spend that is",
        f"  proactive (`proactive_share`) is {share:.0%}. The move to community opportunities is a calibrated",
        "  catch-all: the fit reaches 40% through it (scenarios/targets/essex_live.yaml), nothing published",
        "  counts it, and every comparison says how much of the saving it carries. The article does not say",
        "  what its budget or its 40% count.",
    ]


def build(root: str | Path = "scenarios") -> str:
    """The validation page as Markdown."""
    return build_pages(root)[0]


def build_pages(root: str | Path = "scenarios") -> tuple[str, list[dict]]:
    """The validation page as Markdown, and its rows as records (for validation.json)."""
    root = Path(root)
    essex, england = _shipped_runs(root, "essex_live"), _shipped_runs(root, "england_ascof")
    rows = [*_targets(*essex, "Essex"), *_essex_lifetime(root), *_targets(*england, "England"), *_ndti(root),
            *_kent(root), *_shared_lives(root)]
    return _page(root, essex, rows), [r.record() for r in rows]


def _page(root: Path, essex: tuple, rows: list[Row]) -> str:
    return "\n".join([
        "# Validation",
        "",
        f"Written by `dayshift published-figures` on {date.today().isoformat()}. Do not edit by hand: run the command again.",
        "",
        "Each published figure beside the model's value. *Calibrated to* means the model's free parameters were",
        "fitted to it (`dayshift calibrate scenarios/targets/...`); *predicted* means the model never saw it.",
        "Where a targets file asks for several runs (`replications`), the model's value is their mean, with the",
        "range that holds 95% of runs in brackets; the gap is the mean's.",
        "",
        "| figure | source | published | model | gap | role |",
        "|---|---|---|---|---|---|",
        *[r.markdown() for r in rows],
        "",
        "Reading the gaps:",
        "",
        *_shift_note(root, *essex),
        "- The Kent figures are per person in work rather than in full-time services; the model's comparison",
        "  counts extra person-years in work against community_shift_only, including people who were never in",
        "  day centres.",
        "  People in work keep part of their day service (days by hours worked, an assumption: costs.day_week),",
        "  and waiting or job search keeps all of it, so a year in work saves the council far less than a",
        "  year's day-service package. Before this structure the model gave GBP 6,586 to the council and",
        "  GBP 8,893 to the taxpayer per extra person-year in work, against Kent's GBP 1,290 and GBP 3,564.",
        "  Reported, not fitted. (The earlier person-by-person row, a year in day services less a year in",
        "  work, is gone: day-service spend now includes the days kept by people in work.)",
        "  The taxpayer's figure now comes from earnings, benefits and tax by hours (public_purse.in_work):",
        "  under ESA permitted work, most who work under 16 hours keep their benefit and earn below the tax",
        "  thresholds, so the DWP and HMRC gain little from them. Before this ledger a flat GBP 40 a week of",
        "  benefits and 30p of tax an hour, tuned to Kent, gave GBP 2,929.",
        "- Essex's GBP 15m lifetime savings has no published method, span or base. The model's figure is the",
        "  council's undiscounted saving over 20 years against the baseline, and the part it can bank",
        "  (cashable: centres closed, packages ended, by each service's cashable_share, an assumption).",
        "- NDTi on its own definition counts a job gained or kept in the year. The model counts each person in",
        "  paid work once a financial year and sets the year's employment and in-work support spend against",
        "  them. Kept jobs dominate: everyone in work counts, the 50 in work at the start included, so the",
        "  model's figure for the costlier all-services mix is far below NDTi's, whose outcomes are only those",
        "  of the people its services supported. Predicted, not fitted; read it as a bound, not a match.",
        "- Shared Lives: each live-in arrangement saves £13,000 a year by construction. The average is lower",
        "  because most of the scenario's arrangements are by day, replacing a day centre rather than a care",
        "  home; the day cost is an assumption. The published figure's mix of arrangements is not given.",
        "",
    ])
