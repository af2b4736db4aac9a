"""The book's own Sphinx extensions and page checks (book/_ext, tools/check_pages.py) on small inputs."""
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ext = _load("nbdev_directives", "book/_ext/nbdev_directives.py")
pages = _load("check_pages", "tools/check_pages.py")


@pytest.mark.parametrize("raw, shown", [
    ("File \x1b[0;32m/tmp/ci/main/nnbook/network.py:252\x1b[0m, in forward",
     "File \x1b[0;32mnnbook/network.py:252\x1b[0m, in forward"),
    ("/home/u/.venv/lib/python3.11/site-packages/numpy/core/fromnumeric.py:59: RuntimeWarning",
     "numpy/core/fromnumeric.py:59: RuntimeWarning"),
    ("/usr/lib/python3.11/json/decoder.py", "json/decoder.py"),
    ("Cell In[5], line 3", "Cell In[5], line 3"),                    # nothing to strip
    ("the cache is ~/.cache/nnbook/mnist", "the cache is ~/.cache/nnbook/mnist"),
])
def test_tracebacks_do_not_show_the_build_machine_folders(raw, shown):
    assert ext.strip_machine_paths(raw) == shown


def test_error_outputs_are_shown_without_machine_paths_and_the_notebook_is_unchanged():
    seen = []
    coalesce = ext._terminal_streams(lambda outputs: seen.extend(outputs) or outputs)
    error = {"output_type": "error", "ename": "ValueError", "evalue": "bad",
             "traceback": ["File /tmp/ci/main/nnbook/mlp.py:10, in predict", "ValueError: bad"]}
    stream = {"output_type": "stream", "name": "stderr",
              "text": "/work/x/nnbook/mnist.py:5: UserWarning: w\n"}
    coalesce([error, stream])
    assert seen[0]["traceback"] == ["File nnbook/mlp.py:10, in predict", "ValueError: bad"]
    assert seen[1]["text"] == "nnbook/mnist.py:5: UserWarning: w\n"
    assert error["traceback"][0].startswith("File /tmp/")       # the cached notebook keeps its outputs
    assert stream["text"].startswith("/work/")


@pytest.mark.parametrize("src, drawn", [
    ("fig, ax = plt.subplots()\nax.plot([1, 2])", True),
    ("ax = nnbook.plot_history(h)", True),
    ("plot_network(net)", True),
    ("def check_axes(ax):\n    raise TypeError('an Axes (e.g. from plt.subplots())')", False),
    ("def draw(ax):\n    ax.plot([1])\n", False),                 # a definition draws nothing
    ("def draw(ax):\n    ax.plot([1])\ndraw(plt.gca())", True),    # its call does
    ("plt.rcParams['figure.dpi'] = 100\nplt.close('all')", False),
    ("# ax.plot(x)\nx = 1", False),
    ("%timeit plt.plot([1])", False),
])
def test_which_cells_draw(src, drawn):
    assert pages.draws(src) is drawn


@pytest.mark.parametrize("text, paths", [
    ("data directory: /work/shared/data (from NNBOOK_DATA)", ["/work/shared/data"]),
    ("saved to /tmp/nnbook-cli-x1/net.npz", ["/tmp/nnbook-cli-x1/net.npz"]),
    ("File /home/ann/.venv/lib/python3.11/site.py", ["/home/ann/.venv/lib/python3.11/site.py"]),
    ("read /usr/share/datasets/fashion-mnist.", ["/usr/share/datasets/fashion-mnist"]),
    ("data: MNIST from $NNBOOK_DATA/mnist", []),
    ("cache: ~/.cache/nnbook/mnist", []),
    ("see https://nnbook.github.io/nnbook/nbs/04_backprop.html", []),
    ("pixels / 255, 3.2it/s, km/h, 1/m, W/b", []),
    ("saved the network to mnist-2000.npz", []),
    ("(/root/x)", ["/root/x"]),
])
def test_machine_paths(text, paths):
    assert pages.machine_paths(text) == paths


def test_a_path_whose_top_folder_exists_here_is_a_machine_path(tmp_path):
    top = "/" + tmp_path.parts[1]                       # e.g. /tmp: exists on this machine
    assert pages.machine_paths(f"wrote {tmp_path}/a.npz") == [f"{tmp_path}/a.npz"]
    assert pages.machine_paths("from /no-such-top-folder-xyz/a") == []
    assert top


@pytest.mark.parametrize("sentence, numbers", [
    ("the scale drifts from 0.99 to 0.25 while He holds", [("0.99", False), ("0.25", False)]),
    ("it classifies 82 % of the digits, 91% of the sevens", [("82", True), ("91", True)]),
    ("as §3.4 showed and Exercise 3.4b asks", []),
    ("with 10 classes and 784 inputs", []),                   # integers are settings and counts
    ("nnbook 0.1 called it seed; Fig. 3.2 shows it", []),
])
def test_typed_numbers(sentence, numbers):
    assert pages.typed_numbers(sentence) == numbers


def test_produced_rounds_as_typed():
    known = {0.8234, 0.251, 12.0}
    assert pages.produced("0.82", False, known) and pages.produced("82", True, known)
    assert pages.produced("82.3", True, known) and pages.produced("0.25", False, known)
    assert not pages.produced("0.99", False, known) and not pages.produced("83", True, known)


def _article(html):
    from bs4 import BeautifulSoup
    return BeautifulSoup(f"<article>{html}</article>", "html.parser").article


def test_typed_numbers_next_to_glued_ones_and_in_captions():
    article = _article(
        '<h2>Scales</h2>'
        '<div class="cell_output"><pre>He: 0.8213\nXavier: 0.2504</pre></div>'
        '<p>He holds <span class="pasted-text">0.82</span> while Xavier drifts to 0.25. '
        'LeCun drifts from 0.99 too, as <span class="pasted-text">3</span> runs show.</p>'
        '<p>Without glue 0.77 is not checked.</p>'
        '<figure><img/><figcaption><span class="caption-number">Fig. 1 </span>'
        '<span class="caption-text">Xavier ends at 0.25 and He at 0.64.</span></figcaption></figure>')
    problems = pages.check_typed_numbers("C.html", article)
    assert len(problems) == 2, problems
    assert "0.99" in problems[0] and "glued value" in problems[0] and "'Scales'" in problems[0]
    assert "0.64" in problems[1] and "caption" in problems[1]


def test_uncaptioned_and_unnumbered_figures():
    article = _article(
        '<h2>A</h2><div class="cell_output"><img src="a.png"/></div>'
        '<figure><div class="cell_output"><img src="b.png"/></div><figcaption><p>'
        '<span class="caption-number">Fig. 2 </span>What the two panels show.</p></figcaption></figure>'
        '<figure><div class="cell_output"><img src="c.png"/></div><figcaption><p>A caption without number.'
        '</p></figcaption></figure>')
    problems = pages.check_figures("X.html", article)
    assert len(problems) == 2 and "uncaptioned" in problems[0] and "without a number" in problems[1]


def test_machine_paths_in_outputs_are_reported_by_page():
    article = _article('<h2>Data</h2><div class="cell_output"><pre>data directory: /work/shared/data</pre></div>'
                       '<div class="cell_input"><pre>load("/work/x")</pre></div>')
    problems = pages.check_output_paths("10_cli.html", article)
    assert problems == ["10_cli.html: a path of the build machine in an output under 'Data': '/work/shared/data' "
                        "(print it as a reader writes it: nnbook.utils.display_path)"]


def test_a_notebook_restored_from_the_cache_without_images_is_judged_by_its_page(tmp_path):
    nb = {"cells": [{"cell_type": "code", "source": "plt.plot([1])", "metadata": {}, "outputs": []}]}
    page = tmp_path / "x.html"
    page.write_text('<div class="cell_output docutils container"><img src="a.png"/></div>')
    assert pages._restored_without_images(nb, page)
    page.write_text('<div class="cell_output docutils container"><pre>1</pre></div>')
    assert not pages._restored_without_images(nb, page)          # the figure vanished from the page too


browser = _load("browser_test", "tools/browser_test.py")


def test_overflow_at_two_widths():
    items = [{"kind": "equation", "what": r"\frac{a}{b}", "width": 900, "room": 688, "where": "3A.2",
              "scrolls_in_own_box": True},
             {"kind": "sticks out", "what": "div.admonition Algorithm", "width": 700, "room": 688, "where": "3.4"}]
    assert len(browser.overflow_problems(items, 1280)) == 2
    phone = browser.overflow_problems(items, 390)            # an equation may scroll in its own box there
    assert len(phone) == 1 and "sticks out" in phone[0]
    report = browser.overflow_report({"nbs/A": {1280: {"items": items}}})
    assert "| nbs/A | 3A.2 | `\\frac{a}{b}` | 900 | 688 |" in report and "1 equation(s)" in report


def test_launch_links_open_the_section_starter(tmp_path):
    prefixes = ["https://mybinder.org/v2/gh/nnbook/nnbook", "https://colab.research.google.com/github/nnbook/nnbook"]
    (tmp_path / "nnbook" / "starters").mkdir(parents=True)
    (tmp_path / "nbs").mkdir()
    starter = {"cells": [{"cell_type": "code", "source": "import nnbook"}]}
    chapter = {"cells": [{"cell_type": "code", "source": "#| export\nx = 1"}]}
    import json as _json
    (tmp_path / "nnbook/starters/exercises-3.8.ipynb").write_text(_json.dumps(starter))
    (tmp_path / "nbs/07b_torch.ipynb").write_text(_json.dumps(chapter))
    good = [prefixes[0] + "/main?urlpath=lab/tree/nnbook/starters/exercises-3.8.ipynb",
            prefixes[1] + "/blob/main/nnbook/starters/exercises-3.8.ipynb"]
    assert browser.launch_problems(good, "3.8 Bridging to PyTorch", prefixes, tmp_path) == []
    bad = [prefixes[0] + "/main?urlpath=lab/tree/nbs/07b_torch.ipynb",
           prefixes[1] + "/blob/main/nbs/07b_torch.ipynb"]
    problems = browser.launch_problems(bad, "3.8 Bridging to PyTorch", prefixes, tmp_path)
    assert sum("does not open nnbook/starters/exercises-3.8.ipynb" in p for p in problems) == 2
    assert sum("#| lines" in p for p in problems) == 2
    assert browser.launch_problems([], "Appendix 3A: Backpropagation", prefixes, tmp_path) == []


def test_the_book_rewrites_launch_buttons_to_the_starter(tmp_path):
    out = _load("nnbook_output", "book/_latex/nnbook_output.py")
    (tmp_path / "nnbook" / "starters").mkdir(parents=True)
    (tmp_path / "nnbook/starters/exercises-3.4.ipynb").write_text("{}")

    class App:
        srcdir = str(tmp_path)

    def context(title):
        return {"title": title, "header_buttons": [{"label": "launch-buttons", "buttons": [
            {"url": "https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/nbs/04_backprop.ipynb"},
            {"url": "https://colab.research.google.com/github/o/r/blob/main/nbs/04_backprop.ipynb"}]}]}
    ctx = context("3.4 Backpropagation")
    out.launch_starters(App(), "nbs/04_backprop", None, ctx, None)
    urls = [b["url"] for b in ctx["header_buttons"][0]["buttons"]]
    assert all(u.endswith("nnbook/starters/exercises-3.4.ipynb") for u in urls)
    for title in ("Appendix 3A: Backpropagation derivations", "3.9 A section without exercises"):
        ctx = context(title)
        out.launch_starters(App(), "nbs/04_backprop", None, ctx, None)
        assert ctx["header_buttons"] == []
