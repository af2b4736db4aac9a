"""Tests of nnbook.mnist (§3.7): IDX loader, downloads, training utilities, save/load.

The loader tests never touch the network: downloads go through fake openers, and the real files are
read from the shared data folder (NNBOOK_DATA, or ../shared/data next to the repository).
"""
import gzip
import hashlib
import io
import os
import stat
import struct
from pathlib import Path

import numpy as np
import pytest

import nnbook
from nnbook import mnist as M

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NNBOOK_DATA") or REPO.parent / "shared" / "data")
HAVE_MNIST = (SHARED / "mnist" / "train-images-idx3-ubyte.gz").is_file()
needs_mnist = pytest.mark.skipif(not HAVE_MNIST, reason=f"MNIST files not found under {SHARED}")
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


@pytest.fixture(autouse=True, scope="module")
def _single_thread_blas():
    """Small matrix products are fastest single-threaded (and stable on a busy machine)."""
    from threadpoolctl import threadpool_limits
    with threadpool_limits(1):
        yield


def idx_bytes(arr: np.ndarray, code: int) -> bytes:
    """An IDX file written by hand (independent of nnbook.write_idx): magic, big-endian sizes, data."""
    return (bytes([0, 0, code, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
            + arr.astype(arr.dtype.newbyteorder(">")).tobytes())


# ---------------------------------------------------------------------------------------------- IDX
@pytest.mark.parametrize("dtype,code", [(np.uint8, 0x08), (np.int8, 0x09), (np.int16, 0x0B),
                                        (np.int32, 0x0C), (np.float32, 0x0D), (np.float64, 0x0E)])
def test_parse_idx_reads_handwritten_files(dtype, code):
    a = (np.arange(2 * 3 * 5) - 7).astype(dtype).reshape(2, 3, 5)
    if dtype == np.uint8:
        a = np.arange(30, dtype=np.uint8).reshape(2, 3, 5)
    b = M.parse_idx(idx_bytes(a, code))
    assert b.dtype == np.dtype(dtype) and b.shape == (2, 3, 5) and np.array_equal(a, b)
    assert b.flags.writeable and b.dtype.isnative


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_write_read_roundtrip(tmp_path, suffix):
    rng = np.random.default_rng(0)
    for a in (rng.integers(0, 256, (4, 28, 28)).astype(np.uint8), rng.standard_normal((3, 2)),
              np.arange(7, dtype=np.int32)):
        p = nnbook.write_idx(tmp_path / f"x{suffix}", a)
        raw = p.read_bytes()
        assert (raw[:2] == b"\x1f\x8b") == (suffix == ".gz")
        plain = gzip.decompress(raw) if suffix else raw
        assert plain == idx_bytes(a, {np.uint8: 8, np.float64: 0x0E, np.int32: 0x0C}[a.dtype.type])
        b = nnbook.read_idx(p)
        assert b.dtype == a.dtype and np.array_equal(a, b)
    assert [f.name for f in tmp_path.iterdir()] == [f"x{suffix}"]          # no temporary files left


def test_write_idx_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(TypeError, match="IDX cannot store"):
        nnbook.write_idx(tmp_path / "x", np.zeros(3, dtype=np.complex64))
    with pytest.raises(ValueError, match="1 to 255 dimensions"):
        nnbook.write_idx(tmp_path / "x", np.float32(1.0))


def test_wrong_magic_number_names_the_file(tmp_path):
    p = tmp_path / "bad-idx1-ubyte"
    p.write_bytes(b"\x00\x00\x07\x01" + struct.pack(">I", 3) + b"abc")     # 0x07 is not a type code
    with pytest.raises(ValueError, match=r"bad-idx1-ubyte.*magic number 0x00000701.*not an IDX"):
        nnbook.read_idx(p)
    p.write_bytes(b"PK\x03\x04" + b"\x00" * 20)                              # a zip file, say
    with pytest.raises(ValueError, match="not an IDX"):
        nnbook.read_idx(p)


@pytest.mark.parametrize("cut", [2, 6, 10, 40])
def test_truncated_file_is_reported(tmp_path, cut):
    full = idx_bytes(np.arange(48, dtype=np.uint8).reshape(3, 4, 4), 8)     # 16 + 48 bytes
    p = tmp_path / "short-idx3-ubyte"
    p.write_bytes(full[:cut])
    with pytest.raises(ValueError, match=r"short-idx3-ubyte.*truncated"):
        nnbook.read_idx(p)


def test_truncated_gzip_is_reported(tmp_path):
    data = gzip.compress(idx_bytes(np.arange(1000, dtype=np.uint8), 8))
    p = tmp_path / "labels.gz"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"labels.gz.*corrupt or truncated gzip"):
        nnbook.read_idx(p)


def test_parse_idx_type_error():
    with pytest.raises(TypeError, match="data must be bytes"):
        nnbook.parse_idx("00000801")


# ------------------------------------------------------------------------------- data directory
def test_get_data_dir_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("NNBOOK_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert nnbook.get_data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert nnbook.get_data_dir() == tmp_path / "env"
    monkeypatch.delenv("NNBOOK_DATA")
    if os.name != "nt":
        assert nnbook.get_data_dir() == tmp_path / "xdg" / "nnbook"
        monkeypatch.delenv("XDG_CACHE_HOME")
        assert nnbook.get_data_dir() == Path.home() / ".cache" / "nnbook"
    with pytest.raises(TypeError, match="data_dir must be a path"):
        nnbook.get_data_dir(3)


def test_missing_files_offline_error_says_where_and_how(tmp_path, monkeypatch):
    monkeypatch.delenv("NNBOOK_DATA", raising=False)
    with pytest.raises(FileNotFoundError) as e:
        nnbook.load_mnist(tmp_path, download=False)
    msg = str(e.value)
    assert str(tmp_path / "mnist") in msg and "train-images-idx3-ubyte" in msg
    assert "NNBOOK_DATA" in msg and "download=True" in msg


def test_display_dir_names_folders_as_a_reader_writes_them(monkeypatch, tmp_path):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("NNBOOK_DATA", str(tmp_path / "data"))
    assert M._display_dir(tmp_path / "data" / "fashion-mnist") == "$NNBOOK_DATA/fashion-mnist"
    assert M._display_dir(tmp_path / "data") == "$NNBOOK_DATA"
    assert M._display_dir(home / ".cache" / "nnbook" / "mnist") == "~/.cache/nnbook/mnist"
    assert M._display_dir("/usr/share/datasets/fashion-mnist") == "/usr/share/datasets/fashion-mnist"
    assert M._display_dir(Path("data") / "mnist") == str(Path("data") / "mnist")     # relative: as given
    monkeypatch.setenv("NNBOOK_DATA", str(home / "datasets"))                   # under home: $NNBOOK_DATA wins
    assert M._display_dir(home / "datasets" / "mnist") == "$NNBOOK_DATA/mnist"
    monkeypatch.setenv("NNBOOK_DATA", "~/datasets")                             # expanded like get_data_dir
    assert M._display_dir(home / "datasets" / "mnist") == "$NNBOOK_DATA/mnist"
    monkeypatch.delenv("NNBOOK_DATA")
    assert M._display_dir(home / "datasets" / "mnist") == "~/datasets/mnist"
    assert M._display_dir(tmp_path / "elsewhere") == str(tmp_path / "elsewhere")


def test_missing_files_error_shows_no_machine_path(monkeypatch, tmp_path):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("NNBOOK_DATA", str(tmp_path / "data"))
    with pytest.raises(FileNotFoundError) as e:
        nnbook.load_fashion_mnist(download=False)
    msg = str(e.value)
    assert "Looked in: $NNBOOK_DATA/fashion-mnist" in msg
    assert "Fix: put the four files in $NNBOOK_DATA/fashion-mnist," in msg and str(tmp_path) not in msg
    monkeypatch.delenv("NNBOOK_DATA")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    with pytest.raises(FileNotFoundError) as e:
        nnbook.load_mnist(download=False)
    assert "Looked in: ~/.cache/nnbook/mnist." in str(e.value) and str(tmp_path) not in str(e.value)


def test_download_failure_names_the_folder_as_a_reader_writes_it(monkeypatch, tmp_path):
    monkeypatch.setenv("NNBOOK_DATA", str(tmp_path))
    def offline(url, timeout):
        raise OSError("no network")
    with pytest.raises(OSError) as e:
        nnbook.download_dataset("mnist", opener=offline, mirrors=["https://nowhere/"], progress=False)
    assert "Place the file in $NNBOOK_DATA/mnist by hand" in str(e.value) and str(tmp_path) not in str(e.value)


def test_unknown_dataset_and_dtype():
    with pytest.raises(ValueError, match="Unknown dataset 'cifar'"):
        nnbook.download_dataset("cifar", "/nonexistent", opener=lambda url, timeout: None)
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        nnbook.load_mnist("/nonexistent", download=False, dtype=np.int32)


# ---------------------------------------------------------------------- a tiny registered dataset
def tiny_files(n=5, seed=0):
    """Four small IDX payloads (decompressed) shaped like MNIST: images (n, 28, 28), labels (n,)."""
    rng = np.random.default_rng(seed)
    return {"train-images-idx3-ubyte": idx_bytes(rng.integers(0, 256, (n, 28, 28)).astype(np.uint8), 8),
            "train-labels-idx1-ubyte": idx_bytes((np.arange(n) % 10).astype(np.uint8), 8),
            "t10k-images-idx3-ubyte": idx_bytes(rng.integers(0, 256, (2, 28, 28)).astype(np.uint8), 8),
            "t10k-labels-idx1-ubyte": idx_bytes(np.array([3, 7], np.uint8), 8)}


@pytest.fixture
def tiny(monkeypatch, tmp_path):
    """Register a dataset 'tiny' whose official checksums are those of `tiny_files()`."""
    files = tiny_files()
    roles = ["train_images", "train_labels", "test_images", "test_labels"]
    spec = M._IDXDataset("Tiny", "tiny", {r: (f, hashlib.md5(files[f]).hexdigest()) for r, f in zip(roles, files)},
                         ("https://mirror-a/", "https://mirror-b/"), (str(tmp_path / "system"),))
    monkeypatch.setitem(M._DATASETS, "tiny", spec)
    monkeypatch.setattr(M, "_VERIFIED", {})
    return files


def serve(files, broken=(), truncate=(), interrupt=()):
    """A fake `urlopen`: per mirror prefix, serve good bytes, corrupt bytes, a short body or a dropped connection."""
    calls = []

    class Response(io.BytesIO):
        def __init__(self, data, length=None, fail_after=None):
            super().__init__(data)
            self.headers = {"Content-Length": str(length if length is not None else len(data))}
            self.fail_after = fail_after

        def read(self, n=-1):
            if self.fail_after is not None and self.tell() >= self.fail_after:
                raise ConnectionResetError("connection reset by peer")
            return super().read(n if self.fail_after is None else min(n, 10))

    def opener(url, timeout):
        calls.append(url)
        name = url.rsplit("/", 1)[-1].removesuffix(".gz")
        good = gzip.compress(files[name])
        if url.startswith(broken):
            return Response(gzip.compress(files[name][:-1] + b"\x01"))     # valid gzip, wrong content
        if url.startswith(truncate):
            return Response(good[: len(good) // 2], length=len(good))      # server closed early
        if url.startswith(interrupt):
            return Response(good, fail_after=len(good) // 3)
        return Response(good)
    opener.calls = calls
    return opener


def test_download_falls_back_to_next_mirror_and_verifies(tiny, tmp_path):
    opener = serve(tiny, broken=("https://mirror-a/",))
    folder = nnbook.download_dataset("tiny", tmp_path, opener=opener, progress=False)
    assert folder == tmp_path / "tiny"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f + ".gz" for f in tiny)
    assert len(opener.calls) == 8                                       # each file: a (corrupt), then b
    for f, payload in tiny.items():
        assert gzip.decompress((folder / f"{f}.gz").read_bytes()) == payload
    (X, y), (Xt, yt) = M._load_idx_dataset("tiny", tmp_path, True, True, False, False, np.float32)
    assert X.shape == (5, 784) and X.dtype == np.float32 and y.tolist() == [0, 1, 2, 3, 4]
    assert yt.tolist() == [3, 7]
    # a second call finds everything and downloads nothing
    again = serve(tiny)
    nnbook.download_dataset("tiny", tmp_path, opener=again, progress=False)
    assert again.calls == []


@pytest.mark.parametrize("kind", ["broken", "truncate", "interrupt"])
def test_failed_download_leaves_no_file(tiny, tmp_path, kind):
    opener = serve(tiny, **{kind: ("https://",)})
    with pytest.raises(OSError, match=r"Could not download Tiny file train-images-idx3-ubyte from any mirror") as e:
        nnbook.download_dataset("tiny", tmp_path, opener=opener, progress=False)
    assert "Nothing was written" in str(e.value) and "https://mirror-b/" in str(e.value)
    assert list(tmp_path.rglob("*")) == []                              # no partial, no temporary file
    with pytest.raises(FileNotFoundError):
        M._load_idx_dataset("tiny", tmp_path, True, True, False, False, np.float32)


def test_load_downloads_when_missing(tiny, tmp_path, monkeypatch):
    opener = serve(tiny)
    monkeypatch.setattr(M, "_urlopen", opener)                          # the default opener
    (X, y), _ = M._load_idx_dataset("tiny", tmp_path, False, False, True, True, np.float64)
    assert X.shape == (5, 28, 28) and X.dtype == np.uint8
    assert y.shape == (5, 10) and y.dtype == np.float64 and np.array_equal(y.argmax(1), np.arange(5))
    assert len(opener.calls) == 4


def test_wrong_checksum_on_disk_is_refused(tiny, tmp_path):
    folder = tmp_path / "tiny"
    for f, payload in tiny.items():
        (folder / f).parent.mkdir(exist_ok=True)
        (folder / f).write_bytes(payload)
    altered = bytearray(tiny["train-labels-idx1-ubyte"])
    altered[-1] ^= 1                                                     # still a valid IDX file
    (folder / "train-labels-idx1-ubyte").write_bytes(bytes(altered))
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte.*MD5.*official Tiny file"):
        M._load_idx_dataset("tiny", tmp_path, True, True, False, False, np.float32)
    (folder / "train-labels-idx1-ubyte").write_bytes(tiny["train-labels-idx1-ubyte"])   # repaired: loads
    (X, y), _ = M._load_idx_dataset("tiny", tmp_path, True, True, False, False, np.float32)
    assert y.tolist() == [0, 1, 2, 3, 4]


def test_system_directory_is_searched(tiny, tmp_path):
    system = tmp_path / "system"
    system.mkdir()
    for f, payload in tiny.items():
        (system / f).write_bytes(payload)                                # uncompressed files work too
    (X, _), (Xt, _) = M._load_idx_dataset("tiny", tmp_path / "empty", True, True, False, False, np.float32)
    assert X.shape == (5, 784) and Xt.shape == (2, 784) and X.max() <= 1


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_saved_network_gets_the_permissions_of_a_plain_open(tmp_path):
    """A saved network is readable like any file the user writes (not mkstemp's private 0o600)."""
    q = tmp_path / "plain.bin"
    q.write_bytes(b"x")
    net = nnbook.NeuralNetwork([2, 3, 1], seed=0)
    saved = nnbook.save_network(net, tmp_path / "net.npz")
    assert stat.S_IMODE(saved.stat().st_mode) == stat.S_IMODE(q.stat().st_mode)


# ---------------------------------------------------------------------------------- real files
@needs_mnist
def test_real_mnist_shapes_and_counts():
    (X, y), (Xt, yt) = nnbook.load_mnist(SHARED, download=False)
    assert X.shape == (60000, 784) and Xt.shape == (10000, 784)
    assert X.dtype == np.float32 and float(X.min()) == 0.0 and float(X.max()) == 1.0
    assert y.shape == (60000,) and yt.shape == (10000,) and y.dtype == np.int64
    assert np.bincount(y, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(yt, minlength=10).sum() == 10000 and set(np.unique(yt)) == set(range(10))
    (Xr, yo), _ = nnbook.load_mnist(SHARED, normalize=False, flatten=False, one_hot=True, download=False)
    assert Xr.shape == (60000, 28, 28) and Xr.dtype == np.uint8
    assert np.array_equal(Xr.reshape(60000, -1) / np.float32(255), X)
    assert yo.shape == (60000, 10) and np.array_equal(yo.argmax(axis=1), y) and yo.sum() == 60000
    Xr[0, 0, 0] = 77                                                    # callers get their own copies
    (Xr2, _), _ = nnbook.load_mnist(SHARED, normalize=False, flatten=False, download=False)
    assert Xr2[0, 0, 0] == 0


@needs_mnist
def test_mnist_checksums_match_the_readme():
    readme = (SHARED / "mnist" / "README.md").read_text()
    for fname, md5 in M._DATASETS["mnist"].files.values():
        assert f"| {fname} | {md5} |" in readme


DEBIAN = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.skipif(not (DEBIAN / "train-labels-idx1-ubyte.gz").is_file(),
                    reason="Debian package dataset-fashion-mnist not installed")
def test_fashion_mnist_from_debian_package():
    (X, y), (Xt, yt) = nnbook.load_fashion_mnist("/nonexistent", download=False)
    assert X.shape == (60000, 784) and Xt.shape == (10000, 784)
    assert np.bincount(y).tolist() == [6000] * 10 and np.bincount(yt).tolist() == [1000] * 10


# -------------------------------------------------------------------------------------- metrics
def test_one_hot():
    Y = nnbook.one_hot([2, 0, 1, 2], 4, dtype=np.float32)
    assert Y.dtype == np.float32 and Y.shape == (4, 4)
    assert np.array_equal(Y, np.eye(4, dtype=np.float32)[[2, 0, 1, 2]].T)
    assert nnbook.one_hot(np.array([1.0, 0.0])).shape == (2, 2)
    with pytest.raises(ValueError, match=r"labels must lie in 0..2"):
        nnbook.one_hot([0, 3], 3)
    with pytest.raises(TypeError, match="labels must be integers"):
        nnbook.one_hot([0.5, 1])
    with pytest.raises(ValueError, match="1-D"):
        nnbook.one_hot(np.zeros((2, 2), int))


def test_accuracy_and_confusion_matrix_match_sklearn():
    from sklearn.metrics import accuracy_score
    from sklearn.metrics import confusion_matrix as sk_confusion
    rng = np.random.default_rng(1)
    y, p = rng.integers(0, 7, 500), rng.integers(0, 7, 500)
    assert nnbook.accuracy(y, p) == pytest.approx(accuracy_score(y, p))
    assert np.array_equal(nnbook.confusion_matrix(y, p, 7), sk_confusion(y, p, labels=range(7)))
    scores = rng.random((7, 500))
    assert nnbook.accuracy(nnbook.one_hot(y, 7), scores) == pytest.approx(accuracy_score(y, scores.argmax(0)))
    assert nnbook.confusion_matrix([0, 1], [1, 1]).shape == (2, 2)
    with pytest.raises(ValueError, match="same"):
        nnbook.accuracy([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match=r"labels must lie in 0..1"):
        nnbook.confusion_matrix([0, 2], [0, 1], n_classes=2)
    with pytest.raises(ValueError, match="integer labels"):
        nnbook.accuracy(np.zeros((2, 2, 2)), [0, 1])


def test_evaluate_input_errors():
    net = nnbook.NeuralNetwork([5, 3], output_activation="softmax")
    with pytest.raises(ValueError, match="transposed"):
        nnbook.evaluate(net, np.zeros((4, 5)), np.zeros((3, 4)))
    with pytest.raises(TypeError, match="network must be a NeuralNetwork"):
        nnbook.evaluate("net", np.zeros((5, 4)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="batch_size must be positive"):
        nnbook.evaluate(net, np.zeros((5, 4)), np.zeros((3, 4)), batch_size=0)


def test_download_argument_errors(tmp_path):
    with pytest.raises(TypeError, match="mirrors must be a list of base URLs"):
        nnbook.download_dataset("mnist", tmp_path, mirrors="https://example.org/")
    with pytest.raises(ValueError, match="timeout must be positive"):
        nnbook.download_dataset("mnist", tmp_path, timeout=0)
    assert list(tmp_path.iterdir()) == []


def test_evaluate_matches_direct_computation():
    rng = np.random.default_rng(2)
    net = nnbook.NeuralNetwork([5, 8, 3], output_activation="softmax", seed=0)
    X, y = rng.standard_normal((5, 70)), rng.integers(0, 3, 70)
    Y = nnbook.one_hot(y, 3)
    A, _ = net.forward(X)
    loss, acc = nnbook.evaluate(net, X, Y, batch_size=16)
    assert loss == pytest.approx(-np.mean(np.log(A[y, np.arange(70)])), rel=1e-12)
    assert acc == np.mean(A.argmax(0) == y)


# ------------------------------------------------------------------------------------------ fit
@pytest.fixture(scope="module")
def mnist_small():
    if not HAVE_MNIST:
        pytest.skip(f"MNIST files not found under {SHARED}")
    (X, y), (Xt, yt) = nnbook.load_mnist(SHARED, download=False)
    return X[:3000].T, y[:3000], X[50000:52000].T, y[50000:52000], Xt.T, yt


def test_fit_reaches_stated_accuracy_on_a_few_thousand_samples(mnist_small):
    X, y, Xv, yv, Xt, yt = mnist_small
    net = nnbook.NeuralNetwork([784, 64, 10], output_activation="softmax", dtype=np.float32, seed=0)
    h = nnbook.fit(net, X, nnbook.one_hot(y, 10, np.float32), Xv, nnbook.one_hot(yv, 10, np.float32),
                   epochs=8, restore_best=False, progress=False)
    assert len(h) == 8 and not h.stopped_early
    assert h.val_acc[-1] > h.val_acc[0] and h.train_loss[-1] < h.train_loss[0]
    assert nnbook.accuracy(yt, net.predict(Xt)) >= 0.90                 # 3,000 images, 8 epochs: ≥ 90%
    assert all(P.dtype == np.float32 for P in net.parameters.values())
    d = h.as_dict()
    assert set(d) == {"epoch", "batch_loss", "train_loss", "train_acc", "val_loss", "val_acc", "learning_rate", "time"}
    assert "8 epochs" in repr(h)


def test_fit_labels_or_one_hot_give_identical_training(mnist_small):
    X, y, *_ = mnist_small
    nets = [nnbook.NeuralNetwork([784, 16, 10], output_activation="softmax", dtype=np.float32, seed=4) for _ in range(2)]
    nnbook.fit(nets[0], X[:, :500], y[:500], epochs=2, progress=False)
    nnbook.fit(nets[1], X[:, :500], nnbook.one_hot(y[:500], 10), epochs=2, progress=False)
    for k in nets[0].parameters:
        assert np.array_equal(nets[0].parameters[k], nets[1].parameters[k])


def test_early_stopping_restores_best_weights(mnist_small):
    X, y, Xv, yv, *_ = mnist_small
    net = nnbook.NeuralNetwork([784, 32, 10], output_activation="softmax", dtype=np.float32, seed=1)
    h = nnbook.fit(net, X[:, :1000], y[:1000], Xv[:, :500], yv[:500], optimizer=nnbook.AdamOptimizer(0.02),
                   epochs=15, patience=2, progress=False)
    assert h.best_val_acc == max(h.val_acc)
    if h.stopped_early:
        assert len(h) == h.best_epoch + 2
    assert nnbook.evaluate(net, Xv[:, :500], nnbook.one_hot(yv[:500], 10, np.float32))[1] == h.best_val_acc


def test_fit_without_restore_keeps_last_weights(mnist_small):
    X, y, Xv, yv, *_ = mnist_small
    net = nnbook.NeuralNetwork([784, 16, 10], output_activation="softmax", dtype=np.float32, seed=2)
    h = nnbook.fit(net, X[:, :500], y[:500], Xv[:, :300], yv[:300], epochs=3, restore_best=False, progress=False)
    assert nnbook.evaluate(net, Xv[:, :300], nnbook.one_hot(yv[:300], 10, np.float32))[1] == h.val_acc[-1]


def test_fit_schedule_sets_learning_rate(mnist_small):
    X, y, *_ = mnist_small
    net = nnbook.NeuralNetwork([784, 8, 10], output_activation="softmax", dtype=np.float32, seed=0)
    opt = nnbook.AdamOptimizer(0.01)
    h = nnbook.fit(net, X[:, :256], y[:256], optimizer=opt, epochs=4, progress=False,
                   schedule=lambda lr0, epoch: lr0 / (epoch + 1))
    assert h.learning_rate == pytest.approx([0.01, 0.005, 0.01 / 3, 0.0025])
    h2 = nnbook.fit(net, X[:, :256], y[:256], optimizer=nnbook.AdamOptimizer(0.01), epochs=2,
                    schedule="step", progress=False)
    assert h2.learning_rate == [0.01, 0.01]


def test_fit_l2_shrinks_weights(mnist_small):
    X, y, *_ = mnist_small
    norms = []
    for l2 in (0.0, 0.05):
        net = nnbook.NeuralNetwork([784, 16, 10], output_activation="softmax", dtype=np.float32, seed=3)
        h = nnbook.fit(net, X[:, :600], y[:600], epochs=3, l2=l2, progress=False)
        norms.append(sum(float(np.sum(net.parameters[f"W{l}"] ** 2)) for l in (1, 2)))
    assert norms[1] < 0.7 * norms[0]


def test_fit_input_errors(mnist_small):
    X, y, *_ = mnist_small
    net = nnbook.NeuralNetwork([784, 8, 10], output_activation="softmax", dtype=np.float32)
    with pytest.raises(ValueError, match="transposed"):
        nnbook.fit(net, X[:, :100].T, y[:100], progress=False)
    with pytest.raises(ValueError, match=r"Y must have shape \(n_outputs, m\) = \(10, 100\)"):
        nnbook.fit(net, X[:, :100], np.zeros((10, 99)), progress=False)
    with pytest.raises(ValueError, match="patience .* X_val and Y_val"):
        nnbook.fit(net, X[:, :100], y[:100], patience=2, progress=False)
    with pytest.raises(ValueError, match="pass both X_val and Y_val"):
        nnbook.fit(net, X[:, :100], y[:100], X_val=X[:, :10], progress=False)
    with pytest.raises(ValueError, match="train_eval_size must be positive"):
        nnbook.fit(net, X[:, :100], y[:100], train_eval_size=0, progress=False)
    with pytest.raises(ValueError, match="l2 must be a non-negative"):
        nnbook.fit(net, X[:, :100], y[:100], l2=-1, progress=False)
    with pytest.raises(TypeError, match="optimizer must have update"):
        nnbook.fit(net, X[:, :100], y[:100], optimizer=42, progress=False)
    with pytest.raises(TypeError, match="network must be a NeuralNetwork"):
        nnbook.fit(object(), X[:, :100], y[:100], progress=False)


# ------------------------------------------------------------------------ dropout at inference
def test_dropout_is_inactive_at_inference():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 50))
    drop = nnbook.NeuralNetwork([20, 30, 30, 4], output_activation="softmax", dropout=0.5, seed=0)
    plain = nnbook.NeuralNetwork([20, 30, 30, 4], output_activation="softmax", seed=0)
    plain.parameters = {k: v.copy() for k, v in drop.parameters.items()}
    assert np.array_equal(drop.predict_proba(X), plain.predict_proba(X))
    assert np.array_equal(drop.predict(X), drop.predict(X))
    A1, _ = drop.forward(X, training=True)
    A2, _ = drop.forward(X, training=True)
    assert not np.allclose(A1, A2)


# ------------------------------------------------------------------------------- save and load
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_save_load_roundtrip_predictions_exactly(tmp_path, dtype):
    net = nnbook.NeuralNetwork([12, 7, 5, 3], hidden_activation="tanh", output_activation="softmax",
                               dtype=dtype, dropout=0.3, seed=5)
    for P in net.parameters.values():
        P += np.random.default_rng(1).standard_normal(P.shape).astype(dtype) * 0.1
    path = nnbook.save_network(net, tmp_path / "net.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["net.npz"]
    again = nnbook.load_network(path)
    assert again.layer_sizes == net.layer_sizes and again.dtype == np.dtype(dtype)
    assert (again.hidden_activation, again.output_activation, again.dropout) == ("tanh", "softmax", 0.3)
    X = np.random.default_rng(2).standard_normal((12, 40))
    assert np.array_equal(again.predict_proba(X), net.predict_proba(X))
    for k in net.parameters:
        assert again.parameters[k].dtype == np.dtype(dtype) and np.array_equal(again.parameters[k], net.parameters[k])


def test_load_rejects_files_that_are_not_networks(tmp_path):
    other = tmp_path / "other.npz"
    np.savez(other, W1=np.zeros(3))
    with pytest.raises(ValueError, match=r"other\.npz is not an nnbook network file"):
        nnbook.load_network(other)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match=r"notes\.txt is not an nnbook network file"):
        nnbook.load_network(text)
    arr = tmp_path / "array.npy"
    np.save(arr, np.zeros(2))
    with pytest.raises(ValueError, match=r"array\.npy is not an nnbook network file"):
        nnbook.load_network(arr)
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        nnbook.load_network(tmp_path / "missing.npz")


def test_load_rejects_newer_format_and_bad_shapes(tmp_path):
    net = nnbook.NeuralNetwork([3, 2], output_activation="softmax")
    path = nnbook.save_network(net, tmp_path / "n.npz")
    with np.load(path) as f:
        contents = {k: f[k] for k in f.files}
    np.savez(tmp_path / "newer.npz", **{**contents, "__version__": np.array(99)})
    with pytest.raises(ValueError, match="newer nnbook"):
        nnbook.load_network(tmp_path / "newer.npz")
    np.savez(tmp_path / "bad.npz", **{**contents, "W1": np.zeros((5, 5))})
    with pytest.raises(ValueError, match="W1 is missing or has the wrong shape"):
        nnbook.load_network(tmp_path / "bad.npz")
    with pytest.raises(TypeError, match="network must be a NeuralNetwork"):
        nnbook.save_network({"W1": 1}, tmp_path / "x.npz")


def test_save_is_atomic(tmp_path, monkeypatch):
    net = nnbook.NeuralNetwork([3, 2], output_activation="softmax")
    path = nnbook.save_network(net, tmp_path / "n.npz")
    before = path.read_bytes()
    net.parameters["W1"] += 1
    monkeypatch.setattr(M.os, "replace", lambda src, dst: (_ for _ in ()).throw(OSError("interrupted")))
    with pytest.raises(OSError, match="interrupted"):
        nnbook.save_network(net, path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["n.npz"]


# ------------------------------------------------------------------------------------- plotting
def test_plot_helpers(monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    h = M.History()
    h.epoch, h.train_loss, h.val_loss, h.train_acc, h.val_acc = [1, 2], [1.0, 0.5], [1.1, 0.7], [0.5, 0.8], [0.4, 0.7]
    h.best_epoch = 2
    axes = nnbook.plot_history(h)
    assert len(axes) == 2 and axes[1].get_ylabel() == "accuracy" and len(axes[0].lines) == 3
    ax = nnbook.plot_confusion_matrix(np.array([[5, 1], [0, 4]]), normalize=True)
    assert ax.get_xlabel() == "predicted class"
    axes = nnbook.show_images(np.zeros((3, 784)), ["a", "b", "c"], ncols=2)
    assert len(axes) == 4 and axes[0].get_title() == "a"
    with pytest.raises(ValueError, match="square"):
        nnbook.show_images(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="one entry per image"):
        nnbook.show_images(np.zeros((2, 4)), ["a"])
    with pytest.raises(TypeError, match="History"):
        nnbook.plot_history({"loss": [1]})
    with pytest.raises(ValueError, match="square"):
        nnbook.plot_confusion_matrix(np.zeros((2, 3)))
    plt.close("all")


def test_early_stopping_counts_a_tie_as_no_improvement(monkeypatch):
    """A validation accuracy that only equals the best is not a new best: on a plateau, fit stops after
    `patience` epochs and keeps the first epoch that reached the plateau as the best."""
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((4, 64)), nnbook.one_hot(rng.integers(0, 3, 64), 3)
    X_val, Y_val = rng.standard_normal((4, 32)), nnbook.one_hot(rng.integers(0, 3, 32), 3)
    script = iter([0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6])
    real = M._evaluate

    def scripted(network, X_, Y_, *args, **kwargs):
        loss, acc = real(network, X_, Y_, *args, **kwargs)
        return (loss, next(script)) if X_ is X_val else (loss, acc)
    monkeypatch.setattr(M, "_evaluate", scripted)
    net = nnbook.NeuralNetwork([4, 5, 3], output_activation="softmax", seed=0)
    h = nnbook.fit(net, X, Y, X_val, Y_val, epochs=8, patience=2, progress=False)
    assert h.best_epoch == 2 and len(h) == 4 and h.stopped_early
