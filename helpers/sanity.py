"""Catching plainly wrong training set-ups early: at the call, not after an epoch.

The commonest mistakes when training by hand, each caught by a small function whose
message names the argument, what was expected and what was found:

- images not scaled to [0, 1] (raw ``uint8`` pixels, or floats 0..255):
  :func:`check_scaled`, pointing to :func:`helpers.data.scale`;
- hyper-parameters of the wrong type or range (a string read from a config file, None, a
  float batch size, an int where a Generator is expected): :func:`check_real`,
  :func:`check_count`, :func:`check_generator`, :func:`check_seed`;
- NaN or inf gradients: :func:`check_gradients` names the parameter;
- parameters that cannot be updated in place: :func:`check_writeable`;
- a loss that rises, or stays far above ``ln C`` (the loss of guessing uniformly among C
  classes): :class:`LossMonitor` warns once, early (the learning rate is too high).

Every check costs one pass over its array at most, so a training loop can call them.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping

import numpy as np

from helpers.functions import NonFiniteError

__all__ = [
    "SanityWarning",
    "check_scaled",
    "check_real",
    "check_count",
    "check_generator",
    "check_seed",
    "check_gradients",
    "check_writeable",
    "LossMonitor",
    "check_fit",
    "TrainingWatch",
]


#: Inputs reaching above this (and never negative) are taken for unscaled 0..255 pixels.
RAW_PIXELS = 50.0


class SanityWarning(UserWarning):
    """Training runs, but something looks plainly wrong (e.g. the loss is rising)."""


def _found(value) -> str:
    """How a wrong value is shown: its type and a short repr (never a whole array)."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return f"{type(value).__name__} {text[:40] + '...' if len(text) > 40 else text}"


def _string_hint(value) -> str:
    if isinstance(value, str):
        return " (a string, e.g. read from a config file? convert it: float(...) or int(...))"
    return ""


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


def check_scaled(X, name: str = "X", maximum: float = 1.5) -> None:
    """Refuse images that are not scaled to [0, 1].

    Raw pixels (an integer dtype such as ``uint8``) give TypeError; floats that are all
    non-negative but reach above ``maximum`` (pixels 0..255 converted with ``astype(float)``
    but not divided) give ValueError. Both point to :func:`helpers.data.scale`. Centred or
    standardised inputs (negative values) pass: they are a deliberate choice. ``fit`` uses
    a looser ``maximum`` (:data:`RAW_PIXELS`), so that features on another small scale (the
    0..16 of scikit-learn's 8x8 digits) train as before.
    """
    arr = np.asarray(X)
    if arr.size == 0:
        return
    if arr.dtype == np.bool_ or np.issubdtype(arr.dtype, np.integer):
        raise TypeError(
            f"{name} holds raw {arr.dtype} pixels ({int(arr.min())}..{int(arr.max())}); "
            f"training expects floats in [0, 1]: use helpers.data.scale({name})"
        )
    if not np.issubdtype(arr.dtype, np.floating):
        return  # other checks give the type error
    with np.errstate(invalid="ignore"):
        lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
    if lo >= 0 and hi > maximum:
        raise ValueError(
            f"{name} ranges over {lo:g}..{hi:g}; expected pixels scaled to [0, 1]. Scale the "
            "raw uint8 images with helpers.data.scale(images) (it divides by 255)"
        )


# --------------------------------------------------------------------------------------
# Hyper-parameters
# --------------------------------------------------------------------------------------


def check_real(
    value, name: str, minimum: float | None = None, maximum: float | None = None,
    *, above: bool = False,
) -> float:
    """``value`` as a float: a real number (not a string, None or bool), finite, and at
    least ``minimum`` (strictly above it with ``above``) and at most ``maximum``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {_found(value)}{_string_hint(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    if minimum is not None and (value <= minimum if above else value < minimum):
        relation = f"greater than {minimum:g}" if above else f"at least {minimum:g}"
        raise ValueError(f"{name} must be {relation}, got {value:g}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum:g}, got {value:g}")
    return value


def check_count(value, name: str, minimum: int = 1) -> int:
    """``value`` as an int: an integer type (a float, even 64.0, is refused: a computed
    batch size such as ``N / 10`` is a float), at least ``minimum``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        hint = _string_hint(value)
        if isinstance(value, float | np.floating):
            hint = f" (use int(...) or //: {name}={int(value)} if that is what you mean)" \
                if math.isfinite(value) and value == int(value) else ""
        raise TypeError(f"{name} must be an int, got {_found(value)}{hint}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def check_generator(rng, name: str = "rng") -> np.random.Generator:
    """``rng`` must be a ``np.random.Generator`` (from ``np.random.default_rng(seed)``)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        hint = f": pass np.random.default_rng({int(rng)}), not the seed itself"
    elif isinstance(rng, np.random.RandomState):
        hint = ": that is the legacy RandomState; use np.random.default_rng(seed)"
    elif rng is np.random:
        hint = ": that is the module numpy.random; use np.random.default_rng(seed)"
    else:
        hint = ", e.g. np.random.default_rng(0)"
    shown = "the module numpy.random" if rng is np.random else _found(rng)
    raise TypeError(f"{name} must be a np.random.Generator, got {shown}{hint}")


def check_seed(seed, name: str = "seed") -> int:
    """A seed: a non-negative int (not a float, string or None)."""
    if isinstance(seed, np.random.Generator):
        raise TypeError(f"{name} must be an int seed, got a Generator (pass the int it came from)")
    return check_count(seed, name, minimum=0)


# --------------------------------------------------------------------------------------
# Gradients and parameters
# --------------------------------------------------------------------------------------


def check_gradients(grads: Mapping, step: int | None = None) -> None:
    """Raise NonFiniteError (a ValueError and a FloatingPointError) naming the first
    parameter whose gradient holds NaN or inf, with how many entries are bad."""
    at = f" at step {step}" if step is not None else ""
    with np.errstate(all="ignore"):  # one sum per gradient: NaN and inf survive a sum
        arrays = [(name, np.asarray(g)) for name, g in grads.items()]
        suspects = [(name, g) for name, g in arrays
                    if g.dtype.kind == "f" and not math.isfinite(g.sum())]
    for name, g in suspects:
        bad = ~np.isfinite(g)
        if not bad.any():
            continue  # the sum overflowed, the entries are fine
        n_nan = int(np.isnan(g).sum())
        raise NonFiniteError(
            f"the gradient of {name}{at} has {n_nan} NaN and {int(bad.sum()) - n_nan} inf "
            f"entries (of {g.size}): the training diverged (lower the learning rate) or the "
            f"backward pass of {name} divides by zero or overflows"
        )


def check_writeable(params: Mapping) -> None:
    """Every parameter must be a float array that can be updated in place."""
    for name, w in params.items():
        if not isinstance(w, np.ndarray) or not np.issubdtype(w.dtype, np.floating):
            raise TypeError(
                f"parameter {name!r} must be a float NumPy array (updated in place), got "
                f"{_found(w)}"
            )
        if not w.flags.writeable:
            raise ValueError(
                f"parameter {name!r} is read-only (flags.writeable is False: a "
                "np.broadcast_to view or a loaded array?); the update rules change it in "
                f"place: make it writeable with params[{name!r}] = params[{name!r}].copy()"
            )


# --------------------------------------------------------------------------------------
# The loss during training
# --------------------------------------------------------------------------------------


class LossMonitor:
    """Watch the mini-batch losses; warn once, early, when they look plainly wrong.

    ``update(loss)`` after every step. After ``window`` steps it compares the mean of the
    last ``window`` losses with the first window's, and with ``ln C``:

    - rising: the latest mean is above ``rise`` times the first and above ``ln C``;
    - far above chance: the latest mean is above ``far * ln C`` (worse than guessing);
      ``far=None`` turns this test off (with an L2 penalty the loss may rightly sit there).

    Either issues one :class:`SanityWarning` saying so (the learning rate is probably too
    high) and returns its message; later calls stay silent. ``lr`` is only quoted.
    """

    def __init__(self, num_classes: int, window: int = 20, lr: float | None = None,
                 rise: float = 1.25, far: float = 2.0):
        self.num_classes = check_count(num_classes, "num_classes", minimum=2)
        self.window = check_count(window, "window")
        self.chance = math.log(self.num_classes)
        self.lr, self.rise, self.far = lr, rise, far
        self.losses: list[float] = []
        self.first: float | None = None
        self.warned: str | None = None

    def update(self, loss: float) -> str | None:
        if self.warned is not None or not math.isfinite(loss):
            return None
        self.losses.append(float(loss))
        n = len(self.losses)
        if n < self.window:
            return None
        latest = sum(self.losses[-self.window:]) / self.window
        if self.first is None:
            self.first = latest
        del self.losses[: -self.window]  # bounded memory
        lr = f" ({self.lr:g})" if self.lr is not None else ""
        message = None
        if latest > self.rise * self.first and latest > self.chance:
            message = (
                f"the training loss is rising: mean {latest:.3f} over the last {self.window} "
                f"steps, up from {self.first:.3f} over the first {self.window}; the learning "
                f"rate{lr} is probably too high (try a tenth of it)"
            )
        elif self.far is not None and latest > self.far * self.chance:
            message = (
                f"the training loss stays at {latest:.3f} (mean of the last {self.window} "
                f"steps), far above ln {self.num_classes} = {self.chance:.3f}, the loss of "
                f"guessing uniformly; the learning rate{lr} is probably too high, or the "
                "inputs are not scaled (helpers.data.scale)"
            )
        if message is not None:
            self.warned = message
            # Shown as "helpers.sanity:1: SanityWarning: ...": no machine-specific path in
            # a notebook's output (warnings.warn would print this file's absolute path).
            warnings.warn_explicit(message, SanityWarning, "helpers.sanity", 1,
                                   module="helpers.sanity")
        return message


# --------------------------------------------------------------------------------------
# All of it for a training loop: one call at the start, one per step
# --------------------------------------------------------------------------------------


class TrainingWatch:
    """What a training loop calls once per step: ``watch(step, loss, grads)``.

    Raises NonFiniteError naming the parameter whose gradient holds NaN or inf (before the
    update spreads it to the weights), and feeds the loss to a :class:`LossMonitor`, which
    warns once when the loss rises or stays far above ``ln C``.
    """

    def __init__(self, num_classes: int = 10, lr: float | None = None, window: int = 20,
                 far: float | None = 2.0):
        self.monitor = LossMonitor(max(int(num_classes), 2), window=window, lr=lr, far=far)

    def __call__(self, step: int, loss: float, grads: Mapping | None = None) -> None:
        if grads is not None:
            check_gradients(grads, step)
        self.monitor.update(loss)


def check_fit(
    X_train, X_val=None, *, epochs, batch_size, lr, reg, rng, num_classes: int = 10,
) -> TrainingWatch:
    """The checks of ``fit``'s arguments, at the call; returns the per-step watch.

    epochs, batch_size: ints >= 1 (a float batch size is refused); lr: a number > 0, or None
    (the update rule's own default); reg: a number >= 0; rng: a ``np.random.Generator``;
    X_train, X_val: not raw 0..255 pixels (:func:`check_scaled` with :data:`RAW_PIXELS`).
    """
    check_generator(rng, "rng")
    check_count(epochs, "epochs")
    check_count(batch_size, "batch_size")
    if lr is not None:
        lr = check_real(lr, "lr", 0, above=True)
    check_real(reg, "reg", 0)
    check_scaled(X_train, "X_train", maximum=RAW_PIXELS)
    if X_val is not None:
        check_scaled(X_val, "X_val", maximum=RAW_PIXELS)
    # With an L2 penalty the training loss includes reg/2 |W|^2, which may rightly dominate:
    # only a rising loss is then a sign of trouble.
    return TrainingWatch(num_classes, lr, far=None if reg > 0 else 2.0)
