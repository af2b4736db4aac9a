"""Tests of the §3.7 exercise checkers (nnbook.exercises.s37._EXERCISES): correct attempts written from the
starter code pass, untouched skeletons are "not attempted", and typical wrong attempts are rejected
with their diagnosis."""
import numpy as np
import pytest

import nnbook
from nnbook.exercises import check


# ------------------------------------------------------------------------------ 3.7a: correct attempt
def one_hot(labels, n_classes):
    """One-hot columns, shape (n_classes, m): Y[k, i] = 1 if labels[i] == k."""
    Y = np.zeros((n_classes, len(labels)))
    for i, label in enumerate(labels):
        Y[label, i] = 1.0
    return Y


def accuracy(Y, A):
    """Fraction of columns whose largest entry of A is in the row of Y's 1."""
    return float(np.sum(np.argmax(A, axis=0) == np.argmax(Y, axis=0))) / Y.shape[1]


def fit_early_stopping(net, optimizer, X, Y, X_val, Y_val, epochs=30, batch_size=64, patience=5, seed=0):
    rng = np.random.default_rng(seed)
    val_accs = []
    best_acc, best_params, bad_epochs = None, None, 0
    for epoch in range(epochs):
        for Xb, Yb in nnbook.create_mini_batches(X, Y, batch_size, rng):
            net.train_step(Xb, Yb, optimizer)
        A_val, _ = net.forward(X_val)
        acc = accuracy(Y_val, A_val)
        val_accs.append(acc)
        if best_acc is None or acc > best_acc:
            best_acc, bad_epochs = acc, 0
            best_params = {k: v.copy() for k, v in net.parameters.items()}
        else:
            bad_epochs += 1
        if bad_epochs >= patience:
            break
    for k, v in best_params.items():
        net.parameters[k] = v
    return val_accs


def _a(**overrides):
    objs = dict(one_hot=one_hot, accuracy=accuracy, fit_early_stopping=fit_early_stopping)
    objs.update(overrides)
    return check("3.7a", **objs)


def _failed(r, *phrases, hint=None):
    """The attempt failed, its verdict holds every phrase, and `hint` (if given) is in its targeted hint."""
    from nnbook.exercises.core import _targeted_hints
    assert r.status in ("failed", "error") and not r, (r.status, r.message)
    for p in phrases:
        assert p in r.message, (p, r.message)
    targeted = _targeted_hints.get(r.exercise)
    if hint is not None:
        assert targeted and hint in targeted, (hint, targeted)
    for code in ("np.sum(", "axis=0)", ".copy()", "rng.random(A.shape) <", "dA * D", "+ lam *"):
        assert code not in r.message, (code, r.message)             # a diagnosis, never the fix


def test_37a_correct_attempt_passes():
    r = _a()
    assert r and r.status == "passed"


def test_37a_untouched_skeleton_is_not_attempted():
    def one_hot(labels, n_classes):
        raise NotImplementedError

    def accuracy(Y, A):
        raise NotImplementedError

    def fit_early_stopping(net, optimizer, X, Y, X_val, Y_val, epochs=30, batch_size=64, patience=5,
                           seed=0):
        rng = np.random.default_rng(seed)
        val_accs = []
        raise NotImplementedError
    r = check("3.7a", one_hot=one_hot, accuracy=accuracy, fit_early_stopping=fit_early_stopping)
    assert r.status == "not attempted" and not r


def test_37a_one_hot_transposed():
    _failed(_a(one_hot=lambda labels, n: one_hot(labels, n).T), "transposed")


def test_37a_one_hot_from_largest_label():
    _failed(_a(one_hot=lambda labels, n: one_hot(labels, int(np.max(labels)) + 1)), "n_classes rows", hint="How many rows")


def test_37a_accuracy_as_percentage():
    _failed(_a(accuracy=lambda Y, A: 100 * accuracy(Y, A)), "percentage")


def test_37a_accuracy_counts():
    _failed(_a(accuracy=lambda Y, A: np.sum(A.argmax(axis=0) == Y.argmax(axis=0))), "not their count")


def test_37a_accuracy_wrong_axis():
    _failed(_a(accuracy=lambda Y, A: np.mean(A.argmax(axis=1) == Y.argmax(axis=1))), "of each row",
            hint="columns")


def test_37a_accuracy_error_rate():
    _failed(_a(accuracy=lambda Y, A: 1 - accuracy(Y, A)), "error rate", hint="Count the columns")


def test_37a_accuracy_array():
    _failed(_a(accuracy=lambda Y, A: A.argmax(axis=0) == Y.argmax(axis=0)), "one number")


def test_37a_one_hot_integer_dtype_passes():
    """The statement leaves the dtype open: integer one-hot columns are right too."""
    def one_hot_int(labels, n_classes):
        Y = np.zeros((n_classes, len(labels)), dtype=int)
        Y[labels, np.arange(len(labels))] = 1
        return Y
    assert _a(one_hot=one_hot_int)


def _loop(improved=lambda acc, best: acc > best, stop=lambda wait, patience: wait >= patience,
          restore=True, copy=True, training=False, use_train=False, reset=True, scale=1.0, drop_last=False):
    """A family of epoch loops with one typical slip each."""
    def fit(net, optimizer, X, Y, X_val, Y_val, epochs=30, batch_size=64, patience=5, seed=0):
        rng = np.random.default_rng(seed)
        val_accs, best, saved, wait = [], -1.0, None, 0
        for epoch in range(epochs):
            for Xb, Yb in nnbook.create_mini_batches(X, Y, batch_size, rng):
                net.train_step(Xb, Yb, optimizer)
            if use_train:
                acc = accuracy(Y, net.forward(X)[0])
            else:
                acc = accuracy(Y_val, net.forward(X_val, training=training)[0])
            val_accs.append(scale * acc)
            if improved(acc, best):
                best, wait = acc, (0 if reset else wait)
                saved = {k: (P.copy() if copy else P) for k, P in net.parameters.items()}
            else:
                wait += 1
                if stop(wait, patience):
                    break
        if restore:
            for k, P in saved.items():
                net.parameters[k] = P
        return val_accs[:-1] if drop_last else val_accs
    return fit


def test_37a_loop_correct_variant_passes():
    assert _a(fit_early_stopping=_loop())


def test_37a_never_stops():
    _failed(_a(fit_early_stopping=_loop(stop=lambda w, p: False)), "never stopped early", "patience=",
            hint="reaches patience")


def test_37a_ties_count_as_improvement():
    _failed(_a(fit_early_stopping=_loop(improved=lambda a, b: a >= b)), "only equals the best", hint="strictly better")


def test_37a_one_epoch_too_many():
    _failed(_a(fit_early_stopping=_loop(stop=lambda w, p: w > p)), "one epoch too many", hint="Stop as soon as")


def test_37a_stops_at_first_bad_epoch():
    _failed(_a(fit_early_stopping=_loop(stop=lambda w, p: w >= 1)), "first epoch without improvement",
            hint="in a row")


def test_37a_stops_one_epoch_too_early():
    _failed(_a(fit_early_stopping=_loop(stop=lambda w, p: w >= p - 1)), "one epoch too early",
            hint="Allow")


def test_37a_count_never_reset():
    _failed(_a(fit_early_stopping=_loop(reset=False)), "should have stopped after epoch",
            hint="start again")


def test_37a_loop_returns_percentages():
    _failed(_a(fit_early_stopping=_loop(scale=100.0)), "100 times", "percentages")


def test_37a_loop_drops_last_accuracy():
    _failed(_a(fit_early_stopping=_loop(drop_last=True)), "accuracies for", "epochs run",
            hint="including the last")


def test_37a_best_parameters_not_restored():
    _failed(_a(fit_early_stopping=_loop(restore=False)), "last epoch", hint="write them back")


def test_37a_parameters_saved_without_copy():
    _failed(_a(fit_early_stopping=_loop(copy=False)), "last epoch", hint="copies (new arrays)")


def test_37a_validation_in_training_mode():
    _failed(_a(fit_early_stopping=_loop(training=True)), "training mode", hint="inference mode")


def test_37a_training_accuracy_instead_of_validation():
    _failed(_a(fit_early_stopping=_loop(use_train=True)), "validation set", hint="X_val")


def test_37a_forgot_to_train():
    def fit(net, optimizer, X, Y, X_val, Y_val, epochs=30, batch_size=64, patience=5, seed=0):
        rng = np.random.default_rng(seed)
        accs = []
        for epoch in range(epochs):
            for Xb, Yb in nnbook.create_mini_batches(X, Y, batch_size, rng):
                pass
            accs.append(accuracy(Y_val, net.forward(X_val)[0]))
        return accs
    _failed(_a(fit_early_stopping=fit), "never called net.train_step", hint="every mini-batch")


def test_37a_learner_exception_is_one_line():
    def fit(net, optimizer, X, Y, X_val, Y_val, epochs=30, batch_size=64, patience=5, seed=0):
        return net.parameterz
    r = _a(fit_early_stopping=fit)
    assert r.status == "error" and "AttributeError" in r.message and "\n" not in r.message


# ------------------------------------------------------------------------------ 3.7b: open-ended
def test_37b_is_unchecked():
    r = check("3.7b", plot_training_curves=lambda history: None)
    assert r.status == "unchecked" and not r


# ------------------------------------------------------------------------------ 3.7c
def l2_penalty(parameters, lam):
    total = 0.0
    for name, W in parameters.items():
        if name[0] == "W":
            total += np.sum(W * W)
    return 0.5 * lam * total


def l2_gradients(grads, parameters, lam):
    out = {}
    for name, G in grads.items():
        out[name] = G + lam * parameters[name] if name[0] == "W" else G.copy()
    return out


def dropout_forward(A, keep_prob, rng, training=True):
    if not training:
        return A, None
    u = rng.random(A.shape)
    D = np.where(u < keep_prob, 1.0 / keep_prob, 0.0)
    return A * D, D


def dropout_backward(dA, D):
    return D * dA


def _c(**overrides):
    objs = dict(l2_penalty=l2_penalty, l2_gradients=l2_gradients, dropout_forward=dropout_forward,
                dropout_backward=dropout_backward)
    objs.update(overrides)
    return check("3.7c", **objs)


def test_37c_correct_attempt_passes():
    r = _c()
    assert r and r.status == "passed"


def test_37c_untouched_skeleton_is_not_attempted():
    def skeleton(*args, **kwargs):
        raise NotImplementedError
    r = check("3.7c", l2_penalty=skeleton, l2_gradients=skeleton, dropout_forward=skeleton,
              dropout_backward=skeleton)
    assert r.status == "not attempted" and not r


def test_37c_penalty_without_half():
    _failed(_c(l2_penalty=lambda p, lam: 2 * l2_penalty(p, lam)), "lam / 2")


def test_37c_penalty_includes_biases():
    _failed(_c(l2_penalty=lambda p, lam: lam / 2 * sum(np.sum(P ** 2) for P in p.values())), "biases",
            hint="weight matrices only")


def test_37c_penalty_with_norms():
    _failed(_c(l2_penalty=lambda p, lam: lam / 2 * sum(np.linalg.norm(P) for k, P in p.items()
                                                       if k[0] == "W")), "not their squares",
            hint="squared Frobenius")


def test_37c_gradient_regularises_biases():
    _failed(_c(l2_gradients=lambda g, p, lam: {k: G + lam * p[k] for k, G in g.items()}), "b1",
            hint="weights only")


def test_37c_gradient_twice_lambda():
    _failed(_c(l2_gradients=lambda g, p, lam: {k: G + 2 * lam * p[k] if k[0] == "W" else G
                                               for k, G in g.items()}), "2 * lam * W", hint="1/2 cancels")


def test_37c_gradient_subtracts():
    _failed(_c(l2_gradients=lambda g, p, lam: {k: G - lam * p[k] if k[0] == "W" else G
                                               for k, G in g.items()}), "subtracted", hint="sign")


def test_37c_gradient_divided_by_m():
    m = 8        # the page's penalty has no 1/m: J = mean loss + lam/2 ||W||^2, gradient lam * W
    r = _c(l2_gradients=lambda g, p, lam: {k: G + lam * p[k] / m if k[0] == "W" else G for k, G in g.items()})
    _failed(r, "the gradient W1")


def test_37c_gradient_in_place():
    def l2g(g, p, lam):
        for k in g:
            if k[0] == "W":
                g[k] += lam * p[k]
        return g
    _failed(_c(l2_gradients=l2g), "in place", hint="new results")


def test_37c_gradient_changes_parameters():
    def l2g(g, p, lam):
        for k in p:
            if k[0] == "W":
                p[k] *= 1 - lam                       # a weight-decay step, not a gradient
        return l2_gradients(g, p, lam)
    _failed(_c(l2_gradients=l2g), "changed the parameters", hint="optimizer")


def test_37c_gradient_drops_the_biases():
    _failed(_c(l2_gradients=lambda g, p, lam: {k: G + lam * p[k] for k, G in g.items() if k[0] == "W"}),
            "keys of grads")


def test_37c_gradient_backprop_part_lost():
    _failed(_c(l2_gradients=lambda g, p, lam: {k: lam * p[k] if k[0] == "W" else G for k, G in g.items()}),
            "lam * W alone", hint="plus")


def test_37c_gradient_unchanged():
    _failed(_c(l2_gradients=lambda g, p, lam: {k: G.copy() for k, G in g.items()}), "unchanged",
            hint="Every weight gradient")


def test_37c_gradient_sharing_bias_arrays_passes():
    """The statement asks for a new dict; sharing the untouched bias arrays is fine."""
    assert _c(l2_gradients=lambda g, p, lam: {k: G + lam * p[k] if k[0] == "W" else G for k, G in g.items()})


def test_37c_dropout_forgot_scaling():
    def fwd(A, keep_prob, rng, training=True):
        if not training:
            return A, None
        D = (rng.random(A.shape) < keep_prob).astype(float)
        return A * D, D
    _failed(_c(dropout_forward=fwd), "only 0 and 1", hint="expected activation")


def test_37c_dropout_keeps_wrong_fraction():
    def fwd(A, keep_prob, rng, training=True):
        if not training:
            return A, None
        D = (rng.random(A.shape) < 1 - keep_prob) / keep_prob
        return A * D, D
    _failed(_c(dropout_forward=fwd), "were kept", hint="below keep_prob")


def test_37c_dropout_at_test_time():
    def fwd(A, keep_prob, rng, training=True):
        D = (rng.random(A.shape) < keep_prob) / keep_prob
        return A * D, D
    _failed(_c(dropout_forward=fwd), "training=False")


def test_37c_dropout_scaled_at_test_time():
    def fwd(A, keep_prob, rng, training=True):
        if not training:
            return keep_prob * A, None
        return dropout_forward(A, keep_prob, rng)
    _failed(_c(dropout_forward=fwd), "multiplied by keep_prob", hint="original dropout")


def test_37c_dropout_multiplies_by_keep_prob():
    def fwd(A, keep_prob, rng, training=True):
        if not training:
            return A, None
        D = (rng.random(A.shape) < keep_prob) * keep_prob
        return A * D, D
    _failed(_c(dropout_forward=fwd), "holds keep_prob", hint="divides")


def test_37c_dropout_mask_at_inference():
    def fwd(A, keep_prob, rng, training=True):
        if not training:
            return A, np.ones_like(A)
        return dropout_forward(A, keep_prob, rng)
    _failed(_c(dropout_forward=fwd), "not None", hint="no mask")


def test_37c_dropout_returns_only_the_activations():
    def fwd(A, keep_prob, rng, training=True):
        return dropout_forward(A, keep_prob, rng, training)[0]
    _failed(_c(dropout_forward=fwd), "pair")


def test_37c_dropout_ignores_rng():
    def fwd(A, keep_prob, rng, training=True):
        if not training:
            return A, None
        D = (np.random.rand(*A.shape) < keep_prob) / keep_prob
        return A * D, D
    _failed(_c(dropout_forward=fwd), "generator rng", hint="rng.random")


def test_37c_backward_new_mask():
    def back(dA, D):
        keep = 1 / D.max()
        return dA * (np.random.default_rng(99).random(dA.shape) < keep) / keep
    _failed(_c(dropout_backward=back), "other units", hint="never a new random one")


def test_37c_backward_without_mask():
    _failed(_c(dropout_backward=lambda dA, D: dA.copy()), "unchanged", hint="took no part")


def test_37c_backward_unscaled_mask():
    _failed(_c(dropout_backward=lambda dA, D: dA * (D > 0)), "1 / keep_prob", hint="already holds")


@pytest.mark.parametrize("exercise", ["3.7a", "3.7b", "3.7c"])
def test_registry_entries_have_three_hints_and_a_solution(exercise):
    from nnbook.exercises.s37 import _EXERCISES
    e = _EXERCISES[exercise]
    assert len(e["hints"]) == 3 and e["solution"] and e["title"]
    if e["check"] is not None:
        assert e.get("reveals") == 3          # the last staged hint gives the answer away


def test_checks_are_fast():
    import time
    t0 = time.perf_counter()
    _a()
    _c()
    assert time.perf_counter() - t0 < 5
