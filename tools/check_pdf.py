"""Check the PDF book (`make test-pdf`): every title is in it and LaTeX warned of nothing missing.

- Every page listed in `_toc.yml` has its title (the notebook's first `# ` heading, or the Markdown
  file's; for the root page, the book's title) and every `## ` section heading in the text that
  `pdftotext` extracts; so has the title of every exercise solution (`{dropdown}`, or an admonition
  of class `dropdown`), which the PDF prints expanded.
- The LaTeX log has no missing figure or file, no undefined reference or citation, no character
  missing from a font (XeTeX drops it silently; see book/_latex/make_fallback_sty.py) and no error.
- Prints the page count and the size; `--png DIR` also renders every page to DIR (pdftoppm) to look at.

Usage: python tools/check_pdf.py [--pdf _build/latex/nnbook.pdf] [--toc _toc.yml] [--png DIR]
Exit status 1 on any problem, with one line per problem.
"""
import argparse
import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import yaml

LOG_PATTERNS = [
    (r"LaTeX Warning: (Hyper )?[Rr]eference .* undefined", "undefined reference"),
    (r"LaTeX Warning: There were undefined references", "undefined reference"),
    (r"LaTeX Warning: Citation .* undefined", "undefined citation"),
    (r"LaTeX Warning: There were undefined citations", "undefined citation"),
    (r"LaTeX Warning: File .* not found", "missing file"),
    (r"File .* not found", "missing file"),
    (r"Unable to load picture", "missing figure"),
    (r"Missing character: There is no", "character missing from the font"),
    (r"^! ", "LaTeX error"),
]


def toc_files(toc_path):
    """The documents of a jb-book `_toc.yml`, in order (root, then parts/chapters/sections)."""
    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries):
        for e in entries or []:
            if "file" in e:
                files.append(e["file"])
            walk(e.get("sections"))
            walk(e.get("chapters"))
            for p in e.get("parts", []) or []:
                walk(p.get("chapters"))

    for part in toc.get("parts", []) or []:
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return files


def find_source(root, name):
    for ext in ("", ".ipynb", ".md"):
        p = root / (name + ext)
        if p.is_file():
            return p
    raise FileNotFoundError(f"{name} (from the toc) has no .ipynb or .md file under {root}")


def markdown_texts(path):
    """The Markdown text of a page: a .md file, or the markdown cells of a notebook not removed."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        out = []
        for cell in nb["cells"]:
            tags = cell.get("metadata", {}).get("tags", [])
            if cell["cell_type"] == "markdown" and "remove-cell" not in tags:
                src = cell["source"]
                out.append(src if isinstance(src, str) else "".join(src))
        return out
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)  # front matter
    return [text]


def headings(texts):
    """(level, title) of the `#`/`##` headings outside code fences, and the titles of the collapsed
    blocks (exercise solutions): `{dropdown}` directives and admonitions of class `dropdown`."""
    found, dropdowns = [], []
    for text in texts:
        fence, admonition = None, None
        for line in text.splitlines():
            if admonition is not None:
                c = re.match(r"^\s*:class:\s*(.*)$", line)
                if c and "dropdown" in c.group(1).split():
                    dropdowns.append(admonition)
                if not line.strip().startswith(":"):
                    admonition = None
            m = re.match(r"^\s*(`{3,}|~{3,}|:{3,})(.*)$", line)
            if m:
                d = re.match(r"\{dropdown\}\s*(.*)", m.group(2).strip())
                if d and d.group(1).strip():
                    dropdowns.append(d.group(1).strip())
                a = re.match(r"\{admonition\}\s*(.*)", m.group(2).strip())
                if a and a.group(1).strip():
                    admonition = a.group(1).strip()
                if fence is None and m.group(1)[0] != ":":
                    fence = m.group(1)
                elif fence is not None and m.group(1).startswith(fence) and not m.group(2).strip():
                    fence = None
                continue
            if fence is None:
                h = re.match(r"^(#{1,2})\s+(.+?)\s*#*\s*$", line)
                if h:
                    found.append((len(h.group(1)), h.group(2)))
    return found, dropdowns


def plain(md):
    """A heading's text as it reads: without Markdown markup, roles or math delimiters."""
    md = re.sub(r"\{[a-z:-]+\}`([^`]*)`", r"\1", md)   # {role}`text`
    md = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", md)  # links, images
    md = re.sub(r"\(([^)]*)\)=", "", md)                 # (label)=
    return md.replace("`", "").replace("*", "").replace("$", "").replace("_", "")


def norm(text):
    """Compare letters and digits only (line breaks, hyphens, ligatures, quotes and spacing vary)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pdf", default="_build/latex/nnbook.pdf")
    ap.add_argument("--log", help="the LaTeX log (default: the PDF's .log beside it)")
    ap.add_argument("--toc", default="_toc.yml")
    ap.add_argument("--png", metavar="DIR", help="render every page to DIR/page-NNN.png (60 dpi)")
    args = ap.parse_args(argv)
    pdf, toc = Path(args.pdf), Path(args.toc)
    log = Path(args.log) if args.log else pdf.with_suffix(".log")
    problems = []
    if not pdf.is_file():
        print(f"FAIL: {pdf} does not exist (run `make pdf`)")
        return 1

    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    ntext = norm(text)
    pages = re.search(r"^Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], check=True,
                      capture_output=True, text=True).stdout, re.M)
    n_pages = int(pages.group(1)) if pages else 0

    n_titles = n_found = 0
    config = yaml.safe_load((toc.parent / "_config.yml").read_text(encoding="utf-8")) \
        if (toc.parent / "_config.yml").is_file() else {}
    for i, name in enumerate(toc_files(toc)):
        src = find_source(toc.parent, name)
        heads, dropdowns = headings(markdown_texts(src))
        if not any(level == 1 for level, _ in heads):
            problems.append(f"{src}: no `# ` title")
        if i == 0 and config.get("title"):
            # the PDF prints the root page without its title, under the book's title
            heads = [(1, config["title"])] + [h for h in heads if h[0] != 1]
        for level, title in heads + [(3, d) for d in dropdowns]:
            n_titles += 1
            kind = {1: "title", 2: "section", 3: "solution"}[level]
            if norm(plain(title)) and norm(plain(title)) not in ntext:
                problems.append(f"{src}: {kind} not in the PDF text: {title!r}")
            else:
                n_found += 1

    if log.is_file():
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        for i, line in enumerate(lines):
            for pattern, what in LOG_PATTERNS:
                if re.search(pattern, line):
                    problems.append(f"{log}:{i + 1}: {what}: {line.strip()[:160]}")
                    break
    else:
        problems.append(f"{log}: no LaTeX log")

    if args.png:
        out = Path(args.png)
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("page-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(out / "page")], check=True)

    size = pdf.stat().st_size
    print(f"{pdf}: {n_pages} pages, {size / 1e6:.1f} MB; "
          f"{n_found}/{n_titles} titles, sections and solutions found in the text")
    for p in problems:
        print("FAIL:", p)
    if any("character missing from the font" in p for p in problems):
        print("hint: a font of the PDF lacks that character; give it a fallback (book/_latex/"
              "make_fallback_sty.py, BLOCKS) or write it another way (e.g. as math)")
    if n_pages == 0:
        print("FAIL: the PDF has no pages")
        return 1
    print("PDF check:", "passed" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
