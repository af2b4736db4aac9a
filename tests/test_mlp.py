"""Tests for nnbook.mlp (§3.5): the training loop against independent computations (hand-written gradient
steps, finite differences), learning on XOR, moons and circles, predictions, the toy dataset generators,
the plotting helpers (headless) and the errors on bad input."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import nnbook
from nnbook import NeuralNetwork
from nnbook.mlp import _resolve_loss

X_XOR = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=float)
Y_XOR = np.array([0, 1, 1, 0])


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """Tiny matrices: a single BLAS thread avoids thread contention on a busy machine."""
    with threadpool_limits(1):
        yield


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def bce(params, X, Y):
    """Binary cross-entropy of a ReLU/sigmoid network, written out independently of nnbook."""
    A = X
    L = len(params) // 2
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = sigmoid(Z) if l == L else np.maximum(Z, 0)
    return -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))


def numerical_gradients(params, X, Y, eps=1e-6):
    grads = {}
    for key, P in params.items():
        G = np.zeros_like(P)
        for idx in np.ndindex(P.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][idx] += eps
            minus[key][idx] -= eps
            G[idx] = (bce(plus, X, Y) - bce(minus, X, Y)) / (2 * eps)
        grads[key] = G
    return grads


# ---------------------------------------------------------------- the training loop

def test_one_epoch_is_one_gradient_step_against_hand_written_backprop():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 7)), (rng.random((1, 7)) > 0.5).astype(float)
    net = NeuralNetwork([3, 5, 1], seed=1)
    p = {k: v.copy() for k, v in net.parameters.items()}
    # independent forward and backward for relu -> sigmoid with binary cross-entropy
    Z1 = p["W1"] @ X + p["b1"]
    A1 = np.maximum(Z1, 0)
    A2 = sigmoid(p["W2"] @ A1 + p["b2"])
    m = X.shape[1]
    dZ2 = A2 - Y
    dW2, db2 = dZ2 @ A1.T / m, dZ2.sum(axis=1, keepdims=True) / m
    dZ1 = (p["W2"].T @ dZ2) * (Z1 > 0)
    dW1, db1 = dZ1 @ X.T / m, dZ1.sum(axis=1, keepdims=True) / m
    expected_loss = -np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))

    history = net.train(X, Y, learning_rate=0.3, epochs=1)

    assert history == [pytest.approx(expected_loss, rel=1e-12)]
    for key, g in {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}.items():
        np.testing.assert_allclose(net.parameters[key], p[key] - 0.3 * g, rtol=1e-12, atol=1e-14)


def test_training_step_follows_finite_difference_gradient():
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((2, 6)), (rng.random((1, 6)) > 0.5).astype(float)
    net = NeuralNetwork([2, 4, 3, 1], seed=2)
    before = {k: v.copy() for k, v in net.parameters.items()}
    numeric = numerical_gradients(before, X, Y)
    net.train(X, Y, learning_rate=1e-3, epochs=1)
    for key in before:
        step = (before[key] - net.parameters[key]) / 1e-3
        np.testing.assert_allclose(step, numeric[key], rtol=1e-5, atol=1e-8)


def test_update_parameters_is_plain_gradient_descent_in_place():
    net = NeuralNetwork([2, 3, 1], seed=0)
    objects = {k: id(v) for k, v in net.parameters.items()}
    before = {k: v.copy() for k, v in net.parameters.items()}
    grads = {k: np.full_like(v, 2.0) for k, v in net.parameters.items()}
    net.update_parameters(grads, 0.25)
    for k in before:
        assert id(net.parameters[k]) == objects[k]
        np.testing.assert_array_equal(net.parameters[k], before[k] - 0.5)


def test_update_parameters_rejects_bad_gradients_and_rates():
    net = NeuralNetwork([2, 3, 1], seed=0)
    grads = {k: np.zeros_like(v) for k, v in net.parameters.items()}
    with pytest.raises(ValueError, match="lacks"):
        net.update_parameters({k: v for k, v in grads.items() if k != "b2"}, 0.1)
    with pytest.raises(ValueError, match=r"gradients\['W1'\] has shape \(2, 3\)"):
        net.update_parameters({**grads, "W1": np.zeros((2, 3))}, 0.1)
    with pytest.raises(ValueError, match="learning_rate must be positive"):
        net.update_parameters(grads, 0.0)


def test_train_returns_float_history_and_continues_from_current_weights():
    a, b = NeuralNetwork([2, 4, 1], seed=3), NeuralNetwork([2, 4, 1], seed=3)
    h = a.train(X_XOR, Y_XOR, learning_rate=0.5, epochs=30)
    h1 = b.train(X_XOR, Y_XOR, learning_rate=0.5, epochs=10)
    h2 = b.train(X_XOR, Y_XOR, learning_rate=0.5, epochs=20)
    assert len(h) == 30 and all(type(v) is float for v in h)
    np.testing.assert_allclose(h, h1 + h2, rtol=1e-12)


def test_one_dimensional_labels_equal_row_vector_labels():
    a, b = NeuralNetwork([2, 4, 1], seed=5), NeuralNetwork([2, 4, 1], seed=5)
    assert a.train(X_XOR, Y_XOR, learning_rate=0.5, epochs=20) == b.train(X_XOR, Y_XOR[None, :],
                                                                          learning_rate=0.5, epochs=20)


def test_stop_loss_ends_at_first_loss_below_threshold():
    net = NeuralNetwork([2, 8, 1], seed=0)
    h = net.train(X_XOR, Y_XOR, learning_rate=0.5, epochs=5000, stop_loss=0.1)
    assert h[-1] < 0.1 and all(v >= 0.1 for v in h[:-1]) and len(h) < 5000
    # no update after the stopping loss: the current weights still give that loss
    A, _ = net.forward(X_XOR)
    assert nnbook.binary_cross_entropy(A, Y_XOR[None, :])[0] == pytest.approx(h[-1], rel=1e-12)


def test_verbose_prints_every_print_every(capsys):
    NeuralNetwork([2, 4, 1], seed=0).train(X_XOR, Y_XOR, epochs=25, print_every=10, verbose=True)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(",")[0] for line in lines] == ["Epoch 0", "Epoch 10", "Epoch 20", "Epoch 24"]


def test_loss_argument_by_name_and_callable():
    rng = np.random.default_rng(4)
    X, Y = rng.standard_normal((2, 5)), rng.random((1, 5))
    net = NeuralNetwork([2, 3, 1], seed=0)
    p = {k: v.copy() for k, v in net.parameters.items()}
    h = net.train(X, Y, learning_rate=0.1, epochs=1, loss="mean_squared_error")
    Z1 = p["W1"] @ X + p["b1"]
    A1 = np.maximum(Z1, 0)
    A2 = sigmoid(p["W2"] @ A1 + p["b2"])
    assert h[0] == pytest.approx(np.mean((A2 - Y) ** 2), rel=1e-12)
    dZ2 = 2 * (A2 - Y) * A2 * (1 - A2)                        # MSE through the sigmoid derivative
    np.testing.assert_allclose(net.parameters["W2"], p["W2"] - 0.1 * dZ2 @ A1.T / 5, rtol=1e-12)

    calls = []

    def my_loss(A, Y):
        calls.append(A.shape)
        return nnbook.mean_squared_error(A, Y)

    NeuralNetwork([2, 3, 1], seed=0).train(X, Y, epochs=4, loss=my_loss)
    assert calls == [(1, 5)] * 4


def test_resolve_loss_defaults_follow_output_activation():
    assert _resolve_loss(None, "sigmoid") is nnbook.binary_cross_entropy
    assert _resolve_loss(None, "softmax") is nnbook.cross_entropy
    assert _resolve_loss(None, "linear") is nnbook.mean_squared_error
    assert _resolve_loss("cross_entropy", "sigmoid") is nnbook.cross_entropy
    f = lambda A, Y: (0.0, A)  # noqa: E731
    assert _resolve_loss(f, "linear") is f
    with pytest.raises(ValueError, match="Unknown loss 'hinge'"):
        _resolve_loss("hinge", "sigmoid")
    with pytest.raises(TypeError, match="loss must be None, a name"):
        _resolve_loss(3, "sigmoid")


def test_float32_network_trains_in_float32():
    net = NeuralNetwork([2, 4, 1], seed=0, dtype=np.float32)
    h = net.train(X_XOR, Y_XOR, learning_rate=0.5, epochs=50)
    assert all(P.dtype == np.float32 for P in net.parameters.values())
    assert h[-1] < h[0]


# ---------------------------------------------------------------- learning

def test_xor_is_learned_to_loss_below_0_1():
    net = NeuralNetwork([2, 8, 1], seed=0)
    h = net.train(X_XOR, Y_XOR, learning_rate=0.5, epochs=2000, stop_loss=0.1)
    assert h[-1] < 0.1 < h[0]
    np.testing.assert_array_equal(net.predict(X_XOR), Y_XOR)


def test_no_hidden_layer_cannot_learn_xor():
    net = NeuralNetwork([2, 1], seed=0)
    h = net.train(X_XOR, Y_XOR, learning_rate=0.5, epochs=2000)
    assert h[-1] == pytest.approx(np.log(2), abs=1e-3)      # the best a line can do: p = 0.5 everywhere


def test_moons_reach_93_percent_test_accuracy():
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split

    X, y = make_moons(n_samples=1000, noise=0.2, random_state=42)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
    net = NeuralNetwork([2, 10, 1], seed=0)
    h = net.train(X_tr.T, y_tr, learning_rate=0.5, epochs=1000)
    assert h[-1] < 0.5 * h[0]
    assert np.mean(net.predict(X_te.T) == y_te) >= 0.93


def test_circles_reach_95_percent_test_accuracy():
    X, y = nnbook.make_circles_data(1000, noise=0.1, seed=0)
    net = NeuralNetwork([2, 8, 1], seed=0)
    net.train(X[:800].T, y[:800], learning_rate=1.0, epochs=500)
    assert np.mean(net.predict(X[800:].T) == y[800:]) >= 0.95


@pytest.mark.parametrize("make, n, sizes", [
    (nnbook.make_spiral, 1000, [2, 8, 8, 1]), (nnbook.make_checkerboard, 3000, [2, 16, 16, 1])])
def test_exercise_3_5c_choices_reach_95_percent_on_validation_and_test(make, n, sizes):
    """The protocol of Exercise 3.5c: 60/20/20 split, lr 0.5, 3000 epochs in chunks of 250, keep the
    weights of the best validation chunk; the chosen network must reach 95% on validation AND test."""
    X, y = make(n, noise=0.05 if make is nnbook.make_spiral else 0.0, seed=0)
    a, b = int(0.6 * n), int(0.8 * n)
    net, best_val, best = NeuralNetwork(sizes, seed=0), -1.0, None
    for _ in range(3000 // 250):
        h = net.train(X[:a].T, y[:a], learning_rate=0.5, epochs=250)
        val = np.mean(net.predict(X[a:b].T) == y[a:b])
        if val > best_val:
            best_val, best = val, {k: P.copy() for k, P in net.parameters.items()}
    net.parameters.update(best)
    assert h[-1] < 0.7
    assert best_val >= 0.95 and np.mean(net.predict(X[b:].T) == y[b:]) >= 0.95


def test_softmax_network_learns_three_arm_spiral_with_one_hot_targets():
    X, y = nnbook.make_spiral(300, noise=0.02, seed=0, n_arms=3, turns=0.5)
    net = NeuralNetwork([2, 32, 3], output_activation="softmax", seed=0)
    h = net.train(X.T, np.eye(3)[y].T, learning_rate=1.0, epochs=800)
    assert h[-1] < 0.3 * h[0]
    assert np.mean(net.predict(X.T) == y) >= 0.9


# ---------------------------------------------------------------- predictions

def test_predict_and_predict_proba_for_each_output_kind():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((2, 9))
    for out, n_out in [("sigmoid", 1), ("sigmoid", 3), ("softmax", 4), ("linear", 2)]:
        net = NeuralNetwork([2, 5, n_out], output_activation=out, seed=1)
        W1, b1, W2, b2 = (net.parameters[k] for k in ("W1", "b1", "W2", "b2"))
        Z2 = W2 @ np.maximum(W1 @ X + b1, 0) + b2
        expected = {"sigmoid": sigmoid(Z2), "linear": Z2,
                    "softmax": np.exp(Z2) / np.exp(Z2).sum(axis=0)}[out]
        P, labels = net.predict_proba(X), net.predict(X)
        np.testing.assert_allclose(P, expected, rtol=1e-12)
        if out == "softmax":
            assert labels.shape == (9,)
            np.testing.assert_array_equal(labels, expected.argmax(axis=0))
        elif out == "sigmoid":
            assert labels.dtype.kind == "i"
            want = (expected >= 0.5).astype(int)
            np.testing.assert_array_equal(labels, want[0] if n_out == 1 else want)
        else:
            np.testing.assert_allclose(labels, expected, rtol=1e-12)


def test_predict_is_deterministic_even_with_dropout():
    net = NeuralNetwork([2, 16, 1], seed=0, dropout=0.5)
    np.testing.assert_array_equal(net.predict_proba(X_XOR), net.predict_proba(X_XOR))


def test_predict_validates_input():
    net = NeuralNetwork([2, 4, 1], seed=0)
    with pytest.raises(ValueError, match=r"pass X.T \(shape \(2, 4\)\)"):
        net.predict(X_XOR.T)
    with pytest.raises(ValueError, match="NaN"):
        net.predict_proba(np.full((2, 3), np.nan))


# ---------------------------------------------------------------- errors on bad input to train

@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(learning_rate=0.0), ValueError, "learning_rate must be positive"),
    (dict(learning_rate=-1.0), ValueError, "learning_rate must be positive"),
    (dict(learning_rate=float("nan")), ValueError, "learning_rate must be positive"),
    (dict(learning_rate="0.1"), TypeError, "learning_rate must be a positive number"),
    (dict(epochs=0), ValueError, "epochs must be positive"),
    (dict(epochs=-5), ValueError, "epochs must be positive"),
    (dict(epochs=2.5), TypeError, "epochs must be a positive integer"),
    (dict(stop_loss=-0.1), ValueError, "stop_loss must be positive"),
    (dict(print_every=0), ValueError, "print_every must be positive"),
    (dict(loss="hinge"), ValueError, "Unknown loss"),
])
def test_train_rejects_bad_hyperparameters(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        NeuralNetwork([2, 4, 1]).train(X_XOR, Y_XOR, **kwargs)


def test_train_rejects_bad_data():
    net = NeuralNetwork([2, 4, 1])
    with pytest.raises(ValueError, match=r"It looks transposed.*pass X.T"):
        net.train(X_XOR.T, Y_XOR)
    with pytest.raises(ValueError, match="X contains NaN"):
        net.train(np.where(X_XOR > 0, np.nan, 0.0), Y_XOR)
    with pytest.raises(ValueError, match="Y contains NaN"):
        net.train(X_XOR, np.array([0.0, np.inf, 1.0, 0.0]))
    with pytest.raises(ValueError, match=r"\(n_outputs, m\) = \(1, 4\).*received shape \(1, 3\)"):
        net.train(X_XOR, np.array([0, 1, 1]))
    with pytest.raises(ValueError, match=r"pass Y.T"):
        NeuralNetwork([2, 4, 2], output_activation="softmax").train(X_XOR, np.eye(2)[Y_XOR])
    with pytest.raises(ValueError, match="one-hot"):
        NeuralNetwork([2, 4, 3], output_activation="softmax").train(X_XOR, Y_XOR)
    with pytest.raises(TypeError, match="X must be a numeric array"):
        net.train("not data", Y_XOR)


def test_divergence_raises_with_epoch_and_advice():
    x = np.linspace(-3, 3, 50).reshape(1, -1)
    net = NeuralNetwork([1, 16, 1], output_activation="linear", seed=0)
    with pytest.raises(ValueError, match=r"diverged at epoch \d+.*Lower the learning rate, e.g. learning_rate=0.5"):
        net.train(x, x ** 2, learning_rate=5.0, epochs=1000)


# ---------------------------------------------------------------- datasets

GENERATORS = [nnbook.make_circles_data, nnbook.make_spiral, nnbook.make_checkerboard]


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize("n", [2, 7, 1000])
def test_generators_shapes_balance_determinism(make, n):
    X, y = make(n_samples=n, noise=0.1, seed=11)
    assert X.shape == (n, 2) and X.dtype == np.float64 and y.shape == (n,) and y.dtype.kind == "i"
    counts = np.bincount(y, minlength=2)
    assert counts.sum() == n and counts.max() - counts.min() <= 1
    X2, y2 = make(n_samples=n, noise=0.1, seed=11)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(n_samples=n, noise=0.1, seed=np.random.default_rng(11))   # a Generator works as a seed
    np.testing.assert_array_equal(X, X3)
    if n > 2:
        assert not np.array_equal(X, make(n_samples=n, noise=0.1, seed=12)[0])
    assert not np.all(y[:-1] <= y[1:]) or n == 2                           # shuffled, not sorted by class


def test_circles_geometry():
    X, y = nnbook.make_circles_data(400, noise=0.0, seed=0, factor=0.3)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), np.where(y == 0, 1.0, 0.3))
    Xn, _ = nnbook.make_circles_data(4000, noise=0.1, seed=0)
    Xc, yc = nnbook.make_circles_data(4000, noise=0.0, seed=0)
    assert 0.08 < np.std(Xn - Xc) < 0.12          # same draws, plus N(0, 0.1²) jitter


def test_spiral_points_lie_on_their_arm():
    for arms in (2, 3, 5):
        X, y = nnbook.make_spiral(500, noise=0.0, seed=1, n_arms=arms, turns=1.5)
        r = np.linalg.norm(X, axis=1)
        phase = np.arctan2(X[:, 1], X[:, 0])
        assert r.min() >= 0.05 - 1e-12 and r.max() <= 1 + 1e-12
        np.testing.assert_allclose(np.cos(phase - 2 * np.pi * 1.5 * r - 2 * np.pi * y / arms), 1, atol=1e-9)
        assert set(np.unique(y)) == set(range(arms))


def test_checkerboard_labels_follow_the_squares():
    for tiles in (2, 4, 5):
        X, y = nnbook.make_checkerboard(1000, noise=0.0, seed=2, n_tiles=tiles)
        assert X.min() >= -1 and X.max() <= 1
        cell = np.floor((X + 1) * tiles / 2).astype(int)
        np.testing.assert_array_equal(y, cell.sum(axis=1) % 2)


@pytest.mark.parametrize("call, match", [
    (lambda: nnbook.make_spiral(0), "n_samples must be positive"),
    (lambda: nnbook.make_spiral(1), "at least the number of classes"),
    (lambda: nnbook.make_spiral(100, noise=-0.1), "noise must be a finite number >= 0"),
    (lambda: nnbook.make_spiral(100, n_arms=1), "n_arms must be at least 2"),
    (lambda: nnbook.make_checkerboard(100, n_tiles=1), "n_tiles must be at least 2"),
    (lambda: nnbook.make_circles_data(100, factor=1.5), r"factor must be in \(0, 1\)"),
    (lambda: nnbook.make_circles_data(100, noise=float("nan")), "noise must be a finite number"),
])
def test_generators_reject_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_generators_reject_non_integer_sizes():
    with pytest.raises(TypeError, match="n_samples must be a positive integer"):
        nnbook.make_checkerboard(10.5)


# ---------------------------------------------------------------- plotting (headless)

def test_plot_decision_boundary_draws_probabilities_of_a_network():
    X, y = nnbook.make_circles_data(200, noise=0.05, seed=0)
    net = NeuralNetwork([2, 8, 1], seed=0)
    net.train(X.T, y, learning_rate=1.0, epochs=200)
    ax = nnbook.plot_decision_boundary(net, X, y, resolution=40, title="t", colorbar=True)
    assert isinstance(ax, matplotlib.axes.Axes) and ax.get_title() == "t"
    mesh = ax.collections[0]
    values = np.asarray(mesh.get_array()).reshape(40, 40)
    xs = np.linspace(*ax.get_xlim(), 40)
    ys = np.linspace(*ax.get_ylim(), 40)
    XX, YY = np.meshgrid(xs, ys)
    expected = net.predict_proba(np.vstack([XX.ravel(), YY.ravel()]))[0].reshape(40, 40)
    np.testing.assert_allclose(values, expected, rtol=1e-10)
    assert len(ax.figure.axes) == 2                       # the plot and its colour bar


def test_plot_decision_boundary_accepts_every_documented_predict():
    X, y = nnbook.make_spiral(90, noise=0.0, seed=0, n_arms=3)
    fig, axes = plt.subplots(1, 3)
    probs = lambda P: np.column_stack([P[:, 0] > 0, P[:, 0] <= 0, np.zeros(len(P))]).astype(float)  # noqa: E731
    assert nnbook.plot_decision_boundary(probs, X, y, ax=axes[0], resolution=20) is axes[0]
    assert nnbook.plot_decision_boundary(lambda P: (P[:, 1] > 0).astype(int), X, y, ax=axes[1], resolution=20) is axes[1]
    assert nnbook.plot_decision_boundary(lambda P: np.where(P[:, 1] > 0, 2, 0), X, y, ax=axes[2], resolution=20) is axes[2]


def test_plot_decision_boundary_rejects_bad_input():
    X, y = nnbook.make_circles_data(50, seed=0)
    with pytest.raises(ValueError, match="pass X.T"):
        nnbook.plot_decision_boundary(lambda P: P[:, 0], X.T)
    with pytest.raises(TypeError, match="predict must be a callable"):
        nnbook.plot_decision_boundary("net", X)
    with pytest.raises(ValueError, match="y has 49 labels but X has 50 samples"):
        nnbook.plot_decision_boundary(lambda P: P[:, 0] > 0, X, y[:-1], resolution=10)
    with pytest.raises(ValueError, match="predict returned shape"):
        nnbook.plot_decision_boundary(lambda P: np.zeros(3), X, resolution=10)


def test_plot_losses_and_boundary_grid_return_matplotlib_objects():
    ax = nnbook.plot_losses({"a": [1.0, 0.5, 0.25], "b": [2.0, 1.0]})
    assert isinstance(ax, matplotlib.axes.Axes) and ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [1.0, 0.5, 0.25])
    with pytest.raises(ValueError, match="log=False"):
        nnbook.plot_losses({"a": [1.0, 0.0]})
    with pytest.raises(TypeError, match="non-empty dict"):
        nnbook.plot_losses([1.0, 0.5])

    X, y = nnbook.make_circles_data(60, seed=0)
    rule = lambda P: (np.linalg.norm(P, axis=1) < 0.75).astype(float)  # noqa: E731
    fig = nnbook.plot_boundary_grid({"shared": rule, "own": (rule, X[:20], y[:20]), "again": rule},
                                    X, y, ncols=2, resolution=10)
    assert isinstance(fig, matplotlib.figure.Figure)
    visible = [a for a in fig.axes if a.get_visible()]
    assert [a.get_title() for a in visible] == ["shared", "own", "again"] and len(fig.axes) == 4
    with pytest.raises(ValueError, match="has no data"):
        nnbook.plot_boundary_grid({"x": rule})


def test_public_names():
    for name in ("make_circles_data", "make_spiral", "make_checkerboard", "plot_decision_boundary",
                 "plot_losses", "plot_boundary_grid"):
        assert callable(getattr(nnbook, name))
    for method in ("train", "update_parameters", "predict", "predict_proba"):
        assert callable(getattr(NeuralNetwork, method))


# ---------------------------------------------------------------- progress bars

def test_train_progress_bar_off_by_default_and_on_request(capsys):
    net = NeuralNetwork([2, 4, 1], seed=0)
    quiet = net.train(X_XOR, Y_XOR, learning_rate=0.5, epochs=30)
    out = capsys.readouterr()
    assert out.err == "" and out.out == ""                       # no bar, no print
    net.train(X_XOR, Y_XOR, learning_rate=0.5, epochs=30, progress=False)
    assert capsys.readouterr().err == ""
    loud = NeuralNetwork([2, 4, 1], seed=0).train(X_XOR, Y_XOR, learning_rate=0.5, epochs=30, progress=True)
    err = capsys.readouterr().err
    assert "train" in err and "30/30" in err and "100%" in err and "loss=" in err   # a tqdm bar on stderr
    assert loud == quiet                                          # the bar does not change the training


def test_train_progress_bar_closes_on_early_stop_and_rejects_non_bool(capsys):
    hist = NeuralNetwork([2, 4, 1], seed=0).train(X_XOR, Y_XOR, learning_rate=0.5, epochs=5000,
                                                   stop_loss=0.1, progress=True)
    err = capsys.readouterr().err
    assert len(hist) < 5000 and f"{len(hist)}/5000" in err
    with pytest.raises(TypeError, match="progress must be True or False"):
        NeuralNetwork([2, 4, 1]).train(X_XOR, Y_XOR, epochs=2, progress="yes")


def test_import_nnbook_does_not_import_tqdm_matplotlib_or_sklearn():
    import subprocess
    import sys
    code = ("import sys, nnbook; heavy = [m for m in ('tqdm', 'matplotlib', 'sklearn') if m in sys.modules]; "
            "print(','.join(heavy))")
    r = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "", f"import nnbook imported {r.stdout.strip()}"
    imported = {line.split("|")[-1].strip().split(".")[0] for line in r.stderr.splitlines() if "|" in line}
    assert "numpy" in imported and not imported & {"tqdm", "matplotlib", "sklearn"}
    # a training run without a bar does not need tqdm either
    code = ("import sys, numpy as np, nnbook; nnbook.NeuralNetwork([2, 3, 1]).train(np.eye(2), np.array([0, 1]), "
            "epochs=3); print('tqdm' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "False"
