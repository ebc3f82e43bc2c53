"""The policy levers a commissioner moves in the explorer: where each one sits in a scenario, its value there,
and a scenario's data with the levers set.

Lever values are held in the units the page shows (a referral chance in percent a year, a budget in pounds a
year, a share in percent). A lever left where the scenario has it leaves the scenario's value untouched, so a
value written as a distribution or a series stays one; a lever that is moved writes a plain number there (and
takes that value out of any `correlation` block, which only correlates distributions).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from model.scenario.distributions import parse_distribution
from model.scenario.paths import value_at
from model.scenario.time_series import is_time_series, parse_time_series

REFERRAL = ("policy", "referral", "annual")
BUDGET = ("policy", "employment_support", "budget_per_year")
MODELS = ("policy", "employment_support", "service_models")
ENTRY = ("policy", "entry_route")
FUNDING = ("policy", "funding")
KEPT_IN_WORK = ("costs", "day_week", "kept_in_work")
EVIDENCE_BASED = "evidence_based"
# Days of day service kept in paid work by weekly hours, when a scenario has none and the lever turns it on:
# the shipped scenarios' table at its means (most who work do so under 16 hours and keep part of their week).
DEFAULT_KEPT_IN_WORK = {"hours": [0, 8, 16, 30], "days": [3, 2, 1, 0]}


@dataclass(frozen=True)
class Lever:
    """One lever: its key, its words on the page, and its range (sliders) in the page's units."""

    key: str
    label: str
    help: str
    kind: str  # "switch" or "slider"
    low: float = 0.0
    high: float = 1.0
    step: float = 1.0
    unit: str = ""


LEVERS = (
    Lever("employment_first", "Employment first", "New entrants who want work start on the employment pathway, "
          "not in day services.", "switch"),
    Lever("referral", "Referral to employment support", "Yearly chance that someone in day services who wants "
          "work is referred.", "slider", 0, 60, 0.5, "% a year"),
    Lever("budget", "Employment support budget", "What the council spends on employment-support places a year "
          "at the start.", "slider", 0, 500_000, 10_000, "£ a year"),
    Lever("evidence_share", "Evidence-based share", "Share of employment spend on evidence-based supported "
          "employment (cheaper places, more jobs) rather than other models.", "slider", 0, 100, 5, "%"),
    Lever("money_follows", "Money follows the person", "A person's day-service budget moves to employment "
          "support when they leave day services.", "switch"),
    Lever("lag_months", "Lag before the money moves", "Months before a leaver's day-service budget moves.",
          "slider", 0, 24, 1, "months"),
    Lever("kept_in_work", "Part-time day service kept in work", "People in paid work keep some days of their "
          "day service, fewer the more hours they work.", "switch"),
    Lever("push_years", "Time-limited push", "Referral and the employment budget at these levels for the first "
          "years only, then back to the baseline's; 0 keeps them for the whole horizon.", "slider", 0, 20, 1,
          "years"),
)
BY_KEY = {lever.key: lever for lever in LEVERS}
# Where each lever writes in a scenario (a lever may write below or above its path).
PATHS = {"employment_first": ENTRY, "referral": REFERRAL, "budget": BUDGET, "evidence_share": MODELS,
         "money_follows": FUNDING + ("model",), "lag_months": FUNDING + ("lag_months",),
         "kept_in_work": KEPT_IN_WORK}


def lever_at(path: str) -> str | None:
    """The lever that writes a scenario value (a dotted path, as a catch-all names it), or None."""
    parts = tuple(path.split("."))
    for key, where in PATHS.items():
        n = min(len(parts), len(where))
        if parts[:n] == tuple(where[:n]):
            return key
    return None


def number(raw) -> float | None:
    """A scenario value as one number: a plain number, a distribution's mean, or a series' first value."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    if isinstance(raw, dict) and isinstance(raw.get("dist"), str):
        return float(parse_distribution(raw).frozen().mean())
    if is_time_series(raw):
        first = parse_time_series(raw).values[0]
        return number(first)
    return None


def available(data: dict) -> dict[str, str | None]:
    """For each lever, None when the scenario has what it moves, or why it is off (in words)."""
    out: dict[str, str | None] = {lever.key: None for lever in LEVERS}
    if not isinstance(data.get("policy"), dict):
        return {k: "this scenario has no commissioning policy" for k in out}
    if EVIDENCE_BASED not in (value_at(data, MODELS, None) or {}):
        out["evidence_share"] = f"the scenario has no service model named {EVIDENCE_BASED}"
    if number(value_at(data, REFERRAL, None)) is None:
        out["referral"] = "the referral chance is given by band or otherwise than one number"
    return out


def read(data: dict) -> dict[str, float | bool]:
    """Each lever's value in a scenario's data (after `extends`), in the page's units."""
    models = value_at(data, MODELS, None) or {}
    shares = {k: number(m.get("spend_share")) or 0.0 for k, m in models.items() if isinstance(m, dict)}
    funding = value_at(data, FUNDING, None) or {}
    return dict(
        employment_first=value_at(data, ENTRY, "day_service") == "employment_first",
        referral=100 * (number(value_at(data, REFERRAL, None)) or 0.0),
        budget=number(value_at(data, BUDGET, None)) or 0.0,
        evidence_share=100 * shares.get(EVIDENCE_BASED, 0.0),
        money_follows=funding.get("model", "block") == "money_follows_person",
        lag_months=int(number(funding.get("lag_months", 0)) or 0),
        kept_in_work=value_at(data, KEPT_IN_WORK, None) is not None,
        push_years=0,
    )


def horizon_years(data: dict) -> int:
    """The projection's length in whole years (20 for a lifetime horizon, as a slider's end)."""
    horizon = data.get("horizon")
    return int(horizon["years"]) if isinstance(horizon, dict) and "years" in horizon else 20


def moved(values: dict, start: dict) -> list[str]:
    """The levers whose value differs from where the scenario has them."""
    return [k for k in BY_KEY if k in values and values[k] != start.get(k)]


def apply(data: dict, values: dict, baseline: dict | None = None) -> dict:
    """A copy of a scenario's data with the levers set: only levers moved from the scenario's own values are
    written. `baseline` (the baseline's data) gives the values a time-limited push returns to."""
    out = copy.deepcopy(data)
    start = read(data)
    changed = moved(values, start)
    push = int(values.get("push_years", 0) or 0)
    off = available(data)
    touched: list[tuple] = []

    def put(path: tuple, value) -> None:
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
        touched.append(path)

    if "employment_first" in changed:
        put(ENTRY, "employment_first" if values["employment_first"] else "day_service")
    if "evidence_share" in changed and off["evidence_share"] is None:
        _set_evidence_share(out, values["evidence_share"] / 100, touched)
    if "money_follows" in changed:
        put(FUNDING + ("model",), "money_follows_person" if values["money_follows"] else "block")
    if "lag_months" in changed:
        put(FUNDING + ("lag_months",), int(values["lag_months"]))
    if "kept_in_work" in changed:
        if values["kept_in_work"]:
            put(KEPT_IN_WORK, copy.deepcopy(DEFAULT_KEPT_IN_WORK))
        else:
            value_at(out, KEPT_IN_WORK[:-1], {}).pop(KEPT_IN_WORK[-1], None)
            touched.append(KEPT_IN_WORK)
    for key, path, scale in (("referral", REFERRAL, 0.01), ("budget", BUDGET, 1.0)):
        if key == "referral" and off["referral"] is not None:
            continue
        if push > 0:
            now = values.get(key, start[key]) * scale
            after = number(value_at(baseline or data, path, None)) if baseline else None
            after = now if after is None else after
            put(path, {"years": [0, push], "values": [_tidy(now), _tidy(after)]})
        elif key in changed:
            put(path, _tidy(values[key] * scale))
    if touched:
        _drop_correlations(out, touched)
    return out


def _tidy(x: float) -> float | int:
    """A number as a person would write it in YAML: whole pounds as an integer, chances to 6 places."""
    x = float(x)
    return int(round(x)) if abs(x) >= 1 and abs(x - round(x)) < 1e-9 else round(x, 6)


def _set_evidence_share(out: dict, share: float, touched: list[tuple]) -> None:
    """The evidence-based model's spend share, the others' shares scaled to make the rest (kept in proportion)."""
    models = value_at(out, MODELS)
    others = {k: number(m.get("spend_share")) or 0.0 for k, m in models.items() if k != EVIDENCE_BASED}
    total = sum(others.values())
    models[EVIDENCE_BASED]["spend_share"] = _tidy(share)
    touched.append(MODELS + (EVIDENCE_BASED, "spend_share"))
    for k, v in others.items():
        models[k]["spend_share"] = _tidy((1 - share) * (v / total if total > 0 else 1 / len(others)))
        touched.append(MODELS + (k, "spend_share"))
    if not others and share < 1:
        models[EVIDENCE_BASED]["spend_share"] = 1.0  # the only model takes all the spend


def _drop_correlations(out: dict, touched: list[tuple]) -> None:
    """Values the levers wrote are plain numbers now: take them out of the correlation block."""
    corr = out.get("correlation")
    if not isinstance(corr, dict):
        return
    params = list(corr.get("parameters") or [])
    names = [".".join(map(str, p)) for p in touched]
    keep = [i for i, p in enumerate(params) if not any(p == n or p.startswith(n + ".") for n in names)]
    if len(keep) == len(params):
        return
    if len(keep) < 2:
        out.pop("correlation")
        return
    matrix = corr.get("matrix") or []
    corr["parameters"] = [params[i] for i in keep]
    corr["matrix"] = [[matrix[i][j] for j in keep] for i in keep]


def places_a_year(data: dict, budget: float) -> float | None:
    """About how many employment-support places a budget buys a year at the scenario's prices (None if the
    scenario does not price its places simply)."""
    models = value_at(data, MODELS, None) or {}
    places = 0.0
    for m in models.values():
        share = number(m.get("spend_share")) or 0.0
        if m.get("caseload"):
            c = m["caseload"]
            cost = ((number(c.get("cost_per_specialist_per_year")) or 0)
                    / (number(c.get("clients_per_specialist")) or 1))
        elif m.get("cost_per_place_per_year") is not None:
            cost = number(m["cost_per_place_per_year"])
        else:
            return None
        if not cost:
            return None
        places += budget * share / cost
    return places
