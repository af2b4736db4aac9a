"""Try first: on the built HTML pages, no checkable exercise's answer is in sight before the learner opens it.

For every exercise that has a check, the check takes the learner's objects by name (`names` in its table:
`NeuralNetwork`, `compute_loss`, ...). On the exercise's page, a code cell whose input a reader sees
without opening anything (not folded into a "Show code" toggle, not removed) must not define any of those
names, unless it is the exercise's starter code (tag `exercise-starter`): a visible `def backward` or
`class AdamOptimizer` is the answer, printed under the exercise.

run: python tools/check_try_first.py --html _build/html     (exit 1 and a list of the offending cells)
"""
import argparse
import ast
import re
import sys
from pathlib import Path


def defined_names(code: str) -> set[str]:
    """Names a cell's code defines: class and def statements anywhere, assignments at the top level (an
    import of the package's own version is no answer, so imports do not count)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:                     # IPython magics and the like: fall back to the lines' shapes
        found = set(re.findall(r"^\s*(?:def|class)\s+(\w+)", code, flags=re.M))
        return found | set(re.findall(r"^(\w+)\s*(?::[^=]+)?=(?!=)", code, flags=re.M))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    for node in tree.body:                  # assignments at the top level (not a function's locals)
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for t in targets:
            for n in ast.walk(t):
                if isinstance(n, ast.Name):
                    names.add(n.id)
    return names


def visible_cells(html: str):
    """(tags, code) of each code cell whose input shows without a click."""
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(html, "html.parser")
    for cell in soup.select("div.cell"):
        tags = {c[len("tag_"):] for c in cell.get("class", []) if c.startswith("tag_")}
        if tags & {"remove-cell", "remove-input", "hide-cell", "hide-input"}:
            continue
        block = cell.select_one("div.cell_input")
        if block is None or block.find_parent("details") is not None:
            continue
        pre = block.find("pre")
        if pre is not None:
            yield tags, pre.get_text()


def offences(html: str, exercises: list[dict]) -> list[str]:
    """For the exercises of one page: the visible cells that define a name one of their checks takes."""
    out = []
    cells = list(visible_cells(html))
    for ex in exercises:
        names = set(ex["names"])
        for i, (tags, code) in enumerate(cells):
            if "exercise-starter" in tags:
                continue
            hit = sorted(defined_names(code) & names)
            if hit:
                first = next(line for line in code.splitlines() if line.strip())
                out.append(f"Exercise {ex['id']}: visible cell {i + 1} defines {', '.join(hit)} "
                           f"(starts `{first.strip()[:60]}`): fold it (tag hide-cell) or move it after the exercise's answer")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--html", default="_build/html", help="the built book's HTML folder")
    args = ap.parse_args(argv)
    from nnbook.exercises.core import SECTIONS, list_exercises
    pages = {}
    for ex in list_exercises():
        if ex["checkable"]:
            pages.setdefault(SECTIONS[ex["section"]][1], []).append(ex)
    problems, n = [], 0
    for stem, exercises in sorted(pages.items()):
        page = Path(args.html) / "nbs" / f"{stem}.html"
        if not page.exists():
            problems.append(f"{page}: not built")
            continue
        n += len(exercises)
        problems += [f"{page.name}: {p}" for p in offences(page.read_text(encoding="utf-8"), exercises)]
    for p in problems:
        print(p)
    print(f"try first: {n} checkable exercises on {len(pages)} pages, "
          f"{len(problems)} answers in sight: {'FAILED' if problems else 'PASSED'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
