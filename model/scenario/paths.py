"""Paths into a scenario's data as read from YAML: 'policy.referral.annual' as keys and list indices."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any


def find_values(data: Any, is_value: Callable[[dict], bool], path: tuple = ()) -> list[tuple[tuple, dict]]:
    """Every mapping below the top of raw scenario data that `is_value` takes for one value written as a
    mapping (a distribution, a time series), with its path; such a mapping is not searched inside."""
    if isinstance(data, dict):
        if path and is_value(data):
            return [(path, data)]
        return [x for k, v in data.items() for x in find_values(v, is_value, path + (k,))]
    if isinstance(data, list):
        return [x for i, v in enumerate(data) for x in find_values(v, is_value, path + (i,))]
    return []


def substitute(data: dict, values: dict[tuple, float]) -> dict:
    """Raw scenario data with the values at the given paths replaced. Only the mappings and lists on those paths
    are copied; the rest is shared with `data`, so neither may be changed in place afterwards (`at_means` gives a
    copy to edit)."""
    # A PSA validates a scenario per draw, with up to three copies of its data each: shared, 1,000 draws hold one
    # copy of what they do not change (the gathering process's peak fell by 40 to 70 MiB) and copy nothing else.
    out = dict(data)
    own = {id(out)}  # containers already copied, for paths that share their start
    for path, value in values.items():
        node = out
        for part in path[:-1]:
            child = node[part]
            if id(child) not in own:
                child = node[part] = type(child)(child)
                own.add(id(child))
            node = child
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
    """A scenario's data (after `extends`) with every distribution at its mean (and so no correlations
    between them), a copy the caller may change."""
    data = copy.deepcopy(substitute(scenario.data, {u.path: u.mean() for u in scenario.uncertain}))
    data.pop("correlation", None)
    return data

