"""Compare the executed notebooks of two independent book builds (their jupyter-cache folders).

Every text output, every glued value and every figure's presence must be identical between the two
builds. Only cells tagged `timing` (they report wall-clock measurements) may differ; they are listed.
Progress bars (tqdm, on stderr) are skipped: they print elapsed times.

    python tools/check_reproducible.py _build/.jupyter_cache _build/repro/_build/.jupyter_cache

or, quicker while writing one section, execute notebooks twice here and compare (as the book runs them):

    python tools/check_reproducible.py --execute nbs/07_mnist.ipynb [nbs/...]
"""
import re
import sys
from pathlib import Path

from jupyter_cache import get_cache

IGNORED_MIME = {"image/png", "image/svg+xml", "application/pdf"}   # compared by presence, not bytes
ADDRESS = re.compile(r" at 0x[0-9a-f]+")                             # object reprs
PROGRESS = re.compile(r"\d+%\|")                                      # tqdm bars show elapsed times


def executed(cache_dir):
    cache = get_cache(cache_dir)
    out = {}
    for rec in cache.list_cache_records():
        out[Path(rec.uri).name] = cache.get_cache_bundle(rec.pk).nb
    return out


def signature(cell):
    """What a reader sees of a cell's outputs, as comparable text."""
    parts = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            if o["name"] == "stderr" and PROGRESS.search(o["text"]):
                continue                                             # a progress bar: its timings vary
            parts.append((o["name"], ADDRESS.sub("", o["text"])))
        elif o["output_type"] in ("display_data", "execute_result"):
            for mime, data in sorted(o.get("data", {}).items()):
                text = data if isinstance(data, str) else "".join(data) if isinstance(data, list) else str(data)
                parts.append((mime, "<figure>" if mime in IGNORED_MIME else ADDRESS.sub("", text)))
        elif o["output_type"] == "error":
            parts.append(("error", o["ename"] + ": " + o["evalue"]))
    return parts


def execute_twice(paths):
    """Run each notebook twice in fresh kernels, with the book's cell directives; two {name: nb} dicts."""
    import nbformat
    from nbclient import NotebookClient
    from nnbook.cli import _book_convert_cell
    first, second = {}, {}
    for path in map(Path, paths):
        convert, _ = _book_convert_cell(path.parent)
        for out in (first, second):
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                convert(cell)
            nb.cells = [c for c in nb.cells if "skip-execution" not in c.metadata.get("tags", [])]
            NotebookClient(nb, timeout=1800, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
            out[path.name] = nb
            print(f"  executed {path.name}", flush=True)
    return first, second


def main(a, b, *more):
    if a == "--execute":
        first, second = execute_twice([b, *more])
    else:
        first, second = executed(a), executed(b)
    if set(first) != set(second):
        print(f"the two builds executed different notebooks: {sorted(set(first) ^ set(second))}")
        return 1
    failures, timing, compared = [], [], 0
    for name in sorted(first):
        for i, (c1, c2) in enumerate(zip(first[name].cells, second[name].cells)):
            if c1.cell_type != "code":
                continue
            compared += 1
            if signature(c1) == signature(c2):
                continue
            if "timing" in c1.get("metadata", {}).get("tags", []):
                timing.append(f"{name} cell {i}")
                continue
            src = c1.source.strip().splitlines()[:2]
            failures.append(f"{name} cell {i} ({' / '.join(src)[:90]})")
    print(f"reproducibility: {compared} code cells in {len(first)} notebooks compared; "
          f"{len(timing)} timing cells differ as allowed; {len(failures)} cells differ")
    for t in timing:
        print(f"  timing (allowed): {t}")
    for f in failures:
        print(f"  DIFFERS: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
