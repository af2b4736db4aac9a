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
