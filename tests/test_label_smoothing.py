"""Label smoothing in softmax_cross_entropy and TwoLayerNet (the fast 784-256-10 recipe)."""

import numpy as np
import pytest

from helpers.gradcheck import numerical_gradient, relative_error
from helpers.layers import softmax_cross_entropy
from helpers.model import TwoLayerNet


def test_smoothing_is_the_cross_entropy_with_smoothed_targets():
    rng = np.random.default_rng(0)
    s = rng.standard_normal((6, 4)) * 3
    y = rng.integers(0, 4, 6)
    eps = 0.1
    target = np.full((6, 4), eps / 4)
    target[np.arange(6), y] += 1 - eps
    logp = s - s.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    loss, d = softmax_cross_entropy(s, y, smoothing=eps)
    assert loss == pytest.approx(float(-(target * logp).sum(1).mean()), rel=1e-12)
    np.testing.assert_allclose(d, (np.exp(logp) - target) / 6, rtol=1e-12, atol=1e-15)
    num = numerical_gradient(lambda: softmax_cross_entropy(s, y, smoothing=eps)[0], s)
    assert relative_error(num, d) < 1e-7


def test_no_smoothing_is_bit_for_bit_the_plain_loss():
    rng = np.random.default_rng(1)
    s = rng.standard_normal((5, 10)).astype(np.float32)
    y = rng.integers(0, 10, 5)
    a, da = softmax_cross_entropy(s, y)
    b, db = softmax_cross_entropy(s, y, smoothing=0.0)
    assert a == b and np.array_equal(da, db)


@pytest.mark.parametrize("bad", [-0.1, 1.0, 2.0])
def test_smoothing_out_of_range_is_refused(bad):
    with pytest.raises(ValueError, match="smoothing must lie in"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1]), smoothing=bad)
    with pytest.raises(ValueError, match="label_smoothing must lie in"):
        TwoLayerNet(4, 3, 3, rng=0, label_smoothing=bad)


def test_two_layer_net_with_smoothing_passes_a_gradient_check():
    rng = np.random.default_rng(2)
    net = TwoLayerNet(5, 7, 3, dtype=np.float64, rng=0, label_smoothing=0.2)
    X, y = rng.standard_normal((8, 5)), rng.integers(0, 3, 8)
    _, grads = net.loss(X, y, reg=0.01)
    for k, w in net.params.items():
        num = numerical_gradient(lambda: net.loss(X, y, reg=0.01)[0], w)
        assert relative_error(num, grads[k]) < 1e-6, k
    assert repr(net) == repr(TwoLayerNet(5, 7, 3, dtype=np.float64, rng=0))
