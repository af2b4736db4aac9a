"""Tests for nnbook.optim (§3.6): mini-batches, optimizers, schedules, the mini-batch trainer, initialisers."""
import math

import numpy as np
import pytest

import nnbook
from nnbook import (SGD, AdamOptimizer, Momentum, NeuralNetwork, OPTIMIZERS, SCHEDULES, constant,
                    cosine_warm_restarts, create_mini_batches, exponential_decay, get_optimizer, get_schedule,
                    init_std, initialize_parameters, inverse_time_decay, lr_range_test, step_decay)


# --------------------------------------------------------------------------- optimizers vs hand-written steps
def _grad_sequence(seed=0, steps=5):
    rng = np.random.default_rng(seed)
    return [{"W": rng.normal(size=(3, 2)), "b": rng.normal(size=(3, 1))} for _ in range(steps)]


def _params(seed=1):
    rng = np.random.default_rng(seed)
    return {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=(3, 1))}


def test_sgd_matches_reference():
    params, grads = _params(), _grad_sequence()
    ref = {k: v.copy() for k, v in params.items()}
    opt = SGD(learning_rate=0.3)
    for g in grads:
        opt.update(params, g)
        for k in ref:
            ref[k] = ref[k] - 0.3 * g[k]
    for k in ref:
        np.testing.assert_allclose(params[k], ref[k], rtol=1e-12, atol=1e-14)


def test_momentum_matches_reference_exponential_average_convention():
    params, grads = _params(), _grad_sequence()
    ref = {k: v.copy() for k, v in params.items()}
    vel = {k: np.zeros_like(v) for k, v in params.items()}
    lr, beta = 0.05, 0.8
    opt = Momentum(learning_rate=lr, beta=beta)
    for g in grads:
        opt.update(params, g)
        for k in ref:
            vel[k] = beta * vel[k] + (1 - beta) * g[k]
            ref[k] = ref[k] - lr * vel[k]
    for k in ref:
        np.testing.assert_allclose(params[k], ref[k], rtol=1e-12, atol=1e-14)


def test_momentum_equals_classical_form_with_scaled_learning_rate():
    """v = βv + (1−β)g with η equals v = βv + g with η' = (1−β)η."""
    grads = _grad_sequence(steps=8)
    p1, p2 = _params(), _params()
    beta, lr = 0.9, 0.1
    opt = Momentum(lr, beta=beta)
    vel = {k: np.zeros_like(v) for k, v in p2.items()}
    for g in grads:
        opt.update(p1, g)
        for k in p2:
            vel[k] = beta * vel[k] + g[k]
            p2[k] = p2[k] - (1 - beta) * lr * vel[k]
    for k in p1:
        np.testing.assert_allclose(p1[k], p2[k], rtol=1e-10, atol=1e-12)


def test_adam_matches_reference_with_bias_correction():
    params, grads = _params(), _grad_sequence(steps=6)
    ref = {k: v.copy() for k, v in params.items()}
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(v) for k, v in params.items()}
    opt = AdamOptimizer(lr, b1, b2, eps)
    for t, g in enumerate(grads, start=1):
        opt.update(params, g)
        for k in ref:
            m[k] = b1 * m[k] + (1 - b1) * g[k]
            v[k] = b2 * v[k] + (1 - b2) * g[k] ** 2
            m_hat = m[k] / (1 - b1 ** t)
            v_hat = v[k] / (1 - b2 ** t)
            ref[k] = ref[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
        for k in ref:
            np.testing.assert_allclose(params[k], ref[k], rtol=1e-12, atol=1e-14)
            # the stored sums M, V give back the paper's moments m, v through the properties
            np.testing.assert_allclose(opt.m[k], m[k], rtol=1e-12, atol=1e-300)
            np.testing.assert_allclose(opt.v[k], v[k], rtol=1e-12, atol=1e-300)
    assert opt.t == len(grads)


def test_adam_moment_properties_are_copies():
    """`m` and `v` are computed on access: writing into them cannot corrupt the optimizer's state."""
    params = {"w": np.zeros(3)}
    opt = AdamOptimizer(0.1)
    opt.update(params, {"w": np.array([1.0, -2.0, 0.5])})
    np.testing.assert_allclose(opt.m["w"], [0.1, -0.2, 0.05], rtol=1e-15)
    np.testing.assert_allclose(opt.v["w"], 0.001 * np.array([1.0, 4.0, 0.25]), rtol=1e-13)
    opt.m["w"][:] = 99.0
    opt.v["w"][:] = -1.0
    np.testing.assert_allclose(opt.m["w"], [0.1, -0.2, 0.05], rtol=1e-15)
    opt.reset()
    assert opt.m == {} and opt.v == {}


def test_adam_first_step_is_learning_rate_times_sign():
    """With bias correction m̂ = g and v̂ = g² at t = 1, so the first step is α·g/(|g| + ε) ≈ α·sign(g)."""
    params = {"w": np.zeros(4)}
    g = np.array([1e-4, -3.0, 250.0, -0.02])
    AdamOptimizer(learning_rate=0.1).update(params, {"w": g})
    np.testing.assert_allclose(params["w"], -0.1 * g / (np.abs(g) + 1e-8), rtol=1e-12)


def test_adam_alias_and_registry():
    assert nnbook.Adam is AdamOptimizer
    assert set(OPTIMIZERS) == {"sgd", "momentum", "adam"}
    opt = get_optimizer("momentum", learning_rate=0.2, beta=0.5)
    assert isinstance(opt, Momentum) and opt.learning_rate == 0.2 and opt.beta == 0.5
    with pytest.raises(ValueError, match="adam, momentum, sgd"):
        get_optimizer("rmsprop")


@pytest.mark.parametrize("opt", [SGD(0.1), Momentum(0.1), AdamOptimizer(0.1)], ids=repr)
def test_every_optimizer_decreases_a_convex_quadratic(opt):
    H = np.array([[3.0, 0.5], [0.5, 1.0]])
    f = lambda x: 0.5 * x @ H @ x
    params = {"x": np.array([2.0, -1.5])}
    start = f(params["x"])
    for _ in range(200):
        opt.update(params, {"x": H @ params["x"]})
    assert f(params["x"]) < 1e-3 * start


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Momentum(0.1), lambda: AdamOptimizer(0.1)])
def test_updates_are_in_place_and_keep_float32(make):
    W = np.ones((4, 3), dtype=np.float32)
    params = {"W1": W}
    make().update(params, {"W1": np.full((4, 3), 0.5)})     # float64 gradient
    assert params["W1"] is W and W.dtype == np.float32
    assert np.all(W < 1)


@pytest.mark.parametrize("bad, match", [
    (lambda: SGD(-0.1), "learning_rate must be positive"),
    (lambda: SGD(0), "learning_rate must be positive"),
    (lambda: Momentum(0.1, beta=1.0), r"beta must be a number in \[0, 1\)"),
    (lambda: Momentum(0.1, beta=-0.1), r"beta must be a number in \[0, 1\)"),
    (lambda: AdamOptimizer(beta1=1.0), "beta1"),
    (lambda: AdamOptimizer(beta2=1.5), "beta2"),
    (lambda: AdamOptimizer(epsilon=0.0), "epsilon must be positive"),
])
def test_invalid_hyperparameters_raise(bad, match):
    with pytest.raises(ValueError, match=match):
        bad()


def test_learning_rate_is_settable_and_validated():
    opt = AdamOptimizer()
    opt.learning_rate = 0.5
    assert opt.learning_rate == 0.5
    with pytest.raises(ValueError, match="learning_rate"):
        opt.learning_rate = -1.0
    with pytest.raises(TypeError, match="learning_rate"):
        opt.learning_rate = "fast"


def test_update_rejects_missing_or_misshaped_gradients():
    params = {"W1": np.zeros((2, 2)), "b1": np.zeros((2, 1))}
    with pytest.raises(ValueError, match="no entry 'b1'"):
        SGD().update(params, {"W1": np.zeros((2, 2))})
    with pytest.raises(ValueError, match=r"gradients\['b1'\] has shape \(2,\)"):
        SGD().update(params, {"W1": np.zeros((2, 2)), "b1": np.zeros(2)})
    opt = AdamOptimizer()
    with pytest.raises(ValueError):
        opt.update(params, {"W1": np.zeros((2, 2))})
    assert opt.t == 0 and np.all(params["W1"] == 0)          # a failed update changes nothing


def test_reset_forgets_state():
    opt = AdamOptimizer(0.1)
    p = {"w": np.ones(3)}
    opt.update(p, {"w": np.ones(3)})
    opt.reset()
    assert opt.t == 0 and opt.m == {} and opt.v == {}


def test_momentum_reset_forgets_the_velocity():
    opt = Momentum(learning_rate=0.1, beta=0.9)
    P = {"W": np.zeros(3)}
    g = {"W": np.ones(3)}
    for _ in range(5):
        opt.update(P, g)
    opt.reset()
    before = P["W"].copy()
    opt.update(P, g)
    np.testing.assert_allclose(before - P["W"], 0.1 * (1 - 0.9) * np.ones(3))   # a first step again
    assert opt.t == 1


# --------------------------------------------------------------------------- schedules
def test_schedules_give_documented_values():
    assert constant(0.1, 37) == 0.1
    assert step_decay(0.1, 0) == 0.1
    assert step_decay(0.1, 9) == 0.1
    assert step_decay(0.1, 10) == pytest.approx(0.05)
    assert step_decay(0.1, 25, drop=0.1, epochs_drop=5) == pytest.approx(0.1 * 0.1 ** 5)
    assert exponential_decay(0.2, 0) == 0.2
    assert exponential_decay(0.2, 3) == pytest.approx(0.2 * 0.95 ** 3)
    k = 0.3    # lr0·e^(−kt) is the same family with decay_rate = e^(−k)
    assert exponential_decay(1.0, 4, decay_rate=math.exp(-k)) == pytest.approx(math.exp(-k * 4))
    assert inverse_time_decay(0.1, 0) == 0.1
    assert inverse_time_decay(0.1, 10, decay_rate=0.5) == pytest.approx(0.1 / 6)


def test_cosine_warm_restarts():
    assert cosine_warm_restarts(1.0, 0, period=10) == 1.0
    assert cosine_warm_restarts(1.0, 5, period=10) == pytest.approx(0.5)
    assert cosine_warm_restarts(1.0, 10, period=10) == 1.0                      # restart
    assert cosine_warm_restarts(1.0, 15, period=10, min_lr=0.2) == pytest.approx(0.6)
    # period_mult=2: cycles of 4, 8, 16 epochs start at 0, 4, 12
    assert cosine_warm_restarts(1.0, 12, period=4, period_mult=2) == 1.0
    assert cosine_warm_restarts(1.0, 8, period=4, period_mult=2) == pytest.approx(0.5)
    values = [cosine_warm_restarts(1.0, e, period=10) for e in range(10)]
    assert all(a > b for a, b in zip(values, values[1:]))


def test_get_schedule_and_errors():
    assert set(SCHEDULES) >= {"constant", "step", "exponential", "inverse_time", "cosine_warm_restarts"}
    s = get_schedule("step", drop=0.1, epochs_drop=2)
    assert s(1.0, 4) == pytest.approx(0.01)
    with pytest.raises(ValueError, match="choose one of"):
        get_schedule("linear_warmup")
    with pytest.raises(ValueError, match="epoch must be a non-negative integer"):
        step_decay(0.1, -1)
    with pytest.raises(ValueError, match="initial_lr must be positive"):
        exponential_decay(-0.1, 2)
    with pytest.raises(ValueError, match="decay_rate"):
        exponential_decay(0.1, 2, decay_rate=1.5)
    with pytest.raises(ValueError, match="min_lr"):
        cosine_warm_restarts(0.1, 2, min_lr=0.2)


# --------------------------------------------------------------------------- mini-batches
def test_mini_batches_cover_every_sample_once():
    m = 103
    X = np.arange(2 * m, dtype=float).reshape(2, m)
    Y = np.arange(m)[None, :] * 10.0
    batches = list(create_mini_batches(X, Y, 32, rng=0))
    assert [xb.shape[1] for xb, _ in batches] == [32, 32, 32, 7]       # last smaller batch kept
    cols = np.concatenate([xb[0] for xb, _ in batches])
    assert sorted(cols) == list(range(m))
    for xb, yb in batches:                                             # X and Y stay paired
        np.testing.assert_array_equal(yb[0], xb[0] * 10)
        np.testing.assert_array_equal(xb[1], xb[0] + m)
    assert not np.array_equal(cols, np.arange(m))                      # shuffled


def test_mini_batches_deterministic_per_seed_and_1d_labels():
    X = np.random.default_rng(0).normal(size=(3, 50))
    y = np.arange(50)
    a = [yb for _, yb in create_mini_batches(X, y, 8, rng=7)]
    b = [yb for _, yb in create_mini_batches(X, y, 8, rng=7)]
    c = [yb for _, yb in create_mini_batches(X, y, 8, rng=8)]
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not all(np.array_equal(p, q) for p, q in zip(a, c))
    assert a[0].ndim == 1
    full = list(create_mini_batches(X, y, 1000, rng=0))
    assert len(full) == 1 and full[0][0].shape == (3, 50)


@pytest.mark.parametrize("bs", [0, -4, 2.5, True, "32"])
def test_mini_batches_reject_bad_batch_size(bs):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        next(create_mini_batches(np.zeros((2, 5)), np.zeros((1, 5)), bs))


def test_mini_batches_reject_mismatched_samples():
    with pytest.raises(ValueError, match="same number of samples"):
        next(create_mini_batches(np.zeros((2, 5)), np.zeros((1, 6)), 2))
    with pytest.raises(ValueError, match="samples in rows"):
        next(create_mini_batches(np.zeros((2, 5)), np.zeros((5, 1)), 2))


# --------------------------------------------------------------------------- trainer
def _xor_data(m=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(2, m))
    return X, (X[0] * X[1] > 0).astype(float)


def test_train_step_returns_loss_before_update_with_l2_penalty():
    X, y = _xor_data(64)
    net = NeuralNetwork([2, 8, 1], seed=0)
    A, _ = net.forward(X)
    bce, _ = nnbook.binary_cross_entropy(A, y[None, :])
    penalty = 0.5 * 0.1 * (np.sum(net.parameters["W1"] ** 2) + np.sum(net.parameters["W2"] ** 2))
    W1 = net.parameters["W1"].copy()
    value = net.train_step(X, y[None, :], SGD(0.5), l2=0.1)
    assert value == pytest.approx(bce + penalty, rel=1e-12)
    assert not np.allclose(W1, net.parameters["W1"])


def test_train_step_uses_backward_gradients():
    X, y = _xor_data(32)
    net = NeuralNetwork([2, 5, 1], seed=3)
    before = {k: v.copy() for k, v in net.parameters.items()}
    A, cache = net.forward(X)
    _, dA = nnbook.binary_cross_entropy(A, y[None, :])
    grads = net.backward(dA, cache)
    net.train_step(X, y[None, :], SGD(0.25))
    for k in before:
        np.testing.assert_allclose(net.parameters[k], before[k] - 0.25 * grads[k], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("opt", [SGD(0.5), Momentum(0.5), AdamOptimizer(0.01)], ids=repr)
def test_train_minibatch_decreases_loss(opt):
    X, y = _xor_data()
    net = NeuralNetwork([2, 16, 1], seed=0)
    losses = net.train_minibatch(X, y, opt, batch_size=16, epochs=40, seed=0)
    assert len(losses) == 40 and losses[-1] < 0.6 * losses[0]
    acc = np.mean(net.predict(X) == y)
    assert acc > 0.85


def test_train_minibatch_is_deterministic_and_applies_schedule():
    X, y = _xor_data()
    runs = []
    for _ in range(2):
        net = NeuralNetwork([2, 8, 1], seed=1)
        runs.append(net.train_minibatch(X, y, SGD(0.4), batch_size=20, epochs=6, seed=5,
                                        schedule=get_schedule("step", drop=0.5, epochs_drop=2)))
    assert runs[0] == runs[1]
    assert net.history_["learning_rate"] == pytest.approx([0.4, 0.4, 0.2, 0.2, 0.1, 0.1])
    net = NeuralNetwork([2, 8, 1], seed=1)
    net.train_minibatch(X, y, SGD(0.4), batch_size=20, epochs=3, seed=5, schedule="exponential")
    assert net.history_["learning_rate"] == pytest.approx([0.4 * 0.95 ** e for e in range(3)])


def test_full_batch_minibatch_equals_gradient_descent():
    X, y = _xor_data(50)
    a, b = NeuralNetwork([2, 6, 1], seed=2), NeuralNetwork([2, 6, 1], seed=2)
    a.train_minibatch(X, y, SGD(0.3), batch_size=50, epochs=5, seed=0)
    b.train(X, y, learning_rate=0.3, epochs=5)
    for k in a.parameters:
        np.testing.assert_allclose(a.parameters[k], b.parameters[k], rtol=1e-10, atol=1e-12)


def test_train_minibatch_reports_divergence():
    X, y = _xor_data()
    net = NeuralNetwork([2, 16, 1], output_activation="linear", seed=0)
    with pytest.raises(ValueError, match=r"non-finite at epoch \d+, batch \d+.*Lower the learning rate"):
        net.train_minibatch(X * 100, y, SGD(10.0), batch_size=8, epochs=5, seed=0)


def test_train_minibatch_validates_inputs():
    X, y = _xor_data()
    net = NeuralNetwork([2, 4, 1])
    with pytest.raises(ValueError, match="transposed"):
        net.train_minibatch(X.T, y)
    with pytest.raises(ValueError, match="batch_size"):
        net.train_minibatch(X, y, batch_size=0)
    with pytest.raises(TypeError, match="optimizer must be"):
        net.train_minibatch(X, y, optimizer=0.1)
    with pytest.raises(ValueError, match="choose one of"):
        net.train_minibatch(X, y, schedule="warmup")
    with pytest.raises(ValueError, match="l2"):
        net.train_step(X, y[None, :], SGD(), l2=-1.0)


def test_lr_range_test_leaves_network_unchanged_and_stops_on_divergence():
    X, y = _xor_data(400)
    net = NeuralNetwork([2, 16, 1], seed=0)
    before = {k: v.copy() for k, v in net.parameters.items()}
    res = lr_range_test(net, X, y, min_lr=1e-4, max_lr=1e4, num_steps=120, batch_size=32)
    for k in before:
        np.testing.assert_array_equal(before[k], net.parameters[k])
    lrs = res["learning_rate"]
    assert np.all(np.diff(lrs) > 0) and lrs[0] == pytest.approx(1e-4)
    assert len(lrs) < 120                     # 1e4 diverges, the test stops early
    assert 1e-4 <= res["suggested"] <= 1e3
    with pytest.raises(ValueError, match="min_lr must be smaller"):
        lr_range_test(net, X, y, min_lr=1.0, max_lr=0.1)


# --------------------------------------------------------------------------- initialisers (§3.3, taught in §3.6)
@pytest.mark.parametrize("method, var", [("xavier", lambda i, o: 2 / (i + o)), ("lecun", lambda i, o: 1 / i),
                                         ("he", lambda i, o: 2 / i), ("small", lambda i, o: 1e-4),
                                         ("zeros", lambda i, o: 0.0)])
def test_initializers_have_documented_std(method, var):
    n_in, n_out = 400, 300
    assert init_std(method, n_in, n_out) == pytest.approx(math.sqrt(var(n_in, n_out)))
    W = initialize_parameters([n_in, n_out], init=method, rng=0)["W1"]
    expected = math.sqrt(var(n_in, n_out))
    n = W.size                                   # std of the sample std of n normals ≈ σ/√(2n)
    assert abs(W.std() - expected) <= 5 * expected / math.sqrt(2 * n) + 1e-15
    assert abs(W.mean()) <= 5 * expected / math.sqrt(n) + 1e-15
    net = NeuralNetwork([n_in, n_out, 1], init=method, seed=0)
    assert net.parameters["W1"].std() == pytest.approx(expected, rel=0.05, abs=1e-15)


def test_update_rejects_integer_parameters():
    with pytest.raises(TypeError, match="floating numpy array.*dtype int64"):
        SGD().update({"w": np.zeros(3, dtype=np.int64)}, {"w": np.ones(3)})


def test_adam_state_follows_parameter_dtype():
    params = {"W": np.ones((3, 3), dtype=np.float32)}
    opt = AdamOptimizer(0.01)
    for _ in range(3):
        opt.update(params, {"W": np.full((3, 3), 0.1)})
    assert opt.m["W"].dtype == np.float32 and opt.v["W"].dtype == np.float32
    # three identical gradients: m̂ = g and v̂ = g², so each step is α·g/(|g| + ε)
    np.testing.assert_allclose(params["W"], 1 - 3 * 0.01 * 0.1 / (0.1 + 1e-8), rtol=1e-5)


def test_train_minibatch_accepts_callable_schedule_and_optimizer_name():
    X, y = _xor_data()
    net = NeuralNetwork([2, 8, 1], seed=0)
    net.train_minibatch(X, y, "sgd", epochs=3, seed=0, schedule=lambda lr0, t: lr0 / (t + 1))
    assert net.history_["learning_rate"] == pytest.approx([0.01, 0.005, 0.01 / 3])


def test_plot_lr_range_test_draws_three_lines():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    X, y = _xor_data(200)
    res = lr_range_test(NeuralNetwork([2, 8, 1], seed=0), X, y, min_lr=1e-3, max_lr=1.0, num_steps=20)
    fig, ax = plt.subplots()
    assert nnbook.plot_lr_range_test(res, ax=ax) is ax
    assert len(ax.get_lines()) == 3 and ax.get_xscale() == "log"
    plt.close(fig)


def test_train_minibatch_progress_bar_off_by_default_and_on_request(capsys):
    X, y = _xor_data()
    quiet = NeuralNetwork([2, 8, 1], seed=0).train_minibatch(X, y, "sgd", epochs=4, seed=0)
    assert capsys.readouterr().err == ""                          # no bar by default
    NeuralNetwork([2, 8, 1], seed=0).train_minibatch(X, y, "sgd", epochs=4, seed=0, progress=False)
    assert capsys.readouterr().err == ""
    loud = NeuralNetwork([2, 8, 1], seed=0).train_minibatch(X, y, "sgd", epochs=4, seed=0, progress=True)
    err = capsys.readouterr().err
    assert "train_minibatch" in err and "4/4" in err and "100%" in err and "lr=" in err
    assert loud == quiet
    with pytest.raises(TypeError, match="progress must be True or False"):
        NeuralNetwork([2, 8, 1]).train_minibatch(X, y, epochs=1, progress=1)
