"""tools/check_reproducible.py: what it compares, what it ignores, what it reports (tiny synthetic notebooks)."""
import importlib.util
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("check_reproducible", ROOT / "tools" / "check_reproducible.py")
repro = importlib.util.module_from_spec(spec)
spec.loader.exec_module(repro)


def stream(text, name="stdout"):
    return new_output("stream", name=name, text=text)


def display(text, mime="text/plain"):
    return new_output("display_data", data={mime: text})


def nb(*cells):
    """A notebook of code cells given as (outputs, tags), with a markdown cell in front."""
    return new_notebook(cells=[new_markdown_cell("# t")] + [
        new_code_cell(f"x = {i}", outputs=outs, metadata={"tags": tags} if tags else {})
        for i, (outs, tags) in enumerate(cells)])


def run(capsys, first, second):
    status = repro.compare({"a.ipynb": first}, {"a.ipynb": second})
    return status, capsys.readouterr().out


def test_identical_outputs_pass_and_the_summary_counts_cells(capsys):
    cells = ([stream("loss 0.25\n")], None), ([display("0.9731")], None), ([stream("3.2 s\n")], ["timing"])
    status, out = run(capsys, nb(*cells), nb(*cells))
    assert status == 0
    assert ("reproducibility: 1 notebooks, 2 code cells compared, 1 cells ignored (tagged `timing`), "
            "0 cells differ: PASSED") in out


def test_a_differing_text_output_fails_and_names_notebook_cell_and_lines(capsys):
    status, out = run(capsys, nb(([stream("loss 0.25\nacc 0.97\n")], None)),
                      nb(([stream("loss 0.25\nacc 0.98\n")], None)))
    assert status == 1
    assert "DIFFERS: a.ipynb, code cell 0" in out and "x = 0" in out
    assert "-[stdout] acc 0.97" in out and "+[stdout] acc 0.98" in out and "FAILED" in out


def test_a_differing_glued_value_fails(capsys):
    status, out = run(capsys, nb(([display("0.9731")], None)), nb(([display("0.9732")], None)))
    assert status == 1 and "+[text/plain] 0.9732" in out


def test_a_timing_cell_may_differ_and_is_counted_as_ignored(capsys):
    status, out = run(capsys, nb(([stream("1.0 s\n")], ["timing"]), ([stream("ok\n")], None)),
                      nb(([stream("2.5 s\n")], ["timing"]), ([stream("ok\n")], None)))
    assert status == 0 and "1 code cells compared, 1 cells ignored" in out


def test_tqdm_bars_compare_their_final_state_without_times(capsys):
    run1 = [stream("fit:  50%|#####     | 1/2 [00:01<00:01,  1.01epoch/s]\r", "stderr"),
            stream("fit: 100%|##########| 2/2 [00:02<00:00,  1.00epoch/s, loss=0.1]\n", "stderr")]
    run2 = [stream("fit:   0%|          | 0/2 [00:00<?, ?epoch/s]\rfit:  50%|#####     | 1/2 [00:03<00:03,"
                   "  3.05s/epoch]\rfit: 100%|##########| 2/2 [00:06<00:00,  3.01s/epoch, loss=0.1]\n", "stderr")]
    assert run(capsys, nb((run1, None)), nb((run2, None)))[0] == 0
    other = [stream("fit: 100%|##########| 2/2 [00:02<00:00,  1.00epoch/s, loss=0.2]\n", "stderr")]
    status, out = run(capsys, nb((run1, None)), nb((other, None)))
    assert status == 1 and "loss=0.2" in out                                # the postfix is compared


def test_streams_are_joined_and_addresses_dropped(capsys):
    a = nb(([stream("a"), stream("b\n"), display("<Net at 0x7f00aa>")], None))
    b = nb(([stream("ab\n"), display("<Net at 0x7f11bb>")], None))
    assert run(capsys, a, b)[0] == 0


def test_figures_are_compared_by_presence(capsys):
    png = lambda data: new_output("display_data", data={"image/png": data, "text/plain": "<Figure>"})
    assert run(capsys, nb(([png("AAAA")], None)), nb(([png("BBBB")], None)))[0] == 0
    assert run(capsys, nb(([png("AAAA")], None)), nb(([display("<Figure>")], None)))[0] == 1


def test_different_cells_or_notebooks_are_errors(capsys):
    a = nb(([stream("1\n")], None))
    b = nb(([stream("1\n")], None), ([stream("2\n")], None))
    status, out = run(capsys, a, b)
    assert status == 1 and "different code cells" in out
    status = repro.compare({"a.ipynb": a}, {"b.ipynb": a})
    assert status == 1 and "different notebooks" in capsys.readouterr().out


def test_toc_notebooks_lists_the_book_in_order():
    names = [p.name for p in repro.toc_notebooks(ROOT)]
    assert names[0] == "01_perceptron.ipynb" and "07_mnist.ipynb" in names and "90_api.ipynb" in names
    assert len(names) == len(set(names)) and all((ROOT / "nbs" / n).is_file() for n in names)


def test_the_command_line_needs_two_caches_or_notebooks(capsys):
    with pytest.raises(SystemExit):
        repro.main(["only-one"])
    assert "two jupyter-cache folders" in capsys.readouterr().err


def _cache_with(tmp_path, source_nb, outputs):
    """A jupyter-cache folder holding `source_nb` as if the book had executed it with these outputs."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    path = tmp_path / "t.ipynb"
    nbformat.write(source_nb, str(path))
    executed = repro.converted(path)
    for cell, outs in zip([c for c in executed.cells if c.cell_type == "code"], outputs):
        cell.outputs = outs
    cache = get_cache(str(tmp_path / "cache"))
    cache.cache_notebook_bundle(CacheBundleIn(executed, str(path)), check_validity=False)
    return path, tmp_path / "cache"


def test_against_a_cache_executes_once_and_compares(tmp_path, capsys):
    import numpy as np
    source = new_notebook(cells=[
        new_code_cell("import numpy as np\nprint(np.random.default_rng(0).integers(100))"),
        new_code_cell("import time\nprint(time.time())", metadata={"tags": ["timing"]})],
        metadata={"kernelspec": {"name": "python3", "display_name": "python3", "language": "python"}})
    expected = f"{np.random.default_rng(0).integers(100)}\n"
    path, cache = _cache_with(tmp_path, source, [[stream(expected)], [stream("12.5\n")]])
    assert repro.main(["--against", str(cache), str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 code cells compared, 1 cells ignored (tagged `timing`), 0 cells differ: PASSED" in out


def test_against_a_cache_of_other_source_is_an_error(tmp_path, capsys):
    path, cache = _cache_with(tmp_path, nb(([stream("1\n")], None)), [[stream("1\n")]])
    nbformat.write(nb(([stream("1\n")], None), ([], None)), str(path))       # the source changed since
    assert repro.cached_execution(cache, path) is None
    assert repro.main(["--against", str(cache), str(path)]) == 1
    assert "holds no execution of the current source" in capsys.readouterr().out


def test_a_progress_bar_redrawn_with_timing_dependent_padding_is_the_same_bar(capsys):
    """tqdm pads a redraw to the length of the line it overwrites: the final bar's trailing blanks depend on
    how many redraws the timing allowed, and must not make two builds differ (the flaky case of §3.5)."""
    fast = stream("\r 0%|  | 0/5\r100%|##| 5/5 [00:01<00:00, loss=0.0022]\n", name="stderr")
    slow = stream("\r 0%|  | 0/5\r 60%|#  | 3/5 [00:00<00:00, loss=0.00215]\r"
                  "100%|##| 5/5 [00:01<00:00, loss=0.0022] \n", name="stderr")
    status, out = run(capsys, nb(([fast], None)), nb(([slow], None)))
    assert status == 0, out


def test_trailing_blanks_of_ordinary_output_still_count(capsys):
    status, out = run(capsys, nb(([stream("a table row  \n")], None)), nb(([stream("a table row\n")], None)))
    assert status == 1
