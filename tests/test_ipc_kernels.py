"""book/_ext/ipc_kernels.py: the kernels the book starts talk over Unix sockets, so no two can race for a TCP port."""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
from ipc_kernels import use_ipc_kernels  # noqa: E402


@pytest.mark.skipif(os.name != "posix", reason="Unix sockets")
def test_a_kernel_started_afterwards_runs_over_ipc_with_an_absolute_socket_prefix(tmp_path):
    import nbformat
    from nbclient import NotebookClient
    assert use_ipc_kernels() and use_ipc_kernels()          # idempotent
    from jupyter_client.manager import AsyncKernelManager, KernelManager
    for cls in (KernelManager, AsyncKernelManager):
        km = cls(kernel_name="python3")
        assert km.transport == "ipc" and os.path.isabs(km.ip)
    assert KernelManager(kernel_name="python3", transport="tcp").ip in ("127.0.0.1", "localhost")
    code = "from ipykernel.kernelapp import IPKernelApp\napp = IPKernelApp.instance()\nprint(app.transport, app.ip)"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}}).execute()
    transport, ip = nb.cells[0].outputs[0]["text"].split()
    assert transport == "ipc" and os.path.isabs(ip)
    assert list(tmp_path.iterdir()) == []                    # no socket file left in the notebook's folder
