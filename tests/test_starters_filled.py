"""A correct attempt filled into an exercise notebook turns its checks to passed.

Each shipped exercise notebook (nnbook/starters/) is filled with the book's reference solutions: the
chapter cells tagged `exercise-solution` (the teaching versions, and the worked answers of the hand
exercises) go in right after the starter code of their exercise, as a learner's finished attempt would.
The notebook then runs top to bottom in a Jupyter kernel, and every check cell of an exercise that has a
reference solution must print "passed"; the others (hand answers typed on paper) stay "not attempted".
"""
import copy
import json
import re
from pathlib import Path

import pytest

from nnbook.exercises import SECTIONS, starter_name, starters_dir

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NBS = Path(__file__).resolve().parents[1] / "nbs"
EXERCISE = re.compile(r"Exercise\s+(3\.[1-8][a-z])\b")


def reference_solutions(notebook: str) -> dict:
    """{exercise: [source, ...]}: the cells tagged exercise-solution, under the last statement before them."""
    nb = json.loads((NBS / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    found, current = {}, None
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        source = "".join(cell["source"])
        if "exercise" in tags and cell["cell_type"] == "markdown" and EXERCISE.search(source):
            current = EXERCISE.search(source).group(1)
        if "exercise-solution" in tags:
            code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#|"))
            found.setdefault(current, []).append(code)
    return found


def filled(section: str, solutions: dict):
    nb = nbformat.reads((starters_dir() / starter_name(section)).read_text(encoding="utf-8"), as_version=4)
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        exercise = cell.metadata.get("nnbook", {}).get("exercise")
        if "exercise-starter" in cell.metadata.get("tags", []) and exercise in solutions:
            cells += [nbformat.v4.new_code_cell(src, metadata={"tags": ["filled"]}) for src in solutions[exercise]]
    # the reference cells come from the page, where some also record numbers for the prose
    nb.cells = cells[:2] + [nbformat.v4.new_code_cell("from nnbook import glue")] + cells[2:]
    return nb


@pytest.mark.parametrize("section", list(SECTIONS))
def test_reference_solutions_filled_into_the_exercise_notebook_pass_their_checks(section, tmp_path):
    solutions = reference_solutions(SECTIONS[section][1])
    assert solutions, f"§{section}: no cell tagged exercise-solution"
    nb = filled(section, solutions)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    verdicts = {}
    for cell in nb.cells:
        if "exercise-check" in cell.metadata.get("tags", []):
            text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
            verdicts[cell.metadata["nnbook"]["exercise"]] = text.strip()
    assert verdicts, f"§{section}: no check cell ran"
    for exercise, text in verdicts.items():
        if exercise in solutions:
            assert f"Exercise {exercise}: passed" in text, f"{exercise}: {text}"
        else:
            assert "not attempted yet" in text, f"{exercise}: {text}"
    assert any(e in solutions for e in verdicts)
