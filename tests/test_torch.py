"""nnbook.torch, the bridge of §3.8 (nbs/07b_torch.ipynb): the exact round trip, forward outputs,
gradients against autograd and optimizer steps against torch.optim on random networks, and the errors
for what an nnbook network cannot express. Skipped only where PyTorch is not installed (CI installs it)."""
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

import nnbook  # noqa: E402
from nnbook.torch import (BCEWithLogitsSumLoss, from_torch, to_torch, torch_grads,  # noqa: E402
                          torch_loss, torch_optimizer)

torch.set_num_threads(1)
HIDDEN = ["relu", "tanh", "sigmoid", "leaky_relu", "elu", "gelu", "linear"]
OUTPUT = ["softmax", "sigmoid", "linear", "tanh", "relu"]
DTYPES = [np.float32, np.float64]


def same_network(a, b):
    """What a network computes: sizes, activations, dtype, dropout and bit-identical parameters."""
    assert a.layer_sizes == b.layer_sizes
    assert [a.activation(l) for l in range(1, a.L + 1)] == [b.activation(l) for l in range(1, b.L + 1)]
    assert a.dtype == b.dtype
    if a.L > 1:
        assert a.dropout == b.dropout
    assert list(a.parameters) == list(b.parameters)
    for k in a.parameters:
        assert b.parameters[k].dtype == a.dtype
        np.testing.assert_array_equal(a.parameters[k], b.parameters[k])


def random_net(sizes, hidden, output, dtype=np.float64, seed=0, dropout=0.0):
    net = nnbook.NeuralNetwork(sizes, hidden, output, dtype=dtype, seed=seed, dropout=dropout)
    rng = np.random.default_rng(seed)
    for P in net.parameters.values():                     # non-zero biases too
        P[...] = rng.normal(0, 0.5, P.shape)
    return net


def relative_error(a, b):
    d = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if d == 0 else np.linalg.norm(a - b) / d


# --- the round trip -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("output", OUTPUT)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_round_trip_is_exact(hidden, output, dtype):
    for sizes, dropout in (([5, 7, 4, 3], 0.0), ([3, 6, 2], 0.25), ([4, 2], 0.0)):
        net = random_net(sizes, hidden, output, dtype, seed=len(sizes), dropout=dropout)
        model = to_torch(net)
        assert all(p.dtype == {np.float32: torch.float32, np.float64: torch.float64}[dtype]
                   for p in model.parameters())
        same_network(net, from_torch(model))


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_logits_round_trip_with_output_activation(output):
    net = random_net([4, 5, 3], "tanh", output)
    model = to_torch(net, logits=True)
    assert isinstance(model[-1], torch.nn.Linear)
    same_network(net, from_torch(model, output_activation=output))
    assert from_torch(model).output_activation == "linear"


def test_copies_not_shares():
    net = random_net([3, 4, 2], "relu", "softmax")
    model = to_torch(net)
    before = {k: P.copy() for k, P in net.parameters.items()}
    with torch.no_grad():
        model[0].weight += 1.0
    for k in net.parameters:
        np.testing.assert_array_equal(net.parameters[k], before[k])
    back = from_torch(model)
    back.parameters["W1"][...] = 0.0
    assert torch.all(model[0].weight != 0)


def test_to_torch_draws_nothing_from_torch_generator():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    to_torch(random_net([30, 20, 10], "relu", "softmax"))
    assert torch.equal(torch.rand(3), expected)


def test_import_nnbook_does_not_import_torch():
    code = "import sys, nnbook; assert 'torch' not in sys.modules, 'import nnbook imported torch'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_import_without_torch_says_how_to_install():
    code = ("import sys; sys.modules['torch'] = None\n"          # as if torch were not installed
            "try:\n    import nnbook.torch\nexcept ImportError as e:\n    print(e)\n"
            "else:\n    raise SystemExit('no ImportError')")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert 'pip install "nnbook[torch]"' in out


# --- the equalities of §3.8 on random networks --------------------------------------------------
sizes_st = st.lists(st.integers(1, 7), min_size=2, max_size=5)


@settings(max_examples=40, deadline=None)
@given(sizes=sizes_st, hidden=st.sampled_from(HIDDEN), output=st.sampled_from(OUTPUT[:3]),
       m=st.integers(1, 9), seed=st.integers(0, 10_000))
def test_forward_outputs_equal(sizes, hidden, output, m, seed):
    net = random_net(sizes, hidden, output, seed=seed)
    X = np.random.default_rng(seed).normal(size=(sizes[0], m))
    A = to_torch(net)(torch.from_numpy(X.T)).detach().numpy().T
    assert np.max(np.abs(A - net.forward(X)[0])) <= 1e-12


def _targets(rng, output, n, m):
    if output == "softmax":
        labels = rng.integers(0, n, m)
        return nnbook.one_hot(labels, n), torch.from_numpy(labels)
    if output == "sigmoid":
        Y = rng.integers(0, 2, (n, m)).astype(float)
    else:
        Y = rng.normal(size=(n, m))
    return Y, torch.from_numpy(Y.T.copy())


@settings(max_examples=60, deadline=None)
@given(sizes=sizes_st, hidden=st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu", "elu", "gelu"]),
       output=st.sampled_from(["softmax", "sigmoid", "linear"]), m=st.integers(1, 9),
       seed=st.integers(0, 10_000))
def test_gradients_equal_autograd(sizes, hidden, output, m, seed):
    if output == "softmax" and sizes[-1] == 1:
        sizes = sizes[:-1] + [2]
    net = random_net(sizes, hidden, output, seed=seed)
    rng = np.random.default_rng(seed + 1)
    X = rng.normal(size=(sizes[0], m))
    Y, target = _targets(rng, output, sizes[-1], m)
    A, cache = net.forward(X)
    loss, dA = nnbook.LOSSES[nnbook.DEFAULT_LOSS[output]](A, Y)
    grads = net.backward(dA, cache)
    model = to_torch(net, logits=True)
    loss_t = torch_loss(net)(model(torch.from_numpy(X.T)), target)
    loss_t.backward()
    assert abs(loss_t.item() - loss) <= 1e-12 * max(1.0, abs(loss))
    grads_t = torch_grads(model)
    assert list(grads_t) == list(grads)
    for k in grads:
        assert grads_t[k].shape == grads[k].shape
        assert relative_error(grads[k], grads_t[k]) <= 1e-10, k


@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_non_matching_pair_sigmoid_mse(hidden):
    net = random_net([4, 6, 3], hidden, "sigmoid", seed=2)
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(4, 8)), rng.random((3, 8))
    A, cache = net.forward(X)
    grads = net.backward(nnbook.mean_squared_error(A, Y)[1], cache)
    model = to_torch(net)                                    # Sigmoid kept: MSE on probabilities
    torch.nn.MSELoss()(model(torch.from_numpy(X.T)), torch.from_numpy(Y.T.copy())).backward()
    grads_t = torch_grads(model)
    assert max(relative_error(grads[k], grads_t[k]) for k in grads) <= 1e-10


def test_torch_loss_pairs():
    assert isinstance(torch_loss(random_net([3, 4], "relu", "softmax")), torch.nn.CrossEntropyLoss)
    assert isinstance(torch_loss(random_net([3, 1], "relu", "sigmoid")), torch.nn.BCEWithLogitsLoss)
    assert isinstance(torch_loss(random_net([3, 2], "relu", "sigmoid")), BCEWithLogitsSumLoss)
    assert isinstance(torch_loss(random_net([3, 2], "relu", "linear")), torch.nn.MSELoss)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_optimizers_take_the_same_steps(name, seed):
    rng = np.random.default_rng(seed)
    ours = {"sgd": nnbook.SGD(0.05), "momentum": nnbook.Momentum(0.1, beta=float(rng.uniform(0, 0.99))),
            "adam": nnbook.AdamOptimizer(0.01, beta1=0.8, beta2=0.99, epsilon=1e-7)}[name]
    params = {"W": rng.normal(size=(5, 3)), "b": rng.normal(size=(5, 1))}
    tensors = [torch.tensor(P, requires_grad=True) for P in params.values()]
    theirs = torch_optimizer(ours, tensors)
    for step in range(100):
        g = {k: rng.normal(size=P.shape) for k, P in params.items()}
        if step == 50:                                        # a schedule changes the rate on both
            ours.learning_rate /= 2
            theirs.param_groups[0]["lr"] /= 2
        ours.update(params, g)
        for T, G in zip(tensors, g.values()):
            T.grad = torch.from_numpy(G)
        theirs.step()
    for P, T in zip(params.values(), tensors):
        assert np.max(np.abs(P - T.detach().numpy())) <= 1e-10


def test_momentum_mapping():
    opt = torch_optimizer(nnbook.Momentum(0.2, beta=0.75), [torch.zeros(2, requires_grad=True)])
    group = opt.param_groups[0]
    assert isinstance(opt, torch.optim.SGD)
    assert group["lr"] == pytest.approx(0.05) and group["momentum"] == 0.75 and group["dampening"] == 0
    with pytest.raises(TypeError, match="nnbook.SGD, nnbook.Momentum or nnbook.AdamOptimizer"):
        torch_optimizer("adam", [])


# --- errors ------------------------------------------------------------------------------------
def _seq(*modules):
    return torch.nn.Sequential(*modules)


@pytest.mark.parametrize("module, match", [
    (_seq(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU()), r"module 0, Conv2d.*not supported.*Linear"),
    (_seq(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)), r"module 1, BatchNorm1d.*not supported"),
    (_seq(torch.nn.Linear(3, 4, bias=False)), r"module 0, Linear.*no bias"),
    (_seq(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(5, 2)),
     r"module 2, Linear.*takes 5 inputs but the layer before it gives 4"),
    (_seq(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)),
     r"different activations \(relu, tanh\)"),
    (_seq(torch.nn.Linear(3, 4), torch.nn.LeakyReLU(0.2), torch.nn.Linear(4, 1)), r"negative_slope=0.2"),
    (_seq(torch.nn.Linear(3, 4), torch.nn.GELU(), torch.nn.Linear(4, 1)), r"approximate='tanh'"),
    (_seq(torch.nn.Linear(3, 4), torch.nn.Softmax(dim=0)), r"dim=0"),
    (_seq(torch.nn.Linear(3, 4), torch.nn.Softmax(dim=1), torch.nn.Linear(4, 1)), r"softmax only at the output"),
    (_seq(torch.nn.ReLU(), torch.nn.Linear(3, 4)), r"module 0, ReLU.*before the first Linear"),
    (_seq(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Tanh()), r"module 2, Tanh.*follows another"),
    (_seq(torch.nn.Linear(3, 4), torch.nn.Dropout(0.5)), r"Dropout after the output"),
    (_seq(), r"no Linear layer"),
    (_seq(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2).double()), r"float32 or float64 throughout"),
    (_seq(torch.nn.Linear(3, 4).half()), r"float32 or float64 throughout"),
])
def test_from_torch_refuses_what_nnbook_cannot_express(module, match):
    with pytest.raises(ValueError, match=match):
        from_torch(module)


def test_from_torch_other_errors():
    with pytest.raises(TypeError, match="expected a torch.nn.Sequential"):
        from_torch(torch.nn.ModuleList([torch.nn.Linear(2, 2)]))
    with pytest.raises(ValueError, match="output_activation='softmax'.*ends in"):
        from_torch(_seq(torch.nn.Linear(3, 2), torch.nn.Sigmoid()), output_activation="softmax")
    with pytest.raises(ValueError, match="output_activation"):
        from_torch(_seq(torch.nn.Linear(3, 2)), output_activation="nonsense")
    net = from_torch(torch.nn.Linear(3, 2).double())                 # one Linear is a network too
    assert net.layer_sizes == [3, 2] and net.output_activation == "linear" and net.dtype == np.float64
    nested = _seq(_seq(torch.nn.Linear(3, 4), torch.nn.Tanh()), torch.nn.Identity(), torch.nn.Linear(4, 2))
    assert from_torch(nested).hidden_activation == "tanh"


def test_to_torch_errors_for_mismatched_shapes_and_types():
    net = random_net([3, 4, 2], "relu", "softmax")
    net.parameters["W2"] = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"parameters\['W2'\] should have shape \(2, 4\)"):
        to_torch(net)
    net = random_net([3, 4, 2], "relu", "softmax")
    net.parameters["b1"] = np.zeros(4)
    with pytest.raises(ValueError, match=r"parameters\['b1'\] should have shape \(4, 1\).*a column"):
        to_torch(net)
    net = random_net([3, 4, 2], "relu", "softmax")
    net.parameters["W1"] = net.parameters["W1"].astype(np.float32)
    with pytest.raises(ValueError, match=r"dtype float32 but the network's dtype is float64"):
        to_torch(net)
    with pytest.raises(TypeError, match="must be an nnbook.NeuralNetwork"):
        to_torch(torch.nn.Linear(2, 2))


def test_torch_grads_before_backward():
    with pytest.raises(ValueError, match=r"no gradient yet; call loss.backward\(\) first"):
        torch_grads(to_torch(random_net([3, 2], "relu", "softmax")))
    with pytest.raises(ValueError, match="no Linear layer"):
        torch_grads(_seq(torch.nn.ReLU()))
