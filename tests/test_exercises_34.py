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


@pytest.mark.parametrize("bug, phrases, nudge", [
    ("sigma_prime", ["σ'(z2) = ŷ(1 − ŷ) times", "target y = 1"], "simplify"),
    ("no_mask", ["units that are off receive a gradient"], "slope where z1 < 0"),
    ("mask_h", ["multiplied by h = ReLU(z1)"], "never the value"),
    ("ge", None, None),                                 # z1 = 0 never happens here: the same as correct
    ("transposed", ["shape (4, 1), expected (1, 4)", "transposed?"], None),
])
def test_3_4a_wrong_attempts_are_diagnosed(bug, phrases, nudge, capsys):
    r = check("3.4a", hand_gradients=_hand(bug))
    if phrases is None:
        assert r
        return
    _failed(r, *phrases)
    assert "ŷ − y" not in r.message and "(z1 > 0)" not in r.message        # no fixed code
    capsys.readouterr()
    hint("3.4a", reset=True)
    out = capsys.readouterr().out
    if nudge:
        assert nudge in out, out


def test_3_4a_mask_flip_and_sigmoid_mask_are_named():
    def flip(x, y, W1, b1, W2, b2):
        g = _hand()(x, y, W1, b1, W2, b2)
        z1 = W1 @ x + b1
        dz1 = (W2.T * (1 / (1 + np.exp(-(W2 @ np.maximum(z1, 0) + b2))) - y)) * (z1 < 0)
        return dict(g, W1=dz1 @ x.T, b1=dz1)
    _failed(check("3.4a", hand_gradients=flip), "blocked at the units that are on")

    def not_a_dict(x, y, W1, b1, W2, b2):
        return [1, 2, 3, 4]
    _failed(check("3.4a", hand_gradients=not_a_dict), "should return a dict")


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


@pytest.mark.parametrize("bug, phrases, nudge", [
    ("no_m", ["m times too large", "network [3, 5, 4, 1], relu hidden layers, sigmoid output, batch of 7"],
     "Where does the 1/m"),
    ("twice", ["m times too small", "applied twice"], "Follow the 1/m"),
    ("transposed", ["dW3 (network [3, 5, 4, 1]", "has shape (4, 1), expected (1, 4): transposed?"], None),
    ("sigma", ["g(Z) where its slope g'(Z) belongs"], "σ' = σ(1 − σ)"),
    ("relu_ge", ["only where Z = 0 exactly"], "true only for positive Z"),
    ("stale", ["comes from another batch"], "from the `cache` argument"),
    ("db_axis", ["it is a row", "instead of over the examples"], "Which axis of dZ"),
    ("fused", ["σ'(Z[L]) was never multiplied in"], "not the output delta"),
    ("W_not_T", ["the wrong way round", "network [4, 4, 4, 1], tanh"], "Which form of W[l]"),
])
def test_3_4b_wrong_backward_is_diagnosed(bug, phrases, nudge, capsys):
    r = check("3.4b", NeuralNetwork=_network(bug), compute_loss=loss)
    _failed(r, *phrases)
    for code in ("axis=1", "keepdims", "W.T @", ".T @ dZ", "np.sum"):        # never the fixed code
        assert code not in r.message, (code, r.message)
    if nudge:
        capsys.readouterr()
        hint("3.4b", reset=True)
        assert nudge in capsys.readouterr().out


def test_3_4b_no_misdiagnosis_between_neighbours():
    """Each targeted diagnosis names its own bug only."""
    names = {"no_m": "too large", "twice": "too small", "sigma": "g(Z) where", "relu_ge": "Z = 0 exactly",
             "stale": "another batch", "db_axis": "it is a row", "fused": "never multiplied in",
             "W_not_T": "wrong way round"}
    for bug in names:
        r = check("3.4b", NeuralNetwork=_network(bug), compute_loss=loss)
        for other, phrase in names.items():
            if other != bug:
                assert phrase not in r.message, (bug, other, r.message)


def test_3_4b_wrong_hidden_or_output_derivative_is_named():
    def make(which):
        class Net(nnbook.NeuralNetwork):
            def backward(self, dA, cache):
                grads, L, m = {}, self.L, dA.shape[1]
                for l in range(L, 0, -1):
                    name = {"all_output": "sigmoid", "all_hidden": self.hidden_activation}[which]
                    dZ = dA * nnbook.get_activation(name).derivative(cache[f"Z{l}"])
                    grads[f"W{l}"] = dZ @ cache[f"A{l - 1}"].T / m
                    grads[f"b{l}"] = dZ.mean(axis=1, keepdims=True)
                    dA = self.parameters[f"W{l}"].T @ dZ
                return grads
        return Net
    _failed(check("3.4b", NeuralNetwork=make("all_output"), compute_loss=loss), "output activation's slope")
    _failed(check("3.4b", NeuralNetwork=make("all_hidden"), compute_loss=loss), "hidden activation's slope")


def test_3_4b_other_requirements():
    class InPlace(_network()):                          # changes the cache it is given
        def backward(self, dA, cache):
            grads = super().backward(dA, cache)
            cache["Z1"] *= 0
            return grads
    _failed(check("3.4b", NeuralNetwork=InPlace, compute_loss=loss), "changed the cache")

    class ModifiesDA(_network()):                       # dA *= g'(Z): changes its argument
        def backward(self, dA, cache):
            grads = super().backward(dA.copy(), cache)
            dA *= 2
            return grads
    _failed(check("3.4b", NeuralNetwork=ModifiesDA, compute_loss=loss), "modified its input `dA`")

    class DKeys(_network()):
        def backward(self, dA, cache):
            return {"d" + k: g for k, g in super().backward(dA, cache).items()}
    _failed(check("3.4b", NeuralNetwork=DKeys, compute_loss=loss), "not 'dW1'")

    class Scalar_db(_network()):
        def backward(self, dA, cache):
            grads = super().backward(dA, cache)
            return {k: (float(np.sum(g)) if k == "b1" else g) for k, g in grads.items()}
    _failed(check("3.4b", NeuralNetwork=Scalar_db, compute_loss=loss), "is a single number")

    def loss_array(A, Y):
        return -(Y * np.log(A) + (1 - Y) * np.log(1 - A)), loss(A, Y)[1]
    _failed(check("3.4b", NeuralNetwork=_network(), compute_loss=loss_array), "one number")

    def no_pair(A, Y):
        return loss(A, Y)[0]
    _failed(check("3.4b", NeuralNetwork=_network(), compute_loss=no_pair), "a pair")


def test_3_4b_loss_conventions_are_named():
    def fused_loss(A, Y):
        return loss(A, Y)[0], A - Y
    # A − Y from the loss, then σ' multiplied in again by a backward that is otherwise right
    _failed(check("3.4b", NeuralNetwork=_network(), compute_loss=fused_loss), "σ'(Z[L]) into it again")
    # A − Y from the loss and a backward that starts from it: the other convention, named as such
    _failed(check("3.4b", NeuralNetwork=_network("fused"), compute_loss=fused_loss),
            "not this exercise's convention", "dA is ∂ℓ/∂A")

    def mean_loss(A, Y):
        return loss(A, Y)[0], loss(A, Y)[1] / A.shape[1]
    _failed(check("3.4b", NeuralNetwork=_network(), compute_loss=mean_loss), "carries the 1/m of the mean")

    def summed_loss(A, Y):
        return loss(A, Y)[0] * A.shape[1], loss(A, Y)[1]
    _failed(check("3.4b", NeuralNetwork=_network(), compute_loss=summed_loss), "the sum over the batch, not the mean")


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
        if bug == "fixed_eps":
            epsilon = 1e-7
        if bug == "ignores_loss":
            loss = nnbook.binary_cross_entropy
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
    ("no_restore", ["left the network's parameters changed"]),
    ("eps", ["twice the true one"]),
    ("no_denominator", ["without the denominator", "ε = 1e-3"]),
    ("fixed_eps", ["not the `epsilon` passed in"]),
    ("ignores_loss", ["does not use the `loss`"]),
])
def test_3_4c_wrong_attempts_are_diagnosed(bug, phrases):
    _failed(check("3.4c", gradient_check=_gradient_check(bug)), *phrases)


def test_3_4c_returns_a_dict_of_every_array():
    def partial(network, X, Y, epsilon=1e-7, loss=nnbook.binary_cross_entropy):
        errors = _gradient_check()(network, X, Y, epsilon, loss)
        return {k: v for k, v in errors.items() if k != "b3"}
    _failed(check("3.4c", gradient_check=partial), "lacks 'b3'")

    def as_list(network, X, Y, epsilon=1e-7, loss=nnbook.binary_cross_entropy):
        return list(_gradient_check()(network, X, Y, epsilon, loss).values())
    _failed(check("3.4c", gradient_check=as_list), "should return a dict")


def test_3_4c_vectorised_attempt_passes():
    """A correct attempt that differs from the reference (flat loop, errors via np.sqrt of sums) passes."""
    def gradient_check(network, X, Y, epsilon=1e-7, loss=nnbook.binary_cross_entropy):
        A, cache = network.forward(X)
        grads = network.backward(loss(A, Y)[1], cache)
        out = {}
        for name, P in network.parameters.items():
            flat = P.reshape(-1)
            num = np.empty(flat.size)
            for j in range(flat.size):
                keep = flat[j]
                flat[j] = keep + epsilon; up = loss(network.forward(X)[0], Y)[0]
                flat[j] = keep - epsilon; down = loss(network.forward(X)[0], Y)[0]
                flat[j] = keep
                num[j] = (up - down) / (2 * epsilon)
            g = grads[name].reshape(-1)
            out[name] = np.sqrt(np.sum((g - num) ** 2)) / (np.sqrt(g @ g) + np.sqrt(num @ num))
        return out
    assert check("3.4c", gradient_check=gradient_check)


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
    for eid, entry in _EXERCISES.items():
        assert entry["reveals"] == 3
        assert "np." not in entry["hints"][0] + entry["hints"][1] or eid == "3.4c"   # code only at the end


def test_teaching_versions_on_the_page_pass():
    """The page's reference solutions, run through the checks."""
    nb = json.loads((ROOT / "nbs" / "04_backprop.ipynb").read_text(encoding="utf-8"))
    scope = {}
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        teaching = src.startswith(("def compute_loss", "def gradient_check"))
        solution = "exercise-solution" in cell["metadata"].get("tags", [])       # folded on the page
        if cell["cell_type"] == "code" and teaching and solution:
            exec("import numpy as np\nimport nnbook\n" + src, scope)
    assert check("3.4b", NeuralNetwork=scope["NeuralNetwork"], compute_loss=scope["compute_loss"])
    assert check("3.4c", gradient_check=scope["gradient_check"])
