"""The JSON Schema editors use (`dayshift schema`): every field says what it means and shows a value."""

from __future__ import annotations

import json

import jsonschema
import pytest

from model.scenario.json_schema import json_schema


def _properties(node, where=""):
    """Every property in a schema, anywhere (top level, $defs, branches), as (path, property schema)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for name, prop in value.items():
                    yield f"{where}.{name}".lstrip("./"), prop
            yield from _properties(value, f"{where}/{key}" if key != "properties" else where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _properties(value, f"{where}/{i}")


def _annotation(prop: dict, key: str):
    """A property's annotation: beside its schema, as pydantic writes it beside a `$ref`, or on a lone `allOf`
    branch, as older versions wrap a `$ref`."""
    if key in prop:
        return prop[key]
    branches = prop.get("allOf")
    if isinstance(branches, list) and len(branches) == 1 and isinstance(branches[0], dict):
        return branches[0].get(key)
    return None


@pytest.fixture(scope="module")
def schema():
    return json_schema()


def test_the_walk_finds_every_block(schema):
    paths = [path for path, _ in _properties(schema)]
    assert len(paths) > 150
    for expected in ("else.horizon", "then.extends", "$defs/Policy.referral", "$defs/Beta.a", "$defs/TimeSeries.values",
                     "$defs/TransitionCost.from", "$defs/Investment.from"):
        assert expected in paths


def test_every_property_has_a_description(schema):
    missing = [path for path, prop in _properties(schema)
               if not (isinstance(_annotation(prop, "description"), str) and _annotation(prop, "description").strip())]
    assert not missing, f"{len(missing)} properties without a description: {', '.join(missing)}"


def test_every_property_has_examples(schema):
    missing = [path for path, prop in _properties(schema)
               if not (isinstance(_annotation(prop, "examples"), list) and _annotation(prop, "examples"))]
    assert not missing, f"{len(missing)} properties without examples: {', '.join(missing)}"


def test_every_example_is_valid_for_its_own_property(schema):
    defs = schema["$defs"]
    bad = []
    for path, prop in _properties(schema):
        own = {k: v for k, v in prop.items() if k not in ("examples", "default")}
        validator = jsonschema.Draft202012Validator({**own, "$defs": defs})
        for example in _annotation(prop, "examples") or []:
            errors = list(validator.iter_errors(example))
            if errors:
                bad.append(f"{path}: {json.dumps(example)} ({errors[0].message})")
    assert not bad, f"{len(bad)} examples that their property refuses:\n" + "\n".join(bad)


def test_descriptions_are_sentences_not_types(schema):
    """One plain sentence each, not a restated type or the field's name."""
    bad = []
    for path, prop in _properties(schema):
        text = _annotation(prop, "description")
        if not isinstance(text, str):
            continue
        name = path.rsplit(".", 1)[-1]
        if len(text) < 15 or text.strip().lower().rstrip(".") in (name.lower(), name.replace("_", " ").lower()):
            bad.append(f"{path}: {text!r}")
    assert not bad, "descriptions too thin to help: " + "; ".join(bad)


def test_the_schema_is_itself_valid_json_schema(schema):
    jsonschema.Draft202012Validator.check_schema(schema)


def _as_the_model_reads_it(value):
    """An example with each distribution replaced by its mean and each time series by its first value, as the
    scenario itself reads them (a value that decides who is in the model cannot be either)."""
    from model.scenario.distributions import parse_distribution
    from model.scenario.time_series import is_time_series

    if isinstance(value, dict) and isinstance(value.get("dist"), str):
        return float(parse_distribution(value).frozen().mean())
    if is_time_series(value):
        return _as_the_model_reads_it(value["values"][0])
    if isinstance(value, dict):
        return {k: _as_the_model_reads_it(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_the_model_reads_it(v) for v in value]
    return value


def test_every_example_is_valid_for_dayshift_itself():
    """Beyond the editor's schema: each field's examples pass the field's own rules in dayshift (ranges, names,
    and an example of a whole block its block's rules, such as a table starting at 0 or spend shares summing to 1).
    Rules across blocks (a state named elsewhere in the scenario) are not checked here."""
    import inspect
    from typing import Annotated

    from pydantic import BaseModel, TypeAdapter, ValidationError

    from model.scenario import distributions, time_series
    from model.scenario import schema as schema_module

    bad, seen = [], 0
    for module in (schema_module, distributions, time_series):
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if not (issubclass(cls, BaseModel) and cls.__module__ == module.__name__ and cls.model_fields):
                continue
            for field, info in cls.model_fields.items():
                kind = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
                adapter = TypeAdapter(kind)
                for example in info.examples or []:
                    seen += 1
                    try:
                        adapter.validate_python(_as_the_model_reads_it(example))
                    except ValidationError as exc:
                        bad.append(f"{name}.{field}: {json.dumps(example)} ({exc.errors()[0]['msg']})")
    assert seen > 150
    assert not bad, f"{len(bad)} examples that dayshift refuses:\n" + "\n".join(bad)
