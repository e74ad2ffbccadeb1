"""Tests of helpers.model.Sequential: any depth of layer objects, gradient-checked in
float64, parameters shared with the layers, trained by helpers.train.fit, and equal to
TwoLayerNet on the same weights."""

import numpy as np
import pytest

from helpers.gradcheck import check_gradient
from helpers.layers import Linear, ReLU, Sigmoid, SoftmaxCrossEntropy
from helpers.model import Sequential, TwoLayerNet
from helpers.optim import sgd
from helpers.train import evaluate, fit


def make(sizes, act=Sigmoid, init="glorot", seed=0, dtype=np.float64):
    """Linear, act, Linear, act, ..., Linear for layer sizes [D, n1, ..., C]."""
    rng = np.random.default_rng(seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:], strict=False)):
        layers.append(Linear(a, b, init=init, rng=rng, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(act())
    return Sequential(layers)


def batch(n=7, D=6, C=4, seed=1):
    r = np.random.default_rng(seed)
    return r.normal(size=(n, D)), r.integers(0, C, size=n)


def blobs(n=600, D=10, C=3, seed=0):
    """C well-separated Gaussian clouds: a problem any working network learns fast."""
    r = np.random.default_rng(seed)
    centres = r.normal(scale=3.0, size=(C, D))
    y = r.integers(0, C, size=n)
    return (centres[y] + r.normal(size=(n, D))).astype(np.float32), y


# --------------------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------------------


def test_keys_numbered_from_one_and_repr():
    model = make([6, 5, 3, 4])
    assert list(model.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert list(model.grads) == list(model.params)
    assert repr(model) == "Sequential(6-5-3-4: Linear, Sigmoid, Linear, Sigmoid, Linear)"
    assert (model.D, model.C, model.dtype) == (6, 4, np.float64)
    assert isinstance(model.loss_layer, SoftmaxCrossEntropy)
    assert len(model.layers) == 5


def test_params_and_grads_are_the_layers_own_arrays():
    model = make([6, 5, 4])
    linears = [layer for layer in model.layers if isinstance(layer, Linear)]
    for i, layer in enumerate(linears, start=1):
        for k in ("W", "b"):
            assert model.params[f"{k}{i}"] is layer.params[k]
            assert model.grads[f"{k}{i}"] is layer.grads[k]
    # an in-place update through helpers.optim acts on the layer
    X, y = batch()
    before = linears[0].params["W"].copy()
    _, grads = model.loss(X, y)
    sgd(model.params["W1"], grads["W1"], {"learning_rate": 0.5})
    np.testing.assert_array_equal(linears[0].params["W"], before - 0.5 * grads["W1"])
    # and the next forward pass uses it
    np.testing.assert_array_equal(model.scores(X), model._forward(X))


def test_returned_grads_are_copies_and_given_grads_are_filled():
    model = make([6, 5, 4])
    X, y = batch()
    _, g1 = model.loss(X, y)
    keep = {k: v.copy() for k, v in g1.items()}
    model.loss(X * 2, y)  # a second call changes model.grads, not g1
    for k in g1:
        np.testing.assert_array_equal(g1[k], keep[k])
        assert g1[k] is not model.grads[k]
    out = model.zero_grads()
    _, g2 = model.loss(X, y, grads=out)
    assert g2 is out
    for k in g1:
        np.testing.assert_array_equal(out[k], keep[k])
        np.testing.assert_array_equal(model.grads[k], keep[k])


# --------------------------------------------------------------------------------------
# Gradients, depth 1 to 3, with L2
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sizes, act",
    [([6, 4], Sigmoid), ([6, 5, 4], Sigmoid), ([6, 5, 3, 4], Sigmoid), ([6, 5, 3, 4], ReLU)],
)
@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_gradients_match_finite_differences(sizes, act, reg):
    model = make(sizes, act=act, init="he" if act is ReLU else "glorot")
    r = np.random.default_rng(9)
    for k, v in model.params.items():
        if k.startswith("b"):
            v[:] = r.normal(scale=0.5, size=v.shape)
    X, y = batch()
    loss, grads = model.loss(X, y, reg=reg)
    for k, p in model.params.items():  # p is the layer's array: nudging it moves the model
        err = check_gradient(lambda: model.loss(X, y, reg=reg)[0], p, grads[k], tol=1e-7)
        assert err < 1e-7, k


def test_l2_on_weights_only():
    model = make([6, 5, 4])
    X, y = batch()
    l0, g0 = model.loss(X, y)
    l1, g1 = model.loss(X, y, reg=0.5)
    W1, W2 = model.params["W1"], model.params["W2"]
    assert l1 - l0 == pytest.approx(0.25 * (np.sum(W1**2) + np.sum(W2**2)), rel=1e-12)
    np.testing.assert_allclose(g1["W1"] - g0["W1"], 0.5 * W1, rtol=1e-10, atol=1e-14)
    np.testing.assert_array_equal(g1["b1"], g0["b1"])
    np.testing.assert_array_equal(g1["b2"], g0["b2"])


def test_float32_model_keeps_float32():
    model = make([6, 5, 4], dtype=np.float32)
    X, y = batch()
    loss, grads = model.loss(X, y)  # float64 X is cast to the model's dtype
    assert type(loss) is float
    assert all(g.dtype == np.float32 for g in grads.values())
    assert model.scores(X).dtype == np.float32


def test_softmax_of_sigmoid_outputs_t2_design_is_allowed_and_capped():
    """A Sigmoid after the last Linear (T2's design): the scores lie in (0, 1)."""
    rng = np.random.default_rng(0)
    model = Sequential([Linear(6, 5, rng=rng, dtype=np.float64), Sigmoid(),
                        Linear(5, 10, rng=rng, dtype=np.float64), Sigmoid()])
    model.params["W2"][:] *= 100  # saturate: sigmoid outputs near 0 and 1
    X, y = batch(C=10)
    p = np.exp(model.scores(X))
    p /= p.sum(axis=1, keepdims=True)
    assert p.max() <= np.e / (np.e + 9) + 1e-12


# --------------------------------------------------------------------------------------
# Equality with TwoLayerNet
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sequential_from_two_layer_net_weights_is_exactly_equal(dtype):
    net = TwoLayerNet(D=12, H=9, C=4, dtype=dtype, rng=np.random.default_rng(0))
    r = np.random.default_rng(2)
    net.params["b1"][:] = r.normal(scale=0.5, size=9)
    net.params["b2"][:] = r.normal(scale=0.5, size=4)
    r = np.random.default_rng(99)
    model = Sequential([Linear(12, 9, rng=r, dtype=dtype), ReLU(),
                        Linear(9, 4, rng=r, dtype=dtype)])
    for k in net.params:
        model.params[k][...] = net.params[k]
    X, y = batch(n=20, D=12)
    np.testing.assert_array_equal(model.scores(X), net.scores(X))
    for reg in (0.0, 0.1):
        l_net, g_net = net.loss(X, y, reg=reg)
        l_seq, g_seq = model.loss(X, y, reg=reg)
        assert l_seq == l_net
        assert set(g_seq) == set(g_net)
        for k in g_net:
            np.testing.assert_array_equal(g_seq[k], g_net[k])


# --------------------------------------------------------------------------------------
# Training with helpers.train.fit, unchanged
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", ["sgd", "momentum"])
def test_fit_trains_a_sequential(optimizer):
    X, y = blobs()
    Xv, yv = blobs(n=300, seed=0)[0][:300], blobs(n=300, seed=0)[1][:300]
    model = make([10, 16, 3], init="lecun", dtype=np.float32)
    loss0, acc0 = evaluate(model, Xv, yv)
    W1 = model.params["W1"]
    hist = fit(model, X, y, Xv, yv, epochs=5, batch_size=32, lr=0.5, rng=np.random.default_rng(0),
               optimizer=optimizer, momentum=0.9 if optimizer == "momentum" else 0.0)
    assert model.params["W1"] is W1  # updated in place, on the layer
    assert hist["val_loss"][-1] < 0.5 * loss0
    assert hist["val_acc"][-1] > 0.95 > acc0


def test_fit_and_manual_loop_agree():
    """fit's fast path (_check_X/_loss) and the public loss() give the same training."""
    X, y = blobs(n=64)
    a, b = make([10, 8, 3], dtype=np.float32), make([10, 8, 3], dtype=np.float32)
    fit(a, X, y, epochs=1, batch_size=64, lr=0.1, reg=0.01, rng=np.random.default_rng(0))
    order = np.random.default_rng(0)
    order.choice(64, size=64, replace=False)  # fit draws its train-eval subset first
    idx = order.permutation(64)
    _, g = b.loss(X[idx], y[idx], reg=0.01)
    for k in b.params:
        b.params[k] -= 0.1 * g[k]
        np.testing.assert_allclose(a.params[k], b.params[k], rtol=1e-6, atol=1e-7)


# --------------------------------------------------------------------------------------
# Bad layer lists and bad input
# --------------------------------------------------------------------------------------


def _lin(a, b, seed=0, **kw):
    return Linear(a, b, rng=np.random.default_rng(seed), **kw)


@pytest.mark.parametrize(
    "layers, err, match",
    [
        ([], ValueError, "empty"),
        (_lin(3, 2), TypeError, "must be a list"),
        ([Sigmoid(), ReLU()], ValueError, "no Linear layer"),
        ([_lin(3, 4), Sigmoid(), _lin(5, 2)], ValueError, "gives 4 features .* expects 5"),
        ([_lin(3, 4), Sigmoid, _lin(4, 2)], TypeError, r"class Sigmoid.*Sigmoid\(\.\.\.\)"),
        ([_lin(3, 4), np.tanh, _lin(4, 2)], TypeError, "is not a layer"),
        ([_lin(3, 2), SoftmaxCrossEntropy()], ValueError, "loss="),
        ([_lin(3, 4, dtype=np.float64), _lin(4, 2)], TypeError, "one dtype"),
    ],
)
def test_bad_layer_lists(layers, err, match):
    with pytest.raises(err, match=match):
        Sequential(layers)


def test_same_layer_object_twice_is_refused():
    s = Sigmoid()
    with pytest.raises(ValueError, match="appears twice"):
        Sequential([_lin(3, 3), s, _lin(3, 3, seed=1), s, _lin(3, 2)])


def test_bad_input():
    model = make([6, 5, 4])
    X, y = batch()
    with pytest.raises(ValueError, match=r"shape \(N, 6\)"):
        model.loss(X[:, :5], y)
    with pytest.raises(TypeError, match="float pixels"):
        model.scores(np.zeros((2, 6), np.uint8))
    with pytest.raises(ValueError, match="found 4"):
        model.loss(X, np.full(len(X), 4))
    with pytest.raises(ValueError, match="reg"):
        model.loss(X, y, reg=-1)
    with pytest.raises(ValueError, match=r"grads\['W1'\]"):
        model.loss(X, y, grads={"W1": np.zeros(3)})
    with pytest.raises(FloatingPointError, match="overflowed"):
        model.params["W2"][:] = 1e308  # finite weights, infinite scores
        model.loss(X, y)


# --------------------------------------------------------------------------------------
# The training step (_loss): buffers, no re-checks, no input gradient for the first layer
# --------------------------------------------------------------------------------------


def _reference_grads(model, X, y):
    """Gradients by the public, checked path: forward, loss layer, backward (new arrays)."""
    loss = model.loss_layer.forward(model._forward(model._check_X(X)), y)
    model.backward(model.loss_layer.backward())
    return loss, {k: g.copy() for k, g in model.grads.items()}


def _mixed(seed=0, dtype=np.float32):
    """Linear, ReLU, Linear, Sigmoid, Dropout, Linear, ReLU, Linear: every kind of layer."""
    from helpers.layers import Dropout

    rng = np.random.default_rng(seed)
    return Sequential([Linear(10, 12, rng=rng, dtype=dtype), ReLU(),
                       Linear(12, 9, rng=rng, dtype=dtype), Sigmoid(), Dropout(0.3, rng=seed),
                       Linear(9, 8, rng=rng, dtype=dtype), ReLU(),
                       Linear(8, 3, rng=rng, dtype=dtype)])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_step_gives_the_public_paths_numbers_bit_for_bit(dtype):
    X, y = blobs(n=40)
    X = X.astype(dtype)
    fast, slow = _mixed(dtype=dtype), _mixed(dtype=dtype)
    for n in (40, 17, 40):  # two batch sizes, the first one again (buffers reused)
        loss_fast, g_fast = fast.loss(X[:n], y[:n])
        loss_slow, g_slow = _reference_grads(slow, X[:n], y[:n])
        assert loss_fast == loss_slow
        for k in g_slow:
            np.testing.assert_array_equal(g_fast[k], g_slow[k], err_msg=k)


def test_training_step_buffers_never_reach_the_caller():
    model = make([10, 8, 8, 3], act=ReLU, dtype=np.float32)
    X, y = blobs(n=32)
    scores = model.scores(X)
    before = scores.copy()
    _, grads = model.loss(X[::-1].copy(), y[::-1].copy())
    kept = {k: g.copy() for k, g in grads.items()}
    model.loss(X, y)
    np.testing.assert_array_equal(scores, before)  # scores are a fresh array
    for k in kept:  # the returned grads are copies (loss without grads=)
        np.testing.assert_array_equal(grads[k], kept[k])


def test_training_step_skips_the_first_layers_input_gradient(monkeypatch):
    import helpers.layers as layers_module

    model = make([10, 8, 3], act=ReLU, dtype=np.float32)
    X, y = blobs(n=16)
    asked, original = [], layers_module.linear_backward

    def spy(*args, **kwargs):
        asked.append(kwargs.get("input_grad", True))
        return original(*args, **kwargs)

    monkeypatch.setattr(layers_module, "linear_backward", spy)
    model.loss(X, y)
    assert asked == [True, False]  # the last layer passes dx on, the first computes none
    asked.clear()
    model.backward(np.ones((16, 3), np.float32))  # the public backward still returns dL/dX
    assert asked == [True, True]

    class Spy(Linear):  # not exactly Linear: Sequential calls its backward as it is
        def backward(self, dout, **kwargs):
            asked.append(kwargs)
            return super().backward(dout, **kwargs)

    model.layers[0].__class__ = Spy
    asked.clear()
    model.loss(X, y)
    assert asked == [True, {}, True]


def test_diverged_weights_are_reported_without_the_per_layer_checks():
    model = make([10, 8, 3], act=ReLU, dtype=np.float32)
    model.params["W1"][0, 0] = np.nan
    X, y = blobs(n=16)
    with pytest.raises(FloatingPointError, match="the scores overflowed"):
        model.loss(X, y)
    model.params["W1"][0, 0] = 0.0
    model.params["W2"][...] = np.float32(1e30)
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        fit(model, X, y, epochs=1, batch_size=8, lr=0.1, rng=np.random.default_rng(0))


def test_a_custom_layer_in_the_chain_is_checked_by_the_next_linear():
    class Halve:  # a layer of your own that returns the wrong width
        params, grads = {}, {}

        def forward(self, x):
            return x[:, : x.shape[1] // 2]

        def backward(self, dout):
            return dout

    rng = np.random.default_rng(0)
    model = Sequential([Linear(10, 8, rng=rng), ReLU(), Halve(), Linear(8, 3, rng=rng)])
    X, y = blobs(n=16)
    with pytest.raises(ValueError, match="x has 4 features per row but W expects 8"):
        model.loss(X, y)
