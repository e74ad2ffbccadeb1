"""Tests of helpers.layers: every backward pass against centred finite differences (float64)."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from helpers.functions import cross_entropy, cross_entropy_grad
from helpers.gradcheck import check_gradient
from helpers.layers import (
    linear_backward,
    linear_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    softmax_cross_entropy,
)

TOL = 1e-7


@pytest.fixture
def rng():
    return np.random.default_rng(42)


# --------------------------------------------------------------------------------------
# Linear
# --------------------------------------------------------------------------------------


def test_linear_forward_values():
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    W = np.array([[1.0, 0.0, 2.0], [0.5, -1.0, 1.0]])
    b = np.array([0.1, 0.2, 0.3])
    out, _ = linear_forward(x, W, b)
    np.testing.assert_allclose(out, [[2.1, -1.8, 4.3], [2.6, 1.2, 5.3]])


@pytest.mark.parametrize("wrt", ["x", "W", "b"])
def test_linear_backward_matches_finite_differences(rng, wrt):
    x, W, b = rng.normal(size=(4, 5)), rng.normal(size=(5, 3)), rng.normal(size=3)
    dout = rng.normal(size=(4, 3))  # L = sum(out * dout) has dL/dout = dout
    _, cache = linear_forward(x, W, b)
    dx, dW, db = linear_backward(dout, cache)
    arrays_ = {"x": (x, dx), "W": (W, dW), "b": (b, db)}
    target, analytic = arrays_[wrt]

    def f():
        return float(np.sum(linear_forward(x, W, b)[0] * dout))

    assert check_gradient(f, target, analytic, tol=TOL) < TOL


def test_linear_keeps_float32(rng):
    x = rng.normal(size=(3, 4)).astype(np.float32)
    W = rng.normal(size=(4, 2)).astype(np.float32)
    b = np.zeros(2, np.float32)
    out, cache = linear_forward(x, W, b)
    dx, dW, db = linear_backward(np.ones_like(out), cache)
    assert out.dtype == dx.dtype == dW.dtype == db.dtype == np.float32


@pytest.mark.parametrize(
    "shapes, match",
    [
        (((3, 4), (5, 2), (2,)), "features"),
        (((3, 4), (4, 2), (3,)), "b must have shape"),
        (((4,), (4, 2), (2,)), "x must have 2 dimensions"),
        (((3, 4), (4,), (2,)), "W must have 2 dimensions"),
    ],
)
def test_linear_bad_shapes(shapes, match):
    x, W, b = (np.zeros(s) for s in shapes)
    with pytest.raises(ValueError, match=match):
        linear_forward(x, W, b)


def test_linear_rejects_integer_input():
    with pytest.raises(TypeError, match="float"):
        linear_forward(np.ones((2, 3), dtype=np.uint8), np.ones((3, 2)), np.zeros(2))


def test_linear_backward_bad_dout(rng):
    _, cache = linear_forward(rng.normal(size=(4, 5)), rng.normal(size=(5, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"\(4, 3\)"):
        linear_backward(np.zeros((3, 4)), cache)


# --------------------------------------------------------------------------------------
# ReLU
# --------------------------------------------------------------------------------------


def test_relu_forward_and_subgradient_at_zero():
    x = np.array([[-2.0, 0.0, 3.0]])
    out, cache = relu_forward(x)
    np.testing.assert_array_equal(out, [[0.0, 0.0, 3.0]])
    np.testing.assert_array_equal(relu_backward(np.ones_like(x), cache), [[0.0, 0.0, 1.0]])


def test_relu_backward_matches_finite_differences(rng):
    x = rng.normal(size=(6, 7))
    x[np.abs(x) < 0.01] = 0.5  # keep away from the kink, where differences are wrong
    dout = rng.normal(size=x.shape)
    _, cache = relu_forward(x)
    dx = relu_backward(dout, cache)
    assert check_gradient(lambda: float(np.sum(relu_forward(x)[0] * dout)), x, dx) < TOL


@settings(deadline=None)  # no timing: shared CI machines stall
@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)),
              elements=st.floats(-1e6, 1e6)))
def test_relu_properties(x):
    out, cache = relu_forward(x)
    assert (out >= 0).all() and out.dtype == x.dtype
    np.testing.assert_array_equal(out, np.where(x > 0, x, 0))
    dx = relu_backward(np.full_like(x, 2.0), cache)
    assert set(np.unique(dx)) <= {0.0, 2.0}


def test_relu_backward_bad_shape():
    _, cache = relu_forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        relu_backward(np.ones((3, 2)), cache)


# --------------------------------------------------------------------------------------
# Softmax cross-entropy
# --------------------------------------------------------------------------------------


def test_softmax_cross_entropy_known_value():
    # Uniform scores: p = 1/C for every class, so the loss is log(C).
    loss, d = softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
    assert loss == pytest.approx(np.log(4))
    np.testing.assert_allclose(d, [[-0.375, 0.125, 0.125, 0.125], [0.125, 0.125, 0.125, -0.375]])


def test_softmax_cross_entropy_gradient_matches_finite_differences(rng):
    logits = rng.normal(scale=3.0, size=(5, 10))
    y = rng.integers(0, 10, size=5)
    _, d = softmax_cross_entropy(logits, y)
    assert check_gradient(lambda: softmax_cross_entropy(logits, y)[0], logits, d) < TOL


def test_softmax_cross_entropy_agrees_with_functions(rng):
    logits = rng.normal(scale=5.0, size=(8, 10))
    y = rng.integers(0, 10, size=8)
    loss, d = softmax_cross_entropy(logits, y)
    assert loss == pytest.approx(cross_entropy(logits, y), rel=1e-12)
    np.testing.assert_allclose(d, cross_entropy_grad(logits, y), rtol=1e-12, atol=1e-15)


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            loss, d = softmax_cross_entropy(logits, np.array([2, 2]))
    assert loss == pytest.approx(1e4)  # first row: -log p = 2e4, second: 0
    assert np.isfinite(d).all()


def test_softmax_cross_entropy_keeps_float32_and_does_not_modify_input(rng):
    logits = rng.normal(size=(4, 3)).astype(np.float32)
    before = logits.copy()
    _, d = softmax_cross_entropy(logits, np.array([0, 1, 2, 0]))
    assert d.dtype == np.float32
    np.testing.assert_array_equal(logits, before)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda n: st.tuples(
            arrays(np.float64, (n, 5), elements=st.floats(-50, 50)),
            arrays(np.int64, n, elements=st.integers(0, 4)),
            st.floats(-100, 100),
        )
    )
)
def test_softmax_cross_entropy_properties(args):
    logits, y, shift = args
    loss, d = softmax_cross_entropy(logits, y)
    assert loss >= 0
    np.testing.assert_allclose(d.sum(axis=1), 0, atol=1e-12)  # rows of P - Y sum to 0
    loss2, d2 = softmax_cross_entropy(logits + shift, y)  # invariant to a shift per row
    assert loss2 == pytest.approx(loss, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(d2, d, atol=1e-12)


@pytest.mark.parametrize(
    "logits, labels, error, match",
    [
        (np.zeros(5), np.array([0]), ValueError, "2 dimensions"),
        (np.zeros((3, 4)), np.array([0, 1]), ValueError, "expected 3 labels"),
        (np.zeros((2, 4)), np.array([0, 4]), ValueError, r"0\.\.3"),
        (np.zeros((2, 4)), np.array([0.0, 1.0]), TypeError, "integers"),
        (np.array([[0.0, np.nan]]), np.array([0]), ValueError, "NaN"),
        (np.zeros((0, 4)), np.zeros(0, dtype=int), ValueError, "empty"),
        (np.zeros((2, 4), dtype=int), np.array([0, 1]), TypeError, "float"),
    ],
)
def test_softmax_cross_entropy_bad_input(logits, labels, error, match):
    with pytest.raises(error, match=match):
        softmax_cross_entropy(logits, labels)


def test_softmax_cross_entropy_unchecked_path_agrees(rng):
    logits = rng.normal(size=(6, 10)).astype(np.float32)
    y = rng.integers(0, 10, size=6)
    loss, d = softmax_cross_entropy(logits, y)
    loss2, d2 = softmax_cross_entropy(logits, y, check=False)
    assert loss == loss2
    np.testing.assert_array_equal(d, d2)


# --------------------------------------------------------------------------------------
# Sigmoid: the NaN/inf checks keep the stable formula (the values are tested in
# tests/test_layer_classes.py; the error messages in tests/test_bad_input_arrays.py)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_checked_and_still_stable_at_plus_minus_1000(dtype):
    """Finite inputs as large as +-1000 pass the checks and neither overflow nor warn: the
    outputs saturate to exactly 0 and 1, and so does the slope, to 0."""
    x = np.array([[-1000.0, -30.0, 0.0], [30.0, 1000.0, 1e-3]], dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        out, cache = sigmoid_forward(x)
        dx = sigmoid_backward(np.ones_like(x), cache)
    assert out.dtype == dx.dtype == dtype and out[0, 0] == 0 and out[1, 1] == 1 and out[0, 2] == 0.5
    assert dx[0, 0] == dx[1, 1] == 0 and dx[0, 2] == 0.25
    np.testing.assert_array_equal(dx, np.ones_like(x) * (out * (1 - out)))  # unchanged formula


def test_sigmoid_nan_errors_name_the_argument_and_count():
    x = np.zeros((3, 4))
    x[1, 2], x[2, 0], x[0, 3] = np.nan, np.nan, -np.inf
    with pytest.raises(ValueError, match=r"^x must contain only finite numbers, found 2 NaN and "
                       r"1 inf \(the first at index \(0, 3\).*lower the learning rate"):
        sigmoid_forward(x)
    _, cache = sigmoid_forward(np.zeros((2, 2), np.float32))
    dout = np.array([[np.nan, 1.0], [np.inf, np.nan]], np.float32)
    with pytest.raises(ValueError, match=r"^dout must contain only finite numbers, found 2 NaN "
                       r"and 1 inf"):
        sigmoid_backward(dout, cache)
