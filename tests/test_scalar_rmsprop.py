"""Tests of helpers.optim.scalar_rmsprop: T1/T5's per-tensor "RMSprop", written out by hand."""

import math

import numpy as np
import pytest

from helpers.optim import RULES, scalar_rmsprop


def t1_by_hand(w, grads, eta=0.5, gamma=0.99, eps=1e-3, reset_every=500):
    """T1's formulas for one tensor, one iteration at a time, with the logging-block reset.

    Loop index i = 0, 1, ...: g <- gamma g + (1 - gamma) sum(dW^2); W <- W - eta/sqrt(g+eps) dW;
    then, if i % reset_every == 0 (the logging block, after the update), g <- 1.
    """
    w = np.array(w, dtype=np.float64)
    g = 1.0
    for i, dw in enumerate(grads):
        g = gamma * g + (1 - gamma) * float(np.sum(dw**2))
        w = w - eta / math.sqrt(g + eps) * dw
        if i % reset_every == 0:
            g = 1.0
    return w, g


def test_three_steps_by_hand():
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    grads = [np.array([[0.3, -0.4], [1.2, 0.0]]), np.array([[2.0, 1.0], [-1.0, 0.5]]),
             np.array([[-0.1, 0.2], [0.3, -0.4]])]
    config = {}
    # step 1: g = 0.99 * 1 + 0.01 * (0.09 + 0.16 + 1.44) = 1.0069, then the reset (i = 0)
    s1 = 0.5 / math.sqrt(0.99 + 0.01 * 1.69 + 1e-3)
    expected = w - s1 * grads[0]
    out, config = scalar_rmsprop(w, grads[0], config)
    assert out is w
    np.testing.assert_allclose(w, expected, rtol=1e-14)
    assert config["cache"] == 1.0 and config["t"] == 1
    # step 2 starts from g = 1 again: g = 0.99 + 0.01 * 6.25
    g2 = 0.99 + 0.01 * 6.25
    expected = expected - 0.5 / math.sqrt(g2 + 1e-3) * grads[1]
    scalar_rmsprop(w, grads[1], config)
    np.testing.assert_allclose(w, expected, rtol=1e-14)
    assert config["cache"] == pytest.approx(g2, rel=1e-14) and config["t"] == 2
    # step 3 accumulates: g = 0.99 g2 + 0.01 * 0.3
    g3 = 0.99 * g2 + 0.01 * 0.30
    expected = expected - 0.5 / math.sqrt(g3 + 1e-3) * grads[2]
    scalar_rmsprop(w, grads[2], config)
    np.testing.assert_allclose(w, expected, rtol=1e-14)
    assert config["cache"] == pytest.approx(g3, rel=1e-14)
    w_ref, g_ref = t1_by_hand([[1.0, -2.0], [0.5, 3.0]], grads)
    np.testing.assert_allclose(w, w_ref, rtol=1e-14)
    assert config["cache"] == pytest.approx(g_ref, rel=1e-14)


def test_defaults_are_t1s():
    w = np.zeros(3)
    _, config = scalar_rmsprop(w, np.ones(3))
    assert config["learning_rate"] == 0.5 and config["decay_rate"] == 0.99
    assert config["epsilon"] == 1e-3 and config["reset_every"] == 500
    np.testing.assert_allclose(w, -0.5 / math.sqrt(0.99 + 0.03 + 1e-3))


def test_reset_every_500_matches_the_logging_block():
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(4, 3)) * (1 + i % 7) for i in range(1203)]
    w = rng.normal(size=(4, 3))
    w_ref, g_ref = t1_by_hand(w, grads)
    config, caches = {}, []
    for dw in grads:
        scalar_rmsprop(w, dw, config)
        caches.append(config["cache"])
    np.testing.assert_allclose(w, w_ref, rtol=1e-12)
    assert config["cache"] == pytest.approx(g_ref, rel=1e-12)
    resets = [t for t, c in enumerate(caches, start=1) if c == 1.0]
    assert resets == [1, 501, 1001]  # after updates 1, 501, 1001: T1's "after i+1 iterations"


def test_small_reset_every_and_no_reset():
    grads = [np.full(2, 3.0)] * 5
    a, b = np.zeros(2), np.zeros(2)
    ca, cb = {"reset_every": 2}, {"reset_every": None}
    for dw in grads:
        scalar_rmsprop(a, dw, ca)
        scalar_rmsprop(b, dw, cb)
    w_ref, _ = t1_by_hand(np.zeros(2), grads, reset_every=2)
    np.testing.assert_allclose(a, w_ref, rtol=1e-14)
    # reset_every=None: the accumulator is never reset, not even after step 1
    g, w = 1.0, np.zeros(2)
    for dw in grads:
        g = 0.99 * g + 0.01 * float(dw @ dw)
        w = w - 0.5 / math.sqrt(g + 1e-3) * dw
    np.testing.assert_allclose(b, w, rtol=1e-14)
    assert cb["cache"] == pytest.approx(g)


def test_in_place_float32_and_one_step_size_for_all_entries():
    w = np.ones((3, 2), np.float32)
    dw = np.arange(6, dtype=np.float32).reshape(3, 2)
    before = w.copy()
    out, config = scalar_rmsprop(w, dw, {"reset_every": None})
    assert out is w and w.dtype == np.float32
    step = (before - w)[dw != 0] / dw[dw != 0]
    np.testing.assert_allclose(step, step[0], rtol=1e-6)  # the same scalar step everywhere
    assert isinstance(config["cache"], float)


def test_in_rules():
    assert RULES["scalar_rmsprop"] is scalar_rmsprop


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({"decay_rate": 1.0}, "decay_rate"),
        ({"decay_rate": -0.1}, "decay_rate"),
        ({"epsilon": 0.0}, "epsilon"),
        ({"epsilon": float("nan")}, "epsilon"),
        ({"cache": np.ones(3)}, "one finite float"),
        ({"cache": -1.0}, "cache"),
        ({"reset_every": 0}, "reset_every"),
        ({"reset_every": 2.5}, "reset_every"),
        ({"t": -1}, "t"),
        ({"learning_rate": -0.5}, "learning_rate"),
    ],
)
def test_bad_config(config, match):
    w = np.zeros(3)
    with pytest.raises(ValueError, match=match):
        scalar_rmsprop(w, np.ones(3), config)
    np.testing.assert_array_equal(w, 0)  # nothing moved


def test_bad_arrays():
    with pytest.raises(TypeError, match="float"):
        scalar_rmsprop(np.zeros(3, int), np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        scalar_rmsprop(np.zeros(3), np.ones(4))
    with pytest.raises(TypeError, match="dict"):
        scalar_rmsprop(np.zeros(3), np.ones(3), [("learning_rate", 0.5)])
