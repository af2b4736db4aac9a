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
    """The attempt fails, its verdict holds every phrase, and the check left a targeted hint that is a
    nudge, not the fixed code."""
    from nnbook.exercises.core import _targeted_hints
    assert r.status in ("failed", "error") and not r, (r.status, r.message)
    for p in phrases:
        assert p in r.message, (p, r.message)
    if r.status == "failed":
        targeted = _targeted_hints.get("3.5a")
        assert targeted, f"no targeted hint for: {r.message}"
        for code in ("-=", "+=", "learning_rate *", "* gradients["):
            assert code not in targeted, (code, targeted)
    for code in ("-=", "+=", "learning_rate *", "* gradients["):
        assert code not in r.message, (code, r.message)
    return r


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


def test_35a_choices_the_statement_leaves_open_pass():
    """Returning the dict as well, looping over the gradients' keys, and training with training=True
    are all correct: the statement does not fix them."""
    def update_and_return(parameters, gradients, learning_rate):
        for key in gradients:
            parameters[key] -= learning_rate * gradients[key]
        return parameters

    def train_tuple(net, X, Y, learning_rate=0.01, epochs=1000):
        losses = []
        for _ in range(epochs):
            A, cache = net.forward(X, training=True)
            loss, dA = compute_loss(A, Y)
            losses.append(loss)
            update_and_return(net.parameters, net.backward(dA, cache), learning_rate)
        return tuple(losses)

    assert _a(train=train_tuple, update_parameters=update_and_return)


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
# One wrong attempt per requirement of the statement; each names its bug and no other bug's diagnosis.
def up_wrong_sign(parameters, gradients, learning_rate):
    for key in parameters:
        parameters[key] += learning_rate * gradients[key]


def up_learning_rate_twice(parameters, gradients, learning_rate):
    for key in parameters:
        parameters[key] -= learning_rate * (learning_rate * gradients[key])


def up_rebinds(parameters, gradients, learning_rate):
    for key, P in parameters.items():
        P = P - learning_rate * gradients[key]           # rebinds the loop variable only


def up_returns_new_dict(parameters, gradients, learning_rate):
    return {key: P - learning_rate * gradients[key] for key, P in parameters.items()}


def up_not_in_place(parameters, gradients, learning_rate):
    for key in parameters:
        parameters[key] = parameters[key] - learning_rate * gradients[key]


def up_without_learning_rate(parameters, gradients, learning_rate):
    for key in parameters:
        parameters[key] -= gradients[key]


def up_modifies_gradients(parameters, gradients, learning_rate):
    for key in parameters:
        gradients[key] *= learning_rate
        parameters[key] -= gradients[key]


def up_weights_only(parameters, gradients, learning_rate):
    for key in parameters:
        if key.startswith("W"):                           # forgets the biases
            parameters[key] -= learning_rate * gradients[key]


def up_step_twice(parameters, gradients, learning_rate):
    for _ in range(2):
        for key in parameters:
            parameters[key] -= learning_rate * gradients[key]


def up_drops_a_key(parameters, gradients, learning_rate):
    for key in parameters:
        parameters[key] -= learning_rate * gradients[key]
    parameters.pop("b2")


UPDATE_BUGS = {   # wrong attempt -> the phrase of its diagnosis
    up_wrong_sign: "points the wrong way",
    up_learning_rate_twice: "learning_rate times too large",
    up_rebinds: "update is lost",
    up_returns_new_dict: "update is lost",
    up_not_in_place: "not in place",
    up_without_learning_rate: "learning rate is missing",
    up_modifies_gradients: "gradients changed",
    up_weights_only: "did not move",
    up_step_twice: "step is taken twice",
    up_drops_a_key: "lost or gained keys",
}


@pytest.mark.parametrize("up", list(UPDATE_BUGS), ids=lambda f: f.__name__)
def test_35a_wrong_update_is_named_and_only_its_bug(up):
    r = _failed(_a(update_parameters=up), UPDATE_BUGS[up], "learning rate 0.3")
    for other in set(UPDATE_BUGS.values()) - {UPDATE_BUGS[up]}:
        assert other not in r.message, (other, r.message)


# ------------------------------------------------------------------ 3.5a: wrong train
def _loop(step, record="before", loss_fn=None, n_updates=1, what="loss", n_epochs=None, copy_net=False):
    """A train with one bug: `step(lr)` the step size, where the loss is recorded, which loss, how often
    it updates, what it records, how many epochs it runs, and whether it trains a copy of the network."""
    import copy

    def tr(net, X, Y, learning_rate=0.01, epochs=1000):
        if copy_net:
            net = copy.deepcopy(net)
        out = []
        for _ in range(epochs if n_epochs is None else n_epochs):
            A, cache = net.forward(X)
            loss, dA = (loss_fn or compute_loss)(A, Y)
            if record == "before":
                out.append({"loss": float(np.mean(loss)) if what == "loss" else 0.0,
                            "accuracy": float(np.mean((A >= 0.5) == Y)),
                            "dA": np.asarray(dA)}[what])
            grads = net.backward(dA, cache)
            for _ in range(n_updates):
                for key in net.parameters:
                    net.parameters[key] -= step(learning_rate) * grads[key]
            if record == "after":
                out.append(float(compute_loss(net.forward(X)[0], Y)[0]))
        return out
    return tr


def summed_loss(A, Y):
    loss = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))    # the sum, not the mean
    return loss, (A - Y) / (A * (1 - A))


def squared_loss(A, Y):                                      # not the loss the statement asks for
    return float(np.mean((A - Y) ** 2)), 2 * (A - Y)


def tr_never_updates(net, X, Y, learning_rate=0.01, epochs=1000):
    losses = []
    params = {k: P.copy() for k, P in net.parameters.items()}   # updates a copy: the network never changes
    for _ in range(epochs):
        A, cache = net.forward(X)
        loss, dA = compute_loss(A, Y)
        losses.append(float(loss))
        update_parameters(params, net.backward(dA, cache), learning_rate)
    return losses


TRAIN_BUGS = {   # name -> (wrong attempt, the phrase of its diagnosis)
    "returns accuracy": (_loop(lambda lr: lr, what="accuracy"), "accuracies of the epochs"),
    "sums the loss": (_loop(lambda lr: lr, loss_fn=summed_loss), "m = 8 times too large"),
    "wrong sign": (_loop(lambda lr: -lr), "wrong sign"),
    "learning rate twice": (_loop(lambda lr: lr * lr), "learning_rate²"),
    "updates twice": (_loop(lambda lr: lr, n_updates=2), "twice per epoch"),
    "never updates": (tr_never_updates, "never changes"),
    "records after the update": (_loop(lambda lr: lr, record="after"), "one epoch late"),
    "appends dA": (_loop(lambda lr: lr, what="dA"), "one number per epoch"),
    "one epoch short": (lambda net, X, Y, learning_rate=0.01, epochs=1000:
                        train(net, X, Y, learning_rate, epochs - 1), "5 losses for 6 epochs"),
    "ignores epochs": (lambda net, X, Y, learning_rate=0.01, epochs=1000:
                       train(net, X, Y, learning_rate, 1000), "1000 losses for 6 epochs"),
    "ignores learning_rate": (_loop(lambda lr: 0.01), "not the learning_rate argument"),
    "trains a copy": (_loop(lambda lr: lr, copy_net=True), "net.parameters never changed"),
    "another loss": (_loop(lambda lr: lr, loss_fn=squared_loss), "epoch 0, before any update"),
}


@pytest.mark.parametrize("bug", list(TRAIN_BUGS))
def test_35a_wrong_train_is_named_and_only_its_bug(bug):
    tr, phrase = TRAIN_BUGS[bug]
    r = _failed(_a(train=tr), phrase, "[2, 4, 1] network", "learning rate 0.3")
    for _, other in TRAIN_BUGS.values():
        if other != phrase:
            assert other not in r.message, (other, r.message)


def test_35a_update_diagnosis_survives_a_different_step_size():
    """The late-update diagnosis compares whole histories, so a mistake in the step is not called late."""
    r = _failed(_a(train=_loop(lambda lr: 1.7 * lr)), "differ from epoch 1 on")
    assert "one epoch late" not in r.message


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
    for _ in range(5):
        hint(eid)
    out = capsys.readouterr().out
    assert "Hint 1 of 3" in out and "Hint 3 of 3" in out and "last hint" in out
    if eid == "3.5a":                                    # the giveaway is announced before it is shown
        assert "gives the answer away" in out
        assert out.index("gives the answer away") < out.index("Hint 3 of 3 for Exercise 3.5a: ")
    solution(eid)
    out = capsys.readouterr().out
    assert "05_mlp.html#ex-3-5" in out


def test_35_registry():
    from nnbook.exercises.s35 import _EXERCISES
    assert set(_EXERCISES) == {"3.5a", "3.5b", "3.5c"}
    assert _EXERCISES["3.5a"]["names"] == ("train", "update_parameters")
    assert _EXERCISES["3.5b"]["check"] is None and _EXERCISES["3.5c"]["check"] is None
    assert all(len(e["hints"]) == 3 and e["solution"] for e in _EXERCISES.values())
