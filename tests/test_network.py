"""Tests for nnbook.network (§3.3): the forward pass against independent computations, shapes for many
architectures, initialisation, the shape errors, check_shapes and plot_network."""
import math
import warnings

import numpy as np
import pytest

import nnbook
from nnbook import NeuralNetwork, check_shapes

RNG = np.random.default_rng(33)


def reference_forward(params, X, hidden, output):
    """An independent forward pass: plain loops over layers, activations written out here."""
    g = {"relu": lambda z: np.where(z > 0, z, 0.0), "tanh": np.tanh, "linear": lambda z: z,
         "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "softmax": lambda z: np.exp(z) / np.exp(z).sum(axis=0)}
    L = len(params) // 2
    A = X
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = g[output if l == L else hidden](Z)
    return A


# ---------------------------------------------------------------- Exercise 3.3a, by hand

def test_exercise_33a_hand_computation():
    W1 = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]
    b1 = [0.1, 0.2, 0.3]
    W2 = [0.7, 0.8, 0.9]
    b2 = 0.4
    x = [1.0, 2.0]
    z1 = [sum(W1[i][j] * x[j] for j in range(2)) + b1[i] for i in range(3)]
    a1 = [max(0.0, v) for v in z1]
    z2 = sum(W2[i] * a1[i] for i in range(3)) + b2
    a2 = 1 / (1 + math.exp(-z2))
    assert z1 == pytest.approx([0.6, 1.3, 2.0]) and z2 == pytest.approx(3.66)

    net = NeuralNetwork([2, 3, 1], hidden_activation="relu", output_activation="sigmoid")
    net.parameters.update(W1=np.array(W1), b1=np.array(b1).reshape(3, 1),
                          W2=np.array([W2]), b2=np.array([[b2]]))
    A, cache = net.forward(np.array(x).reshape(2, 1))
    assert cache["Z1"].shape == (3, 1) and cache["A1"].shape == (3, 1) and A.shape == (1, 1)
    np.testing.assert_allclose(cache["Z1"].ravel(), z1, rtol=1e-14)
    np.testing.assert_allclose(cache["A1"].ravel(), a1, rtol=1e-14)
    assert cache["Z2"][0, 0] == pytest.approx(z2, rel=1e-14)
    assert A[0, 0] == pytest.approx(a2, rel=1e-14)
    assert A[0, 0] == pytest.approx(0.97491, abs=1e-5)


# ---------------------------------------------------------------- forward: shapes and values

@pytest.mark.parametrize("sizes", [[2, 1], [2, 4, 1], [3, 5, 2], [784, 16, 8, 10], [1, 7, 7, 7, 1]])
@pytest.mark.parametrize("batch", [1, 3, 64])
def test_forward_shapes_for_many_architectures(sizes, batch):
    net = NeuralNetwork(sizes, hidden_activation="relu", output_activation="softmax", seed=1)
    A, cache = net.forward(RNG.standard_normal((sizes[0], batch)))
    assert A.shape == (sizes[-1], batch)
    expected_keys = ["A0"] + [f"{k}{l}" for l in range(1, len(sizes)) for k in ("Z", "A")]
    assert list(cache) == expected_keys
    for l in range(1, len(sizes)):
        assert cache[f"Z{l}"].shape == cache[f"A{l}"].shape == (sizes[l], batch)
        assert net.parameters[f"W{l}"].shape == (sizes[l], sizes[l - 1])
        assert net.parameters[f"b{l}"].shape == (sizes[l], 1)
    assert A is cache[f"A{len(sizes) - 1}"]


@pytest.mark.parametrize("hidden,output", [("relu", "sigmoid"), ("relu", "softmax"), ("tanh", "linear"),
                                           ("tanh", "sigmoid")])
def test_forward_matches_independent_implementation(hidden, output):
    sizes = [4, 6, 5, 3]
    net = NeuralNetwork(sizes, hidden_activation=hidden, output_activation=output, seed=3)
    for l in range(1, 4):                           # non-zero biases, so broadcasting is exercised
        net.parameters[f"b{l}"] = RNG.standard_normal((sizes[l], 1))
    X = RNG.standard_normal((4, 9))
    A, cache = net.forward(X)
    np.testing.assert_allclose(A, reference_forward(net.parameters, X, hidden, output), rtol=1e-13, atol=1e-15)
    # column j of a batch equals the forward pass of example j alone
    for j in (0, 4, 8):
        np.testing.assert_allclose(net.forward(X[:, [j]])[0][:, 0], A[:, j], rtol=1e-13)


@pytest.mark.parametrize("hidden,output", [("relu", "sigmoid"), ("tanh", "softmax"), ("tanh", "linear")])
def test_forward_matches_scikit_learn(hidden, output):
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    sizes = [3, 5, 4, 1 if output != "softmax" else 3]
    net = NeuralNetwork(sizes, hidden_activation=hidden, output_activation=output, seed=5)
    for l in range(1, 4):
        net.parameters[f"b{l}"] = RNG.standard_normal((sizes[l], 1))
    X = RNG.standard_normal((3, 12))
    kind = MLPRegressor if output == "linear" else MLPClassifier
    model = kind(hidden_layer_sizes=tuple(sizes[1:-1]), activation=hidden, max_iter=1)
    y = np.zeros(12) if kind is MLPRegressor else np.arange(12) % max(sizes[-1], 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X.T, y)
    model.coefs_ = [net.parameters[f"W{l}"].T for l in range(1, 4)]
    model.intercepts_ = [net.parameters[f"b{l}"].ravel() for l in range(1, 4)]
    A = net.forward(X)[0]
    if output == "linear":
        theirs = model.predict(X.T).reshape(1, -1)
    elif output == "sigmoid":
        theirs = model.predict_proba(X.T)[:, 1].reshape(1, -1)
    else:
        theirs = model.predict_proba(X.T).T
    np.testing.assert_allclose(A, theirs, rtol=1e-12, atol=1e-14)


def test_assigning_parameters_changes_the_output():
    net = NeuralNetwork([2, 3, 1], output_activation="linear", seed=0)
    X = RNG.standard_normal((2, 5))
    before = net.forward(X)[0]
    net.parameters["b2"] = net.parameters["b2"] + 1.5
    np.testing.assert_allclose(net.forward(X)[0], before + 1.5)
    net.parameters["W1"] = np.zeros((3, 2))
    constant = net.parameters["W2"] @ np.maximum(net.parameters["b1"], 0) + net.parameters["b2"]   # (1, 1)
    np.testing.assert_allclose(net.forward(X)[0], np.broadcast_to(constant, (1, 5)))


def test_dtype_and_integer_inputs():
    net32 = NeuralNetwork([2, 3, 1], dtype=np.float32)
    A, cache = net32.forward(np.ones((2, 4)))
    assert A.dtype == np.float32 and cache["A0"].dtype == np.float32 and cache["Z1"].dtype == np.float32
    net = NeuralNetwork([2, 3, 1])
    np.testing.assert_allclose(net.forward(np.array([[1, 2], [3, 4]]))[0],
                               net.forward(np.array([[1.0, 2.0], [3.0, 4.0]]))[0])


def test_dropout_only_in_training():
    net = NeuralNetwork([4, 50, 1], dropout=0.5, seed=0)
    X = RNG.standard_normal((4, 20))
    A_eval, cache_eval = net.forward(X)
    assert "D1" not in cache_eval
    A_train, cache_train = net.forward(X, training=True)
    D = cache_train["D1"]
    assert set(np.unique(D)) <= {0.0, 2.0} and D.shape == (50, 20)
    np.testing.assert_allclose(cache_train["A1"], np.maximum(cache_train["Z1"], 0) * D)


# ---------------------------------------------------------------- initialisation

def test_initialisation_is_deterministic_for_a_seed():
    a, b = NeuralNetwork([5, 7, 3], seed=42), NeuralNetwork([5, 7, 3], seed=42)
    c = NeuralNetwork([5, 7, 3], seed=43)
    for key in a.parameters:
        np.testing.assert_array_equal(a.parameters[key], b.parameters[key])
    assert not np.array_equal(a.parameters["W1"], c.parameters["W1"])
    np.testing.assert_array_equal(a.parameters["b1"], np.zeros((7, 1)))
    g = np.random.default_rng(9)
    p = nnbook.initialize_parameters([5, 7, 3], init="xavier", rng=np.random.default_rng(9))
    np.testing.assert_array_equal(p["W1"], g.standard_normal((7, 5)) * math.sqrt(2 / 12))


@pytest.mark.parametrize("init,expected_std", [("he", math.sqrt(2 / 400)), ("xavier", math.sqrt(2 / 700)),
                                               ("lecun", math.sqrt(1 / 400)), ("small", 0.01), ("zeros", 0.0)])
def test_initialisation_scale(init, expected_std):
    W = nnbook.initialize_parameters([400, 300], init=init, rng=0)["W1"]
    assert W.shape == (300, 400)
    assert W.std() == pytest.approx(expected_std, rel=0.02, abs=1e-12)
    assert nnbook.init_std(init, 400, 300) == pytest.approx(expected_std)


def test_default_init_follows_the_hidden_activation():
    assert NeuralNetwork([2, 3, 1], hidden_activation="relu").init == "he"
    assert NeuralNetwork([2, 3, 1], hidden_activation="elu").init == "he"
    assert NeuralNetwork([2, 3, 1], hidden_activation="tanh").init == "xavier"
    assert NeuralNetwork([2, 3, 1], hidden_activation="sigmoid", init="small").init == "small"


@pytest.mark.parametrize("kwargs,match", [
    (dict(layer_sizes=[3]), "at least two positive integers"),
    (dict(layer_sizes=[3, 0, 1]), "at least two positive integers"),
    (dict(layer_sizes=[3, 2.5, 1]), "at least two positive integers"),
    (dict(layer_sizes="3-4-1"), "at least two positive integers"),
    (dict(layer_sizes=[2, 3, 1], hidden_activation="softmax"), "hidden_activation 'softmax' is an output activation"),
    (dict(layer_sizes=[2, 3, 1], output_activation="relux"), "Unknown output_activation"),
    (dict(layer_sizes=[2, 3, 1], init="glorot"), "Unknown init 'glorot'"),
    (dict(layer_sizes=[2, 3, 1], dtype=np.int32), "dtype must be float32 or float64"),
    (dict(layer_sizes=[2, 3, 1], dropout=1.0), r"dropout must be a probability in \[0, 1\)"),
])
def test_constructor_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        NeuralNetwork(**kwargs)


# ---------------------------------------------------------------- forward's error messages

def test_transposed_input_error_names_layer_shapes_and_fix():
    net = NeuralNetwork([2, 4, 1])
    with pytest.raises(ValueError, match=r"Layer 1: W1 has shape \(4, 2\), so it expects its input X of shape "
                                         r"\(2, batch\); received shape \(10, 2\)\. It looks transposed.*X\.T"):
        net.forward(np.ones((10, 2)))


def test_wrong_feature_count_without_transposition_hint():
    with pytest.raises(ValueError, match=r"expects its input X of shape \(2, batch\); received shape \(3, 5\)\.$"):
        NeuralNetwork([2, 4, 1]).forward(np.ones((3, 5)))


def test_one_dimensional_input_suggests_a_column():
    with pytest.raises(ValueError, match=r"must be 2-D .* got shape \(2,\).*x\.reshape\(-1, 1\)"):
        NeuralNetwork([2, 4, 1]).forward(np.array([1.0, 2.0]))


def test_hidden_layer_weight_mismatch_names_the_layer():
    net = NeuralNetwork([2, 4, 3, 1])
    net.parameters["W2"] = net.parameters["W2"].T                  # (4, 3) instead of (3, 4)
    with pytest.raises(ValueError, match=r"Layer 2: W2 has shape \(4, 3\).*received shape \(4, 5\).*W2\.T"):
        net.forward(np.ones((2, 5)))


def test_one_dimensional_bias_is_rejected_even_when_it_would_broadcast():
    net = NeuralNetwork([2, 4, 1])
    net.parameters["b1"] = np.zeros(4)
    with pytest.raises(ValueError, match=r"Layer 1: b1 has shape \(4,\), expected \(4, 1\).*reshape\(-1, 1\)"):
        net.forward(np.ones((2, 4)))                                 # batch 4 would broadcast silently


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="X must be a real numeric array"):
        NeuralNetwork([2, 3, 1]).forward(np.array([["a", "b"], ["c", "d"]]))


# ---------------------------------------------------------------- check_shapes

def test_check_shapes_reports_every_shape(capsys):
    shapes = check_shapes(NeuralNetwork([2, 4, 1]), (2, 10))
    assert shapes == {"A0": (2, 10), "W1": (4, 2), "b1": (4, 1), "Z1": (4, 10), "A1": (4, 10),
                      "W2": (1, 4), "b2": (1, 1), "Z2": (1, 10), "A2": (1, 10)}
    out = capsys.readouterr().out
    assert "(n_1, n_0)" in out and "all 9 shapes are correct" in out
    check_shapes(NeuralNetwork([5, 3, 3, 2], output_activation="softmax"), (5, 1), verbose=False)
    assert capsys.readouterr().out == ""


def test_check_shapes_finds_parameter_bugs():
    net = NeuralNetwork([2, 4, 1])
    net.parameters["W1"] = np.ones((2, 4))
    with pytest.raises(ValueError, match=r"W1 has shape \(2, 4\), expected \(n_1, n_0\) = \(4, 2\).*transposed"):
        check_shapes(net, (2, 10))
    net = NeuralNetwork([2, 4, 1])
    net.parameters["b1"] = np.zeros(4)
    with pytest.raises(ValueError, match=r"b1 has shape \(4,\), expected \(n_1, 1\) = \(4, 1\).*reshape"):
        check_shapes(net, (2, 4))
    net = NeuralNetwork([2, 4, 1])
    del net.parameters["W2"]
    with pytest.raises(ValueError, match="parameters has no 'W2'"):
        check_shapes(net, (2, 3))


def test_check_shapes_input_shape_errors():
    net = NeuralNetwork([2, 4, 1])
    with pytest.raises(ValueError, match=r"does not fit layer_sizes \[2, 4, 1\].*looks transposed.*\(2, 10\)"):
        check_shapes(net, (10, 2))
    with pytest.raises(ValueError, match="two positive integers"):
        check_shapes(net, (2, 0))
    with pytest.raises(TypeError, match="input_shape must be a tuple"):
        check_shapes(net, 2)
    with pytest.raises(TypeError, match="network must be a NeuralNetwork"):
        check_shapes(object(), (2, 3))


def test_check_shapes_finds_a_buggy_forward():
    class BatchOnWrongAxis(NeuralNetwork):
        def forward(self, X, training=False):
            A, cache = super().forward(X, training)
            cache["A1"] = cache["A1"].T                           # a bug: batch moved to axis 0
            return A, cache

    with pytest.raises(ValueError, match=r"forward produced A1 of shape \(10, 4\), expected \(n_1, m\) = \(4, 10\)"):
        check_shapes(BatchOnWrongAxis([2, 4, 1]), (2, 10))

    class ForgetsTheCache(NeuralNetwork):
        def forward(self, X, training=False):
            A, cache = super().forward(X, training)
            del cache["Z2"]
            return A, cache

    with pytest.raises(ValueError, match="forward's cache has no 'Z2'"):
        check_shapes(ForgetsTheCache([2, 4, 1]), (2, 10))

    class Crashes(NeuralNetwork):
        def forward(self, X, training=False):
            return self.parameters["W1"].T @ X, {}

    with pytest.raises(ValueError, match="forward failed on an input of shape"):
        check_shapes(Crashes([2, 4, 1]), (2, 10))


def test_check_shapes_does_not_change_the_network():
    net = NeuralNetwork([2, 4, 1], dropout=0.3, seed=0)
    state = net.rng.bit_generator.state
    params = {k: v.copy() for k, v in net.parameters.items()}
    check_shapes(net, (2, 8), verbose=False)
    assert net.rng.bit_generator.state == state
    for k in params:
        np.testing.assert_array_equal(net.parameters[k], params[k])


# ---------------------------------------------------------------- plot_network

def test_plot_network_draws_units_and_weights():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    net = NeuralNetwork([2, 3, 1])
    ax = nnbook.plot_network(net, x=[1.0, 2.0], show_weights=True)
    assert len(ax.lines) == 2 * 3 + 3 * 1 and len(ax.collections) == 3
    texts = [t.get_text() for t in ax.texts]
    a2 = net.forward(np.array([[1.0], [2.0]]))[0][0, 0]
    assert f"{a2:.3g}" in texts and "input" in texts
    plt.close("all")
    with pytest.raises(ValueError, match="max_units=16"):
        nnbook.plot_network(NeuralNetwork([2, 32, 1]))
    with pytest.raises(ValueError, match=r"x must be one example of shape \(2,\)"):
        nnbook.plot_network(net, x=[1.0, 2.0, 3.0])
    plt.close("all")


def test_unknown_activation_name_set_after_construction_is_reported_by_every_entry_point():
    """The training loops look activations up without the public checks; a bad name must still give the
    ValueError that lists the valid names, not a bare KeyError."""
    net = NeuralNetwork([2, 3, 1])
    net.hidden_activation = "relux"
    X, Y = np.zeros((2, 4)), np.zeros((1, 4))
    calls = [lambda: net.forward(X), lambda: net.train_step(X, Y, nnbook.SGD(0.1)),
             lambda: nnbook.fit(net, X, Y, epochs=1, progress=False)]
    for call in calls:
        with pytest.raises(ValueError, match=r"Unknown activation 'relux'; choose one of: .*relu"):
            call()


@pytest.mark.parametrize("output", ["softmax", "sigmoid", "linear"])
def test_dropout_never_touches_the_output_layer(output):
    """Inverted dropout masks hidden units only: the output layer's activations are the model's prediction."""
    net = NeuralNetwork([4, 30, 20, 3], output_activation=output, dropout=0.5, seed=0)
    X = RNG.standard_normal((4, 16))
    A, cache = net.forward(X, training=True)
    assert {"D1", "D2"} <= set(cache) and "D3" not in cache
    Z3 = net.parameters["W3"] @ cache["A2"] + net.parameters["b3"]
    np.testing.assert_allclose(cache["Z3"], Z3)
    np.testing.assert_allclose(A, nnbook.get_activation(output).fn(Z3))   # no mask, no 1/keep scaling
