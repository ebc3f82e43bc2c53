"""What is wrong with an input file: each problem names the field, the value and what is allowed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass
class Problem:
    """One thing wrong with a scenario: where, what value, and what would be allowed."""

    path: str
    message: str
    value: Any = None
    has_value: bool = False

    def __str__(self) -> str:
        where = self.path or "(top level)"
        shown = f" (got {_short(self.value)})" if self.has_value else ""
        return f"{where}: {self.message}{shown}"


class ScenarioError(Exception):
    """A scenario that cannot be run, with every problem found in it."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{self.source}: {n} problem{'s' if n != 1 else ''} in the scenario"
        return "\n".join([head] + [f"  - {p}" for p in self.problems])


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def dotted(path: list | tuple) -> str:
    """A path of keys and list indices as written in messages: 'population.initial[0].count'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (("." if out else "") + str(part))
    return out
