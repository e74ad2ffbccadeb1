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

__all__ = [
    "numerical_gradient",
    "relative_error",
    "check_gradient",
    "numerical_gradient_entries",
    "check_layer",
    "check_model",
]

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


def _loss_value(value) -> float:
    """``f()``'s result as a float, or an error saying what f returned instead."""
    if isinstance(value, bool | np.bool_) or value is None or isinstance(value, str | bytes):
        found = "None (a missing return?)" if value is None else f"{type(value).__name__} {value!r}"
        raise TypeError(f"f must return the loss as one float, got {found}")
    if isinstance(value, tuple | list):
        raise TypeError(
            f"f must return the loss as one float, got a {type(value).__name__} of "
            f"{len(value)} items; if it returns (loss, grads), check lambda: f()[0]"
        )
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise TypeError(
                f"f must return the loss as one float, got an array of shape {value.shape}: "
                "a loss is a single number (reduce it with .sum() or .mean())"
            )
        value = value.reshape(()).item()
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"f must return the loss as one float, got {type(value).__name__}"
        ) from exc


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
        raise ValueError(
            "x must be writeable: numerical_gradient changes it in place, but x is read-only "
            "(x.flags.writeable is False: a np.broadcast_to view, a memory-mapped or loaded "
            "array?). Make the array f reads writeable, e.g. params['W'] = params['W'].copy(), "
            "and pass that same array"
        )
    if x.size == 0:
        raise ValueError(f"x is empty (shape {x.shape}): there is no entry to check")
    if not callable(f):
        raise TypeError(
            f"f must be a function of no arguments returning the loss (e.g. lambda: "
            f"loss(W)), got {type(f).__name__}"
        )
    h = _check_h(h)
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        try:
            x[idx] = old + h
            f_plus = _loss_value(f())
            x[idx] = old - h
            f_minus = _loss_value(f())
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
    if isinstance(a, tuple | list) and a and all(isinstance(v, np.ndarray) for v in a):
        raise TypeError(
            f"{name} must be one gradient array, got a {type(a).__name__} of {len(a)} arrays "
            f"(shapes {', '.join(str(v.shape) for v in a[:4])}); check one parameter at a time"
        )
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be an array of real numbers, got {type(a).__name__} ({exc})"
        ) from exc
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
        hint = ""
        if not numeric.any():
            hint = (
                "; the numerical gradient is exactly 0 everywhere: does f read x itself "
                "(not a copy of it)?"
            )
        raise AssertionError(
            f"gradient check failed: relative error {err:.3e} > tol {tol:.0e}; worst entry "
            f"at index {worst}: analytic {analytic[worst]:.6e}, numerical "
            f"{numeric[worst]:.6e}{hint}"
        )
    return err


# --------------------------------------------------------------------------------------
# Topic 04: checking one layer, a whole model, and large arrays on a random subset
# --------------------------------------------------------------------------------------


def numerical_gradient_entries(
    f: Callable[[], float], x: np.ndarray, indices, h: float = 1e-5
) -> np.ndarray:
    """Centred differences of ``f`` at the flat ``indices`` of ``x`` only.

    f, x, h: as for :func:`numerical_gradient` (x float64, nudged in place and restored).
    indices: int array of positions in ``x.reshape(-1)``. Returns float64 ``(len(indices),)``:
    entry i is ``dF/dx.flat[indices[i]]``. Costs two calls of f per index, whatever the size
    of x: the way to check a large layer.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(_FLOAT32_MSG.format(dtype=getattr(x, "dtype", type(x).__name__)))
    indices = np.asarray(indices)
    if not np.issubdtype(indices.dtype, np.integer) or indices.ndim != 1:
        raise TypeError("indices must be a 1-D array of integer positions in x.reshape(-1)")
    if indices.size and (indices.min() < 0 or indices.max() >= x.size):
        raise ValueError(f"indices must lie in 0..{x.size - 1} (x has {x.size} entries)")
    h = _check_h(h)
    grad = np.empty(len(indices))
    for i, k in enumerate(indices):
        idx = np.unravel_index(int(k), x.shape)
        old = x[idx]
        try:
            x[idx] = old + h
            f_plus = float(f())
            x[idx] = old - h
            f_minus = float(f())
        finally:
            x[idx] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _errors(f, arrays: dict, analytic: dict, max_entries, rng, h) -> dict[str, float]:
    errors = {}
    for name, x in arrays.items():
        a = np.asarray(analytic[name], dtype=np.float64)
        if a.shape != x.shape:
            raise ValueError(f"the gradient of {name} has shape {a.shape}, expected {x.shape}")
        if max_entries is not None and x.size > max_entries:
            idx = np.sort(rng.choice(x.size, size=max_entries, replace=False))
            numeric = numerical_gradient_entries(f, x, idx, h)
            errors[name] = relative_error(a.reshape(-1)[idx], numeric)
        else:
            errors[name] = relative_error(a, numerical_gradient(f, x, h))
    return errors


def check_layer(layer, x, rng: np.random.Generator, h: float = 1e-5) -> dict[str, float]:
    """Check one layer object's ``backward`` against centred differences (float64).

    layer: anything with ``forward(x)``, ``backward(dout)``, ``params``, ``grads`` (float64
    parameters); x: float64 input. A random upstream gradient G (the output's shape, from
    ``rng``) turns the layer into the scalar ``F = sum(G * layer.forward(x))``, whose
    gradients are exactly what ``backward(G)`` returns (dx) and stores (grads).
    Returns the relative errors ``{"x": ..., "W": ..., "b": ...}`` (one per array).
    """
    x = np.array(x, dtype=np.float64) if not isinstance(x, np.ndarray) else x
    if x.dtype != np.float64 or any(p.dtype != np.float64 for p in layer.params.values()):
        raise TypeError(_FLOAT32_MSG.format(dtype=x.dtype if x.dtype != np.float64 else "float32"))
    G = rng.standard_normal(np.shape(layer.forward(x)))
    dx = np.array(layer.backward(G), dtype=np.float64)
    analytic = {"x": dx, **{k: g.copy() for k, g in layer.grads.items()}}
    errors = _errors(
        lambda: float(np.sum(G * layer.forward(x))),
        {"x": x, **layer.params},
        analytic,
        None,
        rng,
        h,
    )
    layer.forward(x)  # leave the cache as after a plain forward pass
    return errors


def check_model(
    model, X, y, reg: float = 0.0, *, max_entries: int | None = None, rng=None, h: float = 1e-5
) -> dict[str, float]:
    """Relative error of every gradient of ``model.loss(X, y, reg)``, parameter by parameter.

    model: float64, with ``params`` and ``loss(X, y, reg) -> (loss, grads)`` (a
    ``Sequential`` or ``TwoLayerNet``); X float64 (N, D), y int (N,). Arrays with more than
    ``max_entries`` entries are checked at that many random entries drawn from ``rng``
    (required then); the rest in full. Returns ``{"W1": err, "b1": err, ...}``: per layer,
    so a wrong gradient says where the bug is.
    """
    if any(p.dtype != np.float64 for p in model.params.values()):
        raise TypeError(_FLOAT32_MSG.format(dtype="float32 parameters"))
    if max_entries is not None and rng is None:
        raise ValueError("pass rng=np.random.default_rng(seed) to choose the random entries")
    _, grads = model.loss(X, y, reg)
    analytic = {k: np.array(g, dtype=np.float64) for k, g in grads.items()}
    return _errors(
        lambda: model.loss(X, y, reg)[0], model.params, analytic, max_entries, rng, h
    )
