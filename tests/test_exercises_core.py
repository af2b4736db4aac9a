"""nnbook.exercises: the verdicts a check gives, hints and solutions, and the exercise notebooks (on a
synthetic exercise table, independent of the chapter's own exercises)."""
import json

import numpy as np
import pytest

import nnbook.exercises.core as ex
from nnbook.exercises import CheckResult, Tester, check, hint, solution


def _check_double(t, double):
    X = t.rng.normal(size=(3, 4))
    t.close(t.call(double, X, name="double"), 2 * X, "double(X)", factors={0.5: "did you forget the factor 2?"})
    t.note("a random (3, 4) array")


def _check_halving(t, double):
    X = t.rng.normal(size=(3, 4))

    def diagnose(actual, expected):
        if np.allclose(actual, X / 2):
            return "double(X) halves X", "Doubling multiplies by 2; dividing by 2 halves."
    t.close(t.call(double, X, name="double"), 2 * X, "double(X)", diagnose=diagnose)
    t.check(t.call(double, np.zeros((2, 2)), name="double").shape == (2, 2), "double(0) has another shape",
            hint="Return an array of the input's shape.")


TABLE = {"3.4w": dict(title="Doubling, with hints", names=("double",), check=_check_halving,
                      hints=("a nudge", "more", "the answer: 2 * X"), reveals=3, solution=""),
         "3.4y": dict(title="Doubling", names=("double",), check=_check_double,
                      hints=("first hint", "second hint"), solution="The answer is on the page."),
         "3.4z": dict(title="An open question", names=(), check=None, hints=(), solution="")}


@pytest.fixture(autouse=True)
def fake_table(monkeypatch):
    real = ex._table
    monkeypatch.setattr(ex, "_table", lambda section: TABLE if section == "3.4" else real(section))
    ex._hints_shown.clear()
    ex._targeted_hints.clear()
    ex._giveaway_announced.clear()


def verdict(capsys, **objects):
    r = check("3.4y", **objects)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, f"one verdict line expected: {out!r}"
    return r, out


def test_a_right_attempt_passes_and_is_truthy(capsys):
    r, out = verdict(capsys, double=lambda X: 2 * X)
    assert r and r.status == "passed" and "✓ Exercise 3.4y: passed (a random (3, 4) array)" in out


@pytest.mark.parametrize("attempt, status, phrase", [
    (lambda X: None, "not attempted", "returns None"),
    (None, "not attempted", "still None"),
    (..., "not attempted", "still Ellipsis"),
    (lambda X: X, "failed", "0.5 times what it should be: did you forget the factor 2?"),
    (lambda X: -2 * X, "failed", "wrong sign"),
    (lambda X: 3 * X, "failed", "1.5 times what it should be everywhere"),
    (lambda X: 2 * X.T, "failed", "has shape (4, 3), expected (3, 4): transposed?"),
    (lambda X: 2 * X.ravel(), "failed", "keep it 2-D"),
    (lambda X: np.full_like(X, np.nan), "failed", "NaN or infinite"),
    (lambda X: 2 * X + (X > 0), "failed", "largest difference"),
    (lambda X: "twice", "failed", "should be an array of numbers"),
])
def test_wrong_and_untouched_attempts_get_a_diagnosis_not_the_answer(capsys, attempt, status, phrase):
    r, out = verdict(capsys, double=attempt)
    assert not r and r.status == status and phrase in r.message, r.message
    assert phrase in out
    X = np.random.default_rng(0).normal(size=(3, 4))
    assert f"{2 * X[0, 0]:.3g}" not in out            # the expected values are never printed


def test_a_skeleton_raising_not_implemented_is_not_attempted(capsys):
    def double(X):
        raise NotImplementedError
    r, out = verdict(capsys, double=double)
    assert r.status == "not attempted" and "not attempted yet" in out and "fill in the TODOs" in out


def test_an_exception_in_the_learners_code_is_one_line_naming_function_and_line(capsys):
    def double(X):
        Y = X @ X
        return 2 * Y
    r, out = verdict(capsys, double=double)
    assert r.status == "error" and "ValueError" in out and "at line" in out and "Y = X @ X" in out
    assert "Traceback" not in out


def test_modifying_an_input_in_place_fails(capsys):
    def double(X):
        X *= 2
        return X
    r, _ = verdict(capsys, double=double)
    assert r.status == "failed" and "modified its input `X` in place" in r.message and "out=" not in r.message


def test_names_are_looked_up_in_the_callers_namespace(capsys):
    def double(X):
        return 2 * X
    assert check("3.4y")                                    # `double` is a local of this test
    assert "passed" in capsys.readouterr().out


def test_a_missing_name_is_not_attempted_and_unknown_keywords_are_refused(capsys):
    r = check("3.4y")
    assert r.status == "not attempted" and "`double`" in r.message
    with pytest.raises(TypeError, match="takes the names double"):
        check("3.4y", dubble=lambda X: X)


def test_an_open_ended_exercise_is_unchecked_and_points_to_the_solution(capsys):
    r = check("3.4z")
    assert not r and r.status == "unchecked" and "solution('3.4z')" in capsys.readouterr().out


def test_a_check_that_cannot_use_the_attempt_says_so(capsys):
    def needs_attribute(t, double):
        return double.parameters
    TABLE["3.4x"] = dict(title="x", names=("double",), check=needs_attribute, hints=(), solution="")
    try:
        r = check("3.4x", double=lambda X: X)
    finally:
        del TABLE["3.4x"]
    assert r.status == "failed" and "AttributeError" in r.message and "starter code" in r.message


def test_unknown_exercises_name_the_valid_ones():
    with pytest.raises(ValueError, match="has the exercises 3.4w, 3.4y, 3.4z"):
        check("3.4q")
    with pytest.raises(ValueError, match="e.g. '3.4b'"):
        check("3.9a")


def test_hints_come_one_at_a_time_then_point_to_the_solution(capsys):
    hint("3.4y"); hint("3.4y"); hint("3.4y")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Hint 1 of 2 for Exercise 3.4y: first hint"
    assert out[1] == "Hint 2 of 2 for Exercise 3.4y: second hint"
    assert "last hint" in out[2] and "solution('3.4y')" in out[2]
    hint("3.4y", reset=True)
    assert capsys.readouterr().out.startswith("Hint 1 of 2")


def test_after_a_failed_check_the_first_hint_is_the_one_for_that_mistake(capsys):
    assert not check("3.4w", double=lambda X: X / 2)
    hint("3.4w")
    out = capsys.readouterr().out
    assert "halves X" in out and "mistake your last check of Exercise 3.4w found: Doubling multiplies by 2" in out
    hint("3.4w")                                          # then the staged hints, from the first
    assert capsys.readouterr().out.startswith("Hint 1 of 3 for Exercise 3.4w: a nudge")


def test_a_passing_or_untargeted_check_leaves_the_staged_hints(capsys):
    assert check("3.4w", double=lambda X: 2 * X)
    assert not check("3.4w", double=lambda X: 3 * X)      # a failure without a targeted hint
    capsys.readouterr()
    hint("3.4w")
    assert capsys.readouterr().out.startswith("Hint 1 of 3")


def test_a_later_passing_check_forgets_the_targeted_hint(capsys):
    assert not check("3.4w", double=lambda X: X / 2)
    assert check("3.4w", double=lambda X: 2 * X)
    capsys.readouterr()
    hint("3.4w")
    assert capsys.readouterr().out.startswith("Hint 1 of 3")


def test_the_giveaway_hint_is_announced_before_it_is_shown(capsys):
    for _ in range(4):
        hint("3.4w")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Hint 1 of 3") and out[1].startswith("Hint 2 of 3")
    assert "Hint 3 of 3 for Exercise 3.4w gives the answer away" in out[2] and "2 * X" not in out[2]
    assert out[3] == "Hint 3 of 3 for Exercise 3.4w: the answer: 2 * X"


def test_an_endless_loop_gets_a_verdict_after_the_time_limit(capsys, monkeypatch):
    monkeypatch.setattr(ex.Tester, "time_limit", 0.3)

    def double(X):
        while True:
            pass
    r, out = verdict(capsys, double=double)
    assert r.status == "failed" and "did not finish within 0.3 s" in out
    hint("3.4y")
    assert "loop" in capsys.readouterr().out


def test_the_time_limit_does_not_outlive_the_call():
    import signal
    t = ex.Tester()
    assert t.call(lambda X: 2 * X, np.ones(2), time_limit=5).tolist() == [2, 2]
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.mark.parametrize("make, words", [
    (lambda tmp: tmp / "afile", "is a file, not a folder"),
    (lambda tmp: tmp / "afile" / "sub", "is a file, not a folder"),
    (lambda tmp: "/proc/nnbook-exercises", "Cannot create the folder /proc/nnbook-exercises"),
])
def test_a_folder_that_takes_no_notebook_is_named_with_what_to_do(tmp_path, make, words):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(OSError) as info:
        ex.write_exercises("3.4", make(tmp_path))
    assert words in str(info.value) and "Choose a folder you can write" in str(info.value)
    assert "[Errno" not in str(info.value)


def test_solution_gives_the_page_address_and_the_note(capsys):
    solution("3.4y")
    out = capsys.readouterr().out
    assert "https://nnbook.github.io/nnbook/nbs/04_backprop.html#ex-3-4y" in out and "The answer is on the page." in out


def test_the_result_is_falsy_unless_passed_and_shows_nothing_more_in_a_notebook():
    assert not CheckResult("3.4y", "failed", "x") and CheckResult("3.4y", "passed", "")
    assert CheckResult("3.4y", "failed", "x")._ipython_display_() is None
    assert repr(CheckResult("3.4y", "error", "x")) == "CheckResult('3.4y', 'error')"


def test_tester_equal_counts_differences_without_showing_the_answer():
    t = Tester()
    t.equal([1, 0, 1], np.array([1, 0, 1]), "labels")
    with pytest.raises(ex._Failed, match=r"1 of 3 entries are not right \(the first at index \(2,\)\)"):
        t.equal([1, 0, 0], np.array([1, 0, 1]), "labels")
    with pytest.raises(ex._Failed, match="is 3, which is not right"):
        t.equal(3, 4, "the number of updates")


def test_samples_in_rows_are_a_transpose():
    with pytest.raises(ex._Failed, match=r"transposed\? \(examples go in columns"):
        Tester().array(np.zeros((7, 3)), "A", shape=(3, 7))


# --- exercise notebooks ----------------------------------------------------------------------------
def chapter(*cells):
    def cell(kind, text, tags):
        c = {"cell_type": kind, "metadata": {"tags": list(tags)} if tags else {}, "source": text}
        if kind == "code":
            c.update(outputs=[], execution_count=None)
        return c
    return {"cells": [cell(*c) for c in cells]}


CHAPTER = chapter(
    ("markdown", "(sec-3-4)=\n# 3.4 Backpropagation", ()),
    ("markdown", "(ex-3-4y)=\n### Exercise 3.4y: Doubling\n\n:::{admonition} Try it before you read on\n:class: exercise\n"
                 "Write `double` (see {ref}`§3.3 <sec-3-3>` and {numref}`fig-s34-graph`).\n:::", ("exercise",)),
    ("code", "#| eval: false\ndef double(X):\n    raise NotImplementedError  # TODO", ("exercise", "exercise-starter")),
    ("code", 'check("3.4y")', ("exercise", "exercise-check")),
    ("code", "def double(X):\n    return 2 * X", ()),
    ("markdown", "### Exercise 3.4z: An open question\n\nThink.", ("exercise",)),
)


def test_a_starter_notebook_holds_the_tagged_cells_as_plain_markdown_and_code():
    nb = ex.starter_notebook(CHAPTER, "3.4")
    kinds = [(c["cell_type"], c["metadata"].get("tags", [])) for c in nb["cells"]]
    assert kinds == [("markdown", []), ("code", []), ("markdown", []), ("code", ["exercise-starter"]),
                     ("code", ["exercise-check"]), ("markdown", [])]
    statement = nb["cells"][2]["source"]
    assert statement.startswith("### Exercise 3.4y: Doubling") and "**Try it before you read on**" in statement
    assert ":::" not in statement and ":class:" not in statement and "(ex-3-4y)=" not in statement
    assert "see §3.3 and fig-s34-graph" in statement
    assert nb["cells"][3]["source"] == "def double(X):\n    raise NotImplementedError  # TODO"
    assert [c["metadata"]["nnbook"]["exercise"] for c in nb["cells"][2:]] == ["3.4y"] * 3 + ["3.4z"]
    assert "from nnbook.exercises import check, hint, solution" in nb["cells"][1]["source"]
    assert len({c["id"] for c in nb["cells"]}) == len(nb["cells"])
    one = ex.starter_notebook(CHAPTER, "3.4", only="3.4z")
    assert [c["source"].split("\n")[0] for c in one["cells"][2:]] == ["### Exercise 3.4z: An open question"]


def test_a_starter_notebook_runs_and_its_check_says_not_attempted(capsys):
    nb = ex.starter_notebook(CHAPTER, "3.4", only="3.4y")
    scope = {}
    exec("from nnbook.exercises import check", scope)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "pip" not in cell["source"]:
            exec(cell["source"], scope)
    out = capsys.readouterr().out
    assert "not attempted yet" in out


def test_an_exercise_cell_before_any_statement_is_an_error():
    with pytest.raises(ValueError, match="before any exercise statement"):
        ex.starter_notebook(chapter(("code", "x = 1", ("exercise",))), "3.4")


def test_write_exercises_keeps_existing_work_unless_forced(tmp_path, monkeypatch):
    starters = tmp_path / "starters"
    starters.mkdir()
    for s in ex.SECTIONS:
        (starters / ex.starter_name(s)).write_text(json.dumps(ex.starter_notebook(CHAPTER, "3.4")))
    monkeypatch.setattr(ex, "starters_dir", lambda: starters)
    out = tmp_path / "mine"
    assert [p.name for p in ex.write_exercises("3.4", out)] == ["exercises-3.4.ipynb"]
    (out / "exercises-3.4.ipynb").write_text("my work")
    with pytest.raises(FileExistsError, match="Not overwriting .*exercises-3.4.ipynb: it may hold your work"):
        ex.write_exercises("3.4", out)
    assert (out / "exercises-3.4.ipynb").read_text() == "my work"
    ex.write_exercises("3.4", out, force=True)
    assert json.loads((out / "exercises-3.4.ipynb").read_text())["nbformat"] == 4
    assert len(ex.write_exercises(None, tmp_path / "all")) == 8
    single = json.loads(ex.write_exercises("3.4y", out)[0].read_text())
    assert {c["metadata"]["nnbook"]["exercise"] for c in single["cells"]} == {"3.4y"}
    assert not list(out.glob(".*"))                                       # atomic writes leave no temporary file
    (out / "plain.txt").write_text("x")                                 # a learner's notebook: a plain file's permissions
    assert (out / "exercises-3.4.ipynb").stat().st_mode == (out / "plain.txt").stat().st_mode


def test_the_set_up_cell_says_in_one_line_what_to_do_when_the_install_fails(monkeypatch):
    import importlib.util
    import subprocess
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 1))
    setup = ex._SETUP.split("\n\nimport numpy")[0]                  # the install part of the set-up cell
    with pytest.raises(SystemExit) as info:
        exec(setup, {})
    message = str(info.value)
    assert "\n" not in message and "pip install nnbook" in message and "run this cell again" in message
