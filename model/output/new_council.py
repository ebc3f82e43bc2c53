"""`dayshift new`: a baseline and a policy scenario for a council, written from a few answers.

The answers a commissioner can give (people in day centres, the weekly cost of a place, the employment
budget...: `council_questions`) fill two annotated templates (`templates/`); everything else keeps the
shipped scenarios' defaults, each marked as a source or an assumption to check. The files are validated
before they are written, so what the command writes runs at once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import re
import sys
from pathlib import Path
from string import Template

from model.compile.validate import parse_scenario
from model.output.council_questions import QUESTIONS, SPECIALIST_COST, ask
from model.output.files import OutputError, safe_name, write_text_atomic

BANDS = ("low", "moderate", "high", "complex")
DEFAULT_MIX = (0.20, 0.35, 0.30, 0.15)   # the shipped scenarios' assumption
DAY_COST_RATIO = (100, 130, 180, 260)    # weekly day-centre cost by need in the shipped scenarios (assumption)
BUDGET_PER_USER = 50_000 / 800           # the shipped baseline's block contract per day-centre user (assumption)
TEMPLATES = Path(__file__).parent / "templates"


def _gamma(mean: float) -> str:
    return f"{{dist: gamma, shape: 25, scale: {mean / 25:.4g}}}   # mean {mean:,.0f}"


def _mix_text(mix: tuple[float, ...]) -> str:
    return "{" + ", ".join(f"{b}: {v:.4g}" for b, v in zip(BANDS, mix)) + "}"


def _shares(needs: tuple[float, ...] | None, users: int) -> tuple[tuple[float, ...], str]:
    """Shares by need that sum to 1 exactly, and what they rest on."""
    if needs is None:
        return DEFAULT_MIX, "assumption: the mix of needs is not known (CHECK)"
    total = sum(needs)
    if total > 1.5 and abs(total - users) > 0.5 and abs(total - 100) > 0.5:
        raise ValueError(f"the four counts by need sum to {total:g}, not to the {users} day-centre users")
    rounded = [round(v / total, 4) for v in needs]
    rounded[-1] = round(1 - sum(rounded[:-1]), 4)
    return tuple(rounded), "you said: people in day centres by need"


def fill(answers: dict, baseline_file: str, policy_file: str, folder: str,
         today: dt.date | None = None) -> tuple[str, str]:
    """The two scenario texts for a council's answers."""
    users = answers["day_centre_users"]
    mix, mix_note = _shares(answers["needs"], users)
    mean_ratio = sum(m * r for m, r in zip(mix, DAY_COST_RATIO))
    place_cost = answers["place_cost"]
    scale = (place_cost / mean_ratio) if place_cost else 1.0
    day_cost = [r * scale for r in DAY_COST_RATIO]
    day_note = (f"You said: GBP {place_cost:,.2f} a week on average, spread by need" if place_cost else
                "Assumption: GBP 100 to 260 a week by need, anchored on Peterborough day opportunities (about "
                "GBP 123 a week, Peterborough Telegraph 2019, thin). CHECK: your own cost per place")
    if answers.get("employment_budget") is not None:
        budget, budget_note = answers["employment_budget"], "you said"
    elif answers.get("employment_team") is not None:
        budget = answers["employment_team"] * SPECIALIST_COST
        budget_note = f"you said {answers['employment_team']:g} posts, at GBP {SPECIALIST_COST:,} each (assumption)"
    else:
        budget = round(users * BUDGET_PER_USER, -3)
        budget_note = "assumption: a small block contract, scaled from the shipped baseline's. CHECK"
    centres = answers["day_centres"]
    places_each = max(1, math.ceil(users / centres / 0.9))
    start = answers["start"]
    year = int(start[:4]) - (int(start[5:]) < 4)
    people = users + answers["community_day_users"]
    said = {"community_day_users": "community", "in_work": "in_work", "supported_employment": "supported"}
    notes = {f"{v}_note": ("you said" if k in answers["_said"] else "assumption (CHECK)") for k, v in said.items()}
    values = {
        "council": answers["council"], "written": (today or dt.date.today()).isoformat(),
        "name": f"{_safe(answers['council'])}_baseline", "policy_name": f"{_safe(answers['council'])}_policy",
        "baseline_file": baseline_file, "baseline_path": f"{folder}/{baseline_file}",
        "policy_path": f"{folder}/{policy_file}",
        "start": start, "seed": int(start.replace("-", "")) * 100 + 1, "price_year": f"{year}-{(year + 1) % 100:02d}",
        "band_mix": _mix_text(mix), "band_mix_note": mix_note,
        "day_users": users, "community_users": answers["community_day_users"],
        "supported_users": answers["supported_employment"], "in_work_users": answers["in_work"],
        "entrants": answers["entrants"],
        "entrants_note": "you said" if "entrants" in answers["_said"] else
        "assumption: scaled from Essex's fitted 23 a year for 800 day-centre users. CHECK with your transitions team",
        "day_cost_note": day_note,
        **{f"day_cost_{b}": _gamma(c) for b, c in zip(BANDS, day_cost)},
        **{f"community_cost_{b}": _gamma(c / 2) for b, c in zip(BANDS, day_cost)},
        "centres": centres, "places_each": places_each,
        "centres_note": "you said" if "day_centres" in answers["_said"] else "assumption: one per 80 people (CHECK)",
        "places_note": "assumption: your day-centre users fill 90% of the places (CHECK)",
        "budget": f"{budget:.0f}", "budget_note": budget_note,
        "seed_funding": f"{{dist: gamma, shape: 16, scale: {people / 1000 * 250_000 / 16:.6g}}}",
        "training": f"{{dist: gamma, shape: 16, scale: {people / 1000 * 30_000 / 16:.6g}}}",
        **notes,
    }
    texts = [Template((TEMPLATES / f).read_text()).substitute(values)
             for f in ("council_baseline.yaml", "council_policy.yaml")]
    return texts[0], texts[1]


def _safe(council: str) -> str:
    return safe_name(re.sub(r"[^a-z0-9]+", "_", council.lower()), max_len=60)


def write_council(args: argparse.Namespace) -> int:
    """`dayshift new`: ask, fill the templates, validate, and write the two files (never over a user's own)."""
    given = {q.key: getattr(args, q.key, None) for q in QUESTIONS}
    answers = ask(given, interactive=not args.yes and sys.stdin is not None)
    folder = Path(args.out) if args.out else Path("scenarios") / _safe(answers["council"])
    files = folder / "baseline.yaml", folder / "policy.yaml"
    there = [str(f) for f in files if f.exists()]
    if there and not args.force:
        raise OutputError(f"{' and '.join(there)} already exist{'s' if len(there) == 1 else ''}; nothing was "
                          "written. Choose another folder with --out, or replace them with --force")
    try:
        baseline, policy = fill(answers, files[0].name, files[1].name, folder.as_posix())
    except ValueError as exc:
        print(f"dayshift: --needs: {exc}", file=sys.stderr)
        return 2
    parse_scenario(baseline, str(files[0]))  # a fault here is dayshift's: the templates must always validate
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in zip(files, (baseline, policy)):
        write_text_atomic(path, text)
    parse_scenario(policy, str(files[1]))
    checks = sum(text.count("CHECK") for text in (baseline, policy))
    print(f"wrote {files[0]} and {files[1]} (both valid).\n"
          f"  {checks} values are assumptions to check: search the files for CHECK.\n"
          f"  next: dayshift compare {files[0]} {files[1]}")
    return 0
