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
  - a figure (an image a cell drew) without a numbered caption, on any page, solutions included
  - an absolute path of the build machine in any output (`/work/...`, `/tmp/...`, `/home/...`, or any
    path whose top folder exists here): outputs name folders as a reader writes them
    (`$NNBOOK_DATA/mnist`, `~/.cache/nnbook/...`, `nnbook.utils.display_path`)
  - a typed number that no cell produced: a decimal or a percentage in a figure's caption, or in a
    sentence that also shows a glued value, that appears in none of the page's outputs or code

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
CHAPTER = re.compile(r"^0[1-8][a-z]?_")

# An absolute path: a slash that starts a word (not inside a URL, a fraction or "km/h") followed by path
# components. It belongs to the build machine when its top folder is one of the usual roots or exists here.
ABS_PATH = re.compile(r"(?<![\w.~$:/\\-])/(?:[\w.+@-]+/)*[\w.+@-]+/?")
MACHINE_ROOTS = {"work", "tmp", "home", "root", "usr", "opt", "var", "srv", "mnt", "media", "etc", "private",
                 "Users", "Volumes", "builds", "runner", "github", "content", "scratch", "data", "nix", "snap",
                 "lib", "lib64", "bin", "sbin", "proc", "sys", "dev", "run", "boot"}


def machine_paths(text: str) -> list[str]:
    """The absolute paths of a build machine in `text`: /work/..., /tmp/..., /usr/..., or any /x/... whose
    top folder /x exists on this machine. URLs, `$NNBOOK_DATA/...`, `~/...` and relative paths are not."""
    found = []
    for m in ABS_PATH.finditer(text):
        path = m.group(0).rstrip(".")                 # a sentence's full stop is not part of it
        top = path.strip("/").split("/")[0]
        if not top or top in (".", ".."):
            continue
        if top in MACHINE_ROOTS or (len(top) > 1 and Path("/" + top).exists()):
            found.append(path)
    return found


# A typed number: a decimal (0.25, 1.5) or a percentage (82 %, 82%), not a section, exercise or figure number
TYPED_NUMBER = re.compile(r"(?<![\w.§])(\d+(?:,\d{3})*(?:\.\d+)?)(\s?%|\s?per ?cent)?(?![\w.]*\d)")
NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:e[-+]?\d+)?", re.I)
_NOT_A_CLAIM = re.compile(r"(§|Section|Exercise|Exercises|Fig\.|Figure|Eq\.|Appendix|Chapter|nnbook|Python|version"
                          r"|v)\s*$", re.I)


def typed_numbers(sentence: str) -> list[tuple[str, bool]]:
    """(number, is a percentage) of the decimals and percentages typed in `sentence` (section, exercise,
    figure and version numbers excepted)."""
    out = []
    for m in TYPED_NUMBER.finditer(sentence):
        number, percent = m.group(1), bool(m.group(2))
        if "." not in number and not percent:
            continue                                   # integers: counts and settings, too many to judge
        if _NOT_A_CLAIM.search(sentence[max(0, m.start() - 12): m.start()]):
            continue
        out.append((number, percent))
    return out


def produced(number: str, percent: bool, known: set) -> bool:
    """Does some number a cell produced (or the code set) round to `number` as typed? A percentage may also
    have been produced as a fraction (0.82 for 82 %)."""
    typed = float(number.replace(",", ""))
    decimals = len(number.split(".")[1]) if "." in number else 0
    for value in known:
        for v in ((value, value * 100) if percent else (value,)):
            if round(v, decimals) == typed or round(abs(v), decimals) == typed:
                return True
    return False


def known_numbers(texts) -> set:
    values = set()
    for text in texts:
        for m in NUMBER.finditer(text):
            try:
                values.add(float(m.group(0).replace(",", "")))
            except ValueError:
                pass
    return values


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?:;])\s+(?=[A-Z(])", text) if s.strip()]


def _restored_without_images(nb: dict, html: Path | None) -> bool:
    """An incremental build restores a cached notebook into jupyter_execute/ without its images, while its
    page shows them: the page, not that copy, says whether the figures were drawn."""
    if html is None or not html.is_file():
        return False
    has_images = any({"image/png", "image/svg+xml"} & set(o.get("data", {}))
                     for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))
    return not has_images and 'class="cell_output' in (text := html.read_text(encoding="utf-8")) \
        and "<img" in text.split('class="cell_output', 1)[1]


def check_notebooks(folder: Path, html_folder: Path | None = None) -> list[str]:
    problems = []
    for path in sorted(folder.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        if _restored_without_images(nb, html_folder / f"{path.stem}.html" if html_folder else None):
            print(f"  ({path.name}: restored from the execution cache without its images; its page has them)")
            nb = {"cells": [c for c in nb["cells"] if c["cell_type"] != "code" or not draws(
                c["source"] if isinstance(c["source"], str) else "".join(c["source"]))]}
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


def check_figures(name: str, article) -> list[str]:
    """Every image a cell drew sits in a figure with a numbered caption that says something."""
    problems = []
    for img in article.select(".cell_output img"):
        figure = img.find_parent("figure")
        caption = figure.find("figcaption") if figure is not None else None
        where = _where(img)
        if caption is None or len(caption.get_text(" ").split()) < 4:
            problems.append(f"{name}: an uncaptioned figure{where} (cell metadata "
                            f'"mystnb": {{"figure": {{"caption": "...", "name": "fig-..."}}}})')
        elif caption.select_one(".caption-number") is None:
            problems.append(f"{name}: a figure without a number{where}: {caption.get_text(' ').strip()[:60]!r}")
    return problems


def _where(node) -> str:
    heading = node.find_previous(["h1", "h2", "h3", "h4"])
    title = heading.get_text(" ").replace("#", "").strip() if heading is not None else ""
    return f" under {title[:50]!r}" if title else ""


def check_output_paths(name: str, article) -> list[str]:
    """No absolute path of the build machine in what the cells show (outputs, glued values)."""
    problems = []
    for node in article.select(".cell_output, .pasted-text, .pasted-inline"):
        for path in dict.fromkeys(machine_paths(node.get_text())):
            problems.append(f"{name}: a path of the build machine in an output{_where(node)}: {path!r} "
                            f"(print it as a reader writes it: nnbook.utils.display_path)")
    return problems


def check_typed_numbers(name: str, article) -> list[str]:
    """Typed decimals and percentages in captions, and in sentences next to a glued value, that no cell
    produced: a number in the text must come from a cell (glue)."""
    known = known_numbers(n.get_text(" ") for n in article.select(
        ".cell_output, .cell_input, .pasted-text, .pasted-inline, pre, code"))
    problems = []
    blocks = article.select("p, li, figcaption, caption, dd, td")
    for block in blocks:
        if block.find_parent(class_=re.compile(r"cell_output|cell_input|highlight")) is not None:
            continue
        if block.name in ("li", "dd", "td") and block.find("p") is not None:
            continue                                    # its paragraphs are checked themselves
        caption = block.name in ("figcaption", "caption")
        copy = BeautifulSoup(str(block), "html.parser")
        for node in copy.select(".math, .pasted-text, .pasted-inline, code, .caption-number, mjx-container"):
            node.replace_with(" ⟨glued⟩ " if "pasted" in " ".join(node.get("class") or []) else " ")
        for sentence in _sentences(copy.get_text(" ")):
            if not caption and "⟨glued⟩" not in sentence:
                continue
            for number, percent in typed_numbers(sentence.replace("⟨glued⟩", "")):
                if not produced(number, percent, known):
                    what = "caption" if caption else "sentence with a glued value"
                    problems.append(f"{name}: a typed number in a {what}{_where(block)} that no cell produced: "
                                    f"{number}{' %' if percent else ''} in {sentence.replace('⟨glued⟩', '[glued]').strip()[:110]!r} "
                                    f"(glue it from the cell that computes it)")
    return problems


def check_html(folder: Path) -> list[str]:
    problems = []
    for path in sorted(folder.glob("*.html")):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        article = soup.find("article") or soup
        chapter = bool(CHAPTER.match(path.stem))
        problems += check_figures(path.name, article)
        problems += check_output_paths(path.name, article)
        problems += check_typed_numbers(path.name, article)
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
    problems = check_notebooks(executed, html) + check_html(html)
    by_page = {}
    for p in problems:
        by_page.setdefault(p.split(":")[0].split(" cell ")[0], []).append(p)
    for page, items in by_page.items():
        print(f"{page}: {len(items)} problem(s)")
        for p in items:
            print("  " + p)
    n_nb, n_html = len(list(executed.glob("*.ipynb"))), len(list(html.glob("*.html")))
    if problems:
        print(f"check_pages: {len(problems)} problem(s) on the pages ({n_nb} notebooks, {n_html} pages checked)")
        return 1
    print(f"check_pages: {n_nb} executed notebooks and {n_html} pages: every figure drawn, no stray value, "
          f"no raw table, no tuple glue, no internal reference, every §3.x a link, every exercise a heading, "
          f"every figure captioned, no machine path in an output, no typed number beside a glued one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
