"""Tests for §3.4 (nnbook.backprop): losses, LossGradient, NeuralNetwork.backward, gradient_check.

Every expected value is computed here independently of the package: loss formulas written out, a
per-example reference backpropagation with its own activation derivatives, and finite differences.
"""
import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnbook
from nnbook import (DEFAULT_LOSS, LOSSES, GradientCheckResult, LossGradient, NeuralNetwork,
                    binary_cross_entropy, compute_loss, cross_entropy, gradient_check, mean_squared_error)

HIDDEN = tuple(a for a in nnbook.ACTIVATIONS if a != "softmax")         # every supported hidden activation
PAIRS = tuple((o, DEFAULT_LOSS[o]) for o in nnbook.ACTIVATIONS) + (        # every output with its natural loss
    ("sigmoid", "mean_squared_error"), ("softmax", "mean_squared_error"))  # and two mismatched pairs
U = np.finfo(np.float64).eps


# ---------------------------------------------------------------- independent reference implementations
def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))                    # a different formula from the package's


def _gelu(z):
    return 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z ** 3)))


_REFERENCE = {   # name: (g, g'), written independently of nnbook.activations
    "sigmoid": (_sigmoid, lambda v: _sigmoid(v) * (1 - _sigmoid(v))),
    "tanh": (np.tanh, lambda v: 1 / np.cosh(v) ** 2),
    "relu": (lambda v: np.where(v > 0, v, 0.0), lambda v: (v > 0) * 1.0),
    "leaky_relu": (lambda v: np.where(v > 0, v, 0.01 * v), lambda v: np.where(v > 0, 1.0, 0.01)),
    "elu": (lambda v: np.where(v > 0, v, np.exp(np.minimum(v, 0)) - 1), lambda v: np.where(v > 0, 1.0, np.exp(np.minimum(v, 0)))),
    "gelu": (_gelu, lambda v: np.imag(_gelu(v + 1e-30j)) / 1e-30),     # complex-step derivative
    "linear": (lambda v: v, np.ones_like),
}


def _act(name, z):
    return _REFERENCE[name][0](z)


def _act_prime(name, z):
    return _REFERENCE[name][1](z)


def _softmax_col(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def _reference_gradients(net, X, Y, loss):
    """Backprop one example at a time, written from the formulas with the test's own derivatives."""
    L, m = net.L, X.shape[1]
    P = net.parameters
    total = {k: np.zeros_like(v) for k, v in P.items()}
    for i in range(m):
        a, zs, acts = X[:, i], [], [X[:, i]]
        for l in range(1, L + 1):
            z = P[f"W{l}"] @ a + P[f"b{l}"][:, 0]
            a = _softmax_col(z) if net.activation(l) == "softmax" else _act(net.activation(l), z)
            zs.append(z); acts.append(a)
        y = Y[:, i]
        if loss == "mean_squared_error":
            da = 2 * (a - y) / a.size
        elif loss == "binary_cross_entropy":
            da = (a - y) / (a * (1 - a))
        else:
            da = -y / a
        if net.output_activation == "softmax":
            jac = np.diag(a) - np.outer(a, a)
            dz = jac.T @ da
        else:
            dz = da * _act_prime(net.output_activation, zs[-1])
        for l in range(L, 0, -1):
            total[f"W{l}"] += np.outer(dz, acts[l - 1]) / m
            total[f"b{l}"] += dz[:, None] / m
            if l > 1:
                dz = (P[f"W{l}"].T @ dz) * _act_prime(net.hidden_activation, zs[l - 2])
    return total


def _targets(rng, output, loss, n, m):
    if loss == "cross_entropy":
        return np.eye(n)[:, rng.integers(0, n, m)]
    if loss == "binary_cross_entropy":
        return rng.integers(0, 2, (n, m)).astype(float)
    if output in ("sigmoid", "softmax"):
        return rng.random((n, m))
    if output == "tanh":
        return rng.uniform(-1, 1, (n, m))
    return rng.normal(size=(n, m))


def _random_case(sizes, hidden, output, loss, m, seed):
    rng = np.random.default_rng(seed)
    net = NeuralNetwork(sizes, hidden_activation=hidden, output_activation=output, seed=seed)
    for l in range(1, len(sizes)):
        net.parameters[f"b{l}"] = rng.normal(0, 0.5, (sizes[l], 1))   # non-zero biases: away from ReLU kinks
    X = rng.normal(size=(sizes[0], m))
    return net, X, _targets(rng, output, loss, sizes[-1], m)


def _independent_floor(net, X, Y, loss, result, epsilon=1e-7):
    """The rounding limit of each relative error, recomputed here from the loss and both gradients."""
    J = LOSSES[loss](net.forward(X)[0], Y)[0]
    out = {}
    for k in result:
        scale = max(np.sqrt(np.mean(result.analytic[k] ** 2)), np.sqrt(np.mean(result.numerical[k] ** 2)))
        out[k] = U * abs(J) / (epsilon * scale) if scale > 0 else 0.0
    return out


# ---------------------------------------------------------------- losses
def test_losses_match_formulas_and_finite_differences():
    rng = np.random.default_rng(0)
    A = rng.uniform(0.05, 0.95, (3, 5)); Yb = rng.integers(0, 2, (3, 5)).astype(float)
    loss, dA = binary_cross_entropy(A, Yb)
    assert loss == pytest.approx(-np.mean(np.sum(Yb * np.log(A) + (1 - Yb) * np.log(1 - A), axis=0)))
    S = rng.dirichlet(np.ones(4), size=5).T; Yc = np.eye(4)[:, rng.integers(0, 4, 5)]
    loss_c, dA_c = cross_entropy(S, Yc)
    assert loss_c == pytest.approx(-np.mean(np.log(S[Yc.argmax(0), np.arange(5)])))
    R = rng.normal(size=(2, 5)); T = rng.normal(size=(2, 5))
    loss_r, dA_r = mean_squared_error(R, T)
    assert loss_r == pytest.approx(np.sum((R - T) ** 2) / 10)
    # per-example gradient: m * finite difference of the batch-mean loss
    for fn, P, Y, dP in [(binary_cross_entropy, A, Yb, dA), (cross_entropy, S, Yc, dA_c),
                         (mean_squared_error, R, T, dA_r)]:
        num = np.zeros_like(P)
        for i in np.ndindex(P.shape):
            Pp, Pm = P.copy(), P.copy(); Pp[i] += 1e-6; Pm[i] -= 1e-6
            num[i] = 5 * (fn(Pp, Y)[0] - fn(Pm, Y)[0]) / 2e-6
        np.testing.assert_allclose(np.asarray(dP), num, rtol=1e-5, atol=1e-7)
    assert compute_loss is binary_cross_entropy


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_finite_at_probabilities_0_and_1(dtype):
    A = np.array([[0.0, 1.0, 0.0, 1.0]], dtype=dtype); Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    loss, dA = binary_cross_entropy(A, Y)
    assert np.isfinite(loss) and np.all(np.isfinite(dA)) and dA.dtype == dtype
    assert loss > 5                                             # two of four predictions confidently wrong
    np.testing.assert_array_equal(dA.delta, A - Y)
    loss, dA = cross_entropy(np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype), np.array([[0.0, 0.0], [1.0, 1.0]]))
    assert np.isfinite(loss) and np.all(np.isfinite(dA)) and loss > 5
    loss, dA = cross_entropy(np.eye(3, dtype=dtype), np.eye(3))
    assert loss == 0.0
    loss, dA = mean_squared_error(A, Y)
    assert loss == 0.5 and np.all(np.isfinite(dA))


def test_loss_gradient_carries_delta_only_until_modified():
    A = np.array([[0.2, 0.9]]); Y = np.array([[0.0, 1.0]])
    _, dA = binary_cross_entropy(A, Y)
    assert isinstance(dA, LossGradient) and dA.activation == "sigmoid"
    np.testing.assert_allclose(dA.delta, A - Y)
    assert (2 * dA).delta is None and dA[:, :1].delta is None and np.array(dA).__class__ is np.ndarray
    with pytest.raises(ValueError, match="delta has shape"):
        LossGradient(np.zeros((2, 3)), np.zeros((3, 2)), "softmax")


@pytest.mark.parametrize("call, match", [
    (lambda: binary_cross_entropy(np.array([[2.0, -1.0]]), np.array([[1.0, 0.0]])), r"must lie in \[0, 1\].*logits"),
    (lambda: binary_cross_entropy(np.array([[0.5, 0.5]]), np.array([[2.0, 0.0]])), r"targets Y must lie in \[0, 1\]"),
    (lambda: binary_cross_entropy(np.array([0.5, 0.5]), np.array([1.0, 0.0])), r"must be 2-D.*reshape\(1, -1\)"),
    (lambda: binary_cross_entropy(np.full((1, 3), 0.5), np.ones((1, 2))), r"shape \(1, 3\).*\(1, 2\)"),
    (lambda: cross_entropy(np.full((2, 2), 0.5), np.array([[1.0, 1.0], [1.0, 0.0]])), r"summing to 1.*np.eye"),
    (lambda: cross_entropy(np.full((3, 2), 0.3), np.ones((2, 3)) / 2), r"one-hot columns"),
    (lambda: mean_squared_error(np.array([[np.nan]]), np.array([[0.0]])), r"NaN"),
    (lambda: mean_squared_error("abc", np.array([[0.0]])), r"numeric array"),
])
def test_losses_reject_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# ---------------------------------------------------------------- backward
@pytest.mark.parametrize("hidden", [h for h in HIDDEN if h in _REFERENCE])
@pytest.mark.parametrize("output, loss", [p for p in PAIRS if p[0] in _REFERENCE or p[0] == "softmax"])
def test_backward_equals_independent_per_example_reference(hidden, output, loss):
    net, X, Y = _random_case([3, 4, 5, 3], hidden, output, loss, m=6, seed=1)
    A, cache = net.forward(X)
    grads = net.backward(LOSSES[loss](A, Y)[1], cache)
    reference = _reference_gradients(net, X, Y, loss)
    assert list(grads) == list(net.parameters)
    for k, p in net.parameters.items():
        assert grads[k].shape == p.shape and grads[k].dtype == p.dtype
        np.testing.assert_allclose(grads[k], reference[k], rtol=1e-9, atol=1e-12)


def test_backward_preserves_float32():
    net = NeuralNetwork([3, 4, 2], output_activation="softmax", dtype=np.float32)
    X = np.random.default_rng(0).normal(size=(3, 5)); Y = np.eye(2)[:, [0, 1, 1, 0, 1]]
    A, cache = net.forward(X)
    assert all(g.dtype == np.float32 for g in net.backward(cross_entropy(A, Y)[1], cache).values())


@pytest.mark.parametrize("output, loss, Y", [("softmax", cross_entropy, np.array([[1.0], [0.0]])),
                                             ("sigmoid", binary_cross_entropy, np.array([[1.0], [0.0]]))])
def test_fused_delta_is_exact_where_probabilities_underflow(output, loss, Y):
    net = NeuralNetwork([1, 2], output_activation=output)
    net.parameters["W1"][:] = 0
    net.parameters["b1"][:] = np.array([[-1000.0], [1000.0]])   # true classes at probability exactly 0 / 1 wrong
    A, cache = net.forward(np.zeros((1, 1)))
    _, dA = loss(A, Y)
    fused = net.backward(dA, cache)["b1"]
    np.testing.assert_array_equal(fused, A - Y)                    # m = 1: db = dZ = A − Y, exactly
    assert np.abs(fused).max() == 1.0
    naive = net.backward(np.array(dA), cache)["b1"]                # the −Y/A route loses the gradient
    assert np.abs(naive).max() < 1e-3


def test_backward_l2_adds_lambda_w_to_weights_only():
    net, X, Y = _random_case([3, 4, 2], "tanh", "sigmoid", "binary_cross_entropy", m=5, seed=2)
    A, cache = net.forward(X)
    dA = binary_cross_entropy(A, Y)[1]
    plain, reg = net.backward(dA, cache), net.backward(dA, cache, l2=0.3)
    for k, p in net.parameters.items():
        np.testing.assert_allclose(reg[k] - plain[k], 0.3 * p if k[0] == "W" else 0 * p, atol=1e-15)


@pytest.mark.parametrize("args, error, match", [
    (lambda A, c: (A[:, :2], c), ValueError, r"dA has shape \(2, 2\).*\(2, 4\)"),
    (lambda A, c: (A, {k: v for k, v in c.items() if k != "Z2"}), ValueError, r"cache lacks Z2"),
    (lambda A, c: (A, [c]), TypeError, r"cache must be the dict"),
    (lambda A, c: (A * np.nan, c), ValueError, r"NaN or infinite"),
])
def test_backward_rejects_bad_input(args, error, match):
    net = NeuralNetwork([3, 4, 2], output_activation="linear")
    A, cache = net.forward(np.ones((3, 4)))
    with pytest.raises(error, match=match):
        net.backward(*args(A, cache))
    with pytest.raises(ValueError, match="l2 must be a non-negative number"):
        net.backward(A, cache, l2=-1.0)


def test_exercise_34a_hand_derived_gradients():
    """x → h (ReLU) → ŷ (sigmoid) with BCE: the per-example formulas of Exercise 3.4a, averaged."""
    rng = np.random.default_rng(3)
    net = NeuralNetwork([3, 4, 1], hidden_activation="relu", output_activation="sigmoid", seed=4)
    net.parameters["b1"] = rng.normal(0, 0.5, (4, 1)); net.parameters["b2"] = rng.normal(0, 0.5, (1, 1))
    W1, b1, W2, b2 = (net.parameters[k] for k in ("W1", "b1", "W2", "b2"))
    X = rng.normal(size=(3, 9)); Y = rng.integers(0, 2, (1, 9)).astype(float)
    expected = {k: 0.0 for k in ("W1", "b1", "W2", "b2")}
    for i in range(9):
        x, y = X[:, i], Y[0, i]
        z1 = W1 @ x + b1[:, 0]; h = np.maximum(z1, 0)
        y_hat = 1 / (1 + np.exp(-(W2[0] @ h + b2[0, 0])))
        dz2 = y_hat - y
        dz1 = W2[0] * dz2 * (z1 > 0)
        expected["W2"] = expected["W2"] + dz2 * h[None, :] / 9
        expected["b2"] = expected["b2"] + dz2 / 9
        expected["W1"] = expected["W1"] + np.outer(dz1, x) / 9
        expected["b1"] = expected["b1"] + dz1[:, None] / 9
    A, cache = net.forward(X)
    grads = net.backward(binary_cross_entropy(A, Y)[1], cache)
    for k in expected:
        np.testing.assert_allclose(grads[k], np.broadcast_to(expected[k], grads[k].shape), rtol=1e-12, atol=1e-15)
    # a unit that is off for every example gets exactly zero gradient (dead ReLU)
    net.parameters["b1"][1] = -50.0
    A, cache = net.forward(X)
    g = net.backward(binary_cross_entropy(A, Y)[1], cache)
    assert np.all(g["W1"][1] == 0) and g["b1"][1, 0] == 0 and g["W2"][0, 1] == 0


# ---------------------------------------------------------------- gradient_check
def test_gradient_check_returns_relative_errors_and_leaves_network_untouched(capsys):
    net, X, Y = _random_case([4, 5, 3], "relu", "softmax", "cross_entropy", m=8, seed=5)
    before = copy.deepcopy(net.parameters)
    result = gradient_check(net, X, Y)
    assert isinstance(result, GradientCheckResult) and isinstance(result, dict)
    assert list(result) == list(net.parameters) and all(isinstance(v, float) for v in result.values())
    assert result.passed and max(result.values()) < 1e-7
    assert all(np.array_equal(before[k], net.parameters[k]) for k in before)
    report = capsys.readouterr().out
    assert "W1" in report and "b2" in report and "All 4 arrays agree" in report
    gradient_check(net, X, Y, verbose=False)
    assert capsys.readouterr().out == ""


def test_gradient_check_numerical_side_matches_independent_finite_differences():
    net, X, Y = _random_case([3, 4, 2], "tanh", "sigmoid", "binary_cross_entropy", m=5, seed=6)
    result = gradient_check(net, X, Y, verbose=False)
    probe = copy.deepcopy(net)
    for k, p in probe.parameters.items():
        num = np.zeros(p.size)
        for i in range(p.size):
            old = p.flat[i]
            p.flat[i] = old + 1e-6; jp = binary_cross_entropy(probe.forward(X)[0], Y)[0]
            p.flat[i] = old - 1e-6; jm = binary_cross_entropy(probe.forward(X)[0], Y)[0]
            p.flat[i] = old
            num[i] = (jp - jm) / 2e-6
        np.testing.assert_allclose(result.numerical[k], num, rtol=1e-5, atol=1e-8)
        ref = _reference_gradients(net, X, Y, "binary_cross_entropy")[k].ravel()
        np.testing.assert_allclose(result.analytic[k], ref, rtol=1e-9, atol=1e-12)
        assert result[k] == pytest.approx(np.linalg.norm(ref - result.numerical[k])
                                          / (np.linalg.norm(ref) + np.linalg.norm(result.numerical[k])))


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output, loss", PAIRS)
def test_gradient_check_every_pairing_depths_1_to_4(hidden, output, loss):
    """Errors below 1e-7, or below the rounding limit u|J|/(ε rms g) recomputed here, at every depth."""
    for depth in range(1, 5):
        rng = np.random.default_rng(depth)
        sizes = [int(n) for n in rng.integers(2, 6, depth + 1)]
        net, X, Y = _random_case(sizes, hidden, output, loss, m=6, seed=10 * depth)
        result = gradient_check(net, X, Y, loss=loss, verbose=False)
        floor = _independent_floor(net, X, Y, loss, result)
        for k, err in result.items():
            assert err <= max(1e-7, floor[k]), (depth, k, err, floor[k])
            assert err < 1e-4


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(depth=st.integers(1, 4), width=st.integers(1, 5), m=st.integers(1, 7),
       hidden=st.sampled_from(HIDDEN), pair=st.sampled_from(PAIRS), seed=st.integers(0, 2 ** 16))
def test_gradient_check_property(depth, width, m, hidden, pair, seed):
    output, loss = pair
    rng = np.random.default_rng(seed)
    sizes = [int(n) for n in rng.integers(1, width + 1, depth + 1)]
    if output == "softmax":
        sizes[-1] = max(sizes[-1], 2)
    net, X, Y = _random_case(sizes, hidden, output, loss, m=m, seed=seed)
    result = gradient_check(net, X, Y, loss=loss, verbose=False)
    floor = _independent_floor(net, X, Y, loss, result)
    assert all(err <= max(1e-7, floor[k]) for k, err in result.items())


def test_gradient_check_float32_network_is_checked_in_float64():
    net, X, Y = _random_case([3, 4, 2], "tanh", "linear", "mean_squared_error", m=5, seed=7)
    net32 = copy.deepcopy(net)
    net32.parameters = {k: v.astype(np.float32) for k, v in net.parameters.items()}
    net32.dtype = np.dtype(np.float32)
    result = gradient_check(net32, X, Y, verbose=False)
    assert result.passed and net32.parameters["W1"].dtype == np.float32


def test_gradient_check_l2_and_max_entries():
    net, X, Y = _random_case([5, 6, 3], "tanh", "softmax", "cross_entropy", m=4, seed=8)
    assert gradient_check(net, X, Y, l2=0.5, verbose=False).passed
    sampled = gradient_check(net, X, Y, max_entries=7, verbose=False)
    assert sampled.analytic["W1"].size == 7 and sampled.analytic["b2"].size == 3 and sampled.passed


# --- the common bugs of Exercise 3.4c, injected one at a time
class _Buggy(NeuralNetwork):
    def __init__(self, *args, bug=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.bug = bug

    def forward(self, X, training=False):
        A, cache = super().forward(X, training)
        if training:
            self._cache = cache
        return A, cache

    def backward(self, dA, cache, l2=0.0):
        if self.bug == "stale cache":
            cache = self._cache
        L, m = self.L, cache["A0"].shape[1]
        dZ = np.asarray(dA.delta)
        grads = {}
        for l in range(L, 0, -1):
            W = self.parameters[f"W{l}"]
            div = 1 if self.bug == "forgot 1/m" else m
            grads[f"W{l}"] = dZ @ cache[f"A{l - 1}"].T / div
            grads[f"b{l}"] = dZ.sum(axis=1, keepdims=True) / div
            if l > 1:
                dA_prev = (W if self.bug == "transposed" else W.T) @ dZ
                Z = cache[f"Z{l - 1}"]
                dZ = dA_prev * (1 - Z ** 2 if self.bug == "derivative" else 1 - np.tanh(Z) ** 2)
        return grads


@pytest.mark.parametrize("bug", [None, "forgot 1/m", "transposed", "derivative", "stale cache"])
def test_gradient_check_catches_each_common_bug(bug):
    rng = np.random.default_rng(9)
    net = _Buggy([5, 4, 4, 4], hidden_activation="tanh", output_activation="softmax", seed=9, bug=bug)
    for l in (1, 2, 3):
        net.parameters[f"b{l}"] = rng.normal(0, 0.5, (4, 1))
    X = rng.normal(size=(5, 6)); Y = np.eye(4)[:, rng.integers(0, 4, 6)]
    net.forward(rng.normal(size=(5, 6)), training=True)     # the last training step saw another batch
    result = gradient_check(net, X, Y, verbose=False)
    if bug is None:
        assert result.passed and max(result.values()) < 1e-7
    else:
        assert not result.passed and max(result.values()) > 1e-3
    if bug == "forgot 1/m":
        assert all(err == pytest.approx(5 / 7) for err in result.values())   # (m − 1)/(m + 1), m = 6


def test_gradient_check_warns_at_relu_kinks():
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=float); Y = np.array([[0, 1, 1, 0]], dtype=float)
    net = NeuralNetwork([2, 3, 1], hidden_activation="relu", output_activation="sigmoid", seed=0)
    with pytest.warns(RuntimeWarning, match="kink"):
        result = gradient_check(net, X, Y, verbose=False)
    assert result["b1"] > 1e-3                                    # a spurious error from straddling the kink
    net.parameters["b1"] = np.array([[0.3], [-0.2], [0.4]])
    assert gradient_check(net, X, Y, verbose=False).passed      # no warning: pytest turns warnings into errors


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(network="net"), TypeError, "network must be a NeuralNetwork"),
    (dict(epsilon=0.0), ValueError, "epsilon must be positive"),
    (dict(epsilon=2.0), ValueError, r"small step in \(0, 1\)"),
    (dict(loss="hinge"), ValueError, "Unknown loss 'hinge'"),
    (dict(loss=3), TypeError, "loss must be None, a name"),
    (dict(max_entries=0), ValueError, "max_entries must be positive"),
    (dict(l2=-0.1), ValueError, "l2 must be a non-negative"),
    (dict(Y=np.zeros((3, 4))), ValueError, r"targets Y have shape \(3, 4\)"),
    (dict(X=np.zeros(4)), ValueError, "X must be 2-D"),
])
def test_gradient_check_rejects_bad_input(kwargs, error, match):
    args = dict(network=NeuralNetwork([2, 3, 1], output_activation="sigmoid"), X=np.ones((2, 4)),
                Y=np.ones((1, 4)), verbose=False)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        gradient_check(**args)


def test_reference_covers_every_activation():
    assert set(HIDDEN) <= set(_REFERENCE), "add the new activation to _REFERENCE"


def test_default_losses_and_public_names():
    assert set(DEFAULT_LOSS) == set(nnbook.ACTIVATIONS) and set(DEFAULT_LOSS.values()) <= set(LOSSES)
    assert DEFAULT_LOSS["sigmoid"] == "binary_cross_entropy" and DEFAULT_LOSS["softmax"] == "cross_entropy"
    for name in ("binary_cross_entropy", "cross_entropy", "mean_squared_error", "compute_loss",
                 "gradient_check", "LossGradient", "GradientCheckResult", "LOSSES", "DEFAULT_LOSS"):
        assert hasattr(nnbook, name)
    assert NeuralNetwork.backward.__module__ == "nnbook.backprop"
