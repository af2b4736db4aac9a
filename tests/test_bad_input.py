"""Bad input to the networks (nnbook.perceptron, network, backprop, mlp, optim):

- prediction with non-finite parameters raises, naming the parameter, instead of returning class 0 / NaN;
- boolean parameters accept booleans (and NumPy booleans) only, never strings such as "no";
- clear messages for `NeuralNetwork(dtype="floaty")` and `hidden_activation="softmax"`, and the
  `NeuralNetwork.metadata` attribute (a dict, {} for a new network) that `load_network` fills.
"""
import copy
import pickle

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import nnbook
from nnbook import NeuralNetwork, Perceptron


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _softmax_net():
    return NeuralNetwork([2, 3, 2], hidden_activation="tanh", output_activation="softmax", seed=0)


X2 = np.array([[0.0, 1.0, -1.0, 0.5], [1.0, 0.0, 2.0, -0.5]])           # (n_features=2, m=4)
FIX = r"the network diverged or was edited\. Retrain it \(a smaller learning rate\), or load a good checkpoint\."


# ----------------------------------------------------------------------------- 1. non-finite parameters
@pytest.mark.parametrize("method", ["predict", "predict_proba"])
def test_predict_refuses_nan_weights_naming_the_parameter(method):
    net = _softmax_net()
    net.parameters["W1"][:, 0] = np.nan                          # 3 of the 6 entries of W1 (3, 2)
    with pytest.raises(ValueError, match=r"^W1 holds 3 non-finite values \(NaN or inf\); " + FIX + "$"):
        getattr(net, method)(X2)


@pytest.mark.parametrize("output", ["sigmoid", "softmax", "linear"])
def test_predict_refuses_an_infinite_bias_for_every_output(output):
    net = NeuralNetwork([2, 3, 1 if output != "softmax" else 2], output_activation=output, seed=0)
    net.parameters["b2"][0, 0] = np.inf
    with pytest.raises(ValueError, match=r"^b2 holds 1 non-finite value \(NaN or inf\); " + FIX):
        net.predict(X2)


def test_predict_names_every_non_finite_parameter():
    net = _softmax_net()
    net.parameters["W1"][0, 0] = np.nan
    net.parameters["b2"][:] = -np.inf
    with pytest.raises(ValueError, match=r"^W1 holds 1 non-finite value, b2 holds 2 non-finite values "
                                         r"\(NaN or inf\); " + FIX):
        net.predict(X2)


def test_predict_checks_a_replaced_parameter_array_too():
    """Parameters are views into one vector; an array assigned into the dict is checked as well."""
    net = _softmax_net()
    net.parameters["W2"] = np.full((2, 3), np.nan)
    with pytest.raises(ValueError, match=r"^W2 holds 6 non-finite values"):
        net.predict_proba(X2)


def test_predict_after_a_float32_overflow_raises():
    """float32 parameters that overflowed to inf (a diverged run) are refused, not turned into class 0."""
    net = NeuralNetwork([2, 3, 2], output_activation="softmax", dtype=np.float32, seed=0)
    net.parameters["W1"] *= np.float32(3e38)
    with np.errstate(over="ignore"):
        net.parameters["W1"] *= np.float32(10)
    n_bad = int((~np.isfinite(net.parameters["W1"])).sum())
    assert n_bad > 0
    with pytest.raises(ValueError, match=rf"^W1 holds {n_bad} non-finite value"):
        net.predict(X2)


def test_predict_with_finite_parameters_is_unchanged():
    net = _softmax_net()
    A = net.predict_proba(X2)
    assert A.shape == (2, 4) and np.allclose(A.sum(axis=0), 1)
    assert np.array_equal(net.predict(X2), A.argmax(axis=0))


def test_the_check_stays_out_of_the_training_path():
    """forward (used by every training step) does not inspect the parameters: NaN weights propagate there
    (train_step/train report divergence through the loss), only prediction refuses them."""
    net = _softmax_net()
    net.parameters["W1"][0, 0] = np.nan
    A, _ = net.forward(X2)
    assert np.isnan(A).all()


@pytest.mark.parametrize("attr,value,text", [("w", np.array([np.nan, 1.0]), r"w holds 1 non-finite value"),
                                             ("w", np.array([np.inf, -np.inf]), r"w holds 2 non-finite values"),
                                             ("b", float("nan"), r"b is not finite \(b = nan\)")])
@pytest.mark.parametrize("method", ["predict", "decision_function", "score", "margin", "fit"])
def test_perceptron_refuses_non_finite_weights(attr, value, text, method):
    X, y = nnbook.logic_gate("AND")
    p = Perceptron(2).fit(X, y)
    assert np.array_equal(p.predict(X), y)
    setattr(p, attr, value)
    args = (X,) if method in ("predict", "decision_function") else (X, y)
    with pytest.raises(ValueError, match=text + r".*the perceptron diverged or was edited\. Fit a new "
                                              r"Perceptron, or set w and b to finite values\."):
        getattr(p, method)(*args)


def test_perceptron_boundary_line_refuses_non_finite_weights():
    X, y = nnbook.logic_gate("AND")
    p = Perceptron(2).fit(X, y)
    p.w = np.array([1.0, np.nan])
    with pytest.raises(ValueError, match=r"w holds 1 non-finite value"):
        p.boundary_line()


# ------------------------------------------------------------------------------------ 6. booleans only
def _call_forward(value):
    return _softmax_net().forward(X2, training=value)


def _call_check_shapes(value):
    return nnbook.check_shapes(_softmax_net(), (2, 5), verbose=value)


def _call_plot_network(value):
    return nnbook.plot_network(_softmax_net(), show_weights=value)


def _call_gradient_check(value):
    Y = np.eye(2)[:, [0, 1, 1, 0]]
    return nnbook.gradient_check(_softmax_net(), X2, Y, verbose=value)


def _call_train(name):
    def call(value):
        return _softmax_net().train(X2, np.eye(2)[:, [0, 1, 1, 0]], epochs=2, **{name: value})
    return call


def _call_train_minibatch(name):
    def call(value):
        return _softmax_net().train_minibatch(X2, np.eye(2)[:, [0, 1, 1, 0]], epochs=2, batch_size=2, seed=0,
                                              **{name: value})
    return call


def _call_plot_decision_boundary(value):
    return nnbook.plot_decision_boundary(NeuralNetwork([2, 3, 1], seed=0), X2.T, resolution=5, colorbar=value)


def _call_plot_losses(value):
    return nnbook.plot_losses({"run": [1.0, 0.5, 0.25]}, log=value)


def _call_fit_trace(value):
    return Perceptron(2).fit(*nnbook.logic_gate("AND"), trace=value)


def _call_plot_perceptron(name):
    def call(value):
        X, y = nnbook.logic_gate("AND")
        return nnbook.plot_perceptron(Perceptron(2).fit(X, y), X, y, **{name: value})
    return call


BOOL_PARAMETERS = {
    "NeuralNetwork.forward(training)": ("training", _call_forward),
    "check_shapes(verbose)": ("verbose", _call_check_shapes),
    "plot_network(show_weights)": ("show_weights", _call_plot_network),
    "gradient_check(verbose)": ("verbose", _call_gradient_check),
    "NeuralNetwork.train(verbose)": ("verbose", _call_train("verbose")),
    "NeuralNetwork.train(progress)": ("progress", _call_train("progress")),
    "NeuralNetwork.train_minibatch(verbose)": ("verbose", _call_train_minibatch("verbose")),
    "NeuralNetwork.train_minibatch(progress)": ("progress", _call_train_minibatch("progress")),
    "plot_decision_boundary(colorbar)": ("colorbar", _call_plot_decision_boundary),
    "plot_losses(log)": ("log", _call_plot_losses),
    "Perceptron.fit(trace)": ("trace", _call_fit_trace),
    **{f"plot_perceptron({flag})": (flag, _call_plot_perceptron(flag))
       for flag in ("margin", "weight_vector", "errors", "shade", "legend")},
}


@pytest.mark.parametrize("bad", ["no", "False", 0, 1, None, [True]], ids=repr)
@pytest.mark.parametrize("key", sorted(BOOL_PARAMETERS))
def test_boolean_parameters_refuse_non_booleans(key, bad):
    name, call = BOOL_PARAMETERS[key]
    with pytest.raises(TypeError, match=rf"^{name} must be True or False, got {type(bad).__name__} "):
        call(bad)


@pytest.mark.parametrize("key", sorted(BOOL_PARAMETERS))
def test_boolean_parameters_accept_numpy_booleans(key, capsys):
    name, call = BOOL_PARAMETERS[key]
    call(np.False_)
    call(True)


def test_forward_training_string_no_longer_runs_in_training_mode():
    """`training="no"` used to run dropout (a training pass); now it is refused before anything is drawn."""
    net = NeuralNetwork([2, 8, 2], output_activation="softmax", dropout=0.5, seed=0)
    state = net.rng.bit_generator.state
    with pytest.raises(TypeError, match=r"^training must be True or False, got str 'no'\.$"):
        net.forward(X2, training="no")
    assert net.rng.bit_generator.state == state                  # no dropout mask was drawn


def test_train_with_a_bad_flag_leaves_the_network_unchanged():
    net = _softmax_net()
    before = {k: v.copy() for k, v in net.parameters.items()}
    with pytest.raises(TypeError, match=r"^verbose must be True or False"):
        net.train(X2, np.eye(2)[:, [0, 1, 1, 0]], epochs=2, verbose="yes")
    assert all(np.array_equal(before[k], net.parameters[k]) for k in before)


# -------------------------------------------------------------------------------- 11. small API messages
@pytest.mark.parametrize("dtype", ["floaty", "float 32", "np.float32"])
def test_unknown_dtype_names_the_parameter(dtype):
    with pytest.raises(TypeError, match=rf"^dtype must be a floating type such as 'float32' or 'float64', "
                                        rf"got '{dtype}'"):
        NeuralNetwork([2, 3, 1], dtype=dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64", np.float32, np.dtype("float64"), "f4"])
def test_float_dtypes_still_accepted(dtype):
    assert NeuralNetwork([2, 3, 1], dtype=dtype).dtype == np.dtype(dtype)


def test_softmax_hidden_activation_is_explained():
    with pytest.raises(ValueError) as info:
        NeuralNetwork([2, 3, 2], hidden_activation="softmax")
    msg = str(info.value)
    assert "Unknown" not in msg
    assert msg.startswith("hidden_activation 'softmax' is an output activation")
    assert "normalises" in msg and "output layer" in msg and "output_activation='softmax'" in msg
    assert "relu" in msg and "tanh" in msg


def test_unknown_hidden_activation_still_lists_the_choices():
    with pytest.raises(ValueError, match=r"Unknown hidden_activation 'relux'; choose one of: elu, gelu"):
        NeuralNetwork([2, 3, 1], hidden_activation="relux")


def test_metadata_defaults_to_an_empty_dict_per_network():
    a, b = NeuralNetwork([2, 3, 1]), NeuralNetwork([2, 3, 1])
    assert a.metadata == {} and isinstance(a.metadata, dict)
    a.metadata["dataset"] = "mnist"
    assert b.metadata == {}                                       # not a shared default
    assert "metadata" not in repr(a)
    assert repr(a) == ("NeuralNetwork([2, 3, 1], hidden_activation='relu', output_activation='sigmoid', "
                       "init='he', dtype=float64)")
    again = pickle.loads(pickle.dumps(a))
    assert again.metadata == {"dataset": "mnist"}
    assert copy.deepcopy(a).metadata == {"dataset": "mnist"}


def test_metadata_is_documented():
    doc = NeuralNetwork.__doc__
    assert "metadata : dict" in doc and "load_network" in doc
