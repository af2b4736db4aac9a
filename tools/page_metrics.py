"""What a reader sees of the code on a chapter page, measured from the notebook the book renders.

A code cell is *visible* when the book shows its input unfolded: not tagged `hide-input`, `hide-cell`,
`remove-input` or `remove-cell`, and not removed by an nbdev directive (`#| hide`, `#| default_exp`,
`#| echo: false`). For the visible cells it counts lines (the `#|` directive lines are not shown), the
longest cell, the lines wider than the code column, and cells that validate arguments (`raise
ValueError`/`TypeError`, `isinstance` checks) outside cells that demonstrate an error. It also finds what
must not be on a chapter page: "the plan", make targets, README references, nbdev flags explained to
readers, machine paths.

    python tools/page_metrics.py nbs/01_perceptron.ipynb ...   # prints a table; exit 1 on a violation

The reference pages (`nbs/00_utils.ipynb`, `nbs/10_cli.ipynb`) show usage and outputs with their library
code folded; they are checked with their own limits (`make test-pages`):

    python tools/page_metrics.py --reference --max-width 88 --page-lines 300 nbs/00_utils.ipynb nbs/10_cli.ipynb
"""
from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path

from nnbook.cli import _convert_cell as convert_cell   # the book's directive rules (book/_ext)

HIDDEN_TAGS = {"hide-input", "hide-cell", "remove-input", "remove-cell"}
MAX_WIDTH = 80            # the code column shows about 80 characters at a 1280-px window
MAX_CELL_LINES = 40
_VALIDATION = re.compile(r"raise\s+(ValueError|TypeError)\b|\bisinstance\(.*\)\s*(?:or|and|:)|\bcheck_(positive|choice|axes|path)\(|as_float_array\(")
# What chapter pages must not say to readers (the content spec is internal; build matters are for contributors)
FORBIDDEN_PROSE = [
    (re.compile(r"\bthe plan\b|\bplan's\b|\(from the plan\)", re.I), '"the plan" (an internal document)'),
    (re.compile(r"`make [a-z-]+`|\bmake (book|test|bench|page|timings|pdf)\b"), "a make target"),
    (re.compile(r"\bREADME\b"), "a README reference"),
    (re.compile(r"#\| ?slow|quick notebook tests|nbdev_test"), "an nbdev build flag"),
    (re.compile(r"(?<![\w.~$])/(tmp|work|home|root)/"), "a machine path"),
]
# Glue formats that print an integer as a tuple: `{glue:text}`name:,`` renders 109386 as "(109, 386)"
GLUE_TUPLE = re.compile(r"\{glue:text\}`[^`:]+:,`")


def _source(cell) -> str:
    s = cell.get("source", "")
    return s if isinstance(s, str) else "".join(s)


def visible_code_cells(nb: dict):
    """(index, cell, visible lines) of the code cells whose input the book shows unfolded.

    The book's own mapping of nbdev directives (`#| hide` -> remove-cell, ...) decides, with the directive
    lines removed as the book removes them."""
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        cell = convert_cell(copy.deepcopy(cell))
        if set(cell.get("metadata", {}).get("tags", [])) & HIDDEN_TAGS or not _source(cell).strip():
            continue
        yield i, cell, _source(cell).splitlines()


def measure(path: Path, max_width: int = MAX_WIDTH) -> dict:
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = list(visible_code_cells(nb))
    lines = sum(len(body) for _, _, body in cells)
    longest = max(((len(body), i) for i, _, body in cells), default=(0, None))
    wide = [(i, line) for i, _, body in cells for line in body if len(line) > max_width]
    validating = [i for i, cell, body in cells
                  if "raises-exception" not in cell.get("metadata", {}).get("tags", [])
                  and _VALIDATION.search("\n".join(body))]
    prose = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        text = _source(cell)
        for pattern, what in FORBIDDEN_PROSE:
            for m in pattern.finditer(text):
                prose.append((i, what, text[max(0, m.start() - 30): m.end() + 30].replace("\n", " ")))
        for m in GLUE_TUPLE.finditer(text):
            prose.append((i, "a glue format that prints an int as a tuple (use :,d)", m.group(0)))
    return dict(path=str(path), cells=len(cells), lines=lines, longest=longest[0], longest_cell=longest[1],
                wide=wide, validating=validating, prose=prose)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+", type=Path)
    ap.add_argument("--budget", type=int, default=None, help="fail if the pages' visible code lines exceed this")
    ap.add_argument("--quiet", action="store_true", help="only the table and the violations")
    ap.add_argument("--max-width", type=int, default=MAX_WIDTH, help="widest visible code line allowed")
    ap.add_argument("--page-lines", type=int, default=None, help="fail if one page's visible code exceeds this")
    ap.add_argument("--reference", action="store_true",
                    help="a reference page (utils, CLI): usage may validate, prose may name build matters")
    args = ap.parse_args(argv)
    bad, total = 0, 0
    wide_head = f"> {args.max_width} ch"
    print(f"{'page':28} {'visible cells':>13} {'lines':>6} {'longest':>8} {wide_head:>8} {'validating':>10}")
    for path in args.notebooks:
        r = measure(path, args.max_width)
        if args.reference:
            r["validating"], r["prose"] = [], []
        total += r["lines"]
        print(f"{path.name:28} {r['cells']:13d} {r['lines']:6d} {r['longest']:8d} {len(r['wide']):8d} {len(r['validating']):10d}")
        problems = []
        if r["longest"] > MAX_CELL_LINES:
            problems.append(f"visible cell {r['longest_cell']} has {r['longest']} lines (at most {MAX_CELL_LINES}; fold it or split it)")
        for i, line in r["wide"][: (3 if args.quiet else 1000)]:
            problems.append(f"cell {i}: a visible line of {len(line)} characters (at most {args.max_width}): {line.strip()[:70]}")
        if len(r["wide"]) > 3 and args.quiet:
            problems.append(f"... {len(r['wide']) - 3} more wide lines")
        if args.page_lines is not None and r["lines"] > args.page_lines:
            problems.append(f"{r['lines']} visible lines of code (at most {args.page_lines}: fold library code, "
                            f"tag it hide-input)")
        for i in r["validating"]:
            problems.append(f"visible cell {i} validates arguments (fold it: tag hide-input)")
        for i, what, ctx in r["prose"]:
            problems.append(f"markdown cell {i}: {what}: ...{ctx}...")
        for p in problems:
            print("   ", p)
        bad += bool(problems)
    print(f"{'total':28} {'':13} {total:6d}")
    if args.budget is not None and total > args.budget:
        print(f"visible code lines {total} exceed the budget of {args.budget}")
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
