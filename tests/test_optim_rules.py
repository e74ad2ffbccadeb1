"""Tests of topic 05's update rules in helpers.optim: nesterov, ema_momentum, rmsprop, adam, adamw.

Three ways: against the formulas worked through in plain Python floats for three steps,
against PyTorch's optimisers (trajectories stored by tools/torch_reference.py in
tests/data/, so these tests need no torch), and by counting the update's allocations.
"""

import json
import math
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from helpers.optim import RULES, adam, adamw, ema_momentum, momentum, nesterov, rmsprop, sgd

REFERENCE = Path(__file__).parent / "data" / "torch_optim_reference.npz"
W0 = [1.0, -2.0, 0.5]
GRADS = [[0.5, -1.0, 2.0], [1.0, 0.0, -1.0], [-0.25, 2.0, 0.1]]  # three steps' gradients


def run(rule, config, dtype=np.float64):
    """Apply ``rule`` with the three GRADS to a copy of W0; return the iterates."""
    w = np.array(W0, dtype)
    out = []
    for g in GRADS:
        rule(w, np.array(g, dtype), config)
        out.append(w.copy())
    return out


def by_hand(step):
    """The iterates of an elementwise rule written per coordinate: step(i, w, g, state) -> w."""
    ws, state = list(W0), [{} for _ in W0]
    out = []
    for g in GRADS:
        ws = [step(w, gi, state[i]) for i, (w, gi) in enumerate(zip(ws, g, strict=True))]
        out.append(list(ws))
    return out


def assert_iterates(ours, hand, rtol=1e-12):
    for k, (a, b) in enumerate(zip(ours, hand, strict=True)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-15, err_msg=f"step {k + 1}")


# -- three steps against the formulas, coordinate by coordinate ------------------------------

def test_nesterov_by_hand():
    lr, mu = 0.1, 0.9

    def step(w, g, s):
        s["v"] = mu * s.get("v", 0.0) - lr * g
        return w + mu * s["v"] - lr * g

    assert_iterates(run(nesterov, {"learning_rate": lr, "momentum": mu}), by_hand(step))
    # first step literally: v = -0.05, 0.1, -0.2; w = w0 + 1.9 v
    w = np.array(W0)
    nesterov(w, np.array(GRADS[0]), {"learning_rate": lr, "momentum": mu})
    np.testing.assert_allclose(w, [0.905, -1.81, 0.12])


def test_ema_momentum_by_hand():
    lr, beta = 0.5, 0.9

    def step(w, g, s):
        s["v"] = beta * s.get("v", 0.0) + (1 - beta) * g
        return w - lr * s["v"]

    config = {"learning_rate": lr, "momentum": beta}
    assert_iterates(run(ema_momentum, config), by_hand(step))
    # v1 = 0.1 g1; v2 = 0.9 v1 + 0.1 g2 = [0.145, -0.09, 0.08]; v3 = 0.9 v2 + 0.1 g3:
    np.testing.assert_allclose(config["velocity"], [0.1055, 0.119, 0.082])


def test_rmsprop_by_hand():
    lr, rho, eps = 0.01, 0.9, 1e-8

    def step(w, g, s):
        s["c"] = rho * s.get("c", 0.0) + (1 - rho) * g * g
        return w - lr * g / (math.sqrt(s["c"]) + eps)

    config = {"learning_rate": lr, "decay_rate": rho, "epsilon": eps}
    assert_iterates(run(rmsprop, config), by_hand(step))
    # first step: cache = 0.1 g^2, so every coordinate moves by lr / sqrt(0.1) against sign(g)
    w = np.array(W0)
    rmsprop(w, np.array(GRADS[0]), {"learning_rate": lr, "decay_rate": rho, "epsilon": 0.0})
    np.testing.assert_allclose(w, np.array(W0) - lr / math.sqrt(0.1) * np.sign(GRADS[0]))


def test_adam_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8

    def step(w, g, s):
        t = s["t"] = s.get("t", 0) + 1
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        m_hat, v_hat = s["m"] / (1 - b1**t), s["v"] / (1 - b2**t)
        return w - lr * m_hat / (math.sqrt(v_hat) + eps)

    config = {"learning_rate": lr, "beta1": b1, "beta2": b2, "epsilon": eps}
    assert_iterates(run(adam, config), by_hand(step))
    assert config["t"] == 3
    # first step with the bias correction: m_hat = g, v_hat = g^2, a step of lr * sign(g)
    w = np.array(W0)
    adam(w, np.array(GRADS[0]), {"learning_rate": lr, "epsilon": 0.0})
    np.testing.assert_allclose(w, [0.9, -1.9, 0.4])


def test_adamw_by_hand():
    lr, b1, b2, eps, wd = 0.1, 0.9, 0.999, 1e-8, 0.2

    def step(w, g, s):
        w = w * (1 - lr * wd)
        t = s["t"] = s.get("t", 0) + 1
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        return w - lr * (s["m"] / (1 - b1**t)) / (math.sqrt(s["v"] / (1 - b2**t)) + eps)

    config = {"learning_rate": lr, "epsilon": eps, "weight_decay": wd}
    assert_iterates(run(adamw, config), by_hand(step))


def test_adamw_without_decay_is_adam_and_differs_from_l2():
    a = run(adam, {"learning_rate": 0.1})
    b = run(adamw, {"learning_rate": 0.1, "weight_decay": 0.0})
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    # L2 through the gradient is divided by sqrt(v_hat); decoupled decay is not
    w_l2, w_dec = np.array(W0), np.array(W0)
    c_l2, c_dec = {"learning_rate": 0.1}, {"learning_rate": 0.1, "weight_decay": 0.5}
    for g in GRADS:
        adam(w_l2, np.array(g) + 0.5 * w_l2, c_l2)
        adamw(w_dec, np.array(g), c_dec)
    assert not np.allclose(w_l2, w_dec, rtol=1e-3)


def test_ema_momentum_is_momentum_with_a_rescaled_rate():
    lr, beta = 0.5, 0.9
    a = run(ema_momentum, {"learning_rate": lr, "momentum": beta})
    b = run(momentum, {"learning_rate": lr * (1 - beta), "momentum": beta})
    assert_iterates(a, b, rtol=1e-12)


def test_zero_momentum_nesterov_is_sgd():
    assert_iterates(run(nesterov, {"learning_rate": 0.1, "momentum": 0.0}),
                    run(sgd, {"learning_rate": 0.1}))


@pytest.mark.parametrize("name", ["nesterov", "ema_momentum", "rmsprop", "adam", "adamw"])
def test_defaults_float32_and_state(name):
    rule = RULES[name]
    w = np.ones((4, 3), np.float32)
    out, config = rule(w, np.full((4, 3), 0.5, np.float32))
    assert out is w and w.dtype == np.float32 and np.isfinite(w).all()
    assert config["learning_rate"] == (1e-3 if name.startswith("adam") else 1e-2)
    assert (w < 1).all()  # a step downhill
    for key, value in config.items():
        if isinstance(value, np.ndarray):
            assert value.shape == w.shape and value.dtype == np.float32, key


# -- against PyTorch ----------------------------------------------------------------------

def reference():
    with np.load(REFERENCE, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def test_reference_file_is_small_and_from_the_pinned_torch():
    assert REFERENCE.stat().st_size < 50_000
    ref = reference()
    assert str(ref["torch_version"]).startswith("2.13.0")


@pytest.mark.parametrize("case", ["sgd", "momentum", "nesterov", "rmsprop", "rmsprop_big_eps",
                                  "adam", "adam_low_beta", "adamw"])
def test_trajectory_matches_pytorch(case):
    ref = reference()
    spec = json.loads(str(ref["cases"]))[case]
    A, b, traj = ref["A"], ref["b"], ref[f"traj_{case}"]
    w, config = ref["w0"].copy(), dict(spec["config"])
    for k in range(1, len(traj)):
        dw = (A @ w.reshape(-1) - b).reshape(w.shape)
        RULES[spec["rule"]](w, dw, config)
        np.testing.assert_allclose(w, traj[k], rtol=1e-9, atol=1e-12,
                                   err_msg=f"{case} vs {spec['torch']}, step {k}")
    assert not np.allclose(traj[-1], traj[0])  # the optimiser did move


# -- no temporaries ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["nesterov", "ema_momentum", "rmsprop", "adam", "adamw"])
def test_update_allocates_nothing_of_the_parameters_size(name):
    rule = RULES[name]
    rng = np.random.default_rng(0)
    w = rng.standard_normal((256, 256)).astype(np.float32)  # 256 KiB
    dw = rng.standard_normal(w.shape).astype(np.float32)
    config = {"learning_rate": 1e-3}
    rule(w, dw, config)  # the first call allocates the state buffers
    tracemalloc.start()
    try:
        for _ in range(3):
            rule(w, dw, config)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < w.nbytes // 20, f"{name} allocated {peak} bytes for a {w.nbytes}-byte w"


def test_the_allocation_test_would_see_a_temporary():
    w = np.zeros((256, 256), np.float32)
    dw = np.ones_like(w)
    tracemalloc.start()
    try:
        w -= 0.1 * dw  # one temporary of w's size
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak >= w.nbytes


# -- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["nesterov", "ema_momentum", "rmsprop", "adam", "adamw"])
@pytest.mark.parametrize(
    "w, dw, config, error, match",
    [
        (np.zeros(3), np.zeros(4), None, ValueError, "shape"),
        ([0.0, 1.0], np.zeros(2), None, TypeError, "numpy array"),
        (np.zeros(3, int), np.zeros(3), None, TypeError, "float"),
        (np.zeros(3), np.zeros(3), {"learning_rate": -1.0}, ValueError, "learning_rate"),
        (np.zeros(3), np.zeros(3), 0.1, TypeError, "config"),
    ],
)
def test_bad_input(name, w, dw, config, error, match):
    with pytest.raises(error, match=match):
        RULES[name](w, dw, config)


@pytest.mark.parametrize("name, config, match", [
    ("nesterov", {"momentum": 1.0}, "momentum"),
    ("ema_momentum", {"momentum": -0.1}, "momentum"),
    ("ema_momentum", {"velocity": np.zeros(2)}, "velocity.*one config per parameter"),
    ("rmsprop", {"decay_rate": 1.0}, "decay_rate"),
    ("rmsprop", {"epsilon": float("nan")}, "epsilon"),
    ("rmsprop", {"cache": np.zeros(4)}, "cache"),
    ("adam", {"beta1": 1.5}, "beta1"),
    ("adam", {"beta2": "0.999"}, "beta2"),
    ("adam", {"t": -1}, "t"),
    ("adam", {"m": np.zeros((3, 1))}, "'m'"),
    ("adamw", {"weight_decay": -0.1}, "weight_decay"),
])
def test_bad_config(name, config, match):
    with pytest.raises(ValueError, match=match):
        RULES[name](np.zeros(3), np.ones(3), config)
