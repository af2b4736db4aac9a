"""Tests for nnbook.activations (§3.2): values against independent formulas, derivatives against
finite differences, numerical stability, the by-name interface, and errors on bad input."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import nnbook
from nnbook.activations import _GELU_C

RNG = np.random.default_rng(20240)
# random inputs of every scale, including large magnitudes where functions saturate or grow
Z_TEST = np.concatenate([RNG.uniform(-5, 5, 300), RNG.uniform(-40, 40, 300),
                         [-1e4, -800.0, -50.0, -1e-3, 1e-3, 50.0, 800.0, 1e4]])

ELEMENTWISE = {
    "sigmoid": (nnbook.sigmoid, nnbook.sigmoid_derivative),
    "tanh": (nnbook.tanh, nnbook.tanh_derivative),
    "relu": (nnbook.relu, nnbook.relu_derivative),
    "leaky_relu": (nnbook.leaky_relu, nnbook.leaky_relu_derivative),
    "elu": (nnbook.elu, nnbook.elu_derivative),
    "gelu": (nnbook.gelu, nnbook.gelu_derivative),
    "linear": (nnbook.linear, nnbook.linear_derivative),
}


def central_difference(f, z, h=1e-6):
    """Elementwise central difference with a step relative to |z| (so z ± h differs from z)."""
    hz = h * np.maximum(1.0, np.abs(z))
    return (f(z + hz) - f(z - hz)) / (2 * hz)


# ---------------------------------------------------------------- values against independent formulas

def test_values_match_scalar_reference_formulas():
    z = RNG.uniform(-30, 30, 200)
    ref = {
        "sigmoid": [1 / (1 + math.exp(-v)) for v in z],
        "tanh": [math.tanh(v) for v in z],
        "relu": [max(0.0, v) for v in z],
        "leaky_relu": [v if v > 0 else 0.01 * v for v in z],
        "elu": [v if v > 0 else math.exp(v) - 1 for v in z],
        "gelu": [0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3))) for v in z],
        "linear": list(z),
    }
    for name, (g, _) in ELEMENTWISE.items():
        np.testing.assert_allclose(g(z), ref[name], rtol=1e-12, atol=1e-12, err_msg=name)


def test_gelu_is_close_to_the_exact_erf_definition():
    z = np.linspace(-6, 6, 241)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in z])
    assert np.max(np.abs(nnbook.gelu(z) - exact)) < 1e-3          # the tanh approximation is that good
    assert _GELU_C == pytest.approx(math.sqrt(2 / math.pi))


def test_leaky_relu_and_elu_alpha():
    z = np.array([-2.0, -0.5, 0.0, 3.0])
    np.testing.assert_array_equal(nnbook.leaky_relu(z, alpha=0.2), [-0.4, -0.1, 0.0, 3.0])
    np.testing.assert_array_equal(nnbook.leaky_relu_derivative(z, alpha=0.2), [0.2, 0.2, 0.2, 1.0])
    np.testing.assert_array_equal(nnbook.leaky_relu(z, alpha=0), nnbook.relu(z))
    np.testing.assert_allclose(nnbook.elu(z, alpha=2.0), [2 * (math.exp(-2) - 1), 2 * (math.exp(-0.5) - 1), 0, 3])
    assert nnbook.elu(-1e4, alpha=1.5) == pytest.approx(-1.5)


def test_relu_subgradient_at_zero_is_zero():
    assert nnbook.relu_derivative(0.0) == 0.0
    np.testing.assert_array_equal(nnbook.relu_derivative([-1e-300, 0.0, 1e-300]), [0.0, 0.0, 1.0])


# ---------------------------------------------------------------- derivatives against finite differences

@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_derivative_matches_finite_differences(name):
    g, dg = ELEMENTWISE[name]
    fd = central_difference(g, Z_TEST)
    np.testing.assert_allclose(dg(Z_TEST), fd, atol=1e-7, rtol=1e-6, err_msg=name)


@pytest.mark.parametrize("alpha", [0.0, 0.05, 0.3])
def test_parametrised_derivatives_match_finite_differences(alpha):
    z = Z_TEST[np.abs(Z_TEST) > 1e-2]
    np.testing.assert_allclose(nnbook.leaky_relu_derivative(z, alpha),
                               central_difference(lambda v: nnbook.leaky_relu(v, alpha), z), atol=1e-7)
    np.testing.assert_allclose(nnbook.elu_derivative(z, alpha + 0.5),
                               central_difference(lambda v: nnbook.elu(v, alpha + 0.5), z), atol=1e-7)


def test_sigmoid_derivative_is_accurate_in_the_tails():
    # σ'(z) = e^{-|z|}/(1+e^{-|z|})² ≈ e^{-|z|} for large |z|; σ(1−σ) would round to 0 at z = 40
    for z in (40.0, -40.0, 300.0):
        assert nnbook.sigmoid_derivative(z) == pytest.approx(math.exp(-abs(z)), rel=1e-12)
    assert nnbook.sigmoid_derivative(0.0) == 0.25
    assert nnbook.tanh_derivative(0.0) == 1.0


def test_softmax_jacobian_matches_finite_differences():
    for scale in (0.1, 1.0, 10.0, 100.0):
        for T in (0.5, 1.0, 3.0):
            z = RNG.standard_normal(6) * scale
            h = 1e-6
            fd = np.column_stack([(nnbook.softmax(z + h * e, temperature=T) - nnbook.softmax(z - h * e, temperature=T))
                                  / (2 * h) for e in np.eye(6)])
            J = nnbook.softmax_jacobian(z, temperature=T)
            np.testing.assert_allclose(J, fd, atol=1e-8)
            s = nnbook.softmax(z, temperature=T)
            np.testing.assert_allclose(J, (np.diag(s) - np.outer(s, s)) / T, atol=1e-15)
            np.testing.assert_allclose(J.sum(axis=0), 0, atol=1e-15)


def test_cross_entropy_of_softmax_has_gradient_yhat_minus_y():
    h = 1e-6
    for _ in range(10):
        z = RNG.standard_normal(4) * 3
        y = np.eye(4)[RNG.integers(4)]
        loss = lambda v: -np.sum(y * np.log(nnbook.softmax(v)))
        fd = np.array([(loss(z + h * e) - loss(z - h * e)) / (2 * h) for e in np.eye(4)])
        np.testing.assert_allclose(fd, nnbook.softmax(z) - y, atol=1e-8)


@pytest.mark.parametrize("name", list(nnbook.ACTIVATIONS))
def test_activation_backward_is_the_chain_rule(name):
    """dZ from activation_backward equals the finite-difference gradient of L(Z) = Σ dA ⊙ g(Z)."""
    Z = RNG.standard_normal((3, 4)) * 2
    dA = RNG.standard_normal((3, 4))
    g = nnbook.get_activation(name).fn
    dZ = nnbook.activation_backward(name, dA, Z, g(Z))
    h = 1e-6
    fd = np.zeros_like(Z)
    for idx in np.ndindex(Z.shape):
        E = np.zeros_like(Z)
        E[idx] = h
        fd[idx] = (np.sum(dA * g(Z + E)) - np.sum(dA * g(Z - E))) / (2 * h)
    np.testing.assert_allclose(dZ, fd, atol=1e-7)


# ---------------------------------------------------------------- numerical stability

def test_sigmoid_extreme_inputs_no_overflow_or_warning():
    z = np.array([-1e308, -1000.0, -745.0, 0.0, 745.0, 1000.0, 1e308])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = nnbook.sigmoid(z)
        ds = nnbook.sigmoid_derivative(z)
    assert s[0] == 0.0 and s[3] == 0.5 and s[-1] == 1.0
    assert np.all((s >= 0) & (s <= 1)) and np.all(np.isfinite(ds))
    np.testing.assert_allclose(nnbook.sigmoid(-z), 1 - s, rtol=1e-12, atol=1e-300)


def test_other_activations_extreme_inputs_no_warning():
    z = np.array([-1e200, -1e4, 0.0, 1e4, 1e200])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for name, (g, dg) in ELEMENTWISE.items():
            assert np.all(np.isfinite(g(z))) and np.all(np.isfinite(dg(z))), name
    np.testing.assert_array_equal(nnbook.gelu(np.array([-1e200, 1e200])), [0.0, 1e200])


def test_softmax_is_stable_for_large_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        big = nnbook.softmax([1000.0, 1001.0, 1002.0])
        neg = nnbook.softmax([-1000.0, 0.0])
    e = np.exp([0.0, 1.0, 2.0])
    np.testing.assert_allclose(big, e / e.sum(), rtol=1e-15)      # shift invariance
    np.testing.assert_array_equal(neg, [0.0, 1.0])


def test_softmax_of_1_2_3():
    s = nnbook.softmax([1.0, 2.0, 3.0])
    e = [math.exp(1), math.exp(2), math.exp(3)]
    np.testing.assert_allclose(s, np.array(e) / sum(e), rtol=1e-14)
    assert s.sum() == pytest.approx(1.0, abs=1e-15)


def test_softmax_batches_along_the_documented_axis():
    Z = RNG.standard_normal((5, 7)) * 20
    P = nnbook.softmax(Z)                                      # default axis 0: one distribution per column
    np.testing.assert_allclose(P.sum(axis=0), 1.0)
    for j in range(7):
        np.testing.assert_allclose(P[:, j], np.exp(Z[:, j]) / np.exp(Z[:, j]).sum())
    np.testing.assert_allclose(nnbook.softmax(Z.T, axis=1), P.T)
    np.testing.assert_allclose(nnbook.softmax(Z.T, axis=-1), P.T)


def test_softmax_temperature():
    z = np.array([1.0, 2.0, 3.0])
    for T in (0.1, 0.5, 2.0, 10.0):
        e = np.exp(z / T)
        np.testing.assert_allclose(nnbook.softmax(z, temperature=T), e / e.sum())
    sharp = nnbook.softmax(z, temperature=0.01)               # e^{-100} relative to the top class
    assert sharp[2] == 1.0 and sharp[1] == pytest.approx(math.exp(-100), rel=1e-10)
    np.testing.assert_allclose(nnbook.softmax(z, temperature=1e6), 1 / 3, atol=1e-6)   # flat


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 5)),
              elements=st.floats(-1e6, 1e6, allow_nan=False)))
def test_softmax_property_is_a_distribution(Z):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        P = nnbook.softmax(Z)
    assert np.all((P >= 0) & (P <= 1))
    np.testing.assert_allclose(P.sum(axis=0), 1.0, rtol=1e-12)
    top = np.argmax(Z, axis=0)                                  # the largest score gets the largest probability
    np.testing.assert_array_equal(P[top, np.arange(Z.shape[1])], P.max(axis=0))


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e300, 1e300, allow_nan=False)))
def test_sigmoid_property_bounds_and_symmetry(z):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = nnbook.sigmoid(z)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s + nnbook.sigmoid(-z), 1.0, rtol=0, atol=1e-15)


# ---------------------------------------------------------------- dtypes and input handling

def test_float32_is_preserved_and_integers_become_float64():
    z32 = np.array([-2.0, 0.5, 3.0], dtype=np.float32)
    for name, (g, dg) in ELEMENTWISE.items():
        assert g(z32).dtype == np.float32, name
        assert dg(z32).dtype == np.float32, name
    assert nnbook.softmax(z32).dtype == np.float32
    assert nnbook.relu([1, -2, 3]).dtype == np.float64
    np.testing.assert_array_equal(nnbook.relu([1, -2, 3]), [1.0, 0.0, 3.0])


@pytest.mark.parametrize("bad", ["abc", None, [1 + 2j], np.array(["1", "2"])])
def test_non_numeric_input_raises_type_error(bad):
    with pytest.raises(TypeError, match="Z must be a real numeric array"):
        nnbook.sigmoid(bad)
    with pytest.raises(TypeError, match="Z must be a real numeric array"):
        nnbook.softmax(bad)


def test_softmax_argument_errors():
    with pytest.raises(ValueError, match="temperature must be positive"):
        nnbook.softmax([1.0, 2.0], temperature=0)
    with pytest.raises(ValueError, match="temperature must be positive"):
        nnbook.softmax([1.0, 2.0], temperature=-1.0)
    with pytest.raises(TypeError, match="temperature"):
        nnbook.softmax([1.0, 2.0], temperature="hot")
    with pytest.raises(ValueError, match=r"axis must be an integer in \[-2, 1\]"):
        nnbook.softmax(np.ones((2, 3)), axis=2)
    with pytest.raises(ValueError, match="at least one axis"):
        nnbook.softmax(3.0)
    with pytest.raises(ValueError, match=r"shape \(n_classes,\)"):
        nnbook.softmax_jacobian(np.ones((2, 2)))


def test_slope_argument_errors():
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        nnbook.leaky_relu([1.0], alpha=-0.1)
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        nnbook.elu([1.0], alpha=float("inf"))
    with pytest.raises(TypeError, match="alpha must be a real number"):
        nnbook.leaky_relu_derivative([1.0], alpha="0.1")


# ---------------------------------------------------------------- the by-name interface

def test_registry_has_the_documented_names():
    assert {"sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax", "elu", "gelu"} <= set(nnbook.ACTIVATIONS)
    for name, act in nnbook.ACTIVATIONS.items():
        assert act.name == name and callable(act.fn)
        assert (act.derivative is None) == (name == "softmax")
    assert nnbook.get_activation("relu").fn is nnbook.relu
    assert nnbook.get_activation("sigmoid").derivative is nnbook.sigmoid_derivative


def test_unknown_activation_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"Unknown activation 'relux'; choose one of: .*relu.*sigmoid"):
        nnbook.get_activation("relux")
    with pytest.raises(ValueError, match="Unknown activation"):
        nnbook.activation_backward("softmx", np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 2)))
