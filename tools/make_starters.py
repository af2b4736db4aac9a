"""Write the exercise notebooks nnbook/starters/exercises-3.N.ipynb from the chapter notebooks' cells tagged
`exercise` (run by `make export`; `--check` fails if the committed copies differ, as tools/check_export.py does)."""
import argparse
import sys
import tempfile
from pathlib import Path

from nnbook.exercises import build_starters, starters_dir

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--check", action="store_true", help="compare with the committed notebooks instead of writing them")
args = ap.parse_args()
nbs = Path(__file__).resolve().parent.parent / "nbs"
if not args.check:
    paths = build_starters(nbs)
    print(f"exercise notebooks: {len(paths)} written to {starters_dir()}")
    sys.exit(0)
with tempfile.TemporaryDirectory() as tmp:
    stale = [p.name for p in build_starters(nbs, tmp)
             if not (starters_dir() / p.name).is_file() or (starters_dir() / p.name).read_bytes() != p.read_bytes()]
extra = sorted({p.name for p in starters_dir().glob("*.ipynb")} - {f"exercises-3.{i}.ipynb" for i in range(1, 9)})
if stale or extra:
    print("nnbook/starters/ is stale; run `make export` and commit. Differing: " + ", ".join(stale + extra))
    sys.exit(1)
print("exercise notebooks: nnbook/starters/ matches the chapter notebooks")
