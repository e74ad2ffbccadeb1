"""The elementwise and row-wise functions of a neural network, and their derivatives.

Shapes: ``N`` examples in a batch, ``C`` classes. Scores ("logits") are float arrays of
shape ``(N, C)``; labels are integers of shape ``(N,)`` with values in ``0..C-1``.

Dtypes: a ``float32`` input gives a ``float32`` result (training runs in float32), a
``float64`` input a ``float64`` result; integer inputs are converted to ``float64``.
Inputs are never modified.

Every function is numerically stable: softmax and log-softmax subtract the row maximum
before exponentiating (the result does not change, the exponent can no longer overflow),
and the sigmoid only ever exponentiates ``-|z|``. Logits as large as ``+-1e4`` give finite
results without a single warning. Exponentials that underflow to exactly 0 (``exp(-2e4)``)
are the correct answer, so underflow is silenced inside these functions even under
``np.errstate(all="raise")``.

Bad input raises an error that says what was expected: ``TypeError`` for a wrong dtype,
``ValueError`` for a wrong shape, labels out of range, or NaN/inf values.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "softmax",
    "log_softmax",
    "cross_entropy",
    "cross_entropy_grad",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
]


# --------------------------------------------------------------------------------------
# Input validation (one cheap pass each)
# --------------------------------------------------------------------------------------


class NonFiniteError(ValueError, FloatingPointError):
    """An array holds NaN or inf. A ValueError (bad input) and a FloatingPointError (what a
    diverging training run raises), so either ``except`` catches it."""


def as_array(x, name: str) -> np.ndarray:
    """``np.asarray(x)``, but a ragged nested list gives an error naming ``name``."""
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as exc:
        detail = ""
        if isinstance(x, list | tuple) and x:
            lengths = sorted({len(r) if hasattr(r, "__len__") else 0 for r in x[:10_000]})
            if len(lengths) > 1:
                shown = ", ".join(map(str, lengths[:5])) + (", ..." if len(lengths) > 5 else "")
                detail = f" ({len(x)} rows of different lengths: {shown})"
        raise ValueError(
            f"{name} must be a rectangular array (every row of the same length), got a ragged "
            f"{type(x).__name__}{detail}"
        ) from exc


def describe_dtype(x, arr: np.ndarray) -> str:
    """What ``x`` is, for an error message: its dtype, or for a lone object its type."""
    if arr.dtype == object and arr.ndim == 0:
        return f"{type(x).__name__} {str(x)[:40]!r}" if x is not None else "None"
    return f"dtype {arr.dtype}"


def check_finite(arr: np.ndarray, name: str, hint: str = "check the learning rate") -> None:
    """Raise NonFiniteError naming ``name`` and counting NaN and inf, unless all finite.

    One fast pass (a sum is finite only if every term is), a full count only on failure.
    """
    with np.errstate(all="ignore"):
        if arr.dtype.kind != "f" or np.isfinite(arr.sum()):
            return
    finite = np.isfinite(arr)
    if finite.all():  # the sum overflowed, the entries are fine
        return
    n_nan = int(np.isnan(arr).sum())
    n_inf = int(arr.size - n_nan - finite.sum())
    first = tuple(int(i) for i in np.argwhere(~finite)[0])
    raise NonFiniteError(
        f"{name} must contain only finite numbers, found {n_nan} NaN and {n_inf} inf "
        f"(the first at index {first}; a diverging training run? {hint})"
    )


def _as_float(z, name: str = "z") -> np.ndarray:
    """``z`` as a float array (float32/float64 kept, integers -> float64), all finite."""
    arr = as_array(z, name)
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise TypeError(
            f"{name} must be an array of real numbers (float), got {describe_dtype(z, arr)}"
        )
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    check_finite(arr, name)
    return arr


def _as_scores(z, name: str = "z", two_d: bool = False) -> np.ndarray:
    """Scores of shape ``(..., C)`` (or exactly ``(N, C)`` if ``two_d``) with ``C >= 1``."""
    arr = _as_float(z, name)
    if two_d and arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D of shape (N, C) (one row of class scores per example), "
            f"got shape {arr.shape}"
            + (" (a single example? use z[None, :])" if arr.ndim == 1 else "")
        )
    if arr.ndim < 1:
        raise ValueError(f"{name} must have a class axis, shape (..., C); got a scalar")
    if arr.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one class (last axis), got shape {arr.shape}")
    return arr


def _as_labels(labels, n: int, num_classes: int, name: str = "labels", of: str = "logits"):
    """Integer class labels of shape ``(n,)`` with values in ``0..num_classes-1``, as int64."""
    arr = as_array(labels, name)
    if arr.ndim != 1:
        if arr.ndim == 2 and 1 in arr.shape:
            hint = f" (a column or row of labels? use {name}.ravel())"
        else:
            hint = f" (one-hot rows? use {name}.argmax(axis=1))" if arr.ndim == 2 else ""
        raise ValueError(f"{name} must have shape (N,), got {arr.shape}{hint}")
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(
            f"{name} must be integers in 0..{num_classes - 1}, got dtype {arr.dtype}"
            + (" (convert with .astype(np.int64))" if arr.dtype.kind == "f" else "")
        )
    if len(arr) != n:
        raise ValueError(
            f"{name} has {len(arr)} entries but {of} has {n} rows; expected one label per row"
        )
    if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
        bad = arr[(arr < 0) | (arr >= num_classes)][0]
        raise ValueError(
            f"{name} must lie in 0..{num_classes - 1} ({num_classes} classes), found {bad}"
        )
    return arr.astype(np.int64, copy=False)


def _nonempty(arr: np.ndarray, name: str) -> None:
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one example, got shape {arr.shape}")


# --------------------------------------------------------------------------------------
# Softmax and cross-entropy
# --------------------------------------------------------------------------------------


def softmax(z) -> np.ndarray:
    """Softmax over the last axis: ``p[..., k] = exp(z[..., k]) / sum_j exp(z[..., j])``.

    z: float array of shape ``(..., C)``, typically ``(N, C)`` logits.
    Returns probabilities of the same shape and dtype; each row is >= 0 and sums to 1.
    The row maximum is subtracted first (softmax is invariant to adding a constant per row),
    so the largest exponent is ``exp(0) = 1`` and nothing overflows.
    """
    z = _as_scores(z)
    with np.errstate(under="ignore"):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        e /= e.sum(axis=-1, keepdims=True)
    return e


def log_softmax(z) -> np.ndarray:
    """Logarithm of the softmax over the last axis, in log-sum-exp form.

    ``log p[..., k] = (z[..., k] - m) - log(sum_j exp(z[..., j] - m))`` with ``m`` the row
    maximum. The sum is at least 1 (its largest term is ``exp(0)``), so the logarithm is
    always finite: unlike ``np.log(softmax(z))`` this never gives ``-inf`` for a very
    unlikely class.

    z: float array of shape ``(..., C)``. Returns the same shape and dtype, all values <= 0.
    """
    z = _as_scores(z)
    shifted = z - z.max(axis=-1, keepdims=True)
    with np.errstate(under="ignore"):
        lse = np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    shifted -= lse
    return shifted


def cross_entropy(logits, labels) -> float:
    """Mean cross-entropy loss of a batch, from logits.

    ``L = -(1/N) sum_i log softmax(logits)[i, labels[i]]``, computed through
    :func:`log_softmax`, so it is finite for any finite logits (e.g. ``+-1e4``).

    logits: float ``(N, C)``; labels: integers ``(N,)`` in ``0..C-1``.
    Returns a Python float (``float(...)`` of a float32 or float64 mean).
    """
    logits = _as_scores(logits, "logits", two_d=True)
    _nonempty(logits, "logits")
    n, c = logits.shape
    labels = _as_labels(labels, n, c)
    logp = log_softmax(logits)
    return float(-logp[np.arange(n), labels].mean())


def cross_entropy_grad(logits, labels) -> np.ndarray:
    """Gradient of :func:`cross_entropy` with respect to the logits.

    ``dL/dlogits = (softmax(logits) - onehot(labels)) / N``.

    logits: float ``(N, C)``; labels: integers ``(N,)`` in ``0..C-1``.
    Returns an array of shape ``(N, C)`` with the dtype of ``logits``; each row sums to 0.
    """
    logits = _as_scores(logits, "logits", two_d=True)
    _nonempty(logits, "logits")
    n, c = logits.shape
    labels = _as_labels(labels, n, c)
    grad = softmax(logits)
    grad[np.arange(n), labels] -= 1
    with np.errstate(under="ignore"):
        grad /= n
    return grad


# --------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------


def relu(z) -> np.ndarray:
    """Rectified linear unit ``max(z, 0)``, elementwise.

    z: float array of any shape. Returns the same shape and dtype.
    """
    z = _as_float(z)
    return np.maximum(z, 0)


def relu_grad(z) -> np.ndarray:
    """Derivative of :func:`relu`: 1 where ``z > 0``, else 0.

    At ``z == 0`` the ReLU has a kink; we use the subgradient 0 there (the usual choice).
    z: float array of any shape (the ReLU's *input*). Returns the same shape and dtype.
    """
    z = _as_float(z)
    return (z > 0).astype(z.dtype)


def sigmoid(z) -> np.ndarray:
    """Logistic sigmoid ``1 / (1 + exp(-z))``, elementwise, stable in both tails.

    With ``e = exp(-|z|)`` (at most 1, never overflows): ``1 / (1 + e)`` for ``z >= 0`` and
    ``e / (1 + e)`` for ``z < 0``; both are the same function. Results lie in [0, 1]
    (for ``|z|`` beyond about 37 in float64, or 17 in float32, they round to exactly 0 or 1).

    z: float array of any shape. Returns the same shape and dtype.
    """
    z = _as_float(z)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(z) -> np.ndarray:
    """Derivative of :func:`sigmoid`: ``s * (1 - s)`` with ``s = sigmoid(z)``.

    z: float array of any shape (the sigmoid's *input*). Returns the same shape and dtype;
    values lie in [0, 0.25], the maximum at ``z = 0``, vanishing in both tails.
    """
    s = sigmoid(z)
    with np.errstate(under="ignore"):
        return s * (1 - s)
