"""Tests for nnbook.perceptron (§3.1): the learning rule against independent traces, convergence on
separable data (within Novikoff's bound), non-convergence on XOR, and the input checks."""
import numpy as np
import pytest

import nnbook
from nnbook import Perceptron, logic_gate, plot_perceptron

GATE_ROWS = [[0, 0], [0, 1], [1, 0], [1, 1]]


def reference_trace(X, y, epochs, eta=1.0, w0=None, b0=0.0):
    """The perceptron rule written out with plain Python floats: (epoch, i, z, y_hat, w, b) per step."""
    w = [0.0] * len(X[0]) if w0 is None else [float(v) for v in w0]
    b, steps, per_epoch = float(b0), [], []
    for epoch in range(1, epochs + 1):
        mistakes = 0
        for i, (x, t) in enumerate(zip(X, y)):
            z = sum(wj * xj for wj, xj in zip(w, x)) + b
            y_hat = 1 if z >= 0 else 0
            if y_hat != t:
                sign = 1 if t == 1 else -1
                w = [wj + eta * sign * xj for wj, xj in zip(w, x)]
                b += eta * sign
                mistakes += 1
            steps.append((epoch, i, z, y_hat, tuple(w), b))
        per_epoch.append(mistakes)
        if mistakes == 0:
            break
    return steps, per_epoch


# --- the public API -------------------------------------------------------------------------------

def test_public_names_are_exported():
    assert nnbook.Perceptron is Perceptron
    assert callable(nnbook.plot_perceptron) and callable(nnbook.logic_gate)


def test_new_perceptron_starts_at_zero():
    p = Perceptron(3)
    assert p.w.shape == (3,) and p.w.dtype == np.float64 and np.all(p.w == 0) and p.b == 0
    assert p.updates_per_epoch == [] and p.converged is False


def test_predict_is_step_of_weighted_sum_with_tie_as_one():
    rng = np.random.default_rng(0)
    p = Perceptron(4)
    p.w, p.b = rng.standard_normal(4), 0.3
    X = rng.standard_normal((50, 4))
    expected = np.array([1 if sum(p.w[j] * x[j] for j in range(4)) + 0.3 >= 0 else 0 for x in X])
    out = p.predict(X)
    assert out.shape == (50,) and out.dtype.kind == "i" and set(np.unique(out)) <= {0, 1}
    assert np.array_equal(out, expected)
    assert np.allclose(p.decision_function(X), X @ p.w + 0.3)
    # z exactly 0 counts as class 1
    q = Perceptron(2)
    q.w, q.b = np.array([1.0, -1.0]), 0.0
    assert q.predict([[2.0, 2.0], [0.0, 1.0], [1.0, 0.0]]).tolist() == [1, 0, 1]


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "NOR"])
def test_separable_two_input_gates_converge_and_classify_all(gate):
    X, y = logic_gate(gate)
    p = Perceptron(2)
    assert p.fit(X, y) is p
    assert p.converged and p.updates_per_epoch[-1] == 0 and all(u > 0 for u in p.updates_per_epoch[:-1])
    assert np.array_equal(p.predict(X), y) and p.score(X, y) == 1.0
    assert all(isinstance(u, int) for u in p.updates_per_epoch)


def test_not_gate_with_one_input():
    X, y = logic_gate("NOT")
    assert X.shape == (2, 1)
    p = Perceptron(1).fit(X, y)
    assert p.converged and np.array_equal(p.predict(X), [1, 0])


@pytest.mark.parametrize("gate", ["XOR", "XNOR"])
def test_xor_never_converges(gate):
    X, y = logic_gate(gate)
    p = Perceptron(2).fit(X, y, epochs=100)
    assert not p.converged
    assert len(p.updates_per_epoch) == 100 and min(p.updates_per_epoch) > 0
    assert p.score(X, y) < 1.0


def test_exercise_31c_trace_matches_independent_computation():
    X, y = [[0, 1], [1, 0], [1, 1]], [1, 1, 0]
    steps, per_epoch = reference_trace(X, y, epochs=100)
    p = Perceptron(2).fit(np.array(X), np.array(y), trace=True)
    assert p.updates_per_epoch == per_epoch
    assert per_epoch[:2] == [1, 3]              # the two epochs worked by hand in the book
    got = [(s["epoch"], s["i"], s["z"], s["y_hat"], tuple(s["w"]), s["b"]) for s in p.trace]
    assert got == steps
    assert np.array_equal(p.w, steps[-1][4]) and p.b == steps[-1][5]
    two = Perceptron(2).fit(X, y, epochs=2)
    assert two.updates_per_epoch == [1, 3] and not two.converged
    assert two.w.tolist() == [-1.0, -1.0] and two.b == 0.0


def test_rule_matches_reference_on_random_data_with_learning_rate_and_init():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((30, 3))
    y = (X @ [1.0, -2.0, 0.5] + 0.2 > 0).astype(int)
    p = Perceptron(3, learning_rate=0.3, init="normal", seed=11)
    w0, b0 = p.w.copy(), p.b
    p.fit(X, y, epochs=50, trace=True)
    steps, per_epoch = reference_trace(X.tolist(), y.tolist(), 50, eta=0.3, w0=w0, b0=b0)
    assert p.updates_per_epoch == per_epoch
    assert np.allclose([s["w"] for s in p.trace], [s[4] for s in steps], atol=1e-12)
    assert np.allclose([s["z"] for s in p.trace], [s[2] for s in steps], atol=1e-12)


def test_each_update_moves_z_by_eta_times_norm_squared_plus_one():
    X, y = logic_gate("AND")
    p = Perceptron(2, learning_rate=0.5).fit(X, y, trace=True)
    w, b = np.zeros(2), 0.0
    for s in p.trace:
        new_z = s["x"] @ s["w"] + s["b"]
        assert np.isclose(new_z - s["z"], 0.5 * s["update"] * (s["x"] @ s["x"] + 1))
        assert s["update"] == s["y"] - s["y_hat"]
        w, b = s["w"], s["b"]


def test_fit_continues_from_current_weights():
    X, y = logic_gate("XOR")
    long = Perceptron(2).fit(X, y, epochs=5)
    step = Perceptron(2)
    for _ in range(5):
        step.fit(X, y, epochs=1)
        assert len(step.updates_per_epoch) == 1
    assert np.array_equal(step.w, long.w) and step.b == long.b


def test_initialisation_options():
    a, b = Perceptron(2, init="normal", seed=3), Perceptron(2, init="normal", seed=3)
    assert np.array_equal(a.w, b.w) and a.b == b.b and np.any(a.w != 0)
    assert not np.array_equal(a.w, Perceptron(2, init="normal", seed=4).w)
    X, y = logic_gate("AND")
    for seed in range(10):
        p = Perceptron(2, init="normal", seed=seed).fit(X, y, epochs=1000)
        assert p.converged and p.score(X, y) == 1.0


@pytest.mark.parametrize("seed", range(6))
def test_novikoff_bound_holds_on_random_separable_data(seed):
    """Total updates from zero never exceed (R / gamma)^2 for the margin gamma of a known separator."""
    rng = np.random.default_rng(seed)
    u = rng.standard_normal(3)
    X = rng.uniform(-1, 1, size=(400, 2))
    Xa = np.column_stack([X, np.ones(len(X))])
    keep = np.abs(Xa @ u) / np.linalg.norm(u) > 0.05
    X, Xa = X[keep][:60], Xa[keep][:60]
    y = (Xa @ u > 0).astype(int)
    gamma = np.min((2 * y - 1) * (Xa @ u)) / np.linalg.norm(u)
    R = np.max(np.linalg.norm(Xa, axis=1))
    p = Perceptron(2).fit(X, y, epochs=10_000)
    assert p.converged and p.score(X, y) == 1.0
    assert sum(p.updates_per_epoch) <= (R / gamma) ** 2


def test_learning_rate_only_rescales_from_zero_with_exact_arithmetic():
    X, y = logic_gate("OR")
    p1, p4 = Perceptron(2).fit(X, y), Perceptron(2, learning_rate=0.25).fit(X, y)
    assert np.array_equal(p4.w, 0.25 * p1.w) and p4.b == 0.25 * p1.b
    assert p4.updates_per_epoch == p1.updates_per_epoch


def test_margin_and_boundary_line():
    p = Perceptron(2)
    p.w, p.b = np.array([3.0, 4.0]), -5.0
    X = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 0.5]])
    y = np.array([1, 0, 0])
    # signed distances (25-5)/5 = 4, (0-5)/5 = -1 -> +1 for class 0, (3+2-5)/5 = 0
    assert p.margin(X, y) == pytest.approx(0.0)
    assert p.margin(X[:2], y[:2]) == pytest.approx(1.0)
    assert p.margin(X[:2], [0, 1]) == pytest.approx(-4.0)
    slope, intercept = p.boundary_line()
    assert slope == pytest.approx(-0.75) and intercept == pytest.approx(1.25)
    x1 = np.linspace(-3, 3, 7)
    assert np.allclose(p.decision_function(np.column_stack([x1, slope * x1 + intercept])), 0)


def test_logic_gates_truth_tables():
    expected = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "NOR": [1, 0, 0, 0],
                "XOR": [0, 1, 1, 0], "XNOR": [1, 0, 0, 1]}
    for name, labels in expected.items():
        X, y = logic_gate(name.lower())
        assert X.tolist() == GATE_ROWS and y.tolist() == labels
    X, y = logic_gate("AND")
    X[0, 0] = 9                                 # fresh copies: mutating one does not leak
    assert logic_gate("AND")[0][0, 0] == 0
    with pytest.raises(ValueError, match="gate"):
        logic_gate("IMPLIES")


# --- plotting ---------------------------------------------------------------------------------------

def test_plot_perceptron_draws_boundary_and_returns_axes():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    X, y = logic_gate("AND")
    p = Perceptron(2).fit(X, y)
    fig, ax = plt.subplots()
    try:
        assert plot_perceptron(p, X, y, ax=ax, title="AND") is ax
        assert ax.get_title() == "AND" and ax.get_xlabel() == "$x_1$"
        assert any("boundary" in str(line.get_label()) for line in ax.get_lines())
        assert len(ax.collections) >= 2                 # the two classes (plus shading)
        Xn, yn = logic_gate("NOT")
        assert plot_perceptron(Perceptron(1).fit(Xn, yn), Xn, yn) is not None
        assert plot_perceptron(Perceptron(2), X, y, legend=False) is not None   # w = 0: no boundary
    finally:
        plt.close("all")
    with pytest.raises(ValueError, match="1 or 2 inputs"):
        plot_perceptron(Perceptron(3), np.zeros((2, 3)), [0, 1])
    with pytest.raises(TypeError, match="Perceptron"):
        plot_perceptron("not a perceptron", X, y)


# --- errors -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("X, match", [
    (np.array([0.0, 1.0]), r"X must be 2-D.*reshape\(1, -1\)"),
    (np.zeros((2, 2, 2)), "X must be 2-D"),
    (np.zeros((0, 2)), "X is empty"),
    (np.zeros((4, 3)), r"n_features = 2 columns, got shape \(4, 3\)"),
    (np.zeros((2, 5)), "transposed"),
    (np.array([[0.0, np.nan]]), "NaN or infinite"),
])
def test_bad_X_raises_value_error(X, match):
    p = Perceptron(2)
    with pytest.raises(ValueError, match=match):
        p.fit(X, np.zeros(len(X), dtype=int) if X.ndim >= 1 and len(X) else [])
    with pytest.raises(ValueError, match=match):
        p.predict(X)


def test_one_dimensional_X_for_one_feature_suggests_column():
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        Perceptron(1).fit(np.array([0.0, 1.0]), [1, 0])


@pytest.mark.parametrize("y, match", [
    ([-1, 1, 1, -1], r"only the labels 0 and 1, got \[-1\]"),
    ([0, 1, 2, 1], r"only the labels 0 and 1, got \[2\]"),
    ([0.0, 0.5, 1.0, 1.0], "only the labels 0 and 1"),
    ([[0], [1], [1], [0]], "y must be 1-D"),
    ([0, 1, 1], "different lengths: X has 4 samples .* y has 3"),
    (["a", "b", "a", "b"], "numbers 0 and 1"),
])
def test_bad_y_raises_value_error(y, match):
    X = np.array(GATE_ROWS)
    with pytest.raises(ValueError, match=match):
        Perceptron(2).fit(X, y)


def test_float_and_bool_labels_are_accepted():
    X, y = logic_gate("AND")
    assert Perceptron(2).fit(X, y.astype(float)).converged
    assert Perceptron(2).fit(X, y.astype(bool)).converged


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(n_features=0), ValueError, "n_features must be positive"),
    (dict(n_features=2.0), TypeError, "n_features must be a positive integer"),
    (dict(n_features=2, learning_rate=0), ValueError, "learning_rate must be positive"),
    (dict(n_features=2, init="glorot"), ValueError, "Unknown init 'glorot'; choose one of: normal, zeros"),
])
def test_bad_constructor_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Perceptron(**kwargs)


def test_bad_epochs_and_non_numeric_X():
    X, y = logic_gate("AND")
    with pytest.raises(ValueError, match="epochs must be positive"):
        Perceptron(2).fit(X, y, epochs=0)
    with pytest.raises(TypeError, match="epochs"):
        Perceptron(2).fit(X, y, epochs=2.5)
    with pytest.raises(TypeError, match="X must be a numeric array"):
        Perceptron(2).fit("data", y)
    with pytest.raises(TypeError, match="real numeric array"):
        Perceptron(2).predict(np.array([["a", "b"]]))


def test_margin_and_boundary_line_errors():
    X, y = logic_gate("AND")
    with pytest.raises(ValueError, match="undefined while w = 0"):
        Perceptron(2).margin(X, y)
    with pytest.raises(ValueError, match="n_features = 2"):
        Perceptron(3).boundary_line()
    p = Perceptron(2)
    p.w = np.array([1.0, 0.0])
    with pytest.raises(ValueError, match="vertical"):
        p.boundary_line()
