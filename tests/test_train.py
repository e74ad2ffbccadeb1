"""Tests of helpers.train: fit and evaluate on a small seeded synthetic problem."""

import numpy as np
import pytest

from helpers.layers import softmax_cross_entropy
from helpers.model import TwoLayerNet
from helpers.train import History, evaluate, fit

D, C = 20, 3


def blobs(n, seed):
    """n points in D dimensions around C well-separated seeded centres; float32, int64."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(123).normal(scale=2.0, size=(C, D))
    y = rng.integers(0, C, size=n)
    X = centres[y] + rng.normal(size=(n, D))
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def data():
    return blobs(300, 0) + blobs(100, 1)


def new_net(seed=0, **kw):
    return TwoLayerNet(D=D, H=16, C=C, rng=np.random.default_rng(seed), **kw)


def run(data, seed=1, net_seed=0, **kw):
    kw = {"epochs": 3, "batch_size": 64, "lr": 0.1, **kw}
    net = new_net(net_seed)
    history = fit(net, *data, rng=np.random.default_rng(seed), **kw)
    return net, history


def test_fit_decreases_the_loss_and_learns(data):
    net = new_net()
    before, _ = evaluate(net, data[2], data[3])
    net, h = run(data, epochs=5)
    assert h["train_loss"][-1] < h["train_loss"][0]
    assert h["val_loss"][-1] < before
    assert h["val_acc"][-1] > 0.95 and h["train_acc"][-1] > 0.95


def test_history_lengths_steps_and_epochs(data):
    _, h = run(data)  # 300 examples, batches of 64: 5 steps per epoch
    assert isinstance(h, History) and set(h) == set(History.KEYS)
    assert {len(v) for v in h.values()} == {3}
    assert h["step"] == [5, 10, 15] and h["epoch"] == [1.0, 2.0, 3.0]
    assert all(b >= a for a, b in zip(h["time"], h["time"][1:], strict=False))
    assert h.eval_time > 0

    _, h = run(data, eval_every=4)  # every 4 steps, plus the end
    assert h["step"] == [4, 8, 12, 15]
    assert {len(v) for v in h.values()} == {4}


def test_fit_is_deterministic_for_a_seed(data):
    net1, h1 = run(data, optimizer="momentum", schedule="cosine")
    net2, h2 = run(data, optimizer="momentum", schedule="cosine")
    for k in net1.params:
        np.testing.assert_array_equal(net1.params[k], net2.params[k])
    for k in History.KEYS:
        if k != "time":
            assert h1[k] == h2[k]
    net3, _ = run(data, seed=2, optimizer="momentum", schedule="cosine")
    assert not np.array_equal(net1.params["W1"], net3.params["W1"])


def test_schedules(data):
    _, h = run(data, schedule="constant")
    assert h["lr"] == [0.1, 0.1, 0.1]
    _, h = run(data, schedule="linear")  # last step t = 14/15
    assert h["lr"][-1] == pytest.approx(0.1 / 15)
    _, h = run(data, schedule="cosine")
    assert h["lr"][0] < 0.1 and h["lr"][-1] < 0.002
    _, h = run(data, schedule=lambda t: 0.5)
    assert h["lr"] == [0.05, 0.05, 0.05]


def test_fit_without_validation_data(data):
    _, h = run(data[:2] + (None, None))
    assert np.isnan(h["val_acc"]).all() and len(h["val_acc"]) == 3


class PlainModel:
    """Only the public model contract: params, loss, scores (no fast inner path)."""

    def __init__(self, net):
        self.net, self.params = net, net.params

    def loss(self, X, y, reg=0.0):
        return self.net.loss(X, y, reg)

    def scores(self, X):
        return self.net.scores(X)


def test_fast_path_equals_public_contract(data):
    net_fast, h_fast = run(data, reg=1e-3)
    plain = PlainModel(new_net())
    h_plain = fit(plain, *data, epochs=3, batch_size=64, lr=0.1, reg=1e-3,
                  rng=np.random.default_rng(1))
    for k in net_fast.params:
        np.testing.assert_array_equal(net_fast.params[k], plain.params[k])
    assert h_fast["val_loss"] == h_plain["val_loss"]


def test_divergence_is_reported(data):
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        run(data, lr=1e30)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"epochs": 0}, ValueError, "epochs"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"lr": -0.1}, ValueError, "lr"),
        ({"reg": -1.0}, ValueError, "reg"),
        ({"optimizer": "adam"}, ValueError, "optimizer"),
        ({"schedule": "exp"}, ValueError, "schedule"),
        ({"eval_every": 0}, ValueError, "eval_every"),
    ],
)
def test_fit_bad_arguments(data, kwargs, error, match):
    with pytest.raises(error, match=match):
        run(data, **kwargs)


def test_fit_bad_data(data):
    X, y, Xv, yv = data
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="Generator"):
        fit(new_net(), X, y, Xv, yv, epochs=1, rng=0)
    with pytest.raises(ValueError, match="expected 300 labels"):
        fit(new_net(), X, y[:-1], Xv, yv, epochs=1, rng=rng)
    with pytest.raises(ValueError, match=r"0\.\.2"):  # the net has C = 3 classes
        fit(new_net(), X, np.where(y == 2, 3, y), Xv, yv, epochs=1, rng=rng)
    with pytest.raises(ValueError, match="both"):
        fit(new_net(), X, y, Xv, None, epochs=1, rng=rng)
    with pytest.raises(ValueError, match=r"\(N, 20\)"):
        fit(new_net(), X[:, :5], y, Xv, yv, epochs=1, rng=rng)
    bad = X.copy()
    bad[3, 4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fit(new_net(), bad, y, Xv, yv, epochs=1, rng=rng)


def test_evaluate_matches_a_direct_computation_for_any_chunk_size(data):
    _, _, X, y = data
    net = new_net()
    s = net.scores(X)
    loss, _ = softmax_cross_entropy(s, y)
    acc = float(np.mean(s.argmax(axis=1) == y))
    for batch_size in (7, 64, 1000):
        l_, a_ = evaluate(net, X, y, batch_size=batch_size)
        assert l_ == pytest.approx(loss, rel=1e-5) and a_ == acc


def test_evaluate_bad_input(data):
    _, _, X, y = data
    with pytest.raises(ValueError, match="expected 100 labels"):
        evaluate(new_net(), X, y[:50])
    with pytest.raises(ValueError, match="batch_size"):
        evaluate(new_net(), X, y, batch_size=0)


def test_progress_bar_path_runs(data, monkeypatch):
    monkeypatch.setenv("COURSE_PROGRESS", "1")
    _, h = run(data, epochs=1)
    assert h["step"] == [5]
