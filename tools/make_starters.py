"""Write the exercise notebooks nnbook/starters/exercises-3.N.ipynb from the chapter notebooks' cells tagged
`exercise` (run by `make export`; `--check` fails if the committed copies differ, as tools/check_export.py does).

Every section with exercise cells gets a notebook (the sections come from `nnbook.exercises.SECTIONS`, so a
new section such as 3.8 needs no change here). The set-up cell (`_SETUP` in nbs/11_exercises.ipynb) installs
nnbook when it is missing (Colab, Binder); if that install fails it stops with one line that says what to do."""
import argparse
import json
import sys
import tempfile
from pathlib import Path

from nnbook.exercises import build_starters, starters_dir

def finish(path: Path) -> Path:
    """The notebook at `path`, written as the shipped copies are (sorted keys, one space of indent)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
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
