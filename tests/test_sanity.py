"""Issue 14, class 2: helpers.sanity, the checks for plainly wrong training set-ups.

Each check is tested on what it must catch (the message names the argument, what was
expected and what was found) and on what it must let through.
"""

import math
import warnings

import numpy as np
import pytest

from helpers import sanity
from helpers.functions import NonFiniteError

# --------------------------------------------------------------------------------------
# Images not scaled to [0, 1]
# --------------------------------------------------------------------------------------


def test_raw_uint8_pixels():
    raw = np.array([[0, 12, 255]], np.uint8)
    with pytest.raises(TypeError) as excinfo:
        sanity.check_scaled(raw, "X_train")
    assert str(excinfo.value) == (
        "X_train holds raw uint8 pixels (0..255); training expects floats in [0, 1]: "
        "use helpers.data.scale(X_train)"
    )


def test_floats_from_0_to_255():
    with pytest.raises(ValueError) as excinfo:
        sanity.check_scaled(np.array([[0.0, 128.0, 255.0]], np.float32), "X_val")
    msg = str(excinfo.value)
    assert msg.startswith("X_val ranges over 0..255; expected pixels scaled to [0, 1]")
    assert "helpers.data.scale(images)" in msg


@pytest.mark.parametrize("X", [
    np.linspace(0, 1, 784, dtype=np.float32)[None],  # scaled
    np.random.default_rng(0).normal(size=(5, 4)),  # standardised: a deliberate choice
    np.zeros((0, 784), np.float32),
])
def test_scaled_or_standardised_inputs_pass(X):
    sanity.check_scaled(X)


# --------------------------------------------------------------------------------------
# Hyper-parameters of the wrong type or range
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "error", "words"), [
    ("0.1", TypeError, "lr must be a number, got str '0.1' (a string, e.g. read from a config "
                       "file? convert it: float(...) or int(...))"),
    (None, TypeError, "lr must be a number, got None"),
    (True, TypeError, "lr must be a number, got bool True"),
    ([0.1], TypeError, "lr must be a number, got list [0.1]"),
    (float("nan"), ValueError, "lr must be a finite number, got nan"),
    (0.0, ValueError, "lr must be greater than 0, got 0"),
    (-0.5, ValueError, "lr must be greater than 0, got -0.5"),
])
def test_check_real_refuses(value, error, words):
    with pytest.raises(error) as excinfo:
        sanity.check_real(value, "lr", 0, above=True)
    assert str(excinfo.value) == words


def test_check_real_accepts_and_bounds():
    assert sanity.check_real(np.float32(0.5), "lr", 0, above=True) == 0.5
    assert sanity.check_real(3, "reg", 0) == 3.0 and isinstance(sanity.check_real(3, "x"), float)
    assert sanity.check_real(0, "reg", 0) == 0.0
    with pytest.raises(ValueError, match="momentum must be at most 1, got 1.5"):
        sanity.check_real(1.5, "momentum", 0, 1)


@pytest.mark.parametrize(("value", "error", "words"), [
    (6000.0, TypeError, "batch_size must be an int, got float 6000.0 (use int(...) or //: "
                        "batch_size=6000 if that is what you mean)"),
    (12.5, TypeError, "batch_size must be an int, got float 12.5"),
    ("64", TypeError, "batch_size must be an int, got str '64' (a string"),
    (None, TypeError, "batch_size must be an int, got None"),
    (0, ValueError, "batch_size must be at least 1, got 0"),
])
def test_check_count_refuses(value, error, words):
    with pytest.raises(error) as excinfo:
        sanity.check_count(value, "batch_size")
    assert str(excinfo.value).startswith(words)


def test_check_count_accepts_numpy_ints():
    assert sanity.check_count(np.int64(64), "batch_size") == 64
    assert type(sanity.check_count(np.int64(64), "batch_size")) is int


@pytest.mark.parametrize(("rng", "words"), [
    (0, "rng must be a np.random.Generator, got int 0: pass np.random.default_rng(0), not the "
        "seed itself"),
    (np.random.RandomState(0), "that is the legacy RandomState"),
    (np.random, "got the module numpy.random"),
    (None, "got None, e.g. np.random.default_rng(0)"),
    ("0", "got str '0'"),
])
def test_check_generator_refuses(rng, words):
    with pytest.raises(TypeError) as excinfo:
        sanity.check_generator(rng)
    assert words in str(excinfo.value)


def test_check_generator_and_seed_accept():
    g = np.random.default_rng(1)
    assert sanity.check_generator(g) is g
    assert sanity.check_seed(np.uint32(7)) == 7
    with pytest.raises(TypeError, match="seed must be an int seed, got a Generator"):
        sanity.check_seed(g)
    with pytest.raises(ValueError, match="seed must be at least 0, got -1"):
        sanity.check_seed(-1)
    with pytest.raises(TypeError, match="seed must be an int, got float 0.5"):
        sanity.check_seed(0.5)


# --------------------------------------------------------------------------------------
# NaN or inf gradients, read-only parameters
# --------------------------------------------------------------------------------------


def test_nan_gradient_names_the_parameter():
    grads = {"W1": np.zeros((3, 2)), "b1": np.zeros(2), "W2": np.zeros((2, 2))}
    grads["W2"][0, 1] = np.nan
    grads["W2"][1, 1] = np.inf
    with pytest.raises(NonFiniteError) as excinfo:
        sanity.check_gradients(grads, step=17)
    assert str(excinfo.value).startswith(
        "the gradient of W2 at step 17 has 1 NaN and 1 inf entries (of 4)")
    assert "lower the learning rate" in str(excinfo.value)
    assert isinstance(excinfo.value, FloatingPointError)


def test_finite_gradients_pass_even_when_their_sum_overflows():
    sanity.check_gradients({"W": np.full(4, 1e308), "b": np.zeros(2, np.float32)})


def test_read_only_parameter():
    params = {"W1": np.zeros((2, 2)), "b1": np.broadcast_to(np.zeros(1), (2,))}
    with pytest.raises(ValueError) as excinfo:
        sanity.check_writeable(params)
    msg = str(excinfo.value)
    assert msg.startswith("parameter 'b1' is read-only (flags.writeable is False")
    assert "params['b1'] = params['b1'].copy()" in msg
    with pytest.raises(TypeError, match=r"'W' must be a float NumPy array \(updated in pl"):
        sanity.check_writeable({"W": [1.0, 2.0]})
    sanity.check_writeable({"W": np.zeros(3)})


# --------------------------------------------------------------------------------------
# A loss that rises, or stays far above ln C
# --------------------------------------------------------------------------------------


def run(monitor, losses):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = [monitor.update(v) for v in losses]
    return [r for r in results if r], [str(w.message) for w in caught
                                        if issubclass(w.category, sanity.SanityWarning)]


def test_rising_loss_warns_once():
    losses = [2.3] * 10 + list(np.linspace(2.3, 6.0, 40))
    said, warned = run(sanity.LossMonitor(10, window=10, lr=0.5), losses)
    assert len(said) == 1 and warned == said
    assert said[0].startswith("the training loss is rising: mean ")
    assert "the learning rate (0.5) is probably too high" in said[0]


def test_loss_far_above_chance_warns():
    said, _ = run(sanity.LossMonitor(10, window=5), [9.0] * 5)
    assert said == [
        "the training loss stays at 9.000 (mean of the last 5 steps), far above ln 10 = 2.303, "
        "the loss of guessing uniformly; the learning rate is probably too high, or the inputs "
        "are not scaled (helpers.data.scale)"
    ]


def test_healthy_and_noisy_losses_stay_silent():
    rng = np.random.default_rng(0)
    falling = 2.3 * np.exp(-np.arange(200) / 50) + 0.1 * rng.random(200)
    assert run(sanity.LossMonitor(10, window=20), falling) == ([], [])
    tiny_rise = np.linspace(0.01, 0.05, 100)  # overfitting noise, far below ln C
    assert run(sanity.LossMonitor(10, window=20), tiny_rise) == ([], [])
    assert run(sanity.LossMonitor(10, window=20), [math.nan] * 50) == ([], [])


def test_monitor_memory_is_bounded():
    monitor = sanity.LossMonitor(10, window=8)
    for _ in range(10_000):
        monitor.update(1.0)
    assert len(monitor.losses) <= 8


# --------------------------------------------------------------------------------------
# Used by helpers.data: minibatches and stratified_split check their arguments' types
# --------------------------------------------------------------------------------------


def test_minibatches_refuse_an_int_for_the_generator_and_a_float_batch_size():
    from helpers import data

    X, y = np.zeros((10, 2)), np.zeros(10, int)
    with pytest.raises(TypeError, match=r"rng must be a np.random.Generator, got int 0: pass "
                                         r"np.random.default_rng\(0\)"):
        data.minibatches(X, y, 4, rng=0)  # at the call, not at the first batch
    with pytest.raises(TypeError, match="batch_size must be an int, got float 2.5"):
        data.minibatches(X, y, 10 / 4)
    with pytest.raises(TypeError, match="batch_size must be an int, got str '4'"):
        data.minibatches(X, y, "4")
    assert len(list(data.minibatches(X, y, np.int64(4), rng=np.random.default_rng(0)))) == 3


def test_stratified_split_refuses_strings_and_none():
    from helpers import data

    labels = np.arange(20) % 2
    with pytest.raises(TypeError, match="val_size must be an int, got str '5'"):
        data.stratified_split(labels, "5")
    with pytest.raises(TypeError, match="seed must be an int, got None"):
        data.stratified_split(labels, 5, seed=None)
    with pytest.raises(TypeError, match="seed must be an int, got str '0'"):
        data.stratified_split(labels, 5, seed="0")
    a = data.stratified_split(labels, 0.25, seed=np.random.default_rng(3))
    assert len(a[1]) == 5


# --------------------------------------------------------------------------------------
# check_fit and TrainingWatch: what fit calls
# --------------------------------------------------------------------------------------

GOOD = {"epochs": 1, "batch_size": 64, "lr": 0.1, "reg": 0.0}


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"lr": "0.1"}, TypeError, "lr must be a number, got str '0.1' (a string"),
    ({"lr": 0}, ValueError, "lr must be greater than 0, got 0"),
    ({"reg": None}, TypeError, "reg must be a number, got None"),
    ({"batch_size": 128.0}, TypeError, "batch_size must be an int, got float 128.0"),
    ({"epochs": "3"}, TypeError, "epochs must be an int, got str '3'"),
    ({"rng": 0}, TypeError, "rng must be a np.random.Generator, got int 0"),
])
def test_check_fit_refuses(kwargs, error, words):
    args = {**GOOD, "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error) as excinfo:
        sanity.check_fit(np.zeros((4, 3)), **args)
    assert str(excinfo.value).startswith(words)


def test_check_fit_refuses_raw_pixels_but_not_small_feature_scales():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="X_train ranges over 0..255; expected pixels scaled"):
        sanity.check_fit(np.array([[0.0, 255.0]]), rng=rng, **GOOD)
    with pytest.raises(TypeError, match="X_val holds raw uint8 pixels"):
        sanity.check_fit(np.zeros((2, 2)), np.zeros((2, 2), np.uint8), rng=rng, **GOOD)
    sanity.check_fit(np.array([[0.0, 16.0]]), rng=rng, **GOOD)  # sklearn's 8x8 digits
    sanity.check_fit(np.zeros((2, 2)), rng=rng, **{**GOOD, "lr": None})


def test_training_watch():
    watch = sanity.check_fit(np.zeros((2, 2)), rng=np.random.default_rng(0), **GOOD)
    watch(0, 2.3, {"W1": np.zeros(3)})
    with pytest.raises(NonFiniteError, match="the gradient of b2 at step 5 has 1 NaN"):
        watch(5, 2.3, {"W1": np.zeros(3), "b2": np.array([0.0, np.nan])})
    with pytest.warns(sanity.SanityWarning, match=r"the learning rate \(0.1\) is probably"):
        for step in range(40):
            watch(step, 2.3 + 0.2 * step)
