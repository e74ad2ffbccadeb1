"""How much memory one training step allocates, counted with tracemalloc.

The training step of ``helpers.train.fit`` (gather the batch, forward, backward, update) is
meant to work in buffers allocated once: the batch is gathered into a buffer with
``np.take(..., out=)``, TwoLayerNet keeps its (B, H) activations, delta1 and ReLU mask in
buffers per batch size, and the update rules keep their scratch arrays in their configs. What
is left per step are the (B, C) arrays of the softmax (logits, probabilities, row indices),
a few KiB. NumPy reports its array data to tracemalloc, so a new temporary of size (B, H) or
of a weight's size shows up as a jump in the step's peak.

Each step is measured inside ``fit`` itself: ``eval_every=1`` with a one-example training
subset and no validation data makes fit call a callback after every step, which reads
tracemalloc's peak since the previous step and resets it. The first two steps (buffers and
optimiser state being allocated) are left out.

Measured with NumPy 2.4.6, batch B = 256, H = 256, float32 (peak bytes above the memory in
use before the step; "before" is the code before the buffers of this test were introduced):

=================================  ===========  ===========
step                                    before        after
=================================  ===========  ===========
TwoLayerNet 784-256-10, momentum      806,008       55,032
TwoLayerNet 784-256-10, adam          805,960       54,984
mlp 784-256-256-256-10, momentum    2,849,476       34,472
mlp 784-256-256-256-10, adam        2,849,476       34,232
=================================  ===========  ===========

(Before: the batch gathered as a new (B, 784) array, 802,816 bytes, and momentum's
``lr * dw`` a temporary of W1's size, 802,816 bytes; the layer objects' ``dW`` temporaries
and, for Sequential, every layer's output, ReLU mask and input gradient, about 2 MB.
Sequential's training step now passes its Linear and ReLU layers buffers kept per batch
size, and asks the first layer for no input gradient.)
The bounds leave room for NumPy versions, and fail on one more array of size (B, H): a
float32 one (262,144 bytes) or a bool one (65,536 bytes).
"""

import tracemalloc

import numpy as np
import pytest

from helpers.model import TwoLayerNet, mlp
from helpers.train import fit

B, H, D, C = 256, 256, 784, 10
STEPS = 8  # measured: steps 3..8
RULES = {
    "momentum": {"learning_rate": 0.1, "momentum": 0.9},
    "adam": {"learning_rate": 1e-3},
}
# one (B, H) float32 array is B * H * 4 = 262,144 bytes
BOUND = {  # 3/8 of a (B, H) float32 array: 55 KB or 34 KB measured + a (B, H) bool fails
    "two-layer": 98_304,
    "sequential": 98_304,
}


def _data(n: int, seed: int = 0):
    """Learnable random data: pixels in [0, 1), labels from a random linear map."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, D), dtype=np.float32)
    y = (X @ rng.standard_normal((D, C)).astype(np.float32)).argmax(axis=1)
    return X, y


def step_peaks(model, rule: str, batch_size: int = B, steps: int = STEPS) -> list[tuple[int, int]]:
    """(peak bytes above the start of the step, net bytes kept) of steps 3..steps of fit."""
    X, y = _data(batch_size * steps)
    marks = []

    def after_step(_model, _history):
        marks.append(tracemalloc.get_traced_memory())
        tracemalloc.reset_peak()

    tracemalloc.start()
    try:
        fit(model, X, y, epochs=1, batch_size=batch_size, update_rule=rule,
            optim_config=RULES[rule], rng=np.random.default_rng(1), eval_every=1,
            train_eval_size=1, callbacks=[after_step])
    finally:
        tracemalloc.stop()
    assert len(marks) == steps
    # marks[i] = (memory in use after step i + 1, peak during step i + 1)
    return [(peak - before, now - before)
            for (before, _), (now, peak) in zip(marks[1:-1], marks[2:], strict=True)]


MODELS = {
    "two-layer": lambda: TwoLayerNet(D, H, C, rng=0),
    "sequential": lambda: mlp([D, H, H, H, C], rng=0),
}


@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("name", list(MODELS))
def test_a_training_step_allocates_no_large_temporaries(name, rule):
    peaks = step_peaks(MODELS[name](), rule)
    worst = max(p for p, _ in peaks)
    assert worst < BOUND[name], (
        f"one training step of {name} with {rule} now allocates {worst:,} bytes at its peak "
        f"(bound {BOUND[name]:,}; a (B, H) float32 array is {B * H * 4:,}): a new temporary "
        "in the batch gather, the forward or backward pass, or the update rule? Use "
        "preallocated buffers and out= (see this file's docstring)"
    )
    # nothing of any size accumulates from step to step (History grows by a few floats)
    assert max(kept for _, kept in peaks) < 4096, peaks


def test_the_allocation_test_would_see_a_new_hidden_sized_temporary(monkeypatch):
    """The measurement catches a regression: a ReLU mask allocated per step in TwoLayerNet."""
    net = TwoLayerNet(D, H, C, rng=0)
    original = net._loss

    def leaky_loss(X, y, reg, grads):
        np.greater(X[:, :H], 0.5).sum()  # a (B, H) bool temporary, 65,536 bytes
        return original(X, y, reg, grads)

    monkeypatch.setattr(net, "_loss", leaky_loss)
    worst = max(p for p, _ in step_peaks(net, "momentum"))
    assert worst >= BOUND["two-layer"], worst


def test_the_buffers_change_no_result():
    """The gather into a buffer and the in-place update give fit's results bit for bit
    (compared with the plain expressions, computed step by step here)."""
    X, y = _data(B * 3 + 17)  # a short last batch too
    net, ref = TwoLayerNet(D, H, C, rng=0), TwoLayerNet(D, H, C, rng=0)
    fit(net, X, y, epochs=2, batch_size=B, update_rule="momentum",
        optim_config=RULES["momentum"], rng=np.random.default_rng(1), train_eval_size=10)
    rng = np.random.default_rng(1)
    rng.choice(len(X), size=10, replace=False)  # fit's training subset
    velocity = {k: np.zeros_like(v) for k, v in ref.params.items()}
    for _ in range(2):
        order = rng.permutation(len(X))
        for start in range(0, len(X), B):
            idx = order[start : start + B]
            _, grads = ref.loss(X[idx], y[idx])
            for k, w in ref.params.items():
                velocity[k] *= 0.9
                velocity[k] -= 0.1 * grads[k]
                w += velocity[k]
    for k in net.params:
        np.testing.assert_array_equal(net.params[k], ref.params[k], err_msg=k)
