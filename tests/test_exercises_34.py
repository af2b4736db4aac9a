"""Tests of the §3.4 exercise checkers (nnbook.exercises.s34._EXERCISES): attempts written from the starter
code alone pass, the untouched starter is "not attempted", and the mistakes learners really make are
rejected with their diagnosis."""
import json
from pathlib import Path

import numpy as np
import pytest

import nnbook
from nnbook.exercises import check, hint, list_exercises, solution

ROOT = Path(__file__).resolve().parent.parent


def _starter(text):
    """Execute the page's starter cell that contains `text`; return its namespace."""
    nb = json.loads((ROOT / "nbs" / "04_backprop.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if "exercise-starter" in cell["metadata"].get("tags", []) and text in src:
            scope = {"np": np, "nnbook": nnbook}
            exec(src, scope)
            return scope
    raise AssertionError(f"no starter cell with {text!r}")


def _failed(r, *phrases):
    assert r.status in ("failed", "error") and not r, (r.status, r.message)
    for p in phrases:
        assert p in r.message, (p, r.message)


# ------------------------------------------------------------------------------ 3.4a: hand gradients
def _hand(bug=None):
    """hand_gradients as a learner writes it from the starter, with one slip (or none)."""
    def hand_gradients(x, y, W1, b1, W2, b2):
        z1 = W1 @ x + b1
        h = np.maximum(z1, 0)
        z2 = W2 @ h + b2
        y_hat = 1 / (1 + np.exp(-z2))
        dz2 = y_hat - y
        if bug == "sigma_prime":
            dz2 = dz2 * y_hat * (1 - y_hat)
        dW2, db2 = dz2 @ h.T, dz2
        if bug == "transposed":
            dW2 = h @ dz2.T
        dh = W2.T @ dz2
        mask = {"no_mask": 1.0, "mask_h": h, "ge": z1 >= 0}.get(bug, z1 > 0)
        dz1 = dh * mask
        return {"W1": dz1 @ x.T, "b1": dz1, "W2": dW2, "b2": float(db2[0, 0])}
    return hand_gradients


def test_3_4a_correct_attempt_passes():
    assert check("3.4a", hand_gradients=_hand())


def test_3_4a_loop_attempt_passes():
    def hand_gradients(x, y, W1, b1, W2, b2):        # entry by entry, as on paper
        n1, n0 = W1.shape
        z1 = [sum(W1[j, k] * x[k, 0] for k in range(n0)) + b1[j, 0] for j in range(n1)]
        h = [max(z, 0.0) for z in z1]
        z2 = sum(W2[0, j] * h[j] for j in range(n1)) + b2[0, 0]
        d2 = 1 / (1 + np.exp(-z2)) - y
        d1 = [W2[0, j] * d2 * (1.0 if z1[j] > 0 else 0.0) for j in range(n1)]
        return {"W2": np.array([[d2 * hj for hj in h]]), "b2": d2,
                "W1": np.array([[d1[j] * x[k, 0] for k in range(n0)] for j in range(n1)]),
                "b1": np.array(d1).reshape(-1, 1)}
    assert check("3.4a", hand_gradients=hand_gradients)


def test_3_4a_starter_is_not_attempted():
    r = check("3.4a", hand_gradients=_starter("def hand_gradients")["hand_gradients"])
    assert r.status == "not attempted"


@pytest.mark.parametrize("bug, phrases", [
    ("sigma_prime", ["σ'(z2)", "ŷ − y"]),
    ("no_mask", ["ReLU'"]),
    ("mask_h", ["you multiplied by h"]),
    ("transposed", ["shape (4, 1), expected (1, 4)", "transposed?"]),
])
def test_3_4a_wrong_attempts_are_diagnosed(bug, phrases):
    _failed(check("3.4a", hand_gradients=_hand(bug)), *phrases)


# ------------------------------------------------------------------------------ 3.4b: backward pass
def loss(A, Y):
    """Binary cross-entropy written from the starter: (mean loss, per-example dA)."""
    m = A.shape[1]
    return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m, (A - Y) / (A * (1 - A))


DERIV = {"sigmoid": lambda Z: 1 / (1 + np.exp(-Z)) * (1 - 1 / (1 + np.exp(-Z))),
         "tanh": lambda Z: 1 - np.tanh(Z) ** 2, "relu": lambda Z: (Z > 0) * 1.0}


def _network(bug=None):
    """A NeuralNetwork written from the starter (subclass of nnbook's), with one bug (or none)."""
    class NeuralNetwork(nnbook.NeuralNetwork):
        def forward(self, X, training=False):
            A, cache = super().forward(X, training)
            self._last = cache
            return A, cache

        def backward(self, dA, cache):
            if bug == "stale":
                cache = self._last                         # the cache of the last forward pass
            grads = {}
            L = len(self.layer_sizes) - 1
            m = dA.shape[1]
            for l in range(L, 0, -1):
                name = self.output_activation if l == L else self.hidden_activation
                Z = cache[f"Z{l}"]
                if bug == "sigma" and name == "sigmoid":
                    g_prime = 1 / (1 + np.exp(-Z))
                elif bug == "relu_ge" and name == "relu":
                    g_prime = (Z >= 0) * 1.0
                else:
                    g_prime = DERIV[name](Z)
                dZ = dA if (bug == "fused" and l == L) else dA * g_prime
                scale = {"no_m": 1, "twice": m * m}.get(bug, m)
                grads[f"W{l}"] = (cache[f"A{l - 1}"] @ dZ.T if bug == "transposed"
                                  else dZ @ cache[f"A{l - 1}"].T) / scale
                grads[f"b{l}"] = np.sum(dZ, axis=0 if bug == "db_axis" else 1, keepdims=True) / scale
                W = self.parameters[f"W{l}"]
                dA = (W if bug == "W_not_T" and W.shape[0] == W.shape[1] else W.T) @ dZ
            return grads
    return NeuralNetwork


def test_3_4b_correct_attempt_passes():
    assert check("3.4b", NeuralNetwork=_network(), compute_loss=loss)


def test_3_4b_functional_attempt_passes():
    def backward(self, dA, cache):                    # written with an explicit output step, then a loop
        L, m, P = self.L, dA.shape[1], self.parameters
        dZ = dA * DERIV["sigmoid"](cache[f"Z{L}"])
        grads = {}
        for l in reversed(range(1, L + 1)):
            grads[f"W{l}"] = np.dot(dZ, cache[f"A{l - 1}"].T) / m
            grads[f"b{l}"] = dZ.mean(axis=1, keepdims=True)
            if l > 1:
                dZ = np.dot(P[f"W{l}"].T, dZ) * DERIV[self.hidden_activation](cache[f"Z{l - 1}"])
        return grads
    Net = type("NeuralNetwork", (nnbook.NeuralNetwork,), {"backward": backward})
    assert check("3.4b", NeuralNetwork=Net, compute_loss=loss)


def test_3_4b_starter_is_not_attempted():
    scope = _starter("def backward(self, dA, cache)")
    r = check("3.4b", NeuralNetwork=scope["NeuralNetwork"], compute_loss=scope["compute_loss"])
    assert r.status == "not attempted"
    r = check("3.4b", NeuralNetwork=scope["NeuralNetwork"], compute_loss=loss)   # the loss done only
    assert r.status == "not attempted"


@pytest.mark.parametrize("bug, phrases", [
    ("no_m", ["m times too large", "did you divide by the batch size"]),
    ("twice", ["divided by the batch size m twice"]),
    ("transposed", ["dW3 has shape (4, 1), expected (1, 4): transposed?"]),
    ("sigma", ["σ(Z) instead of σ'(Z)"]),
    ("relu_ge", ["Z > 0, not Z >= 0"]),
    ("stale", ["`cache` it is given"]),
    ("db_axis", ["axis=1", "not over axis 0"]),
    ("fused", ["dZ is dA * σ'(Z[L])", "you used dA itself"]),
    ("W_not_T", ["W.T @ dZ"]),
])
def test_3_4b_wrong_backward_is_diagnosed(bug, phrases):
    _failed(check("3.4b", NeuralNetwork=_network(bug), compute_loss=loss), *phrases)


def test_3_4b_loss_conventions_are_named():
    def fused_loss(A, Y):
        return loss(A, Y)[0], A - Y
    # A − Y from the loss, then σ' multiplied in again by a backward that is otherwise right
    _failed(check("3.4b", NeuralNetwork=_network(), compute_loss=fused_loss), "σ'(Z[L]) into it again")
    # A − Y from the loss and a backward that starts from it: the other convention, named as such
    _failed(check("3.4b", NeuralNetwork=_network("fused"), compute_loss=fused_loss),
            "not this exercise's convention", "(A − Y) / (A(1 − A))")

    def mean_loss(A, Y):
        return loss(A, Y)[0], loss(A, Y)[1] / A.shape[1]
    _failed(check("3.4b", NeuralNetwork=_network(), compute_loss=mean_loss), "leave the 1/m to backward")

    def summed_loss(A, Y):
        return loss(A, Y)[0] * A.shape[1], loss(A, Y)[1]
    _failed(check("3.4b", NeuralNetwork=_network(), compute_loss=summed_loss), "average over the batch")


def test_3_4b_exception_is_one_line():
    class Broken(nnbook.NeuralNetwork):
        def backward(self, dA, cache):
            return {"W1": cache["Z9"]}
    r = check("3.4b", NeuralNetwork=Broken, compute_loss=loss)
    assert r.status == "error" and "KeyError" in r.message and "\n" not in r.message


# ------------------------------------------------------------------------------ 3.4c: gradient check
def _gradient_check(bug=None):
    """gradient_check as a learner writes it from the starter, with one slip (or none)."""
    def gradient_check(network, X, Y, epsilon=1e-7, loss=nnbook.binary_cross_entropy):
        A, cache = network.forward(X)
        J0, dA = loss(A, Y)
        grads = network.backward(dA, cache)
        errors = {}
        for name, P in network.parameters.items():
            numeric = np.zeros(P.shape)
            for i in np.ndindex(P.shape):
                old = P[i]
                P[i] = old + epsilon
                J_plus = loss(network.forward(X)[0], Y)[0]
                P[i] = old - epsilon
                J_minus = loss(network.forward(X)[0], Y)[0]
                if bug != "no_restore":
                    P[i] = old
                if bug == "one_sided":
                    numeric[i] = (J_plus - J0) / epsilon
                elif bug == "eps":
                    numeric[i] = (J_plus - J_minus) / epsilon
                else:
                    numeric[i] = (J_plus - J_minus) / (2 * epsilon)
            diff = np.linalg.norm(grads[name] - numeric)
            errors[name] = diff if bug == "no_denominator" else diff / (
                np.linalg.norm(grads[name]) + np.linalg.norm(numeric))
        return errors
    return gradient_check


def test_3_4c_correct_attempt_passes():
    assert check("3.4c", gradient_check=_gradient_check())


def test_3_4c_starter_is_not_attempted():
    r = check("3.4c", gradient_check=_starter("def gradient_check")["gradient_check"])
    assert r.status == "not attempted"


@pytest.mark.parametrize("bug, phrases", [
    ("one_sided", ["one-sided difference"]),
    ("no_restore", ["left the network's parameters changed", "restore"]),
    ("eps", ["twice the true one", "2ε"]),
    ("no_denominator", ["without the denominator"]),
])
def test_3_4c_wrong_attempts_are_diagnosed(bug, phrases):
    _failed(check("3.4c", gradient_check=_gradient_check(bug)), *phrases)


# ------------------------------------------------------------------------------ registry, hints, solutions
def test_registry_hints_and_solutions(capsys):
    rows = {r["id"]: r for r in list_exercises() if r["section"] == "3.4"}
    assert set(rows) == {"3.4a", "3.4b", "3.4c"} and all(r["checkable"] for r in rows.values())
    assert rows["3.4b"]["names"] == ("NeuralNetwork", "compute_loss")
    from nnbook.exercises.s34 import _EXERCISES
    for eid, entry in _EXERCISES.items():
        assert len(entry["hints"]) == 3 and entry["solution"]
        hint(eid, reset=True)
        solution(eid)
    out = capsys.readouterr().out
    assert "Hint 1 of 3" in out and "04_backprop.html#ex-3-4b" in out


def test_teaching_versions_on_the_page_pass():
    """The page's reference solutions, run through the checks."""
    nb = json.loads((ROOT / "nbs" / "04_backprop.ipynb").read_text(encoding="utf-8"))
    scope = {}
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        teaching = src.startswith(("def compute_loss", "def gradient_check"))
        shown = not set(cell["metadata"].get("tags", [])) - {"exercise-solution"}   # visible on the page
        if cell["cell_type"] == "code" and teaching and shown:
            exec("import numpy as np\nimport nnbook\n" + src, scope)
    assert check("3.4b", NeuralNetwork=scope["NeuralNetwork"], compute_loss=scope["compute_loss"])
    assert check("3.4c", gradient_check=scope["gradient_check"])
