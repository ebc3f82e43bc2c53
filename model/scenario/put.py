"""Numbers put into a validated scenario without validating it again: for a PSA's draws, whose every value lies
between the extremes its distribution was checked at when the scenario was loaded. A field's bounds are an
interval (`tests/test_psa_draws.py` checks the schema has no other kind), so a number between two allowed
ones is allowed too; the rules that relate fields to each other are not, and are run again on the copy: the
schema's own (its models' after-validators) here, the cross-field checks and the compiled checks by the caller.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel

from model.scenario.schema import Scenario


class NotPlain(Exception):
    """A path does not end at a plain float in the scenario's models, or passes a model whose fields are
    validated in a way a copy would skip (anything but after-validators)."""


class RuleBroken(ValueError):
    """A model's after-validator refused the copy: `path` is where the model stands in the scenario."""

    def __init__(self, path: tuple, message: str):
        super().__init__(message)
        self.path = path


def put_numbers(scenario: Scenario, values: dict[tuple, float]) -> Scenario:
    """A copy of `scenario` with the numbers at their paths, the models on those paths copied and their
    after-validators run (RuleBroken if one fails, NotPlain if a path cannot be put this way). The copy's
    compiled spec, notes and data are left for the caller to set."""
    tree: dict = {}
    for path, value in values.items():
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = float(value)
    out = _put(scenario, tree, ())
    out._compiled, out._data, out._uncertain, out._notes = None, None, [], []
    return out


def _put(node: Any, tree: Any, where: tuple) -> Any:
    if not isinstance(tree, dict):  # a number's place
        if type(node) is float:
            return tree
        if type(node) is int and tree.is_integer():  # a whole number stays one, as validation makes it
            return int(tree)
        raise NotPlain  # a mapping by band, a fraction for a whole number: validation would change or refuse it
    if isinstance(node, BaseModel):
        after = _after_validators(type(node))
        try:
            update = {k: _put(getattr(node, k), sub, where + (k,)) for k, sub in tree.items()}
        except AttributeError:
            raise NotPlain from None
        out = node.model_copy(update=update)
        for check in after:
            try:
                check(out)
            except ValueError as exc:
                raise RuleBroken(where, str(exc)) from None
        return out
    if isinstance(node, (dict, list)):
        out = type(node)(node)
        try:
            for k, sub in tree.items():
                out[k] = _put(node[k], sub, where + (k,))
        except (KeyError, IndexError, TypeError):
            raise NotPlain from None
        return out
    raise NotPlain


@functools.cache
def _after_validators(cls: type[BaseModel]) -> tuple:
    """The model's after-validators, as functions of an instance; NotPlain if it has validators of other kinds."""
    found = cls.__pydantic_decorators__
    if found.field_validators or found.root_validators or found.validators or any(
            d.info.mode != "after" for d in found.model_validators.values()):
        raise NotPlain
    return tuple(d.func for d in found.model_validators.values())
