"""The book is reproducible: two executions of a notebook show the reader the same outputs.

Every text output and every glued value of every code cell must be identical between two executions, and
every figure must be present in both (figures are compared by presence, not by bytes: their text, e.g.
`<Figure size 640x480 with 1 Axes>`, is compared, the numbers they draw are glued or printed, and a few
plot measured times, e.g. loss against wall-clock seconds). Only cells tagged `timing` may differ: they
report wall-clock measurements (elapsed seconds, seconds per epoch, speed-ups) and are counted as ignored.

Bitwise equality needs the same BLAS thread count in both executions: OpenBLAS gives identical results
from run to run for a fixed count, but float32 products differ in their last bits between 1 and 2 threads.
The Makefile pins it for the book (BOOK_THREADS: OPENBLAS_NUM_THREADS, OMP_NUM_THREADS); the summary line
prints the values this check ran with.

What is compared is what the book renders, normalised only where the text shows the clock or memory layout:
- the stream pieces of a cell are joined per stream and carriage returns are applied, as a terminal (and the
  book's extension, book/_ext) shows them: a tqdm bar appears once, in its final state, however many
  times it was redrawn;
- in a tqdm bar, the elapsed and remaining times and the rate (`[00:03<00:00, 1.52epoch/s` ) become
  `[<elapsed><remaining>, <rate>`: the count, the total and the postfix (e.g. loss=0.123) are compared;
- object addresses (` at 0x7f...`) and widget model ids are dropped.

Three ways to run it:

    # CI (make test-repro): execute every notebook of _toc.yml again, compare with the book build's cache
    python tools/check_reproducible.py --against _build/.jupyter_cache
    # while writing a section: execute notebooks twice here, in fresh kernels, as the book runs them
    python tools/check_reproducible.py --execute nbs/07_mnist.ipynb [nbs/...]
    # two jupyter-cache folders of two book builds
    python tools/check_reproducible.py _build/.jupyter_cache other/_build/.jupyter_cache

`--save DIR` also writes the executed notebooks to DIR (for a closer look at a difference). The exit
status is 1 if any compared cell differs, or if the two sides hold different notebooks or cells.
"""
import argparse
import difflib
import os
import re
import sys
import time
from pathlib import Path

IGNORED_MIME = {"image/png", "image/jpeg", "image/svg+xml", "application/pdf"}   # compared by presence
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
MODEL_ID = re.compile(r'"model_id": *"[0-9a-f]+"')
# tqdm's bar: "... 5/5 [00:03<00:00,  1.52epoch/s, loss=0.1]"; the rate may read "?it/s" or "3.05s/epoch"
TQDM_TIMES = re.compile(r"\[(?:\d+:)?\d\d:\d\d(?:<(?:(?:\d+:)?\d\d:\d\d|\?))?, *[^,\]]*")
TIMING_TAG = "timing"


sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
from nbdev_directives import collapse_carriage_returns  # noqa: E402  (the book renders bars this way)
from ipc_kernels import use_ipc_kernels  # noqa: E402  (kernels over Unix sockets: no TCP port races)


def _text(data):
    return data if isinstance(data, str) else "".join(data) if isinstance(data, list) else str(data)


def signature(cell):
    """What a reader sees of a cell's outputs, normalised as the module docstring says: a list of lines."""
    lines, streams = [], {}
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            streams[o["name"]] = streams.get(o["name"], "") + _text(o["text"])
    for name, text in sorted(streams.items()):
        text = TQDM_TIMES.sub("[<elapsed><remaining>, <rate>", collapse_carriage_returns(text))
        lines += [f"[{name}] {line}" for line in ADDRESS.sub("", text).rstrip("\n").split("\n")]
    for o in cell.get("outputs", []):
        if o["output_type"] in ("display_data", "execute_result"):
            for mime, data in sorted(o.get("data", {}).items()):
                if mime in IGNORED_MIME:
                    lines.append(f"[{mime}] <figure>")
                    continue
                text = MODEL_ID.sub('"model_id": ""', ADDRESS.sub("", _text(data)))
                lines += [f"[{mime}] {line}" for line in text.rstrip("\n").split("\n")]
        elif o["output_type"] == "error":
            lines.append(f"[error] {o['ename']}: {ADDRESS.sub('', o['evalue'])}")
    return lines


def is_timing(cell):
    return TIMING_TAG in cell.get("metadata", {}).get("tags", [])


def from_cache(cache_dir):
    """{notebook file name: executed notebook} of a jupyter-cache folder (the latest record of each)."""
    from jupyter_cache import get_cache
    cache = get_cache(str(cache_dir))
    records = sorted(cache.list_cache_records(), key=lambda rec: rec.created)
    return {Path(rec.uri).name: cache.get_cache_bundle(rec.pk).nb for rec in records}


def converted(path):
    """The notebook at `path` as the book executes it: with the book's cell directives (book/_ext)."""
    import nbformat
    from nnbook.cli import _book_convert_cell
    path = Path(path).resolve()
    convert, _ = _book_convert_cell(path.parent)
    nb = nbformat.read(path, as_version=4)
    nb.cells = [convert(c) for c in nb.cells]
    return nb


def cached_execution(cache_dir, path):
    """The execution of the notebook's current source in a jupyter-cache folder, or None."""
    from jupyter_cache import get_cache
    cache = get_cache(str(cache_dir))
    try:
        record = cache.match_cache_notebook(converted(path))
    except KeyError:
        return None
    return cache.get_cache_bundle(record.pk).nb


def toc_notebooks(root="."):
    """The notebooks of the book's table of contents, in its order."""
    import yaml
    found = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("file"), str) or isinstance(node.get("root"), str):
                for key in ("root", "file"):
                    p = Path(root) / f"{node[key]}.ipynb" if isinstance(node.get(key), str) else None
                    if p is not None and p.is_file():
                        found.append(p)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(yaml.safe_load(Path(root, "_toc.yml").read_text()))
    return found


def execute(path):
    """Execute one notebook in a fresh kernel as `jupyter-book build` does: the book's cell directives,
    the notebook's folder as working directory, myst-nb's executor (jupyter-cache's nbclient call)."""
    from jupyter_cache.executors.utils import single_nb_execution
    use_ipc_kernels()
    nb = converted(path)
    start = time.perf_counter()
    result = single_nb_execution(nb, cwd=str(Path(path).resolve().parent), timeout=1800, allow_errors=False)
    if result.err is not None:
        raise SystemExit(f"{Path(path).name}: execution failed:\n{result.exc_string}")
    print(f"  executed {Path(path).name} in {time.perf_counter() - start:.0f} s", flush=True)
    return nb


def compare(first, second, context=3, max_lines=20):
    """Print the comparison of two {name: executed notebook} dicts and a summary; the exit status."""
    problems = []
    if set(first) != set(second):
        problems.append(f"the two sides hold different notebooks: {sorted(set(first) ^ set(second))}")
    n_cells = n_timing = 0
    differing = []
    for name in sorted(set(first) & set(second)):
        code1 = [c for c in first[name].cells if c.cell_type == "code"]
        code2 = [c for c in second[name].cells if c.cell_type == "code"]
        if [c.source for c in code1] != [c.source for c in code2]:
            problems.append(f"{name}: the two sides executed different code cells (is the cache stale?)")
            continue
        for i, (c1, c2) in enumerate(zip(code1, code2)):
            if is_timing(c1) or is_timing(c2):                # (a cache keeps the tags of its run)
                n_timing += 1
                continue
            n_cells += 1
            s1, s2 = signature(c1), signature(c2)
            if s1 != s2:
                differing.append((name, i, c1, s1, s2))
    n_nbs = len(set(first) & set(second))
    for name, i, cell, s1, s2 in differing:
        head = " / ".join(cell.source.strip().splitlines()[:2])[:100]
        print(f"DIFFERS: {name}, code cell {i} (id {cell.get('id', '?')}): {head}")
        diff = list(difflib.unified_diff(s1, s2, "first", "second", n=context, lineterm=""))
        for line in diff[2:2 + max_lines]:
            print(f"    {line[:160]}")
        if len(diff) > 2 + max_lines:
            print(f"    ... ({len(diff) - 2 - max_lines} more diff lines)")
    for p in problems:
        print(f"ERROR: {p}")
    ok = not differing and not problems
    print(f"reproducibility: {n_nbs} notebooks, {n_cells} code cells compared, {n_timing} cells ignored "
          f"(tagged `{TIMING_TAG}`), {len(differing)} cells differ: {'PASSED' if ok else 'FAILED'}")
    return 0 if ok else 1


def save(nbs, folder):
    import nbformat
    Path(folder).mkdir(parents=True, exist_ok=True)
    for name, nb in nbs.items():
        nbformat.write(nb, str(Path(folder) / name))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--execute", action="store_true", help="execute the NOTEBOOKS twice here and compare")
    ap.add_argument("--against", metavar="CACHE", help="execute the NOTEBOOKS (default: every notebook of "
                    "_toc.yml) once and compare with the executed notebooks in this jupyter-cache folder")
    ap.add_argument("--save", metavar="DIR", help="also write the executed notebooks to DIR/first, DIR/second")
    ap.add_argument("paths", nargs="*", help="notebooks (--execute, --against) or two jupyter-cache folders")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    if args.execute or args.against:
        paths = args.paths or ([] if args.execute else toc_notebooks())
        if not paths:
            ap.error("name the notebooks to execute")
        threads = {k: os.environ.get(k, "(unset)") for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
        print(f"executing {len(paths)} notebooks ({', '.join(f'{k}={v}' for k, v in threads.items())})")
        if args.against:
            first = {Path(p).name: cached_execution(args.against, p) for p in paths}
            missing = [name for name, nb in first.items() if nb is None]
            if missing:
                print(f"ERROR: {args.against} holds no execution of the current source of {missing}: "
                      f"build the book first (make test-book)")
                return 1
            second = {Path(p).name: execute(p) for p in paths}
        else:
            first, second = {}, {}
            for p in paths:                                   # notebook by notebook: a failure shows early
                first[Path(p).name] = execute(p)
                second[Path(p).name] = execute(p)
    elif len(args.paths) == 2:
        first, second = from_cache(args.paths[0]), from_cache(args.paths[1])
    else:
        ap.error("give two jupyter-cache folders, or --execute/--against with notebooks")
    if args.save:
        save(first, Path(args.save) / "first")
        save(second, Path(args.save) / "second")
    status = compare(first, second)
    print(f"reproducibility check took {time.perf_counter() - start:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
