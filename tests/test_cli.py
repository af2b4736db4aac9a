"""The `nnbook` command line (nnbook.cli): every sub-command in-process through `main(argv)`, the installed
console script through subprocess, bad arguments, exit codes, and the notebook runner."""
import gzip
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnbook
from nnbook.utils import display_path
from nnbook import cli
from nnbook.cli import main

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("NNBOOK_DATA") or REPO.parent / "shared" / "data")
HAVE_MNIST = all((DATA / "mnist" / f"{n}.gz").is_file() for n in (
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"))
needs_mnist = pytest.mark.skipif(not HAVE_MNIST, reason=f"MNIST not found in {DATA} (set NNBOOK_DATA)")
HAVE_NBCLIENT = all(importlib.util.find_spec(m) for m in ("nbclient", "nbformat", "ipykernel"))
needs_nbclient = pytest.mark.skipif(not HAVE_NBCLIENT, reason="nbclient/ipykernel not installed")


def run(argv, capsys):
    """(exit code, stdout, stderr) of main(argv)."""
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- help, version, bad arguments

@pytest.mark.parametrize("command, expected", [
    ([], ["usage: nnbook", "train", "evaluate", "run", "data", "--version"]),
    (["train"], ["usage: nnbook train", "--dataset {mnist,fashion-mnist}", "--hidden", "--optimizer", "--lr",
                 "--batch-size", "--epochs", "--seed", "--data-dir", "--dtype", "--l2", "--dropout", "--patience",
                 "--limit", "--save", "--no-progress", "(default: 0.001)"]),
    (["evaluate"], ["usage: nnbook evaluate", "PATH", "--dataset", "--data-dir"]),
    (["run"], ["usage: nnbook run", "SECTION", "--nbs", "--timeout"]),
    (["data"], ["usage: nnbook data", "--dataset", "--data-dir", "--verify-only", "--mirror"]),
])
def test_help_of_every_command(capsys, command, expected):
    code, out, err = run([*command, "--help"], capsys)
    assert code == 0 and err == ""
    for text in expected:
        assert text in out, text


def test_version(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"nnbook {nnbook.__version__}"


@pytest.mark.parametrize("argv, message", [
    ([], "the following arguments are required: COMMAND"),
    (["fly"], "invalid choice: 'fly'"),
    (["train", "--epochs", "0"], "argument --epochs: expected a positive integer, got '0'"),
    (["train", "--epochs", "2.5"], "argument --epochs: expected a positive integer, got '2.5'"),
    (["train", "--lr", "-0.1"], "argument --lr: expected a positive number, got '-0.1'"),
    (["train", "--lr", "nan"], "argument --lr: expected a positive number, got 'nan'"),
    (["train", "--dropout", "1"], r"argument --dropout: expected a number in [0, 1), got '1'"),
    (["train", "--hidden", "128", "0"], "argument --hidden: expected a positive integer, got '0'"),
    (["train", "--dataset", "cifar10"], "argument --dataset: invalid choice: 'cifar10'"),
    (["train", "--optimizer", "rmsprop"], "argument --optimizer: invalid choice: 'rmsprop'"),
    (["train", "--bogus"], "unrecognized arguments: --bogus"),
    (["evaluate"], "the following arguments are required: PATH"),
    (["run", "--timeout", "0"], "argument --timeout: expected a positive number, got '0'"),
    (["data", "--dataset", "svhn"], "argument --dataset: invalid choice: 'svhn'"),
])
def test_bad_arguments_give_usage_and_exit_code_2(capsys, argv, message):
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert "usage: nnbook" in err and message in err and "Traceback" not in err


def test_conflicting_training_options_are_usage_errors(capsys, tmp_path):
    # checked before any data is read, so no data is needed
    code, _, err = run(["train", "--validation-fraction", "0", "--patience", "3", "--data-dir", str(tmp_path)], capsys)
    assert code == 1 and "MNIST files not found" in err          # the data check comes first ...
    if HAVE_MNIST:                                                # ... then the option conflict
        code, _, err = run(["train", "--validation-fraction", "0", "--patience", "3", "--data-dir", str(DATA)], capsys)
        assert code == 2 and "usage: nnbook train" in err and "--patience 3 needs validation data" in err
        code, _, err = run(["train", "--limit", "1", "--validation-fraction", "0.6", "--data-dir", str(DATA)], capsys)
        assert code == 2 and "leaves nothing to train on" in err


# ---------------------------------------------------------------- train and evaluate

@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A network trained by `nnbook train` on 600 images for 2 epochs, and what the command printed."""
    if not HAVE_MNIST:
        pytest.skip(f"MNIST not found in {DATA}")
    path = tmp_path_factory.mktemp("train") / "net.npz"
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["train", "--data-dir", str(DATA), "--limit", "600", "--epochs", "2", "--hidden", "32",
                     "--lr", "0.003", "--seed", "7", "--save", str(path), "--no-progress"])
    return code, out.getvalue(), path


@needs_mnist
def test_train_prints_the_run_and_saves_a_network_whose_accuracy_it_reports(trained):
    code, out, path = trained
    assert code == 0 and path.is_file()
    assert "MNIST: 540 training images (+ 60 held out for validation), 10000 test images" in out
    assert "network: [784, 32, 10]" in out and "25,450 parameters" in out and "float32" in out
    epoch_rows = [l.split() for l in out.splitlines() if l.split() and l.split()[0] in ("1", "2")]
    assert [r[0] for r in epoch_rows] == ["1", "2"]
    printed = float(out.split("test accuracy: ")[1].split()[0])
    # independent check: load the file, classify the test set with plain NumPy
    net = nnbook.load_network(path)
    (_, _), (X_test, y_test) = nnbook.load_mnist(DATA, download=False)
    p = net.parameters
    H = np.maximum(X_test @ p["W1"].T + p["b1"].ravel(), 0)
    predicted = np.argmax(H @ p["W2"].T + p["b2"].ravel(), axis=1)
    assert printed == pytest.approx(np.mean(predicted == y_test), abs=5e-5)
    assert 0.6 < printed < 1.0


@needs_mnist
def test_train_is_reproducible_and_seeded(tmp_path, capsys):
    common = ["train", "--data-dir", str(DATA), "--limit", "300", "--epochs", "1", "--hidden", "8", "--no-progress"]
    nets = []
    for seed in ("1", "1", "2"):
        path = tmp_path / f"{len(nets)}.npz"
        assert main([*common, "--seed", seed, "--save", str(path)]) == 0
        nets.append(nnbook.load_network(path).parameters["W1"])
    capsys.readouterr()
    assert np.array_equal(nets[0], nets[1]) and not np.array_equal(nets[0], nets[2])


@needs_mnist
def test_train_options_reach_the_network(tmp_path, capsys):
    path = tmp_path / "net.npz"
    code, out, err = run(["train", "--data-dir", str(DATA), "--limit", "200", "--epochs", "1", "--hidden",
                          "--dtype", "float64", "--optimizer", "sgd", "--lr", "0.1", "--l2", "0.001",
                          "--validation-fraction", "0", "--patience", "0", "--save", str(path)], capsys)
    assert code == 0 and "network: [784, 10]" in out and "L2 0.001" in out and "SGD(learning_rate=0.1)" in out
    assert "held out" not in out and "val acc" not in out
    net = nnbook.load_network(path)
    assert net.layer_sizes == [784, 10] and net.dtype == np.float64
    assert "fit: 100%" in err                                     # the progress bar (on stderr)


@needs_mnist
def test_evaluate_prints_accuracy_and_the_confusion_matrix(trained, capsys):
    _, train_out, path = trained
    code, out, err = run(["evaluate", str(path), "--data-dir", str(DATA)], capsys)
    assert code == 0 and err == ""
    accuracy = out.split("test accuracy: ")[1].split()[0]
    assert accuracy == train_out.split("test accuracy: ")[1].split()[0]
    rows = [l.split() for l in out.splitlines() if l.split() and l.split()[0] in list("0123456789")]
    printed = np.array([[int(v) for v in row[1:11]] for row in rows])
    net = nnbook.load_network(path)
    (_, _), (X_test, y_test) = nnbook.load_mnist(DATA, download=False)
    predicted = net.forward(X_test.T)[0].argmax(axis=0)
    expected = np.zeros((10, 10), dtype=int)
    np.add.at(expected, (y_test, predicted), 1)                   # independent of nnbook.confusion_matrix
    assert np.array_equal(printed, expected)
    recalls = [float(row[11]) for row in rows]
    np.testing.assert_allclose(recalls, np.diag(expected) / expected.sum(axis=1), atol=5e-5)


def test_evaluate_errors(tmp_path, capsys):
    code, _, err = run(["evaluate", str(tmp_path / "missing.npz")], capsys)
    assert code == 1 and err.startswith("nnbook: error:") and "no such file" in err
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"this is not a zip file")
    code, _, err = run(["evaluate", str(junk)], capsys)
    assert code == 1 and "is not an nnbook network file" in err and "Traceback" not in err
    small = nnbook.save_network(nnbook.NeuralNetwork([5, 3, 2]), tmp_path / "small.npz")
    code, _, err = run(["evaluate", str(small)], capsys)
    assert code == 1 and "layer sizes [5, 3, 2]" in err and "needs 784 inputs and 10 outputs" in err


def test_missing_data_says_how_to_get_it(tmp_path, capsys):
    code, out, err = run(["train", "--data-dir", str(tmp_path), "--no-progress"], capsys)
    assert code == 1 and out == "" and err.startswith("nnbook: error: MNIST files not found")
    assert f"nnbook data --dataset mnist --data-dir {tmp_path}" in err and "Traceback" not in err


def test_traceback_option_shows_the_exception(tmp_path):
    with pytest.raises(cli._CommandError, match="no such file"):
        main(["--traceback", "evaluate", str(tmp_path / "missing.npz")])


def test_ctrl_c_exits_with_130(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt
    monkeypatch.setattr(cli, "_cmd_data", interrupted)
    code, _, err = run(["data"], capsys)
    assert code == 130 and "interrupted" in err


# ---------------------------------------------------------------- data

@needs_mnist
def test_data_verify_only(capsys):
    code, out, err = run(["data", "--verify-only", "--data-dir", str(DATA)], capsys)
    assert code == 0 and "MNIST: OK, 4 files verified (MD5): 60000 training and 10000 test images" in out


def test_data_verify_only_never_downloads(tmp_path, monkeypatch, capsys):
    def no_network(url, timeout):
        raise AssertionError("verify-only must not download")
    monkeypatch.setattr(cli, "_OPENER", no_network)
    import nnbook.mnist as mnist      # ignore a system-wide Fashion-MNIST (Debian's dataset-fashion-mnist)
    monkeypatch.setitem(mnist._DATASETS, "fashion-mnist", mnist._DATASETS["fashion-mnist"]._replace(system_dirs=()))
    code, out, err = run(["data", "--verify-only", "--dataset", "all", "--data-dir", str(tmp_path)], capsys)
    assert code == 1 and "MNIST: NOT OK" in err and "Fashion-MNIST" in err
    assert "nnbook: error: MNIST, Fashion-MNIST: not usable (drop --verify-only" in err


class _FakeResponse:
    def __init__(self, data):
        self.data, self.pos = data, 0
        self.headers = {"Content-Length": str(len(data))}

    def read(self, n):
        chunk = self.data[self.pos:self.pos + n]
        self.pos += len(chunk)
        return chunk

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@needs_mnist
def test_data_downloads_through_the_opener_and_verifies(tmp_path, monkeypatch, capsys):
    urls = []
    def fake_opener(url, timeout):
        urls.append(url)
        return _FakeResponse((DATA / "mnist" / url.rsplit("/", 1)[1]).read_bytes())
    monkeypatch.setattr(cli, "_OPENER", fake_opener)
    code, out, err = run(["data", "--data-dir", str(tmp_path), "--mirror", "https://mirror.invalid/mnist/",
                          "--no-progress"], capsys)
    assert code == 0, err
    assert sorted(u.rsplit("/", 1)[1] for u in urls) == sorted(p.name for p in (DATA / "mnist").glob("*.gz"))
    assert all(u.startswith("https://mirror.invalid/mnist/") for u in urls)
    for p in (DATA / "mnist").glob("*.gz"):
        assert (tmp_path / "mnist" / p.name).read_bytes() == p.read_bytes()
    assert "MNIST: OK" in out
    urls.clear()
    assert main(["data", "--data-dir", str(tmp_path), "--no-progress"]) == 0 and urls == []   # nothing missing


def test_data_download_failure_writes_nothing(tmp_path, monkeypatch, capsys):
    def corrupt(url, timeout):
        return _FakeResponse(gzip.compress(b"not the MNIST bytes"))
    monkeypatch.setattr(cli, "_OPENER", corrupt)
    code, _, err = run(["data", "--data-dir", str(tmp_path), "--mirror", "https://mirror.invalid/"], capsys)
    assert code == 1 and "download failed" in err and "MD5" in err and "nnbook: error:" in err
    assert list(tmp_path.rglob("*ubyte*")) == []                  # no file, not even a partial one


# ---------------------------------------------------------------- run

def _notebook(path, title, *cells):
    nb_cells = [{"cell_type": "markdown", "id": "title", "metadata": {}, "source": title}]
    for i, (source, tags) in enumerate(cells):
        nb_cells.append({"cell_type": "code", "id": f"c{i}", "metadata": {"tags": tags}, "source": source,
                         "outputs": [], "execution_count": None})
    path.write_text(json.dumps({"cells": nb_cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {
        "kernelspec": {"name": "python3", "display_name": "python3", "language": "python"}}}))
    return path


@pytest.fixture
def project(tmp_path):
    """A checkout-like folder: settings.ini (nbs_path = notebooks), the book's directive extension, 4 notebooks."""
    (tmp_path / "settings.ini").write_text("[DEFAULT]\nlib_name = demo\nnbs_path = notebooks\n")
    ext = tmp_path / "book" / "_ext"
    ext.mkdir(parents=True)
    shutil.copy(REPO / "book" / "_ext" / "nbdev_directives.py", ext)
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    _notebook(nbs / "01_ok.ipynb", "# 7.1 Fine", ("x = 1", []), ("#| slow\nassert x == 1", []),
              ("1 / 0", ["raises-exception"]), ("#| eval: false\nraise SystemExit('skipped')", []))
    _notebook(nbs / "02_bug.ipynb", "# 7.2 Broken", ("y = 2", []), ("first = 1\nsecond = 2\nthird = 3\nfourth = 4\n"
                                                                    "fifth = 5\nraise KeyError('lost')", []))
    _notebook(nbs / "03_slow.ipynb", "# 7.3 Slow", ("import time\ntime.sleep(30)", []))
    _notebook(nbs / "A_appendix.ipynb", "# Appendix 7A: Extra", ("z = 3", []))
    return tmp_path


def test_sections_resolve_by_number_prefix_name_and_path(project):
    nbs = project / "notebooks"
    names = lambda specs: [p.name for p in cli._resolve_sections(specs, nbs)]
    assert names([]) == ["01_ok.ipynb", "02_bug.ipynb", "03_slow.ipynb", "A_appendix.ipynb"]
    assert names(["7.2"]) == names(["02"]) == names(["02_bug"]) == names(["02_bug.ipynb"]) == ["02_bug.ipynb"]
    assert names([str(nbs / "02_bug.ipynb")]) == ["02_bug.ipynb"]
    assert names(["7a", "A", "7.1", "01"]) == ["A_appendix.ipynb", "01_ok.ipynb"]
    with pytest.raises(ValueError, match="no notebook matches section '3.9'.*Available: 01_ok, 02_bug"):
        cli._resolve_sections(["3.9"], nbs)


def test_the_chapter_sections_resolve(monkeypatch):
    monkeypatch.chdir(REPO / "tests")
    nbs, _ = cli._find_nbs_dir(Path.cwd())
    assert nbs == REPO / "nbs"
    assert [p.name for p in cli._resolve_sections(["3.5", "3A", "07"], nbs)] == [
        "05_mlp.ipynb", "A_backprop_derivations.ipynb", "07_mnist.ipynb"]


def test_unknown_section_is_a_usage_error(project, capsys):
    code, _, err = run(["run", "9.9", "--nbs", str(project / "notebooks")], capsys)
    assert code == 2 and "usage: nnbook run" in err and "no notebook matches section '9.9'" in err


def test_no_notebooks_found_says_where_it_looked(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["run"], capsys)
    assert code == 1 and "no chapter notebooks found. Looked in:" in err and str(tmp_path) in err
    assert "--nbs DIR" in err
    code, _, err = run(["run", "--nbs", str(tmp_path / "nope")], capsys)
    assert code == 1 and "no such folder" in err
    (tmp_path / "empty").mkdir()
    code, _, err = run(["run", "--nbs", str(tmp_path / "empty")], capsys)
    assert code == 1 and f"Looked in: {tmp_path / 'empty'}" in err


def test_run_without_nbclient_says_how_to_install_it(project, monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "nbclient" else real(name, *a))
    code, _, err = run(["run", "--nbs", str(project / "notebooks")], capsys)
    assert code == 1 and "nbclient is not installed" in err and 'pip install "nnbook[dev]"' in err


def test_builtin_directive_rules_equal_the_books():
    spec = importlib.util.spec_from_file_location("book_directives", REPO / "book" / "_ext" / "nbdev_directives.py")
    book = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(book)
    sources = ["#| default_exp mlp", "#| export\ndef f(): pass", "#| hide\nimport x", "#| eval: false\n1/0",
               "#|echo: false\nprint(1)", "#| output: false\nx", "#| slow\n#| eval: false\ny", "x = 1  #| not a directive",
               "\n#| export\n\nz = 2", "#| export\n", "plain = True"]
    for source in sources:
        for tags in ([], ["raises-exception"], ["hide-input"]):
            make = lambda: {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": source}
            assert cli._convert_cell(make()) == book.convert_cell(make()), (source, tags)
    markdown = {"cell_type": "markdown", "metadata": {}, "source": "#| not code"}
    assert cli._convert_cell(dict(markdown)) == markdown


@needs_nbclient
def test_run_reports_times_and_the_failing_cell(project, monkeypatch, capsys):
    monkeypatch.chdir(project)                                     # found through settings.ini's nbs_path
    code, out, err = run(["run", "--timeout", "2", "--no-progress"], capsys)
    assert code == 1
    assert f"running 4 notebook(s) from {display_path(project / 'notebooks')}" in out
    assert "directives: " + str(project / "book" / "_ext" / "nbdev_directives.py") in out     # the book's own rules
    lines = out.splitlines()
    status = {l.split()[1]: l.split()[0] for l in lines if l.strip().startswith(("ok", "FAILED"))}
    assert status == {"01_ok.ipynb": "ok", "02_bug.ipynb": "FAILED", "03_slow.ipynb": "FAILED",
                      "A_appendix.ipynb": "ok"}
    assert "01_ok.ipynb" in out and "(3 cells run)" in out      # the eval: false cell was skipped
    report = out.split("FAILED  02_bug.ipynb")[1].split("FAILED  03_slow")[0]
    assert "cell 2 of 3 (0-based index)" in report
    assert "| first = 1" in report and "| fourth = 4" in report and "| fifth = 5" not in report
    assert "(2 more lines)" in report and "KeyError: 'lost'" in report
    assert "did not finish within the timeout of 2 s" in out.split("FAILED  03_slow.ipynb")[1]
    assert "2 of 4 notebook(s) passed, 2 failed" in out


@needs_nbclient
def test_run_selected_sections_and_exitfirst(project, capsys):
    code, out, _ = run(["run", "7.2", "7A", "--nbs", str(project / "notebooks"), "-x", "--no-progress"], capsys)
    assert code == 1 and "running 2 notebook(s)" in out
    assert "FAILED  02_bug.ipynb" in out and "A_appendix" not in out.split("running")[1].split("\n", 1)[1]
    assert "0 of 1 notebook(s) passed, 1 failed" in out
    code, out, _ = run(["run", "A_appendix", "--nbs", str(project / "notebooks")], capsys)
    assert code == 0 and "1 of 1 notebook(s) passed" in out


# ---------------------------------------------------------------- the installed console script

def _console_script():
    script = Path(sys.executable).parent / "nnbook"
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    return str(script)


def test_console_script_help_version_and_bad_arguments():
    script = _console_script()
    done = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "usage: nnbook" in done.stdout
    done = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == f"nnbook {nnbook.__version__}"
    done = subprocess.run([script, "train", "--batch-size", "zero"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "usage: nnbook train" in done.stderr
    assert "argument --batch-size: expected a positive integer, got 'zero'" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@needs_mnist
def test_console_script_downloads_from_a_file_mirror(tmp_path):
    script = _console_script()
    mirror = (DATA / "mnist").as_uri() + "/"
    done = subprocess.run([script, "data", "--data-dir", str(tmp_path), "--mirror", mirror, "--no-progress"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "MNIST: OK, 4 files verified" in done.stdout
    for p in (DATA / "mnist").glob("*.gz"):
        got = tmp_path / "mnist" / p.name
        assert hashlib.sha256(got.read_bytes()).digest() == hashlib.sha256(p.read_bytes()).digest()
    done = subprocess.run([script, "evaluate", str(tmp_path / "none.npz"), "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.startswith("nnbook: error:") and "Traceback" not in done.stderr
