"""Tests of the §3.3 exercise checkers (nnbook.exercises.s33._EXERCISES): attempts written from the starter code
alone pass, the untouched starters are "not attempted", and the mistakes learners really make are rejected
with their diagnosis."""
import json
from pathlib import Path

import numpy as np
import pytest

import nnbook
from nnbook.exercises import check, hint, list_exercises, solution

ROOT = Path(__file__).resolve().parent.parent


def _starter(text):
    """The source of the page's starter cell that contains `text`."""
    nb = json.loads((ROOT / "nbs" / "03_forward.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if "exercise-starter" in cell["metadata"].get("tags", []) and text in src:
            return src
    raise AssertionError(f"no starter cell with {text!r}")


def _run_starter(text):
    scope = {"np": np, "nnbook": nnbook}          # what the exercise notebook's set-up cell imports
    exec(compile(_starter(text), "<starter>", "exec"), scope)
    return scope


def _failed(r, *phrases):
    assert r.status in ("failed", "error") and not r, (r.status, r.message)
    for p in phrases:
        assert p in r.message, (p, r.message)


def test_registry():
    ids = {e["id"]: e for e in list_exercises() if e["section"] == "3.3"}
    assert set(ids) == {"3.3a", "3.3b", "3.3c"}
    assert all(e["checkable"] for e in ids.values())
    from nnbook.exercises.s33 import _EXERCISES
    for e in _EXERCISES.values():
        assert len(e["hints"]) == 3 and e["solution"]


def test_hints_and_solution(capsys):
    hint("3.3b", reset=True)
    hint("3.3b")
    solution("3.3c")
    out = capsys.readouterr().out
    assert "Hint 1 of 3" in out and "Hint 2 of 3" in out and "Exercise 3.3c" in out


# ------------------------------------------------------------------------------ 3.3a: by hand
RIGHT = dict(z1=[0.6, 1.3, 2.0], a1=[0.6, 1.3, 2.0], z2=3.66, a2=0.9749)


def test_3_3a_right_numbers_pass_in_any_layout():
    assert check("3.3a", **RIGHT)
    assert check("3.3a", z1=np.array([[0.6], [1.3], [2.0]]), a1=(0.6, 1.3, 2), z2=[[3.66]], a2=[0.97491])


def test_3_3a_untouched_starter_is_not_attempted():
    scope = _run_starter("z1 = None")
    r = check("3.3a", **{k: scope[k] for k in ("z1", "a1", "z2", "a2")})
    assert r.status == "not attempted"
    r = check("3.3a", **{**RIGHT, "a2": None})
    assert r.status == "not attempted"


@pytest.mark.parametrize("wrong, phrase", [
    (dict(z1=[0.5, 1.1, 1.7], a1=[0.5, 1.1, 1.7]), "without the bias: add b1"),
    (dict(z1=[1.0, 1.4, 1.8]), "column by column"),
    (dict(a1=[0.6457, 0.7858, 0.8808]), "hidden layer uses ReLU"),
    (dict(z2=3.26), "without the bias: add b2"),
    (dict(a2=3.66), "applies the sigmoid"),
    (dict(a2=0.0251), "e^(+z2)"),
    (dict(a2=0.97), "round only at the end"),
    (dict(z1=[0.6, 1.3]), "should hold 3 numbers"),
])
def test_3_3a_slips_are_diagnosed(wrong, phrase):
    _failed(check("3.3a", **{**RIGHT, **wrong}), phrase)


# ------------------------------------------------------------------------------ 3.3b: forward
class Network:
    """Written from the starter: * 0.01 initialisation, ReLU hidden, sigmoid output."""

    def __init__(self, layer_sizes):
        self.layer_sizes = layer_sizes
        self.parameters = {}
        for l in range(1, len(layer_sizes)):
            self.parameters[f"W{l}"] = np.random.randn(layer_sizes[l], layer_sizes[l - 1]) * 0.01
            self.parameters[f"b{l}"] = np.zeros((layer_sizes[l], 1))

    def hidden(self, Z):
        return np.maximum(0, Z)

    def output(self, Z):
        return 1 / (1 + np.exp(-Z))

    def linear(self, l, A):
        return self.parameters[f"W{l}"] @ A + self.parameters[f"b{l}"]

    def forward(self, X):
        cache = {"A0": X}
        A = X
        L = len(self.layer_sizes) - 1
        for l in range(1, L + 1):
            Z = self.linear(l, A)
            A = self.hidden(Z) if l < L else self.output(Z)
            cache[f"Z{l}"] = Z
            cache[f"A{l}"] = A
        return A, cache


class PackageActivations(Network):
    """Another correct attempt: nnbook's activations, a seeded generator, a while loop."""

    def __init__(self, layer_sizes):
        super().__init__(layer_sizes)
        rng = np.random.default_rng(1)
        for key, P in self.parameters.items():
            if key[0] == "W":
                self.parameters[key] = rng.normal(0, 0.5, P.shape)

    def forward(self, X):
        cache, A, l, L = {"A0": X}, X, 1, len(self.layer_sizes) - 1
        while l <= L:
            Z = self.parameters["W" + str(l)] @ A + self.parameters["b" + str(l)]
            A = nnbook.sigmoid(Z) if l == L else nnbook.relu(Z)
            cache["Z" + str(l)], cache["A" + str(l)] = Z, A
            l += 1
        return A, cache


@pytest.mark.parametrize("attempt", [Network, PackageActivations])
def test_3_3b_correct_attempts_pass(attempt):
    r = check("3.3b", NeuralNetwork=attempt)
    assert r and r.status == "passed", r.message


def test_3_3b_untouched_starter_is_not_attempted():
    scope = _run_starter("class NeuralNetwork")
    assert check("3.3b", NeuralNetwork=scope["NeuralNetwork"]).status == "not attempted"


class TransposedW(Network):
    def __init__(self, layer_sizes):
        super().__init__(layer_sizes)
        for key in list(self.parameters):
            if key[0] == "W":
                self.parameters[key] = self.parameters[key].T.copy()

    def linear(self, l, A):
        return self.parameters[f"W{l}"].T @ A + self.parameters[f"b{l}"]


class FlatBias(Network):
    def __init__(self, layer_sizes):
        super().__init__(layer_sizes)
        for l in range(1, len(layer_sizes)):
            self.parameters[f"b{l}"] = np.zeros(layer_sizes[l])


class RowBias(Network):
    def __init__(self, layer_sizes):
        super().__init__(layer_sizes)
        for l in range(1, len(layer_sizes)):
            self.parameters[f"b{l}"] = np.zeros((1, layer_sizes[l]))


class NoHiddenActivation(Network):
    def hidden(self, Z):
        return Z


class SigmoidHidden(Network):
    def hidden(self, Z):
        return 1 / (1 + np.exp(-Z))


class NoOutputActivation(Network):
    def output(self, Z):
        return Z


class NoBias(Network):
    def linear(self, l, A):
        return self.parameters[f"W{l}"] @ A


class LastLayerOnly(Network):
    def forward(self, X):
        A = X
        L = len(self.layer_sizes) - 1
        cache = {"A0": X}
        for l in range(1, L + 1):
            Z = self.linear(l, A)
            A = self.hidden(Z) if l < L else self.output(Z)
            cache["Z"], cache["A"] = Z, A
        return A, cache


class NoA0(Network):
    def forward(self, X):
        A, cache = super().forward(X)
        del cache["A0"]
        return A, cache


class InPlaceRelu(Network):
    def hidden(self, Z):
        return np.maximum(Z, 0, out=Z)


class SamplesInRows(Network):
    def forward(self, X):                       # X as (m, n_features): Z = A W^T + b^T
        cache, A = {"A0": X}, X
        L = len(self.layer_sizes) - 1
        for l in range(1, L + 1):
            Z = A @ self.parameters[f"W{l}"].T + self.parameters[f"b{l}"].T
            A = self.hidden(Z) if l < L else self.output(Z)
            cache[f"Z{l}"], cache[f"A{l}"] = Z, A
        return A, cache


class ZeroWeights(Network):
    def __init__(self, layer_sizes):
        super().__init__(layer_sizes)
        for key in self.parameters:
            self.parameters[key] = np.zeros_like(self.parameters[key])


class OwnWeights(Network):
    """Keeps its weights in attributes of its own and ignores self.parameters."""

    def __init__(self, layer_sizes):
        super().__init__(layer_sizes)
        self.saved = {k: v.copy() for k, v in self.parameters.items()}

    def linear(self, l, A):
        return self.saved[f"W{l}"] @ A + self.saved[f"b{l}"]


@pytest.mark.parametrize("attempt, phrases", [
    (TransposedW, ("W1 has shape (3, 5), expected (n_1, n_0) = (5, 3)", "transposed?")),
    (FlatBias, ("b1 has shape (5,)", "column")),
    (RowBias, ("row vector",)),
    (NoHiddenActivation, ("A1 equals Z1", "ReLU")),
    (SigmoidHidden, ("hidden layers use ReLU",)),
    (NoOutputActivation, ("needs the sigmoid",)),
    (NoBias, ("missing the bias",)),
    (LastLayerOnly, ("only the last layer",)),
    (NoA0, ("'A0'",)),
    (InPlaceRelu, ("in place",)),
    (SamplesInRows, ("samples in rows", "one example per column")),
    (ZeroWeights, ("are equal", "at random")),
    (OwnWeights, ("does not read `self.parameters`",)),
])
def test_3_3b_wrong_attempts_are_diagnosed(attempt, phrases):
    _failed(check("3.3b", NeuralNetwork=attempt), *phrases)


def test_3_3b_an_exception_is_one_line():
    class Broken(Network):
        def forward(self, X):
            raise KeyError("W0")
    r = check("3.3b", NeuralNetwork=Broken)
    assert r.status == "error" and "KeyError" in r.message and "\n" not in r.message


# ------------------------------------------------------------------------------ 3.3c: debugging
def fixed(X, W1, b1, W2, b2):
    Z1 = W1 @ X + b1
    assert Z1.shape == (W1.shape[0], X.shape[1])
    A1 = np.maximum(0, Z1)
    Z2 = W2 @ A1 + b2
    A2 = 1 / (1 + np.exp(-Z2))
    assert A2.shape == (W2.shape[0], X.shape[1])
    return A2


def fixed_other_convention(X, W1, b1, W2, b2):
    """Also right: computed samples-by-features inside, converted back at the end."""
    A1 = np.maximum(0, X.T @ W1.T + b1.T)
    return (1 / (1 + np.exp(-(A1 @ W2.T + b2.T)))).T


def keeps_output_transpose(X, W1, b1, W2, b2):
    A1 = np.maximum(0, W1 @ X + b1)
    return (1 / (1 + np.exp(-(W2 @ A1 + b2)))).T


def keeps_flat_bias(X, W1, b1, W2, b2):
    A1 = np.maximum(0, W1 @ X + b1)
    return 1 / (1 + np.exp(-(W2 @ A1 + b2.ravel())))


def row_bias(X, W1, b1, W2, b2):
    A1 = np.maximum(0, W1 @ X + b1)
    return 1 / (1 + np.exp(-(W2 @ A1 + b2.T)))


def keeps_w1_transpose(X, W1, b1, W2, b2):
    A1 = np.maximum(0, W1.T @ X + b1)
    return 1 / (1 + np.exp(-(W2 @ A1 + b2)))


@pytest.mark.parametrize("attempt", [fixed, fixed_other_convention])
def test_3_3c_fixed_functions_pass(attempt):
    assert check("3.3c", forward_2layer=attempt)


def test_3_3c_untouched_starter_is_not_attempted():
    scope = _run_starter("def forward_2layer")
    assert check("3.3c", forward_2layer=scope["forward_2layer"]).status == "not attempted"


def test_3_3c_starter_matches_the_checkers_copy():
    from nnbook.exercises.s33 import _BUGGY_3_3C
    assert _BUGGY_3_3C.strip() in _starter("def forward_2layer")


@pytest.mark.parametrize("attempt, phrase", [
    (keeps_output_transpose, "a `.T` left on the result"),
    (keeps_flat_bias, "b2 is added as a row or a 1-D array"),
    (row_bias, "b2 is added as a row or a 1-D array"),
    (keeps_w1_transpose, "still uses W1.T"),
])
def test_3_3c_remaining_bugs_are_diagnosed(attempt, phrase):
    _failed(check("3.3c", forward_2layer=attempt), phrase)


def test_3_3c_a_comment_change_is_still_a_bug_with_its_line():
    scope = {"np": np}
    exec(_starter("def forward_2layer").replace("# This function", "# I looked at this function"), scope)
    r = check("3.3c", forward_2layer=scope["forward_2layer"])
    assert r.status == "not attempted"
