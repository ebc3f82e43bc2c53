"""`extends`: a scenario that starts from another, its values laid over the other's.

A scenario extends only regular files in its own folder or below it, so a scenario from elsewhere cannot
make dayshift read (and print) files it has no business with. Other folders (a shared library of
scenarios, say) are allowed by listing them in the environment variable DAYSHIFT_EXTENDS_FROM (separated
by the path separator, ':' on Linux and macOS) or with the command line's `--allow-extends-from DIR`.
Nothing of a file that is not a scenario is ever shown: only that it is not one.

How values are laid over the parent's: mappings are merged key by key, so a scenario gives only the keys
it changes; anything else is replaced whole, lists included (a list of starting groups or of states is
the child's list, not the parent's with the child's added), and a number written as a distribution or a
time series replaces the parent's value as one value. A list that replaces a parent's list and leaves some of its
items out (a starting group of a state the child does not name, say) is reported as a note, since dropping
them is rarely what a user means.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from model.scenario.problems import Problem, ScenarioError, dotted
from model.scenario.schema import Scenario
from model.scenario.time_series import is_time_series
from model.scenario.yaml_reader import parse_yaml, read_text

ALLOW_ENV = "DAYSHIFT_EXTENDS_FROM"
MAX_PATH = 1024  # characters in an `extends` path
_KEYS = {f.alias or name for name, f in Scenario.model_fields.items()} | {"extends"}


def allowed_folders() -> list[Path]:
    """Folders named in DAYSHIFT_EXTENDS_FROM, beyond a scenario's own, that `extends` may read from."""
    return [Path(p).resolve() for p in os.environ.get(ALLOW_ENV, "").split(os.pathsep) if p.strip()]


def resolve_extends(data: dict, source: str, seen: tuple = (), notes: list[str] | None = None,
                    chain: list[tuple[str, dict]] | None = None) -> dict:
    """The scenario data with any chain of `extends` merged in; lists that replace a parent's are told in
    `notes`, and `chain` gets each file's own data, the scenario first, for naming where a key stands."""
    if chain is not None:
        chain.append((source, data))
    if "extends" not in data:
        return data
    parent = data["extends"]
    if not isinstance(parent, str):
        raise ScenarioError(source, [Problem("extends", "must be the path of another scenario file", parent, True)])
    folder = Path(source).parent if source and not source.startswith("<") else Path.cwd()
    path = _checked_path(parent, folder, source)
    key = str(path)
    if key in seen:
        raise ScenarioError(source, [Problem("extends", "scenarios extend each other in a loop", parent, True)])
    try:
        base = resolve_extends(_read_scenario(path, parent), str(folder / parent), seen + (key,), notes, chain)
    except ScenarioError as exc:
        raise ScenarioError(source, [Problem("extends", f"{parent}: {p if p.path else p.message}")
                                     for p in exc.problems]) from None
    replaced: list[tuple[str, str]] = []
    merged = _merge(base, {k: v for k, v in data.items() if k != "extends"}, (), replaced)
    if notes is not None:
        notes += [f"{where} replaces the whole list in {parent}, dropping {dropped}: lists are not merged; repeat "
                  "the parent's items you want to keep" for where, dropped in replaced]
    return merged


def _checked_path(parent: str, folder: Path, source: str) -> Path:
    """The parent's real path, if it may be read: a file in the scenario's folder or below, or in a folder
    allowed by DAYSHIFT_EXTENDS_FROM."""
    def refuse(message: str, show: bool = True) -> ScenarioError:
        return ScenarioError(source, [Problem("extends", message, parent if show else None, show)])

    if "\0" in parent:
        raise refuse("the path contains a NUL character", show=False)
    if len(parent) > MAX_PATH or any(len(part) > 255 for part in Path(parent).parts):
        raise refuse(f"the path is too long ({len(parent)} characters; a file name may have at most 255 and a "
                     f"path {MAX_PATH})", show=False)
    try:
        home = folder.resolve()
        path = (folder / parent).resolve(strict=True)
    except FileNotFoundError:
        raise refuse(f"file not found (looked for {folder.absolute() / parent}; a path in `extends` is read from "
                     "the folder of the file that names it)") from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise refuse(f"cannot be read: {getattr(exc, 'strerror', None) or type(exc).__name__}") from None
    roots = [home] + allowed_folders()
    if not any(path == root or path.is_relative_to(root) for root in roots):
        raise refuse(f"is outside the folder of the scenario ({home}); a scenario extends only files in its own "
                     f"folder or below it. To allow another folder, pass --allow-extends-from DIR or set {ALLOW_ENV}")
    return path


def _read_scenario(path: Path, parent: str) -> dict:
    """The parent's data, if it is a scenario; a file that is not one is refused without showing any of it."""
    text = read_text(path, regular_only=True)  # raises with the reason (a FIFO, a device, too large)
    try:
        data = parse_yaml(text, parent)
    except ScenarioError as exc:
        first = exc.problems[0] if exc.problems else Problem("", "")
        if first.message.startswith("a scenario must be a YAML mapping"):
            _not_a_scenario(path, "it is not a YAML mapping")
        _not_a_scenario(path, "it is not valid YAML" + (f" at {first.path}" if first.path else ""))
    unknown = [k for k in data if k not in _KEYS]
    if unknown:
        _not_a_scenario(path, f"{len(unknown)} of its {len(data)} top-level keys are not scenario fields")
    return data


def _not_a_scenario(path: Path, why: str) -> None:
    raise ScenarioError(str(path), [Problem("", f"is not a scenario file ({why}); nothing of it is shown here: run "
                                                f"`dayshift validate {path}` for the details")])


def _merge(base: Any, over: Any, path: tuple = (), replaced: list[tuple[str, str]] | None = None) -> Any:
    """`over` laid over `base`: mappings merged key by key; anything else, and a number written as a
    distribution or a time series (one value, not a section), replaced. Lists that drop some of the
    parent's items are added to `replaced` (where, and what is dropped)."""
    if isinstance(base, dict) and isinstance(over, dict) and not (_one_value(base) or _one_value(over)):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v, path + (k,), replaced) if k in base else v
        return out
    if replaced is not None and isinstance(base, list) and isinstance(over, list):
        kept = {_identity(item) for item in over}
        dropped = [_identity(item) for item in base if _identity(item) not in kept]
        if dropped:
            shown = ", ".join(map(str, dropped[:4])) + (", ..." if len(dropped) > 4 else "")
            replaced.append((dotted(list(path)), f"{len(dropped)} of its {len(base)} items ({shown})"))
    return over


def _identity(item: Any) -> Any:
    """What names an item of a list: a starting group's state, a move's from and to, else the item itself."""
    if isinstance(item, dict):
        if "state" in item:
            return item["state"]
        if "from" in item and "to" in item:
            return f"{item['from']} -> {item['to']}"
        return item.get("label", repr(item))
    return item if isinstance(item, (str, int, float, bool)) or item is None else repr(item)


def key_origin(chain: list[tuple[str, dict]], where: str) -> str | None:
    """The file of a chain of `extends` (scenario first) whose own data holds the key at a dotted path,
    when the scenario itself does not; None when the scenario holds it or no file does."""
    for i, (source, data) in enumerate(chain):
        if _holds(data, where):
            return None if i == 0 else source
    return None


def _holds(data: Any, where: str) -> bool:
    node = data
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", where):
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(node, list) or index >= len(node):
                return False
            node = node[index]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


def _one_value(m: dict) -> bool:
    return isinstance(m.get("dist"), str) or is_time_series(m)
