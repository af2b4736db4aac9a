"""What the reader sees, checked on the built book (after `jupyter-book build`): every class of defect
that once reached the pages fails this check.

On the executed notebooks (_build/jupyter_execute/nbs/*.ipynb):
  - a cell that draws (plt., subplots, imshow, plot_..., ...) but has no image output: figures that
    vanished (MPLBACKEND=Agg); a cell that draws nothing on purpose carries the tag `no-figure`
  - a stray object shown as a cell's value (`<threadpoolctl... at 0x...>`, `[<matplotlib.lines...>]`)
On the HTML pages (_build/html/nbs/*.html):
  - a Markdown table shown as text (`| a | b | |---|---|`) instead of a table
  - a glued number printed as a tuple ("(109, 386)")
  - on chapter pages: "the plan", make targets, README references, nbdev flags, machine paths
  - a "§3.x" reference in the prose that is not a link
  - an exercise ("Exercise 3.4b: ...") that is not a heading in the page's table of contents, or not in
    the exercise box style

    python tools/check_pages.py --build _build
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parent))
from page_metrics import FORBIDDEN_PROSE  # noqa: E402

# Drawing calls, by name: pyplot's (`plt.plot`, ...; not its configuration), an Axes' (`ax.plot`), and
# the book's plot helpers (`plot_history(...)`, `draw_...`). Definitions (def/class) do not draw.
_PLT_QUIET = {"close", "rcParams", "style", "get_cmap", "cm", "Normalize", "NullFormatter", "MaxNLocator",
              "FuncFormatter", "rc", "rc_context", "switch_backend", "ioff", "ion"}
_AXES_DRAW = {"plot", "imshow", "scatter", "hist", "contour", "contourf", "bar", "barh", "fill_between",
              "errorbar", "matshow", "pcolormesh", "quiver", "semilogy", "semilogx", "loglog", "stem", "step"}


def draws(src: str) -> bool:
    """Does this cell's code call something that draws (outside function and class definitions)?"""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines())
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return bool(DRAWS.search("\n".join(line.split("#")[0] for line in src.splitlines())))
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            if isinstance(f, ast.Name) and re.match(r"(plot|draw)_\w+$", f.id):
                return True
            if isinstance(f, ast.Attribute):
                if isinstance(f.value, ast.Name) and f.value.id == "plt":
                    if f.attr not in _PLT_QUIET:
                        return True
                elif f.attr in _AXES_DRAW or f.attr == "subplots" or re.match(r"(plot|draw)_\w+$", f.attr):
                    return True
    return False


DRAWS = re.compile(r"plt\.(?!close|rcParams|style|get_cmap|cm\b|Normalize|NullFormatter|MaxNLocator|FuncFormatter)"
                   r"|\.plot\(|subplots\(|\.imshow\(|\bplot_\w+\(|\.scatter\(|\.hist\(|\bdraw_\w+\(|\.contourf?\(")
STRAY = re.compile(r"<[\w.]+ (object )?at 0x[0-9a-f]+>|^\[<matplotlib|^Text\(|^<matplotlib|^<Figure size")
RAW_TABLE = re.compile(r"\|\s*:?-{3,}:?\s*\|")
TUPLE = re.compile(r"^\(\d{1,3}(, \d{3})+\)$")
SECTION_REF = re.compile(r"§\s?3\.\d")
CHAPTER = re.compile(r"^0[1-8]_")


def check_notebooks(folder: Path) -> list[str]:
    problems = []
    for path in sorted(folder.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "code":
                continue
            src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            tags = set(cell.get("metadata", {}).get("tags", []))
            if tags & {"remove-cell", "skip-execution"}:
                continue
            outputs = cell.get("outputs", [])
            images = [o for o in outputs if {"image/png", "image/svg+xml"} & set(o.get("data", {}))]
            if draws(src) and not images and "no-figure" not in tags:
                problems.append(f"{path.name} cell {i}: draws but shows no figure (first line: {src.strip()[:60]!r}); "
                                f"run it with the inline backend (nnbook.set_style()) or tag it no-figure")
            for o in outputs:
                text = o.get("data", {}).get("text/plain", "") if o.get("output_type") == "execute_result" else ""
                text = text if isinstance(text, str) else "".join(text)
                if STRAY.search(text.strip()):
                    problems.append(f"{path.name} cell {i}: shows a stray value {text.strip()[:60]!r} "
                                    f"(end the cell with ';' or assign the result)")
    return problems


def _text_nodes(soup):
    """(text, the node) for every text node of the article outside code, math and headings' anchors."""
    article = soup.find("article") or soup
    for node in article.find_all(string=True):
        if node.find_parent(["pre", "code", "script", "style", "a", "h1", "title", "nav"]) is not None:
            continue
        if node.find_parent(class_=re.compile(r"math|highlight|cell_output|output")) is not None:
            continue
        yield str(node), node


def check_html(folder: Path) -> list[str]:
    problems = []
    for path in sorted(folder.glob("*.html")):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        article = soup.find("article") or soup
        chapter = bool(CHAPTER.match(path.stem))
        for pre_or_p in article.find_all(["p", "pre", "div"]):
            if pre_or_p.name == "div" and pre_or_p.find(["p", "pre", "div"]):
                continue
            if pre_or_p.find_parent(class_="cell_input") is not None:   # code a reader reads, not a table
                continue
            text = pre_or_p.get_text(" ")
            if RAW_TABLE.search(text) and text.count("|") >= 6:
                problems.append(f"{path.name}: a Markdown table shown as text: {text.strip()[:70]!r} "
                                f"(display(Markdown(table)) renders it as a table)")
        for span in article.select(".pasted-text, .pasted-inline"):
            if TUPLE.match(span.get_text().strip()):
                problems.append(f"{path.name}: a glued number printed as a tuple: {span.get_text()!r} "
                                f"(glue an int and format it with :,d)")
        if chapter:
            # the prose and what the cells show, not their code (a docstring may document ~/.cache/nnbook)
            prose = BeautifulSoup(str(article), "html.parser")
            for node in prose.select(".cell_input"):
                node.decompose()
            text = prose.get_text(" ")
            for pattern, what in FORBIDDEN_PROSE:
                for m in pattern.finditer(text):
                    problems.append(f"{path.name}: {what} on a chapter page: ...{text[max(0, m.start() - 40): m.end() + 30]!r}")
            for string, node in _text_nodes(soup):
                for m in SECTION_REF.finditer(string):
                    if node.find_parent(["h2", "h3", "h4", "figcaption", "caption", "th"]) is not None:
                        continue
                    problems.append(f"{path.name}: a §3.x reference that is not a link: "
                                    f"...{string[max(0, m.start() - 40): m.end() + 20]!r}")
            # the right sidebar's "Contents": an exercise's entry must be there and unfolded (a nested
            # list is shown only when the theme's show_toc_level reaches it)
            toc = soup.select_one("nav#pst-page-toc-nav") or soup.select_one("nav.bd-toc-nav")
            for heading in article.find_all(["h2", "h3", "h4"]):
                title = heading.get_text(" ").replace("#", "").strip()
                if not re.match(r"Exercise 3\.\d[a-z]", title):
                    continue
                section = heading.find_parent("section")
                anchor = section.get("id") if section is not None else None
                link = toc.find("a", href=f"#{anchor}") if toc is not None and anchor else None
                if link is None:
                    problems.append(f"{path.name}: the heading {title!r} is not in the page's table of contents")
                    continue
                nested = [ul for ul in link.find_parents("ul") if ul.find_parent("ul") is not None
                          and toc in ul.parents]
                if any("pst-show_toc_level" not in (ul.get("class") or []) for ul in nested):
                    problems.append(f"{path.name}: the heading {title!r} is folded away in the page's table of "
                                    f"contents (html_theme_options show_toc_level)")
            for p in article.find_all(["p", "strong"]):
                m = re.match(r"\s*Exercise (3\.\d[a-z])\b", p.get_text())
                if m and p.find_parent(["h2", "h3", "h4"]) is None and p.find_parent(class_="admonition") is None \
                        and p.find_parent("summary") is None and p.find_parent(class_="dropdown") is None:
                    heads = [h.get_text() for h in article.find_all(["h2", "h3", "h4"])]
                    if not any(m.group(1) in h for h in heads):
                        problems.append(f"{path.name}: Exercise {m.group(1)} is not a heading")
            boxes = article.select(".admonition.exercise")
            heads = [h for h in article.find_all(["h2", "h3", "h4"]) if re.match(r"\s*Exercise 3\.\d[a-z]", h.get_text())]
            if heads and len(boxes) < len(heads):
                problems.append(f"{path.name}: {len(heads)} exercise headings but {len(boxes)} exercise boxes "
                                f"(every exercise: a heading, then a box of class `exercise`)")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", type=Path, default=Path("_build"))
    args = ap.parse_args(argv)
    executed = args.build / "jupyter_execute" / "nbs"
    html = args.build / "html" / "nbs"
    if not executed.is_dir() or not html.is_dir():
        print(f"check_pages: no built book under {args.build} (jupyter_execute/nbs and html/nbs)")
        return 1
    problems = check_notebooks(executed) + check_html(html)
    for p in problems:
        print("  " + p)
    n_nb, n_html = len(list(executed.glob("*.ipynb"))), len(list(html.glob("*.html")))
    if problems:
        print(f"check_pages: {len(problems)} problem(s) on the pages ({n_nb} notebooks, {n_html} pages checked)")
        return 1
    print(f"check_pages: {n_nb} executed notebooks and {n_html} pages: every figure drawn, no stray value, "
          f"no raw table, no tuple glue, no internal reference, every §3.x a link, every exercise a heading")
    return 0


if __name__ == "__main__":
    sys.exit(main())
