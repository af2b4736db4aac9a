"""Tests of the §3.8 exercise checker (nnbook.exercises.s38): a correct attempt written from the starter code
passes, the untouched starter is "not attempted", and one wrong attempt per requirement of the statement is
rejected with its diagnosis (never with the expected values)."""
import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import nnbook  # noqa: E402
from nnbook.exercises import check, hint  # noqa: E402

NB = Path(__file__).resolve().parents[1] / "nbs" / "07b_torch.ipynb"
MODULES = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}


def _failed(r, *phrases):
    assert r.status in ("failed", "error") and not r, (r.status, r.message)
    for p in phrases:
        assert p in r.message, (p, r.message)


# ------------------------------------------------------------------ a correct attempt, from the starter
def to_torch(net, dtype=torch.float64, weight=lambda W: W, bias=lambda b: b[:, 0], hidden=None, output=True):
    layers = []
    L = len(net.layer_sizes) - 1
    for l in range(1, L + 1):
        W, b = weight(net.parameters[f"W{l}"]), bias(net.parameters[f"b{l}"])
        linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            if b.ndim == 2:                                 # the column as it is: a wrong-shaped bias
                linear.bias = torch.nn.Parameter(torch.from_numpy(b.copy()))
            else:
                linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if l < L:
            layers.append(MODULES[hidden or net.hidden_activation]())
        elif output == "hidden":
            layers.append(MODULES[net.hidden_activation]())
        elif output:
            layers.append(torch.nn.Sigmoid())
    return torch.nn.Sequential(*layers)


def autograd_gradients(net, X, Y, reduce=lambda loss, m, n: loss / m, bias_grad=lambda g: g[:, None],
                       key="{}{}", model=None):
    model = model or to_torch(net)
    A = model(torch.from_numpy(X.T))
    loss = torch.nn.functional.binary_cross_entropy(A, torch.from_numpy(Y.T), reduction="sum")
    reduce(loss, X.shape[1], Y.shape[0]).backward()
    linears = [layer for layer in model if isinstance(layer, torch.nn.Linear)]
    grads = {}
    for l, linear in enumerate(linears, start=1):
        grads[key.format("W", l)] = linear.weight.grad.numpy()
        grads[key.format("b", l)] = bias_grad(linear.bias.grad.numpy())
    return grads


def _c(to_torch=to_torch, autograd_gradients=autograd_gradients, NeuralNetwork=nnbook.NeuralNetwork):
    return check("3.8a", to_torch=to_torch, autograd_gradients=autograd_gradients, NeuralNetwork=NeuralNetwork)


def test_correct_attempt_passes(capsys):
    r = _c()
    assert r and r.status == "passed", r.message
    assert "passed" in capsys.readouterr().out


def test_the_learners_34b_network_passes():
    class NeuralNetwork(nnbook.NeuralNetwork):               # the reference solution of Exercise 3.4b
        def backward(self, dA, cache):
            grads, L, m = {}, len(self.layer_sizes) - 1, dA.shape[1]
            for l in range(L, 0, -1):
                dZ = dA * nnbook.get_activation(self.activation(l)).derivative(cache[f"Z{l}"])
                grads[f"W{l}"] = dZ @ cache[f"A{l - 1}"].T / m
                grads[f"b{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
                dA = self.parameters[f"W{l}"].T @ dZ
            return grads
    assert _c(NeuralNetwork=NeuralNetwork)


def test_untouched_starter_is_not_attempted():
    nb = json.loads(NB.read_text())
    starter = next(c for c in nb["cells"] if "exercise-starter" in c["metadata"].get("tags", []))
    ns = {"np": np, "nnbook": nnbook}
    exec(compile("".join(starter["source"]), "<starter>", "exec"), ns)
    r = check("3.8a", **{k: ns[k] for k in ("to_torch", "autograd_gradients", "NeuralNetwork")})
    assert r.status == "not attempted", (r.status, r.message)


# ------------------------------------------------------------------ one wrong attempt per requirement
def test_float32_model():
    _failed(_c(to_torch=lambda net: to_torch(net, dtype=torch.float32)), "torch.float32", "dtype=torch.float64")


def test_weights_not_copied():
    def fresh(net):
        model = to_torch(net)
        torch.manual_seed(0)
        model[0].reset_parameters()                           # the random initial weights of Linear
        return model
    _failed(_c(to_torch=fresh), "is not W1", "copy")


def test_transposed_weights_on_a_square_layer():
    def transposed(net):
        model = to_torch(net)
        with torch.no_grad():
            for lin in model:
                if isinstance(lin, torch.nn.Linear) and lin.weight.shape[0] == lin.weight.shape[1]:
                    lin.weight.copy_(lin.weight.T.clone())
        return model
    _failed(_c(to_torch=transposed), "transposed")


def test_weight_of_the_wrong_shape():
    def swapped(net):
        model = to_torch(net)
        for lin in model:
            if isinstance(lin, torch.nn.Linear):                 # W.T assigned as the new weight
                lin.weight = torch.nn.Parameter(lin.weight.detach().T.clone())
        return model
    _failed(_c(to_torch=swapped), "(n_out, n_in) like W")


def test_bias_as_a_column():
    _failed(_c(to_torch=lambda net: to_torch(net, bias=lambda b: b)), "the column b1 flattened, b[:, 0]")


def test_hidden_activation_ignored():
    _failed(_c(to_torch=lambda net: to_torch(net, hidden="relu")), "hidden_activation is 'tanh'")


def test_no_output_sigmoid():
    _failed(_c(to_torch=lambda net: to_torch(net, output=False)), "add torch.nn.Sigmoid()")


def test_hidden_activation_at_the_output():
    _failed(_c(to_torch=lambda net: to_torch(net, output="hidden")), "the output layer is a sigmoid")


def test_samples_in_columns():
    def columns(net):
        model = to_torch(net)

        class Columns(torch.nn.Module):                      # feeds X as it is: one output per row
            def __init__(self):
                super().__init__()
                self.inner = model

            def forward(self, x):
                return self.inner(x).T
        return Columns()
    _failed(_c(to_torch=columns), "examples in rows")


def test_loss_summed_over_the_batch():
    _failed(_c(autograd_gradients=lambda net, X, Y: autograd_gradients(net, X, Y, reduce=lambda s, m, n: s)),
            "times what it should be", "average it over the batch")


def test_loss_averaged_over_the_outputs_too():
    _failed(_c(autograd_gradients=lambda net, X, Y: autograd_gradients(net, X, Y,
                                                                       reduce=lambda s, m, n: s / (m * n))),
            "averaged over the outputs too")


def test_bias_gradients_as_vectors():
    _failed(_c(autograd_gradients=lambda net, X, Y: autograd_gradients(net, X, Y, bias_grad=lambda g: g)),
            "gradient of b", "a column is (n, 1)")


def test_keys_with_d():
    _failed(_c(autograd_gradients=lambda net, X, Y: autograd_gradients(net, X, Y, key="d{}{}")),
            "not 'dW1', 'db1'")


def test_gradients_in_float32():
    _failed(_c(autograd_gradients=lambda net, X, Y: autograd_gradients(
        net, X.astype(np.float32), Y.astype(np.float32), model=to_torch(net, dtype=torch.float32))),
        "float32's precision", "float64")


def test_changes_the_parameters():
    def step(net, X, Y):
        grads = autograd_gradients(net, X, Y)
        net.parameters["W1"] -= 0.1 * grads["W1"]             # a training step slipped in
        return grads
    _failed(_c(autograd_gradients=step), "changed the network's parameters")


def test_a_buggy_backward_disagrees_with_autograd():
    class NoMean(nnbook.NeuralNetwork):                       # Exercise 3.4b without the 1/m
        def backward(self, dA, cache):
            grads = super().backward(dA, cache)
            return {k: g * dA.shape[1] for k, g in grads.items()}
    _failed(_c(NeuralNetwork=NoMean), "disagrees with autograd", "check('3.4b')")


def test_hints_and_no_answer_in_messages(capsys):
    assert _c()                                               # a passing check leaves no targeted hint
    hint("3.8a", reset=True)
    assert "torch.nn.Linear" in capsys.readouterr().out
    r = _c(to_torch=lambda net: to_torch(net, hidden="relu"))
    assert "[" not in r.message and "array" not in r.message, r.message      # no values shown
    capsys.readouterr()
    hint("3.8a")                                              # the hint for the mistake just found
    assert "net.hidden_activation" in capsys.readouterr().out
