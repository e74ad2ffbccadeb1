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
        ({"optimizer": "adagrad"}, ValueError, "optimizer"),
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


# -- topic 05: update rules through update_rule= / optim_config=, callbacks ---------------

from helpers import optim  # noqa: E402
from helpers.train import EarlyStopping  # noqa: E402


def same_history(h1, h2):
    for k in History.KEYS:
        if k != "time":
            assert h1[k] == h2[k], k


@pytest.mark.parametrize("old, new", [
    ({}, {"update_rule": "sgd"}),
    ({"lr": 0.05}, {"lr": None, "optim_config": {"learning_rate": 0.05}}),
    ({"optimizer": "momentum"}, {"update_rule": "momentum"}),
    ({"optimizer": "momentum", "momentum": 0.8, "schedule": "cosine"},
     {"update_rule": optim.momentum, "optim_config": {"momentum": 0.8}, "schedule": "cosine"}),
    ({"optimizer": "sgd", "momentum": 0.0}, {"update_rule": "sgd", "optim_config": {}}),
])
def test_old_and_new_keywords_give_identical_training(data, old, new):
    net1, h1 = run(data, **old)
    net2, h2 = run(data, **new)
    same_history(h1, h2)
    for k in net1.params:
        np.testing.assert_array_equal(net1.params[k], net2.params[k])


@pytest.mark.parametrize("rule, config", [
    ("nesterov", {"learning_rate": 0.1}),
    ("ema_momentum", {"learning_rate": 0.5, "momentum": 0.9}),
    ("rmsprop", {"learning_rate": 3e-3}),
    ("adam", {"learning_rate": 1e-2}),
    ("adamw", {"learning_rate": 1e-2, "weight_decay": 1e-2}),
    ("scalar_rmsprop", {"learning_rate": 0.1}),
])
def test_every_rule_trains_through_fit(data, rule, config):
    net, h = run(data, update_rule=rule, optim_config=config, lr=None, epochs=4)
    assert h["val_acc"][-1] > 0.9, rule
    assert h["lr"][-1] == config["learning_rate"]
    # one state per parameter, made by fit, and the caller's dict left alone
    configs = h.optim_configs
    assert set(configs) == set(net.params)
    assert len({id(c) for c in configs.values()}) == len(configs)
    assert set(config) <= set(configs["W1"]) and "scratch" not in config


def test_optim_config_of_the_caller_is_not_changed(data):
    config = {"learning_rate": 1e-2}
    run(data, update_rule="adam", optim_config=config, lr=None)
    assert config == {"learning_rate": 1e-2}


def test_the_rule_gets_each_parameters_state_and_the_scheduled_rate(data):
    seen = []

    def spy(w, dw, config):
        seen.append((id(config), config["learning_rate"], config["tag"]))
        return optim.sgd(w, dw, config)

    net, h = run(data, update_rule=spy, optim_config={"tag": "x", "learning_rate": 0.2},
                 lr=None, schedule="linear", epochs=1)  # 5 steps, 4 parameters
    assert len(seen) == 5 * 4 and {t for *_, t in seen} == {"x"}
    assert len({i for i, *_ in seen}) == 4
    assert [r for _, r, _ in seen[::4]] == pytest.approx([0.2 * (1 - s / 5) for s in range(5)])


def test_step_schedule_and_warmup(data):
    _, h = run(data, schedule="step", epochs=4, eval_every=1)  # 20 steps
    lrs = h["lr"]
    assert lrs[:10] == pytest.approx([0.1] * 10)
    assert lrs[10:15] == pytest.approx([0.01] * 5) and lrs[15:] == pytest.approx([0.001] * 5)
    _, h = run(data, warmup=4, eval_every=1)
    assert h["lr"][:5] == pytest.approx([0.025, 0.05, 0.075, 0.1, 0.1])


def test_callbacks_called_after_every_evaluation(data):
    calls = []
    net, h = run(data, callbacks=[lambda m, hist: calls.append((m, len(hist["step"])))])
    assert [n for _, n in calls] == [1, 2, 3] and all(m is net for m, _ in calls)
    assert h.stopped is False


def test_a_callback_returning_true_stops_training(data):
    _, h = run(data, epochs=10, callbacks=[lambda m, hist: hist["epoch"][-1] >= 2])
    assert h["epoch"] == [1.0, 2.0] and h.stopped is True
    # a truthy value that is not True does not stop (a list, a count, ...)
    _, h = run(data, epochs=3, callbacks=[lambda m, hist: [1]])
    assert len(h["epoch"]) == 3


def test_early_stopping_restores_the_best_parameters(data):
    # validation accuracy reaches its best, then cannot improve for `patience` evaluations
    snapshots = []
    es = EarlyStopping(patience=2, key="val_acc", mode="max")
    keep = lambda m, hist: snapshots.append({k: v.copy() for k, v in m.params.items()})  # noqa: E731
    net, h = run(data, lr=0.05, epochs=30, callbacks=[keep, es])
    assert h.stopped and len(h["val_acc"]) < 30
    assert es.best == max(h["val_acc"]) and es.best_index == int(np.argmax(h["val_acc"]))
    assert len(h["val_acc"]) - 1 - es.best_index == 2
    for k, v in snapshots[es.best_index].items():
        np.testing.assert_array_equal(net.params[k], v)
    assert not np.array_equal(snapshots[-1]["W1"], net.params["W1"])


def test_early_stopping_needs_validation_data(data):
    with pytest.raises(ValueError, match="pass validation data"):
        run(data[:2] + (None, None), callbacks=[EarlyStopping()])


@pytest.mark.parametrize("kwargs, error, match", [
    ({"update_rule": "adagrad"}, ValueError, "update_rule must be one of"),
    ({"update_rule": 3}, TypeError, "update_rule"),
    ({"update_rule": "sgd", "optimizer": "sgd"}, ValueError, "not both"),
    ({"optim_config": [0.1]}, TypeError, "optim_config"),
    ({"optim_config": {"velocity": np.zeros(3)}}, ValueError, "one state per parameter"),
    ({"lr": 0.1, "optim_config": {"learning_rate": 0.2}}, ValueError, "disagree"),
    ({"optimizer": "momentum", "momentum": 0.5, "optim_config": {"momentum": 0.9}},
     ValueError, "disagree"),
    ({"warmup": -1}, ValueError, "warmup"),
    ({"callbacks": [1]}, TypeError, "callbacks"),
    ({"update_rule": "adam", "optim_config": {"beta1": 2.0}}, ValueError, "beta1"),
])
def test_fit_bad_optimiser_arguments(data, kwargs, error, match):
    with pytest.raises(error, match=match):
        run(data, **kwargs)


def test_step_schedule_with_numpy_progress():
    from helpers.train import _schedule

    rate = _schedule("step", 1.0)
    assert [rate(np.float64(t)) for t in (0.1, 0.6, 0.8)] == pytest.approx([1.0, 0.1, 0.01])
