"""Topic 04: every layer type and whole Sequential models of depth 1-4 against centred
finite differences (float64), the per-layer and subset checkers, mlp(), the inspection
helpers, and training of deep models by helpers.train.fit."""

import numpy as np
import pytest

from helpers.gradcheck import (
    check_layer,
    check_model,
    numerical_gradient,
    numerical_gradient_entries,
    relative_error,
)
from helpers.layers import INITS, Linear, ReLU, Sigmoid
from helpers.model import Sequential, TwoLayerNet, grad_norms, mlp, update_ratios
from helpers.train import evaluate, fit

TOL = 1e-7


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def away_from_kink(rng, shape, margin=1e-3):
    x = rng.standard_normal(shape)
    x[np.abs(x) < margin] = 0.5
    return x


def problem(rng, N=7, D=9, C=4):
    return rng.standard_normal((N, D)), rng.integers(0, C, N)


# --------------------------------------------------------------------------------------
# One layer at a time
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("init", INITS)
def test_linear_layer(rng, init):
    layer = Linear(5, 3, init=init, rng=rng, dtype=np.float64)
    layer.params["b"][...] = rng.standard_normal(3)
    errors = check_layer(layer, rng.standard_normal((4, 5)), rng)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("layer_class", [ReLU, Sigmoid])
def test_activation_layers(rng, layer_class):
    errors = check_layer(layer_class(), away_from_kink(rng, (6, 5)), rng)
    assert set(errors) == {"x"} and errors["x"] < TOL


def test_check_layer_catches_a_wrong_backward(rng):
    class LeakyBackward(ReLU):  # passes 1% of the gradient through inactive units
        def backward(self, dout):
            return super().backward(dout) + 0.01 * dout * (self._cache == 0)

    assert check_layer(LeakyBackward(), away_from_kink(rng, (6, 5)), rng)["x"] > 1e-3

    class TransposedBias(Linear):  # db as a mean instead of a sum
        def backward(self, dout):
            dx = super().backward(dout)
            self.grads["b"][...] = dout.mean(axis=0)
            return dx

    errors = check_layer(
        TransposedBias(5, 3, rng=rng, dtype=np.float64), rng.normal(size=(4, 5)), rng
    )
    assert errors["x"] < TOL and errors["W"] < TOL and errors["b"] > 0.1


def test_check_layer_leaves_the_layer_usable(rng):
    layer = Linear(4, 2, rng=rng, dtype=np.float64)
    x = rng.standard_normal((3, 4))
    W = layer.params["W"].copy()
    check_layer(layer, x, rng)
    np.testing.assert_array_equal(layer.params["W"], W)  # restored exactly
    assert layer.backward(np.ones((3, 2))).shape == (3, 4)  # the cache is x's


def test_check_layer_refuses_float32(rng):
    with pytest.raises(TypeError, match="float64"):
        check_layer(Linear(3, 2, rng=rng), rng.standard_normal((2, 3)), rng)


# --------------------------------------------------------------------------------------
# Whole models, depth 1 to 4
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_sequential_of_depth_l_is_gradient_checked(rng, depth, activation, reg):
    sizes = [9, 8, 7, 6][:depth] + [4]
    model = mlp(sizes, activation, rng=rng, dtype=np.float64)
    for k, v in model.params.items():
        if k.startswith("b"):
            v[...] = 0.1 * rng.standard_normal(v.shape)
    X, y = problem(rng)
    errors = check_model(model, X, y, reg)
    assert list(errors) == [f"{p}{i}" for i in range(1, depth + 1) for p in "Wb"]
    assert max(errors.values()) < TOL, errors


def test_mixed_activations_and_inits(rng):
    layers = [
        Linear(9, 8, init="glorot", rng=rng, dtype=np.float64),
        Sigmoid(),
        Linear(8, 6, init="he", rng=rng, dtype=np.float64),
        ReLU(),
        Linear(6, 5, init="lecun", rng=rng, dtype=np.float64),
        Sigmoid(),
        Linear(5, 4, init="tutorial", rng=rng, dtype=np.float64),
    ]
    X, y = problem(rng)
    errors = check_model(Sequential(layers), X, y, 0.1)
    assert max(errors.values()) < TOL, errors


def test_check_model_names_the_broken_layer(rng):
    """A bug in one layer of a deep model shows in that layer's gradients (and those below
    it), never above: the per-layer check locates it."""
    model = mlp([9, 8, 7, 6, 4], rng=rng, dtype=np.float64)
    X, y = problem(rng)
    layer = model.layers[4]  # the third Linear: W3, b3

    def wrong_backward(dout, original=layer.backward):
        dx = original(dout)
        layer.grads["W"] *= 1.05
        return dx

    layer.backward = wrong_backward
    errors = check_model(model, X, y)
    bad = {k for k, e in errors.items() if e > 1e-4}
    assert bad == {"W3"}, errors

    model2 = mlp([9, 8, 7, 6, 4], rng=rng, dtype=np.float64)
    relu = model2.layers[3]  # the ReLU after W2: its mask is lost
    relu.backward = lambda dout: dout
    errors = check_model(model2, X, y)
    assert {k for k, e in errors.items() if e > 1e-4} == {"W1", "b1", "W2", "b2"}, errors


def test_check_model_on_real_digits_with_a_subset(rng):
    from helpers.data import load_mnist, scale

    images, labels = load_mnist("test")
    X, y = scale(images[:32]).astype(np.float64), labels[:32]
    model = mlp([784, 48, 24, 10], rng=rng, dtype=np.float64)
    errors = check_model(model, X, y, 1e-3, max_entries=60, rng=np.random.default_rng(1))
    assert max(errors.values()) < TOL, errors
    with pytest.raises(ValueError, match="rng"):
        check_model(model, X, y, max_entries=10)
    with pytest.raises(TypeError, match="float64"):
        check_model(mlp([784, 10], rng=rng), X, y)


def test_numerical_gradient_entries_matches_the_full_one(rng):
    x = rng.standard_normal((4, 5))
    c = rng.standard_normal((4, 5))
    f = lambda: float(np.sum(np.sin(x) * c))  # noqa: E731
    full = numerical_gradient(f, x)
    idx = np.array([0, 7, 19, 3])
    np.testing.assert_allclose(numerical_gradient_entries(f, x, idx), full.reshape(-1)[idx])
    assert (
        relative_error(numerical_gradient_entries(f, x, idx), (np.cos(x) * c).reshape(-1)[idx])
        < 1e-9
    )
    with pytest.raises(ValueError, match="0..19"):
        numerical_gradient_entries(f, x, np.array([20]))
    with pytest.raises(TypeError, match="integer"):
        numerical_gradient_entries(f, x, np.array([1.5]))
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient_entries(f, x.astype(np.float32), idx)


# --------------------------------------------------------------------------------------
# mlp(), inspection, training
# --------------------------------------------------------------------------------------


def test_mlp_builds_the_layers(rng):
    model = mlp([784, 64, 32, 10], "sigmoid", rng=rng)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Linear", "Sigmoid", "Linear", "Sigmoid", "Linear"]
    assert model.layers[0].init == "glorot" and model.dtype == np.float32
    assert mlp([784, 10], rng=rng).layers[0].init == "he"
    assert len(mlp([5, 4, 3], rng=rng, init="lecun").layers) == 3
    for bad, match in [(([784],), "at least"), (([784, 10], "tanh"), "activation")]:
        with pytest.raises(ValueError, match=match):
            mlp(*bad, rng=rng)
    with pytest.raises(ValueError, match="rng"):
        mlp([784, 10], rng=None)


def test_mlp_matches_two_layer_net():
    """The topic-02 network is the depth-2 case: same seed, same weights, same gradients."""
    from helpers.data import load_mnist, scale

    images, labels = load_mnist("test")
    X, y = scale(images[:50]), labels[:50]
    net = TwoLayerNet(784, 64, 10, rng=np.random.default_rng(3))
    model = mlp([784, 64, 10], rng=np.random.default_rng(3))
    for k in net.params:
        np.testing.assert_array_equal(model.params[k], net.params[k])
    loss_a, g_a = net.loss(X, y, reg=1e-3)
    loss_b, g_b = model.loss(X, y, reg=1e-3)
    assert loss_a == pytest.approx(loss_b, rel=1e-5)
    for k in net.params:
        np.testing.assert_allclose(g_b[k], g_a[k], rtol=1e-4, atol=1e-7)


def test_grad_norms_and_update_ratios(rng):
    model = mlp([9, 8, 4], rng=rng, dtype=np.float64)
    X, y = problem(rng)
    _, grads = model.loss(X, y)
    norms = grad_norms(model)
    assert set(norms) == {"W1", "W2"}
    assert norms["W2"] == pytest.approx(np.linalg.norm(grads["W2"]))
    before = {k: v.copy() for k, v in model.params.items()}
    lr = 0.01
    for k in model.params:
        model.params[k] -= lr * grads[k]
    ratios = update_ratios(before, model)
    assert set(ratios) == {"W1", "W2"}
    for k in ratios:
        want = lr * np.linalg.norm(grads[k]) / np.linalg.norm(before[k])
        assert ratios[k] == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_fit_trains_deep_models(depth):
    from helpers.data import load_mnist, scale

    images, labels = load_mnist("train")
    X, y = scale(images[:3000]), labels[:3000]
    Xv, yv = scale(images[3000:4000]), labels[3000:4000]
    model = mlp([784] + [64] * (depth - 1) + [10], rng=np.random.default_rng(depth))
    before = evaluate(model, Xv, yv)
    history = fit(
        model,
        X,
        y,
        Xv,
        yv,
        epochs=3,
        batch_size=64,
        lr=0.05,
        optimizer="momentum",
        rng=np.random.default_rng(0),
    )
    assert history["val_acc"][-1] > 0.8 and history["val_loss"][-1] < before[0] / 3
    assert model.params["W1"].dtype == np.float32
