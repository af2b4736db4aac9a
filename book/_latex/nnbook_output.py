"""Sphinx extension: fixes to what the book's builders write (checked by `make test-pdf` and
`make test-browser`).

PDF: print the code cells the HTML book collapses. sphinx-jupyterbook-latex drops the input of
`hide-input` cells (the output of `hide-output` cells, the whole of `hide-cell` ones) from the PDF.
In the HTML book they are one click away (exercise solutions, plotting code); a printed page has
nothing to click, so here they print like any other cell, input and output framed as usual.

HTML: no console error on any page.
- sphinx-thebe 0.3 registers its inline configuration script while Sphinx 7.4 already copies it to
  the builder, so every page declared `const THEBE_JS_URL` twice ("Identifier 'THEBE_JS_URL' has
  already been declared"): identical scripts are kept once.
- pydata-sphinx-theme logs "Got invalid theme mode" on a reader's first visit unless the theme has a
  default colour mode: `html_context.default_mode` is `auto` (the reader's system) unless set.

HTML: the launch buttons (Binder, Colab) open something that runs. sphinx-book-theme points them at the
page's own notebook, `nbs/0N_*.ipynb`, full of nbdev's `#|` lines and build cells. On a chapter page (a
title that starts with its section number, "3.4 Backpropagation") they open that section's exercise
notebook, `nnbook/starters/exercises-3.4.ipynb` (tools/make_starters.py); a page without a section number,
or whose section has no exercise notebook, shows no launch buttons.

HTML: the page's table of contents (right sidebar) lists the second heading level unfolded
(`show_toc_level: 2`; the theme's default is 1): an exercise is a `###` heading, and a reader finds
every exercise of a page there.
"""
import html
import re
from pathlib import Path

from sphinx.application import Sphinx

SECTION_TITLE = re.compile(r"^\s*(\d+\.\d+)\s")
STARTER = "nnbook/starters/exercises-{section}.ipynb"


def starter_for_title(title: str, root) -> str | None:
    """The exercise notebook (path in the repository) of the page titled `title`, if it has one."""
    m = SECTION_TITLE.match(html.unescape(re.sub(r"<[^>]+>", "", title or "")))
    if m is None:
        return None
    path = STARTER.format(section=m.group(1))
    return path if (Path(root) / path).is_file() else None


def launch_starters(app, pagename, templatename, context, doctree):
    """Point the launch buttons of a chapter page at its exercise notebook; remove them elsewhere."""
    buttons = context.get("header_buttons")
    if not buttons:
        return
    group = next((b for b in buttons if b.get("label") == "launch-buttons"), None)
    if group is None:
        return
    starter = starter_for_title(context.get("title", ""), app.srcdir)
    own = f"{pagename}.ipynb"
    if starter is None:
        buttons.remove(group)
        return
    for button in group.get("buttons", []):
        url = button.get("url")
        if url and own in url:
            button["url"] = url.replace(own, starter)


def visit_hidden(self, node):
    classes = node.get("classes", [])
    if "cell_input" in classes:
        self.body.append("\\begin{sphinxVerbatimInput}\n")
    elif "cell_output" in classes:
        self.body.append("\\begin{sphinxVerbatimOutput}\n")


def depart_hidden(self, node):
    classes = node.get("classes", [])
    if "cell_input" in classes:
        self.body.append("\\end{sphinxVerbatimInput}\n")
    elif "cell_output" in classes:
        self.body.append("\\end{sphinxVerbatimOutput}\n")


def dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        # the same inline script comes once with filename None (added to the builder) and once with
        # filename "" (copied from the registry)
        attrs = getattr(js, "attributes", {}) or {}
        key = (getattr(js, "filename", str(js)) or "", getattr(js, "priority", None),
               tuple(sorted((k, str(v)) for k, v in attrs.items())))
        if key not in seen:
            seen.add(key)
            kept.append(js)
    scripts[:] = kept


def default_mode(app, config):
    context = config.html_context
    if isinstance(context, dict):
        context.setdefault("default_mode", "auto")
    options = config.html_theme_options
    if isinstance(options, dict):
        options.setdefault("show_toc_level", 2)


def setup(app: Sphinx):
    app.setup_extension("sphinx_jupyterbook_latex")  # so that this registration comes after its own
    from sphinx_jupyterbook_latex.nodes import HiddenCellNode

    app.add_node(HiddenCellNode, override=True, latex=(visit_hidden, depart_hidden))
    app.connect("html-page-context", dedupe_scripts, priority=900)
    app.connect("html-page-context", launch_starters, priority=600)   # after the theme's (501)
    app.connect("config-inited", default_mode)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
