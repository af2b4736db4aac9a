"""The exercise notebooks' set-up cell (written by tools/make_starters.py from nnbook.exercises.core._SETUP) says in
one line what to do when nnbook cannot be installed (Colab, Binder), instead of pip's CalledProcessError traceback."""
import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _setup_source(section="3.4"):
    nb = json.loads((ROOT / "nnbook" / "starters" / f"exercises-{section}.ipynb").read_text(encoding="utf-8"))
    return next(c for c in nb["cells"] if c["cell_type"] == "code")["source"]


def test_a_failed_install_is_one_line_that_says_what_to_do(monkeypatch):
    def fail(*args, **kwargs):
        raise subprocess.CalledProcessError(1, args[0])
    monkeypatch.setattr(subprocess, "check_call", fail)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(Exception) as caught:
        exec(_setup_source(), {})
    shown = caught.value._render_traceback_()              # what Jupyter prints instead of a traceback
    assert len(shown) == 1 and "pip install nnbook" in shown[0] and "run this cell again" in shown[0]
    assert not isinstance(caught.value, subprocess.CalledProcessError)


def test_the_setup_runs_when_nnbook_is_installed():
    namespace = {}
    exec(_setup_source(), namespace)
    assert callable(namespace["check"])


def test_every_starter_has_the_runnable_setup_and_no_nbdev_directives():
    for path in sorted((ROOT / "nnbook" / "starters").glob("exercises-3.*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
        assert "SetupError" in code[0], path.name
        assert not any(line.lstrip().startswith("#|") for src in code for line in src.splitlines()), path.name
