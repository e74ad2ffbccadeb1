"""Tests of helpers.functions: softmax, log-softmax, cross-entropy, ReLU, sigmoid."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from helpers.functions import (
    cross_entropy,
    cross_entropy_grad,
    log_softmax,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
)
from helpers.gradcheck import check_gradient


@pytest.fixture
def strict():
    """Any floating-point warning (overflow, invalid, divide, underflow) is an error."""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


def logits_arrays(max_abs=50.0, min_rows=1, max_rows=6, min_cols=1, max_cols=8):
    """Float64 (N, C) logits with entries in [-max_abs, max_abs]."""
    shapes = st.tuples(st.integers(min_rows, max_rows), st.integers(min_cols, max_cols))
    return arrays(
        np.float64,
        shapes,
        elements=st.floats(-max_abs, max_abs, allow_nan=False, allow_infinity=False),
    )


def logits_and_labels(max_abs=50.0, min_cols=1):
    @st.composite
    def build(draw):
        z = draw(logits_arrays(max_abs=max_abs, min_cols=min_cols))
        n, c = z.shape
        y = draw(arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
        return z, y

    return build()


EXTREME = np.array(
    [
        [1e4, -1e4, 0.0, 3.0],
        [-1e4, -1e4, -1e4, -1e4],
        [1e4, 1e4, -1e4, 1e4],
        [-1e4, 1e4, 1e-30, -5.0],
    ]
)
EXTREME_LABELS = np.array([1, 0, 2, 3])


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------


@given(logits_arrays(max_abs=1e4))
def test_softmax_rows_are_distributions(z):
    p = softmax(z)
    assert p.shape == z.shape
    assert np.all(p >= 0) and np.all(p <= 1)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)


@given(logits_arrays(), st.lists(st.floats(-100, 100), min_size=6, max_size=6))
def test_softmax_invariant_to_a_constant_per_row(z, shifts):
    c = np.array(shifts[: len(z)])[:, None]
    np.testing.assert_allclose(softmax(z + c), softmax(z), rtol=1e-9, atol=1e-15)


@given(logits_arrays(max_abs=1e4))
def test_softmax_is_monotonic_in_the_scores(z):
    p = softmax(z)
    for zr, pr in zip(z, p, strict=True):
        smaller = zr[:, None] < zr[None, :]
        assert np.all((pr[:, None] <= pr[None, :])[smaller])


@given(logits_arrays(max_abs=30.0))
def test_log_softmax_equals_log_of_softmax(z):
    # at |z| <= 30 every probability is >= exp(-60), far from underflow: log is exact enough
    np.testing.assert_allclose(log_softmax(z), np.log(softmax(z)), rtol=1e-10, atol=1e-12)


@given(logits_arrays(max_abs=1e4))
def test_log_softmax_is_finite_and_nonpositive(z):
    lp = log_softmax(z)
    assert np.all(np.isfinite(lp)) and np.all(lp <= 0)


def naive_cross_entropy(z, y):
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return -np.mean(np.log(p[np.arange(len(y)), y]))


@given(logits_and_labels(max_abs=20.0))
def test_cross_entropy_equals_the_naive_formula(zy):
    z, y = zy
    loss = cross_entropy(z, y)
    assert isinstance(loss, float)
    assert loss == pytest.approx(naive_cross_entropy(z, y), rel=1e-10, abs=1e-12)


@given(logits_and_labels(max_abs=1e4))
def test_cross_entropy_grad_rows_sum_to_zero(zy):
    z, y = zy
    g = cross_entropy_grad(z, y)
    assert g.shape == z.shape
    np.testing.assert_allclose(g.sum(axis=1), 0.0, atol=1e-12)


def test_uniform_logits_give_log_c():
    z = np.zeros((3, 10))
    assert cross_entropy(z, np.array([0, 5, 9])) == pytest.approx(np.log(10))


# --------------------------------------------------------------------------------------
# Gradients against centred finite differences (float64)
# --------------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(logits_and_labels(max_abs=5.0, min_cols=2))
def test_cross_entropy_grad_matches_finite_differences(zy):
    z, y = zy
    z = z.copy()
    check_gradient(lambda: cross_entropy(z, y), z, cross_entropy_grad(z, y))


def away_from(value, margin):
    return st.floats(-5, 5).filter(lambda v: abs(v - value) > margin)


@settings(max_examples=25, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 6), elements=away_from(0.0, 1e-3)),
    arrays(np.float64, 6, elements=st.floats(-2, 2)),
)
def test_relu_grad_matches_finite_differences(z, weights):
    # f = sum(w * relu(z)) so that df/dz = w * relu'(z); inputs kept off the kink at 0
    z = z.copy()
    w = weights[: len(z)]
    check_gradient(lambda: float(np.sum(w * relu(z))), z, w * relu_grad(z))


@settings(max_examples=25, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 6), elements=st.floats(-6, 6)),
    arrays(np.float64, 6, elements=st.floats(-2, 2)),
)
def test_sigmoid_grad_matches_finite_differences(z, weights):
    # |z| <= 6 keeps s(1 - s) >= 2.5e-3, large enough to measure with h = 1e-5
    z = z.copy()
    w = weights[: len(z)]
    check_gradient(lambda: float(np.sum(w * sigmoid(z))), z, w * sigmoid_grad(z))


def test_sigmoid_values():
    z = np.array([-np.log(3.0), 0.0, np.log(3.0)])
    np.testing.assert_allclose(sigmoid(z), [0.25, 0.5, 0.75])
    np.testing.assert_allclose(sigmoid_grad(z), [0.1875, 0.25, 0.1875])


@given(arrays(np.float64, st.integers(1, 8), elements=st.floats(-1e4, 1e4)))
def test_sigmoid_symmetry(z):
    np.testing.assert_allclose(sigmoid(-z), 1 - sigmoid(z), atol=1e-15)


def test_relu_and_its_subgradient_at_zero():
    z = np.array([-2.0, -0.0, 0.0, 1e-300, 3.0])
    np.testing.assert_array_equal(relu(z), [0, 0, 0, 1e-300, 3])
    np.testing.assert_array_equal(relu_grad(z), [0, 0, 0, 1, 1])


# --------------------------------------------------------------------------------------
# Extreme inputs: finite, correct, and not a single warning
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_no_warnings(strict, dtype):
    z = EXTREME.astype(dtype)
    p = softmax(z)
    lp = log_softmax(z)
    loss = cross_entropy(z, EXTREME_LABELS)
    g = cross_entropy_grad(z, EXTREME_LABELS)
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(lp)) and np.all(np.isfinite(g))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(p[0], [1, 0, 0, 0])
    np.testing.assert_allclose(p[1], [0.25] * 4)
    np.testing.assert_allclose(p[2], [1 / 3, 1 / 3, 0, 1 / 3], rtol=1e-6)
    # -log p[label] per row: 2e4; log 4; 2e4 + log 3; 1e4 + 5
    expected = (2e4 + np.log(4) + 2e4 + np.log(3) + 1e4 + 5) / 4
    assert loss == pytest.approx(expected, rel=1e-6)
    assert np.isfinite(loss)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_activations_no_warnings(strict, dtype):
    z = np.array([-1e4, -800.0, -100.0, -1.0, 0.0, 1.0, 100.0, 800.0, 1e4], dtype=dtype)
    s = sigmoid(z)
    ds = sigmoid_grad(z)
    assert np.all(np.isfinite(s)) and np.all((s >= 0) & (s <= 1))
    assert s[0] == 0 and s[-1] == 1 and s[4] == 0.5
    assert np.all(np.isfinite(ds)) and ds[0] == 0 and ds[-1] == 0 and ds[4] == 0.25
    assert np.all(np.isfinite(relu(z))) and np.all(np.isfinite(relu_grad(z)))


def test_naive_softmax_would_overflow():
    """The reason for the max-shift: documents what the stable version avoids."""
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        np.exp(EXTREME)


# --------------------------------------------------------------------------------------
# Dtypes
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "fn", [softmax, log_softmax, relu, relu_grad, sigmoid, sigmoid_grad], ids=lambda f: f.__name__
)
def test_dtype_is_preserved(fn, dtype):
    z = np.linspace(-3, 3, 12, dtype=dtype).reshape(3, 4)
    out = fn(z)
    assert out.dtype == dtype and out.shape == z.shape


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_dtypes(dtype):
    z = np.linspace(-3, 3, 12, dtype=dtype).reshape(3, 4)
    y = np.array([0, 1, 3])
    assert cross_entropy_grad(z, y).dtype == dtype
    assert type(cross_entropy(z, y)) is float
    assert cross_entropy(z, y) == pytest.approx(cross_entropy(z.astype(np.float64), y), rel=1e-6)


def test_integer_input_becomes_float64_and_input_is_not_modified():
    z = np.array([[1, 2, 3]])
    assert softmax(z).dtype == np.float64
    zf = np.array([[1.0, 2.0, 3.0]])
    before = zf.copy()
    for fn in (softmax, log_softmax, relu, sigmoid, sigmoid_grad, relu_grad):
        fn(zf)
    cross_entropy(zf, [2])
    cross_entropy_grad(zf, [2])
    np.testing.assert_array_equal(zf, before)


def test_softmax_of_a_single_vector_and_of_a_batch_of_batches():
    v = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(softmax(v), softmax(v[None])[0])
    b = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_allclose(softmax(b).sum(axis=-1), 1.0)


# --------------------------------------------------------------------------------------
# Bad input: clear errors that say what was expected
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [cross_entropy, cross_entropy_grad], ids=lambda f: f.__name__)
class TestCrossEntropyBadInput:
    def test_logits_not_2d(self, fn):
        with pytest.raises(ValueError, match=r"2-D of shape \(N, C\).*got shape \(4,\)"):
            fn(np.zeros(4), np.array([0]))
        with pytest.raises(ValueError, match=r"2-D.*\(2, 3, 4\)"):
            fn(np.zeros((2, 3, 4)), np.array([0, 1]))

    def test_labels_count_mismatch(self, fn):
        with pytest.raises(ValueError, match="labels has 2 entries but logits has 3 rows"):
            fn(np.zeros((3, 4)), np.array([0, 1]))

    def test_one_hot_labels(self, fn):
        with pytest.raises(ValueError, match=r"shape \(N,\).*one-hot.*argmax"):
            fn(np.zeros((3, 4)), np.eye(4)[[0, 1, 2]].astype(int))

    def test_float_labels(self, fn):
        with pytest.raises(TypeError, match=r"integers in 0\.\.3.*float64.*astype"):
            fn(np.zeros((2, 4)), np.array([0.0, 1.0]))

    def test_bool_labels(self, fn):
        with pytest.raises(TypeError, match="integers"):
            fn(np.zeros((2, 4)), np.array([True, False]))

    @pytest.mark.parametrize("bad", [4, -1, 10])
    def test_labels_out_of_range(self, fn, bad):
        with pytest.raises(ValueError, match=rf"0\.\.3 \(4 classes\), found {bad}"):
            fn(np.zeros((2, 4)), np.array([0, bad]))

    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    def test_non_finite_logits(self, fn, bad):
        z = np.zeros((2, 3))
        z[1, 2] = bad
        with pytest.raises(ValueError, match="logits must contain only finite numbers"):
            fn(z, np.array([0, 1]))

    def test_empty_batch(self, fn):
        with pytest.raises(ValueError, match="at least one example"):
            fn(np.zeros((0, 3)), np.array([], dtype=int))

    def test_non_numeric_logits(self, fn):
        with pytest.raises(TypeError, match="real numbers"):
            fn(np.array([["a", "b"]]), np.array([0]))


@pytest.mark.parametrize(
    "fn", [softmax, log_softmax, relu, relu_grad, sigmoid, sigmoid_grad], ids=lambda f: f.__name__
)
def test_non_finite_input_is_rejected(fn):
    with pytest.raises(ValueError, match=r"finite numbers, found 1 NaN and 2 inf"):
        fn(np.array([[0.0, np.nan, np.inf, -np.inf]]))


@pytest.mark.parametrize("fn", [softmax, log_softmax], ids=lambda f: f.__name__)
def test_softmax_needs_a_class_axis(fn):
    with pytest.raises(ValueError, match="class axis"):
        fn(np.float64(1.0))
    with pytest.raises(ValueError, match="at least one class"):
        fn(np.zeros((3, 0)))


def test_complex_and_bool_input_rejected():
    with pytest.raises(TypeError, match="real numbers"):
        sigmoid(np.array([1 + 1j]))
    with pytest.raises(TypeError, match="real numbers"):
        relu(np.array([True, False]))
