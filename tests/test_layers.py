"""The package is layered: each module imports only modules of lower layers, and nothing forms a cycle.

The import graph is read from the source (every `import` and `from ... import`, at module level and inside
functions), so a lazy import inside a function counts as much as one at the top of a file."""
import ast
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "nnbook"

# layer of each module; a module may import modules of a strictly lower layer, or of its own package level
# where the table says so. `nnbook` is the package's facade (nnbook/__init__.py), re-exporting the science.
LAYERS = {
    "nnbook.utils": 0,
    "nnbook.activations": 1, "nnbook.perceptron": 1,
    "nnbook.network": 2,
    "nnbook.backprop": 3,
    "nnbook.mlp": 4,
    "nnbook.optim": 5,
    "nnbook.mnist": 6,
    "nnbook.estimator": 7,
    "nnbook": 8,
    "nnbook.exercises.core": 9, "nnbook.torch": 9,
    "nnbook.exercises.s3": 10,          # every per-section checker module nnbook.exercises.s31, s32, ...
    "nnbook.exercises": 11,
    "nnbook.cli": 12,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    if module in LAYERS:
        return LAYERS[module]
    if module.startswith("nnbook.exercises.s3"):
        return LAYERS["nnbook.exercises.s3"]
    raise AssertionError(f"{module} has no layer: add it to LAYERS in {Path(__file__).name} and to CONTRIBUTING.md")


def imports_of(path: Path) -> set[str]:
    """The nnbook modules that the file at `path` imports (absolute or relative, anywhere in the file)."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "nnbook" or target.startswith("nnbook."):
                for alias in node.names:      # `from nnbook.exercises import core` imports a module
                    sub = f"{target}.{alias.name}"
                    is_module = (PKG.parent / (sub.replace(".", "/") + ".py")).exists() or \
                        (PKG.parent / sub.replace(".", "/") / "__init__.py").exists()
                    found.add(sub if is_module else target)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name == "nnbook" or a.name.startswith("nnbook.")}
    return found - {me}


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in sorted(PKG.rglob("*.py")) if p.name != "_modidx.py"}


def find_cycle(edges: dict[str, set[str]]):
    """One import cycle as a list of modules, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_every_module_has_a_layer():
    for module in graph():
        layer(module)


def test_no_import_cycle():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_module_imports_one_of_a_higher_or_equal_layer():
    upward = [f"{m} (layer {layer(m)}) imports {t} (layer {layer(t)})"
              for m, targets in graph().items() for t in sorted(targets) if layer(t) >= layer(m)]
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_library_modules_do_not_import_the_exercises():
    for module, targets in graph().items():
        if layer(module) <= LAYERS["nnbook"]:
            assert not any(t.startswith("nnbook.exercises") for t in targets), module


def test_no_checker_code_in_library_modules():
    for path in PKG.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "_EXERCISES" not in text and "def _check_3" not in text, path.name


# the test's own machinery, on graphs where the answer is known
def test_find_cycle_finds_a_cycle_and_only_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a2"}, "a2": set(), "x": {"y"}, "y": {"x"}}) == ["x", "y", "x"]


def test_imports_inside_functions_and_relative_imports_count(tmp_path, monkeypatch):
    pkg = tmp_path / "nnbook"
    (pkg / "exercises").mkdir(parents=True)
    for name in ["__init__.py", "utils.py", "mnist.py", "exercises/__init__.py", "exercises/core.py"]:
        (pkg / name).write_text("")
    (pkg / "mnist.py").write_text("from .utils import x\n\ndef f():\n    from nnbook.exercises.core import _Failed\n")
    (pkg / "exercises" / "s37.py").write_text("from ..mnist import fit\nfrom . import core\n")
    monkeypatch.setattr(sys.modules[__name__], "PKG", pkg)
    assert imports_of(pkg / "mnist.py") == {"nnbook.utils", "nnbook.exercises.core"}
    assert imports_of(pkg / "exercises" / "s37.py") == {"nnbook.mnist", "nnbook.exercises.core"}


def test_import_nnbook_loads_neither_exercises_nor_bridges():
    import subprocess
    code = ("import sys, nnbook; print(sorted(m for m in sys.modules if m.startswith(('nnbook.exercises', "
            "'nnbook.torch', 'torch', 'sklearn'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


@pytest.mark.parametrize("section", ["3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7"])
def test_each_section_has_its_checker_module(section):
    import importlib
    module = importlib.import_module("nnbook.exercises.s" + section.replace(".", ""))
    assert module._EXERCISES and all(eid.startswith(section) for eid in module._EXERCISES)
