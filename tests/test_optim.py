"""Tests of helpers.optim: update rules against hand-computed arrays."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from helpers.optim import momentum, sgd


def test_sgd_step_by_hand():
    w = np.array([1.0, 2.0, 3.0])
    dw = np.array([0.5, -1.0, 2.0])
    out, config = sgd(w, dw, {"learning_rate": 0.1})
    assert out is w  # updated in place
    np.testing.assert_allclose(w, [0.95, 2.1, 2.8])
    assert config == {"learning_rate": 0.1}


def test_sgd_default_learning_rate():
    w = np.ones((2, 2), np.float32)
    _, config = sgd(w, np.ones((2, 2)), None)
    assert config["learning_rate"] == 1e-2
    np.testing.assert_allclose(w, 0.99)
    assert w.dtype == np.float32


def test_momentum_two_steps_by_hand():
    w = np.array([1.0, 2.0, 3.0])
    config = {"learning_rate": 0.1, "momentum": 0.9}
    momentum(w, np.array([0.5, -1.0, 2.0]), config)
    # v1 = -0.1 * dw1 = [-0.05, 0.1, -0.2]; w1 = w0 + v1
    np.testing.assert_allclose(config["velocity"], [-0.05, 0.1, -0.2])
    np.testing.assert_allclose(w, [0.95, 2.1, 2.8])
    out, config = momentum(w, np.array([1.0, 0.0, -1.0]), config)
    # v2 = 0.9 v1 - 0.1 dw2 = [-0.145, 0.09, -0.08]; w2 = w1 + v2
    assert out is w
    np.testing.assert_allclose(config["velocity"], [-0.145, 0.09, -0.08])
    np.testing.assert_allclose(w, [0.805, 2.19, 2.72])


def test_momentum_defaults():
    w = np.zeros(3)
    _, config = momentum(w, np.ones(3))
    assert config["learning_rate"] == 1e-2 and config["momentum"] == 0.9
    np.testing.assert_allclose(w, -0.01)


@settings(deadline=None)  # no timing: shared CI machines stall
@given(
    arrays(np.float64, 4, elements=st.floats(-10, 10)),
    arrays(np.float64, 4, elements=st.floats(-10, 10)),
    st.floats(0, 1),
)
def test_momentum_with_mu_zero_is_sgd(w, dw, lr):
    a, b = w.copy(), w.copy()
    sgd(a, dw, {"learning_rate": lr})
    momentum(b, dw, {"learning_rate": lr, "momentum": 0.0})
    np.testing.assert_allclose(a, b)


def test_sgd_descends_a_quadratic():
    # f(w) = |w|^2 / 2 has gradient w: each step shrinks w by (1 - lr).
    w = np.array([4.0, -2.0])
    for _ in range(3):
        sgd(w, w.copy(), {"learning_rate": 0.5})
    np.testing.assert_allclose(w, [0.5, -0.25])


@pytest.mark.parametrize("rule", [sgd, momentum])
@pytest.mark.parametrize(
    "w, dw, config, error, match",
    [
        (np.zeros(3), np.zeros(4), None, ValueError, "shape"),
        ([0.0, 1.0], np.zeros(2), None, TypeError, "numpy array"),
        (np.zeros(3, int), np.zeros(3), None, TypeError, "float"),
        (np.zeros(3), np.zeros(3), {"learning_rate": -1.0}, ValueError, "learning_rate"),
        (np.zeros(3), np.zeros(3), {"learning_rate": float("nan")}, ValueError, "learning_rate"),
        (np.zeros(3), np.zeros(3), 0.1, TypeError, "config"),
    ],
)
def test_bad_input(rule, w, dw, config, error, match):
    with pytest.raises(error, match=match):
        rule(w, dw, config)


@pytest.mark.parametrize("config, match", [
    ({"momentum": 1.0}, "momentum"),
    ({"velocity": np.zeros(2)}, "velocity"),
])
def test_momentum_bad_config(config, match):
    with pytest.raises(ValueError, match=match):
        momentum(np.zeros(3), np.zeros(3), config)
