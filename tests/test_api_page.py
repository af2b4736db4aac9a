"""The API reference page (nbs/90_api.ipynb) documents every public name of nnbook exactly once,
through autodoc directives (so the entry is the docstring) or, for constants and aliases, a described
py: entry; a new public name without an entry fails here. If the book has been built, the HTML page
has an anchor for every name too."""
import json
import re
from pathlib import Path

import pytest

import nnbook

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "nbs" / "90_api.ipynb"
HTML = ROOT / "_build" / "html" / "nbs" / "90_api.html"
# `.. autofunction:: nnbook.relu`, or `.. py:data:: STYLE` followed by `   :module: nnbook`
DIRECTIVE = re.compile(r"^\.\. (auto(?:function|class|data))::\s+nnbook\.(\w+)\s*$"
                       r"|^\.\. (py:(?:data|class|function))::\s+(\w+)\b.*\n   :module: nnbook\s*$", re.M)
EVAL_RST = re.compile(r"```\{eval-rst\}\n(.*?)```", re.S)


def _entries():
    """(directive, name) for every API entry in the page's eval-rst blocks, in order."""
    cells = json.loads(PAGE.read_text(encoding="utf-8"))["cells"]
    md = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return [(m[1], m[2]) if m[1] else (m[3], m[4]) for block in EVAL_RST.findall(md) for m in DIRECTIVE.finditer(block)]


def test_every_public_name_is_documented_once():
    names = [name for _, name in _entries()]
    missing = sorted(set(nnbook.__all__) - set(names))
    assert not missing, f"add an entry to nbs/90_api.ipynb for: {missing}"
    stale = sorted(set(names) - set(nnbook.__all__))
    assert not stale, f"nbs/90_api.ipynb documents names that are not in nnbook.__all__: {stale}"
    twice = sorted({n for n in names if names.count(n) > 1})
    assert not twice, f"documented more than once (Sphinx warns of duplicates): {twice}"


def test_entries_match_the_objects():
    for directive, name in _entries():
        obj = getattr(nnbook, name)                               # also loads the lazy NNClassifier
        if directive == "autoclass":
            assert isinstance(obj, type), name
        elif directive == "autofunction":
            assert callable(obj) and not isinstance(obj, type), name
        if directive.startswith("auto"):
            assert (obj.__doc__ or "").strip(), f"nnbook.{name} has no docstring for autodoc to show"


def test_classes_list_their_methods():
    blocks = "\n".join(EVAL_RST.findall("\n".join(
        "".join(c["source"]) for c in json.loads(PAGE.read_text(encoding="utf-8"))["cells"]
        if c["cell_type"] == "markdown")))
    for cls in ("NeuralNetwork", "History", "NNClassifier", "Optimizer", "AdamOptimizer", "Perceptron"):
        entry = re.search(rf"^\.\. autoclass:: nnbook\.{cls}\n((?:   .*\n)*)", blocks + "\n", re.M)
        assert entry and ":members:" in entry.group(1), f"nnbook.{cls} should be documented with :members:"


@pytest.mark.skipif(not HTML.exists(), reason="the book is not built (_build/html)")
def test_built_page_has_an_anchor_per_name():
    html = HTML.read_text(encoding="utf-8")
    missing = [n for n in nnbook.__all__ if f'id="nnbook.{n}"' not in html]
    assert not missing, f"no entry in the built API page for {missing}"
    for method in ("train", "train_minibatch", "predict", "forward", "backward"):
        assert f'id="nnbook.NeuralNetwork.{method}"' in html
