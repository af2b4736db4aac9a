"""Tests of the §3.1 exercise checkers (nnbook.exercises.s31._EXERCISES): attempts written from the starter
code alone pass, the untouched starter is "not attempted", and the mistakes learners really make are
rejected with their diagnosis."""
import json
from pathlib import Path

import numpy as np
import pytest

from nnbook.exercises import check, hint, list_exercises, solution

ROOT = Path(__file__).resolve().parent.parent


def _starter(exercise_tag_text):
    """The source of the starter cell of the page that contains `exercise_tag_text`."""
    nb = json.loads((ROOT / "nbs" / "01_perceptron.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if "exercise-starter" in cell["metadata"].get("tags", []) and exercise_tag_text in src:
            return src
    raise AssertionError(f"no starter cell with {exercise_tag_text!r}")


def _failed(r, *phrases):
    assert r.status in ("failed", "error") and not r, (r.status, r.message)
    for p in phrases:
        assert p in r.message, (p, r.message)


# ------------------------------------------------------------------------------ 3.1a: correct attempts
class Perceptron:
    """Written from the starter: samples in rows, z = 0 predicts 1, eta = 1."""

    def __init__(self, n_features):
        self.w = np.zeros(n_features)
        self.b = 0.0

    def predict(self, X):
        return np.where(np.asarray(X) @ self.w + self.b >= 0, 1, 0)

    def fit(self, X, y, epochs=100):
        self.updates_per_epoch = []
        for _ in range(epochs):
            count = 0
            for i in range(len(X)):
                y_hat = self.predict(X[i:i + 1])[0]
                if y_hat != y[i]:
                    self.w = self.w + (y[i] - y_hat) * X[i]
                    self.b += y[i] - y_hat
                    count += 1
            self.updates_per_epoch.append(count)
            if count == 0:
                break
        return self


class LoopPerceptron(Perceptron):
    """Another correct attempt: plain loops, predict built from a per-example helper."""

    def _one(self, x):
        return 1 if sum(wj * xj for wj, xj in zip(self.w, x)) + self.b >= 0 else 0

    def predict(self, X):
        return np.array([self._one(x) for x in X])

    def fit(self, X, y, epochs=100):
        self.updates_per_epoch = []
        for _ in range(epochs):
            mistakes = 0
            for x, target in zip(X, y):
                error = target - self._one(x)
                if error:
                    self.w = self.w + error * np.asarray(x, dtype=float)
                    self.b = self.b + error
                    mistakes += 1
            self.updates_per_epoch.append(mistakes)
            if not mistakes:
                break
        return self


def test_31a_correct_attempts_pass():
    assert check("3.1a", Perceptron=Perceptron).status == "passed"
    assert check("3.1a", Perceptron=LoopPerceptron)


def test_31a_untouched_starter_is_not_attempted():
    scope = {"np": np}
    exec(_starter("class Perceptron"), scope)
    r = check("3.1a", Perceptron=scope["Perceptron"])
    assert r.status == "not attempted" and not r, r.message
    r = check("3.1a", Perceptron=None)
    assert r.status == "not attempted"


def test_31a_pass_bodies_are_not_attempted():
    class Skeleton(Perceptron):
        def predict(self, X):
            pass

    assert check("3.1a", Perceptron=Skeleton).status == "not attempted"

    class FitSkeleton(Perceptron):
        def fit(self, X, y, epochs=100):
            pass

    assert check("3.1a", Perceptron=FitSkeleton).status == "not attempted"


# ------------------------------------------------------------------------------ 3.1a: wrong attempts
class StrictPredict(Perceptron):
    def predict(self, X):
        return (np.asarray(X) @ self.w + self.b > 0).astype(int)


class StrictFit(Perceptron):
    def fit(self, X, y, epochs=100):
        self.updates_per_epoch = []
        for _ in range(epochs):
            count = 0
            for x_i, y_i in zip(X, y):
                error = y_i - int(x_i @ self.w + self.b > 0)
                if error:
                    self.w, self.b, count = self.w + error * x_i, self.b + error, count + 1
            self.updates_per_epoch.append(count)
            if count == 0:
                break
        return self


class CountsEveryExample(Perceptron):
    def fit(self, X, y, epochs=100):
        self.updates_per_epoch = []
        for _ in range(epochs):
            count = 0
            for x_i, y_i in zip(X, y):
                error = y_i - int(x_i @ self.w + self.b >= 0)
                self.w = self.w + error * x_i      # "updates" on every example ...
                self.b = self.b + error
                count += 1                         # ... and counts every one
            self.updates_per_epoch.append(count)
            if count == 0:
                break
        return self


class UpdatesEveryExample(Perceptron):
    def fit(self, X, y, epochs=100):
        self.updates_per_epoch = []
        for _ in range(epochs):
            count = 0
            for x_i, y_i in zip(X, y):
                s = 2 * y_i - 1                    # push towards the label on every example
                self.w, self.b, count = self.w + s * x_i, self.b + s, count + 1
            self.updates_per_epoch.append(count)
        return self


class WrongSign(Perceptron):
    def fit(self, X, y, epochs=100):
        self.updates_per_epoch = []
        for _ in range(epochs):
            count = 0
            for x_i, y_i in zip(X, y):
                y_hat = int(x_i @ self.w + self.b >= 0)
                if y_hat != y_i:
                    self.w = self.w + (y_hat - y_i) * x_i
                    self.b = self.b + (y_hat - y_i)
                    count += 1
            self.updates_per_epoch.append(count)
            if count == 0:
                break
        return self


class NoBias(Perceptron):
    def fit(self, X, y, epochs=100):
        self.updates_per_epoch = []
        for _ in range(epochs):
            count = 0
            for x_i, y_i in zip(X, y):
                error = y_i - int(x_i @ self.w + self.b >= 0)
                if error:
                    self.w, count = self.w + error * x_i, count + 1
            self.updates_per_epoch.append(count)
            if count == 0:
                break
        return self


class PlusMinusPredict(Perceptron):
    def predict(self, X):
        return np.where(np.asarray(X) @ self.w + self.b >= 0, 1, -1)


class PlusMinusFit(Perceptron):
    def fit(self, X, y, epochs=100):
        self.updates_per_epoch = []
        s = 2 * np.asarray(y) - 1                  # labels as -1/+1
        for _ in range(epochs):
            count = 0
            for x_i, s_i in zip(X, s):
                s_hat = 1 if x_i @ self.w + self.b >= 0 else -1
                if s_hat != s_i:
                    self.w, self.b, count = self.w + (s_i - s_hat) * x_i, self.b + (s_i - s_hat), count + 1
            self.updates_per_epoch.append(count)
            if count == 0:
                break
        return self


class Columns(Perceptron):
    """Examples in columns, as the networks of §3.3 take them."""

    def predict(self, X):
        return (self.w @ X + self.b >= 0).astype(int)

    def fit(self, X, y, epochs=100):
        self.updates_per_epoch = []
        for _ in range(epochs):
            count = 0
            for x_i, y_i in zip(X.T, y):
                error = y_i - int(self.w @ x_i + self.b >= 0)
                if error:
                    self.w, self.b, count = self.w + error * x_i, self.b + error, count + 1
            self.updates_per_epoch.append(count)
            if count == 0:
                break
        return self


class ColumnsFitOnly(Perceptron):
    fit = Columns.fit


class NoReturn(Perceptron):
    def fit(self, X, y, epochs=100):
        Perceptron.fit(self, X, y, epochs)


class NoTracking(Perceptron):
    def fit(self, X, y, epochs=100):
        Perceptron.fit(self, X, y, epochs)
        del self.updates_per_epoch
        return self


class NoStop(Perceptron):
    def fit(self, X, y, epochs=100):
        self.updates_per_epoch = []
        for _ in range(epochs):
            count = 0
            for x_i, y_i in zip(X, y):
                error = y_i - int(x_i @ self.w + self.b >= 0)
                if error:
                    self.w, self.b, count = self.w + error * x_i, self.b + error, count + 1
            self.updates_per_epoch.append(count)
        return self


class ReturnsWeights(Perceptron):
    def fit(self, X, y, epochs=100):
        Perceptron.fit(self, X, y, epochs)
        return self.w, self.b


class BoolPredict(Perceptron):
    def predict(self, X):
        return np.asarray(X) @ self.w + self.b >= 0


class FloatPredict(Perceptron):
    def predict(self, X):
        return np.where(np.asarray(X) @ self.w + self.b >= 0, 1.0, 0.0)


class ResetsWeights(Perceptron):
    """Right rule, but fit starts from zero whatever w and b were."""

    def fit(self, X, y, epochs=100):
        self.w, self.b = np.zeros(np.shape(X)[1]), 0.0
        return Perceptron.fit(self, X, y, epochs)


class IgnoresEpochs(Perceptron):
    """Right rule, but always allows 100 epochs."""

    def fit(self, X, y, epochs=100):
        return Perceptron.fit(self, X, y, 100)


class MissesLastCount(Perceptron):
    def fit(self, X, y, epochs=100):
        self.updates_per_epoch = []
        for _ in range(epochs):
            count = 0
            for x_i, y_i in zip(X, y):
                error = y_i - int(x_i @ self.w + self.b >= 0)
                if error:
                    self.w, self.b, count = self.w + error * x_i, self.b + error, count + 1
            if count == 0:
                break
            self.updates_per_epoch.append(count)
        return self


class Crashes(Perceptron):
    def fit(self, X, y, epochs=100):
        return self.undefined_attribute


WRONG_31A = [
    (StrictPredict, ("z = 0", "z ≥ 0")),
    (StrictFit, ("at z = 0 your rule predicts 0",)),
    (CountsEveryExample, ("counts every example",)),
    (UpdatesEveryExample, ("update on every example", "only on a mistake")),
    (WrongSign, ("wrong way", "w must grow")),
    (NoBias, ("bias never changes",)),
    (PlusMinusPredict, ("−1/+1",)),
    (PlusMinusFit, ("2 times", "−1/+1")),
    (Columns, ("one example per row", "`predict`", "columns")),
    (ColumnsFitOnly, ("one example per row", "`fit`", "columns")),
    (NoReturn, ("returns None", "the perceptron itself")),
    (ReturnsWeights, ("should return the perceptron itself", "tuple")),
    (BoolPredict, ("True/False", "integers 0 and 1")),
    (FloatPredict, ("dtype float64", "integers 0 and 1")),
    (ResetsWeights, ("starts again from w = 0", "current w and b")),
    (IgnoresEpochs, ("runs 100 epochs on XOR", "epochs=10")),
    (NoTracking, ("self.updates_per_epoch",)),
    (NoStop, ("goes on after an epoch without updates",)),
    (MissesLastCount, ("misses the last epoch",)),
    (Crashes, ("your `fit` raised AttributeError",)),
]


@pytest.mark.parametrize("attempt,phrases", WRONG_31A, ids=[a.__name__ for a, _ in WRONG_31A])
def test_31a_wrong_attempts_are_diagnosed(attempt, phrases):
    _failed(check("3.1a", Perceptron=attempt), *phrases)


TARGETED_31A = [(StrictPredict, "which class"), (StrictFit, "which class"), (WrongSign, "sign of what you add"),
                 (NoBias, "bias moves"), (UpdatesEveryExample, "prediction is right"),
                 (ResetsWeights, "constructor"), (IgnoresEpochs, "argument `epochs`"),
                 (NoStop, "leave the epoch loop"), (CountsEveryExample, "only when ŷ ≠ y"),
                 (BoolPredict, "booleans")]


@pytest.mark.parametrize("attempt,phrase", TARGETED_31A, ids=[a.__name__ for a, _ in TARGETED_31A])
def test_31a_targeted_hint_follows_the_diagnosis(attempt, phrase, capsys):
    hint("3.1a", reset=True)
    capsys.readouterr()
    assert not check("3.1a", Perceptron=attempt)
    capsys.readouterr()
    hint("3.1a")
    out = capsys.readouterr().out
    assert "Hint for the mistake" in out and phrase in out, out
    hint("3.1a", reset=True)


def test_31a_near_bugs_do_not_trigger_other_diagnoses():
    """A correct rule whose only slip is elsewhere is not called a rule bug."""
    for attempt in (IgnoresEpochs, ResetsWeights, MissesLastCount, BoolPredict):
        r = check("3.1a", Perceptron=attempt)
        for other in ("wrong way", "bias never changes", "predicts 0", "update on every example"):
            assert other not in r.message, (attempt.__name__, r.message)


def test_31a_verdicts_never_print_the_expected_weights(capsys):
    check("3.1a", Perceptron=NoBias)
    out = capsys.readouterr().out
    assert "[2." not in out and "w=" not in out


# ------------------------------------------------------------------------------ 3.1c: the hand trace
RIGHT_TRACE = [(0, 0, 0), (0, 0, 0), (-1, -1, -1), (-1, 0, 0), (0, 0, 1), (-1, -1, 0)]


def test_31c_right_trace_passes_in_either_layout():
    assert check("3.1c", trace=RIGHT_TRACE, mistakes_per_epoch=[1, 3])
    nested = [((w1, w2), b) for w1, w2, b in RIGHT_TRACE]
    assert check("3.1c", trace=nested, mistakes_per_epoch=(1, 3))
    assert check("3.1c", trace=np.array(RIGHT_TRACE, dtype=float), mistakes_per_epoch=np.array([1, 3]))


def test_31c_untouched_starter_is_not_attempted():
    scope = {}
    exec(_starter("trace = ["), scope)
    r = check("3.1c", trace=scope["trace"], mistakes_per_epoch=scope["mistakes_per_epoch"])
    assert r.status == "not attempted" and "`...`" in r.message


def test_31c_partial_trace():
    partial = RIGHT_TRACE[:3] + [...] * 3
    r = check("3.1c", trace=partial, mistakes_per_epoch=[..., ...])
    assert r.status == "not attempted" and "3 entries" in r.message and "right" in r.message
    wrong = [(0, 0, 0), (0, 0, 0), (-1, -1, 0)] + [...] * 3
    _failed(check("3.1c", trace=wrong, mistakes_per_epoch=[..., ...]), "bias never changes")
    r = check("3.1c", trace=RIGHT_TRACE, mistakes_per_epoch=[..., ...])
    assert r.status == "not attempted" and "mistakes_per_epoch" in r.message


def _trace(bug):
    """The trace a learner gets with one bug, computed independently of the checker."""
    X, y = [(0, 1), (1, 0), (1, 1)], [1, 1, 0]
    w, b, out = [0, 0], 0, []
    for _ in range(2):
        for x, t in zip(X, y):
            z = w[0] * x[0] + w[1] * x[1] + b
            y_hat = int(z > 0) if bug == "strict" else int(z >= 0)
            e = (y_hat - t) if bug == "sign" else (t - y_hat)
            w = [w[0] + e * x[0], w[1] + e * x[1]]
            b = b if bug == "nobias" else b + e
            out.append((w[0], w[1], b))
    return out


@pytest.mark.parametrize("bug,phrase", [("strict", "z ≥ 0"), ("sign", "wrong way"),
                                        ("nobias", "bias never changes")])
def test_31c_wrong_traces_are_diagnosed(bug, phrase):
    _failed(check("3.1c", trace=_trace(bug), mistakes_per_epoch=[1, 3]), phrase)


def test_31c_other_wrong_answers():
    before = [(0, 0, 0)] + RIGHT_TRACE[:-1]
    _failed(check("3.1c", trace=before, mistakes_per_epoch=[1, 3]), "before each example")
    typo = RIGHT_TRACE[:4] + [(0, 1, 1)] + RIGHT_TRACE[5:]
    _failed(check("3.1c", trace=typo, mistakes_per_epoch=[1, 3]), "after x2 in epoch 2")
    _failed(check("3.1c", trace=RIGHT_TRACE, mistakes_per_epoch=[3, 3]), "mistakes_per_epoch")
    _failed(check("3.1c", trace=RIGHT_TRACE[:5], mistakes_per_epoch=[1, 3]), "6")
    _failed(check("3.1c", trace=RIGHT_TRACE[:5] + ["a"], mistakes_per_epoch=[1, 3]), "three numbers")


# ------------------------------------------------------------------------------ registry, hints, solution
def test_31_registry_hints_and_solutions(capsys):
    rows = {r["id"] if "id" in r else r.get("exercise"): r for r in list_exercises()}
    assert {"3.1a", "3.1b", "3.1c"} <= set(rows)
    for eid in ("3.1a", "3.1b", "3.1c"):
        hint(eid, reset=True)
    capsys.readouterr()
    assert check("3.1b").status == "unchecked"
    for eid in ("3.1a", "3.1b", "3.1c"):
        for _ in range(3):
            hint(eid)
        solution(eid)
    out = capsys.readouterr().out
    assert "Hint 3 of 3 for Exercise 3.1b:" in out and "Solution to Exercise 3.1a" in out
    assert out.count("gives the answer away") == 2     # 3.1a and 3.1c announce their last hint
    hint("3.1a")
    assert "Hint 3 of 3 for Exercise 3.1a: predict" in capsys.readouterr().out
    for eid in ("3.1a", "3.1b", "3.1c"):
        hint(eid, reset=True)
    capsys.readouterr()
