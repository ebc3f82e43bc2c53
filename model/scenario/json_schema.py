"""The JSON Schema of scenario files, for editors: every number may also be written as a distribution or as a
number that changes over time (a time series)."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from model.scenario.distributions import Distribution
from model.scenario.schema import Scenario
from model.scenario.time_series import TimeSeries


def json_schema() -> dict:
    """The JSON Schema of scenario files, for editors."""
    schema = Scenario.model_json_schema(by_alias=True)
    _numbers_or_distributions(schema)
    # A distribution's own parameters are plain numbers: they are added after the scenario's numbers are
    # widened, as are a time series' (its values: numbers or distributions).
    dist = TypeAdapter(Distribution).json_schema()
    schema.setdefault("$defs", {}).update(dist.pop("$defs", {}))
    schema["$defs"]["Distribution"] = dist
    series = TimeSeries.model_json_schema()
    series["properties"]["values"]["items"] = {"anyOf": [{"type": "number"}, {"$ref": "#/$defs/Distribution"}]}
    schema["$defs"]["TimeSeries"] = series
    # A scenario that extends another holds only what it changes, so any part may be partial: such a file
    # is checked in full by dayshift once merged, and the editor's schema accepts it as it is.
    defs = schema.pop("$defs")
    full = dict(schema)
    schema = {"$defs": defs, "title": full.get("title"), "if": {"required": ["extends"]},
              "then": {"type": "object", "properties": {"extends": _EXTENDS}}, "else": full}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "dayshift scenario"
    return schema


_EXTENDS = {
    "type": "string",
    "description": "Another scenario file this one starts from, in its own folder or below it (or a folder allowed by "
                   "--allow-extends-from); this file then gives only what differs.",
    "examples": ["baseline.yaml"],
}
_OTHER_FORMS = ({"$ref": "#/$defs/Distribution"}, {"$ref": "#/$defs/TimeSeries"})
# What a property says about itself rather than what it allows: kept on the property when its number is
# widened, so editors show them whichever form is written.
_ANNOTATIONS = ("title", "description", "examples", "default")


def _widened(number: dict) -> dict:
    """A number's schema widened to a number, a distribution or a time series, its annotations beside the choice."""
    notes = {k: number[k] for k in _ANNOTATIONS if k in number}
    rule = {k: v for k, v in number.items() if k not in _ANNOTATIONS}
    return {"anyOf": [rule, *_OTHER_FORMS], **notes}


def _numbers_or_distributions(node: Any) -> None:
    """Let every number in the schema be written as a distribution or a time series instead."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if isinstance(value, dict) and value.get("type") == "number":
                node[key] = _widened(value)
            else:
                _numbers_or_distributions(value)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, dict) and value.get("type") == "number":
                node[i] = _widened(value)
            else:
                _numbers_or_distributions(value)
