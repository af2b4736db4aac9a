"""NNClassifier (nnbook.estimator): scikit-learn's `random_state` convention (with `seed` deprecated), boolean
hyperparameters, and a pickle that holds what predict and partial_fit need, once."""
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_moons

from nnbook.estimator import NNClassifier


@pytest.fixture(scope="module")
def moons():
    return make_moons(n_samples=200, noise=0.2, random_state=1)


@pytest.fixture(scope="module")
def iris():
    data = load_iris()
    return data.data, data.target_names[data.target]


def _W1(clf):
    return clf.network_.parameters["W1"]


# ---------------------------------------------------------------- random_state

def test_random_state_is_a_parameter_and_seed_is_not_required():
    params = NNClassifier().get_params()
    assert params["random_state"] == 0                      # reproducible by default, as in nnbook 0.1
    assert NNClassifier(random_state=None).get_params()["random_state"] is None


def test_bagging_builds_different_members(moons):
    from sklearn.ensemble import BaggingClassifier
    X, y = moons
    bag = BaggingClassifier(NNClassifier(epochs=5), n_estimators=3, bootstrap=False, random_state=0).fit(X, y)
    probas = [m.predict_proba(X) for m in bag.estimators_]
    assert len({m.random_state for m in bag.estimators_}) == 3
    for i in range(3):
        for j in range(i):
            assert not np.allclose(probas[i], probas[j]), (i, j)
    again = BaggingClassifier(NNClassifier(epochs=5), n_estimators=3, bootstrap=False, random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), bag.predict_proba(X))     # and reproducible


def test_int_random_state_reproduces_and_equals_the_old_seed(moons):
    X, y = moons
    a = NNClassifier(hidden_layer_sizes=(8,), epochs=2, random_state=5).fit(X, y)
    b = clone(a).fit(X, y)
    c = NNClassifier(hidden_layer_sizes=(8,), epochs=2, random_state=np.int64(6)).fit(X, y)
    np.testing.assert_array_equal(_W1(a), _W1(b))
    assert not np.array_equal(_W1(a), _W1(c))
    with pytest.warns(FutureWarning):
        old = NNClassifier(hidden_layer_sizes=(8,), epochs=2, seed=5).fit(X, y)
    np.testing.assert_array_equal(_W1(old), _W1(a))          # random_state=k trains what seed=k trained


def test_random_state_none_draws_fresh_randomness_on_every_fit(moons):
    X, y = moons
    clf = NNClassifier(hidden_layer_sizes=(8,), epochs=1, random_state=None)
    first = _W1(clf.fit(X, y)).copy()
    second = _W1(clf.fit(X, y)).copy()
    assert not np.array_equal(first, second)
    assert clf.random_state is None                          # fit never changes the parameter


@pytest.mark.parametrize("make", [np.random.RandomState, np.random.default_rng], ids=["RandomState", "Generator"])
def test_random_state_instances_are_used_and_advanced(moons, make):
    X, y = moons
    clf = NNClassifier(hidden_layer_sizes=(8,), epochs=1, random_state=make(3))
    state = clf.random_state
    first = _W1(clf.fit(X, y)).copy()
    second = _W1(clf.fit(X, y)).copy()
    assert clf.random_state is state and not np.array_equal(first, second)    # the instance moves on
    replay = NNClassifier(hidden_layer_sizes=(8,), epochs=1, random_state=make(3))
    np.testing.assert_array_equal(_W1(replay.fit(X, y)), first)               # same instance state, same fit


def test_seed_is_deprecated_but_still_works(moons):
    X, y = moons
    with pytest.warns(FutureWarning, match=r"seed is deprecated.*use random_state=7 instead"):
        clf = NNClassifier(hidden_layer_sizes=(4,), epochs=1, seed=7).fit(X, y)
    np.testing.assert_array_equal(_W1(clf), _W1(NNClassifier(hidden_layer_sizes=(4,), epochs=1,
                                                             random_state=7).fit(X, y)))
    with pytest.warns(FutureWarning, match="use random_state=None instead"):
        a = NNClassifier(hidden_layer_sizes=(4,), epochs=1, seed=None).fit(X, y)
        b = clone(a).fit(X, y)
    assert not np.array_equal(_W1(a), _W1(b))
    with warnings.catch_warnings():
        warnings.simplefilter("error")                      # no warning without seed
        NNClassifier(hidden_layer_sizes=(4,), epochs=1, random_state=7).fit(X, y)


def test_seed_and_random_state_together_are_refused(moons):
    X, y = moons
    with pytest.warns(FutureWarning), pytest.raises(ValueError, match=r"seed=3 and random_state=4.*pass only "
                                                                      r"random_state=3"):
        NNClassifier(seed=3, random_state=4).fit(X, y)


@pytest.mark.parametrize("value, error", [
    (-1, ValueError), (1.5, TypeError), ("0", TypeError), (True, TypeError), (float("nan"), TypeError),
    ([1, 2], TypeError), (np.random.SeedSequence(0), TypeError),
])
def test_bad_random_state_is_refused_by_name(moons, value, error):
    X, y = moons
    with pytest.raises(error, match=r"random_state must be None, a non-negative integer, a numpy\.random\.Generator "
                                    r"or a numpy\.random\.RandomState.*got"):
        NNClassifier(random_state=value).fit(X, y)


def test_bad_deprecated_seed_is_refused_by_its_own_name(moons):
    X, y = moons
    with pytest.warns(FutureWarning), pytest.raises(ValueError, match=r"^seed must be None, a non-negative integer"):
        NNClassifier(seed=-3).fit(X, y)


def test_partial_fit_uses_random_state(iris):
    X, y = iris
    runs = []
    for _ in range(2):
        clf = NNClassifier(hidden_layer_sizes=(4,), random_state=11)
        clf.partial_fit(X, y, classes=np.unique(y)).partial_fit(X, y)
        runs.append(_W1(clf).copy())
    np.testing.assert_array_equal(*runs)


# ---------------------------------------------------------------- the pickle

def _param_bytes(clf):
    return sum(P.nbytes for P in clf.network_.parameters.values())


@pytest.mark.parametrize("optimizer, state_copies", [("sgd", 0), ("momentum", 1), ("adam", 2)])
def test_pickle_holds_the_parameters_and_optimizer_state_once(iris, optimizer, state_copies):
    X, y = iris
    clf = NNClassifier(hidden_layer_sizes=(64, 64), optimizer=optimizer, epochs=2).fit(X, y)
    raw = _param_bytes(clf)
    assert raw == 4675 * 8
    size = len(pickle.dumps(clf))
    # the parameters once, the optimizer's state once (Adam: 2 moments), plus a small overhead
    assert size <= 1.05 * (1 + state_copies) * raw + 8000, (size, raw)
    if optimizer == "sgd":
        assert size <= 1.3 * raw + 8000


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_pickle_round_trip_predicts_and_partial_fits_exactly_as_the_original(iris, optimizer):
    X, y = iris
    clf = NNClassifier(hidden_layer_sizes=(8,), optimizer=optimizer, epochs=3, dropout=0.1).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))
    clf.partial_fit(X, y)
    again.partial_fit(X, y)                                  # the optimizer's state and random streams survived
    for k, P in clf.network_.parameters.items():
        np.testing.assert_array_equal(again.network_.parameters[k], P)
    assert again.n_iter_ == clf.n_iter_ == 4 and again.loss_curve_ == clf.loss_curve_
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_pickling_leaves_the_fitted_estimator_untouched(iris):
    X, y = iris
    clf = NNClassifier(hidden_layer_sizes=(8,), epochs=2).fit(X, y)
    before = clf.predict_proba(X)
    pickle.dumps(clf)
    clf.partial_fit(X, y)                                    # still trains (its buffers were not dropped)
    assert clf.n_iter_ == 3 and not np.array_equal(clf.predict_proba(X), before)


def test_unfitted_estimator_pickles(iris):
    clf = pickle.loads(pickle.dumps(NNClassifier(epochs=3)))
    assert clf.get_params() == NNClassifier(epochs=3).get_params()


# ---------------------------------------------------------------- booleans are booleans

@pytest.mark.parametrize("name, value", [("progress", "no"), ("progress", 1), ("progress", None),
                                         ("early_stopping", "no"), ("early_stopping", 0)])
def test_boolean_hyperparameters_refuse_other_types(moons, name, value):
    X, y = moons
    with pytest.raises(TypeError, match=rf"^{name} must be True or False, got {type(value).__name__} {value!r}"):
        NNClassifier(epochs=1, **{name: value}).fit(X, y)
    with pytest.raises(TypeError, match=rf"^{name} must be True or False"):
        NNClassifier(epochs=1, **{name: value}).partial_fit(X, y, classes=[0, 1])
    NNClassifier(hidden_layer_sizes=(2,), epochs=1, **{name: np.bool_(False)}).fit(X, y)     # NumPy booleans are fine


# ---------------------------------------------------------------- softmax is not a hidden activation

def test_softmax_activation_is_explained(moons):
    X, y = moons
    with pytest.raises(ValueError, match=r"^activation 'softmax' is an output activation: NNClassifier's output layer "
                                         r"is always a softmax.*choose a hidden activation: elu, gelu, leaky_relu, "
                                         r"linear, relu, sigmoid, tanh"):
        NNClassifier(activation="softmax").fit(X, y)


def test_predict_refuses_a_fitted_network_with_non_finite_parameters():
    """A diverged classifier raises instead of predicting class 0 for everything."""
    import re
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 3)), np.arange(40) % 2
    clf = NNClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0, progress=False).fit(X, y)
    clf.network_.parameters["W1"][0, 0] = np.nan
    for method in (clf.predict, clf.predict_proba, clf.score):
        args = (X, y) if method == clf.score else (X,)
        with pytest.raises(ValueError, match=re.escape("W1 holds 1 non-finite value")):
            method(*args)
