"""Tests of the §3.6 exercise checkers (nnbook.exercises.s36._EXERCISES): correct attempts written from the starter
code pass, the untouched starter is "not attempted", and typical wrong attempts are rejected with their
diagnosis."""
import json
import math
from pathlib import Path

import numpy as np
import pytest

import nnbook
from nnbook.exercises import check, hint, solution

NB = Path(__file__).resolve().parents[1] / "nbs" / "06_optimization.ipynb"


def _starter(names):
    """The starter cell of the page that defines `names`, executed: its namespace."""
    nb = json.loads(NB.read_text())
    for cell in nb["cells"]:
        if "exercise-starter" in cell["metadata"].get("tags", []):
            source = "".join(cell["source"])
            if all(f"def {n}" in source or f"class {n}" in source for n in names):
                ns = {}
                exec(compile(source, "<starter>", "exec"), ns)
                return ns
    raise AssertionError(f"no starter defines {names}")


def _failed(r, *phrases):
    assert r.status in ("failed", "error") and not r, (r.status, r.message)
    for p in phrases:
        assert p in r.message, (p, r.message)


# ------------------------------------------------------------------ 3.6a: correct attempts (from the starter)
compute_loss = nnbook.binary_cross_entropy   # as the starter sets it


def create_mini_batches(X, Y, batch_size, seed=None):
    m = X.shape[1]
    perm = np.random.default_rng(seed).permutation(m)
    for start in range(0, m, batch_size):
        idx = perm[start:start + batch_size]
        yield X[:, idx], Y[:, idx]


def train_sgd(net, X, Y, batch_size=32, epochs=100, learning_rate=0.01, seed=0):
    rng = np.random.default_rng(seed)
    losses = []
    for epoch in range(epochs):
        epoch_loss, num_batches = 0.0, 0
        for X_batch, Y_batch in create_mini_batches(X, Y, batch_size, rng):
            A, cache = net.forward(X_batch)
            batch_loss, dA = compute_loss(A, Y_batch)
            gradients = net.backward(dA, cache)
            for key in net.parameters:
                net.parameters[key] -= learning_rate * gradients[key]
            epoch_loss += batch_loss
            num_batches += 1
        losses.append(epoch_loss / num_batches)
    return losses


def _a(create_mini_batches=create_mini_batches, train_sgd=train_sgd):
    return check("3.6a", create_mini_batches=create_mini_batches, train_sgd=train_sgd)


def test_36a_correct_attempt_passes():
    r = _a()
    assert r and r.status == "passed"


def test_36a_list_returning_style_passes():
    def batches_list(X, Y, batch_size, seed=None):
        rng = np.random.default_rng(seed)
        idx = np.arange(X.shape[1])
        rng.shuffle(idx)
        return [(X[:, idx[k:k + batch_size]], Y[:, idx[k:k + batch_size]])
                for k in range(0, X.shape[1], batch_size)]

    def train_with(net, X, Y, batch_size=32, epochs=100, learning_rate=0.01, seed=0):
        rng = np.random.default_rng(seed)
        losses = []
        for _ in range(epochs):
            batch_losses = []
            for Xb, Yb in batches_list(X, Y, batch_size, rng):
                A, cache = net.forward(Xb)
                loss, dA = compute_loss(A, Yb)
                grads = net.backward(dA, cache)
                for k, P in net.parameters.items():
                    P -= learning_rate * grads[k]
                batch_losses.append(loss)
            losses.append(np.mean(batch_losses))
        return np.array(losses)

    assert _a(create_mini_batches=batches_list, train_sgd=train_with)


def test_36a_untouched_starter_is_not_attempted():
    ns = _starter(["create_mini_batches", "train_sgd"])
    r = _a(ns["create_mini_batches"], ns["train_sgd"])
    assert r.status == "not attempted" and not r


def test_36a_train_sgd_not_attempted_yet():
    ns = _starter(["create_mini_batches", "train_sgd"])
    r = _a(create_mini_batches, ns["train_sgd"])
    assert r.status == "not attempted"


# ------------------------------------------------------------------ 3.6a: wrong attempts, each with its diagnosis
def _drops_last(X, Y, batch_size, seed=None):
    m = X.shape[1]
    perm = np.random.default_rng(seed).permutation(m)
    for start in range(0, m - batch_size + 1, batch_size):       # loses the partial batch
        idx = perm[start:start + batch_size]
        yield X[:, idx], Y[:, idx]


def _with_replacement(X, Y, batch_size, seed=None):
    m = X.shape[1]
    rng = np.random.default_rng(seed)
    for start in range(0, m, batch_size):
        idx = rng.integers(0, m, size=min(batch_size, m - start))  # duplicates and losses
        yield X[:, idx], Y[:, idx]


def _two_permutations(X, Y, batch_size, seed=None):
    rng = np.random.default_rng(seed)
    m = X.shape[1]
    px, py = rng.permutation(m), rng.permutation(m)               # pairs broken
    for start in range(0, m, batch_size):
        yield X[:, px[start:start + batch_size]], Y[:, py[start:start + batch_size]]


def _rows(X, Y, batch_size, seed=None):
    perm = np.random.default_rng(seed).permutation(X.shape[1])
    for start in range(0, X.shape[1], batch_size):
        idx = perm[start:start + batch_size]
        yield X[idx], Y[idx]                                      # rows: features, not examples


def _transposed(X, Y, batch_size, seed=None):
    perm = np.random.default_rng(seed).permutation(X.shape[1])
    for start in range(0, X.shape[1], batch_size):
        idx = perm[start:start + batch_size]
        yield X.T[idx], Y.T[idx]                                  # examples in rows


def _no_shuffle(X, Y, batch_size, seed=None):
    for start in range(0, X.shape[1], batch_size):
        yield X[:, start:start + batch_size], Y[:, start:start + batch_size]


def _global_seed(X, Y, batch_size, seed=None):
    perm = np.random.default_rng().permutation(X.shape[1])        # ignores the seed
    for start in range(0, X.shape[1], batch_size):
        idx = perm[start:start + batch_size]
        yield X[:, idx], Y[:, idx]


def _shuffles_in_place(X, Y, batch_size, seed=None):
    rng = np.random.default_rng(seed)
    perm = rng.permutation(X.shape[1])
    X[...] = X[:, perm]                                            # destroys the caller's data
    Y[...] = Y[:, perm]
    for start in range(0, X.shape[1], batch_size):
        yield X[:, start:start + batch_size], Y[:, start:start + batch_size]


@pytest.mark.parametrize("attempt, phrase", [
    (_drops_last, "last, partial batch is missing"),
    (_with_replacement, "appear twice"),
    (_two_permutations, "pairs (x, y) are broken"),
    (_rows, "you picked rows (features)"),
    (_transposed, "examples in rows"),
    (_no_shuffle, "original order"),
    (_global_seed, "same seed gave different batches"),
    (_shuffles_in_place, "in place"),
])
def test_36a_wrong_mini_batches_are_diagnosed(attempt, phrase):
    _failed(_a(create_mini_batches=attempt), phrase)


def _train_variant(step_sign=1.0, reduce="mean", fixed_order=False):
    def train(net, X, Y, batch_size=32, epochs=100, learning_rate=0.01, seed=0):
        rng = np.random.default_rng(seed)
        losses = []
        for epoch in range(epochs):
            epoch_loss, num_batches = 0.0, 0
            for X_batch, Y_batch in create_mini_batches(X, Y, batch_size, seed if fixed_order else rng):
                A, cache = net.forward(X_batch)
                batch_loss, dA = compute_loss(A, Y_batch)
                gradients = net.backward(dA, cache)
                for key, P in net.parameters.items():
                    P += step_sign * learning_rate * gradients[key]
                epoch_loss += batch_loss
                num_batches += 1
            losses.append(epoch_loss / num_batches if reduce == "mean" else epoch_loss)
        return losses
    return train


@pytest.mark.parametrize("attempt, phrase", [
    (_train_variant(step_sign=+1.0), "move with the gradient"),
    (_train_variant(step_sign=-1.0, reduce="sum"), "sum of the batch losses, not their mean"),
    (_train_variant(step_sign=-1.0, fixed_order=True), "same order"),
])
def test_36a_wrong_training_loops_are_diagnosed(attempt, phrase):
    _failed(_a(train_sgd=attempt), phrase)


def test_36a_an_exception_is_one_line_naming_the_function():
    def broken(X, Y, batch_size, seed=None):
        m = X.shape[1]
        perm = np.random.default_rng(seed).permutation(m)
        for start in range(0, m, batch_size):
            yield X[:, perm[start:start + batch_size]], Y[:, perm[start:start + batch_size]] + undefined  # noqa: F821
    r = _a(create_mini_batches=broken)
    assert r.status == "error" and "create_mini_batches" in r.message and "NameError" in r.message


# ------------------------------------------------------------------ 3.6b
class AdamOptimizer:
    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.m = {}
        self.v = {}
        self.t = 0

    def update(self, parameters, gradients):
        self.t += 1
        for param_name in parameters:
            if param_name not in self.m:
                self.m[param_name] = np.zeros_like(parameters[param_name])
                self.v[param_name] = np.zeros_like(parameters[param_name])
            g = gradients[param_name]
            self.m[param_name] = self.beta1 * self.m[param_name] + (1 - self.beta1) * g
            self.v[param_name] = self.beta2 * self.v[param_name] + (1 - self.beta2) * g ** 2
            m_hat = self.m[param_name] / (1 - self.beta1 ** self.t)
            v_hat = self.v[param_name] / (1 - self.beta2 ** self.t)
            parameters[param_name] -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)


def _b(cls):
    return check("3.6b", AdamOptimizer=cls)


def test_36b_correct_attempt_passes():
    r = _b(AdamOptimizer)
    assert r and r.status == "passed"


def test_36b_replacing_the_arrays_in_the_dict_also_passes():
    class Replacing(AdamOptimizer):
        def update(self, parameters, gradients):
            self.t += 1
            for k in parameters:
                g = gradients[k]
                self.m[k] = self.beta1 * self.m.get(k, 0.0) + (1 - self.beta1) * g
                self.v[k] = self.beta2 * self.v.get(k, 0.0) + (1 - self.beta2) * np.square(g)
                m_hat = self.m[k] / (1 - self.beta1 ** self.t)
                v_hat = self.v[k] / (1 - self.beta2 ** self.t)
                parameters[k] = parameters[k] - self.learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)
    assert _b(Replacing)


def test_36b_untouched_starter_is_not_attempted():
    r = _b(_starter(["AdamOptimizer"])["AdamOptimizer"])
    assert r.status == "not attempted" and not r


def _adam_variant(bug):
    class Wrong(AdamOptimizer):
        def update(self, parameters, gradients):
            if bug != "t0":
                self.t += 1
            for name in parameters:
                key = "all" if bug == "shared" else name
                if key not in self.m or bug == "reset":
                    self.m[key] = np.zeros_like(parameters[name])
                    self.v[key] = np.zeros_like(parameters[name])
                g = gradients[name]
                self.m[key] = self.beta1 * self.m[key] + (1 - self.beta1) * g
                g2 = g if bug == "no square" else g ** 2
                self.v[key] = self.beta2 * self.v[key] + (1 - self.beta2) * g2
                if bug == "no correction":
                    m_hat, v_hat = self.m[key], self.v[key]
                else:
                    m_hat = self.m[key] / (1 - self.beta1 ** self.t)
                    v_hat = self.v[key] / (1 - self.beta2 ** self.t)
                if bug == "eps inside":
                    step = m_hat / np.sqrt(v_hat + self.epsilon)
                else:
                    step = m_hat / (np.sqrt(v_hat) + self.epsilon)
                sign = -1.0 if bug == "plus" else 1.0
                parameters[name] -= sign * self.learning_rate * step
            if bug == "t0":
                self.t += 1
    return Wrong


@pytest.mark.parametrize("bug, phrase", [
    ("no correction", "without the bias correction"),
    ("t0", "runs with t = 0"),
    ("eps inside", "inside the square root"),
    ("no square", "not its square"),
    ("shared", "kept per parameter"),
    ("reset", "start again from zero"),
    ("plus", "wrong sign"),
])
def test_36b_wrong_attempts_are_diagnosed(bug, phrase):
    _failed(_b(_adam_variant(bug)), phrase)


def test_36b_a_step_that_is_not_applied_is_diagnosed():
    class Rebinds(AdamOptimizer):
        def update(self, parameters, gradients):
            self.t += 1
            for k, P in parameters.items():
                P = P - self.learning_rate * np.sign(gradients[k])        # rebinds a local name only  # noqa: F841
    _failed(_b(Rebinds), "unchanged")


# ------------------------------------------------------------------ 3.6d
def step_decay(initial_lr, epoch, drop=0.5, epochs_drop=10):
    return initial_lr * drop ** (epoch // epochs_drop)


def exponential_decay(initial_lr, epoch, decay_rate=0.95):
    return initial_lr * decay_rate ** epoch


def _d(step=step_decay, exponential=exponential_decay):
    return check("3.6d", step_decay=step, exponential_decay=exponential)


def test_36d_correct_attempt_passes():
    r = _d()
    assert r and r.status == "passed"


def test_36d_math_style_passes():
    def step(initial_lr, epoch, drop=0.5, epochs_drop=10):
        return initial_lr * math.pow(drop, math.floor(epoch / epochs_drop))

    def exponential(initial_lr, epoch, decay_rate=0.95):
        return initial_lr * math.exp(epoch * math.log(decay_rate))
    assert _d(step, exponential)


def test_36d_untouched_starter_is_not_attempted():
    ns = _starter(["step_decay", "exponential_decay"])
    r = _d(ns["step_decay"], ns["exponential_decay"])
    assert r.status == "not attempted" and not r


@pytest.mark.parametrize("attempt, phrase", [
    (lambda lr, e, drop=0.5, epochs_drop=10: lr * drop ** ((e + 1) // epochs_drop), "one epoch early"),
    (lambda lr, e, drop=0.5, epochs_drop=10: lr * drop ** ((e - 1) // epochs_drop), "one epoch late"),
    (lambda lr, e, drop=0.5, epochs_drop=10: lr * drop ** (e / epochs_drop), "smoothly instead of in steps"),
    (lambda lr, e, drop=0.5, epochs_drop=10: lr * drop ** e, "drops every epoch"),
    (lambda lr, e, drop=0.5, epochs_drop=10: lr * drop * (e // epochs_drop), "grows linearly"),
])
def test_36d_wrong_step_decay_is_diagnosed(attempt, phrase):
    _failed(_d(step=attempt), phrase)


@pytest.mark.parametrize("attempt, phrase", [
    (lambda lr, e, decay_rate=0.95: lr * math.exp(-decay_rate * e), "the k of exp(-k t)"),
    (lambda lr, e, decay_rate=0.95: lr * math.exp(-(1 - decay_rate) * e), "exp(-(1 - decay_rate) * epoch)"),
    (lambda lr, e, decay_rate=0.95: lr * (1 - decay_rate) ** e, "instead of keeping it"),
    (lambda lr, e, decay_rate=0.95: lr * decay_rate ** (e + 1), "at epoch 0"),
])
def test_36d_wrong_exponential_decay_is_diagnosed(attempt, phrase):
    _failed(_d(exponential=attempt), phrase)


def test_36d_a_non_number_is_diagnosed():
    _failed(_d(step=lambda lr, e, drop=0.5, epochs_drop=10: [lr]), "one number")


# ------------------------------------------------------------------ registry, hints, solutions
def test_36c_is_open_ended():
    r = check("3.6c")
    assert r.status == "unchecked"


def test_registry_entries_have_three_hints_and_a_solution():
    from nnbook.exercises.s36 import _EXERCISES
    assert sorted(_EXERCISES) == ["3.6a", "3.6b", "3.6c", "3.6d"]
    for eid, entry in _EXERCISES.items():
        assert len(entry["hints"]) == 3 and entry["solution"], eid
        assert (entry["check"] is None) == (eid == "3.6c")


def test_hints_and_solution_print(capsys):
    assert _b(AdamOptimizer)                      # a passing check leaves no targeted hint behind
    hint("3.6b", reset=True)
    hint("3.6b")
    solution("3.6b")
    out = capsys.readouterr().out
    assert "Hint 1 of 3" in out and "Hint 2 of 3" in out and "06_optimization" in out


def test_checkers_are_private():
    import nnbook.optim as optim
    assert not any(name.startswith("_check") for name in getattr(optim, "__all__", []))
    assert not any(name.startswith("_check_3") for name in dir(nnbook))


# ------------------------------------------------------------------ 3.6b with the package (duck typing)
def _filled_adam_starter():
    """The page's 3.6b starter with its TODOs filled in, as a learner would: the class it defines."""
    nb = json.loads(NB.read_text())
    source = next("".join(c["source"]) for c in nb["cells"]
                  if "exercise-starter" in c["metadata"].get("tags", []) and "class AdamOptimizer" in "".join(c["source"]))
    body = ("            g = gradients[param_name]\n"
            "            self.m[param_name] = self.beta1 * self.m[param_name] + (1 - self.beta1) * g\n"
            "            self.v[param_name] = self.beta2 * self.v[param_name] + (1 - self.beta2) * g ** 2\n"
            "            m_hat = self.m[param_name] / (1 - self.beta1 ** self.t)\n"
            "            v_hat = self.v[param_name] / (1 - self.beta2 ** self.t)\n"
            "            parameters[param_name] -= (self.learning_rate * m_hat\n"
            "                                       / (np.sqrt(v_hat) + self.epsilon))\n")
    assert source.count("            raise NotImplementedError\n") == 1
    ns = {}
    exec(compile(source.replace("            raise NotImplementedError\n", body), "<starter>", "exec"), ns)
    return ns["AdamOptimizer"]


def test_36b_the_filled_starter_passes_and_trains_through_train_minibatch_with_a_schedule():
    Mine = _filled_adam_starter()
    assert _b(Mine)
    X, y = nnbook.make_spiral(n_samples=200, noise=0.1, seed=0)
    X, Y = X.T, y[None, :].astype(float)
    mine, pkg = (nnbook.NeuralNetwork([2, 8, 1], seed=0) for _ in range(2))
    schedule = nnbook.get_schedule("step", drop=0.5, epochs_drop=2)
    opt = Mine(0.01)
    losses = mine.train_minibatch(X, Y, opt, batch_size=32, epochs=5, schedule=schedule, seed=0)
    ref = pkg.train_minibatch(X, Y, nnbook.AdamOptimizer(0.01), batch_size=32, epochs=5, schedule=schedule,
                              seed=0)
    np.testing.assert_allclose(losses, ref, rtol=1e-8)
    assert mine.history_["learning_rate"] == pkg.history_["learning_rate"]
    assert opt.learning_rate == schedule(0.01, 4)
    assert losses[-1] < losses[0]


def test_an_optimizer_without_learning_rate_trains_but_a_schedule_names_the_attribute():
    class OldStyle:                       # keeps its rate in self.lr: fine until a schedule must set it
        def __init__(self, lr):
            self.lr = lr

        def update(self, parameters, gradients):
            for k in parameters:
                parameters[k] -= self.lr * gradients[k]
    X, y = nnbook.make_spiral(n_samples=100, noise=0.1, seed=0)
    X, Y = X.T, y[None, :].astype(float)
    net = nnbook.NeuralNetwork([2, 4, 1], seed=0)
    losses = net.train_minibatch(X, Y, OldStyle(0.1), epochs=2, seed=0)          # no schedule: trains
    assert len(losses) == 2 and all(math.isnan(r) for r in net.history_["learning_rate"])
    assert np.isfinite(net.train_step(X, Y, OldStyle(0.1)))
    with pytest.raises(TypeError, match=r"schedule sets optimizer.learning_rate.*no attribute `learning_rate`.*`lr`"):
        net.train_minibatch(X, Y, OldStyle(0.1), epochs=2, schedule="step")
    with pytest.raises(TypeError, match=r"lr_range_test sets optimizer.learning_rate.*`learning_rate`"):
        nnbook.lr_range_test(net, X, Y, OldStyle(0.1), num_steps=5)
    with pytest.raises(TypeError, match="update\\(parameters, gradients\\)"):
        net.train_minibatch(X, Y, object(), epochs=1)


# ------------------------------------------------------------------ 3.6a: training-loop diagnoses and their neighbours
def _loop(forward="per batch", update=True, epochs_done=lambda e: e, pad=False):
    """train_sgd from the starter, with one bug: a stale forward pass, no update, or an epoch too few."""
    def attempt(net, X, Y, batch_size=32, epochs=100, learning_rate=0.01, seed=0):
        rng = np.random.default_rng(seed)
        losses, stale = [], None
        for epoch in range(epochs_done(epochs)):
            epoch_loss, num_batches = 0.0, 0
            for X_batch, Y_batch in create_mini_batches(X, Y, batch_size, rng):
                if forward == "once" and stale is not None and stale[0].shape[1] == X_batch.shape[1]:
                    A, cache = stale                               # the first forward pass, reused
                else:
                    A, cache = net.forward(X_batch)
                    stale = (A, cache) if stale is None else stale
                batch_loss, dA = compute_loss(A, Y_batch if forward != "once" else stale_Y.setdefault(0, Y_batch))
                gradients = net.backward(dA, cache)
                for key in net.parameters:
                    P = net.parameters[key]
                    if update:
                        P -= learning_rate * gradients[key]
                    else:
                        P = P - learning_rate * gradients[key]  # noqa: F841  (rebinds a local name only)
                epoch_loss += batch_loss
                num_batches += 1
            losses.append(epoch_loss / num_batches)
        if pad:
            losses.append(losses[-1])
        return losses
    stale_Y = {}
    return attempt


def test_36a_parameters_never_updated_is_diagnosed_as_such():
    r = _a(train_sgd=_loop(update=False))
    _failed(r, "left net.parameters unchanged")
    assert "stale" not in r.message and "epochs when asked" not in r.message


def test_36a_a_stale_forward_pass_is_not_reported_as_parameters_not_updated():
    r = _a(train_sgd=_loop(forward="once"))
    _failed(r, "every epoch's loss is the same", "although net.parameters change")
    assert "unchanged" not in r.message


def test_36a_one_epoch_short_is_reported_as_such():
    r = _a(train_sgd=_loop(epochs_done=lambda e: e - 1, pad=True))      # range(epochs - 1), last loss repeated
    _failed(r, "ran 3 epochs when asked for 4")
    assert "reset" not in r.message and "same order" not in r.message
    r = _a(train_sgd=_loop(epochs_done=lambda e: e - 1))                 # range(epochs - 1): one loss fewer
    _failed(r, "should return 4 losses for 4 epochs")


def test_36a_neighbours_of_the_loop_diagnoses_do_not_trigger_them():
    for attempt in (_train_variant(step_sign=-1.0, reduce="sum"), _train_variant(step_sign=-1.0, fixed_order=True),
                    _train_variant(step_sign=+1.0)):
        r = _a(train_sgd=attempt)
        assert not r
        for wrong in ("unchanged", "every epoch's loss is the same", "epochs when asked"):
            assert wrong not in r.message, (wrong, r.message)
    r = _a(train_sgd=_loop())                                            # the helper without a bug passes
    assert r and r.status == "passed"


def test_36a_targeted_hints_are_nudges_not_code(capsys):
    _failed(_a(train_sgd=_loop(forward="once")))
    hint("3.6a")
    out = capsys.readouterr().out
    assert "Hint for the mistake" in out and "forward pass inside the batch loop" in out
    assert "net.forward(X_batch)" not in out.split("Hint 1")[0]


def test_36b_each_stated_requirement_has_a_wrong_attempt():
    class KeepsLr(AdamOptimizer):                  # the rate under another name: the package cannot set it
        def __init__(self, learning_rate=0.001, **kwargs):
            super().__init__(learning_rate, **kwargs)
            self.lr = self.__dict__.pop("learning_rate")

        def update(self, parameters, gradients):
            self.learning_rate = self.lr
            super().update(parameters, gradients)
            del self.learning_rate
    _failed(_b(KeepsLr), "attribute learning_rate")

    class ChangesGradients(AdamOptimizer):
        def update(self, parameters, gradients):
            super().update(parameters, gradients)
            for G in gradients.values():
                G *= 0.5
    _failed(_b(ChangesGradients), "changed the gradients")

    class CounterNamedStep(AdamOptimizer):         # right steps, but the counter is not `t`
        def update(self, parameters, gradients):
            self.t = getattr(self, "step", 0)
            super().update(parameters, gradients)
            self.step = self.t
            del self.t
    _failed(_b(CounterNamedStep), "self.t should count the updates")

    class DropsAKey(AdamOptimizer):
        def update(self, parameters, gradients):
            super().update(parameters, gradients)
            parameters.pop(sorted(parameters)[-1])
    _failed(_b(DropsAKey), "keep the keys")
