"""Paths into a scenario's data as read from YAML: 'policy.referral.annual' as keys and list indices."""

from __future__ import annotations

import copy
from typing import Any


def substitute(data: dict, values: dict[tuple, float]) -> dict:
    """A copy of raw scenario data with the values at the given paths replaced."""
    out = copy.deepcopy(data)
    for path, value in values.items():
        node = out
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = float(value)
    return out


def parse_path(dotted: str) -> tuple:
    """A dotted scenario path as keys and list indices: 'population.initial.0.count'."""
    return tuple(int(x) if x.isdigit() else x for x in dotted.split("."))


_MISSING = object()


def value_at(data: Any, path: tuple, default: Any = _MISSING) -> Any:
    """The value at a path of keys and list indices; `default` if there is none (else the lookup's error)."""
    try:
        for part in path:
            data = data[part]
    except (KeyError, IndexError, TypeError):
        if default is _MISSING:
            raise
        return default
    return data


def at_means(scenario) -> dict:
    """A scenario's data (after `extends`) with every distribution at its mean."""
    return substitute(scenario.data, {u.path: u.mean() for u in scenario.uncertain})

