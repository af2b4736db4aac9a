"""Tests of the §3.2 exercise checkers (nnbook.exercises.s32._EXERCISES): correct attempts written from
the starter code pass, untouched skeletons are "not attempted", and typical wrong attempts are
rejected with their diagnosis."""
import numpy as np
import pytest

import nnbook
from nnbook.exercises import check, hint, list_exercises, solution


# ------------------------------------------------------------------------------ 3.2a: correct attempt
def sigmoid(Z):
    """σ(Z) = 1 / (1 + e^(−Z)), elementwise, without overflow for any Z."""
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1 / (1 + E), E / (1 + E))


def tanh(Z):
    """tanh(Z), elementwise, values in (−1, 1)."""
    return np.tanh(Z)


def relu(Z):
    """max(0, Z), elementwise, in a new array."""
    return np.maximum(0, Z)


def softmax(Z):
    """Softmax of each column of Z, shape (classes, batch), without overflow for large scores."""
    E = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    return E / np.sum(E, axis=0, keepdims=True)


def _a(**overrides):
    objs = dict(sigmoid=sigmoid, tanh=tanh, relu=relu, softmax=softmax)
    objs.update(overrides)
    return check("3.2a", **objs)


def _failed(r, *phrases):
    assert r.status in ("failed", "error") and not r, (r.status, r.message)
    for p in phrases:
        assert p in r.message, (p, r.message)


def test_32a_correct_attempt_passes():
    r = _a()
    assert r and r.status == "passed"


def test_32a_other_correct_forms_pass():
    def sigmoid_tanh(Z):
        return 0.5 * (1 + np.tanh(Z / 2))             # an exact identity, no overflow

    def tanh_via_sigmoid(Z):
        return 2 * sigmoid(2 * Z) - 1

    def relu_mask(Z):
        return Z * (Z > 0)

    def softmax_no_keepdims(Z):                       # (k, m) / (m,) broadcasts over the columns
        E = np.exp(Z - Z.max(axis=0))
        return E / E.sum(axis=0)
    assert _a(sigmoid=sigmoid_tanh, tanh=tanh_via_sigmoid, relu=relu_mask, softmax=softmax_no_keepdims)


def test_32a_untouched_skeleton_is_not_attempted():
    def sigmoid(Z):
        raise NotImplementedError

    def tanh(Z):
        raise NotImplementedError

    def relu(Z):
        raise NotImplementedError

    def softmax(Z):
        raise NotImplementedError
    r = check("3.2a", sigmoid=sigmoid, tanh=tanh, relu=relu, softmax=softmax)
    assert r.status == "not attempted" and not r


def test_32a_softmax_still_a_skeleton_is_not_attempted():
    def softmax(Z):
        pass
    r = _a(softmax=softmax)
    assert r.status == "not attempted" and not r


def test_32a_softmax_overflow_without_max_subtraction():
    def softmax_naive(Z):
        E = np.exp(Z)
        return E / E.sum(axis=0, keepdims=True)
    _failed(_a(softmax=softmax_naive), "`softmax` overflows", "e^1000 is too large")


def test_32a_softmax_global_max_gives_0_over_0():
    def softmax_global_max(Z):
        E = np.exp(Z - Z.max())
        return E / E.sum(axis=0, keepdims=True)
    _failed(_a(softmax=softmax_global_max), "0/0", "each column's own", "not the\nwhole array's".replace("\n", " "))


def test_32a_softmax_over_rows():
    def softmax_rows(Z):
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)
    _failed(_a(softmax=softmax_rows), "rows", "each column is one example")


def test_32a_softmax_over_the_whole_array():
    def softmax_all(Z):
        E = np.exp(Z - Z.max())
        return E / E.sum()
    _failed(_a(softmax=softmax_all), "whole array", "each column is one")


def test_32a_softmax_in_place():
    def softmax_in_place(Z):
        Z -= Z.max(axis=0, keepdims=True)
        np.exp(Z, out=Z)
        Z /= Z.sum(axis=0, keepdims=True)
        return Z
    _failed(_a(softmax=softmax_in_place), "`softmax` modified its input `Z` in place")


def test_32a_sigmoid_textbook_formula_overflows():
    def sigmoid_textbook(Z):
        return 1 / (1 + np.exp(-Z))
    _failed(_a(sigmoid=sigmoid_textbook), "`sigmoid` overflows for large negative z", "overflow encountered")


def test_32a_sigmoid_np_where_still_overflows():
    def sigmoid_where(Z):
        return np.where(Z >= 0, 1 / (1 + np.exp(-Z)), np.exp(Z) / (1 + np.exp(Z)))
    _failed(_a(sigmoid=sigmoid_where), "np.where does not help")


def test_32a_sigmoid_wrong_sign_of_exponent():
    def sigmoid_sign(Z):
        E = np.exp(-np.abs(Z))
        return np.where(Z >= 0, E / (1 + E), 1 / (1 + E))      # σ(−z)
    _failed(_a(sigmoid=sigmoid_sign), "σ(−Z)")


def test_32a_tanh_formula_overflows():
    def tanh_formula(Z):
        return (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z))
    _failed(_a(tanh=tanh_formula), "`tanh` overflows for large |z|")


def test_32a_relu_in_place():
    def relu_in_place(Z):
        Z[Z < 0] = 0
        return Z
    _failed(_a(relu=relu_in_place), "`relu` modified its input `Z` in place", "leave `Z` unchanged")


def test_32a_relu_with_python_max():
    def relu_python(Z):
        return max(0, Z)
    _failed(_a(relu=relu_python), "Python's max()", "elementwise")


def test_32a_relu_abs():
    def relu_abs(Z):
        return np.abs(Z)
    _failed(_a(relu=relu_abs), "|z|")


# ------------------------------------------------------------------------------ 3.2b: correct attempt
def sigmoid_derivative(Z):
    """σ'(Z), elementwise (nnbook.sigmoid computes σ without overflow)."""
    A = nnbook.sigmoid(Z)
    return A * (1 - A)


def tanh_derivative(Z):
    """tanh'(Z), elementwise."""
    return 1 - np.tanh(Z) ** 2


def relu_derivative(Z):
    """ReLU'(Z), elementwise; 0 at Z = 0."""
    return np.where(Z > 0, 1.0, 0.0)


def _b(**overrides):
    objs = dict(sigmoid_derivative=sigmoid_derivative, tanh_derivative=tanh_derivative,
                relu_derivative=relu_derivative)
    objs.update(overrides)
    return check("3.2b", **objs)


def test_32b_correct_attempt_passes():
    r = _b()
    assert r and r.status == "passed"


def test_32b_untouched_skeleton_is_not_attempted():
    def sigmoid_derivative(Z):
        raise NotImplementedError

    def tanh_derivative(Z):
        raise NotImplementedError

    def relu_derivative(Z):
        raise NotImplementedError
    r = check("3.2b", sigmoid_derivative=sigmoid_derivative, tanh_derivative=tanh_derivative,
              relu_derivative=relu_derivative)
    assert r.status == "not attempted" and not r


def test_32b_sigmoid_instead_of_its_derivative():
    _failed(_b(sigmoid_derivative=lambda Z: nnbook.sigmoid(Z)), "σ(z) itself", "not its derivative")


def test_32b_sigmoid_derivative_applied_to_z():
    _failed(_b(sigmoid_derivative=lambda Z: Z * (1 - Z)), "z(1 − z)", "a = σ(z)")


def test_32b_sigmoid_derivative_own_exponentials_overflow():
    def sigmoid_derivative_exp(Z):
        return np.exp(-Z) / (1 + np.exp(-Z)) ** 2
    _failed(_b(sigmoid_derivative=sigmoid_derivative_exp), "overflows for large |z|")


def test_32b_tanh_derivative_without_the_square():
    _failed(_b(tanh_derivative=lambda Z: 1 - np.tanh(Z)), "1 − tanh(z)", "1 − tanh²(z)")


def test_32b_tanh_derivative_squares_z():
    _failed(_b(tanh_derivative=lambda Z: 1 - Z ** 2), "1 − z²")


def test_32b_relu_derivative_not_zero_for_negative_z():
    _failed(_b(relu_derivative=lambda Z: np.ones_like(Z)), "not 0 where z < 0")


def test_32b_relu_derivative_sign():
    _failed(_b(relu_derivative=lambda Z: np.sign(Z)), "negative where z < 0")


def test_32b_relu_derivative_one_at_the_kink():
    _failed(_b(relu_derivative=lambda Z: (Z >= 0).astype(float)), "`relu_derivative(0)` is not 0", "uses 0")


def test_32b_relu_derivative_with_an_if():
    def relu_derivative_if(Z):
        return 1.0 if Z > 0 else 0.0
    _failed(_b(relu_derivative=relu_derivative_if), "`relu_derivative` uses Python's max() or an `if`")


def test_32b_relu_derivative_returns_relu():
    _failed(_b(relu_derivative=lambda Z: np.maximum(Z, 0)), "ReLU(z) itself")


# ------------------------------------------------------------------------------ registry, hints, 3.2c
def test_32_registry_hints_and_solutions(capsys):
    rows = {r["id"]: r for r in list_exercises() if r["section"] == "3.2"}
    assert set(rows) == {"3.2a", "3.2b", "3.2c"}
    for eid in rows:
        hint(eid, reset=True)
    capsys.readouterr()
    assert rows["3.2a"]["checkable"] and rows["3.2b"]["checkable"] and not rows["3.2c"]["checkable"]
    for eid in rows:
        for _ in range(3):
            hint(eid)
        solution(eid)
    out = capsys.readouterr().out
    assert out.count("gives the answer away") == 2 and "worked solution" in out   # 3.2a and 3.2b
    assert "Hint 3 of 3 for Exercise 3.2c:" in out
    hint("3.2a")
    assert "Hint 3 of 3 for Exercise 3.2a: sigmoid" in capsys.readouterr().out
    for eid in rows:
        hint(eid, reset=True)
    capsys.readouterr()


# ------------------------------------------------------------------------------ stated requirements
def test_32a_wrong_shape_is_caught():
    _failed(_a(relu=lambda Z: np.maximum(0, Z).ravel()), "`relu(Z)` has shape (15,), expected (3, 5)")


def test_32a_softmax_one_column_with_a_flat_result():
    def softmax_flat(Z):
        E = np.exp(Z - Z.max(axis=0))
        return (E / E.sum(axis=0)).ravel() if Z.shape[1] == 1 else E / E.sum(axis=0)
    _failed(_a(softmax=softmax_flat), "`softmax` of one column")


def test_32b_derivative_in_place_is_caught():
    def relu_derivative_in_place(Z):
        Z[...] = Z > 0
        return Z
    _failed(_b(relu_derivative=relu_derivative_in_place), "`relu_derivative` modified its input `Z` in place")


def test_32b_tanh_derivative_own_exponentials_overflow():
    def tanh_derivative_cosh(Z):
        return 4 / (np.exp(Z) + np.exp(-Z)) ** 2
    _failed(_b(tanh_derivative=tanh_derivative_cosh), "`tanh_derivative` overflows for large |z|")


def test_32b_statement_states_every_checked_requirement():
    """The overflow and in-place requirements the checker tests are in the statement of 3.2b."""
    import json
    from pathlib import Path
    nb = json.loads((Path(__file__).resolve().parent.parent / "nbs" / "02_activations.ipynb").read_text())
    text = next("".join(c["source"]) for c in nb["cells"]
                if "Exercise 3.2b: Computing" in "".join(c["source"]))
    assert "without overflow" in text and "without changing `Z`" in text and "same shape" in text
    text = next("".join(c["source"]) for c in nb["cells"]
                if "Exercise 3.2a: Plotting" in "".join(c["source"]))
    assert "`sigmoid`, `tanh` and `softmax` must work without overflow" in text


TARGETED_32 = [
    ("3.2a", dict(sigmoid=lambda Z: 1 / (1 + np.exp(-Z))), "only exponentiates a number ≤ 0"),
    ("3.2a", dict(relu=lambda Z: np.abs(Z)), "negative input"),
    ("3.2a", dict(relu=lambda Z: max(0, Z)), "elementwise versions"),
    ("3.2a", dict(softmax=lambda Z: np.exp(Z) / np.exp(Z).sum(axis=0)), "largest exponent 0"),
    ("3.2a", dict(softmax=lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True))
                  / np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)), "classes of one example"),
    ("3.2b", dict(tanh_derivative=lambda Z: 1 - Z ** 2), "then square it"),
    ("3.2b", dict(relu_derivative=lambda Z: (Z >= 0).astype(float)), "false at z = 0"),
    ("3.2b", dict(sigmoid_derivative=lambda Z: np.exp(-Z) / (1 + np.exp(-Z)) ** 2), "never overflows"),
]


@pytest.mark.parametrize("eid,bad,phrase", TARGETED_32, ids=[p for _, _, p in TARGETED_32])
def test_32_targeted_hint_follows_the_diagnosis(eid, bad, phrase, capsys):
    hint(eid, reset=True)
    capsys.readouterr()
    assert not (_a(**bad) if eid == "3.2a" else _b(**bad))
    capsys.readouterr()
    hint(eid)
    out = capsys.readouterr().out
    assert "Hint for the mistake" in out and phrase in out, out
    hint(eid, reset=True)


def test_32_near_bugs_do_not_trigger_other_diagnoses():
    """A subgradient slip at z = 0 is not called a sign or negative-side bug, and the reverse."""
    r = _b(relu_derivative=lambda Z: (Z >= 0).astype(float))
    assert "where z < 0" not in r.message
    r = _b(relu_derivative=lambda Z: np.sign(Z))
    assert "relu_derivative(0)" not in r.message
    r = _a(softmax=lambda Z: np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(axis=0, keepdims=True))
    assert "overflows" not in r.message and "0/0" in r.message


def test_32c_is_open_ended():
    r = check("3.2c", compare_activations=lambda *a, **k: None)
    assert r.status == "unchecked" and not r


@pytest.mark.parametrize("eid", ["3.2a", "3.2b"])
def test_32_no_expected_values_in_verdicts(eid):
    """A wrong attempt's message does not print arrays of expected values."""
    r = _a(softmax=lambda Z: np.exp(Z) / np.exp(Z).sum()) if eid == "3.2a" else _b(
        tanh_derivative=lambda Z: np.cos(Z))
    assert not r and "[" not in r.message.replace("[0, 1]", "")
