"""nnbook.utils.display_path: a folder as a reader writes it ($NNBOOK_DATA/..., ~/..., else as given)."""
import os
from pathlib import Path

import pytest

from nnbook.utils import display_path


@pytest.fixture
def folders(tmp_path, monkeypatch):
    home, data = tmp_path / "home" / "ann", tmp_path / "srv" / "data"
    home.mkdir(parents=True)
    data.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("NNBOOK_DATA", str(data))
    return home, data


def test_inside_the_data_folder(folders):
    home, data = folders
    assert display_path(data / "mnist") == "$NNBOOK_DATA/mnist"
    assert display_path(str(data / "fashion-mnist" / "t10k-images-idx3-ubyte.gz")) == \
        "$NNBOOK_DATA/fashion-mnist/t10k-images-idx3-ubyte.gz"
    assert display_path(data) == "$NNBOOK_DATA"
    assert display_path(str(data) + os.sep) == "$NNBOOK_DATA"


def test_inside_the_home_folder(folders):
    home, data = folders
    assert display_path(home / ".cache" / "nnbook" / "mnist") == "~/.cache/nnbook/mnist"
    assert display_path(home) == "~"
    assert display_path("~/nets/a.npz") == "~/nets/a.npz"


def test_the_data_folder_wins_when_it_is_inside_home(folders, monkeypatch):
    home, _ = folders
    monkeypatch.setenv("NNBOOK_DATA", "~/datasets")
    assert display_path(home / "datasets" / "mnist") == "$NNBOOK_DATA/mnist"
    assert display_path(home / "datasets-old") == "~/datasets-old"     # a sibling with a common prefix


def test_other_paths_come_back_as_given(folders, monkeypatch, tmp_path):
    assert display_path("runs/net.npz") == "runs/net.npz"
    assert display_path(Path("net.npz")) == "net.npz"
    other = str(tmp_path / "elsewhere" / "x.npz")
    assert display_path(other) == other
    monkeypatch.delenv("NNBOOK_DATA")
    _, data = folders
    assert display_path(data / "mnist") == str(data / "mnist")


def test_symlinked_data_folder(folders, tmp_path, monkeypatch):
    _, data = folders
    link = tmp_path / "link"
    link.symlink_to(data)
    monkeypatch.setenv("NNBOOK_DATA", str(link))
    assert display_path(data / "mnist") == "$NNBOOK_DATA/mnist"


@pytest.mark.parametrize("bad", [None, 3, "", b"/x"])
def test_refuses_what_is_not_a_path(bad):
    with pytest.raises(TypeError, match="path"):
        display_path(bad)
