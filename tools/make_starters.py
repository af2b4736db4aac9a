"""Write the exercise notebooks nnbook/starters/exercises-3.N.ipynb from the chapter notebooks' cells tagged
`exercise` (run by `make export`; `--check` fails if the committed copies differ, as tools/check_export.py does).

Every section with exercise cells gets a notebook (the sections come from `nnbook.exercises.SECTIONS`, so a
new section such as 3.8 needs no change here). The set-up cell installs nnbook when it is missing (Colab,
Binder); if that install fails it stops with one line that says what to do, not pip's CalledProcessError
traceback (`runnable_setup`)."""
import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

from nnbook.exercises import build_starters, starters_dir

_INSTALL = re.compile(r'^(?P<indent>[ \t]*)subprocess\.check_call\(\[sys\.executable, "-m", "pip", "install".*\)[ \t]*$', re.M)
_ON_FAILURE = '''\
{indent}try:
{indent}    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "nnbook"])
{indent}except (OSError, subprocess.CalledProcessError):
{indent}    class SetupError(Exception):
{indent}        _render_traceback_ = lambda self: [str(self)]   # Jupyter shows one line, no traceback
{indent}    raise SetupError("nnbook could not be installed: check the internet connection, or run "
{indent}                     "`pip install nnbook` in a terminal, then run this cell again.") from None'''


def runnable_setup(source: str) -> str:
    """The set-up cell's source with a one-line message when `pip install nnbook` fails."""
    if "SetupError" in source:
        return source
    new, n = _INSTALL.subn(lambda m: _ON_FAILURE.format(indent=m.group("indent")), source)
    if n != 1:
        raise SystemExit("make_starters: the set-up cell no longer has the `pip install nnbook` line this tool "
                         "wraps; update tools/make_starters.py")
    return new


def finish(path: Path) -> Path:
    """Rewrite the set-up cell (the first code cell) of the notebook at `path`, keeping the file's format."""
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    cell["source"] = runnable_setup(source)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed notebooks instead of writing them")
    args = ap.parse_args(argv)
    nbs = Path(__file__).resolve().parent.parent / "nbs"
    if not args.check:
        paths = [finish(p) for p in build_starters(nbs)]
        print(f"exercise notebooks: {len(paths)} written to {starters_dir()}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        built = [finish(p) for p in build_starters(nbs, tmp)]
        names = {p.name for p in built}
        stale = [p.name for p in built
                 if not (starters_dir() / p.name).is_file() or (starters_dir() / p.name).read_bytes() != p.read_bytes()]
    extra = sorted({p.name for p in starters_dir().glob("*.ipynb")} - names)
    if stale or extra:
        print("nnbook/starters/ is stale; run `make export` and commit. Differing: " + ", ".join(stale + extra))
        return 1
    print("exercise notebooks: nnbook/starters/ matches the chapter notebooks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
