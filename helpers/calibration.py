"""Calibration: do the predicted probabilities mean what they say?

A classifier is *calibrated* when, among the examples it predicts with confidence about 0.8,
about 80% are right. The confidence of example i is its largest probability,
``conf_i = max_k p_ik``, and it is right when ``argmax_k p_ik == y_i``.

- :func:`reliability` sorts the examples into ``n_bins`` equal-width confidence bins
  ``(0, 1/B], (1/B, 2/B], ..., ((B-1)/B, 1]`` and returns, per bin, the mean confidence,
  the accuracy and the count: the data of a reliability diagram
  (:func:`helpers.plots.plot_reliability`).
- :func:`expected_calibration_error` is their weighted gap,
  ``ECE = sum_b (n_b / N) |acc_b - conf_b|`` (Guo et al. 2017, with B = 15 bins): 0 for a
  calibrated model, up to 1.
- :func:`fit_temperature` fits the single number T > 0 of *temperature scaling*,
  ``p = softmax(z / T)``, that minimises the negative log-likelihood of held-out (validation)
  logits. Dividing every logit by the same T never changes the argmax, so the accuracy stays
  the same while the confidences shrink (T > 1, for an overconfident network) or grow
  (T < 1). :func:`apply_temperature` gives the rescaled probabilities.

Shapes: probs and logits (N, C) float, y (N,) int labels in ``0..C-1``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from helpers.data import check_labels
from helpers.functions import as_array, check_finite, log_softmax, softmax

__all__ = [
    "reliability",
    "expected_calibration_error",
    "fit_temperature",
    "apply_temperature",
    "temperature_nll",
]

#: How far a row of probabilities may sum from 1 (float32 softmax rows are within ~1e-6).
SUM_TOL = 1e-3


def _check_probs(probs) -> np.ndarray:
    """``probs`` as a float64 (N, C) array of rows of probabilities, else a clear error."""
    arr = as_array(probs, "probs")
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"probs must be float probabilities (N, C), got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] < 2:
        hint = " (a single example? use probs[None, :])" if arr.ndim == 1 else ""
        raise ValueError(
            f"probs must have shape (N, C) with N >= 1 examples and C >= 2 classes, "
            f"got {arr.shape}{hint}"
        )
    check_finite(arr, "probs", "compute them with helpers.functions.softmax")
    arr = arr.astype(np.float64, copy=False)
    sums = arr.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1) > SUM_TOL)
    if bad.size or arr.min() < 0:
        where = (
            f"row {bad[0]} sums to {sums[bad[0]]:.4g}"
            if bad.size
            else f"found a negative entry {arr.min():.4g}"
        )
        raise ValueError(
            f"probs must be probabilities: rows >= 0 summing to 1 (within {SUM_TOL}); {where}"
            " (logits? pass helpers.functions.softmax(logits))"
        )
    return arr


def _check_n_bins(n_bins) -> int:
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer (15 is usual), got {n_bins!r}")
    return int(n_bins)


def reliability(probs, y, n_bins: int = 15) -> dict[str, np.ndarray]:
    """Per-bin confidence, accuracy and count of a reliability diagram.

    probs: (N, C) probabilities (rows sum to 1); y: (N,) int labels; n_bins: B equal-width
    bins over [0, 1], bin b holding the confidences in ``(b/B, (b+1)/B]`` (bin 0 also 0).
    Returns a dict of arrays: ``"edges"`` (B+1,), ``"confidence"`` (B,) the mean confidence
    in each bin, ``"accuracy"`` (B,) the fraction right in each bin (both NaN for an empty
    bin), ``"count"`` (B,) int64 examples per bin (summing to N).
    """
    p = _check_probs(probs)
    y = check_labels(y, n=len(p), num_classes=p.shape[1])
    n_bins = _check_n_bins(n_bins)
    conf = p.max(axis=1)
    right = (p.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # edges[b] < conf <= edges[b + 1]  ->  bin b
    bins = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        confidence = np.bincount(bins, weights=conf, minlength=n_bins) / count
        accuracy = np.bincount(bins, weights=right, minlength=n_bins) / count
    return {"edges": edges, "confidence": confidence, "accuracy": accuracy, "count": count}


def expected_calibration_error(probs, y, n_bins: int = 15) -> float:
    """``ECE = sum_b (n_b / N) |acc_b - conf_b|`` over the bins of :func:`reliability`.

    probs: (N, C) probabilities; y: (N,) int labels; n_bins: B. Returns a float in [0, 1].
    """
    r = reliability(probs, y, n_bins)
    used = r["count"] > 0
    gaps = np.abs(r["accuracy"][used] - r["confidence"][used])
    return float(np.sum(r["count"][used] * gaps) / r["count"].sum())


def _check_logits(logits, y):
    z = as_array(logits, "logits")
    if z.dtype == np.bool_ or not np.issubdtype(z.dtype, np.floating):
        raise TypeError(f"logits must be float scores (N, C), got dtype {z.dtype}")
    if z.ndim != 2 or z.shape[0] == 0 or z.shape[1] < 2:
        raise ValueError(
            f"logits must have shape (N, C) with N >= 1 and C >= 2 classes, got {z.shape}"
        )
    check_finite(z, "logits")
    z = z.astype(np.float64)  # the 1-D search compares NLLs closely: float64 throughout
    return z, check_labels(y, n=len(z), num_classes=z.shape[1])


def temperature_nll(logits, y, T: float = 1.0) -> float:
    """Mean negative log-likelihood ``-mean_i log softmax(z_i / T)[y_i]`` (a float).

    logits: (N, C) float; y: (N,) int labels; T > 0.
    """
    z, y = _check_logits(logits, y)
    T = float(T)
    if not (math.isfinite(T) and T > 0):
        raise ValueError(f"T must be a positive finite number, got {T}")
    return _nll(z, y, T)


def _nll(z: np.ndarray, y: np.ndarray, T: float) -> float:
    logp = log_softmax(z / T)
    return float(-logp[np.arange(len(y)), y].mean())


def fit_temperature(
    logits,
    y,
    *,
    bounds: tuple[float, float] = (0.01, 100.0),
    tol: float = 1e-6,
    max_iter: int = 200,
) -> float:
    """The temperature T > 0 minimising the NLL of ``softmax(logits / T)`` on (logits, y).

    logits: (N, C) float, held-out scores (the validation split, never the test set);
    y: (N,) int labels. Fit on the validation split, then apply the same T to the test
    logits (:func:`apply_temperature`).

    The NLL is a convex function of ``beta = 1/T`` (a log-sum-exp of linear functions of
    beta, minus a linear one), hence has a single minimum along ``t = log T`` too. A
    golden-section search over ``t`` in ``log(bounds)`` finds it without derivatives or
    step sizes: each step keeps the 0.618 of the interval that must hold the minimum, until
    the interval is narrower than ``tol`` (in log T; 1e-6 is a relative precision of T of
    about 1e-6) or ``max_iter`` steps are done. Every NLL is computed with the stable
    :func:`helpers.functions.log_softmax`. Returns T as a Python float; warns
    (RuntimeWarning) when the minimum lies at a bound (e.g. T -> 0 when every training
    example is classified right: fit on validation data, not training data).
    """
    z, y = _check_logits(logits, y)
    lo, hi = (float(b) for b in bounds)
    if not (0 < lo < hi and math.isfinite(hi)):
        raise ValueError(f"bounds must be (low, high) with 0 < low < high, got {bounds}")
    if not (tol > 0) or int(max_iter) < 1:
        raise ValueError(f"tol must be > 0 and max_iter >= 1, got {tol} and {max_iter}")
    a, b = math.log(lo), math.log(hi)
    ratio = (math.sqrt(5) - 1) / 2  # 0.618...
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = _nll(z, y, math.exp(c)), _nll(z, y, math.exp(d))
    for _ in range(int(max_iter)):
        if b - a < tol:
            break
        if fc <= fd:  # the minimum is in [a, d]
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = _nll(z, y, math.exp(c))
        else:  # the minimum is in [c, b]
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = _nll(z, y, math.exp(d))
    t = (a + b) / 2
    edge = 10 * max(tol, b - a)
    if t - math.log(lo) < edge or math.log(hi) - t < edge:
        warnings.warn(
            f"fit_temperature: the NLL is smallest at the bound T = {math.exp(t):.4g} of "
            f"bounds={bounds}; widen the bounds, or fit on held-out data (on the training "
            "set a network may be right everywhere, and the NLL then keeps falling as T -> 0)",
            RuntimeWarning,
            stacklevel=2,
        )
    return math.exp(t)


def apply_temperature(logits, T: float) -> np.ndarray:
    """``softmax(logits / T)``: (N, C) float logits -> (N, C) probabilities, logits' dtype."""
    T = float(T)
    if not (math.isfinite(T) and T > 0):
        raise ValueError(f"T must be a positive finite number, got {T}")
    z = as_array(logits, "logits")
    if not np.issubdtype(z.dtype, np.floating):
        raise TypeError(f"logits must be float scores (N, C), got dtype {z.dtype}")
    return softmax(z / np.asarray(T, z.dtype))
