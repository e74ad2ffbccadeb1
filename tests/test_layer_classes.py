"""Tests of the layer objects of helpers.layers (topic 03): Linear, ReLU, Sigmoid,
SoftmaxCrossEntropy, and the sigmoid_forward/backward functions they call.

Every backward pass is checked against centred finite differences in float64.
"""

import warnings

import numpy as np
import pytest

from helpers.functions import sigmoid
from helpers.gradcheck import check_gradient
from helpers.layers import (
    INITS,
    Linear,
    ReLU,
    Sigmoid,
    SoftmaxCrossEntropy,
    linear_backward,
    linear_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    softmax_cross_entropy,
)
from helpers.model import TwoLayerNet

TOL = 1e-7


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def sum_against(layer, x, dout):
    """L = sum(layer.forward(x) * dout), whose gradient at the output is dout."""
    return lambda: float(np.sum(layer.forward(x) * dout))


# --------------------------------------------------------------------------------------
# sigmoid_forward / sigmoid_backward
# --------------------------------------------------------------------------------------


def test_sigmoid_functions_values_and_stability():
    x = np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, cache = sigmoid_forward(x)
        dx = sigmoid_backward(np.ones_like(x), cache)
    np.testing.assert_allclose(out, [0.0, 1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-1)), 1.0])
    np.testing.assert_allclose(dx, out * (1 - out))
    assert dx[2] == 0.25 and dx[0] == 0 and dx[-1] == 0


def test_sigmoid_backward_matches_finite_differences(rng):
    x, dout = rng.normal(size=(4, 6)) * 3, rng.normal(size=(4, 6))
    _, cache = sigmoid_forward(x)
    dx = sigmoid_backward(dout, cache)
    assert check_gradient(lambda: float(np.sum(sigmoid_forward(x)[0] * dout)), x, dx) < TOL


def test_sigmoid_functions_keep_float32_and_check_input():
    x = np.linspace(-5, 5, 6, dtype=np.float32)
    out, cache = sigmoid_forward(x)
    assert out.dtype == sigmoid_backward(np.ones_like(x), cache).dtype == np.float32
    with pytest.raises(TypeError, match="float"):
        sigmoid_forward(np.arange(3))
    with pytest.raises(ValueError, match="shape"):
        sigmoid_backward(np.ones(4), cache)


# --------------------------------------------------------------------------------------
# Linear
# --------------------------------------------------------------------------------------


def test_linear_attributes_and_shapes(rng):
    layer = Linear(5, 3, rng=rng)
    assert (layer.n_in, layer.n_out) == (5, 3)
    assert set(layer.params) == set(layer.grads) == {"W", "b"}
    assert layer.params["W"].shape == layer.grads["W"].shape == (5, 3)
    assert layer.params["b"].shape == layer.grads["b"].shape == (3,)
    assert all(v.dtype == np.float32 for v in (*layer.params.values(), *layer.grads.values()))
    assert not layer.params["b"].any()
    assert "Linear(5, 3" in repr(layer)


@pytest.mark.parametrize(
    "init, std",
    [("he", np.sqrt(2 / 400)), ("lecun", np.sqrt(1 / 400)), ("tutorial", 0.1),
     ("glorot", np.sqrt(2 / (400 + 300)))],
)
def test_linear_init_scales(init, std):
    W = Linear(400, 300, init=init, rng=np.random.default_rng(0)).params["W"]
    assert W.std() == pytest.approx(std, rel=0.01)  # 120,000 draws
    assert abs(W.mean()) < 0.02 * std


def test_glorot_is_uniform_within_its_limit():
    W = Linear(400, 300, init="glorot", rng=np.random.default_rng(0), dtype=np.float64).params["W"]
    limit = np.sqrt(6 / 700)
    assert np.abs(W).max() <= limit and np.abs(W).max() > 0.999 * limit
    counts = np.histogram(W, bins=10, range=(-limit, limit))[0]  # flat: ~12,000 per bin
    assert counts.min() > 0.95 * counts.mean()


def test_linear_draws_in_float64_then_casts_like_two_layer_net():
    a = Linear(20, 7, rng=np.random.default_rng(3), dtype=np.float64)
    b = Linear(20, 7, rng=np.random.default_rng(3), dtype=np.float32)
    np.testing.assert_array_equal(a.params["W"].astype(np.float32), b.params["W"])
    for init in ("he", "tutorial"):
        r = np.random.default_rng(5)
        first, second = Linear(12, 9, init=init, rng=r), Linear(9, 4, init=init, rng=r)
        net = TwoLayerNet(D=12, H=9, C=4, init=init, rng=np.random.default_rng(5))
        np.testing.assert_array_equal(first.params["W"], net.params["W1"])
        np.testing.assert_array_equal(second.params["W"], net.params["W2"])


@pytest.mark.parametrize("wrt", ["x", "W", "b"])
def test_linear_backward_matches_finite_differences(rng, wrt):
    layer = Linear(5, 3, init="glorot", rng=rng, dtype=np.float64)
    layer.params["b"][:] = rng.normal(size=3)
    x, dout = rng.normal(size=(4, 5)), rng.normal(size=(4, 3))
    layer.forward(x)
    dx = layer.backward(dout)
    target, analytic = {"x": (x, dx), "W": (layer.params["W"], layer.grads["W"].copy()),
                        "b": (layer.params["b"], layer.grads["b"].copy())}[wrt]
    assert check_gradient(sum_against(layer, x, dout), target, analytic, tol=TOL) < TOL


def test_linear_calls_the_functions_and_fills_grads_in_place(rng):
    layer = Linear(5, 3, rng=rng, dtype=np.float64)
    W, b, gW, gb = layer.params["W"], layer.params["b"], layer.grads["W"], layer.grads["b"]
    x, dout = rng.normal(size=(4, 5)), rng.normal(size=(4, 3))
    out = layer.forward(x)
    want, cache = linear_forward(x, W, b)
    np.testing.assert_array_equal(out, want)
    dx = layer.backward(dout)
    for got, ref in zip((dx, layer.grads["W"], layer.grads["b"]), linear_backward(dout, cache),
                        strict=True):
        np.testing.assert_array_equal(got, ref)
    # the arrays are still the same objects (a container that holds them sees the update)
    assert layer.grads["W"] is gW and layer.grads["b"] is gb
    assert layer.params["W"] is W and layer.params["b"] is b


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(n_in=0, n_out=3), ValueError, "n_in must be a positive integer"),
        (dict(n_in=4, n_out=2.5), ValueError, "n_out must be a positive integer"),
        (dict(n_in=4, n_out=3, init="xavier"), ValueError, "init must be one of"),
        (dict(n_in=4, n_out=3, rng=None), ValueError, "rng="),
        (dict(n_in=4, n_out=3, dtype=np.float16), TypeError, "float32 or float64"),
    ],
)
def test_linear_bad_arguments(kwargs, err, match):
    kwargs = {"rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(err, match=match):
        Linear(**kwargs)


def test_inits_listed():
    assert INITS == ("he", "lecun", "glorot", "tutorial")


def test_backward_before_forward_is_a_clear_error(rng):
    for layer in (Linear(3, 2, rng=rng), ReLU(), Sigmoid(), SoftmaxCrossEntropy()):
        with pytest.raises(RuntimeError, match="before forward"):
            layer.backward(np.ones((1, 2), np.float32)) if not isinstance(
                layer, SoftmaxCrossEntropy) else layer.backward()


# --------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [ReLU, Sigmoid])
def test_activation_backward_matches_finite_differences(rng, cls):
    layer = cls()
    x = rng.normal(size=(5, 4)) * 2
    x[np.abs(x) < 1e-3] = 0.5  # away from the ReLU's kink
    dout = rng.normal(size=x.shape)
    layer.forward(x)
    dx = layer.backward(dout)
    assert layer.params == {} and layer.grads == {}
    assert check_gradient(sum_against(layer, x, dout), x, dx, tol=TOL) < TOL


def test_activations_equal_their_functions(rng):
    x, dout = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    relu, sig = ReLU(), Sigmoid()
    out, mask = relu_forward(x)
    np.testing.assert_array_equal(relu.forward(x), out)
    np.testing.assert_array_equal(relu.backward(dout), relu_backward(dout, mask))
    np.testing.assert_array_equal(sig.forward(x), sigmoid(x))
    s = sigmoid(x)
    np.testing.assert_allclose(sig.backward(dout), dout * s * (1 - s), rtol=1e-15)


def test_sigmoid_layer_is_stable_at_large_inputs():
    layer = Sigmoid()
    x = np.array([[-1000.0, 1000.0]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = layer.forward(x)
        dx = layer.backward(np.ones_like(x))
    np.testing.assert_array_equal(out, [[0.0, 1.0]])
    np.testing.assert_array_equal(dx, [[0.0, 0.0]])
    assert out.dtype == dx.dtype == np.float32


# --------------------------------------------------------------------------------------
# SoftmaxCrossEntropy
# --------------------------------------------------------------------------------------


def test_softmax_cross_entropy_layer(rng):
    scores, y = rng.normal(size=(6, 4)) * 3, rng.integers(0, 4, size=6)
    layer = SoftmaxCrossEntropy()
    loss = layer.forward(scores, y)
    want_loss, want_grad = softmax_cross_entropy(scores, y)
    assert type(loss) is float and loss == want_loss
    dscores = layer.backward()
    np.testing.assert_array_equal(dscores, want_grad)
    np.testing.assert_allclose(dscores.sum(axis=1), 0, atol=1e-15)
    assert check_gradient(lambda: layer.forward(scores, y), scores, dscores.copy(), tol=TOL) < TOL


def test_softmax_cross_entropy_layer_large_logits_and_bad_labels():
    layer = SoftmaxCrossEntropy()
    scores = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert layer.forward(scores, np.array([0, 0])) == pytest.approx(1000.0)
    with pytest.raises(ValueError, match="found 2"):
        layer.forward(scores, np.array([0, 2]))
