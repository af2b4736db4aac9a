"""The fast training path computes what the readable definitions say.

The training loop validates its inputs once and then runs unchecked steps on parameters kept in one
vector θ; these tests pin every such shortcut to an independent computation: float32 against float64,
the dropout backward pass against finite differences with a fixed mask, the vector optimizer step
against the per-array one and against Adam's textbook equations, θ's views against the dict, and the
up-front checks against the errors the per-batch checks used to give.
"""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import nnbook


def _blobs(m=120, n=4, k=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, m)
    X = rng.normal(size=(n, m)) + 2.0 * np.eye(k, n)[y].T      # (n, m), class-dependent means
    return X, y, nnbook.one_hot(y, k)


# ------------------------------------------------------------------------------ float32 == float64
@pytest.mark.parametrize("opt", ["sgd", "momentum", "adam"])
def test_float32_and_float64_training_agree(opt):
    X, y, Y = _blobs()
    nets = {}
    for dt in (np.float32, np.float64):
        net = nnbook.NeuralNetwork([4, 8, 3], "tanh", "softmax", seed=1, dtype=dt)
        net.train_minibatch(X, Y, optimizer=nnbook.get_optimizer(opt, learning_rate=0.05), batch_size=16,
                            epochs=5, seed=2)
        nets[dt] = net
    p32, p64 = (nets[dt].predict_proba(X) for dt in (np.float32, np.float64))
    assert p32.dtype == np.float32 and p64.dtype == np.float64
    np.testing.assert_allclose(p32, p64, atol=2e-4)
    assert np.array_equal(nets[np.float32].predict(X), nets[np.float64].predict(X))
    for k, P in nets[np.float32].parameters.items():
        assert P.dtype == np.float32
        np.testing.assert_allclose(P, nets[np.float64].parameters[k], atol=2e-4)


# ------------------------------------------------------------------------- dropout backward, fixed mask
@pytest.mark.parametrize("hidden", ["tanh", "sigmoid", "relu", "elu"])
def test_dropout_backward_matches_finite_differences_with_a_fixed_mask(hidden):
    """The masked network A = g(Z) * D has derivative g'(Z) * D: backward must use g(Z), not the masked A."""
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(3, 7)), np.eye(2)[:, rng.integers(0, 2, 7)]
    net = nnbook.NeuralNetwork([3, 6, 5, 2], hidden, "softmax", seed=0, dropout=0.4)
    for k, P in net.parameters.items():
        if k.startswith("b"):
            P[...] = rng.normal(scale=0.3, size=P.shape)          # away from ReLU kinks

    def objective():
        net.rng = np.random.default_rng(123)                       # the same dropout masks every time
        A, cache = net.forward(X, training=True)
        return nnbook.cross_entropy(A, Y)[0], A, cache

    J, A, cache = objective()
    assert "D1" in cache and "D2" in cache and np.any(cache["D1"] == 0)
    grads = net.backward(nnbook.cross_entropy(A, Y)[1], cache)
    eps = 1e-6
    for k, P in net.parameters.items():
        num = np.empty(P.size)
        for i in range(P.size):
            old = P.flat[i]
            P.flat[i] = old + eps
            jp = objective()[0]
            P.flat[i] = old - eps
            jm = objective()[0]
            P.flat[i] = old
            num[i] = (jp - jm) / (2 * eps)
        a = grads[k].ravel()
        rel = np.linalg.norm(a - num) / max(np.linalg.norm(a) + np.linalg.norm(num), 1e-300)
        assert rel < 1e-6, (k, rel)


# ------------------------------------------------------------------------------ θ and its views
def test_parameters_are_views_into_one_vector_and_stay_usable():
    net = nnbook.NeuralNetwork([3, 4, 2], "relu", "softmax", seed=0)
    theta = net._parameter_vector()
    assert theta.size == sum(P.size for P in net.parameters.values())
    assert all(P.base is theta and isinstance(P, np.ndarray) for P in net.parameters.values())
    W1 = net.parameters["W1"]
    X, y, Y = _blobs(40, 3, 2)
    net.train_step(X, Y, nnbook.AdamOptimizer(0.01))
    assert net.parameters["W1"] is W1                                # updated in place, same object
    assert np.array_equal(theta[:W1.size].reshape(W1.shape), W1)
    new = np.full((4, 1), 0.5)
    net.parameters["b1"] = new                                       # replacing an entry still works
    _, cache = net.forward(X)
    np.testing.assert_allclose(cache["Z1"], net.parameters["W1"] @ X + 0.5)
    net.train_step(X, Y, nnbook.SGD(0.1))                            # packed again, then updated
    assert net.parameters["b1"].base is net._theta and not np.array_equal(net.parameters["b1"], new)


@pytest.mark.parametrize("clone", [copy.deepcopy, lambda n: pickle.loads(pickle.dumps(n))])
def test_copies_train_their_own_parameters(clone):
    X, y, Y = _blobs(40, 3, 2)
    net = nnbook.NeuralNetwork([3, 4, 2], "relu", "softmax", seed=0)
    net.train_step(X, Y, nnbook.SGD(0.1))
    before = {k: v.copy() for k, v in net.parameters.items()}
    twin = clone(net)
    twin.train_step(X, Y, nnbook.SGD(0.1))
    assert all(np.array_equal(before[k], net.parameters[k]) for k in before)          # original untouched
    assert not all(np.array_equal(before[k], twin.parameters[k]) for k in before)     # the copy learned
    assert all(P.base is twin._theta for P in twin.parameters.values())


def test_save_and_load_then_train(tmp_path):
    X, y, Y = _blobs(40, 3, 2)
    net = nnbook.NeuralNetwork([3, 4, 2], "relu", "softmax", seed=0, dtype=np.float32)
    net.train_step(X, Y, nnbook.AdamOptimizer(0.01))
    back = nnbook.load_network(nnbook.save_network(net, tmp_path / "n.npz"))
    assert all(np.array_equal(net.parameters[k], back.parameters[k]) for k in net.parameters)
    opt_a, opt_b = nnbook.AdamOptimizer(0.01), nnbook.AdamOptimizer(0.01)
    la = [net.train_step(X, Y, opt_a) for _ in range(3)]
    lb = [back.train_step(X, Y, opt_b) for _ in range(3)]
    assert la == lb


def test_public_backward_returns_fresh_arrays():
    X, y, Y = _blobs(10, 3, 2)
    net = nnbook.NeuralNetwork([3, 4, 2], "relu", "softmax", seed=0)
    A, cache = net.forward(X)
    g1 = net.backward(nnbook.cross_entropy(A, Y)[1], cache)
    A2, cache2 = net.forward(2 * X)
    g2 = net.backward(nnbook.cross_entropy(A2, Y)[1], cache2)
    assert not any(np.shares_memory(g1[k], g2[k]) or np.array_equal(g1[k], g2[k]) for k in ("W1", "W2"))


# ------------------------------------------------------------------ the vector step == the dict step
def _adam_reference(params, grads_seq, lr=0.01, b1=0.9, b2=0.999, eps=1e-8):
    """Adam exactly as the plan writes it, one array at a time, in float64."""
    P = {k: v.astype(np.float64).copy() for k, v in params.items()}
    m = {k: np.zeros_like(v) for k, v in P.items()}
    v = {k: np.zeros_like(x) for k, x in P.items()}
    for t, g in enumerate(grads_seq, start=1):
        for k in P:
            m[k] = b1 * m[k] + (1 - b1) * g[k]
            v[k] = b2 * v[k] + (1 - b2) * g[k] ** 2
            mh, vh = m[k] / (1 - b1 ** t), v[k] / (1 - b2 ** t)
            P[k] = P[k] - lr * mh / (np.sqrt(vh) + eps)
    return P


def test_adam_efficient_form_matches_the_textbook_equations():
    rng = np.random.default_rng(0)
    params = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=(3, 1))}
    grads_seq = [{k: rng.normal(size=p.shape) * 10 ** rng.uniform(-6, 1) for k, p in params.items()}
                 for _ in range(12)]
    ref = _adam_reference(params, grads_seq)
    opt, mine = nnbook.AdamOptimizer(0.01), {k: v.copy() for k, v in params.items()}
    for g in grads_seq:
        opt.update(mine, g)
    for k in params:
        np.testing.assert_allclose(mine[k], ref[k], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_train_step_vector_update_equals_the_per_array_update(name):
    """train_step hands the optimizer θ as one vector; the result is the per-array update of the plan."""
    X, y, Y = _blobs(30, 4, 3)
    fast = nnbook.NeuralNetwork([4, 5, 3], "tanh", "softmax", seed=3)
    slow = copy.deepcopy(fast)
    opt_fast, opt_slow = nnbook.get_optimizer(name, learning_rate=0.05), nnbook.get_optimizer(name, learning_rate=0.05)
    for _ in range(4):
        fast.train_step(X, Y, opt_fast, l2=1e-3)
        A, cache = slow.forward(X, training=True)
        grads = slow.backward(nnbook.cross_entropy(A, Y)[1], cache, l2=1e-3)
        opt_slow.update(slow.parameters, grads)                     # dict path, array by array
    assert "theta" in getattr(opt_fast, "m", getattr(opt_fast, "v", {"theta": 0})) or name == "sgd"
    for k in fast.parameters:
        np.testing.assert_allclose(fast.parameters[k], slow.parameters[k], rtol=1e-12, atol=1e-14)


def test_custom_optimizer_gets_the_dicts():
    class Halver:
        learning_rate = 0.1

        def update(self, parameters, gradients):
            assert set(parameters) == set(gradients) == {"W1", "b1", "W2", "b2"}
            for k, P in parameters.items():
                P -= self.learning_rate * gradients[k]
    X, y, Y = _blobs(30, 4, 3)
    net = nnbook.NeuralNetwork([4, 5, 3], "tanh", "softmax", seed=3)
    ref = copy.deepcopy(net)
    net.train_step(X, Y, Halver())
    ref.train_step(X, Y, nnbook.SGD(0.1))
    for k in net.parameters:
        np.testing.assert_allclose(net.parameters[k], ref.parameters[k], rtol=1e-13)


# --------------------------------------------------------------------- validated once, up front
def test_fit_rejects_bad_validation_targets_before_training():
    X, y, Y = _blobs(60, 4, 3)
    net = nnbook.NeuralNetwork([4, 5, 3], "relu", "softmax", seed=0)
    before = {k: v.copy() for k, v in net.parameters.items()}
    with pytest.raises(ValueError, match="Y_val: .*probability distribution"):
        nnbook.fit(net, X, Y, X[:, :20], 2 * Y[:, :20], epochs=2, progress=False)
    assert all(np.array_equal(before[k], net.parameters[k]) for k in before)


def test_train_minibatch_rejects_bad_targets_up_front():
    X, y, Y = _blobs(60, 4, 3)
    net = nnbook.NeuralNetwork([4, 5, 3], "relu", "softmax", seed=0)
    with pytest.raises(ValueError, match="one_hot"):
        net.train_minibatch(X, Y * 0.5, optimizer="adam", epochs=1)
    sig = nnbook.NeuralNetwork([4, 5, 1], "relu", "sigmoid", seed=0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        sig.train_minibatch(X, 2.0 * (y > 0), optimizer="adam", epochs=1)


@pytest.mark.parametrize("bad", ["adam", {"learning_rate": 0.1}, None, 0.01])
def test_train_step_wants_an_optimizer_object(bad):
    X, y, Y = _blobs(10, 4, 3)
    net = nnbook.NeuralNetwork([4, 5, 3], "relu", "softmax", seed=0)
    with pytest.raises(TypeError, match="optimizer must be an Optimizer"):
        net.train_step(X, Y, bad)


@pytest.mark.parametrize("value", [np.inf, np.nan])
def test_train_step_and_forward_refuse_nonfinite_inputs(value):
    X, y, Y = _blobs(10, 4, 3)
    X[1, 2] = value
    net = nnbook.NeuralNetwork([4, 5, 3], "tanh", "softmax", seed=0)
    before = {k: v.copy() for k, v in net.parameters.items()}
    with pytest.raises(ValueError, match="X_batch contains NaN or infinite"):
        net.train_step(X, Y, nnbook.SGD(0.1))
    with pytest.raises(ValueError, match="X contains NaN or infinite"):
        net.forward(X)
    assert all(np.array_equal(before[k], net.parameters[k]) for k in before)


@pytest.mark.parametrize("update", ["optimizer", "update_parameters"])
def test_nonfinite_gradients_are_refused_and_nothing_changes(update):
    net = nnbook.NeuralNetwork([2, 3, 1], seed=0)
    grads = {k: np.ones_like(v) for k, v in net.parameters.items()}
    grads["W2"][0, 1] = np.nan
    before = {k: v.copy() for k, v in net.parameters.items()}
    with pytest.raises(ValueError, match=r"gradients\['W2'\] contains NaN or inf"):
        if update == "optimizer":
            nnbook.AdamOptimizer(0.1).update(net.parameters, grads)
        else:
            net.update_parameters(grads, 0.1)
    assert all(np.array_equal(before[k], net.parameters[k]) for k in before)


def test_optimizer_update_wants_dicts():
    with pytest.raises(TypeError, match="parameters must be a dict"):
        nnbook.SGD(0.1).update([np.zeros(2)], {"W": np.zeros(2)})
    with pytest.raises(TypeError, match="gradients must be a dict"):
        nnbook.SGD(0.1).update({"W": np.zeros(2)}, None)


def test_create_mini_batches_gathers_the_permuted_columns():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 23)), rng.normal(size=(2, 23))
    perm = np.random.default_rng(7).permutation(23)
    for layout in (X, np.asfortranarray(X)):
        batches = list(nnbook.create_mini_batches(layout, Y, 10, rng=7))
        assert [b[0].shape[1] for b in batches] == [10, 10, 3]
        for i, (Xb, Yb) in enumerate(batches):
            idx = perm[10 * i:10 * i + 10]
            assert np.array_equal(Xb, X[:, idx]) and np.array_equal(Yb, Y[:, idx])
