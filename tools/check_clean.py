"""Fail if any notebook under the given folder has outputs or execution counts (run nbdev_clean)."""
import json
import sys
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else "nbs")
bad = []
for path in sorted(root.rglob("*.ipynb")):
    if ".ipynb_checkpoints" in path.parts:
        continue
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
            bad.append(f"{path}: cell {i} has outputs or an execution count")
            break
if bad:
    print("Notebooks must be committed clean; run `nbdev_clean` and commit:\n  " + "\n  ".join(bad))
    sys.exit(1)
print(f"clean: {len(list(root.rglob('*.ipynb')))} notebooks have no outputs")
