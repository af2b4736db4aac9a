"""Jupyter kernels that talk over Unix sockets instead of TCP ports.

With TCP, jupyter_client picks "free" ports by binding to port 0 and closing the sockets again; the kernel
binds them a moment later. Anything that takes one of those ports in between (another kernel starting at
the same time, any other program) makes the kernel die with `ZMQError: Address already in use`, and the
book build with it. Over IPC there are no ports to race for: each kernel gets socket files of its own,
named by a random prefix in the temporary folder, removed when the kernel shuts down.

`use_ipc_kernels()` makes IPC the default for every kernel this process starts afterwards (the book's
executor, tools/check_reproducible.py, tools/run_plain_notebooks.py). It does nothing where Unix sockets
are not available.
"""
import os
import tempfile
import uuid


def _ipc_ip(original):
    def ip_default(self):
        if self.transport != "ipc":
            return original(self)
        # an absolute prefix: the kernel (in the notebook's folder) and this process (anywhere) must agree
        base = os.path.splitext(self.connection_file)[0] if self.connection_file else \
            os.path.join(tempfile.gettempdir(), f"nnbook-kernel-{uuid.uuid4().hex[:12]}")
        return base + "-ipc"
    ip_default._nnbook_ipc = True
    return ip_default


def use_ipc_kernels() -> bool:
    """Start kernels over IPC from now on; True when it took effect."""
    if os.name != "posix":
        return False
    try:
        import jupyter_client.manager  # noqa: F401  (defines the kernel managers, sync and async, before the patch)
        from jupyter_client.connect import ConnectionFileMixin
    except ImportError:
        return False
    ConnectionFileMixin.class_traits()["transport"].default_value = "ipc"
    classes, stack = set(), [ConnectionFileMixin]
    while stack:                                      # every kernel manager class defined so far
        cls = stack.pop()
        classes.add(cls)
        stack.extend(c for c in cls.__subclasses__() if c not in classes)
    for cls in classes:
        generators = getattr(cls, "_all_trait_default_generators", None)
        if generators is not None and "ip" in generators and not getattr(generators["ip"], "_nnbook_ipc", False):
            generators["ip"] = _ipc_ip(generators["ip"])
    return True
