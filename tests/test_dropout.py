"""Inverted dropout: helpers.layers.dropout_forward / dropout_backward and the Dropout layer."""

import numpy as np
import pytest

from helpers.gradcheck import check_gradient
from helpers.layers import Dropout, Linear, ReLU, dropout_backward, dropout_forward
from helpers.model import Sequential


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_gradient_check_with_a_fixed_mask(rng, p):
    x = rng.standard_normal((6, 7))
    mask = rng.random(x.shape) >= p
    G = rng.standard_normal(x.shape)
    out, cache = dropout_forward(x, p, mask=mask)
    dx = dropout_backward(G, cache)
    err = check_gradient(lambda: float(np.sum(G * dropout_forward(x, p, mask=mask)[0])), x, dx)
    assert err < 1e-8
    # the analytic gradient is exactly the mask scaled by 1/(1-p), zero where dropped
    np.testing.assert_allclose(dx, G * mask / (1 - p), rtol=1e-12)
    assert np.all(dx[~mask] == 0)


def test_values_are_zero_or_scaled_and_the_drop_rate_is_p(rng):
    p = 0.3
    x = rng.standard_normal((200, 300)) + 5.0  # no exact zeros in x
    out, (keep, scale) = dropout_forward(x, p, rng=rng)
    assert scale == pytest.approx(1 / (1 - p))
    np.testing.assert_allclose(out[keep], x[keep] / (1 - p), rtol=1e-12)
    assert np.all(out[~keep] == 0)
    assert (~keep).mean() == pytest.approx(p, abs=0.01)  # 60,000 draws: sd 0.002


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_expectation_is_preserved_over_many_masks(rng, p):
    x = rng.standard_normal((4, 5))
    draws = 20_000
    out, _ = dropout_forward(np.broadcast_to(x, (draws, 4, 5)).copy(), p, rng=rng)
    sd = np.abs(x) * np.sqrt(p / (1 - p)) / np.sqrt(draws)  # standard error of the mean
    assert np.all(np.abs(out.mean(axis=0) - x) < 5 * sd + 1e-12)
    # without the 1/(1-p) rescaling the mean would be (1-p) x: far outside these bounds
    assert np.all(np.abs((1 - p) * x - x) > 5 * sd)


def test_eval_mode_is_the_identity(rng):
    x = rng.standard_normal((3, 4))
    out, cache = dropout_forward(x, 0.5, rng=rng, train=False)
    assert out is x
    dout = rng.standard_normal((3, 4))
    np.testing.assert_array_equal(dropout_backward(dout, cache), dout)
    with pytest.raises(ValueError, match="train=False"):
        dropout_forward(x, 0.5, mask=np.ones((3, 4), bool), train=False)


def test_p_zero_is_the_identity_and_needs_no_rng(rng):
    x = rng.standard_normal((3, 4))
    out, cache = dropout_forward(x, 0.0)
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(dropout_backward(x, cache), x)
    out, _ = dropout_forward(x, 0, mask=np.ones((3, 4), bool))
    np.testing.assert_array_equal(out, x)


@pytest.mark.parametrize(
    "p, err, match",
    [
        (1.0, ValueError, "drops every unit"),
        (1.5, ValueError, r"DROPPING a unit and must lie in \[0, 1\)"),
        (-0.1, ValueError, r"\[0, 1\)"),
        (float("nan"), ValueError, r"\[0, 1\)"),
        (True, TypeError, "drop probability"),
        ("0.5", TypeError, "drop probability"),
        (None, TypeError, "drop probability"),
    ],
)
def test_bad_p(rng, p, err, match):
    x = np.ones((2, 3))
    with pytest.raises(err, match=match):
        dropout_forward(x, p, rng=rng)
    with pytest.raises(err, match=match):
        Dropout(p, rng=0)


def test_bad_rng_mask_input_and_cache(rng):
    x = np.ones((2, 3))
    with pytest.raises(TypeError, match="default_rng"):
        dropout_forward(x, 0.5)
    with pytest.raises(TypeError, match="default_rng"):
        dropout_forward(x, 0.5, rng=0)  # a seed would give the same mask on every call
    with pytest.raises(TypeError, match="boolean keep-mask"):
        dropout_forward(x, 0.5, mask=np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"mask must have x's shape \(2, 3\)"):
        dropout_forward(x, 0.5, mask=np.ones((3, 2), bool))
    with pytest.raises(TypeError, match="float array"):
        dropout_forward(np.ones((2, 3), int), 0.5, rng=rng)
    _, cache = dropout_forward(x, 0.5, rng=rng)
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        dropout_backward(np.ones((3, 2)), cache)
    with pytest.raises(TypeError, match="dropout_forward returned"):
        dropout_backward(np.ones((2, 3)), cache[0])
    with pytest.raises(TypeError, match="dropout_forward returned"):
        dropout_backward(np.ones((2, 3)), None)


def test_float32_is_kept(rng):
    x = rng.standard_normal((50, 40)).astype(np.float32)
    out, cache = dropout_forward(x, 0.5, rng=rng)
    assert out.dtype == np.float32
    assert dropout_backward(np.ones_like(x), cache).dtype == np.float32
    layer = Dropout(0.25, rng=1)
    assert layer.forward(x).dtype == np.float32
    assert layer.backward(x).dtype == np.float32


def test_same_seed_same_masks():
    x = np.ones((10, 10))
    a = Dropout(0.5, rng=7)
    b = Dropout(0.5, rng=np.random.default_rng(7))
    first = a.forward(x)
    np.testing.assert_array_equal(first, b.forward(x))
    assert not np.array_equal(first, a.forward(x))  # a new mask on every call


def test_layer_train_eval_switch_and_backward_uses_the_forward_mask(rng):
    layer = Dropout(0.5, rng=3)
    assert layer.params == {} and layer.grads == {} and layer.training
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((2, 2)))
    x = rng.standard_normal((8, 9)) + 10.0
    out = layer.forward(x)
    dout = rng.standard_normal((8, 9))
    np.testing.assert_allclose(layer.backward(dout), dout * (out / x), rtol=1e-12)
    assert layer.eval() is layer and not layer.training and repr(layer) == "Dropout(p=0.5, eval)"
    assert layer.forward(x) is x
    np.testing.assert_array_equal(layer.backward(dout), dout)
    assert layer.train() is layer and layer.training
    assert not np.array_equal(layer.forward(x), x)
    layer.train(False)
    assert not layer.training
    with pytest.raises(ValueError, match="default_rng"):
        Dropout(0.5)


def test_dropout_inside_sequential(rng):
    drop = Dropout(0.5, rng=rng)
    model = Sequential(
        [
            Linear(6, 8, rng=rng, dtype=np.float64),
            ReLU(),
            drop,
            Linear(8, 3, rng=rng, dtype=np.float64),
        ]
    )
    assert list(model.params) == ["W1", "b1", "W2", "b2"]
    X = rng.standard_normal((5, 6))
    y = np.array([0, 1, 2, 0, 1])
    assert not np.array_equal(model._forward(X), model._forward(X))  # training: random masks
    drop.eval()
    np.testing.assert_array_equal(model.scores(X), model.scores(X))
    loss, grads = model.loss(X, y)
    assert np.isfinite(loss) and grads["W1"].shape == (6, 8)


def test_sequential_scores_turn_dropout_off_and_loss_keeps_it_on():
    """scores() evaluates the whole network (dropout off, then restored); loss() trains."""
    from helpers.layers import Dropout, Linear, ReLU
    from helpers.model import Sequential

    rng = np.random.default_rng(0)
    drop = Dropout(0.5, rng=np.random.default_rng(1))
    net = Sequential([Linear(6, 8, rng=rng), ReLU(), drop, Linear(8, 3, rng=rng)])
    X = rng.standard_normal((5, 6)).astype(np.float32)
    y = np.array([0, 1, 2, 0, 1])
    s1, s2 = net.scores(X), net.scores(X)
    np.testing.assert_array_equal(s1, s2)  # no random mask in evaluation
    assert drop.training  # restored
    l1, _ = net.loss(X, y)
    l2, _ = net.loss(X, y)
    assert l1 != l2  # training forward passes draw new masks
    net.eval()
    assert not drop.training
    np.testing.assert_array_equal(net.scores(X), s1)
    assert not drop.training  # an eval-mode layer stays in eval
    net.train()
    assert drop.training
