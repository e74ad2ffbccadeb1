"""Tests of helpers.gradcheck: centred differences, relative error, check_gradient."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from helpers.gradcheck import check_gradient, numerical_gradient, relative_error

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def pairs(draw):
    shape = draw(array_shapes(min_dims=1, max_dims=2, max_side=5))
    a = draw(arrays(np.float64, shape, elements=finite))
    b = draw(arrays(np.float64, shape, elements=finite))
    return a, b


# --------------------------------------------------------------------------------------
# numerical_gradient
# --------------------------------------------------------------------------------------


def test_numerical_gradient_of_a_quadratic_is_exact_enough():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    x = rng.normal(size=4)
    grad = numerical_gradient(lambda: float(x @ A @ x), x)
    np.testing.assert_allclose(grad, (A + A.T) @ x, rtol=1e-8, atol=1e-9)


def test_numerical_gradient_restores_x_exactly_and_keeps_its_shape():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 2, 2)) * 1e3
    before = x.copy()
    grad = numerical_gradient(lambda: float(np.sum(np.sin(x))), x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(grad, np.cos(x), atol=1e-6)


def test_numerical_gradient_on_a_non_contiguous_view():
    base = np.arange(12.0).reshape(3, 4)
    view = base[:, ::2]  # f reads the view, which writes through to base
    grad = numerical_gradient(lambda: float(np.sum(view**2)), view)
    np.testing.assert_allclose(grad, 2 * view, rtol=1e-8)


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0])
    calls = []

    def f():
        calls.append(x.copy())
        if len(calls) == 2:
            raise RuntimeError("boom")
        return float(x.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_numerical_gradient_refuses_float32_and_explains_why():
    x = np.ones(3, dtype=np.float32)
    with pytest.raises(TypeError, match=r"float64.*got float32.*1e-3.*astype\(np.float64\)"):
        numerical_gradient(lambda: float(x.sum()), x)


def test_numerical_gradient_bad_input():
    with pytest.raises(TypeError, match="NumPy float64 array"):
        numerical_gradient(lambda: 0.0, [1.0, 2.0])
    with pytest.raises(TypeError, match="got int64"):
        numerical_gradient(lambda: 0.0, np.arange(3))
    x = np.ones(2)
    with pytest.raises(ValueError, match="small positive number"):
        numerical_gradient(lambda: 0.0, x, h=0)
    with pytest.raises(ValueError, match=r"non-finite value.*index \(0,\)"):
        numerical_gradient(lambda: float("nan") if x[0] > 1 else 0.0, x)
    ro = np.ones(2)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        numerical_gradient(lambda: 0.0, ro)


# --------------------------------------------------------------------------------------
# relative_error
# --------------------------------------------------------------------------------------


@given(pairs())
def test_relative_error_properties(ab):
    a, b = ab
    e = relative_error(a, b)
    assert isinstance(e, float)
    assert 0.0 <= e <= 1.0
    assert e == relative_error(b, a)
    assert relative_error(a, a) == 0.0
    assert (e == 0.0) == np.array_equal(a, b)
    if np.any(a != 0):
        assert relative_error(a, -a) == pytest.approx(1.0)
    assert relative_error(3.0 * a, 3.0 * b) == pytest.approx(e, rel=1e-9, abs=1e-300)


def test_relative_error_values():
    assert relative_error(np.array([1.0, 0.0]), np.array([1.0 + 1e-8, 0.0])) == pytest.approx(
        0.5e-8, rel=1e-6
    )
    # judged against the whole gradient, not entry by entry: a 1e-12 slip on a zero entry
    # next to an entry of size 1 is negligible
    assert relative_error(np.array([1.0, 0.0]), np.array([1.0, 1e-12])) < 1e-11
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.zeros(0), np.zeros(0)) == 0.0


def test_relative_error_bad_input():
    with pytest.raises(ValueError, match=r"same shape, got \(2,\) and \(3,\)"):
        relative_error(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="b contains NaN or inf"):
        relative_error(np.zeros(2), np.array([0.0, np.nan]))


# --------------------------------------------------------------------------------------
# check_gradient
# --------------------------------------------------------------------------------------


def test_check_gradient_accepts_a_correct_gradient():
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    err = check_gradient(lambda: float(np.sum(x**3)), x, 3 * x**2)
    assert 0.0 <= err < 1e-9


def test_check_gradient_rejects_a_wrong_gradient_and_names_the_worst_entry():
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    wrong = 3 * x**2
    wrong[1, 0] *= 1.01  # a 1% error in one entry
    with pytest.raises(AssertionError) as info:
        check_gradient(lambda: float(np.sum(x**3)), x, wrong)
    msg = str(info.value)
    assert "relative error" in msg and "tol 1e-06" in msg
    assert "index (1, 0)" in msg
    assert "analytic 1.212000e+01" in msg and "numerical 1.200000e+01" in msg


def test_check_gradient_catches_a_missing_factor_one_over_n():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3))
    # mean of squares; the "forgot to divide by N" gradient is 8 times too large
    with pytest.raises(AssertionError, match="gradient check failed"):
        check_gradient(lambda: float(np.mean(x**2)), x, 2 * x)


def test_check_gradient_bad_input():
    x = np.ones((2, 2))
    with pytest.raises(ValueError, match=r"shape of x, \(2, 2\), got \(4,\)"):
        check_gradient(lambda: float(x.sum()), x, np.ones(4))
    with pytest.raises(ValueError, match="analytic contains NaN or inf"):
        check_gradient(lambda: float(x.sum()), x, np.full((2, 2), np.nan))
    with pytest.raises(TypeError, match="float32"):
        x32 = x.astype(np.float32)
        check_gradient(lambda: float(x32.sum()), x32, np.ones((2, 2)))
