"""Layers as pairs of pure functions: a forward pass and its backward pass.

In the style of cs231n's ``layers.py``: each ``*_forward`` returns its output and a *cache*
(whatever its backward pass needs), each ``*_backward`` takes the upstream gradient
``dout = dL/dout`` and that cache and returns the gradients with respect to its inputs and
parameters. Chaining them gives backpropagation by hand::

    z, lin = linear_forward(X, W0, b0)        # (N, H)
    a, act = relu_forward(z)                  # (N, H)
    s, out = linear_forward(a, W1, b1)        # (N, C)
    loss, ds = softmax_cross_entropy(s, y)    # float, (N, C)
    da, dW1, db1 = linear_backward(ds, out)
    dz = relu_backward(da, act)
    _, dW0, db0 = linear_backward(dz, lin)

Shapes: N examples, D inputs, M outputs of a linear layer, C classes. Every function keeps
the floating dtype of its inputs (float32 for training, float64 for gradient checks).
"""

from __future__ import annotations

import numpy as np

from helpers.data import check_labels


def _float_array(x, name: str, ndim: int | None = None) -> np.ndarray:
    """``x`` as a floating-point array of ``ndim`` dimensions, else a clear error."""
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"{name} must be a float array (float32 or float64), got {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    return arr


def linear_forward(x, W, b) -> tuple[np.ndarray, tuple]:
    """Affine layer ``out = x @ W + b``.

    x: (N, D) float; W: (D, M) float; b: (M,) float.
    Returns ``out`` (N, M) and the cache ``(x, W)`` for :func:`linear_backward`.
    """
    x = _float_array(x, "x", 2)
    W = _float_array(W, "W", 2)
    b = _float_array(b, "b", 1)
    if x.shape[1] != W.shape[0]:
        raise ValueError(
            f"x has {x.shape[1]} features per row but W expects {W.shape[0]} "
            f"(x {x.shape} @ W {W.shape}); x must be (N, D) and W (D, M)"
        )
    if b.shape[0] != W.shape[1]:
        raise ValueError(f"b must have shape ({W.shape[1]},) to match W {W.shape}, got {b.shape}")
    out = x @ W
    out += b
    return out, (x, W)


def linear_backward(dout, cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the affine layer.

    dout: (N, M) upstream gradient dL/dout; cache: ``(x, W)`` from :func:`linear_forward`.
    Returns ``dx = dout @ W.T`` (N, D), ``dW = x.T @ dout`` (D, M) and
    ``db = dout.sum(axis=0)`` (M,).
    """
    x, W = cache
    dout = _float_array(dout, "dout", 2)
    if dout.shape != (x.shape[0], W.shape[1]):
        raise ValueError(
            f"dout must have the shape of the forward output {(x.shape[0], W.shape[1])}, "
            f"got {dout.shape}"
        )
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db


def relu_forward(x) -> tuple[np.ndarray, np.ndarray]:
    """Rectified linear unit ``out = max(x, 0)`` elementwise.

    x: float array of any shape. Returns ``out`` (same shape and dtype) and the cache, the
    boolean mask ``x > 0`` that :func:`relu_backward` needs.
    """
    x = _float_array(x, "x")
    mask = x > 0
    return np.maximum(x, 0), mask


def relu_backward(dout, cache) -> np.ndarray:
    """Gradient of the ReLU: ``dx = dout * 1[x > 0]``.

    The subgradient at exactly ``x == 0`` is taken as 0. dout: float, the shape of the
    forward input; cache: the mask from :func:`relu_forward`. Returns dx, same shape.
    """
    dout = _float_array(dout, "dout")
    mask = cache
    if dout.shape != mask.shape:
        raise ValueError(f"dout must have the forward input's shape {mask.shape}, got {dout.shape}")
    return dout * mask


def softmax_cross_entropy(logits, labels, check: bool = True) -> tuple[float, np.ndarray]:
    """Softmax followed by the mean cross-entropy, with its gradient, in one stable pass.

    logits: (N, C) float scores; labels: (N,) int in ``0..C-1``.
    Returns ``loss`` (Python float), the batch mean of ``-log softmax(logits)[label]``, and
    ``dlogits = (softmax(logits) - onehot(labels)) / N``, shape (N, C), dtype of logits.

    Subtracting each row's maximum before exponentiating (the result does not change) keeps
    ``exp`` from overflowing; the log-probability of the label is computed as
    ``shifted[label] - log(sum(exp(shifted)))``, so it never takes the log of an underflowed 0.

    ``check=False`` skips the input checks (shapes, label range, NaN/inf) for callers that
    have validated their data once already, such as the training loop; NaN or inf logits then
    give a NaN loss instead of an error.
    """
    if check:
        logits = _float_array(logits, "logits", 2)
        if logits.shape[0] == 0:
            raise ValueError("logits must hold at least one row (got an empty batch)")
        labels = check_labels(labels, n=logits.shape[0], num_classes=logits.shape[1])
        if not np.isfinite(logits).all():
            raise ValueError(
                "logits contain NaN or inf (diverged training? lower the learning rate)"
            )
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    picked = shifted[rows, labels]  # a copy: taken before exp overwrites `shifted`
    with np.errstate(under="ignore"):  # exp of a very negative score is 0: harmless
        np.exp(shifted, out=shifted)
        sums = shifted.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(sums[:, 0]) - picked))
        dlogits = shifted
        dlogits /= sums
        dlogits[rows, labels] -= 1
        dlogits /= n
    return loss, dlogits
