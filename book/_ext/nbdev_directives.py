"""Sphinx extension: read nbdev's `#| ...` cell directives in notebooks, hide them, and map them to
myst-nb cell tags before the notebook is executed and rendered.

| directive            | effect in the book                                             |
|----------------------|----------------------------------------------------------------|
| `#| default_exp ...` | cell removed (it only names the module)                         |
| `#| hide`            | cell removed (`remove-cell`)                                     |
| `#| echo: false`     | input hidden (`remove-input`)                                    |
| `#| output: false`   | output hidden (`remove-output`)                                  |
| `#| eval: false`     | not executed (`skip-execution`), except in cells tagged          |
|                      | `raises-exception`: the book runs those to show the error       |
| anything else        | the line is removed (`#| export`, `#| slow`, ...)                |

It also renders progress bars (tqdm) the way a terminal shows them: in cell outputs, text that a
carriage return overwrote is dropped, so a bar appears once, in its final state. And a traceback (a
cell tagged `raises-exception`) or a warning names files as a reader's machine would: the folder the
book was built in is dropped (`/home/ci/nnbook/nnbook/network.py` -> `nnbook/network.py`, and
`.../site-packages/numpy/...` -> `numpy/...`).
"""
import json
import re

# The mapping lives in the package (nnbook.cli, which `nnbook run` uses too): one definition for both.
from nnbook.cli import _convert_cell as convert_cell  # noqa: E402


def on_source_read(app, docname, source):
    path = str(app.env.doc2path(docname))
    if not path.endswith(".ipynb"):
        return
    nb = json.loads(source[0])
    nb["cells"] = [convert_cell(c) for c in nb.get("cells", [])]
    source[0] = json.dumps(nb)


def collapse_carriage_returns(text: str) -> str:
    """Keep, on every line, only what follows the last carriage return (as a terminal would show it).

    A redrawn line (a progress bar) also loses its trailing blanks: tqdm pads a redraw to the length of
    the line it overwrites, which depends on how many redraws the timing allowed, so the padding would
    make the page differ from build to build. Lines without a carriage return are kept exactly.
    """
    lines = []
    for line in text.split("\n"):
        if "\r" not in line:
            lines.append(line)
            continue
        parts = [p for p in line.split("\r") if p.strip()]
        lines.append(parts[-1].rstrip() if parts else "")
    return "\n".join(lines)


# An absolute path up to the package folder (`.../nnbook/x.py`), or up to and including an installation's
# package folder (`.../site-packages/`, `.../lib/python3.11/`)
_MACHINE_PREFIX = re.compile(r"(?:/[\w.+~-]+)+/(?=nnbook/[\w/]+\.py)"
                             r"|(?:/[\w.+~-]+)*/(?:site-packages|dist-packages|lib/python3\.\d+)/(?=\w)")


def strip_machine_paths(text: str) -> str:
    """Drop the build machine's folders from the file names in a traceback or warning."""
    return _MACHINE_PREFIX.sub("", text)


def _terminal_streams(original):
    """Wrap myst-nb's stream merging: join each stream's pieces as a terminal would (myst-nb would put a
    newline after every piece, turning each redraw of a progress bar into a line of its own)."""
    def coalesce(outputs):
        merged, streams = [], {}
        for out in outputs or []:
            if out.get("output_type") == "error":
                out = type(out)(out)
                out["traceback"] = [strip_machine_paths(line) for line in out.get("traceback", [])]
            if out.get("output_type") == "stream":
                if out["name"] in streams:
                    streams[out["name"]]["text"] += out["text"]
                    continue
                out = type(out)(out)                 # a copy: the cached notebook is not changed
                streams[out["name"]] = out
            merged.append(out)
        for out in streams.values():
            out["text"] = strip_machine_paths(collapse_carriage_returns(out["text"]))
        return original(merged)
    return coalesce


def setup(app):
    from ipc_kernels import use_ipc_kernels      # book/_ext: no TCP port races between kernels
    use_ipc_kernels()
    import myst_nb.core.render as render
    if not getattr(render.coalesce_streams, "_nnbook", False):
        render.coalesce_streams = _terminal_streams(render.coalesce_streams)
        render.coalesce_streams._nnbook = True
    app.connect("source-read", on_source_read, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
