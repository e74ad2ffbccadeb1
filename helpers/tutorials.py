"""The source tutorials' recipes as they write them, flaws included, for reproducing them.

The course reproduces the tutorials it grew from (``SEEDS.md``) before it improves on them.
This module holds their recipes exactly, so that every notebook that measures them (topics
02 and 05) runs the same code. Nothing here is the course's recommended way: for that, see
``helpers.functions``, ``helpers.model`` and ``helpers.train``.

**T1/T5** (the Kaggle 784-256-10 ReLU network with full-batch "RMSprop"), in the course's
notation (layers count from 1: T1's ``W0, b0, W1`` are our ``W1, b1, W2``):

- ``Z1 = X W1 + b1``, ``A = relu(Z1)``, ``Z2 = A W2`` (**no output bias**),
  ``P = exp(Z2) / sum(exp(Z2))`` row by row, **without subtracting the row maximum**;
- loss ``-sum(log(P) * Y) / N + alpha/2 (|W1|^2 + |W2|^2)`` (biases not regularised);
- gradients ``delta2 = P - Y``, ``dW2 = A^T delta2 / N + alpha W2``,
  ``delta1 = delta2 W2^T * 1[Z1 > 0]``, ``dW1 = X^T delta1 / N + alpha W1``,
  ``db1 = mean(delta1, axis 0)``;
- initialisation ``W1, W2 = 0.1 randn``, ``b1 = randn`` (unscaled);
- full batch, and per-tensor scalar "RMSprop" (:func:`helpers.optim.scalar_rmsprop`): eta
  0.5, gamma 0.99, eps 1e-3 inside the square root, accumulators starting at 1 and reset to
  1 every 500 iterations.

What the unstable softmax does (see :func:`t1_softmax`): ``exp`` overflows to ``inf`` as soon
as one score exceeds ``log(finfo.max)``, about 709.78 in float64 and **88.72 in float32**;
that row of P then holds ``inf / inf = nan`` (and zeros beside it), and the NaN spreads
through the gradients into every weight in one step. At the other end, ``exp`` of a score
below about -745 (float64) or -103 (float32) underflows to 0, and so does a probability
below the smallest subnormal (about 5e-324, 1e-45). Then ``log(0) = -inf``, and
``-inf * 0 = nan`` in ``log(P) * Y`` makes the *reported loss* NaN even when the zero is
not at the label (inf when it is), while the gradients stay right.

**T3** (Greydanus's 784-100-10 dict-of-arrays network with batch-16 SGD):
:func:`t3_init`, :func:`t3_relu` (in place, as written) and :func:`t3_loss_and_grads` /
:func:`t3_train` with a switch for each of its three flaws (the ReLU on the output scores,
the fan-out "Xavier" scaling, L2 on the biases), so each can be measured on its own.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .data import check_labels
from .optim import scalar_rmsprop

__all__ = [
    "t1_init",
    "t1_softmax",
    "T1Workspace",
    "t1_loss_and_grads",
    "t1_train",
    "t3_init",
    "t3_scores",
    "t3_relu",
    "t3_loss_and_grads",
    "t3_train",
]


# --------------------------------------------------------------------------------------
# T1/T5
# --------------------------------------------------------------------------------------


def t1_init(rng: np.random.Generator, D: int = 784, H: int = 256, C: int = 10,
            dtype=np.float64) -> dict[str, np.ndarray]:
    """T1/T5's initial parameters: ``W1`` (D, H), ``W2`` (H, C) = 0.1 * N(0, 1) and
    ``b1`` (H,) = N(0, 1), **unscaled**; there is no ``b2``.

    Drawn in float64 in the order W1, b1, W2 from ``rng`` (a ``np.random.Generator``), then
    cast to ``dtype``, so a float32 and a float64 network from the same seed start alike.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a np.random.Generator, e.g. np.random.default_rng(0)")
    W1 = 0.1 * rng.standard_normal((D, H))
    b1 = rng.standard_normal(H)
    W2 = 0.1 * rng.standard_normal((H, C))
    return {"W1": W1.astype(dtype), "b1": b1.astype(dtype), "W2": W2.astype(dtype)}


def t1_softmax(Z, out=None) -> np.ndarray:
    """``exp(Z) / sum(exp(Z))`` row by row, **as T1/T5 write it** (no max-subtraction).

    Overflows (inf, then NaN rows) once a score exceeds ~709.78 in float64, ~88.72 in
    float32; see the module docstring. Use ``helpers.functions.softmax`` for real work.
    ``out``: an optional array of Z's shape and dtype to write into (may be Z itself).
    """
    Z = np.asarray(Z)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        E = np.exp(Z, out=out)
        E /= E.sum(axis=1, keepdims=True)
    return E


class T1Workspace:
    """Preallocated buffers for full-batch T1 steps on a fixed (X, y): the one-hot Y and
    every intermediate and gradient, so a step allocates almost nothing and its time goes
    to the three large matrix products (BLAS)."""

    def __init__(self, params: dict, X: np.ndarray, y: np.ndarray):
        N, H, C = len(X), params["W1"].shape[1], params["W2"].shape[1]
        dtype = params["W1"].dtype
        self.key = (id(X), id(y), N, H, C, dtype)
        self.Y = np.zeros((N, C), dtype)
        self.Y[np.arange(N), y] = 1
        # Z1, then relu(Z1) in place, then delta1 once dW2 has used relu(Z1): one (N, H)
        # array instead of two (123 MB each for 60,000 images in float64)
        self.A = np.empty((N, H), dtype)
        self.P = np.empty((N, C), dtype)  # Z2, then softmax, then P - Y
        self.mask = np.empty((N, H), np.bool_)
        self.grads = {k: np.empty_like(v) for k, v in params.items()}
        self.correct = 0  # rows the last forward pass classified right (argmax of P)


def _check_t1(params: dict, X, y) -> tuple[np.ndarray, np.ndarray]:
    missing = {"W1", "b1", "W2"} - set(params)
    if missing:
        raise KeyError(f"params must hold W1, b1, W2 (T1 has no b2); missing {sorted(missing)}")
    W1 = params["W1"]
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != W1.shape[0]:
        raise ValueError(f"X must have shape (N, {W1.shape[0]}), got {X.shape}")
    if X.dtype != W1.dtype:
        raise TypeError(f"X is {X.dtype} but the weights are {W1.dtype}: convert X once, "
                        "outside the training loop")
    y = check_labels(y, n=len(X), num_classes=params["W2"].shape[1])
    return X, y


def t1_loss_and_grads(params: dict, X, y, alpha: float = 1e-6,
                      work: T1Workspace | None = None) -> tuple[float, dict[str, np.ndarray]]:
    """T1/T5's loss and gradients, as they write them (unstable softmax, no output bias).

    params: ``W1`` (D, H), ``b1`` (H,), ``W2`` (H, C); X: (N, D) in the weights' dtype;
    y: (N,) integer labels. ``work``: a :class:`T1Workspace` for this (X, y) to reuse (the
    returned gradients live in it and are overwritten by the next call).
    Returns ``(loss, {"W1": dW1, "b1": db1, "W2": dW2})``. The loss is NaN when a
    probability underflowed to 0 (``log(0) * 0``), inf when it did at a label; NaN
    probabilities (an overflow) propagate into the gradients, as in the tutorials.
    """
    X, y = _check_t1(params, X, y)
    if work is None or work.key != (id(X), id(y), len(X), params["W1"].shape[1],
                                    params["W2"].shape[1], params["W1"].dtype):
        work = T1Workspace(params, X, y)
    W1, b1, W2 = params["W1"], params["b1"], params["W2"]
    N = len(X)
    A, P, mask, g = work.A, work.P, work.mask, work.grads
    # forward
    np.matmul(X, W1, out=A)
    A += b1  # Z1
    np.greater(A, 0, out=mask)  # 1[Z1 > 0]
    np.maximum(A, 0, out=A)  # A = relu(Z1)
    np.matmul(A, W2, out=P)  # Z2, no output bias
    t1_softmax(P, out=P)  # P, unstable as written
    work.correct = int(np.count_nonzero(P.argmax(axis=1) == y))
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = -float((np.log(P) * work.Y).sum()) / N
    loss += 0.5 * alpha * float(np.vdot(W1, W1) + np.vdot(W2, W2))
    # backward
    P -= work.Y  # delta2 = P - Y (not yet divided by N)
    np.matmul(A.T, P, out=g["W2"])
    g["W2"] /= N
    g["W2"] += alpha * W2
    delta1 = np.matmul(P, W2.T, out=A)  # relu(Z1) is no longer needed: A becomes delta1
    delta1 *= mask  # delta1 = delta2 W2^T * 1[Z1 > 0]
    np.matmul(X.T, delta1, out=g["W1"])
    g["W1"] /= N
    g["W1"] += alpha * W1
    np.mean(delta1, axis=0, out=g["b1"])
    return loss, g


def t1_train(params: dict, X, y, iterations: int, *, eta: float = 0.5, gamma: float = 0.99,
             eps: float = 1e-3, alpha: float = 1e-6, reset_every: int | None = 500,
             callback: Callable[[int, dict, float], None] | None = None) -> dict:
    """T1/T5's training: ``iterations`` full-batch steps of per-tensor scalar "RMSprop".

    Updates ``params`` (from :func:`t1_init`) in place. Each iteration computes the loss and
    gradients on all of (X, y) (:func:`t1_loss_and_grads`), then moves W1, b1 and W2 with
    :func:`helpers.optim.scalar_rmsprop`, one accumulator per tensor (starting at 1, reset
    to 1 after updates 1, 1 + reset_every, ...: where T1's logging block does it).
    ``callback(t, params, loss)``, if given, runs after update ``t`` (1-based); ``loss`` is
    the loss computed on the way, i.e. *before* update t, as in T1.

    Returns ``{"loss": [loss before update t, for t = 1..iterations], "train_acc": [training
    accuracy before update t] (free: the forward pass computes P anyway), "configs": the
    three optimiser configs}``. So ``train_acc[t]`` is the accuracy *after* update t, the
    number T1 prints "after t iterations" (for t < iterations). Raises FloatingPointError
    when the softmax overflowed (a NaN in P, so every weight is about to become NaN),
    naming the largest score.
    """
    if int(iterations) != iterations or iterations < 0:
        raise ValueError(f"iterations must be an integer >= 0, got {iterations!r}")
    X, y = _check_t1(params, X, y)
    work = T1Workspace(params, X, y)
    configs = {k: {"learning_rate": eta, "decay_rate": gamma, "epsilon": eps, "cache": 1.0,
                   "reset_every": reset_every, "t": 0} for k in ("W1", "b1", "W2")}
    losses, accs = [], []
    for t in range(1, int(iterations) + 1):
        loss, grads = t1_loss_and_grads(params, X, y, alpha, work)
        if not np.isfinite(grads["W2"]).all():
            dtype = params["W1"].dtype
            Z2 = np.maximum(X[:4096] @ params["W1"] + params["b1"], 0) @ params["W2"]
            raise FloatingPointError(
                f"T1's softmax overflowed at iteration {t}: exp of a score above "
                f"{np.log(np.finfo(dtype).max):.2f} is inf in {dtype.name} (largest score "
                f"on the first 4096 rows: {float(Z2.max()):.1f})"
            )
        losses.append(loss)
        accs.append(work.correct / len(X))
        for k in ("W1", "b1", "W2"):
            scalar_rmsprop(params[k], grads[k], configs[k])
        if callback is not None:
            callback(t, params, loss)
    return {"loss": losses, "train_acc": accs, "configs": configs}


# --------------------------------------------------------------------------------------
# T3
# --------------------------------------------------------------------------------------


def t3_init(rng: np.random.Generator, D: int = 784, H: int = 100, C: int = 10,
            scaling: str = "fan_out", dtype=np.float32) -> dict[str, np.ndarray]:
    """T3's parameters ``W1`` (D, H), ``b1`` (H,), ``W2`` (H, C), ``b2`` (C,).

    ``scaling="fan_out"`` is T3's "Xavier" as written: every weight *and bias* is
    ``randn / sqrt(fan_out)`` (W1 and b1 divided by sqrt(H), W2 and b2 by sqrt(C)).
    ``scaling="fan_in"`` is the fix: weights ``randn / sqrt(fan_in)`` (sqrt(D), sqrt(H)),
    biases 0. Drawn in float64 in the order W1, b1, W2, b2, then cast to ``dtype``.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a np.random.Generator, e.g. np.random.default_rng(0)")
    if scaling not in ("fan_out", "fan_in"):
        raise ValueError(f"scaling must be 'fan_out' (T3 as written) or 'fan_in', got {scaling!r}")
    W1, b1 = rng.standard_normal((D, H)), rng.standard_normal(H)
    W2, b2 = rng.standard_normal((H, C)), rng.standard_normal(C)
    if scaling == "fan_out":
        W1, b1, W2, b2 = W1 / np.sqrt(H), b1 / np.sqrt(H), W2 / np.sqrt(C), b2 / np.sqrt(C)
    else:
        W1, W2 = W1 / np.sqrt(D), W2 / np.sqrt(H)
        b1, b2 = np.zeros(H), np.zeros(C)
    return {k: v.astype(dtype) for k, v in {"W1": W1, "b1": b1, "W2": W2, "b2": b2}.items()}


def t3_scores(params: dict, X, output_relu: bool = True) -> np.ndarray:
    """T3's class scores ``relu(relu(X W1 + b1) W2 + b2)`` (without the outer relu if
    ``output_relu`` is False). With the output ReLU, a row whose scores are all clipped to 0
    is a tie, which ``argmax`` breaks in favour of class 0."""
    z = np.maximum(np.asarray(X) @ params["W1"] + params["b1"], 0) @ params["W2"] + params["b2"]
    return np.maximum(z, 0) if output_relu else z


def t3_relu(x: np.ndarray) -> np.ndarray:
    """T3's ReLU, as written: ``x[x < 0] = 0``, **in place**; returns x itself.

    The caller's array is changed: whatever else refers to it (a cached pre-activation, the
    scores one meant to keep) now holds the clipped values.
    """
    x[x < 0] = 0
    return x


def t3_loss_and_grads(params: dict, X, y, reg: float = 1e-4, *, output_relu: bool = True,
                      reg_biases: bool = True) -> tuple[float, dict[str, np.ndarray]]:
    """T3's network and loss: ``relu(X W1 + b1)``, then ``relu(h W2 + b2)`` if ``output_relu``
    (T3 as written) else the plain scores, softmax, mean cross-entropy, plus
    ``0.5 * reg * sum(p * p)`` over **every** parameter if ``reg_biases`` (T3 as written)
    else over the weights only. The softmax is the stable one (its stability is not among
    T3's flaws measured here). Returns ``(loss, gradients)`` shaped like params.
    """
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = len(X)
    rows = np.arange(N)
    h = np.maximum(X @ W1 + b1, 0)  # a fresh array, so in-place clipping would be harmless
    z = h @ W2 + b2
    s = np.maximum(z, 0) if output_relu else z
    s = s - s.max(axis=1, keepdims=True)  # stable softmax, inlined (batches of 16: no checks)
    ds = np.exp(s)
    total = ds.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(total[:, 0]) - s[rows, y]))
    ds /= total
    ds[rows, y] -= 1
    ds /= N
    dz = ds * (z > 0) if output_relu else ds
    grads = {"W2": h.T @ dz, "b2": dz.sum(axis=0)}
    dh = dz @ W2.T
    dh *= h > 0
    grads["W1"] = X.T @ dh
    grads["b1"] = dh.sum(axis=0)
    names = ("W1", "b1", "W2", "b2") if reg_biases else ("W1", "W2")
    for k in names:
        p = params[k]
        loss += 0.5 * reg * float(np.vdot(p, p))
        grads[k] += reg * p
    return loss, grads


def t3_train(params: dict, X, y, steps: int, *, rng: np.random.Generator, batch_size: int = 16,
             lr: float = 2e-2, reg: float = 1e-4, output_relu: bool = True,
             reg_biases: bool = True, smoothing: float = 0.95,
             callback: Callable[[int, dict], None] | None = None) -> dict:
    """T3's training: plain SGD on batches of 16 at lr 2e-2, ``steps`` steps, updating
    ``params`` in place. Batches are drawn epoch by epoch in a fresh order from ``rng``.

    Returns ``{"loss": batch losses, "smooth_loss": their exponential moving average with
    factor ``smoothing`` (T3's 0.95; started at the first batch loss)}``.
    ``callback(step, params)`` runs after every step.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a np.random.Generator, e.g. np.random.default_rng(0)")
    X = np.asarray(X)
    y = check_labels(y, n=len(X), num_classes=params["W2"].shape[1])
    n = len(X)
    per_epoch = n // batch_size
    losses, smooth = [], []
    avg = None
    order = None
    for step in range(int(steps)):
        i = step % per_epoch
        if i == 0:
            order = rng.permutation(n)
        idx = order[i * batch_size:(i + 1) * batch_size]
        loss, grads = t3_loss_and_grads(params, X[idx], y[idx], reg, output_relu=output_relu,
                                        reg_biases=reg_biases)
        for k, p in params.items():
            p -= lr * grads[k]
        losses.append(loss)
        avg = loss if avg is None else smoothing * avg + (1 - smoothing) * loss
        smooth.append(avg)
        if callback is not None:
            callback(step + 1, params)
    return {"loss": losses, "smooth_loss": smooth}
