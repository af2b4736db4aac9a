"""The `nnbook` command line's errors and help (nnbook.cli): `--save` checked before training, files that
are not checkpoints, the dataset recorded in a checkpoint and checked by `evaluate`, the data folder named, and the
help, the missing-data message, sub-command usage and `--traceback`."""
import argparse
import contextlib
import io
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import nnbook
import nnbook.mnist
from nnbook import cli
from nnbook.cli import main

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("NNBOOK_DATA") or REPO.parent / "shared" / "data")
HAVE_MNIST = all((DATA / "mnist" / f"{n}.gz").is_file() for n in (
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"))
needs_mnist = pytest.mark.skipif(not HAVE_MNIST, reason=f"MNIST not found in {DATA} (set NNBOOK_DATA)")
QUICK = ["--limit", "200", "--epochs", "1", "--hidden", "8", "--no-progress"]


def run(argv, capsys):
    """(exit code, stdout, stderr) of main(argv)."""
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _error_lines(err):
    return [line for line in err.splitlines() if "error:" in line]


@pytest.fixture
def no_training(monkeypatch):
    """Make loading data or training fail the test: the command must stop before either."""
    def forbidden(*args, **kwargs):
        raise AssertionError("the command loaded data or trained before checking --save")
    monkeypatch.setattr(nnbook.mnist, "fit", forbidden)
    monkeypatch.setattr(cli, "_load_dataset", forbidden)


# ---------------------------------------------------------------- --save checked before training

def _bad_save_targets(tmp_path):
    (tmp_path / "file.txt").write_text("a file, not a folder\n")
    targets = {
        "directory": (str(tmp_path), "directory"),
        "missing folder": (str(tmp_path / "no-such-folder" / "net.npz"), "no-such-folder"),
        "parent is a file": (str(tmp_path / "file.txt" / "net.npz"), "file.txt"),
        "empty": ("", "--save must be a non-empty"),
    }
    if sys.platform.startswith("linux"):
        targets["unwritable folder (/proc)"] = ("/proc/nnbook-save-test.npz", "/proc")
    return targets


@pytest.mark.parametrize("kind", ["directory", "missing folder", "parent is a file", "empty",
                                  "unwritable folder (/proc)"])
def test_train_checks_save_before_loading_data_or_training(tmp_path, capsys, no_training, kind):
    targets = _bad_save_targets(tmp_path)
    if kind not in targets:
        pytest.skip("needs Linux's /proc")
    path, what = targets[kind]
    code, out, err = run(["train", "--save", path, "--data-dir", str(tmp_path), *QUICK], capsys)
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.startswith("usage: nnbook train")
    [line] = _error_lines(err)                                   # one line, naming the path as given
    assert line.startswith("nnbook train: error: ") and path in line and what in line, line


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_train_checks_an_unwritable_folder(tmp_path, capsys, no_training):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code, out, err = run(["train", "--save", str(locked / "net.npz"), *QUICK], capsys)
    finally:
        locked.chmod(0o755)
    assert code == 2 and str(locked / "net.npz") in err and len(_error_lines(err)) == 1


@needs_mnist
def test_a_good_save_path_still_trains_and_saves(tmp_path, capsys):
    path = tmp_path / "net.npz"
    code, out, err = run(["train", "--save", str(path), "--data-dir", str(DATA), *QUICK], capsys)
    assert code == 0 and path.is_file() and f"saved the network to {path}" in out


# ---------------------------------------------------------------- files that are not checkpoints

def test_evaluate_a_directory_says_it_is_a_directory(tmp_path, capsys):
    code, out, err = run(["evaluate", str(tmp_path)], capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("nnbook: error: ")
    assert f"{tmp_path} is a directory" in err and "no such file" not in err
    assert "nnbook train --save" in err                        # what to pass instead


def test_evaluate_a_missing_file_says_so(tmp_path, capsys):
    code, _, err = run(["evaluate", str(tmp_path / "none.npz")], capsys)
    assert code == 1 and err.count("\n") == 1 and f"{tmp_path / 'none.npz'}: no such file" in err


def _foreign_files(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list: eggs, milk\n")
    array = tmp_path / "weights.npy"
    np.save(array, np.zeros((3, 3)))
    foreign = tmp_path / "other.npz"
    np.savez(foreign, W1=np.zeros((2, 2)))
    return {"text": notes, "npy": array, "foreign npz": foreign}


@pytest.mark.parametrize("kind", ["text", "npy", "foreign npz"])
def test_evaluate_a_file_that_is_not_a_checkpoint_says_so_in_one_line(tmp_path, capsys, kind):
    path = _foreign_files(tmp_path)[kind]
    code, out, err = run(["evaluate", str(path)], capsys)
    assert code == 1 and out == "" and "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("nnbook: error: ")
    assert str(path) in err and "not an nnbook" in err
    assert "allow_pickle" not in err and "context manager" not in err    # numpy's words, never right here


# ---------------------------------------------------------------- the dataset in the checkpoint

@pytest.fixture(scope="module")
def mnist_checkpoint(tmp_path_factory):
    if not HAVE_MNIST:
        pytest.skip(f"MNIST not found in {DATA}")
    path = tmp_path_factory.mktemp("checkpoints") / "mnist.npz"
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["train", "--save", str(path), "--data-dir", str(DATA), *QUICK])
    assert code == 0
    return path, out.getvalue()


def test_train_records_the_dataset_in_the_checkpoint(mnist_checkpoint):
    path, _ = mnist_checkpoint
    assert nnbook.load_network(path).metadata == {"dataset": "mnist", "n_features": 784,
                                                  "preprocessing": "pixels / 255"}


def test_train_and_evaluate_say_which_data_folder_they_read(mnist_checkpoint, capsys):
    path, train_out = mnist_checkpoint
    assert f"data: MNIST from {DATA / 'mnist'}" in train_out.splitlines()
    code, out, err = run(["evaluate", str(path), "--data-dir", str(DATA)], capsys)
    assert code == 0 and err == "" and f"data: MNIST from {DATA / 'mnist'}" in out.splitlines()


def test_evaluate_refuses_another_dataset_than_the_one_trained_on(mnist_checkpoint, capsys, monkeypatch):
    path, _ = mnist_checkpoint
    def forbidden(*args, **kwargs):
        raise AssertionError("evaluate loaded the test set of the wrong dataset")
    monkeypatch.setattr(cli, "_load_dataset", forbidden)
    code, out, err = run(["evaluate", str(path), "--dataset", "fashion-mnist", "--data-dir", str(DATA)], capsys)
    assert code == 2 and out == "" and err.startswith("usage: nnbook evaluate")
    [line] = _error_lines(err)
    assert str(path) in line and "MNIST" in line and "Fashion-MNIST" in line
    assert "--dataset mnist" in line and "--force" in line


def test_evaluate_force_evaluates_on_another_dataset_with_a_warning(mnist_checkpoint, capsys, monkeypatch):
    path, _ = mnist_checkpoint
    real = cli._load_dataset
    monkeypatch.setattr(cli, "_load_dataset", lambda name, data_dir, dtype: real("mnist", DATA, dtype))  # stand-in
    code, out, err = run(["evaluate", str(path), "--dataset", "fashion-mnist", "--force"], capsys)
    assert code == 0 and "test accuracy" in out
    assert err.startswith("nnbook: warning: ") and "trained on MNIST" in err and "Fashion-MNIST" in err


@needs_mnist
def test_evaluate_warns_that_it_cannot_check_a_checkpoint_without_metadata(tmp_path, capsys):
    net = nnbook.NeuralNetwork([784, 8, 10], output_activation="softmax")
    path = nnbook.save_network(net, tmp_path / "old.npz")
    code, out, err = run(["evaluate", str(path), "--data-dir", str(DATA)], capsys)
    assert code == 0 and "test accuracy" in out
    assert err.count("\n") == 1 and err.startswith("nnbook: warning: ")
    assert str(path) in err and "cannot check" in err and "MNIST" in err


# ---------------------------------------------------------------- help, wording, usage, --traceback

COMMANDS = ["train", "evaluate", "run", "data", "exercises"]


def _subparsers():
    parser = cli._build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return parser, sub.choices


def test_every_option_has_help_text():
    parser, commands = _subparsers()
    assert set(COMMANDS) <= set(commands)
    for name, subparser in [("nnbook", parser), *commands.items()]:
        for action in subparser._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue                                        # the commands: each has its own help line
            assert action.help and action.help.strip(), (name, action.option_strings or action.dest)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_each_default_once(capsys, command):
    code, out, _ = run([command, "--help"], capsys)
    assert code == 0
    assert "(default: None)" not in out and "(default: False)" not in out
    assert not re.search(r"\(default:[^)]*\)\s*\(default:", out), out


def test_help_texts_of_the_main_options(capsys):
    _, out, _ = run(["train", "--help"], capsys)
    flat = " ".join(out.split())
    one_option = r" \w(?:(?! --).)*"                                # the help text up to the next option
    assert re.search(r"--optimizer \{adam,momentum,sgd\}" + one_option + r"\(default: adam\)", flat)
    assert re.search(r"--batch-size N" + one_option + r"\(default: 64\)", flat)
    assert re.search(r"--dtype \{float32,float64\}" + one_option + r"\(default: float32\)", flat)
    assert "(default: 128 64)" in flat                          # a list default, as one types it
    _, out, _ = run(["data", "--help"], capsys)
    flat = " ".join(out.split())
    assert re.search(r"--dataset \{mnist,fashion-mnist,all\} \w(?:(?! --).)*\(default: mnist\)", flat)
    _, out, _ = run(["run", "--help"], capsys)
    assert " ".join(out.split()).count("(default: all)") == 1


def test_missing_data_error_uses_the_command_lines_words(tmp_path, capsys):
    code, out, err = run(["train", "--data-dir", str(tmp_path), "--no-progress"], capsys)
    assert code == 1 and out == "" and err.count("\n") == 1
    assert err.startswith(f"nnbook: error: MNIST files not found in {tmp_path / 'mnist'}")
    assert f"nnbook data --dataset mnist --data-dir {tmp_path}" in err and "--data-dir DIR" in err
    assert "data_dir=" not in err and "download=True" not in err


def test_missing_data_error_without_data_dir(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NNBOOK_DATA", str(tmp_path))
    code, _, err = run(["train", "--no-progress"], capsys)
    assert code == 1 and err.count("\n") == 1
    assert f"MNIST files not found in {tmp_path / 'mnist'}" in err and "nnbook data --dataset mnist;" in err
    assert "data_dir=" not in err


@pytest.mark.parametrize("argv, usage", [
    (["evaluate", "-x", "f.npz"], "usage: nnbook evaluate"),
    (["evaluate", "f.npz", "--bogus"], "usage: nnbook evaluate"),
    (["train", "--bogus"], "usage: nnbook train"),
    (["data", "--epochs", "3"], "usage: nnbook data"),
    (["-x", "evaluate", "f.npz"], "usage: nnbook [-h]"),
])
def test_an_unknown_option_gets_the_usage_of_its_command(capsys, argv, usage):
    code, out, err = run(argv, capsys)
    assert code == 2 and out == "" and err.startswith(usage), err
    bad = next(a for a in argv if a.startswith("-"))
    assert f"error: unrecognized arguments: {bad}" in err


@pytest.mark.parametrize("argv", [
    ["--traceback", "evaluate", "{missing}"],
    ["evaluate", "--traceback", "{missing}"],
    ["evaluate", "{missing}", "--traceback"],
])
def test_traceback_is_accepted_before_and_after_the_command(tmp_path, argv):
    argv = [a.format(missing=tmp_path / "missing.npz") for a in argv]
    with pytest.raises(cli._CommandError, match="no such file"):
        main(argv)


def test_traceback_after_train(tmp_path, capsys):
    with pytest.raises(cli._CommandError, match="MNIST files not found"):
        main(["train", "--traceback", "--data-dir", str(tmp_path)])
    code, _, err = run(["train", "--data-dir", str(tmp_path)], capsys)      # without it: a message
    assert code == 1 and "Traceback" not in err
