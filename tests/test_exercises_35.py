"""Tests of the §3.5 exercise checkers (nnbook.exercises.s35._EXERCISES): correct attempts written from the starter
code pass, the untouched starter is "not attempted", and typical wrong attempts are rejected with their
diagnosis."""
import json
import time
from pathlib import Path

import numpy as np
import pytest

import nnbook
from nnbook.exercises import check, hint, solution

NB = Path(__file__).resolve().parents[1] / "nbs" / "05_mlp.ipynb"


# ------------------------------------------------------------------ 3.5a: correct attempts (from the starter)
compute_loss = nnbook.binary_cross_entropy   # as the starter code sets it


def update_parameters(parameters, gradients, learning_rate):
    """Gradient descent in place."""
    for key in parameters:
        parameters[key] -= learning_rate * gradients[key]


def train(net, X, Y, learning_rate=0.01, epochs=1000):
    """Full-batch gradient descent; the loss of every epoch, before its update."""
    losses = []
    for epoch in range(epochs):
        A, cache = net.forward(X)
        loss, dA = compute_loss(A, Y)
        losses.append(float(loss))
        gradients = net.backward(dA, cache)
        update_parameters(net.parameters, gradients, learning_rate)
    return losses


def _a(train=train, update_parameters=update_parameters):
    return check("3.5a", train=train, update_parameters=update_parameters)


def _failed(r, *phrases):
    assert r.status in ("failed", "error") and not r, (r.status, r.message)
    for p in phrases:
        assert p in r.message, (p, r.message)


def test_35a_correct_attempt_passes():
    r = _a()
    assert r and r.status == "passed"


def test_35a_other_correct_styles_pass():
    def update_items(parameters, gradients, learning_rate):
        for key, P in parameters.items():
            P -= learning_rate * gradients[key]          # in place through the loop variable

    def own_loss(A, Y):                                  # a hand-written binary cross-entropy (Exercise 3.4b)
        loss = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
        return loss, (A - Y) / (A * (1 - A))             # per-example dA

    def train_own_loss(net, X, Y, learning_rate=0.01, epochs=1000):
        losses = []
        for _ in range(epochs):
            A, cache = net.forward(X)
            loss, dA = own_loss(A, Y)
            losses.append(loss)                          # a NumPy float is fine
            update_items(net.parameters, net.backward(dA, cache), learning_rate)
        return np.array(losses)                          # an array is fine too

    assert _a(train=train_own_loss, update_parameters=update_items)


def test_35a_check_is_fast():
    start = time.perf_counter()
    _a()
    assert time.perf_counter() - start < 2


def _starter_namespace(exercise):
    """Execute the exercise's starter cell from the chapter notebook, as a learner would run it."""
    nb = json.loads(NB.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        tags = cell["metadata"].get("tags", [])
        src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if "exercise-starter" in tags:
            heading = [c for c in nb["cells"][: nb["cells"].index(cell)] if "exercise" in c["metadata"].get("tags", [])
                       and c["cell_type"] == "markdown"][-1]
            text = heading["source"] if isinstance(heading["source"], str) else "".join(heading["source"])
            if f"Exercise {exercise}" in text:
                ns = {}
                exec(compile(src, f"<starter {exercise}>", "exec"), ns)
                return ns
    raise AssertionError(f"no starter cell for {exercise}")


def test_35a_untouched_starter_is_not_attempted():
    ns = _starter_namespace("3.5a")
    r = check("3.5a", train=ns["train"], update_parameters=ns["update_parameters"])
    assert r.status == "not attempted" and not r


def test_35a_train_skeleton_with_finished_update_is_not_attempted():
    ns = _starter_namespace("3.5a")
    r = check("3.5a", train=ns["train"], update_parameters=update_parameters)
    assert r.status == "not attempted" and not r


def test_35b_35c_starters_run_and_are_unchecked():
    for eid in ("3.5b", "3.5c"):
        _starter_namespace(eid)                          # executes without an exception
        r = check(eid)
        assert r.status == "unchecked" and not r


# ------------------------------------------------------------------ 3.5a: wrong update_parameters
def test_35a_update_wrong_sign():
    def up(parameters, gradients, learning_rate):
        for key in parameters:
            parameters[key] += learning_rate * gradients[key]
    _failed(_a(update_parameters=up), "wrong sign")


def test_35a_update_learning_rate_twice():
    def up(parameters, gradients, learning_rate):
        for key in parameters:
            parameters[key] -= learning_rate * (learning_rate * gradients[key])
    _failed(_a(update_parameters=up), "learning rate is applied twice")


def test_35a_update_lost():
    def up(parameters, gradients, learning_rate):
        for key, P in parameters.items():
            P = P - learning_rate * gradients[key]       # rebinds the loop variable only
    _failed(_a(update_parameters=up), "update is lost")


def test_35a_update_returns_new_dict():
    def up(parameters, gradients, learning_rate):
        return {key: P - learning_rate * gradients[key] for key, P in parameters.items()}
    _failed(_a(update_parameters=up), "update is lost")


def test_35a_update_not_in_place():
    def up(parameters, gradients, learning_rate):
        for key in parameters:
            parameters[key] = parameters[key] - learning_rate * gradients[key]
    _failed(_a(update_parameters=up), "in place")


def test_35a_update_without_learning_rate():
    def up(parameters, gradients, learning_rate):
        for key in parameters:
            parameters[key] -= gradients[key]
    _failed(_a(update_parameters=up), "multiply it by learning_rate")


def test_35a_update_modifies_gradients():
    def up(parameters, gradients, learning_rate):
        for key in parameters:
            gradients[key] *= learning_rate
            parameters[key] -= gradients[key]
    _failed(_a(update_parameters=up), "changed the gradients")


# ------------------------------------------------------------------ 3.5a: wrong train
def test_35a_train_returns_accuracy():
    def tr(net, X, Y, learning_rate=0.01, epochs=1000):
        accuracies = []
        for _ in range(epochs):
            A, cache = net.forward(X)
            loss, dA = compute_loss(A, Y)
            accuracies.append(float(np.mean((A >= 0.5) == Y)))
            update_parameters(net.parameters, net.backward(dA, cache), learning_rate)
        return accuracies
    _failed(_a(train=tr), "accuracy")


def test_35a_train_forgot_to_average_the_loss():
    def summed_loss(A, Y):
        loss = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))    # the sum, not the mean
        return loss, (A - Y) / (A * (1 - A))

    def tr(net, X, Y, learning_rate=0.01, epochs=1000):
        losses = []
        for _ in range(epochs):
            A, cache = net.forward(X)
            loss, dA = summed_loss(A, Y)
            losses.append(float(loss))
            update_parameters(net.parameters, net.backward(dA, cache), learning_rate)
        return losses
    _failed(_a(train=tr), "average over the batch")


def test_35a_train_update_wrong_sign():
    def tr(net, X, Y, learning_rate=0.01, epochs=1000):
        losses = []
        for _ in range(epochs):
            A, cache = net.forward(X)
            loss, dA = compute_loss(A, Y)
            losses.append(float(loss))
            grads = net.backward(dA, cache)
            for key in net.parameters:
                net.parameters[key] += learning_rate * grads[key]
        return losses
    _failed(_a(train=tr), "wrong sign")


def test_35a_train_learning_rate_twice():
    def tr(net, X, Y, learning_rate=0.01, epochs=1000):
        losses = []
        for _ in range(epochs):
            A, cache = net.forward(X)
            loss, dA = compute_loss(A, Y)
            losses.append(float(loss))
            grads = net.backward(dA, cache)
            steps = {key: learning_rate * G for key, G in grads.items()}
            update_parameters(net.parameters, steps, learning_rate)
        return losses
    _failed(_a(train=tr), "learning rate is applied twice")


def test_35a_train_updates_twice():
    def tr(net, X, Y, learning_rate=0.01, epochs=1000):
        losses = []
        for _ in range(epochs):
            A, cache = net.forward(X)
            loss, dA = compute_loss(A, Y)
            losses.append(float(loss))
            grads = net.backward(dA, cache)
            update_parameters(net.parameters, grads, learning_rate)
            update_parameters(net.parameters, grads, learning_rate)
        return losses
    _failed(_a(train=tr), "twice per epoch")


def test_35a_train_never_updates():
    def tr(net, X, Y, learning_rate=0.01, epochs=1000):
        losses = []
        params = {k: P.copy() for k, P in net.parameters.items()}   # updates a copy: the network never changes
        for _ in range(epochs):
            A, cache = net.forward(X)
            loss, dA = compute_loss(A, Y)
            losses.append(float(loss))
            update_parameters(params, net.backward(dA, cache), learning_rate)
        return losses
    _failed(_a(train=tr), "never changes")


def test_35a_train_loss_recorded_after_update():
    def tr(net, X, Y, learning_rate=0.01, epochs=1000):
        losses = []
        for _ in range(epochs):
            A, cache = net.forward(X)
            loss, dA = compute_loss(A, Y)
            update_parameters(net.parameters, net.backward(dA, cache), learning_rate)
            losses.append(float(compute_loss(net.forward(X)[0], Y)[0]))
        return losses
    _failed(_a(train=tr), "one epoch late")


def test_35a_train_appends_dA():
    def tr(net, X, Y, learning_rate=0.01, epochs=1000):
        losses = []
        for _ in range(epochs):
            A, cache = net.forward(X)
            loss, dA = compute_loss(A, Y)
            losses.append(np.asarray(dA))
            update_parameters(net.parameters, net.backward(dA, cache), learning_rate)
        return losses
    _failed(_a(train=tr), "append A or dA")


def test_35a_train_one_epoch_short():
    def tr(net, X, Y, learning_rate=0.01, epochs=1000):
        losses = []
        for _ in range(epochs - 1):
            A, cache = net.forward(X)
            loss, dA = compute_loss(A, Y)
            losses.append(float(loss))
            update_parameters(net.parameters, net.backward(dA, cache), learning_rate)
        return losses
    _failed(_a(train=tr), "5 losses for 6 epochs")


def test_35a_train_exception_is_one_line():
    def tr(net, X, Y, learning_rate=0.01, epochs=1000):
        losses = []
        for _ in range(epochs):
            A, cache = net.forward(X.T)                  # transposed input: a shape error inside forward
            losses.append(0.0)
        return losses
    r = _a(train=tr)
    assert r.status == "error" and "raised" in r.message and "\n" not in r.message


# ------------------------------------------------------------------ hints and solutions
@pytest.mark.parametrize("eid", ["3.5a", "3.5b", "3.5c"])
def test_35_hints_are_staged_and_solution_points_to_the_page(eid, capsys):
    hint(eid, reset=True)
    hint(eid)
    hint(eid)
    hint(eid)
    out = capsys.readouterr().out
    assert "Hint 1 of 3" in out and "Hint 3 of 3" in out and "last hint" in out
    solution(eid)
    out = capsys.readouterr().out
    assert "05_mlp.html#ex-3-5" in out


def test_35_registry():
    from nnbook.exercises.s35 import _EXERCISES
    assert set(_EXERCISES) == {"3.5a", "3.5b", "3.5c"}
    assert _EXERCISES["3.5a"]["names"] == ("train", "update_parameters")
    assert _EXERCISES["3.5b"]["check"] is None and _EXERCISES["3.5c"]["check"] is None
    assert all(len(e["hints"]) == 3 and e["solution"] for e in _EXERCISES.values())
