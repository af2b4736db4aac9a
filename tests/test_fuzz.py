"""Property-based fuzzing of nnbook's public API: every public function validates its inputs.

How it works
------------
`SPECS` holds, for every public callable of the package (every callable in `nnbook.__all__`, the methods
that the sections attach to `NeuralNetwork`/`Perceptron`/the optimizers, and the `NNClassifier` estimator),
a factory that builds a *valid* call: the function, keyword arguments that it accepts, and the *kind* of
each argument ("X", "labels", "pos_int", "name:activation", ...). `MUTATIONS[kind]` lists ways to make an
argument of that kind malformed: wrong shape or number of dimensions, transposed, empty, NaN/inf, wrong
dtype (strings, objects, complex), labels out of range or not integers, zero/negative/fractional sizes,
learning rates and epochs, unknown activation/optimizer/schedule/init/loss names, non-networks, ...

A malformed call passes only if it raises ValueError or TypeError (or a subclass; FileNotFoundError and
other OSErrors only for file paths) with a non-empty message, raised from inside nnbook (not from deep
in numpy, matplotlib or pathlib; TypeErrors of Python's own argument binding are accepted), without any
numpy warning, and without changing the network/perceptron/optimizer it was called on. A call that
returns normally on malformed input is a silent wrong result and fails. Every valid template is also
called once and must return finite numbers without warnings.

Two tests drive the mutations: `test_every_mutation_is_rejected` tries every (argument, mutation) pair
of every callable once, deterministically; `test_fuzz_random_mutations` lets hypothesis pick pairs and
the random draws inside them (where the NaN goes, how many rows are added, which bad value). The total
number of cases is printed at the end of the session (tests/conftest.py).

`KNOWN_DEFECTS` lists the cases that still fail, each with the function, the problem and the fix; they are
counted but tolerated by the sweep, and each one has a strict xfail reproducer, so fixing the code makes
that reproducer fail until its entry is removed here.
"""
from __future__ import annotations

import gc
import gzip
import io
import math
import os
import struct
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnbook
from nnbook import perceptron as nn_perc

PKG = Path(nnbook.__file__).resolve().parent
THIS = Path(__file__).resolve()
REPO = THIS.parents[1]
DATA = Path(os.environ.get("NNBOOK_DATA") or REPO.parent / "shared" / "data")
MNIST_DIR = DATA / "mnist"
HAVE_MNIST = (MNIST_DIR / "train-images-idx3-ubyte.gz").is_file()

SKIP = object()          # a mutation that does not apply to this value (e.g. transposing a square array)

# ---------------------------------------------------------------------------------------- scratch folder
_TMP: dict = {}


@pytest.fixture(scope="module", autouse=True)
def _scratch(tmp_path_factory):
    """A folder for the file-based specs (the factories run inside hypothesis, which dislikes tmp_path)."""
    _TMP["dir"] = tmp_path_factory.mktemp("fuzz")
    yield
    import matplotlib.pyplot as plt
    plt.close("all")


def _tmp() -> Path:
    if "dir" not in _TMP:                       # imported and used outside pytest
        import tempfile
        _TMP["dir"] = Path(tempfile.mkdtemp(prefix="nnbook-fuzz-"))
    return _TMP["dir"]


# ------------------------------------------------------------------------------------------- mutations
def _set_one(v, r, value):
    a = np.array(v, dtype=float)
    a.flat[int(r.integers(a.size))] = value
    return a


def _transposed(v, c, r):
    a = np.asarray(v)
    return a.T if a.ndim == 2 and a.shape[0] != a.shape[1] else SKIP


def _extra_rows(v, c, r):
    a = np.asarray(v, dtype=float)
    return np.concatenate([a, a[: int(r.integers(1, a.shape[0] + 1))]], axis=0) if a.ndim == 2 else SKIP


ARRAY = {                                                   # any numeric array argument
    "nan": lambda v, c, r: _set_one(v, r, np.nan),
    "inf": lambda v, c, r: _set_one(v, r, float(r.choice([np.inf, -np.inf]))),
    "strings": lambda v, c, r: np.asarray(v).astype(str),
    "objects": lambda v, c, r: np.array(v, dtype=object),
    "complex": lambda v, c, r: np.asarray(v, dtype=float) + 1j,
    "none": lambda v, c, r: None,
    "text": lambda v, c, r: "1, 2, 3",
    "ragged": lambda v, c, r: [[1.0, 2.0], [3.0]],
    "empty": lambda v, c, r: np.asarray(v, dtype=float)[..., :0] if np.ndim(v) else SKIP,
}
COLUMNS = {                                                 # (n_features, m) or (n_outputs, m), column-major
    **ARRAY,
    "transposed": _transposed,
    "vector": lambda v, c, r: np.asarray(v)[:, 0] if c.get("rows", 2) > 1 else SKIP,
    "extra_rows": _extra_rows,
    "ndim3": lambda v, c, r: np.asarray(v)[None],
    "scalar": lambda v, c, r: 1.5,
}
TARGETS = {                                                 # Y for a network; ctx["out"] = output activation
    **{k: f for k, f in COLUMNS.items() if k != "vector"},
    "fewer_samples": lambda v, c, r: np.asarray(v)[:, :-1],
    "out_of_range": lambda v, c, r: (np.asarray(v) * 3.0 if c.get("out") in ("sigmoid", "softmax") else SKIP),
    "not_distribution": lambda v, c, r: (np.asarray(v) * 0.5 if c.get("out") == "softmax" else SKIP),
}


def _labels_with(v, r, value):
    a = np.array(v, dtype=np.int64)
    a[int(r.integers(a.size))] = value
    return a


LABELS = {                                                  # integer class labels 0..k-1, shape (m,)
    "out_of_range": lambda v, c, r: _labels_with(v, r, c["k"] + int(r.integers(0, 3))),
    "negative": lambda v, c, r: _labels_with(v, r, -int(r.integers(1, 4))),
    "fractional": lambda v, c, r: np.asarray(v, dtype=float) + 0.5,
    "nan": lambda v, c, r: _set_one(v, r, np.nan),
    "strings": lambda v, c, r: np.asarray(v).astype(str),
    "objects": lambda v, c, r: np.array(v, dtype=object),
    "complex": lambda v, c, r: np.asarray(v) + 1j,
    "none": lambda v, c, r: None,
    "empty": lambda v, c, r: np.asarray(v)[:0],
    "fewer_samples": lambda v, c, r: np.asarray(v)[:-1],
    "scalar": lambda v, c, r: 1,
}


def _scalar_mutations(*, none_ok=False, zero_ok=False, negative_ok=False, inf_ok=False, integer=False):
    m = {"nan": float("nan"), "string": "0.5", "complex": 0.5 + 0.5j, "bool": True, "list": [1],
         "array": np.array([1.0, 2.0])}
    if not none_ok:
        m["none"] = None
    if not zero_ok:
        m["zero"] = 0
    if not negative_ok:
        m["negative"] = -3
    if not inf_ok:
        m["inf"] = float("inf")
    if integer:
        m["fraction"] = 2.5
        m["string"] = "3"
    return {k: (lambda v, c, r, x=x: x) for k, x in m.items()}


def _names(case_insensitive=False):
    m = {"unknown": lambda v, c, r: f"no_such_{int(r.integers(1000))}", "empty": lambda v, c, r: "",
         "none": lambda v, c, r: None, "number": lambda v, c, r: 3, "list": lambda v, c, r: [v],
         "padded": lambda v, c, r: f" {v} "}
    if not case_insensitive:
        m["upper"] = lambda v, c, r: v.upper() if v.upper() != v else v.lower()
    return m


def _not_network(v, c, r):
    return {"none": None, "int": 3, "string": "net", "dict": {}, "array": np.zeros((3, 5)),
            "perceptron": nn_perc.Perceptron(2)}


NOT_NETWORK = {k: (lambda v, c, r, k=k: _not_network(v, c, r)[k])
               for k in ("none", "int", "string", "dict", "array", "perceptron")}


def _bad_file(kind):
    def make(v, c, r):
        d = _tmp() / f"bad_{kind}_{int(r.integers(1 << 30))}"
        d.mkdir(parents=True, exist_ok=True)
        p = d / "file.npz"
        if kind == "missing":
            return d / "missing.npz"
        if kind == "directory":
            return d
        if kind == "random_bytes":
            p.write_bytes(r.integers(0, 256, int(r.integers(1, 300))).astype(np.uint8).tobytes())
        elif kind == "truncated":
            data = Path(v).read_bytes()
            p.write_bytes(data[: int(r.integers(0, len(data)))])
        elif kind == "flipped":                              # one corrupted byte in the middle
            data = bytearray(Path(v).read_bytes())
            i = int(r.integers(len(data) // 4, 3 * len(data) // 4))
            data[i] ^= 0xFF
            p.write_bytes(bytes(data))
        elif kind == "foreign_npz":
            np.savez(p, W1=np.zeros((2, 2)))
        elif kind == "text":
            p.write_text("hello, I am not a network\n")
        elif kind == "gzip_text":
            p.write_bytes(gzip.compress(b"not an idx file at all"))
        elif kind == "empty":
            p.write_bytes(b"")
        elif kind == "npy":                                  # one array saved with np.save
            with open(p, "wb") as f:
                np.save(f, np.zeros((3, 2)))
        elif kind == "object_npz":                           # an archive whose arrays need pickle
            np.savez(p, W1=np.array([{"a": 1}], dtype=object))
        elif kind == "pickle":
            import pickle
            p.write_bytes(pickle.dumps({"W1": [[1.0]]}))
        elif kind == "nan_network":                          # a real network file holding a NaN weight
            with np.load(_net_file()) as f:
                contents = {k: f[k] for k in f.files}
            contents["W1"] = _set_one(contents["W1"], r, np.nan)
            np.savez(p, **contents)
        return p
    return make


PATH_IN = {k: _bad_file(k) for k in ("missing", "directory", "random_bytes", "truncated", "flipped",
                                     "foreign_npz", "text", "gzip_text", "empty", "npy", "object_npz", "pickle",
                                     "nan_network")}
PATH_IN.update(int=lambda v, c, r: 3, none=lambda v, c, r: None, list=lambda v, c, r: [str(v)])

PATH_OUT = {
    "int": lambda v, c, r: 3, "none": lambda v, c, r: None,
    "directory": lambda v, c, r: _bad_file("directory")(v, c, r),
    "under_a_file": lambda v, c, r: _bad_file("text")(v, c, r) / "net.npz",
    "under_a_file_deeper": lambda v, c, r: _bad_file("text")(v, c, r) / "sub" / "net.npz",
    "missing_folder": lambda v, c, r: _bad_file("directory")(v, c, r) / "no_such_folder" / "net.npz",
    "empty": lambda v, c, r: "",
    "bool": lambda v, c, r: True,
}
if hasattr(os, "mkfifo"):
    def _fifo(v, c, r):
        p = _bad_file("directory")(v, c, r) / "pipe"
        if not p.exists():
            os.mkfifo(p)
        return p
    PATH_OUT["fifo"] = _fifo                                 # replacing a pipe (or /dev/null) is no save
if Path("/proc/self").is_dir():
    PATH_OUT["proc"] = lambda v, c, r: "/proc/nnbook-fuzz.npz"   # every check passes, the write itself fails


def _idx_bytes():
    return bytes([0, 0, 8, 2]) + (2).to_bytes(4, "big") + (3).to_bytes(4, "big") + bytes(range(6))


IDX_BYTES = {
    "truncated": lambda v, c, r: v[: int(r.integers(0, len(v)))],
    "extra_bytes": lambda v, c, r: v + bytes(int(r.integers(1, 5))),
    "bad_magic": lambda v, c, r: bytes([int(r.integers(1, 256))]) + v[1:],
    "bad_type": lambda v, c, r: v[:2] + bytes([0x07]) + v[3:],
    "zero_dims": lambda v, c, r: v[:3] + bytes([0]) + v[4:],
    # headers whose sizes overflow 64-bit arithmetic: 2**64 bytes, and (2**32 - 1)**2 float64s
    "huge_dims": lambda v, c, r: bytes([0, 0, 8, 3]) + struct.pack(">3I", 2**31, 2**31, 4),
    "max_dims": lambda v, c, r: bytes([0, 0, 0x0E, 2]) + struct.pack(">2I", 2**32 - 1, 2**32 - 1) + bytes(4),
    "string": lambda v, c, r: v.decode("latin-1"), "none": lambda v, c, r: None, "int": lambda v, c, r: 3,
    "array": lambda v, c, r: np.frombuffer(v, dtype=np.uint8),
}

GRADS = {                                                   # a dict of gradients keyed like parameters
    "missing_key": lambda v, c, r: {k: g for i, (k, g) in enumerate(v.items()) if i != int(r.integers(len(v)))},
    "wrong_shape": lambda v, c, r: {k: (np.asarray(g)[:-1] if i == 0 else g) for i, (k, g) in enumerate(v.items())},
    "transposed": lambda v, c, r: {k: np.asarray(g).T for k, g in v.items()},
    "nan": lambda v, c, r: {k: (_set_one(g, r, np.nan) if i == 0 else g) for i, (k, g) in enumerate(v.items())},
    "inf": lambda v, c, r: {k: (_set_one(g, r, np.inf) if i == 0 else g) for i, (k, g) in enumerate(v.items())},
    "strings": lambda v, c, r: {k: np.asarray(g).astype(str) for k, g in v.items()},
    "none_entry": lambda v, c, r: {k: None for k in v},
    "none": lambda v, c, r: None, "list": lambda v, c, r: list(v.values()),
}

CACHE = {
    "none": lambda v, c, r: None, "list": lambda v, c, r: list(v.values()),
    "missing_key": lambda v, c, r: {k: a for k, a in v.items() if k != "Z1"},
    "other_batch": lambda v, c, r: {k: np.concatenate([a, a], axis=1) for k, a in v.items()},
}

SHAPE = {"zero": lambda v, c, r: (0, v[1]), "negative": lambda v, c, r: (-v[0], v[1]),
         "fraction": lambda v, c, r: (v[0] + 0.5, v[1]), "one_dim": lambda v, c, r: (v[0],),
         "string": lambda v, c, r: f"{v[0]},{v[1]}", "none": lambda v, c, r: None,
         "transposed": lambda v, c, r: (v[1], v[0]), "wrong_features": lambda v, c, r: (v[0] + 1, v[1]),
         "bool": lambda v, c, r: (True, v[1])}

LAYER_SIZES = {"one_layer": lambda v, c, r: [v[0]], "zero": lambda v, c, r: [v[0], 0],
               "negative": lambda v, c, r: [v[0], -2], "fraction": lambda v, c, r: [v[0], 2.5],
               "string": lambda v, c, r: "32", "none": lambda v, c, r: None, "nested": lambda v, c, r: [list(v)],
               "bool": lambda v, c, r: [v[0], True], "empty": lambda v, c, r: [], "int": lambda v, c, r: 3,
               "nan": lambda v, c, r: [v[0], float("nan")]}

SEED = {"negative": lambda v, c, r: -int(r.integers(1, 100)), "fraction": lambda v, c, r: 1.5,
        "string": lambda v, c, r: "seed", "nan": lambda v, c, r: float("nan"),
        "negative_list": lambda v, c, r: [-1, 2]}

DTYPE = {"int": lambda v, c, r: np.int16, "complex": lambda v, c, r: np.complex128,
         "unknown": lambda v, c, r: "no_such_dtype", "object": lambda v, c, r: object,
         "bool": lambda v, c, r: bool, "float16": lambda v, c, r: np.float16}

NOT_CALLABLE = {"int": lambda v, c, r: 3, "string": lambda v, c, r: "f", "none": lambda v, c, r: None}
NOT_AXES = {"int": lambda v, c, r: 3, "string": lambda v, c, r: "ax"}
NOT_DICT = {"none": lambda v, c, r: None, "list": lambda v, c, r: [1, 2], "empty": lambda v, c, r: {},
            "int": lambda v, c, r: 3}

NOT_PERCEPTRON = {k: f for k, f in NOT_NETWORK.items() if k != "perceptron"}
NOT_PERCEPTRON["network"] = lambda v, c, r: nnbook.NeuralNetwork([2, 1])

MUTATIONS: dict[str, dict[str, Callable]] = {
    "X": COLUMNS, "Y": TARGETS, "A": COLUMNS, "array": ARRAY, "labels": LABELS,
    "pos_int": _scalar_mutations(integer=True), "opt_pos_int": _scalar_mutations(integer=True, none_ok=True),
    "pos_float": _scalar_mutations(), "opt_pos_float": _scalar_mutations(none_ok=True),
    "nonneg_float": _scalar_mutations(zero_ok=True), "nonneg_int": _scalar_mutations(zero_ok=True, integer=True),
    "prob": {**_scalar_mutations(zero_ok=True), "one": lambda v, c, r: 1.0, "above": lambda v, c, r: 1.5},
    "open_unit": {**_scalar_mutations(), "one": lambda v, c, r: 1.0, "above": lambda v, c, r: 1.5},
    "name": _names(), "name_ci": _names(case_insensitive=True),
    "opt_name": {k: f for k, f in _names().items() if k != "none"},   # None means "the default"
    "opt_labels": {k: f for k, f in LABELS.items() if k != "none"},
    "perceptron": NOT_PERCEPTRON,
    "opener": {"int": lambda v, c, r: 3, "string": lambda v, c, r: "urlopen"},   # None = urllib: never here
    "network": NOT_NETWORK, "path_in": PATH_IN, "path_out": PATH_OUT, "idx_bytes": IDX_BYTES,
    "grads": GRADS, "cache": CACHE, "shape": SHAPE, "layer_sizes": LAYER_SIZES, "seed": SEED, "dtype": DTYPE,
    "callable": NOT_CALLABLE, "ax": NOT_AXES, "dict": NOT_DICT,
    "optimizer": {"unknown": lambda v, c, r: "no_such_optimizer", "int": lambda v, c, r: 3,
                  "object": lambda v, c, r: object(), "dict": lambda v, c, r: {}},
    "schedule": {"unknown": lambda v, c, r: "no_such_schedule", "int": lambda v, c, r: 3,
                 "list": lambda v, c, r: [0.1]},
    "loss": {"unknown": lambda v, c, r: "no_such_loss", "int": lambda v, c, r: 3, "upper": lambda v, c, r: "MSE"},
    "cli": {},                                                # filled by the CLI spec itself
}

# -------------------------------------------------------------------------------------------- the table
@dataclass
class Case:
    """A valid call: `fn(**kwargs)`; `kinds` maps each fuzzed argument to a key of `MUTATIONS`."""
    fn: Callable
    kwargs: dict
    kinds: dict
    ctx: dict = field(default_factory=dict)
    state: Any = None                  # object whose numbers a rejected call must leave unchanged
    valid: set = field(default_factory=set)    # (argument, mutation) pairs that are valid input here
    aliases: dict = field(default_factory=dict)  # argument -> other words an error message may use
    consume: bool = False              # the result is a generator: exhaust it
    oserror_ok: tuple = ()             # arguments (file paths) for which OSError is a correct answer
    extra: dict = field(default_factory=dict)   # argument -> {mutation: fn} only for this callable
    available: bool = True             # False: the valid template cannot run here (a dataset is absent)
    foreign_ok: tuple = ()             # packages whose own validation errors are the documented answer


def _rng(seed=0):
    return np.random.default_rng(seed)


def _data(n0=3, k=2, m=7, seed=0):
    """X (n0, m) standard normal, integer labels (m,) covering 0..k-1, one-hot Y (k, m)."""
    r = _rng(seed)
    X = r.standard_normal((n0, m))
    labels = np.arange(m) % k
    return X, labels, np.eye(k)[:, labels]


def _net(sizes=(3, 4, 2), out="softmax", hidden="tanh", **kw):
    return nnbook.NeuralNetwork(list(sizes), hidden_activation=hidden, output_activation=out, seed=0, **kw)


def _net_case(method, out="softmax", extra_kwargs=None, extra_kinds=None, k=2, with_y=True, **case_kw):
    """A case for a NeuralNetwork method taking X (3, 7) and (with_y) Y (k, 7)."""
    net = _net((3, 4, k if out != "sigmoid" else 1), out=out)
    X, labels, Y = _data(3, k)
    if out == "sigmoid":
        Y = labels[None, :].astype(float)
    kwargs = {"X": X, **({"Y": Y} if with_y else {}), **(extra_kwargs or {})}
    kinds = {"X": "X", **({"Y": "Y"} if with_y else {}), **(extra_kinds or {})}
    return Case(getattr(net, method), kwargs, kinds, ctx={"out": out, "rows": 3, "k": k}, state=net, **case_kw)


def _perc_case(method, with_y=True, **kw):
    p = nnbook.Perceptron(2, seed=0)
    X, y = np.array([[0, 0], [0, 1], [1, 0], [1, 1], [2, 2]], float), np.array([0, 0, 0, 1, 1])
    p.fit(X, y)
    kwargs, kinds = {"X": X}, {"X": "X_rows"}
    if with_y:
        kwargs["y"], kinds["y"] = y, "labels"
    kwargs.update(kw.pop("kwargs", {}))
    kinds.update(kw.pop("kinds", {}))
    return Case(getattr(p, method), kwargs, kinds, ctx={"k": 2, "rows": 5}, state=p, **kw)


ROWS = {**ARRAY, "transposed": _transposed, "extra_cols": lambda v, c, r: np.hstack([v, v[:, :1]]),
        "vector": lambda v, c, r: np.asarray(v)[0], "ndim3": lambda v, c, r: np.asarray(v)[None],
        "scalar": lambda v, c, r: 1.5}
MUTATIONS["X_rows"] = ROWS                                   # samples-by-features data (perceptron, plots)


def _elementwise(fn, **kw):
    Z = _rng(1).standard_normal((3, 4)) * 3
    return lambda: Case(fn, {"Z": Z, **kw.get("kwargs", {})}, {"Z": "Z", **kw.get("kinds", {})})


Z_KIND = {k: ARRAY[k] for k in ("strings", "objects", "complex", "none", "text", "ragged")}
Z_KIND["nan"] = ARRAY["nan"]          # IEEE propagation is a correct answer, see _acceptable_non_raise
Z_KIND["inf"] = ARRAY["inf"]
MUTATIONS["Z"] = Z_KIND
MUTATIONS["Zcol"] = COLUMNS
MUTATIONS["opt_array"] = {k: f for k, f in ARRAY.items() if k != "none"}            # column arrays where NaN/inf propagate (activation_backward, LossGradient)
PROPAGATING = {"Z", "Zcol"}


def _optimizer_update(cls, **kw):
    def make():
        opt = cls(**kw)
        net = _net()
        params = net.parameters
        grads = {k: np.full_like(v, 0.1) for k, v in params.items()}
        opt.update(params, grads)                           # one valid step first: the state exists
        return Case(opt.update, {"parameters": params, "gradients": grads},
                    {"gradients": "grads", "parameters": "params"}, state=net)
    return make


MUTATIONS["params"] = {
    "int_dtype": lambda v, c, r: {k: np.asarray(p, dtype=np.int64) for k, p in v.items()},
    "none": lambda v, c, r: None, "list": lambda v, c, r: list(v.values()),
    "lists": lambda v, c, r: {k: p.tolist() for k, p in v.items()},
}


def _plot(fn, kwargs, kinds, **kw):
    def make():
        return Case(fn, dict(kwargs() if callable(kwargs) else kwargs), kinds, **kw)
    return make


def _fit_case():
    net = _net((3, 4, 2))
    X, labels, Y = _data(3, 2, m=12)
    Xv, lv, Yv = _data(3, 2, m=6, seed=1)
    return Case(nnbook.fit, {"network": net, "X": X, "Y": Y, "X_val": Xv, "Y_val": Yv, "batch_size": 4,
                             "epochs": 2, "progress": False, "patience": 1, "l2": 0.0, "train_eval_size": 5,
                             "optimizer": "adam", "schedule": "constant", "seed": 0, "restore_best": True,
                             "blas_threads": 1},
                {"network": "network", "X": "X", "Y": "Y", "X_val": "X", "Y_val": "Y", "batch_size": "pos_int",
                 "epochs": "pos_int", "patience": "opt_pos_int", "l2": "nonneg_float",
                 "train_eval_size": "opt_pos_int", "optimizer": "optimizer", "schedule": "schedule", "seed": "seed",
                 "progress": "bool", "restore_best": "bool", "blas_threads": "opt_pos_int"},
                ctx={"out": "softmax", "rows": 3, "k": 2}, state=net,
                valid={("Y", "out_of_range")} | {("Y_val", "out_of_range")},
                aliases={"X_val": ["X_val"], "Y_val": ["Y_val"]})


def _idx_file():
    p = _tmp() / "valid.idx.gz"
    if not p.exists():
        nnbook.write_idx(p, np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
    return p


def _net_file():
    p = _tmp() / "valid_net.npz"
    if not p.exists():
        nnbook.save_network(_net(), p)
    return p


def _fake_opener(url, timeout):
    """Serve the shared MNIST files by reading them from disk (never the network)."""
    name = url.rsplit("/", 1)[-1]
    return io.BytesIO((MNIST_DIR / name).read_bytes())


def _download_case():
    folder = _tmp() / f"dl_{len(list(_tmp().glob('dl_*')))}"
    return Case(nnbook.download_dataset, {"name": "mnist", "data_dir": folder, "mirrors": ["https://fake/"],
                                          "opener": _fake_opener, "progress": False, "timeout": 5.0},
                {"name": "name", "data_dir": "data_dir", "mirrors": "mirrors", "opener": "opener",
                 "timeout": "pos_float", "progress": "bool"})


MUTATIONS["data_dir"] = {"int": lambda v, c, r: 3, "list": lambda v, c, r: [str(v)],
                         "bytes_obj": lambda v, c, r: object()}
MUTATIONS["mirrors"] = {"string": lambda v, c, r: "https://fake/", "ints": lambda v, c, r: [3],
                        "int": lambda v, c, r: 3, "empty": lambda v, c, r: []}


def _load_case(fn, folder):
    return lambda: Case(fn, {"data_dir": DATA, "download": False, "dtype": np.float32, "normalize": True,
                             "flatten": True, "one_hot": False},
                        {"data_dir": "data_dir", "dtype": "dtype", "normalize": "bool", "flatten": "bool",
                         "one_hot": "bool", "download": "bool"},
                        available=(DATA / folder / "train-labels-idx1-ubyte.gz").is_file())


def _cm():
    return nnbook.confusion_matrix(np.array([0, 1, 2, 2, 1]), np.array([0, 2, 2, 2, 1]))


MUTATIONS["cm"] = {**{k: ARRAY[k] for k in ("nan", "inf", "strings", "objects", "complex", "none", "ragged", "empty")},
                   "nonsquare": lambda v, c, r: np.asarray(v)[:-1], "vector": lambda v, c, r: np.asarray(v)[0],
                   "negative": lambda v, c, r: -np.asarray(v), "fraction": lambda v, c, r: np.asarray(v) + 0.5}
MUTATIONS["images"] = {**{k: ARRAY[k] for k in ("nan", "strings", "objects", "complex", "none", "ragged")},
                       "not_square": lambda v, c, r: np.asarray(v)[:, :-1], "ndim4": lambda v, c, r: np.asarray(v)[None, None],
                       "empty": lambda v, c, r: np.asarray(v)[:0], "vector": lambda v, c, r: np.asarray(v)[0]}
MUTATIONS["titles"] = {"wrong_length": lambda v, c, r: list(v)[:-1], "int": lambda v, c, r: 3}
MUTATIONS["histories"] = {**NOT_DICT, "nan": lambda v, c, r: {"a": [1.0, float("nan")]},
                          "strings": lambda v, c, r: {"a": ["x", "y"]}, "nonpositive": lambda v, c, r: {"a": [1.0, 0.0]},
                          "matrix": lambda v, c, r: {"a": [[1.0, 2.0]]}, "empty_curve": lambda v, c, r: {"a": []}}
MUTATIONS["panels"] = {**NOT_DICT, "bad_predict": lambda v, c, r: {"a": 3}}
MUTATIONS["history"] = {"dict": lambda v, c, r: {}, "none": lambda v, c, r: None, "list": lambda v, c, r: [1.0]}
MUTATIONS["lr_result"] = {"empty": lambda v, c, r: {}, "none": lambda v, c, r: None, "list": lambda v, c, r: [1.0],
                          "nan": lambda v, c, r: {**v, "loss": _set_one(v["loss"], r, np.nan)}}
MUTATIONS["class"] = {"int": lambda v, c, r: 3, "none": lambda v, c, r: None, "string": lambda v, c, r: "cls"}
MUTATIONS["function"] = {"int": lambda v, c, r: 3, "none": lambda v, c, r: None, "string": lambda v, c, r: "fn"}
MUTATIONS["path_type"] = {"int": lambda v, c, r: 3, "none": lambda v, c, r: None, "list": lambda v, c, r: [str(v)],
                          "empty": lambda v, c, r: "", "bool": lambda v, c, r: True}
MUTATIONS["glue_name"] = {"none": lambda v, c, r: None, "int": lambda v, c, r: 3, "empty": lambda v, c, r: ""}
MUTATIONS["layer_index"] = {"zero": lambda v, c, r: 0, "negative": lambda v, c, r: -1, "too_big": lambda v, c, r: 99,
                            "fraction": lambda v, c, r: 1.5, "string": lambda v, c, r: "1", "none": lambda v, c, r: None}
MUTATIONS["epoch"] = {"negative": lambda v, c, r: -int(r.integers(1, 5)), "fraction": lambda v, c, r: 1.5,
                      "string": lambda v, c, r: "1", "none": lambda v, c, r: None, "nan": lambda v, c, r: float("nan"),
                      "bool": lambda v, c, r: True}
MUTATIONS["delta"] = {"wrong_shape": lambda v, c, r: np.asarray(v)[:, :-1], **{k: ARRAY[k] for k in ("strings", "none")}}
MUTATIONS["axis"] = {"too_big": lambda v, c, r: 5, "fraction": lambda v, c, r: 0.5, "string": lambda v, c, r: "0",
                     "none": lambda v, c, r: None}
# Boolean parameters take True/False (or a NumPy bool) only, as nnbook.utils.check_bool rules: bool("no")
# is True, so a string would silently mean True; 0/1 are refused too (a count passed where a flag belongs).
MUTATIONS["bool"] = {"string_no": lambda v, c, r: "no", "string_False": lambda v, c, r: "False",
                     "string_empty": lambda v, c, r: "", "none": lambda v, c, r: None, "int_0": lambda v, c, r: 0,
                     "int_1": lambda v, c, r: 1, "float": lambda v, c, r: 1.0,
                     "array": lambda v, c, r: np.array([True, False])}
# save_network(metadata=...): a dict of JSON values describing the training data
MUTATIONS["metadata"] = {"list": lambda v, c, r: ["mnist"], "string": lambda v, c, r: "mnist",
                         "int_key": lambda v, c, r: {1: "mnist"}, "object": lambda v, c, r: {"dataset": object()},
                         "nan": lambda v, c, r: {"lr": float("nan")}, "array": lambda v, c, r: {"w": np.zeros(2)},
                         "wrong_n_features": lambda v, c, r: {"n_features": 99},
                         "bool_n_features": lambda v, c, r: {"n_features": True}}
NON_FINITE_NETWORK = {                                      # a network whose parameters diverged
    "nan_parameter": lambda v, c, r: _with_parameter(v, r, np.nan),
    "inf_parameter": lambda v, c, r: _with_parameter(v, r, float(r.choice([np.inf, -np.inf]))),
}


MUTATIONS["fitted_network"] = NON_FINITE_NETWORK            # predict/predict_proba on a diverged network


def _perceptron_with(p, r, w=None, b=None):
    """A copy of perceptron `p` with one weight set to `w` and/or the bias set to `b`."""
    q = nnbook.Perceptron(p.n_features)
    q.w, q.b = p.w.copy(), p.b
    if w is not None:
        q.w[int(r.integers(q.w.size))] = w
    if b is not None:
        q.b = b
    return q


MUTATIONS["fitted_perceptron"] = {                          # a perceptron whose weights diverged or were edited
    "nan_w": lambda v, c, r: _perceptron_with(v, r, w=np.nan),
    "inf_w": lambda v, c, r: _perceptron_with(v, r, w=float(r.choice([np.inf, -np.inf]))),
    "nan_b": lambda v, c, r: _perceptron_with(v, r, b=np.nan),
}
NOT_PERCEPTRON["nan_weights"] = lambda v, c, r: _perceptron_with(v, r, w=np.nan)   # plot_perceptron refuses it


def _predict_with(kind, method):
    """A case calling `method` of a valid fitted network/perceptron given as an argument, to malform it."""
    def make():
        if kind == "fitted_network":
            obj, X, ctx = _net(), _data()[0], {"out": "softmax", "rows": 3, "k": 2}
        else:
            obj = nnbook.Perceptron(2).fit(*nnbook.logic_gate("AND"))
            X, ctx = nnbook.logic_gate("AND")[0] + 0.0, {"k": 2, "rows": 4}
        return Case(lambda model, X: getattr(model, method)(X), {"model": obj, "X": X}, {"model": kind}, ctx=ctx,
                    aliases={"model": ["W1", "W2", "b1", "b2", "w", "b"]})
    return make


def _with_parameter(net, r, value):
    key = sorted(net.parameters)[int(r.integers(len(net.parameters)))]
    bad = _net()
    bad.parameters[key].flat[int(r.integers(bad.parameters[key].size))] = value
    return bad


def _grads_case():
    net = _net()
    grads = {k: np.full_like(v, 0.1) for k, v in net.parameters.items()}
    return Case(net.update_parameters, {"gradients": grads, "learning_rate": 0.1},
                {"gradients": "grads", "learning_rate": "pos_float"}, state=net)


def _backward_case():
    net = _net()
    X, labels, Y = _data()
    A, cache = net.forward(X)
    _, dA = nnbook.cross_entropy(A, Y)
    return Case(net.backward, {"dA": dA, "cache": cache, "l2": 0.0},
                {"dA": "A", "cache": "cache", "l2": "nonneg_float"}, ctx={"rows": 2}, state=net)


def _estimator_case():
    from nnbook.estimator import NNClassifier
    X, labels, _ = _data(3, 2, m=12)
    params = dict(hidden_layer_sizes=(4,), activation="tanh", optimizer="adam", learning_rate=0.01, batch_size=4,
                  epochs=2, l2=0.0, dropout=0.0, validation_fraction=0.2, patience=2, random_state=0,
                  dtype="float64", progress=False)

    def run(X, y, **hyper):
        return NNClassifier(**hyper).fit(X, y)
    kinds = {"X": "X_rows", "y": "labels", "hidden_layer_sizes": "hidden_sizes", "activation": "name",
             "optimizer": "name", "learning_rate": "pos_float", "batch_size": "pos_int", "epochs": "pos_int",
             "l2": "nonneg_float", "dropout": "prob", "validation_fraction": "open_unit", "patience": "pos_int",
             "dtype": "dtype", "random_state": "random_state", "progress": "bool"}
    return Case(run, {"X": X.T, "y": labels, **params}, kinds, ctx={"k": 2, "rows": 12},
                # scikit-learn's check_array/check_X_y validate X and y, with its documented messages; any
                # label values are classes, numeric strings are numbers, and more columns are more features
                foreign_ok=("sklearn",),
                valid={("y", "out_of_range"), ("y", "negative"), ("y", "fractional"), ("y", "strings"),
                       ("y", "objects"), ("X", "strings"), ("X", "objects"), ("X", "extra_cols")})


def _estimator_predict_case():
    fitted = _estimator_case()
    clf = fitted.fn(**fitted.kwargs)
    return Case(clf.predict_proba, {"X": fitted.kwargs["X"][:5]}, {"X": "X_rows"}, ctx={"rows": 5},
                foreign_ok=("sklearn",), valid={("X", "strings"), ("X", "objects")})


# random_state: None, an integer >= 0, a numpy Generator or RandomState (scikit-learn's convention)
MUTATIONS["random_state"] = {**SEED, "bool": lambda v, c, r: True, "float_int": lambda v, c, r: 3.0,
                             "seed_sequence": lambda v, c, r: np.random.SeedSequence(0),
                             "dict": lambda v, c, r: {}}

MUTATIONS["hidden_sizes"] = {"zero": lambda v, c, r: (0,), "negative": lambda v, c, r: (-2,),
                             "fraction": lambda v, c, r: (2.5,), "string": lambda v, c, r: "4",
                             "none": lambda v, c, r: None, "bool": lambda v, c, r: (True,)}


def _cli_case():
    from nnbook.cli import main
    return Case(lambda argv: main(argv), {"argv": ["--version"]}, {"argv": "cli"})


CLI_BAD = {
    "epochs_zero": ["train", "--epochs", "0"], "epochs_text": ["train", "--epochs", "many"],
    "lr_negative": ["train", "--lr", "-0.1"], "lr_nan": ["train", "--lr", "nan"], "lr_inf": ["train", "--lr", "inf"],
    "batch_fraction": ["train", "--batch-size", "2.5"], "hidden_zero": ["train", "--hidden", "0"],
    "dropout_one": ["train", "--dropout", "1"], "activation_unknown": ["train", "--activation", "swish"],
    "optimizer_unknown": ["train", "--optimizer", "lbfgs"], "schedule_unknown": ["train", "--schedule", "cyclic"],
    "dtype_unknown": ["train", "--dtype", "float16"], "seed_negative": ["train", "--seed", "-1"],
    "dataset_unknown": ["train", "--dataset", "cifar"], "unknown_command": ["fly"],
    "unknown_option": ["train", "--no-such-option"], "evaluate_missing_file": ["evaluate", "/nonexistent/net.npz"],
    "evaluate_foreign_file": None,               # filled with a path at run time
    "data_bad_timeout": ["data", "--timeout", "0"], "l2_negative": ["train", "--l2", "-1"],
    # --save is checked before any data is read or any epoch runs; evaluate names what a path is
    "save_directory": ["train", "--save", "/"], "save_empty": ["train", "--save", ""],
    "save_missing_folder": ["train", "--save", "/nonexistent/folder/net.npz"],
    "save_under_a_file": None, "evaluate_directory": ["evaluate", "/"],
    "evaluate_wrong_dataset": None,
    "evaluate_unknown_option": ["evaluate", "-x", "net.npz"], "data_unknown_option": ["data", "--epochs", "3"],
}
if Path("/proc/self").is_dir():
    CLI_BAD["save_proc"] = ["train", "--save", "/proc/nnbook-fuzz.npz"]


def _mnist_checkpoint(v, c, r):
    """A network file that records MNIST as its training data (nnbook train --save writes the same)."""
    net = nnbook.NeuralNetwork([784, 2, 10], output_activation="softmax", seed=0)
    return nnbook.save_network(net, _bad_file("directory")(v, c, r) / "mnist.npz",
                               metadata={"dataset": "mnist", "n_features": 784, "preprocessing": "pixels / 255"})


CLI_AT_RUN_TIME = {                              # arguments that need a file made at run time
    "evaluate_foreign_file": lambda v, c, r: ["evaluate", str(_bad_file("foreign_npz")(v, c, r))],
    "save_under_a_file": lambda v, c, r: ["train", "--save", str(_bad_file("text")(v, c, r) / "net.npz")],
    "evaluate_wrong_dataset": lambda v, c, r: ["evaluate", str(_mnist_checkpoint(v, c, r)),
                                               "--dataset", "fashion-mnist"],
}
MUTATIONS["cli"] = {k: (lambda v, c, r, k=k: CLI_BAD[k] if CLI_BAD[k] is not None else CLI_AT_RUN_TIME[k](v, c, r))
                    for k in CLI_BAD}


SPECS: dict[str, Callable[[], Case]] = {
    # ---- nnbook.utils
    "add_to_class": lambda: Case(lambda cls, fn: nnbook.add_to_class(cls)(fn),
                                 {"cls": type("Scratch", (), {}), "fn": lambda self: 1},
                                 {"cls": "class", "fn": "function"}),
    "glue": lambda: Case(nnbook.glue, {"name": "fuzz_value", "value": 1.0}, {"name": "glue_name"}),
    "set_style": lambda: Case(nnbook.set_style, {}, {}),
    "as_float_array": lambda: Case(nnbook.as_float_array, {"x": _data()[0], "name": "X", "ndim": 2},
                                   {"x": "X", "dtype": "dtype"}, ctx={"rows": 3},
                                   valid={("x", "transposed"), ("x", "extra_rows"), ("dtype", "float16")},
                                   aliases={"x": ["X"]}),
    "check_positive": lambda: Case(nnbook.check_positive, {"value": 0.1, "name": "learning_rate"},
                                   {"value": "pos_float"}, aliases={"value": ["learning_rate"]}),
    "check_choice": lambda: Case(nnbook.check_choice, {"value": "relu", "name": "activation",
                                                       "choices": set(nnbook.ACTIVATIONS)},
                                 {"value": "name"}, aliases={"value": ["activation"]}),
    "as_rng": lambda: Case(nnbook.as_rng, {"seed": 0, "name": "seed"}, {"seed": "seed"}),
    "check_axes": lambda: Case(nnbook.check_axes, {"ax": None}, {"ax": "ax"}),
    "progress_bar": lambda: Case(lambda **kw: list(nnbook.progress_bar(**kw)), {"iterable": [1, 2], "enabled": False},
                                 {}),
    "check_bool": lambda: Case(nnbook.check_bool, {"value": True, "name": "flag"}, {"value": "bool"},
                               aliases={"value": ["flag"]}),
    "check_path": lambda: Case(nnbook.check_path, {"path": "net.npz", "name": "path"},
                               {"path": "path_type"}),
    "display_path": lambda: Case(nnbook.display_path, {"path": "net.npz"}, {"path": "path_type"}),
    # ---- nnbook.perceptron
    "Perceptron": lambda: Case(nnbook.Perceptron, {"n_features": 2, "learning_rate": 1.0, "init": "normal", "seed": 0},
                               {"n_features": "pos_int", "learning_rate": "pos_float", "init": "name", "seed": "seed"}),
    "Perceptron.fit": lambda: _perc_case("fit", kwargs={"epochs": 5, "trace": False},
                                         kinds={"epochs": "pos_int", "trace": "bool"}),
    "Perceptron.predict": lambda: _perc_case("predict", with_y=False),
    "Perceptron.decision_function": lambda: _perc_case("decision_function", with_y=False),
    "Perceptron.score": lambda: _perc_case("score"),
    "Perceptron.margin": lambda: _perc_case("margin"),
    "Perceptron.boundary_line": lambda: Case(nnbook.Perceptron(2).fit(*nnbook.logic_gate("AND")).boundary_line, {}, {}),
    "logic_gate": lambda: Case(nnbook.logic_gate, {"name": "xor"}, {"name": "name_ci"}),
    "plot_perceptron": _plot(nnbook.plot_perceptron,
                             lambda: {"p": nnbook.Perceptron(2).fit(*nnbook.logic_gate("AND")),
                                      "X": nnbook.logic_gate("AND")[0] + 0.0, "y": nnbook.logic_gate("AND")[1],
                                      **dict.fromkeys(("margin", "weight_vector", "errors", "shade", "legend"), True)},
                             {"p": "perceptron", "X": "X_rows", "y": "labels", "ax": "ax",
                              **dict.fromkeys(("margin", "weight_vector", "errors", "shade", "legend"), "bool")},
                             ctx={"k": 2, "rows": 4},
                             aliases={"p": ["perceptron"]}),
    # ---- nnbook.activations
    **{name: _elementwise(getattr(nnbook, name))
       for name in ("sigmoid", "sigmoid_derivative", "tanh", "tanh_derivative", "relu", "relu_derivative",
                    "gelu", "gelu_derivative", "linear", "linear_derivative")},
    **{name: _elementwise(getattr(nnbook, name), kwargs={"alpha": 0.1}, kinds={"alpha": "nonneg_float"})
       for name in ("leaky_relu", "leaky_relu_derivative", "elu", "elu_derivative")},
    "softmax": lambda: Case(nnbook.softmax, {"Z": _rng(1).standard_normal((3, 4)) * 3, "axis": 0, "temperature": 1.0},
                            {"Z": "Z", "axis": "axis", "temperature": "pos_float"},
                            extra={"Z": {"no_classes": lambda v, c, r: np.asarray(v)[:0]}}),
    "softmax_jacobian": lambda: Case(nnbook.softmax_jacobian, {"z": np.array([1.0, -2.0, 0.5]), "temperature": 2.0},
                                     {"z": "Z", "temperature": "pos_float"},
                                     extra={"z": {"matrix": lambda v, c, r: np.vstack([v, v]),
                                                  "scalar": lambda v, c, r: 1.0,
                                                  "empty": lambda v, c, r: np.zeros(0)}}),
    "get_activation": lambda: Case(nnbook.get_activation, {"name": "relu"}, {"name": "name"}),
    "activation_backward": lambda: (lambda Z: Case(
        nnbook.activation_backward, {"name": "tanh", "dA": np.ones_like(Z), "Z": Z, "A": np.tanh(Z)},
        {"name": "name", "dA": "Zcol", "Z": "Zcol", "A": "Zcol"}, ctx={"rows": 3}))(_rng(2).standard_normal((3, 5))),
    # ---- nnbook.network
    "init_std": lambda: Case(nnbook.init_std, {"method": "he", "n_in": 3, "n_out": 4},
                             {"method": "name", "n_in": "pos_int", "n_out": "pos_int"}),
    "initialize_parameters": lambda: Case(nnbook.initialize_parameters, {"layer_sizes": [3, 4, 2], "init": "xavier",
                                                                         "rng": 0, "dtype": np.float64},
                                          {"layer_sizes": "layer_sizes", "init": "name", "rng": "seed",
                                           "dtype": "dtype"}),
    "NeuralNetwork": lambda: Case(nnbook.NeuralNetwork, {"layer_sizes": [3, 4, 2], "hidden_activation": "relu",
                                                         "output_activation": "softmax", "init": "he", "seed": 0,
                                                         "dtype": np.float32, "dropout": 0.2},
                                  {"layer_sizes": "layer_sizes", "hidden_activation": "name",
                                   "output_activation": "name", "init": "opt_name", "seed": "seed", "dtype": "dtype",
                                   "dropout": "prob"},
                                  aliases={"hidden_activation": ["activation"], "output_activation": ["activation"]}),
    "NeuralNetwork.forward": lambda: _net_case("forward", with_y=False, valid={("X", "empty")},
                                               extra_kwargs={"training": False}, extra_kinds={"training": "bool"}),
    "NeuralNetwork.activation": lambda: Case(_net().activation, {"l": 1}, {"l": "layer_index"},
                                             aliases={"l": ["layer"]}),
    "check_shapes": lambda: Case(nnbook.check_shapes, {"network": _net(), "input_shape": (3, 5), "verbose": False},
                                 {"network": "network", "input_shape": "shape", "verbose": "bool"}),
    "plot_network": _plot(nnbook.plot_network, lambda: {"network": _net(), "x": np.array([0.5, -1.0, 2.0]),
                                                        "show_weights": True},
                          {"network": "network", "x": "opt_array", "max_units": "pos_int", "ax": "ax",
                           "show_weights": "bool"},
                          extra={"x": {"wrong_length": lambda v, c, r: np.append(v, 1.0)}}),
    # ---- nnbook.backprop
    **{name: (lambda fn=getattr(nnbook, name), out=out: (lambda X, Y: Case(
        fn, {"A": X, "Y": Y}, {"A": "A", "Y": "Y"}, ctx={"out": out, "rows": Y.shape[0]},
        aliases={"A": ["predictions"], "Y": ["targets"]}))(
            nnbook.softmax(_data()[0][:2]) if out == "softmax" else nnbook.sigmoid(_data()[0][:2]),
            _data()[2] if out == "softmax" else _data()[2] * 1.0))
       for name, out in (("binary_cross_entropy", "sigmoid"), ("compute_loss", "sigmoid"),
                         ("cross_entropy", "softmax"), ("mean_squared_error", "linear"))},
    "LossGradient": lambda: Case(nnbook.LossGradient, {"dA": np.ones((2, 3)), "delta": np.zeros((2, 3)),
                                                       "activation": "softmax"},
                                 {"dA": "Zcol", "delta": "delta", "activation": "name"}, ctx={"rows": 2},
                                 aliases={"dA": ["dA"], "delta": ["delta"]}),
    "NeuralNetwork.backward": _backward_case,
    "gradient_check": lambda: (lambda X, labels, Y: Case(
        nnbook.gradient_check, {"network": _net((3, 2, 2)), "X": X, "Y": Y, "epsilon": 1e-6, "loss": None,
                                "l2": 0.01, "max_entries": 3, "seed": 0, "verbose": False},
        {"network": "network", "X": "X", "Y": "Y", "epsilon": "pos_float", "loss": "loss", "l2": "nonneg_float",
         "max_entries": "opt_pos_int", "seed": "seed", "verbose": "bool"},
        ctx={"out": "softmax", "rows": 3, "k": 2}))(*_data(m=4)),
    # ---- nnbook.mlp
    "NeuralNetwork.update_parameters": _grads_case,
    "NeuralNetwork.train": lambda: _net_case(
        "train", extra_kwargs={"learning_rate": 0.1, "epochs": 3, "loss": None, "print_every": 1, "stop_loss": None,
                               "verbose": False, "progress": False},
        extra_kinds={"learning_rate": "pos_float", "epochs": "pos_int", "loss": "loss", "print_every": "pos_int",
                     "stop_loss": "opt_pos_float", "verbose": "bool", "progress": "bool"}),
    "NeuralNetwork.predict_proba": lambda: _net_case("predict_proba", with_y=False),
    "NeuralNetwork.predict": lambda: _net_case("predict", with_y=False),
    "NeuralNetwork.predict[non-finite parameters]": _predict_with("fitted_network", "predict"),
    "NeuralNetwork.predict_proba[non-finite parameters]": _predict_with("fitted_network", "predict_proba"),
    "Perceptron.predict[non-finite weights]": _predict_with("fitted_perceptron", "predict"),
    "Perceptron.decision_function[non-finite weights]": _predict_with("fitted_perceptron", "decision_function"),
    **{name: (lambda fn=getattr(nnbook, name), extra=extra: lambda: Case(
        fn, {"n_samples": 20, "noise": 0.1, "seed": 0, **{k: v for k, (v, _) in extra.items()}},
        {"n_samples": "pos_int", "noise": "nonneg_float", "seed": "seed", **{k: kd for k, (_, kd) in extra.items()}}))()
       for name, extra in (("make_circles_data", {"factor": (0.5, "open_unit")}),
                           ("make_spiral", {"n_arms": (3, "pos_int"), "turns": (1.5, "pos_float")}),
                           ("make_checkerboard", {"n_tiles": (3, "pos_int")}))},
    "plot_decision_boundary": _plot(nnbook.plot_decision_boundary,
                                    lambda: {"predict": _net((2, 3, 1), out="sigmoid"), "X": _data(2, m=8)[0].T,
                                             "y": _data(2, m=8)[1], "resolution": 12, "margin": 0.1,
                                             "colorbar": True},
                                    {"predict": "callable", "X": "X_rows", "y": "opt_labels", "resolution": "pos_int",
                                     "margin": "nonneg_float", "ax": "ax", "colorbar": "bool"}, ctx={"k": 2, "rows": 8},
                                    valid={("y", "out_of_range"), ("y", "negative"), ("y", "fractional"),
                                           ("X", "extra_cols")}),
    "plot_losses": _plot(nnbook.plot_losses, lambda: {"histories": {"a": [1.0, 0.5, 0.2], "b": [2.0, 1.0]},
                                                      "log": True},
                         {"histories": "histories", "ax": "ax", "log": "bool"}),
    "plot_boundary_grid": _plot(nnbook.plot_boundary_grid,
                                lambda: {"panels": {"net": _net((2, 3, 1), out="sigmoid")}, "X": _data(2, m=8)[0].T,
                                         "y": _data(2, m=8)[1], "ncols": 2, "panel_size": 2.0, "resolution": 10},
                                {"panels": "panels", "X": "X_rows", "ncols": "pos_int", "panel_size": "pos_float"},
                                ctx={"rows": 8}, valid={("X", "extra_cols")}),
    # ---- nnbook.optim
    "create_mini_batches": lambda: (lambda X, labels, Y: Case(
        nnbook.create_mini_batches, {"X": X, "Y": Y, "batch_size": 3, "rng": 0},
        {"X": "X", "Y": "Y", "batch_size": "pos_int", "rng": "seed"}, ctx={"rows": 3, "out": None}, consume=True,
        # it only splits columns: any dtype and any values are fine
        valid={(a, m) for a in "XY" for m in ("extra_rows", "nan", "inf", "strings", "objects", "complex")}))(*_data()),
    "Optimizer": lambda: Case(nnbook.Optimizer, {"learning_rate": 0.1}, {"learning_rate": "pos_float"}),
    "SGD": lambda: Case(nnbook.SGD, {"learning_rate": 0.1}, {"learning_rate": "pos_float"}),
    "Momentum": lambda: Case(nnbook.Momentum, {"learning_rate": 0.1, "beta": 0.9},
                             {"learning_rate": "pos_float", "beta": "prob"}),
    **{name: (lambda cls=getattr(nnbook, name): lambda: Case(
        cls, {"learning_rate": 0.1, "beta1": 0.9, "beta2": 0.99, "epsilon": 1e-8},
        {"learning_rate": "pos_float", "beta1": "prob", "beta2": "prob", "epsilon": "pos_float"}))()
       for name in ("Adam", "AdamOptimizer")},
    "SGD.update": _optimizer_update(nnbook.SGD, learning_rate=0.1),
    "Momentum.update": _optimizer_update(nnbook.Momentum, learning_rate=0.1),
    "AdamOptimizer.update": _optimizer_update(nnbook.AdamOptimizer, learning_rate=0.1),
    "get_optimizer": lambda: Case(nnbook.get_optimizer, {"name": "momentum", "learning_rate": 0.1, "beta": 0.5},
                                  {"name": "name", "learning_rate": "pos_float", "beta": "prob"}),
    "constant": lambda: Case(nnbook.constant, {"initial_lr": 0.1, "epoch": 3},
                             {"initial_lr": "pos_float", "epoch": "epoch"}),
    "step_decay": lambda: Case(nnbook.step_decay, {"initial_lr": 0.1, "epoch": 3, "drop": 0.5, "epochs_drop": 2},
                               {"initial_lr": "pos_float", "epoch": "epoch", "drop": "open_unit_closed",
                                "epochs_drop": "pos_int"}),
    "exponential_decay": lambda: Case(nnbook.exponential_decay, {"initial_lr": 0.1, "epoch": 3, "decay_rate": 0.9},
                                      {"initial_lr": "pos_float", "epoch": "epoch", "decay_rate": "open_unit_closed"}),
    "inverse_time_decay": lambda: Case(nnbook.inverse_time_decay, {"initial_lr": 0.1, "epoch": 3, "decay_rate": 0.5},
                                       {"initial_lr": "pos_float", "epoch": "epoch", "decay_rate": "nonneg_float"}),
    "cosine_warm_restarts": lambda: Case(nnbook.cosine_warm_restarts, {"initial_lr": 0.1, "epoch": 13, "period": 5,
                                                                       "min_lr": 0.01, "period_mult": 2},
                                         {"initial_lr": "pos_float", "epoch": "epoch", "period": "pos_int",
                                          "min_lr": "nonneg_float", "period_mult": "pos_int"}),
    "get_schedule": lambda: Case(nnbook.get_schedule, {"name": "step", "drop": 0.5}, {"name": "name"}),
    "plot_lr_range_test": _plot(nnbook.plot_lr_range_test,
                                lambda: {"result": {"learning_rate": np.array([1e-3, 1e-2, 1e-1]),
                                                    "loss": np.array([1.0, 0.8, 2.0]),
                                                    "raw_loss": np.array([1.0, 0.7, 2.5]), "suggested": 1e-3}},
                                {"result": "lr_result", "ax": "ax"}),
    "NeuralNetwork.train_step": lambda: (lambda c: Case(
        c.fn.__self__.train_step, {"X_batch": c.kwargs["X"], "Y_batch": c.kwargs["Y"], "optimizer": nnbook.SGD(0.1),
                                   "loss": None, "l2": 0.0},
        {"X_batch": "X", "Y_batch": "Y", "optimizer": "optimizer", "loss": "loss", "l2": "nonneg_float"},
        ctx=c.ctx, state=c.state, aliases={"X_batch": ["X"], "Y_batch": ["Y"]}))(_net_case("forward")),
    "NeuralNetwork.train_minibatch": lambda: _net_case(
        "train_minibatch", extra_kwargs={"optimizer": "adam", "batch_size": 3, "epochs": 2, "schedule": "step",
                                         "loss": "cross_entropy", "seed": 0, "l2": 0.0, "verbose": False,
                                         "progress": False},
        extra_kinds={"optimizer": "optimizer", "batch_size": "pos_int", "epochs": "pos_int", "schedule": "schedule",
                     "loss": "loss", "seed": "seed", "l2": "nonneg_float", "verbose": "bool", "progress": "bool"}),
    # ---- nnbook.mnist
    "parse_idx": lambda: Case(nnbook.parse_idx, {"data": _idx_bytes(), "name": "mem.idx"}, {"data": "idx_bytes"}),
    "read_idx": lambda: Case(nnbook.read_idx, {"path": _idx_file()}, {"path": "path_in"}, oserror_ok=("path",)),
    "write_idx": lambda: Case(nnbook.write_idx, {"path": _tmp() / "out.idx", "array": np.arange(6, dtype=np.uint8)},
                              {"path": "path_out", "array": "idx_array"}, oserror_ok=("path",),
                              valid={("path", "missing_folder")}),          # the data cache makes its folders
    "get_data_dir": lambda: Case(nnbook.get_data_dir, {"data_dir": _tmp()}, {"data_dir": "data_dir"}),
    "download_dataset": _download_case,
    "one_hot": lambda: Case(nnbook.one_hot, {"labels": np.array([0, 2, 1, 2]), "n_classes": 3, "dtype": np.float32},
                            {"labels": "labels", "n_classes": "opt_pos_int", "dtype": "dtype"}, ctx={"k": 3},
                            extra={"labels": {"booleans": lambda v, c, r: np.asarray(v) % 2 == 1}},
                            valid={("dtype", "int"), ("dtype", "bool"), ("dtype", "float16"), ("dtype", "complex"),
                                   ("labels", "fewer_samples")}),
    "load_mnist": _load_case(nnbook.load_mnist, "mnist"),
    "load_fashion_mnist": _load_case(nnbook.load_fashion_mnist, "fashion-mnist"),
    "show_images": _plot(nnbook.show_images, lambda: {"images": _rng(3).random((3, 16)), "titles": ["a", "b", "c"],
                                                      "ncols": 2},
                         {"images": "images", "titles": "titles", "ncols": "pos_int", "axes": "ax"}),
    "accuracy": lambda: Case(nnbook.accuracy, {"Y_true": np.array([0, 1, 2, 1]), "Y_pred": np.array([0, 1, 1, 1])},
                             {"Y_true": "labels", "Y_pred": "labels"}, ctx={"k": 3},
                             valid={("Y_true", "out_of_range"), ("Y_pred", "out_of_range")}),
    "confusion_matrix": lambda: Case(nnbook.confusion_matrix, {"Y_true": np.array([0, 1, 2, 1]),
                                                               "Y_pred": np.array([0, 1, 1, 1]), "n_classes": 3},
                                     {"Y_true": "labels", "Y_pred": "labels", "n_classes": "opt_pos_int"}, ctx={"k": 3}),
    "evaluate": lambda: (lambda X, labels, Y: Case(
        nnbook.evaluate, {"network": _net(), "X": X, "Y": Y, "batch_size": 3},
        {"network": "network", "X": "X", "Y": "Y", "batch_size": "pos_int"},
        ctx={"out": "softmax", "rows": 3, "k": 2}))(*_data()),
    "fit": _fit_case,
    "plot_history": _plot(nnbook.plot_history, lambda: {"history": nnbook.fit(
        _net(), *_data()[::2], *_data(seed=1)[::2], epochs=2, progress=False, batch_size=4)},
        {"history": "history", "axes": "ax"}),
    "plot_confusion_matrix": _plot(nnbook.plot_confusion_matrix, lambda: {"cm": _cm(), "class_names": ["a", "b", "c"],
                                                                          "normalize": False},
                                   {"cm": "cm", "class_names": "titles", "ax": "ax", "normalize": "bool"}),
    "save_network": lambda: Case(nnbook.save_network, {"network": _net(), "path": _tmp() / "saved.npz",
                                                       "metadata": {"dataset": "toy", "n_features": 3}},
                                 {"network": "network", "path": "path_out", "metadata": "metadata"},
                                 oserror_ok=("path",), extra={"network": NON_FINITE_NETWORK}),
    "check_save_path": lambda: Case(nnbook.check_save_path, {"path": _tmp() / "dest.npz", "name": "path"},
                                    {"path": "path_out"}, oserror_ok=("path",)),
    "load_network": lambda: Case(nnbook.load_network, {"path": _net_file()}, {"path": "path_in"},
                                 oserror_ok=("path",)),
    # ---- the scikit-learn estimator (hyperparameters are checked by fit, scikit-learn's rule) and the CLI
    "NNClassifier": _estimator_case,
    "NNClassifier.predict_proba": _estimator_predict_case,
    "cli.main": _cli_case,
}
SPECS["lr_range_test"] = lambda: (lambda X, labels, Y: Case(
    nnbook.lr_range_test, {"net": _net(), "X": X, "Y": Y, "optimizer": "sgd", "min_lr": 1e-4, "max_lr": 1.0,
                           "num_steps": 6, "batch_size": 3, "loss": None, "seed": 0, "smoothing": 0.5,
                           "diverge": 4.0},
    {"net": "network", "X": "X", "Y": "Y", "optimizer": "optimizer", "min_lr": "pos_float", "max_lr": "pos_float",
     "num_steps": "pos_int", "batch_size": "pos_int", "loss": "loss", "seed": "seed", "smoothing": "prob",
     "diverge": "pos_float"}, ctx={"out": "softmax", "rows": 3, "k": 2},
    aliases={"net": ["network"]}))(*_data())

MUTATIONS["open_unit_closed"] = {**_scalar_mutations(), "above": lambda v, c, r: 1.5}   # (0, 1]
MUTATIONS["idx_array"] = {"strings": ARRAY["strings"], "objects": ARRAY["objects"], "complex": ARRAY["complex"],
                          "none": ARRAY["none"], "scalar": lambda v, c, r: np.uint8(3), "bool": lambda v, c, r: np.ones(3, bool),
                          "int64": lambda v, c, r: np.arange(3, dtype=np.int64), "ragged": ARRAY["ragged"]}

# Names in nnbook.__all__ that are data, not callables; and result records that users do not build.
DATA_NAMES = {"STYLE", "ACTIVATIONS", "INITIALIZERS", "LOSSES", "DEFAULT_LOSS", "OPTIMIZERS", "SCHEDULES",
              "FASHION_CLASSES"}
RECORD_TYPES = {
    "Activation": "a NamedTuple (name, fn, derivative) that get_activation returns; built only by nnbook",
    "GradientCheckResult": "the dict subclass that gradient_check returns; built only by nnbook",
    "History": "the record that fit returns; built only by nnbook (plot_history's type check is fuzzed)",
}

# ------------------------------------------------------------------------------------------ known defects
# Problems the fuzzing found in code that this test file's author may not change (other sections are still
# being written). Each entry: fnmatch patterns for (callable, argument, mutation), the source, the problem
# and the fix. Matching cases are counted but tolerated by the sweeps; each entry has a reproducer
# (test_known_defect_still_present) that fails once the defect is fixed, so the entry gets removed.
@dataclass(frozen=True)
class Defect:
    names: str          # space-separated fnmatch patterns of SPECS keys
    args: str           # ... of argument names
    mutations: str      # ... of mutation names
    where: str
    problem: str

    def matches(self, name, arg, mutation) -> bool:
        from fnmatch import fnmatchcase
        return all(any(fnmatchcase(x, p) for p in pats.split())
                   for x, pats in ((name, self.names), (arg, self.args), (mutation, self.mutations)))


KNOWN_DEFECTS: list[Defect] = [
    # (empty: every defect the sweep found is fixed; the fixes are pinned by REGRESSIONS below)
]


def _known(name, arg, mutation):
    return next((d for d in KNOWN_DEFECTS if d.matches(name, arg, mutation)), None)

# ----------------------------------------------------------------------------------------- the harness
ACCEPTED = (ValueError, TypeError)


def _snapshot(obj):
    """A deep copy of the numbers of a network, perceptron or optimizer (what a rejected call must not change)."""
    if obj is None:
        return None
    snap = {}
    for attr in ("parameters", "w", "b", "t", "m", "v", "learning_rate"):
        if hasattr(obj, attr):
            val = getattr(obj, attr)
            snap[attr] = ({k: np.array(a, copy=True) for k, a in val.items()} if isinstance(val, dict)
                          else np.array(val, copy=True))
    return snap


def _same(a, b) -> bool:
    if a.keys() != b.keys():
        return False
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, dict):
            if x.keys() != y.keys() or not all(np.array_equal(x[j], y[j], equal_nan=True) for j in x):
                return False
        elif not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
            return False
    return True


def _innermost_file(exc) -> str:
    tb = exc.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename


def _from_nnbook(exc) -> bool:
    """Raised by nnbook's own code, or by Python's argument binding at the call (a TypeError in this file)."""
    f = Path(_innermost_file(exc)).resolve()
    return PKG in f.parents or (f == THIS and isinstance(exc, TypeError))


def _has_nan(obj) -> bool:
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "fc":
        return bool(np.isnan(obj).any())
    if isinstance(obj, float):
        return math.isnan(obj)
    if isinstance(obj, dict):
        return any(_has_nan(v) for v in obj.values())
    if isinstance(obj, (tuple, list)) and len(obj) < 1000:
        return any(_has_nan(v) for v in obj)
    return False


def _all_finite(obj) -> bool:
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "fc":
        return bool(np.isfinite(obj).all())
    if isinstance(obj, (float, np.floating)):
        return math.isfinite(obj)
    if isinstance(obj, dict):
        return all(_all_finite(v) for v in obj.values())
    if isinstance(obj, (tuple, list)) and len(obj) < 1000:
        return all(_all_finite(v) for v in obj)
    return True


def _call(case: Case, kwargs: dict):
    """Call with warnings as errors; close any figure the call opened."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            out = case.fn(**kwargs)
            if case.consume:
                out = list(out)
            return out
        finally:
            if "matplotlib.pyplot" in sys.modules:
                sys.modules["matplotlib.pyplot"].close("all")


def _mutations(case: Case, arg: str) -> dict:
    return {**MUTATIONS[case.kinds[arg]], **case.extra.get(arg, {})}


def _pairs(case: Case) -> list:
    return [(arg, m) for arg in case.kinds for m in _mutations(case, arg) if (arg, m) not in case.valid]


def _acceptable_non_raise(case: Case, name: str, arg: str, mutation: str, bad, out) -> str | None:
    """None when returning normally is a correct answer to this input, else why it is a silent wrong result."""
    if case.kinds[arg] in PROPAGATING and mutation in ("nan", "inf"):
        # Array maths follows IEEE: a NaN/inf input may give NaN/inf, but only in the column (sample) that
        # holds it; an elementwise activation of ±inf must give its limit, not NaN.
        if not isinstance(out, np.ndarray):
            return f"{name}({arg}=<{mutation}>): returned {type(out).__name__}, not an array"
        b = np.asarray(bad, dtype=float)
        if case.kinds[arg] == "Z" and mutation == "inf" and np.isnan(out).any():
            return f"{name}({arg}=<inf>): NaN in the result; an infinite input should give the limit value"
        if out.shape != b.shape:
            return None
        affected = ~np.isfinite(b)
        if b.ndim == 2:
            affected = np.broadcast_to(affected.any(axis=0, keepdims=True), b.shape)
        if np.isfinite(out[~affected]).all():
            return None
        return f"{name}({arg}=<{mutation}>): non-finite values spread to samples whose inputs were finite"
    if case.kinds[arg] == "cli":
        return None if isinstance(out, int) and out != 0 else f"cli {bad}: exit code {out!r}, expected non-zero"
    return f"{name}({arg}=<{mutation}>) returned normally: malformed input accepted silently " \
           f"(result {type(out).__name__}{' with NaN' if _has_nan(out) else ''})"


def _classify(case: Case, name: str, arg: str, mutation: str, kwargs: dict, before) -> str | None:
    """Call `case.fn` with the malformed `kwargs`; None if the answer is correct, else what is wrong."""
    try:
        out = _call(case, kwargs)
    except Warning as w:                                      # a numpy/matplotlib warning turned into an error
        return f"{name}({arg}=<{mutation}>): emitted {type(w).__name__}: {w}"
    except SystemExit as e:
        return f"{name}({arg}=<{mutation}>): SystemExit({e.code})"
    except Exception as e:                                    # noqa: BLE001 - classified below
        file = Path(_innermost_file(e)).resolve()
        where = file.relative_to(PKG.parent) if PKG in file.parents else file.name
        label = f"{name}({arg}=<{mutation}>): {type(e).__name__} from {where}: {str(e)[:160]!r}"
        allowed = ACCEPTED + ((OSError,) if arg in case.oserror_ok else ())
        if not isinstance(e, allowed):
            return f"{label} -- not ValueError/TypeError"
        if not str(e).strip():
            return f"{label} -- empty message"
        if not (_from_nnbook(e) or (isinstance(e, OSError) and arg in case.oserror_ok)
                or any(part in file.parts for part in case.foreign_ok)):
            return f"{label} -- raised outside nnbook (no nnbook validation)"
        if before is not None and not _same(before, _snapshot(case.state)):
            return f"{label} -- the call changed the object's numbers before failing"
        return None
    return _acceptable_non_raise(case, name, arg, mutation, kwargs[arg], out)


def _run_mutation(name: str, arg: str, mutation: str, seed: int, stats=None) -> str | None:
    """Apply one mutation to one argument of a fresh valid call; return None if handled correctly, else why not."""
    case = SPECS[name]()
    r = np.random.default_rng(seed)
    bad = _mutations(case, arg)[mutation](case.kwargs.get(arg), case.ctx, r)
    if bad is SKIP:
        return None
    if stats is not None:
        stats["cases"] += 1
        stats["by_kind"][case.kinds[arg]] += 1
        stats["functions"].add(name)
    if arg not in case.oserror_ok:
        return _classify(case, name, arg, mutation, {**case.kwargs, arg: bad}, _snapshot(case.state))
    with warnings.catch_warnings(record=True) as caught:     # file arguments: no file handle may leak
        warnings.simplefilter("always", ResourceWarning)
        problem = _classify(case, name, arg, mutation, {**case.kwargs, arg: bad}, _snapshot(case.state))
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    return problem or (f"{name}({arg}=<{mutation}>): leaked a file handle: {leaks[0]}" if leaks else None)


def _check(name, arg, mutation, seed, stats):
    problem = _run_mutation(name, arg, mutation, seed, stats)
    defect = _known(name, arg, mutation) if problem else None
    if defect is not None:
        stats["known"][f"{defect.where} [{defect.args}]"] += 1
        return None
    return problem


# ------------------------------------------------------------------------------------------------ tests
def _public_callables() -> list:
    return [n for n in nnbook.__all__ if n not in DATA_NAMES and callable(getattr(nnbook, n))]


def test_every_public_name_is_in_the_fuzz_table():
    """A public callable added to nnbook.__all__ without an entry here fails, so nothing escapes the fuzzing."""
    missing = [n for n in _public_callables() if n not in SPECS and n not in RECORD_TYPES]
    assert not missing, f"add these public names to SPECS in tests/test_fuzz.py: {missing}"
    not_data = [n for n in DATA_NAMES & set(nnbook.__all__) if callable(getattr(nnbook, n))]
    assert not not_data, f"DATA_NAMES lists callables: {not_data}"


def test_every_public_method_is_in_the_fuzz_table():
    """Methods the sections attach (train, forward, backward, ...), the optimizers' update, and the estimator and
    command line (nnbook.estimator, nnbook.cli) are fuzzed too."""
    skip = {"reset", "L"}                                   # no arguments to malform
    missing = [f"{cls.__name__}.{attr}" for cls in (nnbook.NeuralNetwork, nnbook.Perceptron)
               for attr, value in vars(cls).items()
               if callable(value) and not attr.startswith("_") and attr not in skip
               and f"{cls.__name__}.{attr}" not in SPECS]
    missing += [f"{name}.update" for name in ("SGD", "Momentum", "AdamOptimizer") if f"{name}.update" not in SPECS]
    assert not missing, f"add these methods to SPECS in tests/test_fuzz.py: {missing}"
    for module in ("estimator", "cli"):
        mod = __import__(f"nnbook.{module}", fromlist=["__all__"])
        for n in getattr(mod, "__all__", []):
            assert n in SPECS or f"{module}.{n}" in SPECS, f"nnbook.{module}.{n} is not fuzzed"


def test_every_spec_is_a_valid_call(fuzz_stats):
    """Each template is valid: it runs without warnings and returns finite numbers (no NaN from finite input)."""
    problems = []
    for name in sorted(SPECS):
        case = SPECS[name]()
        if not case.available:
            continue
        try:
            out = _call(case, case.kwargs)
        except Exception as e:                                # noqa: BLE001
            problems.append(f"{name}: the valid template raised {type(e).__name__}: {e}")
            continue
        fuzz_stats["valid"] += 1
        if name == "cli.main":
            continue
        if not _all_finite(out):
            problems.append(f"{name}: non-finite result from finite input")
        for arg, kind in case.kinds.items():
            assert kind in MUTATIONS, f"{name}: unknown kind {kind!r} for {arg}"
            assert arg in case.kwargs or kind in ("ax", "dtype", "seed", "axis") or arg in (
                "max_units", "axes", "class_names", "titles", "rng"), f"{name}: {arg} not in the template"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_mutation_is_rejected(name, fuzz_stats):
    """Every (argument, mutation) pair of `name`, once: a clear ValueError/TypeError from nnbook, or a correct result."""
    case = SPECS[name]()
    problems = [p for arg, m in _pairs(case) if (p := _check(name, arg, m, 0, fuzz_stats))]
    assert not problems, f"{len(problems)} malformed inputs handled badly:\n" + "\n".join(problems)


FUZZABLE = sorted(n for n in SPECS if SPECS[n]().kinds)     # callables that take arguments


@pytest.mark.parametrize("name", FUZZABLE)
@settings(max_examples=12, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_random_mutations(name, fuzz_stats, data):
    """Hypothesis picks an argument, a mutation and the random draws inside it (positions, sizes, bad values)."""
    pairs = _pairs(SPECS[name]())
    arg, mutation = data.draw(st.sampled_from(pairs), label="mutation")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    problem = _check(name, arg, mutation, seed, fuzz_stats)
    assert problem is None, problem


def _examples(defect) -> list:
    return [(n, a, m) for n in sorted(SPECS) for a, m in _pairs(SPECS[n]()) if defect.matches(n, a, m)]


@pytest.mark.parametrize("defect", KNOWN_DEFECTS, ids=lambda d: f"{d.names.split()[0]}:{d.args.split()[0]}")
def test_known_defect_still_present(defect):
    """Each known defect still reproduces; once it is fixed this fails until its KNOWN_DEFECTS entry is removed."""
    examples = _examples(defect)
    assert examples, f"the patterns of this entry match no fuzz case: {defect}"
    failing = [e for e in examples if _run_mutation(*e, seed=0) is not None]
    if not failing:
        pytest.fail(f"fixed in {defect.where}: remove this entry from KNOWN_DEFECTS ({defect.problem[:80]})")
    pytest.xfail(f"{defect.where}: {defect.problem} ({len(failing)} of {len(examples)} cases still fail)")


# ------------------------------------------------------------------------------- fixed defects stay fixed
# Former KNOWN_DEFECTS entries, now fixed: one or more representative cases each, with the exception
# and the message the fix promises (the sweep above only checks "a ValueError/TypeError from nnbook").
NOT_A_GENERATOR = r"must be None, a non-negative integer or a numpy.random.Generator"
REGRESSIONS = [
    # seeds everywhere go through nnbook.utils.as_rng, which names the argument
    ("NeuralNetwork", "seed", "negative", ValueError, r"seed must be a non-negative integer"),
    ("NeuralNetwork", "seed", "fraction", TypeError, "seed " + NOT_A_GENERATOR),
    ("initialize_parameters", "rng", "nan", TypeError, "rng " + NOT_A_GENERATOR),
    ("create_mini_batches", "rng", "string", TypeError, "rng " + NOT_A_GENERATOR),
    ("NeuralNetwork.train_minibatch", "seed", "negative_list", TypeError, "seed " + NOT_A_GENERATOR),
    ("lr_range_test", "seed", "negative", ValueError, r"seed must be a non-negative integer"),
    ("gradient_check", "seed", "string", TypeError, "seed " + NOT_A_GENERATOR),
    ("fit", "seed", "fraction", TypeError, "seed " + NOT_A_GENERATOR),
    ("make_circles_data", "seed", "nan", TypeError, "seed " + NOT_A_GENERATOR),
    ("make_spiral", "seed", "negative", ValueError, r"seed must be a non-negative integer"),
    ("make_checkerboard", "seed", "string", TypeError, "seed " + NOT_A_GENERATOR),
    # sizes, dtypes, names, layer indices
    ("init_std", "n_in", "zero", ValueError, r"n_in must be positive, got 0"),
    ("init_std", "n_out", "fraction", TypeError, r"n_out must be a positive integer, got 2\.5"),
    ("initialize_parameters", "dtype", "int", TypeError, r"dtype must be np\.float32 or np\.float64"),
    ("initialize_parameters", "dtype", "float16", TypeError, r"dtype must be np\.float32 or np\.float64"),
    ("NeuralNetwork.activation", "l", "too_big", ValueError, r"layer l must be an integer in 1\.\.2"),
    ("NeuralNetwork.activation", "l", "string", ValueError, r"layer l must be an integer in 1\.\.2 .*, got '1'"),
    ("confusion_matrix", "n_classes", "string", TypeError, r"n_classes must be a positive integer, got '3'"),
    ("one_hot", "n_classes", "inf", TypeError, r"n_classes must be a positive integer, got inf"),
    ("one_hot", "dtype", "object", TypeError, r"dtype must be a numeric dtype"),
    ("accuracy", "Y_true", "negative", ValueError, r"class labels must be >= 0"),
    ("accuracy", "Y_pred", "negative", ValueError, r"class labels must be >= 0"),
    ("inverse_time_decay", "decay_rate", "inf", ValueError, r"decay_rate must be a finite non-negative number"),
    ("softmax", "Z", "no_classes", ValueError, r"Z has no classes along axis 0"),
    ("softmax_jacobian", "z", "empty", ValueError, r"z is empty"),
    ("activation_backward", "Z", "transposed", ValueError, r"dA, Z and A must have the same shape"),
    ("activation_backward", "Z", "strings", TypeError, r"Z must be a real numeric array"),
    ("activation_backward", "dA", "complex", TypeError, r"dA must be a real numeric array"),
    ("activation_backward", "A", "scalar", ValueError, r"dA, Z and A must have the same shape"),
    ("LossGradient", "activation", "upper", ValueError, r"Unknown activation 'SOFTMAX'; choose one of: sigmoid, softmax"),
    ("LossGradient", "dA", "objects", TypeError, r"LossGradient: dA must be a real numeric array"),
    ("LossGradient", "delta", "strings", TypeError, r"LossGradient: delta must be a real numeric array"),
    ("create_mini_batches", "Y", "scalar", ValueError, r"same number of samples"),
    ("create_mini_batches", "Y", "none", ValueError, r"same number of samples"),
    ("lr_range_test", "net", "perceptron", TypeError, r"net must be a NeuralNetwork, got Perceptron"),
    # files: path arguments, damaged network files (no leaked handle: _run_mutation checks), mirrors
    ("read_idx", "path", "int", TypeError, r"path must be a non-empty str or os\.PathLike"),
    ("write_idx", "path", "none", TypeError, r"path must be a non-empty str or os\.PathLike"),
    ("save_network", "path", "int", TypeError, r"path must be a non-empty str or os\.PathLike"),
    ("load_network", "path", "list", TypeError, r"path must be a non-empty str or os\.PathLike"),
    ("load_network", "path", "truncated", ValueError, r"is not an nnbook network file.*truncated or corrupt"),
    ("load_network", "path", "random_bytes", ValueError,
     r"is not an nnbook network file.*(unrecognised binary data|truncated or corrupt)"),
    ("load_network", "path", "flipped", ValueError, r"(not an nnbook network file|corrupt)"),
    ("load_network", "path", "directory", ValueError, r"is not an nnbook network file.*it is a directory"),
    ("download_dataset", "mirrors", "empty", ValueError, r"mirrors is empty; pass at least one base URL"),
    # checkpoints (non-finite parameters, metadata, destinations named as given, foreign files), crafted
    # IDX headers, booleans that are booleans
    ("save_network", "network", "nan_parameter", ValueError, r"holds 1 NaN value; the network diverged or was edited"),
    ("save_network", "network", "inf_parameter", ValueError, r"holds 1 infinite value; .* retrain it"),
    ("save_network", "metadata", "list", TypeError, r"metadata must be a dict describing the training data"),
    ("save_network", "metadata", "nan", ValueError, r"metadata\['lr'\] is not a finite number"),
    ("save_network", "metadata", "object", TypeError, r"metadata\['dataset'\] is not JSON-serialisable"),
    ("save_network", "metadata", "wrong_n_features", ValueError, r"metadata\['n_features'\] is 99 but the network "
                                                                 r"takes 3 inputs"),
    ("save_network", "path", "directory", ValueError, r"^path .*bad_directory_\d+ is a directory; give the path of a "
                                                      r"file in it"),
    ("save_network", "path", "under_a_file", ValueError, r"^path .*file\.npz/net\.npz: .*file\.npz is a file, not a "
                                                         r"folder"),
    ("save_network", "path", "missing_folder", FileNotFoundError, r"^path .*/no_such_folder/net\.npz: the folder "
                                                                  r".*/no_such_folder does not exist"),
    ("check_save_path", "path", "missing_folder", FileNotFoundError, r"the folder .*/no_such_folder does not exist"),
    ("write_idx", "path", "directory", ValueError, r"^path .* is a directory; give the path of a file in it"),
    ("load_network", "path", "npy", ValueError, r"is not an nnbook network file .*: it is a NumPy \.npy file holding "
                                                r"one array of shape \(3, 2\)"),
    ("load_network", "path", "text", ValueError, r"is not an nnbook network file .*: it is a text file"),
    ("load_network", "path", "empty", ValueError, r"is not an nnbook network file .*: it is empty \(0 bytes\)"),
    ("load_network", "path", "object_npz", ValueError, r"its entry 'W1' holds Python objects"),
    ("load_network", "path", "pickle", ValueError, r"it looks like a Python pickle"),
    ("load_network", "path", "nan_network", ValueError, r"parameter W1 holds 1 NaN value; the network had diverged"),
    ("parse_idx", "data", "huge_dims", ValueError, r"the header declares 2147483648×2147483648×4 = "
                                                   r"18,446,744,073,709,551,616 values of 1 byte"),
    ("parse_idx", "data", "max_dims", ValueError, r"the header declares 4294967295×4294967295 = "
                                                  r"18,446,744,065,119,617,025 values of 8 bytes"),
    ("one_hot", "labels", "booleans", TypeError, r"labels are booleans \(True/False\), which are not class labels"),
    ("load_mnist", "normalize", "string_no", TypeError, r"^normalize must be True or False, got str 'no'"),
    ("load_mnist", "one_hot", "int_1", TypeError, r"^one_hot must be True or False, got int 1"),
    ("load_fashion_mnist", "download", "string_False", TypeError, r"^download must be True or False, got str 'False'"),
    ("download_dataset", "progress", "none", TypeError, r"^progress must be True or False, got NoneType None"),
    ("fit", "progress", "string_no", TypeError, r"^progress must be True or False, got str 'no'"),
    ("fit", "restore_best", "int_0", TypeError, r"^restore_best must be True or False, got int 0"),
    ("fit", "blas_threads", "zero", ValueError, r"^blas_threads must be positive, got 0"),
    ("fit", "blas_threads", "string", TypeError, r"^blas_threads must be a positive integer, got '3'"),
    ("plot_confusion_matrix", "normalize", "string_no", TypeError, r"^normalize must be True or False, got str 'no'"),
    ("check_bool", "value", "array", TypeError, r"^flag must be True or False, got ndarray"),
    # plot helpers
    ("plot_losses", "ax", "int", TypeError, r"ax must be a matplotlib Axes .* or None, got int"),
    ("plot_decision_boundary", "ax", "string", TypeError, r"ax must be a matplotlib Axes"),
    ("plot_network", "ax", "int", TypeError, r"ax must be a matplotlib Axes"),
    ("plot_lr_range_test", "ax", "string", TypeError, r"ax must be a matplotlib Axes"),
    ("plot_confusion_matrix", "ax", "int", TypeError, r"ax must be a matplotlib Axes"),
    ("plot_history", "axes", "string", TypeError, r"axes must be a matplotlib Axes"),
    ("show_images", "axes", "int", TypeError, r"axes must be a matplotlib Axes"),
    ("plot_network", "network", "dict", TypeError, r"network must be a NeuralNetwork, got dict"),
    ("plot_network", "x", "nan", ValueError, r"x contains NaN or infinite values"),
    ("plot_network", "x", "strings", TypeError, r"x must be a numeric array"),
    ("plot_network", "max_units", "inf", TypeError, r"max_units must be a positive integer, got inf"),
    ("plot_boundary_grid", "panel_size", "zero", ValueError, r"panel_size must be positive, got 0"),
    ("plot_boundary_grid", "panel_size", "bool", TypeError, r"panel_size must be a positive number, got True"),
    ("plot_decision_boundary", "y", "nan", ValueError, r"y contains NaN or infinite values"),
    ("plot_decision_boundary", "y", "complex", TypeError, r"y must be real-valued"),
    ("plot_decision_boundary", "margin", "negative", ValueError, r"margin must be a finite number >= 0"),
    ("plot_decision_boundary", "margin", "list", TypeError, r"margin must be a number"),
    ("plot_confusion_matrix", "cm", "negative", ValueError, r"cm must hold counts \(non-negative integers\)"),
    ("plot_confusion_matrix", "cm", "objects", TypeError, r"cm must be a numeric array"),
    ("plot_confusion_matrix", "class_names", "wrong_length", ValueError, r"class_names must have one name per class \(3\), got 2"),
    ("show_images", "images", "complex", TypeError, r"images must be real-valued"),
    ("show_images", "images", "nan", ValueError, r"images contains NaN or infinite values"),
    ("show_images", "ncols", "zero", ValueError, r"ncols must be positive, got 0"),
    ("plot_lr_range_test", "result", "empty", TypeError, r"result must be the dict returned by lr_range_test"),
    ("plot_lr_range_test", "result", "nan", ValueError, r"result\['loss'\] contains NaN or infinite values"),
    # the network side: non-finite parameters, booleans only, dtype and softmax messages
    ("NeuralNetwork.predict[non-finite parameters]", "model", "nan_parameter", ValueError,
     r"^[Wb][12] holds 1 non-finite value \(NaN or inf\); the network diverged or was edited\. Retrain it "
     r"\(a smaller learning rate\), or load a good checkpoint\.$"),
    ("NeuralNetwork.predict_proba[non-finite parameters]", "model", "inf_parameter", ValueError,
     r"^[Wb][12] holds 1 non-finite value \(NaN or inf\); the network diverged"),
    ("Perceptron.predict[non-finite weights]", "model", "nan_b", ValueError,
     r"^b is not finite \(b = nan\); the perceptron diverged or was edited\. Fit a new Perceptron, or set w and b "
     r"to finite values\.$"),
    ("Perceptron.decision_function[non-finite weights]", "model", "inf_w", ValueError,
     r"^w holds 1 non-finite value \(NaN or inf\); the perceptron diverged"),
    ("plot_perceptron", "p", "nan_weights", ValueError, r"^w holds 1 non-finite value \(NaN or inf\)"),
    ("NeuralNetwork.forward", "training", "string_no", TypeError, r"^training must be True or False, got str 'no'\.$"),
    ("NeuralNetwork.train", "verbose", "int_1", TypeError, r"^verbose must be True or False, got int 1\.$"),
    ("NeuralNetwork.train_minibatch", "progress", "string_False", TypeError,
     r"^progress must be True or False, got str 'False'\.$"),
    ("check_shapes", "verbose", "none", TypeError, r"^verbose must be True or False, got NoneType None\.$"),
    ("plot_network", "show_weights", "string_no", TypeError, r"^show_weights must be True or False"),
    ("plot_decision_boundary", "colorbar", "int_0", TypeError, r"^colorbar must be True or False, got int 0\.$"),
    ("plot_losses", "log", "string_no", TypeError, r"^log must be True or False"),
    ("gradient_check", "verbose", "string_no", TypeError, r"^verbose must be True or False"),
    ("Perceptron.fit", "trace", "string_no", TypeError, r"^trace must be True or False"),
    ("plot_perceptron", "shade", "string_no", TypeError, r"^shade must be True or False"),
    ("NeuralNetwork", "dtype", "unknown", TypeError,
     r"^dtype must be a floating type such as 'float32' or 'float64', got 'no_such_dtype'"),
]


if "fifo" in PATH_OUT:
    REGRESSIONS.append(("save_network", "path", "fifo", ValueError, r"pipe exists and is not a regular file"))
if "proc" in PATH_OUT:
    REGRESSIONS.append(("save_network", "path", "proc", OSError,
                        r"^path /proc/nnbook-fuzz\.npz: a file cannot be written there: the folder /proc does not "
                        r"accept new files"))


@pytest.mark.parametrize("name, arg, mutation, exc, pattern", REGRESSIONS,
                         ids=[f"{n}:{a}:{m}" for n, a, m, _, _ in REGRESSIONS])
def test_fixed_defect_stays_fixed(name, arg, mutation, exc, pattern):
    """The sweep's criteria hold (nnbook's own error, no warning, no leaked file handle, state unchanged) and
    the error is the promised one: its type, the argument's name, what was expected and what was received."""
    assert _known(name, arg, mutation) is None, "a fixed case must not be listed in KNOWN_DEFECTS"
    assert _run_mutation(name, arg, mutation, seed=0) is None
    case = SPECS[name]()
    bad = _mutations(case, arg)[mutation](case.kwargs.get(arg), case.ctx, np.random.default_rng(0))
    with pytest.raises(exc, match=pattern):
        _call(case, {**case.kwargs, arg: bad})


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gelu_of_infinity_is_its_limit(dtype):
    """gelu(-inf) was -inf * 0 = NaN with a RuntimeWarning; the limits are 0 and +inf, and finite values are
    unchanged by the fix (below -10 the bracket 1 + tanh(...) is exactly 0)."""
    Z = np.array([-np.inf, -1e30, -11.0, -10.0, -3.0, 0.0, 2.0, np.inf], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nnbook.gelu(Z)
    assert out.dtype == dtype
    assert out[0] == 0 and out[1] == 0 and out[2] == 0 and out[-1] == np.inf
    finite = Z[2:-1].astype(np.float64)
    c = np.sqrt(2 / np.pi)
    np.testing.assert_allclose(out[2:-1], 0.5 * finite * (1 + np.tanh(c * (finite + 0.044715 * finite ** 3))),
                               rtol=1e-14, atol=1e-6 if dtype == np.float32 else 1e-30)
