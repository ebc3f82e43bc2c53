"""Regression cases as files: each YAML file in tests/scenarios/ is run through `dayshift validate`.

A case says what it expects in `# expect:` comment lines at the top of the file (tests/scenarios/README.md):
`# expect: valid`, or one or more `# expect: error "text"` lines (exit code 2, no traceback, the file's
path and each text in the message). Most cases extend a shipped scenario (`../../scenarios/baseline.yaml`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import ROOT
from model.cli import main

CASES = ROOT / "tests" / "scenarios"
EXPECT = re.compile(r'^#\s*expect:\s*(?:(?P<valid>valid)|error\s+"(?P<text>[^"]+)")\s*$')


def expectation(path: Path) -> list[str] | None:
    """None for `expect: valid`, else the texts the error must contain; raises ValueError on a bad header."""
    valid, texts = False, []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break  # only the comment block at the top of the file
        if re.match(r"^#\s*expect\b", line):
            m = EXPECT.match(line)
            if not m:
                raise ValueError(f'{path.name}: cannot read {line!r}; write # expect: valid or # expect: error "text"')
            valid |= bool(m["valid"])
            if m["text"]:
                texts.append(m["text"])
    if valid == bool(texts):
        raise ValueError(f"{path.name}: the top comment needs either '# expect: valid' or '# expect: error \"...\"' lines")
    return None if valid else texts


PATHS = sorted(CASES.glob("*.yaml"))


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_scenario_case(path, capsys, monkeypatch):
    monkeypatch.setenv("DAYSHIFT_EXTENDS_FROM", str(ROOT / "scenarios"))  # cases extend the shipped scenarios
    texts = expectation(path)
    code = main(["validate", str(path)])
    captured = capsys.readouterr()
    if texts is None:
        assert code == 0, captured.err
        assert "valid scenario" in captured.out
        return
    err = captured.err
    assert code == 2, f"exit code {code}, expected 2:\n{err}"
    assert "Traceback" not in err
    assert str(path) in err
    for text in texts:
        assert text in err, f"{text!r} not in:\n{err}"


def test_there_are_cases_of_both_kinds():
    kinds = [expectation(p) is None for p in PATHS]
    assert kinds.count(True) >= 1 and kinds.count(False) >= 8


@pytest.mark.parametrize("header, expected", [
    ('# expect: valid\nname: x\n', None),
    ('# expect: error "a b"\n# expect: error "c"\n# other comment\nname: x\n', ["a b", "c"]),
    ('# expect: valid\nname: x\n# expect: error "below the header is ignored"\n', None),
])
def test_expectation_header(tmp_path, header, expected):
    path = tmp_path / "case.yaml"
    path.write_text(header)
    assert expectation(path) == expected


@pytest.mark.parametrize("header", ["name: x\n", "# expect: eror \"x\"\n", "# expect: valid\n# expect: error \"x\"\n",
                                    "# expect: error 'single quotes'\n"])
def test_a_case_without_a_clear_expectation_is_an_error(tmp_path, header):
    path = tmp_path / "case.yaml"
    path.write_text(header)
    with pytest.raises(ValueError):
        expectation(path)
