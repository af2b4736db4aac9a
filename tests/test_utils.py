"""nnbook.utils: the atomic writes that datasets, checkpoints and exercise notebooks share, and the clean-up of
the temporary files that killed writers leave behind."""
import os
import stat
import time

import pytest

from nnbook import utils as U


def test_atomic_write_writes_and_replaces(tmp_path):
    p = tmp_path / "sub" / "f.bin"
    U._atomic_write(p, b"first")
    U._atomic_write(p, b"second")
    assert p.read_bytes() == b"second" and [q.name for q in p.parent.iterdir()] == ["f.bin"]


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    p = tmp_path / "f.bin"
    p.write_bytes(b"old")

    def boom(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(U.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        U._atomic_write(p, b"new content")
    assert p.read_bytes() == b"old" and [q.name for q in tmp_path.iterdir()] == ["f.bin"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_atomic_write_gives_the_permissions_of_a_plain_open(tmp_path):
    """mkstemp makes private 0o600 files; a shared data cache must be readable like any file."""
    p, q = tmp_path / "atomic.bin", tmp_path / "plain.bin"
    U._atomic_write(p, b"x")
    q.write_bytes(b"x")
    assert stat.S_IMODE(p.stat().st_mode) == stat.S_IMODE(q.stat().st_mode)


def _temporary(folder, dest, pid, host=None):
    """A temporary file of a write of `dest` by process `pid` on this machine (or on `host`)."""
    path = folder / f".{dest}.nnbook-{host or U._HOST}-{pid}-abc123.part"
    path.write_bytes(b"half a file")
    return path


def _probe(monkeypatch, error):
    """os.kill(pid, 0) answers with `error` (None: the process exists and is ours)."""
    def kill(pid, sig):
        assert sig == 0
        if error is not None:
            raise error
    monkeypatch.setattr(U.os, "kill", kill)


@pytest.mark.skipif(os.name != "posix", reason="the process probe is POSIX's kill(pid, 0)")
@pytest.mark.parametrize("error, removed", [
    (ProcessLookupError(), True),      # no such process: the writer was killed, its temporary is an orphan
    (None, False),                     # a live writer of ours
    (PermissionError(), False),        # a live writer owned by another user: its file must stay
])
def test_temporaries_are_removed_only_when_their_writer_is_gone(tmp_path, monkeypatch, error, removed):
    orphan = _temporary(tmp_path, "net.npz", pid=424242)
    _probe(monkeypatch, error)
    U._remove_stale_temporaries(tmp_path / "net.npz")
    assert orphan.exists() is not removed


def test_temporaries_of_another_destination_or_machine_are_left_alone(tmp_path, monkeypatch):
    _probe(monkeypatch, ProcessLookupError())
    other_dest = _temporary(tmp_path, "other.npz", pid=424242)
    other_host = _temporary(tmp_path, "net.npz", pid=424242, host="0badf00d" if U._HOST != "0badf00d" else "0badf00e")
    U._remove_stale_temporaries(tmp_path / "net.npz")
    assert other_dest.exists() and other_host.exists()


def test_day_old_temporaries_go_whoever_wrote_them(tmp_path, monkeypatch):
    _probe(monkeypatch, PermissionError())
    old = _temporary(tmp_path, "net.npz", pid=424242, host="0badf00d")
    day_ago = time.time() - U._STALE_AFTER - 60
    os.utime(old, (day_ago, day_ago))
    U._remove_stale_temporaries(tmp_path / "net.npz")
    assert not old.exists()
