"""Checking an analytic gradient against centred finite differences.

The recipe (float64 only)::

    x = rng.normal(size=(5, 3))                       # float64
    f = lambda: cross_entropy(x, y)                   # reads x, returns a float
    rel = check_gradient(f, x, cross_entropy_grad(x, y))

:func:`numerical_gradient` nudges one entry of ``x`` at a time, *in place*, by ``+h`` and
``-h`` and takes ``(f(x + h e_i) - f(x - h e_i)) / 2h``. Its error is about ``h**2`` (the
truncation of the Taylor series; the even terms cancel) plus ``eps * |f| / h`` (rounding
in ``f``). In float64 (``eps ~ 1e-16``) with ``h = 1e-5`` both are around ``1e-10``. In
float32 (``eps ~ 6e-8``) the rounding term is ``~1e-2`` for ``h = 1e-5``, and even the best
step leaves errors of roughly ``1e-3``: far too coarse to tell a correct gradient from a
subtly wrong one. So float32 is refused with a TypeError.

:func:`relative_error` compares two gradients on the scale of the gradient as a whole:
``max_i |a_i - b_i| / max_i (|a_i| + |b_i|)``. Values around ``1e-8`` or below mean
agreement; ``1e-2`` or above means a bug. Near a kink (ReLU at 0) a nudge of ``h`` can
cross the kink and the centred difference is wrong there, so keep inputs away from kinks.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["numerical_gradient", "relative_error", "check_gradient"]

#: Smallest denominator of :func:`relative_error` (two all-zero gradients agree: error 0).
TINY = np.finfo(np.float64).tiny

_FLOAT32_MSG = (
    "numerical_gradient needs x as a float64 array, got {dtype}. In float32 (about 7 "
    "significant digits) the rounding error of f(x + h) - f(x - h) divided by 2h is around "
    "1e-3 relative, so a correct gradient and a slightly wrong one look alike. Check "
    "gradients in float64: x = x.astype(np.float64) (and the model's parameters too)."
)


def _check_h(h: float) -> float:
    h = float(h)
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"step h must be a small positive number such as 1e-5, got {h}")
    return h


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of ``f`` with respect to the array ``x``.

    f: a function of no arguments returning a float; it must read ``x`` (which this
    function changes in place, one entry at a time, and restores exactly afterwards, even
    if ``f`` raises).
    x: ``float64`` array of any shape. h: the step.
    Returns a ``float64`` array of the shape of ``x``:
    ``grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h)``.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"x must be a NumPy float64 array that f reads (it is changed in place), "
            f"got {type(x).__name__}"
        )
    if x.dtype != np.float64:
        raise TypeError(_FLOAT32_MSG.format(dtype=x.dtype))
    if not x.flags.writeable:
        raise ValueError("x must be writeable: numerical_gradient changes it in place")
    h = _check_h(h)
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        try:
            x[idx] = old + h
            f_plus = float(f())
            x[idx] = old - h
            f_minus = float(f())
        finally:
            x[idx] = old
        if not (np.isfinite(f_plus) and np.isfinite(f_minus)):
            raise ValueError(
                f"f returned a non-finite value ({f_plus}, {f_minus}) at index {idx} of x; "
                "expected a finite float"
            )
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def _as_finite64(a, name: str) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf; expected finite gradient values")
    return arr


def relative_error(a, b) -> float:
    """Relative error of two arrays of the same shape, a float in [0, 1].

    ``max_i |a_i - b_i| / max(max_i (|a_i| + |b_i|), TINY)``: the largest difference,
    measured against the size of the gradient as a whole. (Dividing entry by entry instead
    would give an error of 1 for an entry that is 0 analytically and 1e-11 numerically.)
    Symmetric, 0 exactly when ``a == b``, unchanged when both are scaled by ``c > 0``,
    and 1 for ``b == -a``.
    """
    a = _as_finite64(a, "a")
    b = _as_finite64(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    scale = float((np.abs(a) + np.abs(b)).max())
    return float(np.abs(a - b).max() / max(scale, TINY))


def check_gradient(
    f: Callable[[], float], x: np.ndarray, analytic, h: float = 1e-5, tol: float = 1e-6
) -> float:
    """Compare an analytic gradient with :func:`numerical_gradient`; return the error.

    f, x, h: as for :func:`numerical_gradient` (``x`` float64, changed in place and
    restored). analytic: the gradient you derived, same shape as ``x``.
    Returns :func:`relative_error` of the two as a float. Raises AssertionError naming the
    worst entry (index, analytic and numerical value) when the error exceeds ``tol``.
    """
    analytic = _as_finite64(analytic, "analytic")
    if analytic.shape != np.shape(x):
        raise ValueError(
            f"analytic gradient must have the shape of x, {np.shape(x)}, got {analytic.shape}"
        )
    numeric = numerical_gradient(f, x, h)
    err = relative_error(analytic, numeric)
    if err > tol:
        worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), x.shape)
        worst = tuple(int(i) for i in worst)
        raise AssertionError(
            f"gradient check failed: relative error {err:.3e} > tol {tol:.0e}; worst entry "
            f"at index {worst}: analytic {analytic[worst]:.6e}, numerical "
            f"{numeric[worst]:.6e}"
        )
    return err
