"""Tests of helpers.tutorials: the source tutorials' recipes, as they write them."""

import math

import numpy as np
import pytest

from helpers.functions import softmax
from helpers.gradcheck import numerical_gradient, relative_error
from helpers.tutorials import (
    T1Workspace,
    t1_init,
    t1_loss_and_grads,
    t1_softmax,
    t1_train,
    t3_init,
    t3_loss_and_grads,
    t3_relu,
    t3_scores,
    t3_train,
)

D, H, C, N = 12, 7, 4, 9


def small_problem(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, size=(N, D)).astype(dtype)
    y = np.arange(N) % C
    return X, y


# ---------------------------------------------------------------------------- T1/T5


def test_t1_init_shapes_scales_and_dtypes():
    p = t1_init(np.random.default_rng(0))
    assert set(p) == {"W1", "b1", "W2"}  # no output bias
    assert p["W1"].shape == (784, 256) and p["b1"].shape == (256,) and p["W2"].shape == (256, 10)
    assert all(v.dtype == np.float64 for v in p.values())
    assert p["W1"].std() == pytest.approx(0.1, rel=0.01)
    assert 0.85 < p["b1"].std() < 1.15  # unscaled N(0, 1) bias
    p32 = t1_init(np.random.default_rng(0), dtype=np.float32)
    for k in p:
        assert p32[k].dtype == np.float32
        np.testing.assert_allclose(p32[k], p[k], rtol=1e-6)
    with pytest.raises(TypeError, match="Generator"):
        t1_init(0)


def t1_loss(params, X, y, alpha):
    """T1's loss by hand: -sum(log(P) * Y) / N + alpha/2 (|W1|^2 + |W2|^2)."""
    Y = np.eye(C)[y]
    Z2 = np.maximum(X @ params["W1"] + params["b1"], 0) @ params["W2"]
    P = np.exp(Z2) / np.exp(Z2).sum(axis=1, keepdims=True)
    return (-np.sum(np.log(P) * Y) / len(X)
            + alpha / 2 * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2)))


@pytest.mark.parametrize("alpha", [0.0, 1e-6, 0.3])
def test_t1_gradients_against_centred_differences(alpha):
    X, y = small_problem()
    params = t1_init(np.random.default_rng(1), D, H, C)
    params["W2"] *= 10  # moderate scores (|Z2| of a few units): a real test of the softmax
    loss, grads = t1_loss_and_grads(params, X, y, alpha)
    assert loss == pytest.approx(t1_loss(params, X, y, alpha), rel=1e-12)
    for k in params:
        numeric = numerical_gradient(lambda: t1_loss(params, X, y, alpha), params[k], h=1e-6)
        assert relative_error(grads[k], numeric) < 1e-7, k


def test_t1_softmax_overflows_where_the_stable_one_does_not():
    for dtype, big in [(np.float64, 710.0), (np.float32, 89.0)]:
        assert big > math.log(np.finfo(dtype).max)
        Z = np.array([[big, 0.0, -1.0], [1.0, 2.0, 3.0]], dtype)
        P = t1_softmax(Z)
        assert np.isnan(P[0, 0]) and not P[0, 1:].any()  # inf / inf, then 1 / inf = 0
        assert np.isnan(P[0].sum())  # the row no longer sums to 1
        np.testing.assert_allclose(P[1], softmax(Z[1:])[0], rtol=1e-6)
        assert np.isfinite(softmax(Z)).all()  # the stable one
        ok = Z.copy()
        ok[0, 0] = math.log(np.finfo(dtype).max) - 1  # just below the threshold: fine
        assert np.isfinite(t1_softmax(ok)).all()


def test_t1_loss_is_nan_when_a_probability_underflows_to_zero():
    # row 1 scores (-800, 0): exp(-800) underflows to 0 in float64, so P = (0, 1)
    X = np.eye(2)
    params = {"W1": np.eye(2), "b1": np.zeros(2), "W2": np.array([[-800.0, 0.0], [0.0, 0.0]])}
    loss, grads = t1_loss_and_grads(params, X, np.array([0, 1]), alpha=0.0)
    assert loss == math.inf  # row 1's label has probability 0: -log(0) = inf
    loss, grads = t1_loss_and_grads(params, X, np.array([1, 1]), alpha=0.0)
    assert math.isnan(loss)  # row 1: log(0) * 0 = nan, although the label is right
    assert all(np.isfinite(g).all() for g in grads.values())  # the gradients are still fine


def t1_iterations_by_hand(params, X, y, iterations, eta=0.5, gamma=0.99, eps=1e-3,
                          alpha=1e-6, reset_every=500):
    """T1's loop written out: forward, backward, three scalar accumulators, the reset in
    the logging block (after the update of loop index i with i % reset_every == 0)."""
    W0, b0, W1 = (params[k].copy() for k in ("W1", "b1", "W2"))
    Y = np.eye(W1.shape[1])[y]
    n = len(X)
    gW0 = gb0 = gW1 = 1.0
    for i in range(iterations):
        z1 = X @ W0 + b0
        a = np.maximum(z1, 0)
        z2 = a @ W1
        P = np.exp(z2) / np.sum(np.exp(z2), axis=1, keepdims=True)
        delta2 = P - Y
        dW1 = a.T @ delta2 / n + alpha * W1
        delta1 = delta2 @ W1.T * (z1 > 0)
        dW0 = X.T @ delta1 / n + alpha * W0
        db0 = np.mean(delta1, axis=0)
        gW0 = gamma * gW0 + (1 - gamma) * np.sum(dW0**2)
        gb0 = gamma * gb0 + (1 - gamma) * np.sum(db0**2)
        gW1 = gamma * gW1 + (1 - gamma) * np.sum(dW1**2)
        W0 = W0 - eta / np.sqrt(gW0 + eps) * dW0
        b0 = b0 - eta / np.sqrt(gb0 + eps) * db0
        W1 = W1 - eta / np.sqrt(gW1 + eps) * dW1
        if i % reset_every == 0:
            gW0 = gb0 = gW1 = 1.0
    return {"W1": W0, "b1": b0, "W2": W1}


@pytest.mark.parametrize(("iterations", "reset_every"), [(1, 500), (3, 500), (7, 3)])
def test_t1_train_matches_t1s_formulas(iterations, reset_every):
    X, y = small_problem(2)
    params = t1_init(np.random.default_rng(3), D, H, C)
    expected = t1_iterations_by_hand(params, X, y, iterations, reset_every=reset_every)
    seen = []
    out = t1_train(params, X, y, iterations, reset_every=reset_every,
                   callback=lambda t, p, loss: seen.append((t, loss)))
    for k in params:
        np.testing.assert_allclose(params[k], expected[k], rtol=1e-12, atol=1e-14)
    assert [t for t, _ in seen] == list(range(1, iterations + 1))
    assert out["loss"] == [loss for _, loss in seen]
    assert out["loss"][0] == pytest.approx(t1_loss(t1_init(np.random.default_rng(3), D, H, C),
                                                   X, y, 1e-6), rel=1e-12)
    assert out["configs"]["W1"]["t"] == iterations
    # train_acc[t - 1]: accuracy of the parameters before update t
    start = t1_init(np.random.default_rng(3), D, H, C)
    scores = np.maximum(X @ start["W1"] + start["b1"], 0) @ start["W2"]
    assert out["train_acc"][0] == np.mean(scores.argmax(axis=1) == y)
    if iterations > 1:
        after = t1_iterations_by_hand(start, X, y, iterations - 1, reset_every=reset_every)
        scores = np.maximum(X @ after["W1"] + after["b1"], 0) @ after["W2"]
        assert out["train_acc"][-1] == np.mean(scores.argmax(axis=1) == y)


def test_t1_float32_stays_float32_and_close_to_float64():
    X, y = small_problem(4)
    p64 = t1_init(np.random.default_rng(5), D, H, C)
    p32 = t1_init(np.random.default_rng(5), D, H, C, dtype=np.float32)
    t1_train(p64, X, y, 5)
    t1_train(p32, X.astype(np.float32), y, 5)
    for k in p64:
        assert p32[k].dtype == np.float32
        np.testing.assert_allclose(p32[k], p64[k], rtol=1e-3, atol=1e-4)


def test_t1_train_raises_on_overflow():
    X, y = small_problem(6)
    params = t1_init(np.random.default_rng(7), D, H, C)
    params["W2"] *= 1e4  # scores in the thousands: exp overflows
    with pytest.raises(FloatingPointError, match="overflowed"):
        t1_train(params, X, y, 1)


def test_t1_workspace_reuse_and_bad_input():
    X, y = small_problem(8)
    params = t1_init(np.random.default_rng(9), D, H, C)
    work = T1Workspace(params, X, y)
    a = t1_loss_and_grads(params, X, y, 1e-6, work)
    a = (a[0], {k: v.copy() for k, v in a[1].items()})
    b = t1_loss_and_grads(params, X, y, 1e-6, work)
    assert a[0] == b[0] and all(np.array_equal(a[1][k], b[1][k]) for k in params)
    with pytest.raises(TypeError, match="float32"):
        t1_loss_and_grads(params, X.astype(np.float32), y)
    with pytest.raises(ValueError, match="shape"):
        t1_loss_and_grads(params, X[:, :5], y)
    with pytest.raises(KeyError, match="W2"):
        t1_loss_and_grads({"W1": params["W1"], "b1": params["b1"]}, X, y)
    with pytest.raises(ValueError):
        t1_loss_and_grads(params, X, np.full(N, C))  # label out of range


# ---------------------------------------------------------------------------- T3


def test_t3_init_scalings():
    p = t3_init(np.random.default_rng(0), dtype=np.float64)
    assert {k: v.shape for k, v in p.items()} == {"W1": (784, 100), "b1": (100,),
                                                  "W2": (100, 10), "b2": (10,)}
    assert p["W1"].std() == pytest.approx(1 / 10, rel=0.02)  # 1/sqrt(fan_out = 100)
    assert p["W2"].std() == pytest.approx(1 / math.sqrt(10), rel=0.1)
    assert np.abs(p["b1"]).max() > 0  # biases random as well
    q = t3_init(np.random.default_rng(0), scaling="fan_in", dtype=np.float64)
    assert q["W1"].std() == pytest.approx(1 / 28, rel=0.02)  # 1/sqrt(fan_in = 784)
    assert not q["b1"].any() and not q["b2"].any()
    with pytest.raises(ValueError, match="fan_out"):
        t3_init(np.random.default_rng(0), scaling="xavier")


def test_t3_scores_with_and_without_the_output_relu():
    X, _ = small_problem(15)
    params = t3_init(np.random.default_rng(16), D, H, C, dtype=np.float64)
    z = np.maximum(X @ params["W1"] + params["b1"], 0) @ params["W2"] + params["b2"]
    np.testing.assert_allclose(t3_scores(params, X, output_relu=False), z)
    np.testing.assert_allclose(t3_scores(params, X), np.maximum(z, 0))


def test_t3_relu_changes_its_argument():
    z = np.array([-1.0, 2.0, -3.0])
    out = t3_relu(z)
    assert out is z
    np.testing.assert_array_equal(z, [0.0, 2.0, 0.0])


def t3_loss(params, X, y, reg, output_relu, reg_biases):
    h = np.maximum(X @ params["W1"] + params["b1"], 0)
    s = h @ params["W2"] + params["b2"]
    if output_relu:
        s = np.maximum(s, 0)
    logp = s - s.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    names = ("W1", "b1", "W2", "b2") if reg_biases else ("W1", "W2")
    return (-logp[np.arange(len(y)), y].mean()
            + 0.5 * reg * sum(np.sum(params[k] ** 2) for k in names))


@pytest.mark.parametrize("output_relu", [True, False])
@pytest.mark.parametrize("reg_biases", [True, False])
def test_t3_gradients_against_centred_differences(output_relu, reg_biases):
    X, y = small_problem(10)
    params = t3_init(np.random.default_rng(11), D, H, C, dtype=np.float64)
    params["b2"] += 0.5  # most output scores positive, so the output ReLU passes gradient
    reg = 0.05
    loss, grads = t3_loss_and_grads(params, X, y, reg, output_relu=output_relu,
                                    reg_biases=reg_biases)
    f = lambda: t3_loss(params, X, y, reg, output_relu, reg_biases)  # noqa: E731
    assert loss == pytest.approx(f(), rel=1e-12)
    for k in params:
        numeric = numerical_gradient(f, params[k], h=1e-6)
        assert relative_error(grads[k], numeric) < 1e-6, k


def test_t3_train_is_sgd_with_a_smoothed_loss():
    X, y = small_problem(12)
    X = np.concatenate([X] * 4)  # 36 rows: 2 batches of 16 per epoch
    y = np.concatenate([y] * 4)
    params = t3_init(np.random.default_rng(13), D, H, C, dtype=np.float64)
    start = {k: v.copy() for k, v in params.items()}
    out = t3_train(params, X, y, 3, rng=np.random.default_rng(14))
    # by hand, the same batches
    rng = np.random.default_rng(14)
    order = rng.permutation(36)
    batches = [order[:16], order[16:32], rng.permutation(36)[:16]]
    p = {k: v.copy() for k, v in start.items()}
    for idx in batches:
        _, g = t3_loss_and_grads(p, X[idx], y[idx], 1e-4)
        for k in p:
            p[k] = p[k] - 2e-2 * g[k]
    for k in p:
        np.testing.assert_allclose(params[k], p[k], rtol=1e-12)
    l0, l1, l2 = out["loss"]
    s1 = 0.95 * l0 + 0.05 * l1
    np.testing.assert_allclose(out["smooth_loss"], [l0, s1, 0.95 * s1 + 0.05 * l2])
