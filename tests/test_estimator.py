"""NNClassifier (nnbook.estimator): scikit-learn's estimator checks, pipelines, grid search, and its own
behaviour checked against independent computations."""
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_moons
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from nnbook.estimator import NNClassifier
from nnbook.network import NeuralNetwork

# Small, fast configurations; together they cover every optimizer, both dtypes' code paths, a deep
# and a hidden-layer-free network (softmax regression), L2, dropout, early stopping, and every kind of
# random_state (the default 0, another integer, None, a Generator, a RandomState). float32 is
# left out of the generic checks: its predictions may differ in the last bits with the batch composition
# (BLAS blocking), which the sample-order-invariance check forbids; it is tested on its own below.
CHECKED = [
    NNClassifier(hidden_layer_sizes=(16,), learning_rate=0.01, epochs=10, batch_size=32),
    NNClassifier(hidden_layer_sizes=(16,), learning_rate=0.01, epochs=10, batch_size=32, random_state=None),
    NNClassifier(hidden_layer_sizes=(8, 8), activation="tanh", optimizer="momentum", learning_rate=0.1,
                 epochs=15, l2=1e-4, dropout=0.1, early_stopping=True, patience=3, random_state=7),
    NNClassifier(hidden_layer_sizes=(), optimizer="sgd", learning_rate=0.05, epochs=15),
    NNClassifier(hidden_layer_sizes=(), optimizer="sgd", learning_rate=0.05, epochs=15, random_state=None),
    NNClassifier(hidden_layer_sizes=(8,), learning_rate=0.01, epochs=10, random_state=np.random.default_rng(1)),
    NNClassifier(hidden_layer_sizes=(8,), learning_rate=0.01, epochs=10, random_state=np.random.RandomState(1)),
]


@parametrize_with_checks(CHECKED)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def iris():
    data = load_iris()
    return data.data, data.target_names[data.target]          # string labels


@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(n_samples=300, noise=0.2, random_state=1)
    return X, y


def _softmax_rows(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def test_predict_proba_is_the_networks_forward_pass_computed_independently(iris):
    X, y = iris
    clf = NNClassifier(hidden_layer_sizes=(7, 5), activation="tanh", learning_rate=0.01, epochs=5).fit(X, y)
    p = clf.network_.parameters
    assert [p[f"W{l}"].shape for l in (1, 2, 3)] == [(7, 4), (5, 7), (3, 5)]
    H1 = np.tanh(X @ p["W1"].T + p["b1"].ravel())             # samples in rows, written out by hand
    H2 = np.tanh(H1 @ p["W2"].T + p["b2"].ravel())
    expected = _softmax_rows(H2 @ p["W3"].T + p["b3"].ravel())
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[expected.argmax(axis=1)])
    assert clf.score(X, y) == pytest.approx(np.mean(clf.predict(X) == y))


def test_string_labels_binary_and_multiclass(iris):
    X, y = iris
    clf = NNClassifier(hidden_layer_sizes=(16,), learning_rate=0.01, epochs=80).fit(X, y)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert clf.network_.layer_sizes == [4, 16, 3] and clf.n_features_in_ == 4
    assert clf.score(X, y) > 0.9
    mask = y != "setosa"
    binary = NNClassifier(hidden_layer_sizes=(8,), learning_rate=0.01, epochs=60).fit(X[mask], y[mask])
    P = binary.predict_proba(X[mask])
    assert P.shape == (100, 2) and binary.network_.layer_sizes[-1] == 2      # a two-unit softmax
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert set(binary.predict(X)) <= {"versicolor", "virginica"}


def test_integer_labels_with_gaps_round_trip(moons):
    X, y = moons
    labels = np.array([-7, 40])[y]
    clf = NNClassifier(hidden_layer_sizes=(16,), learning_rate=0.01, epochs=40).fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, [-7, 40])
    assert set(np.unique(clf.predict(X))) <= {-7, 40} and clf.score(X, labels) > 0.85


def test_same_seed_same_network_different_seed_different_network(moons):
    X, y = moons
    a = NNClassifier(hidden_layer_sizes=(8,), epochs=3, dropout=0.2, random_state=5).fit(X, y)
    b = clone(a).fit(X, y)
    c = clone(a).set_params(random_state=6).fit(X, y)
    for k, v in a.network_.parameters.items():
        np.testing.assert_array_equal(v, b.network_.parameters[k])
    assert not np.array_equal(a.network_.parameters["W1"], c.network_.parameters["W1"])
    assert a.loss_curve_ == b.loss_curve_


def test_hyperparameters_reach_the_network_and_optimizer(moons):
    X, y = moons
    clf = NNClassifier(hidden_layer_sizes=(6, 4), activation="tanh", optimizer="momentum", learning_rate=0.05,
                       dropout=0.25, epochs=2, dtype="float32").fit(X, y)
    net = clf.network_
    assert isinstance(net, NeuralNetwork) and net.layer_sizes == [2, 6, 4, 2]
    assert (net.hidden_activation, net.output_activation, net.dropout) == ("tanh", "softmax", 0.25)
    assert net.dtype == np.float32 and all(P.dtype == np.float32 for P in net.parameters.values())
    assert type(clf.optimizer_).__name__ == "Momentum" and clf.optimizer_.learning_rate == 0.05
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 2 and clf.best_epoch_ is None
    assert clf.predict_proba(X).dtype == np.float64


def test_l2_shrinks_the_weights(moons):
    X, y = moons
    plain = NNClassifier(hidden_layer_sizes=(32,), learning_rate=0.01, epochs=30).fit(X, y)
    decayed = clone(plain).set_params(l2=0.1).fit(X, y)
    norm = lambda c: sum(float(np.sum(c.network_.parameters[k] ** 2)) for k in ("W1", "W2"))
    assert norm(decayed) < 0.7 * norm(plain)


def test_early_stopping_stops_restores_and_uses_a_validation_split(moons):
    X, y = moons
    clf = NNClassifier(hidden_layer_sizes=(16,), learning_rate=0.05, epochs=500, early_stopping=True,
                       validation_fraction=0.2, patience=4).fit(X, y)
    h = clf.history_
    assert h.stopped_early and clf.n_iter_ == clf.best_epoch_ + 4 < 500
    assert len(h.val_acc) == clf.n_iter_ and h.best_val_acc == max(h.val_acc)
    assert h.val_acc.index(max(h.val_acc)) + 1 == clf.best_epoch_           # first epoch reaching the max
    # 60 validation samples: accuracies are multiples of 1/60
    np.testing.assert_allclose(np.array(h.val_acc) * 60, np.round(np.array(h.val_acc) * 60), atol=1e-9)
    without = clone(clf).set_params(early_stopping=False, epochs=7).fit(X, y)
    assert without.n_iter_ == 7 and without.history_.val_acc == [] and without.best_epoch_ is None


def test_partial_fit_continues_training(iris):
    X, y = iris
    clf = NNClassifier(hidden_layer_sizes=(8,), learning_rate=0.01)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:100], y[:100], classes=np.unique(y))                 # first call: not every class seen
    W_before = clf.network_.parameters["W1"].copy()
    for _ in range(4):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 5 and len(clf.loss_curve_) == 5 and clf.history_.epoch == [1, 2, 3, 4, 5]
    assert not np.array_equal(W_before, clf.network_.parameters["W1"])
    assert clf.loss_curve_[-1] < clf.loss_curve_[1]
    assert clf.optimizer_.t == 5 * 3 - 1        # Adam's step counter kept: 2 batches of 64 first, then 3 per epoch
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X[:3], np.array(["setosa", "rose", "setosa"], dtype=object))
    with pytest.raises(ValueError, match="differs from classes_"):
        clf.partial_fit(X, y, classes=["a", "b"])
    with pytest.raises(ValueError, match="X has 3 features"):
        clf.partial_fit(X[:, :3], y)


def test_fit_after_partial_fit_starts_afresh(iris):
    X, y = iris
    clf = NNClassifier(hidden_layer_sizes=(8,), epochs=2)
    clf.partial_fit(X, y, classes=np.unique(y))
    clf.partial_fit(X, y)
    clf.fit(X, y)
    fresh = clone(clf).fit(X, y)
    assert clf.n_iter_ == 2
    np.testing.assert_array_equal(clf.network_.parameters["W1"], fresh.network_.parameters["W1"])


def test_pickle_round_trip_predicts_identically(moons):
    X, y = moons
    clf = NNClassifier(hidden_layer_sizes=(8,), epochs=3).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_works_in_pipeline(moons):
    X, y = moons
    X = X * np.array([1.0, 1000.0])                      # one feature in other units
    pipe = Pipeline([("scale", StandardScaler()),
                     ("nn", NNClassifier(hidden_layer_sizes=(16,), learning_rate=0.01, batch_size=32, epochs=40))])
    pipe.fit(X[:200], y[:200])
    assert pipe.score(X[200:], y[200:]) > 0.9
    assert pipe.named_steps["nn"].n_features_in_ == 2
    assert pipe.predict_proba(X[200:]).shape == (100, 2)
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.85


def test_works_in_grid_search(moons):
    X, y = moons
    pipe = make_pipeline(StandardScaler(), NNClassifier(batch_size=64, epochs=15))
    grid = {"nnclassifier__learning_rate": [1e-4, 0.05], "nnclassifier__hidden_layer_sizes": [(4,), (16,)]}
    search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_["nnclassifier__learning_rate"] == 0.05       # 1e-4 barely moves in 15 epochs
    best = search.best_estimator_[-1]
    assert best.learning_rate == 0.05 and best.n_iter_ == 15 and best.optimizer_.learning_rate == 0.05
    assert search.score(X, y) > 0.85


@pytest.mark.parametrize("params, match", [
    (dict(hidden_layer_sizes=(4, 0)), "hidden_layer_sizes must be a tuple of positive integers"),
    (dict(hidden_layer_sizes="64"), "hidden_layer_sizes must be a tuple of positive integers"),
    (dict(activation="softmax"), "activation 'softmax' is an output activation"),
    (dict(optimizer="rmsprop"), "Unknown optimizer 'rmsprop'; choose one of: adam, momentum, sgd"),
    (dict(learning_rate=0.0), "learning_rate must be positive"),
    (dict(batch_size=0), "batch_size must be positive"),
    (dict(epochs=-1), "epochs must be positive"),
    (dict(l2=-1.0), "l2 must be a non-negative number"),
    (dict(dropout=1.0), r"dropout must be a probability in \[0, 1\)"),
    (dict(validation_fraction=1.5), r"validation_fraction must be in \(0, 1\)"),
    (dict(patience=0), "patience must be positive"),
    (dict(random_state=-3), "random_state must be None, a non-negative integer"),
    (dict(dtype="float16"), "dtype must be 'float64'"),
    (dict(dtype="not a dtype"), "dtype must be 'float64'"),
])
def test_bad_hyperparameters_fail_in_fit_with_a_clear_message(moons, params, match):
    X, y = moons
    clf = NNClassifier(**params)                    # __init__ never validates (scikit-learn's rule)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)


@pytest.mark.parametrize("params, match", [
    (dict(batch_size=2.5), "batch_size must be a positive integer"),
    (dict(early_stopping="yes"), "early_stopping must be True or False"),
])
def test_badly_typed_hyperparameters_raise_type_error(moons, params, match):
    X, y = moons
    with pytest.raises(TypeError, match=match):
        NNClassifier(**params).fit(X, y)


def test_data_errors(iris):
    X, y = iris
    with pytest.raises(ValueError, match="only 1 class"):
        NNClassifier().fit(X[:5], y[:5])
    with pytest.raises(ValueError, match="Unknown label type"):
        NNClassifier().fit(X, np.linspace(0, 1, len(X)))              # a regression target
    with pytest.raises(ValueError, match="leaves none to train on"):
        NNClassifier(early_stopping=True, validation_fraction=0.6).fit(X[[0, 60]], y[[0, 60]])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        NNClassifier(epochs=1).fit(np.where(X > 7, np.nan, X), y)
    clf = NNClassifier(epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but NNClassifier is expecting 4"):
        clf.predict(X[:, :2])
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        NNClassifier().predict(X)


def test_diverging_training_says_so(moons):
    X, y = moons
    with pytest.raises(ValueError, match="not finite|NaN or inf"):
        NNClassifier(optimizer="sgd", learning_rate=1e6, epochs=5).fit(X * 1e6, y)


def test_large_inputs_are_predicted_in_chunks(monkeypatch, moons):
    import nnbook.estimator as estimator
    X, y = moons
    clf = NNClassifier(hidden_layer_sizes=(4,), epochs=1).fit(X, y)
    full = clf.predict_proba(X)
    monkeypatch.setattr(estimator, "_PREDICT_BATCH", 7)               # 300 samples in 43 chunks
    np.testing.assert_allclose(clf.predict_proba(X), full, rtol=1e-12, atol=1e-15)


def test_training_runs_the_blas_single_threaded(monkeypatch, moons):
    from threadpoolctl import threadpool_info
    import nnbook.estimator as estimator
    seen = []
    real_fit = estimator._fit
    def spy(*args, **kwargs):
        seen.append([i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"])
        return real_fit(*args, **kwargs)
    monkeypatch.setattr(estimator, "_fit", spy)
    X, y = moons
    clf = NNClassifier(hidden_layer_sizes=(4,), epochs=1).fit(X, y)
    clf.partial_fit(X, y)
    assert len(seen) == 2 and all(threads == [1] * len(threads) and threads for threads in seen)
