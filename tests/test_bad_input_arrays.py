"""Issue 14, class 5: functions, layers, the gradient checker and the plots.

Empty batches, ragged lists, a backward given the wrong cache, a function under gradient
check that returns a tuple or a vector, read-only arrays, NaN in every layer: a message
that names the argument and says what was expected. Plots refuse what they cannot draw in
reasonable time (a 10,000-image grid; raw labels passed where counts are expected).
"""

import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import functions, gradcheck, plots  # noqa: E402
from helpers.functions import NonFiniteError  # noqa: E402
from helpers.layers import (  # noqa: E402
    linear_backward,
    linear_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    softmax_cross_entropy,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 3))
W = RNG.normal(size=(3, 2))
B = np.zeros(2)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def message(error, call) -> str:
    with pytest.raises(error) as excinfo:
        call()
    return str(excinfo.value)


# --------------------------------------------------------------------------------------
# Empty batches and ragged lists
# --------------------------------------------------------------------------------------


def test_empty_batch_in_a_layer():
    msg = message(ValueError, lambda: linear_forward(np.zeros((0, 3)), W, B))
    assert msg == "x must hold at least one example (row), got shape (0, 3) (an empty batch?)"
    msg = message(ValueError, lambda: softmax_cross_entropy(np.zeros((0, 10)), []))
    assert "logits must hold at least one row (got an empty batch)" in msg


def test_empty_array_under_gradient_check():
    msg = message(ValueError, lambda: gradcheck.numerical_gradient(lambda: 0.0, np.zeros((0, 3))))
    assert msg == "x is empty (shape (0, 3)): there is no entry to check"


RAGGED = [[1.0, 2.0, 3.0], [4.0, 5.0]]


@pytest.mark.parametrize(("call", "name"), [
    (lambda: functions.softmax(RAGGED), "z"),
    (lambda: functions.relu(RAGGED), "z"),
    (lambda: functions.cross_entropy(RAGGED, [0, 1]), "logits"),
    (lambda: functions.cross_entropy([[1.0, 2.0], [3.0, 4.0]], [[0], [1, 0]]), "labels"),
    (lambda: linear_forward(RAGGED, W, B), "x"),
    (lambda: relu_forward(RAGGED), "x"),
    (lambda: softmax_cross_entropy(RAGGED, [0, 1]), "logits"),
    (lambda: plots.digit_grid([np.zeros(784), np.zeros(783)]), "images"),
    (lambda: plots.bar_counts([[1, 2], [3]]), "counts"),
], ids=["softmax", "relu", "cross_entropy", "labels", "linear_forward", "relu_forward",
        "softmax_cross_entropy", "digit_grid", "bar_counts"])
def test_ragged_lists_name_the_argument(call, name):
    msg = message(ValueError, call)
    assert msg.startswith(f"{name} must be a rectangular array (every row of the same length)")
    assert "got a ragged list" in msg


def test_ragged_list_says_the_lengths():
    msg = message(ValueError, lambda: functions.softmax(RAGGED))
    assert msg.endswith("got a ragged list (2 rows of different lengths: 2, 3)")


@pytest.mark.parametrize(("value", "found"), [(None, "None"), ("0.5", "dtype <U3")])
def test_not_numbers_say_what_they_are(value, found):
    assert message(TypeError, lambda: functions.relu(value)).endswith(f"got {found}")
    assert message(TypeError, lambda: relu_forward(value)).endswith(f"got {found}")


# --------------------------------------------------------------------------------------
# A backward pass given the wrong cache
# --------------------------------------------------------------------------------------


def test_linear_backward_given_the_relu_mask():
    out, lin = linear_forward(X, W, B)
    _, mask = relu_forward(out)
    msg = message(TypeError, lambda: linear_backward(np.ones((4, 2)), mask))
    assert "cache must be the (x, W) pair that linear_forward returned" in msg
    assert "got a bool array of shape (4, 2) (the mask of relu_forward?)" in msg


def test_linear_backward_given_a_swapped_pair():
    _, (x, w) = linear_forward(X, W, B)
    msg = message(TypeError, lambda: linear_backward(np.ones((4, 2)), (w, x)))
    assert "got a tuple of 2 items (float64 (3, 2), float64 (4, 3))" in msg


def test_relu_backward_given_the_linear_cache_or_the_input():
    _, lin = linear_forward(X, W, B)
    msg = message(TypeError, lambda: relu_backward(np.ones((4, 3)), lin))
    assert "cache must be the boolean mask x > 0 that relu_forward returned" in msg
    assert "got a tuple of 2 items" in msg and "(the cache of linear_forward?)" in msg
    msg = message(TypeError, lambda: relu_backward(np.ones((4, 3)), X))
    assert "got a float64 array of shape (4, 3) (the input x itself? pass the mask)" in msg
    assert "got None" in message(TypeError, lambda: relu_backward(np.ones((4, 3)), None))


# --------------------------------------------------------------------------------------
# NaN in every layer
# --------------------------------------------------------------------------------------


def with_nan(a, where=(0, 0)):
    a = a.copy()
    a[where] = np.nan
    return a


@pytest.mark.parametrize(("call", "name", "count"), [
    (lambda: linear_forward(with_nan(X), W, B), "x", "1 NaN and 0 inf"),
    (lambda: linear_forward(X, with_nan(W, (1, 1)), B), "W", "1 NaN and 0 inf"),
    (lambda: linear_forward(X, W, np.array([np.inf, 0.0])), "b", "0 NaN and 1 inf"),
    (lambda: relu_forward(with_nan(X, (2, 1))), "x", "1 NaN and 0 inf"),
    (lambda: softmax_cross_entropy(with_nan(X), [0, 1, 2, 0]), "logits", "1 NaN and 0 inf"),
    (lambda: sigmoid_forward(with_nan(X, (1, 2))), "x", "1 NaN and 0 inf"),
    (lambda: sigmoid_forward(np.array([np.inf, -np.inf, 0.0], np.float32)), "x", "0 NaN and 2 inf"),
    (lambda: sigmoid_backward(with_nan(X, (3, 0)), sigmoid_forward(X)[1]), "dout",
     "1 NaN and 0 inf"),
    # inf where the sigmoid is saturated (out == 1, slope 0): inf * 0 is NaN, still caught
    (lambda: sigmoid_backward(np.array([1.0, np.inf]), sigmoid_forward(np.array([0.0, 1000.0]))[1]),
     "dout", "0 NaN and 1 inf"),
], ids=["linear-x", "linear-W", "linear-b", "relu", "softmax_cross_entropy", "sigmoid-x-nan",
        "sigmoid-x-inf", "sigmoid-dout-nan", "sigmoid-dout-inf-where-saturated"])
def test_nan_in_every_layer(call, name, count):
    with pytest.raises(NonFiniteError) as excinfo:
        call()
    msg = str(excinfo.value)
    assert msg.startswith(f"{name} must contain only finite numbers, found {count}")
    assert "lower the learning rate" in msg
    assert isinstance(excinfo.value, ValueError) and isinstance(excinfo.value, FloatingPointError)


def test_sigmoid_backward_given_the_input_or_another_cache():
    """The cache must be sigmoid_forward's out, a float array in [0, 1]: the input x, a NaN,
    the ReLU mask or None get an error saying what was expected and what was found."""
    _, out = sigmoid_forward(X)
    dout = np.ones_like(X)
    msg = message(ValueError, lambda: sigmoid_backward(dout, X))  # x itself, not out
    n_out = int(((X < 0) | (X > 1)).sum())
    assert "cache must be the output out of sigmoid_forward, with values in [0, 1]" in msg
    assert f"found {n_out} outside [0, 1] and 0 NaN" in msg
    assert "(the input x itself? pass the out that sigmoid_forward returned)" in msg
    msg = message(ValueError, lambda: sigmoid_backward(dout, with_nan(out, (2, 2))))
    assert "found 0 outside [0, 1] and 1 NaN" in msg and "input x itself" not in msg
    _, mask = relu_forward(X)
    msg = message(TypeError, lambda: sigmoid_backward(dout, mask))
    assert "cache must be the output out (a float array) that sigmoid_forward returned" in msg
    assert "(the mask of relu_forward?)" in msg
    assert "got None" in message(TypeError, lambda: sigmoid_backward(dout, None))


def test_nan_message_names_the_first_bad_index_not_the_array():
    big = np.zeros((1000, 784))
    big[7, 5] = np.nan
    msg = message(ValueError, lambda: relu_forward(big))
    assert "the first at index (7, 5)" in msg and len(msg) < 200


def test_huge_finite_values_are_not_taken_for_inf():
    big = np.full((4, 3), 1e308)  # the sum overflows, every entry is finite
    out, _ = relu_forward(big)
    assert np.isfinite(out).all()


# --------------------------------------------------------------------------------------
# The gradient checker: f returning a tuple or a vector; read-only x
# --------------------------------------------------------------------------------------


def loss_and_grad(x):
    return float(np.sum(x**2)), 2 * x


@pytest.mark.parametrize(("f", "words"), [
    (lambda x: lambda: loss_and_grad(x),
     "got a tuple of 2 items; if it returns (loss, grads), check lambda: f()[0]"),
    (lambda x: lambda: x**2, "got an array of shape (2, 3): a loss is a single number"),
    (lambda x: lambda: None, "got None (a missing return?)"),
    (lambda x: lambda: "1.0", "got str '1.0'"),
], ids=["tuple", "vector", "none", "string"])
def test_f_must_return_one_float(f, words):
    x = RNG.normal(size=(2, 3))
    before = x.copy()
    msg = message(TypeError, lambda: gradcheck.numerical_gradient(f(x), x))
    assert msg.startswith("f must return the loss as one float") and words in msg
    np.testing.assert_array_equal(x, before)  # restored
    with pytest.raises(TypeError, match="f must return the loss as one float"):
        gradcheck.check_gradient(f(x), x, 2 * x)


def test_size_one_array_and_numpy_scalars_are_a_loss():
    x = RNG.normal(size=3)
    for f in (lambda: np.sum(x**2), lambda: np.array([np.sum(x**2)]), lambda: np.float32(1)):
        gradcheck.numerical_gradient(f, x)


def test_f_that_is_not_a_function():
    x = np.zeros(3)
    assert "f must be a function of no arguments" in message(
        TypeError, lambda: gradcheck.numerical_gradient(1.0, x))


def test_read_only_x():
    x = np.broadcast_to(np.zeros(3), (2, 3))
    msg = message(ValueError, lambda: gradcheck.numerical_gradient(lambda: 0.0, x))
    assert "x is read-only (x.flags.writeable is False" in msg
    assert "params['W'] = params['W'].copy()" in msg


def test_f_reading_a_copy_gets_a_hint():
    x = RNG.normal(size=3)
    copy = x.copy()
    msg = message(AssertionError,
                  lambda: gradcheck.check_gradient(lambda: float(np.sum(copy**2)), x, 2 * x))
    assert "the numerical gradient is exactly 0 everywhere: does f read x itself" in msg


def test_analytic_given_as_a_tuple_of_gradients():
    x = RNG.normal(size=3)
    msg = message(TypeError, lambda: gradcheck.check_gradient(
        lambda: float(np.sum(x**2)), x, (2 * x, np.zeros(2))))
    assert msg.startswith("analytic must be one gradient array, got a tuple of 2 arrays")
    assert "shapes (3,), (2,)" in msg


# --------------------------------------------------------------------------------------
# Plots refuse what they cannot draw in reasonable time
# --------------------------------------------------------------------------------------


def fast(call, error=ValueError) -> str:
    start = time.monotonic()
    msg = message(error, call)
    assert time.monotonic() - start < 1.0
    return msg


def test_digit_grid_of_ten_thousand_images():
    images = np.zeros((10_000, 28, 28), np.uint8)
    msg = fast(lambda: plots.digit_grid(images, labels=np.zeros(10_000, int)))
    assert "digit_grid draws one panel per image, and images holds 10000" in msg
    assert "at most 400 are drawn" in msg and "rng.choice(len(images), 100" in msg


def test_weight_images_with_too_many_columns():
    msg = fast(lambda: plots.weight_images(np.zeros((784, 1000))))
    assert "W has 1000 columns" in msg and "W[:, :100]" in msg


def test_misclassified_gallery_with_a_huge_n():
    probs = np.full((5, 10), 0.1)
    msg = fast(lambda: plots.misclassified_gallery(np.zeros((5, 784)), np.ones(5, int), probs,
                                                    n=10_000))
    assert "misclassified_gallery draws two panels per mistake, and n is 10000" in msg


def test_confusion_matrix_of_too_many_classes():
    msg = fast(lambda: plots.confusion_matrix_plot(np.zeros((1000, 1000), int)))
    assert msg.startswith("cm is 1000 x 1000: 1000000 annotated cells")


def test_raw_labels_passed_where_counts_are_expected():
    labels = np.random.default_rng(0).integers(0, 10, size=60_000)
    msg = fast(lambda: plots.bar_counts(labels))
    assert msg.startswith("counts has 60000 entries, all whole numbers in 0..9: raw labels")
    assert "pass np.bincount(labels, minlength=10)" in msg
    msg = fast(lambda: plots.bar_counts(np.random.default_rng(0).random(5000)))
    assert "counts has 5000 entries" in msg and "at most 200" in msg


def test_up_to_the_limit_is_drawn(monkeypatch):
    assert plots.MAX_PANELS >= 256  # the course draws 256 hidden units' weights
    monkeypatch.setattr(plots, "MAX_PANELS", 3)
    assert len(plots.digit_grid(np.zeros((3, 784), np.uint8)).axes) == 3
    with pytest.raises(ValueError, match="images holds 4"):
        plots.digit_grid(np.zeros((4, 784), np.uint8))
    fig = plots.bar_counts(np.bincount(np.arange(60) % 10))
    assert len(fig.axes) == 1
