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
    dist = TypeAdapter(Distribution).json_schema()
    schema.setdefault("$defs", {}).update(dist.pop("$defs", {}))
    schema["$defs"]["Distribution"] = dist
    _numbers_or_distributions(schema)
    series = TimeSeries.model_json_schema()  # its values: numbers or distributions
    series["properties"]["values"]["items"] = {"anyOf": [{"type": "number"}, {"$ref": "#/$defs/Distribution"}]}
    schema["$defs"]["TimeSeries"] = series
    # A scenario that extends another holds only what it changes, so any part may be partial: such a file
    # is checked in full by dayshift once merged, and the editor's schema accepts it as it is.
    defs = schema.pop("$defs")
    full = dict(schema)
    schema = {"$defs": defs, "title": full.get("title"), "if": {"required": ["extends"]},
              "then": {"type": "object", "properties": {"extends": {"type": "string"}}}, "else": full}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "dayshift scenario"
    return schema


_OTHER_FORMS = ({"$ref": "#/$defs/Distribution"}, {"$ref": "#/$defs/TimeSeries"})


def _numbers_or_distributions(node: Any) -> None:
    """Let every number in the schema be written as a distribution or a time series instead."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if isinstance(value, dict) and value.get("type") == "number":
                node[key] = {"anyOf": [value, *_OTHER_FORMS]}
            else:
                _numbers_or_distributions(value)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, dict) and value.get("type") == "number":
                node[i] = {"anyOf": [value, *_OTHER_FORMS]}
            else:
                _numbers_or_distributions(value)

