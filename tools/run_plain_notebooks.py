"""Execute the book's notebooks the way a reader who clicked Binder or Colab does: in a plain Jupyter
kernel where only `pip install nnbook` (plus ipykernel and nbclient) was done, every cell top to
bottom, nbdev's `#| ...` lines being plain comments (so `#| eval: false` cells run too).

Each notebook is copied ALONE into its own folder under --out (outside the repository; Colab, too,
opens one notebook in an empty folder) and executed there with nbclient, in a kernel of the Python
that runs this script. A cell tagged `raises-exception` may raise (nbclient honours the tag); any
other error fails the notebook, reported with its name, the cell's index and first lines, and the
error. Before the notebooks, a probe checks that the kernel is that plain environment: nnbook comes
from its site-packages, nothing of the checkout is importable, and none of the dev tools (myst-nb,
nbdev, jupyter-book, ...) is installed. MNIST is read from NNBOOK_DATA, which must be set.

Usage (tools/check_wheel.sh runs it with the python of its fresh venv):
    VENV/bin/python tools/run_plain_notebooks.py --out DIR [--repo REPO] [--timeout S] [-x] NOTEBOOK...
Exit code: 0 if every notebook ran, 1 if one failed, 2 for bad usage or an impure kernel.
"""
import argparse
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

DEV_ONLY = ["myst_nb", "nbdev", "jupyter_book", "execnb", "jupytext", "pytest", "hypothesis", "sphinx"]

PROBE = """
import importlib.util, json, os, sys
import nnbook
repo = os.path.realpath(REPO)
found = [m for m in DEV_ONLY if importlib.util.find_spec(m) is not None]
on_path = [p for p in sys.path if p and os.path.realpath(p).startswith(repo)]
print(json.dumps({"prefix": os.path.realpath(sys.prefix), "nnbook": os.path.realpath(nnbook.__file__),
                  "version": nnbook.__version__, "dev_modules": found, "repo_on_path": on_path,
                  "cwd": os.path.realpath(os.getcwd()), "python": sys.version.split()[0]}))
"""


def plain_environment(out: Path):
    """Make this process's environment (which the kernels inherit) a reader's: no PYTHONPATH, no
    MPLBACKEND (ipykernel picks the inline backend), no user-level Jupyter/IPython configuration or
    kernelspecs (so "python3" is the kernel of this Python)."""
    for var in ("PYTHONPATH", "MPLBACKEND", "JUPYTER_PATH"):
        os.environ.pop(var, None)
    for var, sub in (("JUPYTER_DATA_DIR", "jupyter-data"), ("JUPYTER_CONFIG_DIR", "jupyter-config"),
                     ("IPYTHONDIR", "ipython")):
        os.environ[var] = str(out / ".home" / sub)
        Path(os.environ[var]).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")   # ipykernel's note about frozen modules


def new_client(nb, folder: Path, timeout: float):
    from nbclient import NotebookClient
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
    from ipc_kernels import use_ipc_kernels   # kernels over Unix sockets: no TCP port races
    use_ipc_kernels()
    return NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                          resources={"metadata": {"path": str(folder)}})


def probe(out: Path, repo: Path):
    """Run PROBE in a kernel; return None if the kernel is the plain environment, else what is wrong."""
    import nbformat
    folder = out / "_probe"
    folder.mkdir(parents=True, exist_ok=True)
    source = f"REPO = {str(repo)!r}\nDEV_ONLY = {DEV_ONLY!r}\n" + PROBE
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    with open(folder / "kernel-stderr.txt", "wb") as kernel_stderr:   # ipykernel's start-up notes
        new_client(nb, folder, 120).execute(stderr=kernel_stderr)
    info = json.loads("".join(o.get("text", "") for o in nb.cells[0].outputs if o.get("name") == "stdout"))
    problems = []
    if info["prefix"] != os.path.realpath(sys.prefix):
        problems.append(f"the kernel runs in {info['prefix']}, not in this environment ({sys.prefix})")
    if not info["nnbook"].startswith(os.path.realpath(sys.prefix)):
        problems.append(f"the kernel imports nnbook from {info['nnbook']}, not from {sys.prefix}")
    if info["dev_modules"]:
        problems.append(f"dev-only modules are importable in the kernel: {info['dev_modules']}")
    if info["repo_on_path"] or info["cwd"].startswith(os.path.realpath(repo)):
        problems.append(f"the checkout is on the kernel's path or is its cwd: {info['repo_on_path']}, {info['cwd']}")
    print(f"plain kernel: Python {info['python']} in {info['prefix']}; nnbook {info['version']} from "
          f"{os.path.dirname(info['nnbook'])}; no {', '.join(DEV_ONLY)}", flush=True)
    return "; ".join(problems) or None


def run_notebook(src: Path, out: Path, timeout: float) -> dict:
    """Copy `src` alone into out/<stem>/ and execute every code cell there; the executed copy is kept."""
    import nbformat
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    folder = out / src.stem
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    copy = folder / src.name
    shutil.copyfile(src, copy)
    nb = nbformat.read(copy, as_version=4)
    client = new_client(nb, folder, timeout)
    res = {"name": src.name, "ok": True, "cells": len(nb.cells), "ran": 0, "warnings": []}
    start = time.perf_counter()
    kernel_stderr = open(folder / "kernel-stderr.txt", "wb+")          # shown if the kernel dies
    try:
        with kernel_stderr, client.setup_kernel(stderr=kernel_stderr):
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as e:
                    res.update(ok=False, index=index, error=f"{e.ename}: {e.evalue}", traceback=str(e))
                except CellTimeoutError:
                    res.update(ok=False, index=index, error=f"no result within the cell timeout of {timeout:g} s")
                except DeadKernelError as e:
                    kernel_stderr.seek(0)
                    tail = kernel_stderr.read().decode(errors="replace").strip().splitlines()[-5:]
                    res.update(ok=False, index=index, error=f"the kernel died: {e}" + "".join("\n" + l for l in tail))
                if not res["ok"]:
                    res["source"] = cell.source
                    break
                res["ran"] += 1
                for o in cell.get("outputs", []):
                    if o.get("name") == "stderr" and "Warning" in o.get("text", ""):
                        line = next(l for l in o["text"].splitlines() if "Warning" in l)
                        res["warnings"].append(f"cell {index}: {line.strip()[:160]}")
    except Exception as e:                                # the kernel did not start, or died between cells
        if res["ok"]:
            res.update(ok=False, index=None, source="", error=f"{type(e).__name__}: {e}")
    res["seconds"] = time.perf_counter() - start
    nbformat.write(nb, copy)
    return res


def report_failure(res: dict):
    where = "the kernel" if res["index"] is None else f"cell {res['index']} (0-based) of {res['cells']}"
    print(f"    FAILED in {where}: {res['error']}")
    lines = [l for l in res.get("source", "").splitlines() if l.strip()]
    for line in lines[:6]:
        print(f"    | {line}")
    if len(lines) > 6:
        print(f"    | ... ({len(lines) - 6} more lines)")
    tb = [l for l in re.sub(r"\x1b\[[0-9;]*m", "", res.get("traceback", "")).splitlines()
          if l.strip() and not set(l.strip()) <= {"-"}]
    if tb:
        print("    traceback (last lines):")
        for line in tb[-12:]:
            print(f"      {line}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="+", type=Path, help="the notebooks to run, in this order")
    ap.add_argument("--out", type=Path, required=True, help="folder (outside the repository) for the copies")
    ap.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent,
                    help="the checkout, which the kernel must not see (default: this script's repository)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per cell (default 1800, as the book)")
    ap.add_argument("-x", "--exitfirst", action="store_true", help="stop at the first failing notebook")
    args = ap.parse_args(argv)
    try:
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError as e:
        print(f"run_plain_notebooks: {e}; run it with a Python that has nbclient and ipykernel", file=sys.stderr)
        return 2
    missing = [str(p) for p in args.notebooks if not p.is_file()]
    if missing:
        print(f"run_plain_notebooks: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    if not os.environ.get("NNBOOK_DATA"):
        print("run_plain_notebooks: set NNBOOK_DATA to the folder holding mnist/ (nothing is downloaded)",
              file=sys.stderr)
        return 2
    repo, out = args.repo.resolve(), args.out.resolve()
    if str(out).startswith(str(repo) + os.sep):
        print(f"run_plain_notebooks: --out {out} is inside the repository {repo}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    plain_environment(out)
    problem = probe(out, repo)
    if problem:
        print(f"run_plain_notebooks: not a plain kernel: {problem}", file=sys.stderr)
        return 2
    results, start = [], time.perf_counter()
    for path in args.notebooks:
        res = run_notebook(path.resolve(), out, args.timeout)
        results.append(res)
        status = "ok" if res["ok"] else "FAILED"
        print(f"  {status:<6} {res['name']:<30} {res['seconds']:7.1f} s  ({res['ran']} cells run)", flush=True)
        for w in res["warnings"]:
            print(f"    note: a warning in {w}")
        if not res["ok"]:
            report_failure(res)
            if args.exitfirst:
                break
    failed = [r["name"] for r in results if not r["ok"]]
    total = time.perf_counter() - start
    print(f"plain kernel: {len(results) - len(failed)} of {len(args.notebooks)} notebooks ran top to bottom "
          f"in {total:.1f} s" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    slowest = sorted(results, key=lambda r: -r["seconds"])[:3]
    print("  slowest: " + ", ".join(f"{r['name']} {r['seconds']:.0f} s" for r in slowest))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
