"""Fail if nnbook/ differs from what nbdev_export makes of nbs/ (the package is never edited by hand)."""
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

lib = Path("nnbook")
with tempfile.TemporaryDirectory() as tmp:
    saved = Path(tmp) / "nnbook"
    shutil.copytree(lib, saved, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([str(Path(sys.executable).parent / "nbdev_export")], check=True)
    cmp = filecmp.dircmp(saved, lib, ignore=["__pycache__"])
    diffs = cmp.diff_files + cmp.left_only + cmp.right_only
    if diffs:
        # put the committed state back so the check has no side effects, then fail
        shutil.rmtree(lib)
        shutil.copytree(saved, lib)
        print("nnbook/ is stale; run `nbdev_export` and commit. Differing files: " + ", ".join(sorted(diffs)))
        sys.exit(1)
print("export: nnbook/ matches nbdev_export of nbs/")
