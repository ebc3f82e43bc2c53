"""The questions `dayshift new` asks a commissioner, each with its check and its default.

Light on purpose (the standard library only): the command line builds its options from QUESTIONS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import re
import sys
from dataclasses import dataclass
from typing import Any, Callable

ENTRANTS_PER_USER = 23 / 800             # Essex's fitted entrants a year per day-centre user at the start
SPECIALIST_COST = 50_000                 # a year of one employment specialist with on-costs (assumption)


def _month(text: str) -> str:
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text)
    if not m or not 1 <= int(m[2]) <= 12 or not 1990 <= int(m[1]) <= 2100:
        raise argparse.ArgumentTypeError(f"write a month as YYYY-MM, e.g. 2026-04 (got {text!r})")
    return f"{int(m[1]):04d}-{int(m[2]):02d}"


def _count(text: str) -> int:
    try:
        value = float(str(text).replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"write a whole number of people, e.g. 250 (got {text!r})") from None
    if value < 0 or value != int(value) or value > 10_000_000:
        raise argparse.ArgumentTypeError(f"write a whole number of people, 0 or more, e.g. 250 (got {text!r})")
    return int(value)


def _positive_count(text: str) -> int:
    value = _count(text)
    if value == 0:
        raise argparse.ArgumentTypeError("give at least 1")
    return value


def _pounds(text: str) -> float:
    try:
        value = float(str(text).replace(",", "").replace("£", "").strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"write an amount in pounds, e.g. 150 or 250,000 (got {text!r})") from None
    if not 0 <= value < 1e10:
        raise argparse.ArgumentTypeError(f"write an amount in pounds, 0 or more (got {text!r})")
    return value


def _team(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"write a number of full-time posts, e.g. 4 or 2.5 (got {text!r})") from None
    if not 0 <= value <= 10_000:
        raise argparse.ArgumentTypeError(f"write a number of full-time posts, 0 or more (got {text!r})")
    return value


def _needs(text: str) -> tuple[float, ...] | None:
    if not str(text).strip():
        return None
    try:
        values = tuple(float(v) for v in re.split(r"[,\s/]+", str(text).strip()))
    except ValueError:
        values = ()
    if len(values) != 4 or any(v < 0 for v in values) or sum(values) <= 0:
        raise argparse.ArgumentTypeError("give four numbers for low, moderate, high and complex needs, as people "
                                         f"or shares, e.g. 240,420,360,180 (got {text!r})")
    return values


def _name(text: str) -> str:
    if not re.search(r"[A-Za-z0-9]", str(text)):
        raise argparse.ArgumentTypeError("give the council's name, e.g. Northshire")
    return str(text).strip()


@dataclass(frozen=True)
class Question:
    """One thing `dayshift new` asks: as an option (--option) or at the terminal."""

    option: str
    question: str
    help: str
    type: Callable[[str], Any]
    metavar: str
    default: Callable[[dict], Any]

    @property
    def key(self) -> str:
        """The answer's name in the answers mapping."""
        return self.option.replace("-", "_")


def _next_april(_: dict) -> str:
    today = dt.date.today()
    return f"{today.year + (today.month >= 4)}-04"


QUESTIONS: list[Question] = [
    Question("council", "Your council's name", "used in the scenarios' names and descriptions", _name, "NAME",
             lambda a: "Our council"),
    Question("start", "First month of the projection", "YYYY-MM, e.g. 2026-04; default: next April", _month,
             "YYYY-MM", _next_april),
    Question("day-centre-users", "People in building-based day centres now", "a count, e.g. 1200", _positive_count,
             "N", lambda a: 300),
    Question("needs", "Of them, how many with low, moderate, high and complex needs",
             "four counts or shares, e.g. 240,420,360,180; leave empty if not known (assumption: 20/35/30/15%)",
             _needs, "L,M,H,C", lambda a: None),
    Question("place-cost", "Average weekly cost of a day-centre place, in pounds",
             "what the council pays per person a week, e.g. 160; default: 158.50, an assumption", _pounds, "GBP",
             lambda a: None),
    Question("day-centres", "Number of day-centre buildings", "e.g. 12; default: one per 80 people", _positive_count,
             "N", lambda a: max(1, math.ceil(a["day_centre_users"] / 80))),
    Question("community-day-users", "People in community day opportunities (no building)",
             "a count; default: a quarter of the day-centre users, an assumption", _count, "N",
             lambda a: round(a["day_centre_users"] / 4)),
    Question("in-work", "People in paid work with support now", "a count; default: 5% of the people above, "
             "near England's 5.6% (ASCOF 1E)", _count, "N",
             lambda a: round(0.05 * (a["day_centre_users"] + a["community_day_users"]))),
    Question("supported-employment", "People in supported employment (job search with a job coach) now",
             "a count; default: 5% of day-centre users, an assumption", _count, "N",
             lambda a: round(0.05 * a["day_centre_users"])),
    Question("employment-budget", "Yearly budget for employment support, in pounds",
             "e.g. 120,000; or give --employment-team instead", _pounds, "GBP", lambda a: None),
    Question("employment-team", "Or: employment specialists (full-time posts)",
             f"each costed at GBP {SPECIALIST_COST:,} a year with on-costs, an assumption", _team, "N",
             lambda a: None),
    Question("entrants", "Young people entering adult services a year",
             "a count; default: scaled from Essex's fitted 23 a year for 800 day-centre users", _count, "N",
             lambda a: round(a["day_centre_users"] * ENTRANTS_PER_USER)),
]


def ask(given: dict, interactive: bool, read: Callable[[str], str] = input) -> dict:
    """Every answer: those given as options, the rest asked (or defaulted when not interactive). The keys
    answered (as options or typed) are listed under "_said"; the others took their defaults."""
    answers: dict[str, Any] = {"_said": set()}
    for q in QUESTIONS:
        if given.get(q.key) is not None:
            answers[q.key] = given[q.key]
            answers["_said"].add(q.key)
            continue
        if q.key == "employment_team" and answers.get("employment_budget") is not None:
            answers[q.key] = None
            continue
        default = q.default(answers)
        while interactive:
            text = ",".join(map(str, default)) if isinstance(default, tuple) else default
            shown = "" if default is None else f" [{text}]"
            try:
                text = read(f"{q.question} ({q.help}){shown}: ").strip()
            except (EOFError, OSError):  # answers piped in and run out, or no terminal: the defaults
                interactive = False
                break
            if not text:
                break
            try:
                default = q.type(text)
                answers["_said"].add(q.key)
                break
            except argparse.ArgumentTypeError as exc:
                print(f"  {exc}", file=sys.stderr)
        answers[q.key] = default
    return answers
