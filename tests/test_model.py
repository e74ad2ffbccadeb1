"""Tests of helpers.model.TwoLayerNet: initialisation, loss, gradients, input checks."""

import numpy as np
import pytest

from helpers.gradcheck import check_gradient
from helpers.layers import (
    linear_backward,
    linear_forward,
    relu_backward,
    relu_forward,
    softmax_cross_entropy,
)
from helpers.model import TwoLayerNet


def small_net(dtype=np.float64, init="he", seed=0):
    return TwoLayerNet(D=12, H=9, C=4, init=init, dtype=dtype, rng=np.random.default_rng(seed))


def small_batch(n=6, seed=1, D=12, C=4):
    rng = np.random.default_rng(seed)
    return rng.random((n, D)), rng.integers(0, C, size=n)


def randomise_biases(net, seed=2):
    rng = np.random.default_rng(seed)
    for k in ("b1", "b2"):
        net.params[k][:] = rng.normal(scale=0.5, size=net.params[k].shape)


# --------------------------------------------------------------------------------------
# Initialisation
# --------------------------------------------------------------------------------------


def test_default_shapes_and_dtypes():
    net = TwoLayerNet(rng=np.random.default_rng(0))
    shapes = {k: v.shape for k, v in net.params.items()}
    assert shapes == {"W1": (784, 256), "b1": (256,), "W2": (256, 10), "b2": (10,)}
    assert all(v.dtype == np.float32 for v in net.params.values())
    assert not net.params["b1"].any() and not net.params["b2"].any()


@pytest.mark.parametrize("init, std0, std1", [("he", np.sqrt(2 / 784), np.sqrt(2 / 256)),
                                              ("tutorial", 0.1, 0.1)])
def test_init_scales(init, std0, std1):
    net = TwoLayerNet(init=init, rng=np.random.default_rng(0))
    assert net.params["W1"].std() == pytest.approx(std0, rel=0.02)  # 200,704 draws
    assert net.params["W2"].std() == pytest.approx(std1, rel=0.1)  # 2,560 draws
    assert abs(net.params["W1"].mean()) < 0.1 * std0


def test_same_seed_same_weights_and_dtypes_share_the_draw():
    a, b = small_net(np.float32, seed=3), small_net(np.float32, seed=3)
    c, d = small_net(np.float64, seed=3), small_net(np.float32, seed=4)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
        np.testing.assert_array_equal(a.params[k], c.params[k].astype(np.float32))
    assert not np.array_equal(a.params["W1"], d.params["W1"])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({}, ValueError, "rng="),
        ({"rng": 0, "init": "xavier"}, ValueError, "init must be one of"),
        ({"rng": 0, "dtype": np.int32}, TypeError, "float32 or float64"),
        ({"rng": 0, "H": 0}, ValueError, "H must be a positive integer"),
        ({"rng": 0, "C": 1}, ValueError, "at least 2 classes"),
    ],
)
def test_bad_construction(kwargs, error, match):
    with pytest.raises(error, match=match):
        TwoLayerNet(**kwargs)


# --------------------------------------------------------------------------------------
# Loss and gradients
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("reg", [0.0, 0.3])
@pytest.mark.parametrize("name", ["W1", "b1", "W2", "b2"])
def test_loss_gradient_matches_finite_differences(name, reg):
    net = small_net()
    randomise_biases(net)
    X, y = small_batch()
    _, grads = net.loss(X, y, reg=reg)
    f = lambda: net.loss(X, y, reg=reg)[0]  # noqa: E731
    assert check_gradient(f, net.params[name], grads[name], tol=1e-7) < 1e-7


def test_loss_equals_the_composed_layers():
    net = small_net()
    randomise_biases(net)
    X, y = small_batch()
    p, reg = net.params, 0.2
    z, c0 = linear_forward(X, p["W1"], p["b1"])
    a, cr = relu_forward(z)
    s, c1 = linear_forward(a, p["W2"], p["b2"])
    data_loss, ds = softmax_cross_entropy(s, y)
    da, dW2, db2 = linear_backward(ds, c1)
    _, dW1, db1 = linear_backward(relu_backward(da, cr), c0)
    expected = data_loss + 0.5 * reg * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))

    loss, grads = net.loss(X, y, reg=reg)
    assert loss == pytest.approx(expected, rel=1e-12)
    want = {"W1": dW1 + reg * p["W1"], "b1": db1, "W2": dW2 + reg * p["W2"], "b2": db2}
    for k, g in want.items():
        np.testing.assert_allclose(grads[k], g, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(net.scores(X), s, rtol=1e-12)


def test_zero_weights_give_log_c_and_no_hidden_gradient():
    net = small_net()
    for v in net.params.values():
        v[:] = 0
    X, y = small_batch()
    loss, grads = net.loss(X, y)
    assert loss == pytest.approx(np.log(4))
    assert not grads["W1"].any() and not grads["W2"].any()  # all hidden units dead
    np.testing.assert_allclose(grads["b2"].sum(), 0, atol=1e-15)


def test_returned_gradients_are_not_overwritten_by_later_calls():
    net = small_net()
    X, y = small_batch()
    _, g1 = net.loss(X, y)
    saved = {k: v.copy() for k, v in g1.items()}
    net.loss(*small_batch(seed=5))
    net.loss(*small_batch(n=3, seed=6))
    for k in saved:
        np.testing.assert_array_equal(g1[k], saved[k])


def test_grads_argument_is_filled_in_place_and_batch_sizes_can_alternate():
    net = small_net()
    buf = net.zero_grads()
    for n, seed in [(6, 1), (3, 2), (6, 3)]:  # alternating sizes reuse per-size buffers
        X, y = small_batch(n=n, seed=seed)
        loss, g = net.loss(X, y, grads=buf)
        assert g is buf
        fresh = small_net()
        loss2, g2 = fresh.loss(X, y)
        assert loss == loss2
        for k in g:
            np.testing.assert_array_equal(g[k], g2[k])


def test_float32_loss_close_to_float64():
    X, y = small_batch()
    l32, g32 = small_net(np.float32).loss(X.astype(np.float32), y, reg=0.1)
    l64, g64 = small_net(np.float64).loss(X, y, reg=0.1)
    assert l32 == pytest.approx(l64, rel=1e-5)
    assert g32["W1"].dtype == np.float32
    np.testing.assert_allclose(g32["W1"], g64["W1"], rtol=1e-3, atol=1e-6)


def test_float64_input_is_accepted_by_a_float32_net():
    X, y = small_batch()
    net = small_net(np.float32)
    assert net.loss(X, y)[0] == net.loss(X.astype(np.float32), y)[0]
    assert net.scores(X).dtype == np.float32


def test_scores_and_predict():
    net = small_net()
    X, _ = small_batch(n=7)
    s = net.scores(X)
    assert s.shape == (7, 4)
    np.testing.assert_array_equal(net.predict(X), s.argmax(axis=1))
    assert net.predict(X).dtype == np.int64


@pytest.mark.parametrize(
    "X, y, kwargs, error, match",
    [
        (np.zeros((3, 11)), np.zeros(3, int), {}, ValueError, r"\(N, 12\)"),
        (np.zeros((3, 12), np.uint8), np.zeros(3, int), {}, TypeError, "scale"),
        (np.full((3, 12), np.nan), np.zeros(3, int), {}, ValueError, "NaN"),
        (np.zeros((0, 12)), np.zeros(0, int), {}, ValueError, "empty"),
        (np.zeros((3, 12)), np.array([0, 1, 4]), {}, ValueError, r"0\.\.3"),
        (np.zeros((3, 12)), np.zeros(2, int), {}, ValueError, "expected 3 labels"),
        (np.zeros((3, 12)), np.zeros(3, int), {"reg": -1.0}, ValueError, "reg"),
        (np.zeros((3, 12)), np.zeros(3, int), {"grads": {}}, ValueError, "grads"),
    ],
)
def test_loss_bad_input(X, y, kwargs, error, match):
    with pytest.raises(error, match=match):
        small_net().loss(X, y, **kwargs)


def test_overflowing_scores_raise_floating_point_error():
    net = small_net(np.float32)
    net.params["W1"][:] = 3e38  # X @ W1 overflows float32
    X, y = small_batch()
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        net.loss(X, y)
