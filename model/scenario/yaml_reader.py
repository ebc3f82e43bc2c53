"""Reading YAML input files safely: the text, the YAML (safe loader only), and a file checked against a
pydantic model with every problem named.

Input is bounded before it is built, with limits no real scenario meets, so hostile or broken files are
refused at once and never exhaust memory, time or the stack: a file is at most MAX_BYTES, nests at most
MAX_DEPTH levels, and holds at most MAX_NODES values with every alias (`*name`) expanded (an "alias bomb"
of a few kilobytes can otherwise stand for billions of values). Values YAML cannot convert (`!!float x`,
`!!int abc`) are errors in the file, not faults of the program; dates stay text (`start: 2020-04` is what
a scenario wants, and `2020-04-01` is reported as such rather than read as a date); YAML merge keys
(`<<: *defaults`) are supported.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from model.scenario.messages import pydantic_problems
from model.scenario.problems import Problem, ScenarioError

MAX_BYTES = 1_000_000  # a scenario is a few kilobytes; the largest shipped one is under 5 KB
MAX_DEPTH = 40  # a scenario nests about 7 levels deep
MAX_NODES = 100_000  # values in the file with every alias expanded; a scenario has a few hundred

_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep; a scenario needs fewer than 10"
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # LibYAML's parser when installed: ten times faster


def read_text(path: str | Path, regular_only: bool = False, limit: int = MAX_BYTES) -> str:
    """Read an input file's text, or raise ScenarioError naming the file.

    Reads at most `limit` bytes (a larger file is refused, not read). With `regular_only` anything but a
    regular file (a FIFO, a device such as /dev/zero, a socket) is refused without waiting on it; without
    it, a pipe named on the command line (`<(...)`) is read like a file.
    """
    source = str(path)
    if "\0" in source:
        raise ScenarioError(source.replace("\0", "\\0"), [Problem("", "the file name contains a NUL character")])
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)  # non-blocking: opening a FIFO with no writer must not hang
    except FileNotFoundError:
        raise ScenarioError(source, [Problem("", "file not found")]) from None
    except IsADirectoryError:
        raise ScenarioError(source, [Problem("", "is a folder, not a scenario file")]) from None
    except (OSError, ValueError) as exc:
        raise ScenarioError(source, [Problem("", f"cannot be read: {_reason(exc)}")]) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError(source, [Problem("", "is a folder, not a scenario file")])
        if regular_only and not stat.S_ISREG(info.st_mode):
            raise ScenarioError(source, [Problem("", "is not a regular file (a device, FIFO or socket); only "
                                                     "regular files are read")])
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:
            raise ScenarioError(source, [Problem("", _too_large(info.st_size, limit))])
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # a pipe the user named is read as it is written
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise ScenarioError(source, [Problem("", _too_large(None, limit))])
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(source, [Problem("", f"cannot be read: it is not UTF-8 text (byte {exc.start})")]) from None
    except OSError as exc:
        raise ScenarioError(source, [Problem("", f"cannot be read: {_reason(exc)}")]) from None
    finally:
        os.close(fd)


def _reason(exc: Exception) -> str:
    """Why a file cannot be read, without echoing its name back (it may be long or odd)."""
    return getattr(exc, "strerror", None) or str(exc)


def _too_large(size: int | None, limit: int) -> str:
    got = f" ({size / 1e6:,.1f} MB)" if size is not None else ""
    return (f"is larger than {limit / 1e6:g} MB{got}; a scenario file is a few kilobytes, so this is not one "
            "(nothing of it was read)")


class _Loader(_Base):
    """The safe loader, refusing a key given twice in one mapping (YAML would keep only the last), naming
    the value and the line when a tag cannot convert it, and leaving dates as text."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError, LookupError):
            kind = str(node.tag).rsplit(":", 1)[-1]
            raise yaml.constructor.ConstructorError(
                None, None, f"{_snippet(node)} is not a valid {kind} (the tag !!{kind} asks for one)",
                node.start_mark) from None

    def construct_mapping(self, node, deep=False):
        seen = set()
        if isinstance(node, yaml.MappingNode):
            for key_node, _ in node.value:
                if key_node.tag == _MERGE:  # `<<: *defaults`: its keys may be given again here, on purpose
                    continue
                key = self.construct_object(key_node, deep=deep)
                if isinstance(key, (str, int, float, bool)) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key '{_short(key)}' is given twice in one mapping", key_node.start_mark)
                if isinstance(key, (str, int, float, bool)):
                    seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _snippet(node) -> str:
    value = node.value if isinstance(node.value, str) else type(node).__name__
    return repr(_short(value))


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_bounds(text: str, source: str) -> None:
    """Refuse YAML that nests deeper than MAX_DEPTH, holds more than MAX_NODES values with its aliases
    expanded, or has an alias inside the node it names (a structure that contains itself).

    Reads the parser's events, without building anything, so even a file that would expand to billions
    of values is refused at once.
    """
    anchors: dict[str, int] = {}  # anchor -> values it stands for, once its node is complete
    stack: list[list] = []  # open collections: [values so far, anchor]
    total = 0

    def refuse(event, message: str) -> None:
        mark = event.start_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ScenarioError(source, [Problem(where, message)])

    loader = _Base(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            kind = event.__class__  # compared by identity: this loop sees every event of the file
            if kind is yaml.ScalarEvent:
                n = 1
                if event.anchor is not None:
                    anchors[event.anchor] = 1
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                stack.append([1, event.anchor])
                total += 1
                if len(stack) > MAX_DEPTH:
                    refuse(event, _TOO_DEEP)
                continue
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                n, anchor = stack.pop()
                if anchor is not None:
                    anchors[anchor] = n
                if stack:
                    stack[-1][0] += n
                continue
            elif kind is yaml.AliasEvent:
                if any(anchor == event.anchor for _, anchor in stack):
                    refuse(event, f"the alias *{_short(event.anchor)} is inside the node &{_short(event.anchor)} "
                                  "it names (a structure that contains itself); a scenario cannot")
                n = anchors.get(event.anchor, 1)  # an undefined alias is the YAML reader's error, below
            elif kind is yaml.DocumentStartEvent:
                anchors.clear()
                continue
            else:
                continue
            if stack:
                stack[-1][0] += n
            total += n
            if total > MAX_NODES:
                refuse(event, f"holds more than {MAX_NODES:,} values once its aliases (*name) are expanded; a "
                              "scenario has a few hundred (aliases that expand to many copies of each other are "
                              "refused)")
    finally:
        loader.dispose()


def _tab_at(text: str, line: int) -> bool:
    """Whether a line's indentation holds a tab."""
    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return False
    row = lines[line]
    return "\t" in row[: len(row) - len(row.lstrip())]


def parse_yaml(text: str, source: str) -> dict:
    """Parse YAML with the safe loader only; tags that would construct objects are errors."""
    if len(text) > MAX_BYTES:
        raise ScenarioError(source, [Problem("", _too_large(len(text), MAX_BYTES))])
    try:
        check_bounds(text, source)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = getattr(exc, "problem", None) or str(exc)
        if "maximum nesting depth" in what:  # LibYAML's own limit (1,000 levels), met before ours
            raise ScenarioError(source, [Problem(where, _TOO_DEEP)]) from None
        if "constructor for the tag" in what:
            what += " (tags that build Python objects are not allowed; write plain values)"
        elif "tab character" in what or (mark is not None and _tab_at(text, mark.line)):
            what += " (indent with spaces, not tabs)"
        elif "for merging" in what:
            what += " (a merge key `<<:` takes a mapping, e.g. `<<: *defaults`, or a list of mappings)"
        raise ScenarioError(source, [Problem(where, f"not valid YAML: {what}")]) from None
    except (RecursionError, MemoryError, ValueError, TypeError) as exc:  # pragma: no cover - bounded above
        raise ScenarioError(source, [Problem("", f"not valid YAML: cannot be read ({type(exc).__name__})")]) from None
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
