"""`extends`: a scenario that starts from another, its values laid over the other's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from model.scenario.problems import Problem, ScenarioError
from model.scenario.yaml_reader import parse_yaml, read_text


def resolve_extends(data: dict, source: str, seen: tuple = ()) -> dict:
    """The scenario data with any chain of `extends` merged in."""
    if "extends" not in data:
        return data
    parent = data["extends"]
    if not isinstance(parent, str):
        raise ScenarioError(source, [Problem("extends", "must be the path of another scenario file", parent, True)])
    path = (Path(source).parent / parent) if source and not source.startswith("<") else Path(parent)
    key = str(path.resolve())
    if key in seen:
        raise ScenarioError(source, [Problem("extends", "scenarios extend each other in a loop", parent, True)])
    try:
        base = resolve_extends(parse_yaml(read_text(path), str(path)), str(path), seen + (key,))
    except ScenarioError as exc:
        raise ScenarioError(source, [Problem("extends", f"{parent}: {p}") for p in exc.problems]) from None
    return _merge(base, {k: v for k, v in data.items() if k != "extends"})


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base else v
        return out
    return over

