"""Print each notebook's execution time in the last book build (from its jupyter-cache), slowest first."""
import sys
from pathlib import Path

from jupyter_cache import get_cache

cache = get_cache(sys.argv[1] if len(sys.argv) > 1 else "_build/.jupyter_cache")
rows = sorted(((r.data or {}).get("execution_seconds", float("nan")), Path(r.uri).name)
              for r in cache.list_cache_records())
rows.sort(reverse=True)
total = sum(t for t, _ in rows)
for t, name in rows:
    print(f"{t:8.1f} s  {name}")
print(f"{total:8.1f} s  total ({len(rows)} notebooks)")
