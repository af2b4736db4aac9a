#!/usr/bin/env bash
# The package as its users meet it. Build nnbook's sdist and wheel, install each into a FRESH virtual
# environment (no dev extras; dependencies from the package index), and use it from a folder outside
# the repository: import it (without importing matplotlib, scikit-learn or tqdm), train small networks,
# and run the `nnbook` command line (help, bad arguments, train on MNIST, evaluate, data, run);
# then execute every chapter notebook top to bottom in a plain Jupyter kernel of that environment.
# Any failure stops the script with "check_wheel: FAILED: ..." and a non-zero exit code.
#
# Usage: tools/check_wheel.sh            (make test-package runs it)
# Environment:
#   NNBOOK_DATA   folder holding mnist/ (required: the CLI trains on MNIST; nothing is downloaded)
#   PYTHON        interpreter for the fresh virtual environments (default: python3)
#   BUILD_PYTHON  interpreter that has `build` installed (default: .venv/bin/python of the checkout)
#   NOTEBOOKS     the notebooks to run in the plain kernel: names without .ipynb, e.g. "01_perceptron 10_cli"
#                 (default: every nbs/ notebook of _toc.yml); "none" skips that step
#   KEEP=1        keep the temporary folder (dists, venvs, logs, executed notebooks) for inspection
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
BUILD_PYTHON=${BUILD_PYTHON:-$repo/.venv/bin/python}
work=$(mktemp -d "${TMPDIR:-/tmp}/nnbook-check-wheel.XXXXXX")
log="$work/log.txt"
timings=()
total_start=$(date +%s%N)

cleanup() {
  cd /
  if [ "${KEEP:-0}" = 1 ]; then echo "check_wheel: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

fail() {
  echo "check_wheel: FAILED: $*" >&2
  if [ -s "$log" ]; then
    echo "---- last lines of the log ($log) ----" >&2
    tail -n 40 "$log" >&2
  fi
  exit 1
}

elapsed() {  # seconds since $1 (a `date +%s%N` value), one decimal
  local ms=$(( ($(date +%s%N) - $1) / 1000000 ))
  printf '%d.%d' $((ms / 1000)) $(( (ms % 1000) / 100 ))
}

# step NAME COMMAND...: run COMMAND (in a subshell with errexit, so any failing command inside a
# function fails the step) with its output in the log; record and print its time
step() {
  local name=$1 start rc
  shift
  start=$(date +%s%N)
  : >"$log"
  set +e
  (set -e; "$@") >>"$log" 2>&1
  rc=$?
  set -e
  [ "$rc" = 0 ] || fail "$name (exit code $rc)"
  timings+=("$(printf '%7s s  %s' "$(elapsed "$start")" "$name")")
  echo "check_wheel: ok  $name ($(elapsed "$start") s)"
}

# --- prerequisites -----------------------------------------------------------------------------
version=$(sed -n 's/^version *= *//p' "$repo/settings.ini")
[ -n "$version" ] || fail "no version in $repo/settings.ini"
[ -x "$BUILD_PYTHON" ] || fail "BUILD_PYTHON=$BUILD_PYTHON is not executable (run make install, or set BUILD_PYTHON)"
"$BUILD_PYTHON" -c "import build" 2>/dev/null \
  || fail "$BUILD_PYTHON has no 'build' module: pip install build (it is in nnbook's dev extras)"
command -v "$PYTHON" >/dev/null || fail "PYTHON=$PYTHON not found"
data=${NNBOOK_DATA:-}
[ -n "$data" ] || fail "NNBOOK_DATA is not set; point it at the folder holding mnist/ (the Makefile does when ../shared/data exists)"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  [ -f "$data/mnist/$f.gz" ] || [ -f "$data/mnist/$f" ] || fail "NNBOOK_DATA=$data has no mnist/${f}[.gz]"
done
data=$(cd "$data" && pwd)
# the notebooks to run in a plain kernel: those of _toc.yml under nbs/, in the book's order
NOTEBOOKS=${NOTEBOOKS:-$(sed -n 's|^ *- *file: *nbs/\([^ ]*\) *$|\1|p' "$repo/_toc.yml" | sed 's/\.ipynb$//')}
[ -n "$NOTEBOOKS" ] || fail "no notebooks under nbs/ in $repo/_toc.yml"
echo "check_wheel: nnbook $version from $repo; work folder $work; data $data"

# Everything below runs outside the repository, with nothing from the checkout on the path.
outside="$work/outside"
mkdir -p "$outside"
cd "$outside"
unset PYTHONPATH
export NNBOOK_DATA="$data" NNBOOK_VERSION="$version" MPLBACKEND=Agg

# --- build -------------------------------------------------------------------------------------
step "build the sdist and the wheel (python -m build)" "$BUILD_PYTHON" -m build --outdir "$work/dist" "$repo"
shopt -s nullglob
wheels=("$work"/dist/nnbook-"$version"-*.whl)
sdists=("$work"/dist/nnbook-"$version".tar.gz)
shopt -u nullglob
[ ${#wheels[@]} -eq 1 ] || fail "expected one wheel nnbook-$version-*.whl in $work/dist, found: $(ls "$work/dist")"
[ ${#sdists[@]} -eq 1 ] || fail "expected the sdist nnbook-$version.tar.gz in $work/dist, found: $(ls "$work/dist")"
wheel=${wheels[0]}
sdist=${sdists[0]}

check_contents() {
  "$PYTHON" - "$wheel" "$sdist" "$version" <<'PY'
import sys, tarfile, zipfile
wheel, sdist, version = sys.argv[1:]
names = set(zipfile.ZipFile(wheel).namelist())
for required in ("nnbook/__init__.py", "nnbook/cli.py", "nnbook/estimator.py", "nnbook/network.py",
                 "nnbook/mnist.py", "nnbook/torch.py", "nnbook/exercises/__init__.py", "nnbook/exercises/core.py", "nnbook/exercises/s38.py", *(f"nnbook/starters/exercises-3.{i}.ipynb" for i in range(1, 9)), f"nnbook-{version}.dist-info/entry_points.txt", f"nnbook-{version}.dist-info/METADATA"):
    assert required in names, f"the wheel lacks {required}"
assert not any(n.startswith(("tests/", "nbs/", "book/")) for n in names), "the wheel ships tests/, nbs/ or book/"
entry = zipfile.ZipFile(wheel).read(f"nnbook-{version}.dist-info/entry_points.txt").decode()
assert "nnbook = nnbook.cli:main" in entry, f"console script missing from entry_points.txt:\n{entry}"
meta = zipfile.ZipFile(wheel).read(f"nnbook-{version}.dist-info/METADATA").decode()
for field in ("Requires-Dist: numpy", "Requires-Dist: scikit-learn", "Requires-Dist: tqdm", "Requires-Python:"):
    assert field in meta, f"METADATA lacks {field!r}"
members = {m.split("/", 1)[1] for m in tarfile.open(sdist).getnames() if "/" in m}
for required in ("settings.ini", "setup.py", "pyproject.toml", "README.md", "LICENSE", "nnbook/cli.py",
                 "nnbook/estimator.py"):
    assert required in members, f"the sdist lacks {required} (setup.py needs settings.ini and README.md)"
print(f"wheel: {len(names)} files; sdist: {len(members)} files; entry point and metadata present")
PY
}
step "wheel and sdist contents (settings.ini in the sdist, console script, metadata)" check_contents

# --- the wheel in a fresh venv -----------------------------------------------------------------
venv="$work/venv-wheel"
step "fresh venv + pip install the wheel (dependencies from the index)" \
  bash -c "'$PYTHON' -m venv '$venv' && '$venv/bin/python' -m pip install -q '$wheel' && '$venv/bin/python' -m pip check"
py="$venv/bin/python"
nnbook_cmd="$venv/bin/nnbook"
[ -x "$nnbook_cmd" ] || fail "pip did not install the console script $nnbook_cmd"

use_package() {
  "$py" - <<'PY'
import os, sys, time
import nnbook
prefix = os.path.realpath(sys.prefix)
assert os.path.realpath(nnbook.__file__).startswith(prefix), f"imported {nnbook.__file__}, not the venv's copy"
assert nnbook.__version__ == os.environ["NNBOOK_VERSION"], (nnbook.__version__, os.environ["NNBOOK_VERSION"])
heavy = sorted(m for m in ("matplotlib", "sklearn", "tqdm", "scipy", "IPython", "torch") if m in sys.modules)
assert not heavy, f"import nnbook imported {heavy}; import them inside the functions that use them"
missing = [name for name in nnbook.__all__ if not hasattr(nnbook, name)]
assert not missing, f"nnbook.__all__ names that do not exist: {missing}"

import numpy as np
t0 = time.perf_counter()
X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=float)         # XOR, one example per column
y = np.array([0, 1, 1, 0])
net = nnbook.NeuralNetwork([2, 8, 1], hidden_activation="tanh", output_activation="sigmoid", seed=0)
losses = net.train(X, y, learning_rate=0.5, epochs=3000)
assert (net.predict(X) == y).all(), f"XOR not learned: {net.predict(X)}, final loss {losses[-1]:.3g}"
print(f"XOR learned by NeuralNetwork.train in {time.perf_counter() - t0:.1f} s (loss {losses[-1]:.2e})")

from sklearn.datasets import make_moons
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from nnbook.estimator import NNClassifier
t0 = time.perf_counter()
Xm, ym = make_moons(n_samples=400, noise=0.2, random_state=0)
clf = make_pipeline(StandardScaler(), NNClassifier(hidden_layer_sizes=(16,), learning_rate=0.01, epochs=60))
clf.fit(Xm[:300], ym[:300])
acc = clf.score(Xm[300:], ym[300:])
assert acc > 0.9, f"NNClassifier test accuracy on make_moons only {acc:.3f}"
print(f"NNClassifier in a Pipeline: make_moons test accuracy {acc:.3f} in {time.perf_counter() - t0:.1f} s")
PY
}
step "import nnbook (no matplotlib/sklearn/tqdm), train XOR and an NNClassifier, outside the repo" use_package

# nnbook[torch] is an extra: without it, `import nnbook.torch` says how to install it
torch_missing() {
  "$py" - <<'PY'
import importlib.util
assert importlib.util.find_spec("torch") is None, "torch is installed without the [torch] extra (a dependency?)"
try:
    import nnbook.torch
except ImportError as e:
    assert 'pip install "nnbook[torch]"' in str(e), f"the ImportError does not say how to install torch: {e}"
    print(f"import nnbook.torch without torch: ImportError: {e}")
else:
    raise AssertionError("import nnbook.torch worked without torch")
PY
}
step "without the [torch] extra, import nnbook.torch raises an ImportError that says how to install it" torch_missing

check_help() {
  "$nnbook_cmd" --help >out.txt
  grep -q "usage: nnbook" out.txt
  for cmd in train evaluate run data exercises; do
    "$nnbook_cmd" "$cmd" --help >out.txt
    grep -q "usage: nnbook $cmd" out.txt
  done
  local version code=0
  version=$("$nnbook_cmd" --version)
  [ "$version" = "nnbook $NNBOOK_VERSION" ]
  "$nnbook_cmd" train --epochs zero >out.txt 2>err.txt || code=$?
  cat err.txt
  [ "$code" = 2 ]
  grep -q "usage: nnbook train" err.txt
  grep -q "argument --epochs: expected a positive integer, got 'zero'" err.txt
  if grep -q Traceback err.txt out.txt; then echo "a traceback for a bad argument"; return 1; fi
}
step "nnbook --help, COMMAND --help, --version, a bad argument (exit 2, no traceback)" check_help

cli_train() {
  "$nnbook_cmd" train --limit 2000 --epochs 1 --data-dir "$NNBOOK_DATA" --no-progress --save "$work/net.npz" \
    | tee train.txt
  local acc
  acc=$(sed -n 's/^test accuracy: \([0-9.]*\).*/\1/p' train.txt)
  [ -n "$acc" ]
  "$py" -c "import sys; a = float(sys.argv[1]); sys.exit(0 if 0.5 < a <= 1 else 'test accuracy %s out of range' % a)" "$acc"
  [ -f "$work/net.npz" ]
}
step "nnbook train --limit 2000 --epochs 1 --save (MNIST from NNBOOK_DATA)" cli_train

cli_evaluate() {
  "$nnbook_cmd" evaluate "$work/net.npz" --data-dir "$NNBOOK_DATA" | tee evaluate.txt
  grep -q "confusion matrix" evaluate.txt
  local trained evaluated
  trained=$(sed -n 's/^test accuracy: \([0-9.]*\).*/\1/p' train.txt)
  evaluated=$(sed -n 's/^test accuracy: \([0-9.]*\).*/\1/p' evaluate.txt)
  echo "test accuracy: train printed $trained, evaluate printed $evaluated"
  [ -n "$trained" ] && [ "$trained" = "$evaluated" ]
}
step "nnbook evaluate of the saved network (same accuracy, confusion matrix)" cli_evaluate

cli_data_and_run() {
  "$nnbook_cmd" data --verify-only --data-dir "$NNBOOK_DATA"
  local code=0
  "$nnbook_cmd" evaluate "$work/missing.npz" >out.txt 2>err.txt || code=$?
  cat err.txt
  [ "$code" = 1 ]
  grep -q "^nnbook: error:" err.txt
  if grep -q Traceback err.txt; then echo "a traceback for a missing file"; return 1; fi
  if "$py" -c "import nbclient" 2>/dev/null; then
    echo "nbclient is installed in the fresh venv (pulled in by a dependency?): skipping the 'nnbook run' message check"
  else
    code=0
    "$nnbook_cmd" run 3.1 --nbs "$repo/nbs" >out.txt 2>err.txt || code=$?
    cat err.txt
    [ "$code" = 1 ]
    grep -q 'pip install "nnbook\[dev\]"' err.txt
  fi
}
step "nnbook data --verify-only; errors exit 1; nnbook run explains the missing nbclient" cli_data_and_run

# --- the chapter notebooks in a plain Jupyter kernel ---------------------------------------------
# What a reader who clicks Binder or Colab gets: this venv (the wheel and its dependencies) plus
# ipykernel and nbclient, nothing of the dev extras. Each notebook of _toc.yml is copied alone into a
# folder outside the repository and run top to bottom (tools/run_plain_notebooks.py); `#| ...` lines
# are plain comments there, so `#| eval: false` cells run too; only cells tagged raises-exception may raise.
if [ "$NOTEBOOKS" = none ]; then
  echo "check_wheel: skipped the notebooks in a plain kernel (NOTEBOOKS=none)"
else
  step "pip install ipykernel nbclient (a plain Jupyter kernel; none of the dev extras)" \
    bash -c "'$py' -m pip install -q ipykernel nbclient && '$py' -m pip check"
  # §3.8 (07b_torch) needs the [torch] extra, as its readers install it: pip install "nnbook[torch]".
  # TORCH_REQ (mk/bench.mk: torch==2.13.0, served as its 192 MB CPU build) keeps the check from pulling
  # the newest torch with its CUDA libraries (gigabytes) that the extra's torch>=2.0 alone would choose.
  torch_req="${TORCH_REQ:-torch==2.13.0}"
  case " $(echo $NOTEBOOKS) " in
    *" 07b_torch "*)
      step "pip install \"nnbook[torch]\" from the wheel, with $torch_req (for the 07b_torch notebook)" \
        bash -c "'$py' -m pip install -q '$wheel[torch]' '$torch_req' && '$py' -m pip check && '$py' -c 'import nnbook.torch, torch; print(\"torch\", torch.__version__)'"
      ;;
  esac
  notebooks=()
  for stem in $NOTEBOOKS; do
    [ -f "$repo/nbs/$stem.ipynb" ] || fail "NOTEBOOKS: no notebook nbs/$stem.ipynb"
    notebooks+=("$repo/nbs/$stem.ipynb")
  done
  echo "check_wheel: running ${#notebooks[@]} notebooks in the plain kernel (each notebook's time follows)"
  nb_start=$(date +%s%N)
  # live output (each notebook's time as it finishes), and a copy in the log
  set +e
  env -u MPLBACKEND "$py" -u "$repo/tools/run_plain_notebooks.py" --out "$work/notebooks" --repo "$repo" \
    "${notebooks[@]}" 2>&1 | tee "$log" | sed -u 's/^/  /'
  rc=${PIPESTATUS[0]}
  set -e
  : >"$log"   # the output is above already
  [ "$rc" = 0 ] || fail "the notebooks in a plain kernel (exit code $rc; the failing cells are listed above)"
  timings+=("$(printf '%7s s  %s' "$(elapsed "$nb_start")" "${#notebooks[@]} notebooks top to bottom in a plain kernel")")
  echo "check_wheel: ok  ${#notebooks[@]} notebooks top to bottom in a plain kernel ($(elapsed "$nb_start") s)"
fi

# --- the exercise notebooks --------------------------------------------------------------------
# `nnbook exercises` writes the eight starter notebooks from the wheel's copies; each runs untouched,
# top to bottom, in the plain kernel, and every check cell says "not attempted yet" (nothing passes,
# fails or errs on the skeletons). A second write into the same folder is refused (learners' work).
exercise_notebooks() {
  "$nnbook_cmd" exercises --list | tee list.txt
  grep -q "^3.4b " list.txt
  "$nnbook_cmd" exercises --dir "$work/exercises"
  local n code=0
  n=$(ls "$work/exercises"/exercises-3.*.ipynb | wc -l)
  [ "$n" = 8 ] || { echo "expected 8 exercise notebooks, found $n"; return 1; }
  "$nnbook_cmd" exercises 3.4 --dir "$work/exercises" >out.txt 2>err.txt || code=$?
  cat err.txt
  [ "$code" = 1 ] && grep -q "Not overwriting" err.txt
  "$nnbook_cmd" exercises 3.4b --dir "$work/exercise-34b"
  if [ "$NOTEBOOKS" = none ] || ! "$py" -c "import nbclient" 2>/dev/null; then
    echo "no plain kernel (NOTEBOOKS=none): the exercise notebooks were written, not run"; return 0
  fi
  env -u MPLBACKEND "$py" - "$work/exercises" "$work/exercise-34b" <<'PY'
import json, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient
paths = sorted(Path(sys.argv[1]).glob("exercises-3.*.ipynb")) + sorted(Path(sys.argv[2]).glob("*.ipynb"))
for path in paths:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    verdicts = []
    for cell in nb.cells:
        if "exercise-check" in cell.metadata.get("tags", []):
            text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
            verdicts += [line for line in text.splitlines() if line.strip()]
    assert verdicts, f"{path.name}: no check output"
    bad = [v for v in verdicts if "not attempted yet" not in v and "open-ended" not in v]
    assert not bad, f"{path.name}: an untouched starter should not be checked as {bad}"
    print(f"{path.name}: {len(nb.cells)} cells ran; {len(verdicts)} check verdicts, all 'not attempted yet' or open-ended")
PY
}
step "nnbook exercises: 8 starter notebooks, each runs untouched in the plain kernel (checks: not attempted yet)" exercise_notebooks

# --- the sdist ---------------------------------------------------------------------------------
# `python -m build` already built the wheel from the sdist; now pip installs the sdist itself, in place
# of the wheel in the same (still dev-free) venv, so only nnbook is rebuilt.
step "pip install the sdist in place of the wheel (pip builds it)" \
  bash -c "'$py' -m pip uninstall -q -y nnbook && '$py' -m pip install -q '$sdist' && '$py' -m pip check"
sdist_use() {
  "$py" -c "
import os, sys, nnbook, nnbook.cli, nnbook.estimator
assert os.path.realpath(nnbook.__file__).startswith(os.path.realpath(sys.prefix)), nnbook.__file__
assert nnbook.__version__ == os.environ['NNBOOK_VERSION']
print('sdist install: nnbook', nnbook.__version__, 'from', os.path.dirname(nnbook.__file__))"
  local version
  version=$("$nnbook_cmd" --version)
  [ "$version" = "nnbook $NNBOOK_VERSION" ]
}
step "the sdist install imports and runs nnbook --version" sdist_use

echo "check_wheel: timings"
printf '  %s\n' "${timings[@]}"
echo "check_wheel: all checks passed in $(elapsed "$total_start") s"
