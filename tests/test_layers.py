"""The package's layers: imports run one way (scenario -> compile -> engine -> analysis -> output -> app -> cli),
no module imports itself round a cycle, and the command line starts without the heavy libraries."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from helpers import ROOT

LAYERS = ("scenario", "compile", "engine", "analysis", "output", "app", "cli")
PACKAGE = ROOT / "model"


def _module_name(path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def _imports(path) -> list[tuple[str, bool]]:
    """The dayshift modules a file imports, and whether each import sits inside a function."""
    tree = ast.parse(path.read_text())
    nested = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
              for n in ast.walk(f)}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("model"):
            targets = [node.module]
            if node.module in ("model",) + tuple(f"model.{x}" for x in LAYERS):
                targets = [f"{node.module}.{a.name}" for a in node.names]
            out += [(t, id(node) in nested) for t in targets]
        elif isinstance(node, ast.Import):
            out += [(a.name, id(node) in nested) for a in node.names if a.name.startswith("model")]
    return out


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("module", [m for m in MODULES if m != "model"])
def test_imports_run_one_way(module):
    here = _layer(module)
    assert here is not None, f"{module} is outside the layers {LAYERS}: put it in one"
    for target, _ in _imports(MODULES[module]):
        there = _layer(target)
        assert there is not None and there <= here, (
            f"{module} (layer {LAYERS[here]}) imports {target} (layer "
            f"{LAYERS[there] if there is not None else '?'}): imports must run {' -> '.join(LAYERS)}")


# Imports deferred on purpose, each with its reason (the direction of every import is still checked above).
DEFERRED = {("model.engine.simulate", "model.engine.agents"): "Mesa is imported only when its engine is asked for"}


@pytest.mark.parametrize("module", [m for m in MODULES if m not in ("model", "model.cli")])
def test_no_import_hides_in_a_function(module):
    hidden = [t for t, nested in _imports(MODULES[module]) if nested and (module, t) not in DEFERRED]
    assert not hidden, f"{module} imports {hidden} inside a function; import at the top (the layers have no cycles)"


def test_no_import_cycles():
    graph = {m: {t for t, _ in _imports(p) if t in MODULES and t != m} for m, p in MODULES.items() if m != "model"}
    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for t in graph.get(m, ()):
            if state.get(t) == 1:
                raise AssertionError("import cycle: " + " -> ".join(trail[trail.index(t):] + [m, t]))
            if t not in state:
                visit(t, trail + [m])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [])


def test_command_line_starts_light():
    code = ("import sys, model, model.cli; heavy = [m for m in ('mesa', 'pandas', 'matplotlib', 'scipy', 'pydantic') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "", f"importing model.cli loads {out.stdout.strip()}"



def test_a_run_of_the_fast_engine_does_not_load_mesa():
    code = ("import sys, model; model.simulate('scenarios/baseline.yaml', seed=1); "
            "print('mesa' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False", "a run of the fast engine imports Mesa (seconds at every start)"

@pytest.mark.slow
def test_library_leaves_the_matplotlib_backend_alone():
    code = ("import matplotlib; before = matplotlib.get_backend(); import model.output.plots, model.output.sweep_folder, "
            "model.output.results_folder; import model.engine.agents; print(before == matplotlib.get_backend(), "
            "'matplotlib.pyplot' in __import__('sys').modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={"MPLBACKEND": "svg", "PATH": ""})
    assert out.stdout.split() == ["True", "False"], out.stdout + out.stderr
