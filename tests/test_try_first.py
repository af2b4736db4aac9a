"""tools/check_try_first.py finds an exercise's answer in sight on a built page, and only there; and the
exercise notebooks stand alone (their statements point at nothing outside the notebook)."""
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from check_try_first import defined_names, offences  # noqa: E402

EX = [{"id": "3.4b", "names": ("NeuralNetwork", "compute_loss")}]


def cell(code, tags=(), folded=False):
    classes = " ".join(["cell"] + [f"tag_{t}" for t in tags])
    pre = f'<div class="cell_input"><pre>{code}</pre></div>'
    if folded:
        pre = f'<details class="hide above-input"><summary>Show</summary>{pre}</details>'
    return f'<div class="{classes}">{pre}</div>'


def page(*cells):
    return "<html><body>" + "".join(cells) + "</body></html>"


def test_a_visible_definition_of_a_name_the_check_takes_is_an_answer_in_sight():
    found = offences(page(cell("def compute_loss(A, Y):\n    return 0")), EX)
    assert len(found) == 1 and "compute_loss" in found[0] and "3.4b" in found[0]


@pytest.mark.parametrize("html", [
    page(cell("def compute_loss(A, Y):\n    pass", tags=("exercise", "exercise-starter"))),   # the starter
    page(cell("def compute_loss(A, Y):\n    return 0", tags=("hide-cell",), folded=True)),    # folded
    page(cell("def compute_loss(A, Y):\n    return 0", tags=("remove-cell",))),               # removed
    page(cell("from nnbook import NeuralNetwork\nnet = NeuralNetwork([2, 3, 1])")),             # the package's own
    page(cell("def helper(x):\n    compute_loss = 1\n    return x")),                           # a local, not a definition
])
def test_starters_folded_cells_imports_and_locals_are_not_answers(html):
    assert offences(html, EX) == []


def test_class_and_assignment_definitions_count():
    assert defined_names("class NeuralNetwork:\n    pass\nx, compute_loss = 1, 2") >= {"NeuralNetwork", "compute_loss"}
    assert "f" in defined_names("%timeit 1\ndef f():\n    pass")          # magics: the line-shape fallback


# ---------------------------------------------------------------- the exercise notebooks stand alone
POINTERS = re.compile(r"\b(above|earlier|this section|the section|the table|previous section|"
                      r"on the page|the page)\b", re.I)
STARTERS = sorted((ROOT / "nnbook" / "starters").glob("exercises-*.ipynb"))


@pytest.mark.parametrize("path", STARTERS, ids=[p.stem for p in STARTERS])
def test_statements_point_at_nothing_outside_the_notebook(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for c in nb["cells"]:
        if c["cell_type"] != "markdown" or not c["metadata"].get("nnbook", {}).get("exercise"):
            continue
        text = "".join(c["source"])
        found += [f"{c['metadata']['nnbook']['exercise']}: …{text[max(0, m.start() - 40):m.end() + 20]}…"
                  for m in POINTERS.finditer(text)]
    assert not found, "statements that lean on text outside the notebook:\n" + "\n".join(found)


def test_the_pointer_words_are_found():
    assert POINTERS.search("with the interface of SGD above") and POINTERS.search("two schedules of the table")
    assert POINTERS.search("follow the backward loop of this section")
    assert not POINTERS.search("the gradient of the loss with respect to W")
