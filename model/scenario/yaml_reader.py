"""Reading YAML input files safely: the text, the YAML (safe loader only), and a file checked against a
pydantic model with every problem named."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from model.scenario.messages import pydantic_problems
from model.scenario.problems import Problem, ScenarioError


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
        raise ScenarioError(str(path), pydantic_problems(exc, data, model)) from None

