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


def _targeted_hint(capsys, eid):
    """What hint(eid) prints right after a failed check: the hint for the mistake found."""
    capsys.readouterr()
    hint(eid, reset=True)
    return capsys.readouterr().out


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


@pytest.mark.parametrize("eid", ["3.3a", "3.3b", "3.3c"])
def test_the_giveaway_hint_is_announced_first(eid, capsys):
    from nnbook.exercises.s33 import _EXERCISES
    assert _EXERCISES[eid]["reveals"] == 3
    hint(eid, reset=True)
    hint(eid)
    capsys.readouterr()
    hint(eid)
    assert "gives the answer away" in capsys.readouterr().out
    hint(eid)
    assert "Hint 3 of 3" in capsys.readouterr().out


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


@pytest.mark.parametrize("wrong, phrase, nudge", [
    (dict(z1=[0.5, 1.1, 1.7], a1=[0.5, 1.1, 1.7]), "z1 looks like W1 x without the bias", "its own bias"),
    (dict(z1=[1.0, 1.4, 1.8]), "column by column", "Row i of W1"),
    (dict(z1=[0.5, 1.2, 1.9]), "x = [2, 1]", "first column"),
    (dict(a1=[0.6457, 0.7858, 0.8808]), "a1 looks like sigmoid(z1)", "uses ReLU"),
    (dict(a1=[0.5370, 0.8617, 0.9640]), "a1 looks like tanh(z1)", "uses ReLU"),
    (dict(z2=3.26), "z2 looks like W2 a1 without the bias", "adds b2"),
    (dict(z2=2.2733), "computed from sigmoid(z1)", "a1 = ReLU(z1)"),
    (dict(a2=3.66), "a2 equals z2", "uses the sigmoid"),
    (dict(a2=0.0251), "e^(+z2)", "minus sign"),
    (dict(a2=0.0257), "e^(-z2) alone", "not e^(-z) itself"),
    (dict(a2=0.9987), "tanh(z2)", "not tanh"),
    (dict(a2=0.97), "not right to 4 decimal places", "Round only at the end"),
    (dict(z1=[0.6, 1.3]), "should hold 3 numbers", None),
    (dict(a2=0.5), "a2 does not match", None),                          # no diagnosis that does not fit
])
def test_3_3a_slips_are_diagnosed(wrong, phrase, nudge, capsys):
    r = check("3.3a", **{**RIGHT, **wrong})
    _failed(r, phrase)
    if nudge:
        assert nudge in _targeted_hint(capsys, "3.3a")


def test_3_3a_more_digits_than_asked_pass():
    assert check("3.3a", **{**RIGHT, "a2": float(1 / (1 + np.exp(-3.66)))})


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


class RandomBias(Network):
    def __init__(self, layer_sizes):
        super().__init__(layer_sizes)
        for l in range(1, len(layer_sizes)):
            self.parameters[f"b{l}"] = np.random.randn(layer_sizes[l], 1) * 0.01


class SizesNotKept(Network):
    def __init__(self, layer_sizes):
        super().__init__(layer_sizes)
        self.layer_sizes = layer_sizes[1:]

    def forward(self, X):
        self.layer_sizes = [X.shape[0]] + self.layer_sizes
        try:
            return super().forward(X)
        finally:
            self.layer_sizes = self.layer_sizes[1:]


class KeysFromZero(Network):
    def __init__(self, layer_sizes):
        super().__init__(layer_sizes)
        self.parameters = {k[0] + str(int(k[1:]) - 1): v for k, v in self.parameters.items()}

    def linear(self, l, A):
        return self.parameters[f"W{l - 1}"] @ A + self.parameters[f"b{l - 1}"]


class TanhHidden(Network):
    def hidden(self, Z):
        return np.tanh(Z)


class ReluOutput(Network):
    def output(self, Z):
        return np.maximum(0, Z)


class ReturnsOnlyA(Network):
    def forward(self, X):
        return super().forward(X)[0]


class ReturnsZ(Network):
    def forward(self, X):
        A, cache = super().forward(X)
        return cache[f"Z{len(self.layer_sizes) - 1}"], cache


class CacheList(Network):
    def forward(self, X):
        A, cache = super().forward(X)
        return A, list(cache.values())


class OwnWeights(Network):
    """Keeps its weights in attributes of its own and ignores self.parameters."""

    def __init__(self, layer_sizes):
        super().__init__(layer_sizes)
        self.saved = {k: v.copy() for k, v in self.parameters.items()}

    def linear(self, l, A):
        return self.saved[f"W{l}"] @ A + self.saved[f"b{l}"]


@pytest.mark.parametrize("attempt, phrases, nudge", [
    (SizesNotKept, ("`self.layer_sizes` should be the list",), None),
    (KeysFromZero, ("has a 'W0'",), "numbered 1 to L"),
    (TransposedW, ("W1 has shape (3, 5), expected (n_1, n_0) = (5, 3)", "transposed?"), "one row per unit"),
    (FlatBias, ("b1 has shape (5,)", "1-D bias"), "A bias is a column"),
    (RowBias, ("row vector",), "A bias is a column"),
    (ZeroWeights, ("are equal", "layer_sizes [3, 5, 4, 4, 2]"), "at random"),
    (RandomBias, ("b1 is not all zeros",), "starts every bias at zero"),
    (OwnWeights, ("does not read `self.parameters`",), "look the weights and biases up"),
    (SamplesInRows, ("samples in rows", "one example per column"), "W on the left"),
    (NoBias, ("missing the bias", "layer_sizes [3, 5, 4, 4, 2] and a batch of 7"), "bias column"),
    (NoHiddenActivation, ("A1 equals Z1", "ReLU"), "Hidden layers apply ReLU"),
    (SigmoidHidden, ("hidden layers use ReLU",), "Hidden layers apply ReLU"),
    (TanhHidden, ("is tanh(Z1)",), "Hidden layers apply ReLU"),
    (NoOutputActivation, ("needs the sigmoid",), "applies the sigmoid"),
    (ReluOutput, ("A4 is ReLU(Z4)",), "sigmoid instead of ReLU"),
    (ReturnsOnlyA, ("should return a pair",), "two things back"),
    (ReturnsZ, ("the returned A", "not the output layer's activations"), "last A"),
    (CacheList, ("the cache should be a dict",), None),
    (LastLayerOnly, ("only the last layer",), "layer's number"),
    (NoA0, ("'A0'",), "input X"),
    (InPlaceRelu, ("in place",), "new array"),
])
def test_3_3b_wrong_attempts_are_diagnosed(attempt, phrases, nudge, capsys):
    r = check("3.3b", NeuralNetwork=attempt)
    _failed(r, *phrases)
    for code in ("np.zeros", "@ A +", "self.parameters[f"):          # no fixed code in the verdict
        assert code not in r.message, r.message
    if nudge:
        assert nudge in _targeted_hint(capsys, "3.3b")


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


def check_shapes(network, input_shape):
    """Written from the starter: asserts, one line per array."""
    sizes, m = network.layer_sizes, input_shape[1]
    for l in range(1, len(sizes)):
        for key, shape in ((f"W{l}", (sizes[l], sizes[l - 1])), (f"b{l}", (sizes[l], 1))):
            print(key, network.parameters[key].shape)
            assert network.parameters[key].shape == shape
    A, cache = network.forward(np.random.randn(*input_shape))
    for key in ["A0"] + [f"{k}{l}" for l in range(1, len(sizes)) for k in "ZA"]:
        n = sizes[int(key[1:])]
        print(key, cache[key].shape)
        assert cache[key].shape == (n, m)


def check_shapes_other_style(network, input_shape):
    """Also right: the whole table first, a ValueError, another print format, extra lines."""
    sizes = list(network.layer_sizes)
    A, cache = network.forward(np.zeros(input_shape))
    arrays = {**network.parameters, **cache}
    print("checking", len(arrays), "arrays")
    for key, value in arrays.items():
        l = int(key[1:])
        rows = sizes[l]
        cols = {"W": sizes[l - 1] if l else None, "b": 1}.get(key[0], input_shape[1])
        print(f"{key:>4}: {value.shape}")
        if value.shape != (rows, cols):
            raise ValueError(f"{key} has shape {value.shape}")


def _c(forward_2layer=fixed, silent_batches=(1, 3), check_shapes=check_shapes):
    return check("3.3c", forward_2layer=forward_2layer, silent_batches=silent_batches, check_shapes=check_shapes)


@pytest.mark.parametrize("attempt", [fixed, fixed_other_convention])
def test_3_3c_fixed_functions_pass(attempt):
    r = _c(forward_2layer=attempt)
    assert r, r.message


@pytest.mark.parametrize("silent", [[1, 3], (3, 1), np.array([1, 3])])
@pytest.mark.parametrize("cs", [check_shapes, check_shapes_other_style])
def test_3_3c_other_right_answers_pass(silent, cs):
    r = _c(silent_batches=silent, check_shapes=cs)
    assert r, r.message


def test_3_3c_untouched_starter_is_not_attempted():
    scope = _run_starter("def forward_2layer")
    assert _c(forward_2layer=scope["forward_2layer"]).status == "not attempted"
    assert _c(check_shapes=scope["check_shapes"]).status == "not attempted"
    assert _c(silent_batches=scope["silent_batches"]).status == "not attempted"


def test_3_3c_starter_matches_the_checkers_copy():
    from nnbook.exercises.s33 import _BUGGY_3_3C
    assert _BUGGY_3_3C.strip() in _starter("def forward_2layer")


@pytest.mark.parametrize("attempt, phrase, nudge", [
    (keeps_output_transpose, "is a transpose left on the result", "last line"),
    (keeps_flat_bias, "b2 is added as a row or a 1-D array", "column of n_y rows"),
    (row_bias, "b2 is added as a row or a 1-D array", "column of n_y rows"),
    (keeps_w1_transpose, "still uses W1 transposed", "which way round"),
])
def test_3_3c_remaining_bugs_are_diagnosed(attempt, phrase, nudge, capsys):
    r = _c(forward_2layer=attempt)
    _failed(r, phrase)
    assert ".T" not in r.message and "ravel" not in r.message               # no fixed code
    assert nudge in _targeted_hint(capsys, "3.3c")


def test_3_3c_a_comment_change_is_still_a_bug_with_its_line():
    scope = {"np": np}
    exec(_starter("def forward_2layer").replace("# This function", "# I looked at this function"), scope)
    r = _c(forward_2layer=scope["forward_2layer"])
    assert r.status == "not attempted"


@pytest.mark.parametrize("silent, phrase, nudge", [
    ([3], "misses a batch size", "axis of size 1"),
    ([1], "misses a batch size", "from the right"),
    ([], "misses a batch size", "from the right"),
    ([1, 3, 10], "lists [10], for which (3, m) + (3,) does raise an error", "Try the sum"),
    ([0, 1, 3], "whole batch sizes m from 1 to 10", None),
    ([1.5, 3], "whole batch sizes m from 1 to 10", None),
])
def test_3_3c_wrong_silent_batches_are_diagnosed(silent, phrase, nudge, capsys):
    r = _c(silent_batches=silent)
    _failed(r, phrase)
    if nudge:
        assert nudge in _targeted_hint(capsys, "3.3c")


def _cs_skipping(what):
    """check_shapes written from the starter, but skipping one of its duties."""
    def cs(network, input_shape):
        sizes, m = network.layer_sizes, input_shape[1]
        for l in range(1, len(sizes)):
            for key, shape in ((f"W{l}", (sizes[l], sizes[l - 1])),
                               (f"b{l}", (sizes[l],) if what == "false alarm" else (sizes[l], 1))):
                got = network.parameters[key].shape
                if what != "silent":
                    print(key, got)
                if what == "weights only" and key[0] == "b" or what in ("no parameters", "warns only"):
                    continue
                assert got == shape
        A, cache = network.forward(np.random.randn(*input_shape))
        for key in ["A0"] + [f"{k}{l}" for l in range(1, len(sizes)) for k in "ZA"]:
            if what in ("parameters only", "silent cache") and key != "A0":
                continue
            got = cache[key].shape
            if what != "silent" and what != "silent cache":
                print(key, got)
            if what == "warns only":
                if got != (sizes[int(key[1:])], m):
                    print("wrong shape:", key)
                continue
            if what == "Z only" and key[0] == "A" and key != "A0":
                continue
            assert got == (sizes[int(key[1:])], m)
    return cs


@pytest.mark.parametrize("what, phrase, nudge", [
    ("no parameters", "whose W2 is stored transposed", "before trusting forward"),
    ("weights only", "whose b1 is stored as a row", "checked like a weight matrix"),
    ("parameters only", "did not print the cached array Z1", "every cached array"),
    ("silent cache", "did not print the cached array", "every cached array"),
    ("Z only", "whose forward caches a 1-D output A2", "the output layer's A too"),
    ("warns only", "did not stop", "before trusting forward"),
    ("silent", "did not print the", "each name with its shape"),
    ("false alarm", "raised on a network with layer_sizes [3, 5, 2] whose shapes are all right", "(n_l, 1)"),
])
def test_3_3c_check_shapes_that_skip_a_duty_are_caught(what, phrase, nudge, capsys):
    r = _c(check_shapes=_cs_skipping(what))
    _failed(r, phrase)
    assert nudge in _targeted_hint(capsys, "3.3c")


def test_3_3c_check_shapes_that_misses_only_the_cache_is_caught():
    def cs(network, input_shape):
        sizes = network.layer_sizes
        for l in range(1, len(sizes)):
            for key, shape in ((f"W{l}", (sizes[l], sizes[l - 1])), (f"b{l}", (sizes[l], 1))):
                print(key, network.parameters[key].shape)
                assert network.parameters[key].shape == shape
        A, cache = network.forward(np.random.randn(*input_shape))
        for key, value in cache.items():
            print(key, value.shape)                   # prints, never compares
    _failed(_c(check_shapes=cs), "whose forward caches Z1 transposed")
