"""Checkpoints and the files around them (nnbook.mnist, §3.7, and the atomic writes of nnbook.utils).

- save_network refuses non-finite parameters (naming the parameter); load_network refuses a file holding them.
- Save errors name the destination the user gave, never the hidden temporary file (check_save_path).
- A save killed with SIGKILL leaves no temporary file that the next save or load into that folder keeps.
- Boolean parameters of nnbook.mnist accept True/False (and NumPy booleans) only.
- parse_idx computes the size announced by a crafted header without overflow, and refuses it itself.
- load_network says what a foreign file is (text, .npy, directory, ...) without NumPy's allow_pickle advice.
- Checkpoints record a metadata dict (the dataset); version-1 files load with metadata {}.
- one_hot refuses booleans as class labels; fit(blas_threads=n) limits the BLAS threads for the call.
"""
import errno
import json
import os
import signal
import stat
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import nnbook
from nnbook import mnist as M

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NNBOOK_DATA") or REPO.parent / "shared" / "data")
HAVE_MNIST = (SHARED / "mnist" / "train-images-idx3-ubyte.gz").is_file()
needs_mnist = pytest.mark.skipif(not HAVE_MNIST, reason=f"MNIST files not found under {SHARED}")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _net(seed=0):
    return nnbook.NeuralNetwork([4, 3, 2], output_activation="softmax", seed=seed)


def _contents(path):
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def _files(folder):
    return sorted(p.name for p in Path(folder).iterdir())


# ============================================================== 1. non-finite parameters
@pytest.mark.parametrize("key, value, what", [("W2", np.nan, "1 NaN value"), ("b1", np.inf, "1 infinite value"),
                                              ("W1", -np.inf, "1 infinite value")])
def test_save_refuses_non_finite_parameters_naming_them(tmp_path, key, value, what):
    net = _net()
    net.parameters[key].flat[0] = value
    with pytest.raises(ValueError) as info:
        nnbook.save_network(net, tmp_path / "net.npz")
    msg = str(info.value)
    assert f"{key} holds {what}" in msg
    assert "diverged" in msg and "retrain" in msg and "net.npz" in msg
    assert _files(tmp_path) == []                                 # nothing written, not even a temporary


def test_save_counts_every_non_finite_value(tmp_path):
    net = _net()
    net.parameters["W1"][:2, 0] = np.nan
    net.parameters["W1"][0, 1] = np.inf
    with pytest.raises(ValueError, match=r"W1 holds 2 NaN and 1 infinite values"):
        nnbook.save_network(net, tmp_path / "net.npz")


def test_load_refuses_a_file_holding_non_finite_parameters(tmp_path):
    path = nnbook.save_network(_net(), tmp_path / "net.npz")
    contents = _contents(path)
    contents["b2"] = contents["b2"].copy()
    contents["b2"][1, 0] = np.nan
    bad = tmp_path / "diverged.npz"
    np.savez(bad, **contents)
    with pytest.raises(ValueError) as info:
        nnbook.load_network(bad)
    msg = str(info.value)
    assert str(bad) in msg and "b2 holds 1 NaN value" in msg and "retrain" in msg


# ============================================================== 3. errors name the destination
def _assert_names_destination(info, shown):
    msg = str(info.value)
    assert shown in msg, msg
    assert ".part" not in msg and ".nnbook" not in msg, msg


def test_save_onto_a_directory_names_it(tmp_path):
    d = tmp_path / "models"
    d.mkdir()
    with pytest.raises(ValueError) as info:
        nnbook.save_network(_net(), d)
    _assert_names_destination(info, str(d))
    assert "is a directory" in str(info.value) and str(d / "network.npz") in str(info.value)
    assert _files(d) == [] and _files(tmp_path) == ["models"]


def test_save_under_a_file_names_the_file(tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    dest = f / "net.npz"
    with pytest.raises(ValueError) as info:
        nnbook.save_network(_net(), dest)
    _assert_names_destination(info, str(dest))
    assert f"{f} is a file, not a folder" in str(info.value)
    deeper = f / "sub" / "net.npz"
    with pytest.raises(ValueError, match="is a file, not a folder"):
        nnbook.save_network(_net(), deeper)


def test_save_into_a_missing_folder_names_it(tmp_path):
    dest = tmp_path / "nowhere" / "net.npz"
    with pytest.raises(FileNotFoundError) as info:
        nnbook.save_network(_net(), dest)
    _assert_names_destination(info, str(dest))
    assert f"the folder {tmp_path / 'nowhere'} does not exist" in str(info.value)
    assert not (tmp_path / "nowhere").exists()


def test_save_into_an_unwritable_folder_names_it(tmp_path, monkeypatch):
    """As root every folder is writable (access() says so), so the refusal is simulated here; the real
    chmod case runs below when the tests do not run as root."""
    dest = tmp_path / "net.npz"
    real = os.access
    monkeypatch.setattr(M.os, "access", lambda p, mode, **kw: False if Path(p) == tmp_path else real(p, mode, **kw))
    with pytest.raises(PermissionError) as info:
        nnbook.save_network(_net(), dest)
    _assert_names_destination(info, str(dest))
    assert "cannot write to the folder" in str(info.value)


@pytest.mark.skipif(IS_ROOT or os.name != "posix", reason="root may write anywhere; POSIX permissions")
def test_save_into_a_read_only_folder_really(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(PermissionError) as info:
            nnbook.save_network(_net(), ro / "net.npz")
        _assert_names_destination(info, str(ro / "net.npz"))
    finally:
        ro.chmod(0o755)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="Linux /proc")
def test_save_into_proc_names_the_destination():
    """/proc passes every check (root may write there, it is a folder) and refuses the file itself: the
    error of the write is re-raised with the user's path, not the temporary file's."""
    with pytest.raises(OSError) as info:
        nnbook.save_network(_net(), "/proc/x.npz")
    _assert_names_destination(info, "/proc/x.npz")
    assert str(info.value).startswith("path /proc/x.npz: a file cannot be written there: the folder /proc does "
                                      "not accept new files")
    with pytest.raises(OSError) as info:                                   # before any long work (the CLI)
        nnbook.check_save_path("/proc/x.npz", "--save")
    assert str(info.value).startswith("--save /proc/x.npz: a file cannot be written there")
    assert "Nothing was written" not in str(info.value)                    # nothing was going to be, yet


def test_a_failed_write_names_the_destination_and_keeps_errno(tmp_path, monkeypatch):
    def full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(M.os, "fsync", full_disk)
    dest = tmp_path / "net.npz"
    with pytest.raises(OSError) as info:
        nnbook.save_network(_net(), dest)
    _assert_names_destination(info, str(dest))
    assert "No space left on device" in str(info.value) and info.value.errno == errno.ENOSPC
    assert _files(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX fifo")
def test_save_refuses_a_special_file(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"pipe exists and is not a regular file"):
        nnbook.save_network(_net(), fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_check_save_path(tmp_path):
    assert M.check_save_path(str(tmp_path / "a.npz")) == tmp_path / "a.npz"
    assert nnbook.check_save_path is M.check_save_path
    (tmp_path / "a.npz").write_bytes(b"old")                     # an existing file may be replaced
    assert M.check_save_path(tmp_path / "a.npz", "--save") == tmp_path / "a.npz"
    with pytest.raises(ValueError, match=r"--save .* is a directory"):
        M.check_save_path(str(tmp_path), "--save")
    given = str(tmp_path) + "/./sub/../missing/x.npz"           # named as given, not normalised by pathlib
    with pytest.raises(FileNotFoundError) as info:
        M.check_save_path(given, "--save")
    assert given in str(info.value)
    with pytest.raises(TypeError, match="path must be a non-empty str"):
        M.check_save_path(3)


def test_write_idx_names_its_destination_too(tmp_path):
    """The data cache's writer shares the checks (it creates missing folders, as before)."""
    arr = np.zeros((2, 3), np.uint8)
    with pytest.raises(ValueError, match=rf"^path {tmp_path} is a directory"):
        nnbook.write_idx(tmp_path, arr)
    (tmp_path / "f").write_text("x")
    with pytest.raises(ValueError, match=r"f is a file, not a folder") as info:
        nnbook.write_idx(tmp_path / "f" / "x.idx", arr)
    _assert_names_destination(info, str(tmp_path / "f" / "x.idx"))
    assert nnbook.write_idx(tmp_path / "new" / "x.idx", arr).is_file()


# ============================================================== 4. no orphaned temporaries
_HOLDER = textwrap.dedent("""
    import os, sys, time
    import nnbook
    import nnbook.mnist as M
    path = sys.argv[1]

    def hold(fd):                      # the temporary file is written; wait here to be killed
        print("holding", flush=True)
        time.sleep(120)
    M.os.fsync = hold
    nnbook.save_network(nnbook.NeuralNetwork([30, 20, 3], seed=0), path)
""")


def _start_holder(path):
    """A process stopped inside save_network(…, path), after its temporary file is written."""
    p = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "holding", p.stderr.read()
    return p


def _kill(p):
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=30)


def _parts(folder):
    return [n for n in _files(folder) if n.endswith(".part")]


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
@pytest.mark.parametrize("then", ["save", "load"])
def test_a_save_killed_by_sigkill_leaves_no_orphan_after_the_next_save_or_load(tmp_path, then):
    path = tmp_path / "net.npz"
    nnbook.save_network(_net(), path)
    _kill(_start_holder(path))
    first = _parts(tmp_path)
    assert len(first) == 1                                       # the kill really left one behind
    _kill(_start_holder(path))                                   # the killed save removed it, left its own
    second = _parts(tmp_path)
    assert len(second) == 1 and second != first                  # they do not accumulate
    if then == "save":
        nnbook.save_network(_net(1), path)
    else:
        nnbook.load_network(path)
    assert _files(tmp_path) == ["net.npz"]


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_live_save_keeps_its_temporary_and_other_destinations_are_left_alone(tmp_path):
    path, other = tmp_path / "net.npz", tmp_path / "other.npz"
    orphan_of_other = _start_holder(other)
    _kill(orphan_of_other)                                       # a dead save of *another* destination
    live = _start_holder(path)                                   # a save in progress of this destination
    try:
        before = set(_parts(tmp_path))
        assert len(before) == 2
        nnbook.save_network(_net(), path)
        nnbook.load_network(path)
        assert set(_parts(tmp_path)) == before                   # neither is this save's business
    finally:
        _kill(live)
    nnbook.save_network(_net(), other)                           # the next save of `other` cleans up both
    nnbook.save_network(_net(), path)
    assert _files(tmp_path) == ["net.npz", "other.npz"]


def test_day_old_temporaries_are_removed_whatever_wrote_them(tmp_path):
    """A temporary from another machine (a shared folder) or from nnbook 0.1 (no pid in its name) cannot be
    checked for a live writer: it is removed once it is a day old, never sooner."""
    names = [".net.npz.nnbook-00000000-1-abcdefgh.part", ".net.npz.k2j4h5g6.part"]
    for n in names:
        (tmp_path / n).write_bytes(b"partial")
    young = [".net.npz.nnbook-00000000-2-abcdefgh.part", ".net.npz.a1b2c3d4.part"]
    for n in young:
        (tmp_path / n).write_bytes(b"partial")
    (tmp_path / ".other.npz.k2j4h5g6.part").write_bytes(b"partial")           # another destination
    (tmp_path / "notes.part").write_bytes(b"mine")                             # not nnbook's
    old = time.time() - 2 * 24 * 3600
    for n in names + [".other.npz.k2j4h5g6.part", "notes.part"]:
        os.utime(tmp_path / n, (old, old))
    nnbook.save_network(_net(), tmp_path / "net.npz")
    assert _files(tmp_path) == sorted(young + [".other.npz.k2j4h5g6.part", "net.npz", "notes.part"])


def test_temporary_names_carry_the_destination_and_the_pid(tmp_path, monkeypatch):
    seen = []
    real = os.replace

    def spy(src, dst):
        seen.append(Path(src).name)
        return real(src, dst)
    monkeypatch.setattr(M.os, "replace", spy)
    nnbook.save_network(_net(), tmp_path / "net.npz")
    assert len(seen) == 1 and seen[0].startswith(".net.npz.nnbook-") and seen[0].endswith(".part")
    assert f"-{os.getpid()}-" in seen[0]


# ============================================================== 6. booleans only
@pytest.mark.parametrize("call, name", [
    (lambda d: nnbook.load_mnist(d, normalize="no", download=False), "normalize"),
    (lambda d: nnbook.load_mnist(d, flatten="False", download=False), "flatten"),
    (lambda d: nnbook.load_mnist(d, one_hot=1, download=False), "one_hot"),
    (lambda d: nnbook.load_mnist(d, download="no"), "download"),
    (lambda d: nnbook.load_fashion_mnist(d, normalize="no", download=False), "normalize"),
    (lambda d: nnbook.load_fashion_mnist(d, download="False"), "download"),
    (lambda d: nnbook.download_dataset("mnist", d, progress="no", opener=lambda *a, **k: 1 / 0), "progress"),
    (lambda d: nnbook.plot_confusion_matrix(np.eye(2, dtype=int), normalize="yes"), "normalize"),
])
def test_boolean_parameters_refuse_other_values(tmp_path, call, name):
    with pytest.raises(TypeError, match=rf"^{name} must be True or False, got (str|int) "):
        call(tmp_path)
    assert _files(tmp_path) == []                                # nothing was downloaded or written


@pytest.mark.parametrize("kw", [{"progress": "no"}, {"restore_best": "False"}, {"progress": None},
                                {"restore_best": 0}])
def test_fit_boolean_parameters_refuse_other_values(kw):
    net = _net()
    before = {k: P.copy() for k, P in net.parameters.items()}
    X, y = np.random.default_rng(0).standard_normal((4, 10)), np.arange(10) % 2
    (name, value), = kw.items()
    with pytest.raises(TypeError, match=rf"{name} must be True or False, got {type(value).__name__} {value!r}"):
        nnbook.fit(net, X, y, X, y, epochs=1, **kw)
    assert all(np.array_equal(before[k], net.parameters[k]) for k in before)   # refused before training


@needs_mnist
def test_numpy_booleans_are_booleans():
    (X, _), _ = nnbook.load_mnist(SHARED, normalize=np.bool_(False), download=np.False_)
    assert X.max() == 255


# ============================================================== 7. crafted IDX headers
def test_idx_header_of_2_to_the_64_bytes_is_refused_by_nnbook():
    data = bytes([0, 0, 8, 3]) + struct.pack(">3I", 2**31, 2**31, 4)
    with pytest.raises(ValueError) as info:
        nnbook.parse_idx(data, "crafted.idx")
    msg = str(info.value)
    assert msg.startswith("crafted.idx: the header declares 2147483648×2147483648×4 = 18,446,744,073,709,551,616 ")
    assert "but the file holds 0 bytes of data" in msg and "truncated or not an IDX file" in msg
    assert "reshape" not in msg


def test_idx_header_with_the_largest_dims_gives_a_positive_size():
    data = bytes([0, 0, 0x0E, 2]) + struct.pack(">2I", 2**32 - 1, 2**32 - 1) + bytes(4)
    with pytest.raises(ValueError) as info:
        nnbook.parse_idx(data)
    msg = str(info.value)
    n = (2**32 - 1) ** 2
    assert f"4294967295×4294967295 = {n:,} values of 8 bytes ({8 * n:,} bytes of data)" in msg
    assert "holds 4 bytes of data" in msg and "-" not in msg.split("bytes")[0]


def test_idx_padded_file_is_still_called_corrupt():
    data = bytes([0, 0, 8, 1]) + struct.pack(">I", 3) + bytes(5)
    with pytest.raises(ValueError, match=r"declares 3 = 3 values of 1 byte \(3 bytes of data\) but the file holds "
                                         r"5 bytes of data; the file is corrupt"):
        nnbook.parse_idx(data, "x")


# ============================================================== 8. foreign files
NUMPY_ADVICE = ("allow_pickle", "pickle.load", "context manager", "trust the file")


def _foreign(tmp_path, kind):
    p = tmp_path / {"text": "notes.txt", "npy": "array.npy", "directory": "models", "empty": "empty.npz",
                    "gzip": "data.gz", "object_npz": "objects.npz", "idx": "images.idx",
                    "pickle": "net.pkl", "binary": "blob.bin"}[kind]
    if kind == "text":
        p.write_text("hello, these are my notes\n")
    elif kind == "npy":
        np.save(p, np.zeros((3, 2)))
    elif kind == "directory":
        p.mkdir()
    elif kind == "empty":
        p.write_bytes(b"")
    elif kind == "gzip":
        import gzip
        p.write_bytes(gzip.compress(b"abc"))
    elif kind == "object_npz":
        np.savez(p, W1=np.array([{"a": 1}], dtype=object))
    elif kind == "idx":
        nnbook.write_idx(p, np.zeros((2, 3), np.uint8))
    elif kind == "pickle":
        import pickle
        p.write_bytes(pickle.dumps({"W1": [1, 2]}))
    elif kind == "binary":
        p.write_bytes(bytes(range(200, 256)) * 3)
    return p


@pytest.mark.parametrize("kind, says", [
    ("text", "it is a text file"), ("npy", "it is a NumPy .npy file holding one array of shape (3, 2)"),
    ("directory", "it is a directory"), ("empty", "it is empty (0 bytes)"), ("gzip", "gzip-compressed"),
    ("object_npz", "holds Python objects"), ("idx", "an IDX data file"), ("pickle", "a Python pickle"),
    ("binary", "unrecognised binary data")])
def test_foreign_files_say_what_they_are(tmp_path, kind, says):
    p = _foreign(tmp_path, kind)
    with pytest.raises(ValueError) as info:
        nnbook.load_network(p)
    msg = str(info.value)
    assert msg.startswith(f"{p} is not an nnbook network file"), msg
    assert says in msg, msg
    assert not any(a in msg for a in NUMPY_ADVICE), msg
    assert "save_network" in msg


# ============================================================== 9. metadata
META = {"dataset": "mnist", "n_features": 4, "preprocessing": "pixels / 255"}


def test_checkpoint_records_its_metadata(tmp_path):
    path = nnbook.save_network(_net(), tmp_path / "net.npz", metadata=META)
    again = nnbook.load_network(path)
    assert again.metadata == META
    assert again.metadata is not META
    resaved = nnbook.load_network(nnbook.save_network(again, tmp_path / "copy.npz"))
    assert resaved.metadata == META                              # metadata=None keeps the network's own


def test_checkpoint_without_metadata_loads_with_an_empty_dict(tmp_path):
    net = _net()
    net.__dict__.pop("metadata", None)                           # a network from before the attribute existed
    again = nnbook.load_network(nnbook.save_network(net, tmp_path / "net.npz"))
    assert again.metadata == {}


def test_version_1_files_still_load(tmp_path):
    """The file layout of nnbook 0.1 (format version 1, no metadata entry), written by hand."""
    net = _net()
    config = dict(layer_sizes=net.layer_sizes, hidden_activation=net.hidden_activation,
                  output_activation=net.output_activation, init=net.init, dtype=net.dtype.name,
                  dropout=net.dropout)
    p = tmp_path / "v1.npz"
    np.savez(p, __format__=np.array("nnbook.NeuralNetwork"), __version__=np.array(1),
             config=np.array(json.dumps(config)), **net.parameters)
    again = nnbook.load_network(p)
    assert again.metadata == {}
    assert all(np.array_equal(again.parameters[k], net.parameters[k]) for k in net.parameters)


@pytest.mark.parametrize("metadata, exc, pattern", [
    (["mnist"], TypeError, r"metadata must be a dict .* got list"),
    ({"dataset": object()}, TypeError, r"metadata\['dataset'\] is not JSON-serialisable"),
    ({1: "mnist"}, TypeError, r"metadata keys must be strings, got 1"),
    ({"lr": float("nan")}, ValueError, r"metadata\['lr'\] is not a finite number"),
    ({"n_features": 784}, ValueError, r"metadata\['n_features'\] is 784 but the network takes 4 inputs"),
])
def test_metadata_is_checked(tmp_path, metadata, exc, pattern):
    with pytest.raises(exc, match=pattern):
        nnbook.save_network(_net(), tmp_path / "net.npz", metadata=metadata)
    assert _files(tmp_path) == []


def test_corrupt_metadata_entry_is_refused(tmp_path):
    path = nnbook.save_network(_net(), tmp_path / "net.npz", metadata=META)
    contents = _contents(path)
    key = next(k for k in contents if "metadata" in k)
    contents[key] = np.array("[1, 2")
    np.savez(tmp_path / "bad.npz", **contents)
    with pytest.raises(ValueError, match=r"bad\.npz is a corrupt nnbook network file.*metadata"):
        nnbook.load_network(tmp_path / "bad.npz")


# ============================================================== 11. one_hot and booleans
def test_one_hot_refuses_booleans_as_class_labels():
    with pytest.raises(TypeError) as info:
        nnbook.one_hot([True, False])
    msg = str(info.value)
    assert "booleans" in msg and "not class labels" in msg and "astype(int)" in msg
    assert "non-integer" not in msg


# ============================================================== 12. BLAS threads
def _blas_threads():
    from threadpoolctl import threadpool_info
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def _fit(**kw):
    X, y = np.random.default_rng(0).standard_normal((4, 20)), np.arange(20) % 2
    return nnbook.fit(_net(), X, y, X, y, epochs=2, batch_size=5, progress=False, **kw)


def test_fit_limits_blas_threads_during_the_call():
    if not _blas_threads():
        pytest.skip("no BLAS library that threadpoolctl can see")
    seen = []

    def schedule(lr, epoch):                                     # runs inside the epoch loop
        seen.append(_blas_threads())
        return lr
    outside = _blas_threads()
    _fit(blas_threads=1, schedule=schedule)
    assert seen and all(t == [1] * len(t) for t in seen)
    assert _blas_threads() == outside                            # restored after the call
    seen.clear()
    _fit(schedule=schedule)                                      # None: left as it is
    assert seen and all(t == outside for t in seen)
    assert "blas_threads" in nnbook.fit.__doc__


@pytest.mark.parametrize("value, exc", [("1", TypeError), (0, ValueError), (True, TypeError), (1.5, TypeError)])
def test_fit_blas_threads_is_checked(value, exc):
    with pytest.raises(exc, match="blas_threads must be (a )?positive"):
        _fit(blas_threads=value)


def test_fit_blas_threads_without_threadpoolctl(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)      # import threadpoolctl now fails
    with pytest.raises(ImportError, match=r"blas_threads=2 needs the package threadpoolctl.*pip install "
                                          r"threadpoolctl.*blas_threads=None"):
        _fit(blas_threads=2)
    assert len(_fit()) == 2                                      # the default needs nothing
