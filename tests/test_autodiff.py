"""helpers.autodiff: every operation's gradient against centred finite differences in
float64, broadcasting, gradient accumulation, and whole graphs against helpers.model."""

import numpy as np
import pytest

from helpers.autodiff import Tensor, cross_entropy
from helpers.gradcheck import numerical_gradient, relative_error

TOL = 1e-8


def grads_of(build, *arrays):
    """Gradients of the scalar ``build(*tensors)`` with respect to each input array, by
    autodiff and by centred differences (the arrays are float64 and nudged in place)."""
    leaves = [Tensor(a) for a in arrays]  # Tensor keeps a reference: nudging a is seen
    out = build(*leaves)
    out.backward()
    auto = [leaf.grad for leaf in leaves]
    numeric = [
        numerical_gradient(lambda: float(build(*[Tensor(b) for b in arrays]).data), a)
        for a in arrays
    ]
    return auto, numeric


def assert_grads(build, *arrays):
    auto, numeric = grads_of(build, *arrays)
    for i, (g, n) in enumerate(zip(auto, numeric, strict=True)):
        assert g.shape == arrays[i].shape
        err = relative_error(g, n)
        assert err < TOL, f"input {i}: relative error {err:.2e}"


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def weights(rng, shape):
    """Random weights for an output weighting, so that sums do not hide wrong entries."""
    return rng.standard_normal(shape)


def test_add_mul_sub_neg(rng):
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    c = weights(rng, (4, 3))
    assert_grads(lambda x, y: ((x + y) * c).sum(), a, b)
    assert_grads(lambda x, y: ((x * y) * c).sum(), a, b)
    assert_grads(lambda x, y: ((x - y) * c).sum(), a, b)
    assert_grads(lambda x, y: ((-x + 2.0 * y - 1.0) * c).sum(), a, b)
    assert_grads(lambda x: ((3.0 - x) * c).sum(), a)


def test_matmul(rng):
    a, w = rng.standard_normal((5, 4)), rng.standard_normal((4, 3))
    c = weights(rng, (5, 3))
    assert_grads(lambda x, y: ((x @ y) * c).sum(), a, w)
    # the closed forms: G_A = G W^T, G_W = A^T G
    auto, _ = grads_of(lambda x, y: ((x @ y) * c).sum(), a, w)
    np.testing.assert_allclose(auto[0], c @ w.T)
    np.testing.assert_allclose(auto[1], a.T @ c)


def test_broadcasting_bias_is_unbroadcast(rng):
    z, b = rng.standard_normal((6, 4)), rng.standard_normal(4)
    c = weights(rng, (6, 4))
    assert_grads(lambda x, y: ((x + y) * c).sum(), z, b)
    auto, _ = grads_of(lambda x, y: ((x + y) * c).sum(), z, b)
    assert auto[1].shape == (4,)
    np.testing.assert_allclose(auto[1], c.sum(axis=0))  # the column sums
    # a column (N, 1) and a (1, M) row broadcast too, and a bias times the batch
    col, row = rng.standard_normal((6, 1)), rng.standard_normal((1, 4))
    assert_grads(lambda x, y, r: ((x * y + r) * c).sum(), z, col, row)
    assert_grads(lambda x, y: ((x * y) * c).sum(), z, b)


def test_relu_away_from_the_kink(rng):
    z = rng.standard_normal((5, 6))
    z[np.abs(z) < 0.05] = 0.5  # keep every entry farther than h from 0
    c = weights(rng, (5, 6))
    assert_grads(lambda x: (x.relu() * c).sum(), z)
    t = Tensor(np.array([[-1.0, 0.0, 2.0]]))
    t.relu().sum().backward()
    np.testing.assert_array_equal(t.grad, [[0.0, 0.0, 1.0]])  # subgradient 0 at 0


def test_sigmoid(rng):
    z = 3 * rng.standard_normal((4, 5))
    c = weights(rng, (4, 5))
    assert_grads(lambda x: (x.sigmoid() * c).sum(), z)
    big = Tensor(np.array([-1000.0, 0.0, 1000.0]))
    s = big.sigmoid()
    np.testing.assert_array_equal(s.data, [0.0, 0.5, 1.0])  # no overflow warning, no NaN


def test_log_softmax_sum_mean_pick(rng):
    z = rng.standard_normal((5, 4))
    c = weights(rng, (5, 4))
    assert_grads(lambda x: (x.log_softmax() * c).sum(), z)
    assert_grads(lambda x: (x * c).mean(), z)
    y = np.array([0, 3, 3, 1, 2])
    assert_grads(lambda x: (x.pick(y) * np.arange(1.0, 6.0)).sum(), z)
    assert_grads(lambda x: cross_entropy(x, y), z)
    # stable for large logits
    t = Tensor(np.array([[1000.0, 0.0], [0.0, -1000.0]]))
    loss = cross_entropy(t, np.array([1, 1]))
    assert np.isfinite(loss.data) and loss.data == pytest.approx(1000.0)


def test_cross_entropy_gradient_is_p_minus_y_over_n(rng):
    z, y = rng.standard_normal((6, 5)), rng.integers(0, 5, 6)
    t = Tensor(z)
    cross_entropy(t, y).backward()
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(6), y] -= 1
    np.testing.assert_allclose(t.grad, p / 6, rtol=1e-12, atol=1e-15)


def test_a_node_used_twice_accumulates(rng):
    a = rng.standard_normal((3, 3))
    assert_grads(lambda x: (x * x).sum(), a)  # d/dx sum(x^2) = 2x, two uses of x
    x = Tensor(a)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * a)
    # reused intermediate node: h feeds two branches
    w = rng.standard_normal((3, 2))
    assert_grads(lambda x, w: (lambda h: (h.relu() + h.sigmoid() * h).sum())(x @ w), a, w)


def test_backward_twice_gives_the_same_gradient(rng):
    x = Tensor(rng.standard_normal((2, 3)))
    loss = (x * x).sum()
    loss.backward()
    first = x.grad.copy()
    loss.backward()
    np.testing.assert_array_equal(x.grad, first)


def test_float32_stays_float32(rng):
    X = Tensor(rng.standard_normal((4, 3)).astype(np.float32))
    W = Tensor(rng.standard_normal((3, 2)).astype(np.float32))
    b = Tensor(np.zeros(2, np.float32))
    loss = cross_entropy((X @ W + b).sigmoid() * 2.0 - 0.5, np.array([0, 1, 1, 0]))
    loss.backward()
    for t in (loss, X, W, b):
        assert t.data.dtype == np.float32 and t.grad.dtype == np.float32


def test_errors_say_what_was_expected():
    with pytest.raises(TypeError, match="float"):
        Tensor(np.arange(3))
    with pytest.raises(ValueError, match=r"\(N, D\) @ \(D, M\)"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="scalar"):
        Tensor(np.ones((2, 3))).backward()
    with pytest.raises(ValueError, match="0..2"):
        Tensor(np.ones((2, 3))).pick(np.array([0, 3]))
    with pytest.raises(TypeError, match="integers"):
        Tensor(np.ones((2, 3))).pick(np.array([0.0, 1.0]))
    assert Tensor([1, 2]).data.dtype == np.float64  # Python lists are fine


def test_a_wrong_vjp_is_caught(rng, monkeypatch):
    """The finite-difference comparison used above fails on a broken operation."""
    orig = Tensor.__matmul__

    def broken(self, other):
        out = orig(self, other)
        inner = out._backward

        def backward():
            inner()
            other.grad = other.grad * 1.01  # 1% off

        out._backward = backward
        return out

    monkeypatch.setattr(Tensor, "__matmul__", broken)
    a, w = rng.standard_normal((5, 4)), rng.standard_normal((4, 3))
    with pytest.raises(AssertionError):
        assert_grads(lambda x, y: (x @ y).sum(), a, w)


def mlp_graph(params, X, y, activation="relu"):
    """The autodiff graph of an MLP with params W1, b1, ..., WL, bL: (loss, leaves)."""
    leaves = {k: Tensor(v) for k, v in params.items()}
    L = len(params) // 2
    a = Tensor(X)
    for i in range(1, L + 1):
        a = a @ leaves[f"W{i}"] + leaves[f"b{i}"]
        if i < L:
            a = a.relu() if activation == "relu" else a.sigmoid()
    return cross_entropy(a, y), leaves


def test_graph_equals_two_layer_net_on_real_digits():
    from helpers.data import load_mnist, scale
    from helpers.model import TwoLayerNet

    images, labels = load_mnist("test")
    X, y = scale(images[:64]).astype(np.float64), labels[:64]
    net = TwoLayerNet(784, 32, 10, dtype=np.float64, rng=np.random.default_rng(1))
    loss, grads = net.loss(X, y)
    ad_loss, leaves = mlp_graph(net.params, X, y)
    ad_loss.backward()
    assert float(ad_loss.data) == pytest.approx(loss, rel=1e-12)
    for k in net.params:
        np.testing.assert_allclose(leaves[k].grad, grads[k], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_graph_equals_sequential_on_real_digits(activation):
    model_mod = pytest.importorskip("helpers.model")
    layers = pytest.importorskip("helpers.layers")
    if not hasattr(model_mod, "Sequential") or not hasattr(layers, "Linear"):
        pytest.skip("topic 03's Sequential and layer classes are not there yet")
    from helpers.data import load_mnist, scale

    images, labels = load_mnist("test")
    X, y = scale(images[:64]).astype(np.float64), labels[:64]
    rng = np.random.default_rng(2)
    act = layers.ReLU if activation == "relu" else layers.Sigmoid
    net = model_mod.Sequential(
        [
            layers.Linear(784, 32, rng=rng, dtype=np.float64),
            act(),
            layers.Linear(32, 16, rng=rng, dtype=np.float64),
            act(),
            layers.Linear(16, 10, rng=rng, dtype=np.float64),
        ]
    )
    loss, grads = net.loss(X, y)
    ad_loss, leaves = mlp_graph(net.params, X, y, activation)
    ad_loss.backward()
    assert float(ad_loss.data) == pytest.approx(loss, rel=1e-12)
    assert set(grads) == set(leaves) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    for k in grads:
        np.testing.assert_allclose(leaves[k].grad, grads[k], rtol=1e-9, atol=1e-12)
