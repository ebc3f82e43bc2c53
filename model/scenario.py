"""Reading scenario files: safe YAML, schema validation, cross-field checks, and readable errors."""

from __future__ import annotations

import difflib
import json
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from model.schema import EXIT_STATES, Scenario, Transition


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


def read_text(path: str | Path) -> str:
    """Read a scenario file's text, or raise ScenarioError naming the file."""
    p = Path(path)
    if not p.exists():
        raise ScenarioError(str(path), [Problem("", "file not found")])
    if p.is_dir():
        raise ScenarioError(str(path), [Problem("", "is a folder, not a scenario file")])
    try:
        return p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), [Problem("", f"cannot be read: {exc}")]) from None


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing a key given twice in one mapping (YAML would keep only the last)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key '{key}' is given twice in one mapping", key_node.start_mark)
            seen.add(key) if isinstance(key, (str, int, float, bool)) else None
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str, source: str) -> dict:
    """Parse YAML with the safe loader only; tags that would construct objects are errors."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = getattr(exc, "problem", None) or str(exc)
        if "constructor for the tag" in what:
            what += " (tags that build Python objects are not allowed; write plain values)"
        raise ScenarioError(source, [Problem(where, f"not valid YAML: {what}")]) from None
    if not isinstance(data, dict):
        raise ScenarioError(
            source, [Problem("", "a scenario must be a YAML mapping of keys to values", data, True)]
        )
    return data


def load_file(path: Path, model: type[BaseModel]) -> tuple[str, BaseModel]:
    """A YAML file (a sweep or targets file, say) and its contents checked against `model`; ScenarioError
    naming the file and every problem otherwise."""
    text = read_text(path)
    data = parse_yaml(text, str(path))
    try:
        return text, model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(str(path), _pydantic_problems(exc, data, model)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Load and fully validate a scenario file."""
    return parse_scenario(read_text(path), str(path))


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Validate scenario YAML text; raise ScenarioError listing every problem.

    A scenario may start from another with `extends: other.yaml` (relative to its own file): its values
    are laid over the other's, mappings merged key by key and anything else (lists included) replaced.
    """
    return validate_scenario(parse_yaml(text, source), source)  # which resolves `extends`


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


def validate_scenario(data: dict, source: str = "<scenario>") -> Scenario:
    """Validate a scenario given as a mapping (as read from YAML); values written as distributions are
    checked, the scenario takes their means, and their extremes must make valid scenarios too."""
    from model import uncertainty

    data = resolve_extends(data, source)
    found = uncertainty.find_distributions(data)
    if not found:
        scenario = _validate_plain(data, source)
        scenario._raw = data
        return scenario
    problems, uncertain = [], []
    for path, raw in found:
        if _fixed_path(path):
            problems.append(Problem(_dotted(list(path)), "cannot be a distribution: it changes who is in the model "
                                    "or when, and every draw of a PSA runs over the same people and cycles", raw, True))
            continue
        try:
            uncertain.append(uncertainty.Uncertain(path, uncertainty.parse_distribution(raw)))
        except ValueError as exc:
            problems.append(Problem(_dotted(list(path)), str(exc), raw, True))
    if problems:
        raise ScenarioError(source, problems)
    means = {u.path: u.mean() for u in uncertain}
    scenario = _validate_plain(uncertainty.substitute(data, means), source)
    for u in uncertain:
        for q, label in ((0.0, "lowest"), (1.0, "highest")):
            value = float(u.quantile(q))
            try:
                _validate_plain(uncertainty.substitute(data, {**means, u.path: value}), source)
            except ScenarioError as exc:
                problems.append(Problem(u.name, f"the distribution's {label} draw ({value:.6g}, at the "
                                        f"{100 * uncertainty.TAIL:g}% tail) is not allowed: {exc.problems[0]}"))
    if not problems and len(uncertain) > 1:  # values that are fine alone may not be together (sums, shares)
        for q, label in ((0.0, "lowest"), (1.0, "highest")):
            try:
                _validate_plain(uncertainty.substitute(data, {u.path: float(u.quantile(q)) for u in uncertain}), source)
            except ScenarioError as exc:
                problems.append(Problem("", f"with every distribution at its {label} draw together the scenario "
                                        f"is not allowed: {exc.problems[0]}"))
    if problems:
        raise ScenarioError(source, problems)
    scenario._uncertain = uncertain
    scenario._raw = data
    return scenario


_FIXED = (("horizon",), ("cycle",), ("start",), ("population", "inflow", "per_year"),
          ("population", "inflow", "until_year"), ("population", "age_bands"), ("population", "bands"))


def _fixed_path(path: tuple) -> bool:
    """Values that decide who is in the model and when; they cannot vary between PSA draws."""
    if any(path[: len(f)] == f for f in _FIXED):
        return True
    if path[:2] == ("population", "initial") and path[-1] in ("count", "state"):
        return True
    if path[:4] == ("policy", "personal_budgets", "uptake", "years"):
        return True
    return "time_in_state" in path and "months" in path


def _validate_plain(data: dict, source: str) -> Scenario:
    """Validate a scenario with plain numbers only."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, _pydantic_problems(exc, data)) from None
    except (TypeError, ValueError, RecursionError) as exc:  # pragma: no cover - defensive
        raise ScenarioError(source, [Problem("", f"cannot be read as a scenario: {exc}")]) from None
    problems = check_cross_fields(scenario)
    if problems:
        raise ScenarioError(source, problems)
    # The compiled tables hold the last checks (leaving chances after all multipliers).
    from model.spec import build_spec

    build_spec(scenario, source=source)
    return scenario


def json_schema() -> dict:
    """The JSON Schema of scenario files, for editors."""
    from pydantic import TypeAdapter

    from model.uncertainty import Distribution

    schema = Scenario.model_json_schema(by_alias=True)
    dist = TypeAdapter(Distribution).json_schema()
    schema.setdefault("$defs", {}).update(dist.pop("$defs", {}))
    schema["$defs"]["Distribution"] = dist
    _numbers_or_distributions(schema)
    # A scenario that extends another holds only what it changes, so any part may be partial: such a file
    # is checked in full by dayshift once merged, and the editor's schema accepts it as it is.
    defs = schema.pop("$defs")
    full = dict(schema)
    schema = {"$defs": defs, "title": full.get("title"), "if": {"required": ["extends"]},
              "then": {"type": "object", "properties": {"extends": {"type": "string"}}}, "else": full}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "dayshift scenario"
    return schema


def _numbers_or_distributions(node: Any) -> None:
    """Let every number in the schema be written as a distribution instead."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if isinstance(value, dict) and value.get("type") == "number":
                node[key] = {"anyOf": [value, {"$ref": "#/$defs/Distribution"}]}
            else:
                _numbers_or_distributions(value)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, dict) and value.get("type") == "number":
                node[i] = {"anyOf": [value, {"$ref": "#/$defs/Distribution"}]}
            else:
                _numbers_or_distributions(value)


# --- turning pydantic's errors into problems -------------------------------------------------


def _pydantic_problems(exc: ValidationError, data: dict, root: type[BaseModel] = Scenario) -> list[Problem]:
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
                misspelt.add(_dotted(path[:-1] + [close[0]]))
            if allowed:
                msg += f" Allowed here: {', '.join(allowed)}"
            problem = Problem(_dotted(path), msg)
        else:
            msg = _plain(err)
            allowed = _literal_choices(err)
            if allowed and allowed not in msg:
                msg += f"; allowed: {allowed}"
            problem = Problem(_dotted(path), msg, value, has_value)
        seen.setdefault(problem.path + "|" + problem.message, problem)
    problems = [p for p in seen.values() if not (p.path in misspelt and p.message == "required field is missing")]
    if not problems:  # every error belonged to a union branch that does not fit: report them all plainly
        problems = [Problem(_dotted(_walk(data, e["loc"])[0]), _plain(e)) for e in exc.errors()]
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


def _dotted(path: list) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (("." if out else "") + str(part))
    return out


def _plain(err: dict) -> str:
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if err["type"] == "missing":
        return "required field is missing"
    ctx = err.get("ctx") or {}
    if err["type"] == "string_type" and isinstance(err.get("input"), bool):
        return msg[0].lower() + msg[1:] + " (YAML reads yes/no/on/off/true/false as true or false: quote the name)"
    if err["type"] in ("less_than_equal", "greater_than_equal", "greater_than", "less_than"):
        return msg[0].lower() + msg[1:]
    if ctx.get("pattern"):
        return f"does not match the required form {ctx['pattern']}"
    return msg[0].lower() + msg[1:] if msg else msg


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


# --- checks that relate fields to each other ---------------------------------------------------


RESERVED_SERVICES = ("council", "proactive", "reactive", "public_purse")


def age_labels(edges: list[int]) -> list[str]:
    """Labels of the age bands: '18-24', ..., '55+'."""
    labels = [f"{a}-{b - 1}" for a, b in zip(edges, edges[1:])]
    return labels + [f"{edges[-1]}+"]


@dataclass
class _Checker:
    sc: Scenario
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: str, message: str, value: Any = None, has_value: bool = True) -> None:
        self.problems.append(Problem(path, message, value, has_value))

    def name_in(self, path: str, name: str, allowed: list[str], what: str) -> bool:
        if name in allowed:
            return True
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        self.add(path, f"unknown {what} '{name}'{hint} Allowed: {', '.join(allowed)}", has_value=False)
        return False

    def keys_in(self, path: str, mapping: dict, allowed: list[str], what: str) -> None:
        for key in mapping:
            self.name_in(f"{path}.{key}", key, allowed, what)

    def by_band(self, path: str, value: Any, bands: list[str]) -> None:
        if isinstance(value, dict):
            self.keys_in(path, value, bands, "band")
            missing = [b for b in bands if b not in value]
            if missing:
                self.add(path, f"give a value for every band; missing: {', '.join(missing)}", has_value=False)

    def shares(self, path: str, mapping: dict, allowed: list[str], what: str) -> None:
        self.keys_in(path, mapping, allowed, what)
        if sum(mapping.values()) <= 0:
            self.add(path, f"give a positive share for at least one {what}", mapping)


def check_cross_fields(sc: Scenario) -> list[Problem]:
    """Checks that relate one part of a scenario to another (names, bands, policy states)."""
    c = _Checker(sc)
    states = list(sc.states)
    bands = list(sc.population.bands)
    ages = age_labels(sc.population.age_bands)
    pop = sc.population

    for s in states:
        if s in EXIT_STATES or s == "inflow":
            c.add(f"states.{s}", f"'{s}' is a name the model uses itself; choose another name", has_value=False)
    for s in sc.services:
        if s in RESERVED_SERVICES:
            c.add(f"services.{s}", f"'{s}' is a name the model uses itself (cost_{s} is a total); choose another",
                  has_value=False)
    services = list(sc.services)
    for s, d in sc.states.items():
        if d.service is not None and services:
            c.name_in(f"states.{s}.service", d.service, services, "service")
    if len(set(bands)) != len(bands):
        c.add("population.bands", "band names must be unique", bands)

    c.shares("population.band_mix", pop.band_mix, bands, "band")
    if pop.age_mix is not None:
        c.shares("population.age_mix", pop.age_mix, ages, "age band")
    c.by_band("population.wants_work", pop.wants_work, bands)
    for i, g in enumerate(pop.initial):
        c.name_in(f"population.initial[{i}].state", g.state, states, "state")
        if g.band_mix is not None:
            c.shares(f"population.initial[{i}].band_mix", g.band_mix, bands, "band")
        if g.age_mix is not None:
            c.shares(f"population.initial[{i}].age_mix", g.age_mix, ages, "age band")
    if pop.inflow is not None:
        if pop.inflow.band_mix is not None:
            c.shares("population.inflow.band_mix", pop.inflow.band_mix, bands, "band")
        c.shares("population.inflow.entry", pop.inflow.entry, states, "state")
        if not pop.age_bands[0] <= pop.inflow.age < pop.state_pension_age:
            c.add("population.inflow.age",
                  f"entrants' age must be within the age bands ({pop.age_bands[0]} or more) and below "
                  f"state_pension_age ({pop.state_pension_age:g})", pop.inflow.age)
    if pop.mortality is not None:
        c.keys_in("population.mortality.annual_by_age", pop.mortality.annual_by_age, ages, "age band")
        missing = [a for a in ages if a not in pop.mortality.annual_by_age]
        if missing:
            c.add("population.mortality.annual_by_age", f"give a value for every age band; missing: {', '.join(missing)}", has_value=False)
        c.keys_in("population.mortality.band_ratio", pop.mortality.band_ratio, bands, "band")
    if pop.age_bands[-1] >= pop.state_pension_age:
        c.add("population.age_bands", f"every age band must start below state_pension_age ({pop.state_pension_age:g})",
              pop.age_bands)
    if sc.horizon == "lifetime" and pop.inflow is not None and pop.inflow.per_year > 0 and pop.inflow.until_year is None:
        c.add("population.inflow.until_year", "a lifetime horizon needs the inflow to stop: set until_year", has_value=False)

    for src, targets in sc.transitions.items():
        if not c.name_in(f"transitions.{src}", src, states, "state"):
            continue
        for dst, t in targets.items():
            path = f"transitions.{src}.{dst}"
            c.name_in(path, dst, states, "state")
            if dst == src:
                c.add(path, "a transition must lead to another state", has_value=False)
            for kind in ("annual", "monthly", "rate"):
                c.by_band(f"{path}.{kind}", getattr(t, kind), bands)
            if t.by_age:
                c.keys_in(f"{path}.by_age", t.by_age, ages, "age band")
        _check_leaving_sum(c, src, targets, bands)

    for s, cost in sc.costs.states.items():
        if c.name_in(f"costs.states.{s}", s, states, "state"):
            c.by_band(f"costs.states.{s}.weekly", cost.weekly, bands)
    for i, tc in enumerate(sc.costs.transitions):
        c.name_in(f"costs.transitions[{i}].from", tc.source, states, "state")
        c.name_in(f"costs.transitions[{i}].to", tc.to, states, "state")
    c.keys_in("outcome_weights", sc.outcome_weights, states, "state")
    for k, v in sc.outcome_weights.items():
        if not math.isfinite(v):
            c.add(f"outcome_weights.{k}", "must be a finite number", v)
    if sc.public_purse is not None:
        for s, v in sc.public_purse.benefits_weekly.items():
            if c.name_in(f"public_purse.benefits_weekly.{s}", s, states, "state"):
                c.by_band(f"public_purse.benefits_weekly.{s}", v, bands)

    pol = sc.policy
    if pol is not None:
        ps = pol.states
        for role in ("day", "waiting", "support", "work"):
            c.name_in(f"policy.states.{role}", getattr(ps, role), states, "state")
        if len({ps.day, ps.waiting, ps.support, ps.work}) != 4:
            c.add("policy.states", "day, waiting, support and work must be four different states", ps.model_dump())
        for i, s in enumerate(pol.referral.source):
            c.name_in(f"policy.referral.from[{i}]", s, states, "state")
            if s in (ps.waiting, ps.support, ps.work):
                c.add(f"policy.referral.from[{i}]", "referral must come from a state outside the employment pathway", s)
        if pol.referral.eligible_bands is not None:
            for i, b in enumerate(pol.referral.eligible_bands):
                c.name_in(f"policy.referral.eligible_bands[{i}]", b, bands, "band")
        for src, targets in sc.transitions.items():
            for dst in targets:
                path = f"transitions.{src}.{dst}"
                if src == ps.waiting:
                    c.add(path, f"moves out of '{src}' are set by the policy's waiting list", has_value=False)
                elif dst in (ps.waiting, ps.support):
                    c.add(path, f"moves into '{dst}' are set by the policy (policy.referral, the waiting list "
                          "and the places the budget buys)", has_value=False)
                elif src == ps.support and dst == ps.work:
                    c.add(path, "job starts from supported employment are set by the policy's service_models "
                          "job_outcome_rate", has_value=False)
        if pop.inflow is not None:
            for s in pop.inflow.entry:
                if s in (ps.waiting, ps.support, ps.work):
                    c.add(f"population.inflow.entry.{s}", "entrants reach the employment pathway through "
                          "policy.entry_route: employment_first, not as an entry state", has_value=False)
        for k in pol.employment_support.service_models:
            if k == "spot":
                c.add(f"policy.employment_support.service_models.{k}",
                      "'spot' is a name the model uses itself (places bought on personal budgets); choose another",
                      has_value=False)
    return c.problems


def _check_leaving_sum(c: _Checker, src: str, targets: dict[str, Transition], bands: list[str]) -> None:
    """Declared leaving chances from one state must not sum past 1, in each band."""
    for kind in ("annual", "monthly"):
        for band in bands:
            total = 0.0
            for t in targets.values():
                v = getattr(t, kind)
                if v is not None:
                    total += v.get(band, 0.0) if isinstance(v, dict) else v
            if total > 1.0 + 1e-12:
                c.add(
                    f"transitions.{src}",
                    f"{kind} leaving chances sum to {total:.4g} for band '{band}'; they may sum to at most 1",
                    {k: getattr(t, kind) for k, t in targets.items() if getattr(t, kind) is not None},
                )
                return
