"""Turning pydantic's validation errors into problems a person can act on: the field's path as written in
the file, the value, what is allowed, and a near miss for a misspelt key."""

from __future__ import annotations

import datetime
import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from model.scenario.problems import Problem, dotted
from model.scenario.schema import Scenario


def pydantic_problems(exc: ValidationError, data: dict, root: type[BaseModel] = Scenario) -> list[Problem]:
    seen: dict[str, Problem] = {}
    misspelt: set[str] = set()  # fields reported missing because a near-miss key stands in their place
    for err in exc.errors():
        path, value, has_value, branch = _walk(data, err["loc"])
        if branch is not None and not _branch_fits(*branch):
            continue
        if err["type"] == "extra_forbidden":
            key = path[-1]
            allowed = _allowed_keys(path[:-1], root)
            msg = f"unknown field '{key}'"
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            if close:
                msg += f"; did you mean '{close[0]}'?"
                misspelt.add(dotted(path[:-1] + [close[0]]))
            if allowed:
                msg += f" Allowed here: {', '.join(allowed)}"
            problem = Problem(dotted(path), msg)
        else:
            msg = _plain(err)
            allowed = _literal_choices(err)
            if allowed and allowed not in msg:
                msg += f"; allowed: {allowed}"
            problem = Problem(dotted(path), msg, value, has_value)
        seen.setdefault(problem.path + "|" + problem.message, problem)
    problems = [p for p in seen.values() if not (p.path in misspelt and p.message == "required field is missing")]
    if not problems:  # every error belonged to a union branch that does not fit: report them all plainly
        plain = [Problem(dotted(_walk(data, e["loc"])[0]), _plain(e)) for e in exc.errors()]
        problems = list({(p.path, p.message): p for p in plain}.values())
    # A path reported with a specific error makes the union's generic errors at the same path noise.
    by_path: dict[str, list[Problem]] = {}
    for p in problems:
        by_path.setdefault(p.path, []).append(p)
    return [p for ps in by_path.values() for p in ps]


def _walk(data: Any, loc: tuple) -> tuple[list, Any, bool, tuple[str, Any] | None]:
    """Follow a pydantic location through the input, separating real keys from union branch tags.

    Returns the real path, the value there, whether it is present, and the first union branch taken
    with the value it was tried on.
    """
    path: list = []
    cur: Any = data
    present = True
    branch = None
    for part in loc:
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
            path.append(part)
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            cur = cur[part]
            path.append(part)
        elif isinstance(part, str) and present and _is_tag(part):
            branch = branch or (part, cur)
        else:
            path.append(part)
            present = False
    return path, cur, present, branch


def _is_tag(part: str) -> bool:
    return any(ch in part for ch in "[]-") or part[:1].isupper() or part in {"float", "int", "str", "bool"}


def _branch_fits(branch: str, value: Any) -> bool:
    """Whether a union branch is the one the user meant, judged by the value's type."""
    if branch.startswith("dict["):
        return isinstance(value, dict)
    if branch.startswith("literal["):
        return isinstance(value, str)
    if branch[:1].isupper():  # a model class
        return isinstance(value, dict)
    return not isinstance(value, dict)


def _plain(err: dict) -> str:
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if err["type"] == "missing":
        return "required field is missing"
    value = err.get("input")
    if len(err["loc"]) == 2 and err["loc"][0] == "horizon" and isinstance(value, (int, float)) and not isinstance(
            value, bool):
        return f"give the horizon as {{years: {value}}}, or lifetime"
    if err["loc"][:1] == ("price_year",) and not isinstance(err.get("input"), str):
        return "give the price year as a financial year in quotes or as text, e.g. 2023-24"
    ctx = err.get("ctx") or {}
    if err["type"] == "string_type" and isinstance(err.get("input"), bool):
        return msg[0].lower() + msg[1:] + " (YAML reads yes/no/on/off/true/false as true or false: quote the name)"
    if err["type"] in ("less_than_equal", "greater_than_equal", "greater_than", "less_than"):
        return msg[0].lower() + msg[1:]
    if ctx.get("pattern"):
        return _PATTERNS.get(ctx["pattern"], f"does not match the required form {ctx['pattern']}")
    if err["type"] == "string_type" and isinstance(err.get("input"), (datetime.date, datetime.time)):
        return "a date is not allowed here: write the year and month as text, YYYY-MM (e.g. 2020-04)"
    return msg[0].lower() + msg[1:] if msg else msg


_PATTERNS = {  # the schema's patterns in words
    r"^\d{4}-(0[1-9]|1[0-2])$": "must be a year and month written YYYY-MM, e.g. 2020-04 (no day)",
    r"^[A-Za-z_][A-Za-z0-9_]*$": "must be a name of letters, digits and _ that does not start with a digit",
    r"^\d{4}-\d{2}$": "must be a financial year written like 2023-24",
}


def _literal_choices(err: dict) -> str:
    ctx = err.get("ctx") or {}
    return str(ctx.get("expected", "")) if err["type"] == "literal_error" else ""


def _allowed_keys(path: list, root: type[BaseModel] = Scenario) -> list[str]:
    """The keys a block at `path` accepts, by walking the schema's annotations from `root`."""
    tp: Any = root
    for part in path:
        tp = _step(tp, part)
        if tp is None:
            return []
    model = _as_model(tp)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _unwrap(tp: Any) -> list:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [x for a in typing.get_args(tp) for x in _unwrap(a)]
    return [tp]


def _as_model(tp: Any) -> type[BaseModel] | None:
    for cand in _unwrap(tp):
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            return cand
    return None


def _step(tp: Any, part: Any) -> Any:
    for cand in _unwrap(tp):
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            for name, f in cand.model_fields.items():
                if part in (name, f.alias):
                    return f.annotation
        origin = typing.get_origin(cand)
        if origin is dict and not isinstance(part, int):
            return typing.get_args(cand)[1]
        if origin is list and isinstance(part, int):
            return typing.get_args(cand)[0]
    return None

