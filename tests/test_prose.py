"""The notebooks' MyST markdown: display math must be a block of its own.

With myst's dollarmath, a `$$ ... $$` display that touches a line of text (no blank line between) is read
as part of the paragraph; since `dmath_double_inline` is off it is not math there, and the page shows stray
dollar signs and, with two displays in one paragraph, inverted math (seen in §3.6 and Appendices B and C).
"""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "nbs").glob("*.ipynb"))


def display_math_touching_text(markdown: str) -> list:
    """(line number, line) of every `$$` display whose previous or next line is text (not blank, not `:::`)."""
    lines, bad, i = markdown.split("\n"), [], 0
    while i < len(lines):
        s = lines[i].strip()
        if not s.startswith("$$"):
            i += 1
            continue
        j = i
        if not (len(s) > 2 and s.endswith("$$")):             # a multi-line display: find its closing $$
            j = i + 1
            while j < len(lines) and not lines[j].strip().endswith("$$"):
                j += 1
        if i > 0 and lines[i - 1].strip():
            bad.append((i + 1, lines[i]))
        if j + 1 < len(lines) and lines[j + 1].strip() not in ("", ":::"):
            bad.append((j + 1, lines[j] if j < len(lines) else ""))
        i = j + 1
    return bad


def test_the_checker_finds_a_display_glued_to_text():
    assert display_math_touching_text("text\n$$\nx\n$$\nmore") == [(2, "$$"), (4, "$$")]
    assert display_math_touching_text("  item\n  $$x$$\n  more") == [(2, "  $$x$$"), (2, "  $$x$$")]
    assert display_math_touching_text("text\n\n$$\nx\n$$\n\nmore\n\n:::{note}\n$$y$$\n:::") == [(10, "$$y$$")]
    assert display_math_touching_text("inline $a$ and $$ never at line start") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_display_math_is_its_own_block(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    bad = [(k, n, line) for k, c in enumerate(cells) if c["cell_type"] == "markdown"
           for n, line in display_math_touching_text("".join(c["source"]))]
    assert not bad, (f"{path.name}: put a blank line before and after each $$ display (cell, line, text): "
                     f"{bad}")
