"""Self-checks for the topic-06 exercises (notebooks/06-capstone/3-exercises).

One ``check_...`` per exercise. Each calls the student's function on several inputs,
compares with a reference computed here (never with helpers.layers, helpers.augment or
helpers.calibration, which do the same work), prints one pass line, or raises
:class:`~helpers.checks.CheckFailure` naming the likely mistake. A ``NotImplementedError``
from an unfinished stub propagates unchanged. No check ever looks at the test set.

Conventions (those of :mod:`helpers.layers` and :mod:`helpers.calibration`):

- dropout's ``p`` is the probability of DROPPING a unit; ``keep`` is the boolean mask of
  the units kept (True = kept), each True with probability ``1 - p``; inverted dropout
  scales the kept units by ``1 / (1 - p)`` during training;
- confidence bins are ``(b/B, (b+1)/B]`` (bin 0 also holds 0), ECE weights each bin by its
  share of the examples, ``n_b / N``;
- a Kaggle submission is the header ``ImageId,Label`` and one line ``i,label`` per image,
  ``i`` counting from 1.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np

from helpers.calibration import expected_calibration_error
from helpers.checks import Check, CheckFailure, as_float_array, describe_difference, tolerances

__all__ = [
    "check_dropout_forward",
    "check_dropout_backward",
    "check_shift_images",
    "check_early_stopping",
    "check_ece",
    "check_fit_temperature",
    "check_write_submission",
    "check_top_confusions",
]


def _close(got: np.ndarray, want: np.ndarray, dtype) -> bool:
    rtol, atol = tolerances(dtype)
    scale = max(1.0, float(np.abs(want).max())) if want.size else 1.0
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=rtol, atol=atol * scale))


# --------------------------------------------------------------------------------------
# Exercise 1: inverted dropout, forward
# --------------------------------------------------------------------------------------


def _keep_mask(keep, shape, what="the returned keep mask") -> np.ndarray:
    """The student's mask as a boolean array of ``shape`` (0/1 numbers are accepted)."""
    if not isinstance(keep, np.ndarray):
        raise CheckFailure(f"{what} should be a NumPy array of shape {shape}, got "
                           f"{type(keep).__name__}")
    if keep.shape != shape:
        raise CheckFailure(f"{what} has shape {keep.shape}, expected x's shape {shape}: one "
                           f"keep/drop decision per unit of every example")
    if keep.dtype != np.bool_:
        if keep.dtype.kind not in "biuf":
            raise CheckFailure(f"{what} should hold booleans (True = kept), got {keep.dtype}")
        values = np.unique(keep)
        if not np.all(np.isin(values, (0, 1))):
            raise CheckFailure(
                f"{what} should hold True/False (or 1/0) per unit, found other values such as "
                f"{float(values[~np.isin(values, (0, 1))][0]):.4g}. Likely mistake: the mask is "
                f"the random numbers themselves, or already scaled; keep = rng.random(shape) >= p")
    return keep.astype(bool)


def check_dropout_forward(dropout_forward) -> None:
    """Exercise 1: ``dropout_forward(x, p, rng)`` -> ``(out, keep)``: ``keep`` a boolean mask
    of x's shape, True with probability ``1 - p``, and ``out = x * keep / (1 - p)`` in x's
    dtype; a fresh mask from ``rng`` on each call, x unchanged."""
    __tracebackhide__ = True
    check = Check("dropout_forward", total=5)
    shape = (400, 250)  # 100,000 units: the kept fraction is known to +-0.5%
    x64 = np.random.default_rng(60).standard_normal(shape) + 2.0  # no zeros in x
    for p, dtype, label in [(0.5, np.float64, "p = 0.5"), (0.2, np.float32, "p = 0.2"),
                            (0.8, np.float64, "p = 0.8")]:
        x = x64.astype(dtype)
        with check.case(f"x {shape} {np.dtype(dtype).name}, {label}"):
            got = check.call(dropout_forward, x, p, np.random.default_rng(61))
            out, keep = check.values(got, 2, "out, keep")
            out = check.array(out, shape=shape, dtype=dtype, what="out")
            check.finite(out, "a division by zero? the kept units are divided by 1 - p.")
            keep = _keep_mask(keep, shape)
            frac = float(keep.mean())
            tol = 0.02
            if abs(frac - p) < tol and abs(p - 0.5) > 0.05:
                raise CheckFailure(
                    f"{frac:.1%} of the units are kept, for a DROP probability p = {p}: the mask "
                    f"keeps a unit with probability p instead of 1 - p. Likely mistake: "
                    f"keep = rng.random(shape) < p; p is the probability of dropping, so "
                    f"keep = rng.random(shape) >= p.")
            if abs(frac - (1 - p)) > tol:
                raise CheckFailure(
                    f"{frac:.1%} of the units are kept, expected about {1 - p:.0%} (each kept "
                    f"with probability 1 - p = {1 - p:g}). Likely mistake: the mask is drawn "
                    f"wrongly; keep = rng.random(x.shape) >= p.")
            o = out.astype(np.float64)
            xx = x.astype(np.float64)
            want = np.where(keep, xx / (1 - p), 0.0)
            if _close(o, want, dtype):
                continue
            dropped_nonzero = float(np.abs(o[~keep]).max()) if (~keep).any() else 0.0
            kept = keep
            mistakes = [
                (np.where(kept, xx, 0.0), "the kept units are not scaled: inverted dropout "
                 "divides them by 1 - p (the keep probability) during training, so that "
                 "E[out] = x and the network needs no rescaling at test time."),
                (np.where(kept, xx * (1 - p), 0.0), "you multiplied by 1 - p instead of "
                 "dividing: the kept units must grow, out = x * keep / (1 - p), so that "
                 "E[out] = x."),
                (np.where(kept, xx / p, 0.0), "you scaled by 1/p instead of 1/(1 - p): p is "
                 "the probability of DROPPING a unit; the kept ones are divided by the keep "
                 "probability 1 - p."),
                (np.where(kept, xx * p, 0.0), "you scaled by p: the kept units are divided by "
                 "the keep probability, out = x * keep / (1 - p)."),
                (np.where(~kept, xx / (1 - p), 0.0), "out is nonzero exactly where the "
                 "returned mask is False: the mask you return is the drop mask, or out uses "
                 "its negation; return keep (True = kept) and out = x * keep / (1 - p)."),
                (np.where(~kept, xx / p, 0.0), "out is nonzero exactly where the returned mask "
                 "is False: the mask you return is the drop mask; return keep (True = kept)."),
                (xx / (1 - p), "no unit is dropped: multiply by the mask, out = x * keep / "
                 "(1 - p)."),
            ]
            for cand, diagnosis in mistakes:
                if _close(o, cand, dtype):
                    raise CheckFailure(f"out is wrong.\n  Likely mistake: {diagnosis}")
            if dropped_nonzero > 0 or not np.array_equal(o == 0, ~keep):
                raise CheckFailure(
                    "out is zero at other units than those your mask drops: out and the "
                    "returned keep mask disagree. Likely mistake: out was made with another "
                    "mask than the one returned (a second draw from rng?); draw keep once and "
                    "use it for both.")
            raise CheckFailure(f"out is wrong: {describe_difference(o, want, rtol=1e-6)}")
    with check.case("two calls with the same rng give different masks"):
        rng = np.random.default_rng(62)
        x = x64[:40, :50].copy()
        _, k1 = check.values(check.call(dropout_forward, x, 0.5, rng), 2, "out, keep")
        _, k2 = check.values(check.call(dropout_forward, x, 0.5, rng), 2, "out, keep")
        k1, k2 = _keep_mask(k1, x.shape), _keep_mask(k2, x.shape)
        if np.array_equal(k1, k2):
            raise CheckFailure(
                "two calls with one rng returned the same mask. Likely mistake: a new "
                "generator made inside the function (np.random.default_rng(0) on every call); "
                "draw from the rng you are given, so each training step drops other units.")
        rows = k1.all(axis=1) | (~k1).all(axis=1)
        cols = k1.all(axis=0) | (~k1).all(axis=0)
        if rows.all() or cols.all():
            raise CheckFailure(
                "the mask drops whole rows or whole columns: each unit of each example needs "
                "its own decision, rng.random(x.shape) >= p (not rng.random(len(x)) ...).")
    with check.case("the same seed gives the same mask; p = 0 keeps everything"):
        x = x64[:40, :50].copy()
        _, k1 = check.values(check.call(dropout_forward, x, 0.3, np.random.default_rng(7)), 2,
                             "out, keep")
        _, k2 = check.values(check.call(dropout_forward, x, 0.3, np.random.default_rng(7)), 2,
                             "out, keep")
        if not np.array_equal(_keep_mask(k1, x.shape), _keep_mask(k2, x.shape)):
            raise CheckFailure(
                "two generators with the same seed gave different masks. Likely mistake: the "
                "mask comes from np.random (the global generator) instead of the rng argument.")
        out0, k0 = check.values(check.call(dropout_forward, x, 0.0, np.random.default_rng(8)), 2,
                                "out, keep")
        out0 = as_float_array(out0, "out")
        if out0.shape != x.shape or not np.allclose(out0, x, rtol=1e-12, atol=0):
            raise CheckFailure("with p = 0 nothing is dropped and out must equal x exactly.")
        if not _keep_mask(k0, x.shape).all():
            raise CheckFailure("with p = 0 every unit is kept: keep must be all True.")
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 2: inverted dropout, backward (and its gradient check with a fixed mask)
# --------------------------------------------------------------------------------------


def check_dropout_backward(dropout_backward) -> None:
    """Exercise 2: ``dropout_backward(dout, keep, p)`` -> ``dx = dout * keep / (1 - p)``,
    with the mask of the forward pass (given), in dout's dtype; compared with centred
    differences of the forward pass at that fixed mask."""
    __tracebackhide__ = True
    check = Check("dropout_backward", total=4)
    rng = np.random.default_rng(63)
    for shape, p, dtype in [((6, 5), 0.5, np.float64), ((8, 7), 0.25, np.float64),
                            ((30, 40), 0.6, np.float32)]:
        with check.case(f"dout {shape} {np.dtype(dtype).name}, p = {p}, a fixed mask"):
            keep = rng.random(shape) >= p
            keep.flat[0], keep.flat[1] = True, False  # both kinds present
            dout = (rng.standard_normal(shape) + 0.5).astype(dtype)
            x = rng.standard_normal(shape)
            got = check.call(dropout_backward, dout, keep, p)
            dx = check.array(got, shape=shape, dtype=dtype, what="dx")
            check.finite(dx, "a division by zero? the scale is 1 / (1 - p).")
            d = dout.astype(np.float64)
            # the reference: centred differences of f(x) = sum(dout * forward(x)) at the mask
            h = 1e-6
            def f(z, d=d, keep=keep, p=p):
                return float(np.sum(d * np.where(keep, z / (1 - p), 0.0)))

            want = np.empty(shape)
            for i in range(x.size):
                e = np.zeros(x.size)
                e[i] = h
                e = e.reshape(shape)
                want.flat[i] = (f(x + e) - f(x - e)) / (2 * h)
            g = dx.astype(np.float64)
            if _close(g, want, np.float32 if dtype == np.float32 else np.float64) or (
                    np.allclose(g, want, rtol=1e-6, atol=1e-8)):
                continue
            mistakes = [
                (np.where(keep, d, 0.0), "the scale 1 / (1 - p) is missing: the forward pass "
                 "multiplied the kept units by 1 / (1 - p), so does the backward pass."),
                (d / (1 - p), "the mask is missing: a dropped unit did not reach the output, so "
                 "its gradient is 0; dx = dout * keep / (1 - p)."),
                (np.where(keep, d * (1 - p), 0.0), "you multiplied by 1 - p instead of dividing: "
                 "dx = dout * keep / (1 - p), the factor of the forward pass."),
                (np.where(keep, d / p, 0.0), "you scaled by 1/p instead of 1/(1 - p): p is the "
                 "probability of dropping a unit."),
                (np.where(~keep, d / (1 - p), 0.0), "the gradient flows through the DROPPED "
                 "units: keep is True for the kept ones; dx = dout * keep / (1 - p)."),
                (np.where(keep, d / (1 - p) ** 2, 0.0), "the scale is applied twice: "
                 "dx = dout * keep / (1 - p), once."),
                (d, "dx = dout: the mask and the scale are both missing."),
            ]
            for cand, diagnosis in mistakes:
                if _close(g, cand, dtype):
                    raise CheckFailure(f"dx is wrong.\n  Likely mistake: {diagnosis}")
            nonzero = g != 0
            if not np.array_equal(nonzero, keep):
                raise CheckFailure(
                    "dx is nonzero at other units than those the forward pass kept: the mask at "
                    "backward differs from the forward one. Likely mistake: a new mask drawn in "
                    "the backward pass (np.random...); use the keep mask you are given, the one "
                    "the forward pass used.")
            raise CheckFailure(f"dx is wrong: {describe_difference(g, want, rtol=1e-6)}")
    with check.case("p = 0 (nothing dropped): dx = dout"):
        dout = rng.standard_normal((4, 3))
        got = check.call(dropout_backward, dout, np.ones((4, 3), bool), 0.0)
        dx = check.array(got, shape=(4, 3), what="dx")
        if not np.allclose(dx, dout, rtol=1e-12, atol=0):
            raise CheckFailure("with p = 0 and every unit kept, dx must equal dout.")
    check.passed(" (agrees with centred differences at a fixed mask)")


# --------------------------------------------------------------------------------------
# Exercise 3: a shift augmentation
# --------------------------------------------------------------------------------------


def _shift_ref(images, dy, dx, mode="zero"):
    """(N, s, s) images moved down by dy[n], right by dx[n]; zero fill (or 'roll')."""
    out = np.zeros_like(images, dtype=np.float64)
    side = images.shape[1]
    for n in range(len(images)):
        a, b = int(dy[n]), int(dx[n])
        if mode == "roll":
            out[n] = np.roll(images[n], (a, b), axis=(0, 1))
            continue
        if abs(a) >= side or abs(b) >= side:
            continue
        src = images[n, max(-a, 0):side - max(a, 0), max(-b, 0):side - max(b, 0)]
        out[n, max(a, 0):side + min(a, 0), max(b, 0):side + min(b, 0)] = src
    return out


def check_shift_images(shift_images) -> None:
    """Exercise 3: ``shift_images(images, dy, dx)``: images (N, 28, 28), image n moved down
    by ``dy[n]`` and right by ``dx[n]`` pixels (negative: up / left), zeros where nothing
    comes in; a new array of the same shape and dtype."""
    __tracebackhide__ = True
    check = Check("shift_images", total=4)
    rng = np.random.default_rng(64)
    base = rng.random((6, 28, 28))
    base[:, :3] = base[:, -3:] = 0  # ink reaches no border except where noted
    base[:, :, :3] = base[:, :, -3:] = 0
    cases = [
        ("one image, dy = 1, dx = 2", base[:1], np.array([1]), np.array([2]), np.float64),
        ("six images, each its own shift in -2..2", base,
         np.array([-2, -1, 0, 1, 2, 2]), np.array([1, -2, 0, 2, -1, -2]), np.float64),
        ("float32, ink at the borders (pushed out and lost)", rng.random((4, 28, 28)),
         np.array([2, -2, 1, 0]), np.array([-1, 2, 0, -2]), np.float32),
        ("shifts of 0 leave the images unchanged", base[:3], np.zeros(3, int), np.zeros(3, int),
         np.float64),
    ]
    for description, imgs, dy, dx, dtype in cases:
        imgs = imgs.astype(dtype)
        with check.case(description):
            got = check.call(shift_images, imgs, dy, dx)
            out = check.array(got, shape=imgs.shape, dtype=dtype, what="the shifted images")
            o = out.astype(np.float64)
            want = _shift_ref(imgs.astype(np.float64), dy, dx)
            if _close(o, want, dtype):
                continue
            mistakes = [
                (_shift_ref(imgs, dy, dx, "roll"), "the ink pushed out of one side comes back "
                 "in on the other (np.roll wraps around): fill the pixels that come in with "
                 "zeros."),
                (_shift_ref(imgs, -dy, -dx), "the images move the wrong way: positive dy moves "
                 "down, positive dx right, out[n, i, j] = images[n, i - dy, j - dx]."),
                (_shift_ref(imgs, dx, dy), "dy and dx are swapped: dy moves the rows (down), dx "
                 "the columns (right)."),
                (_shift_ref(imgs, -dx, -dy), "dy and dx are swapped and the direction reversed."),
                (_shift_ref(imgs, np.full_like(dy, dy[0]), np.full_like(dx, dx[0])),
                 "every image got the shift of the first one: image n moves by its own "
                 "(dy[n], dx[n])."),
                (_shift_ref(imgs, dy, -dx), "the columns move the wrong way: positive dx moves "
                 "right."),
                (_shift_ref(imgs, -dy, dx), "the rows move the wrong way: positive dy moves "
                 "down."),
            ]
            for cand, diagnosis in mistakes:
                if not _close(cand, want, dtype) and _close(o, cand, dtype):
                    raise CheckFailure(f"the shifted images are wrong.\n  Likely mistake: "
                                       f"{diagnosis}")
            bad = [n for n in range(len(o)) if not _close(o[n], want[n], dtype)]
            raise CheckFailure(
                f"the shifted images are wrong: image {bad[0]} (dy = {int(dy[bad[0]])}, dx = "
                f"{int(dx[bad[0]])}) differs: "
                f"{describe_difference(o[bad[0]], want[bad[0]], rtol=1e-6)}")
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 4: early stopping
# --------------------------------------------------------------------------------------


def _early_ref(losses, patience, variant=""):
    """(stop, best) of early stopping on ``losses``; a variant is a typical mistake."""
    wait = patience + (variant == "late") - (variant == "early")
    best_i = None
    for i, v in enumerate(losses):
        if best_i is None:
            better = True
        elif variant == "max":
            better = v > losses[best_i]
        elif variant == "ties":
            better = v <= losses[best_i]
        else:
            better = v < losses[best_i]
        if better:
            best_i = i
        elif i - best_i >= wait:
            return i, (i if variant == "last" else best_i)
    last = len(losses) - 1
    return last, (last if variant == "last" else best_i)


def check_early_stopping(early_stopping) -> None:
    """Exercise 4: ``early_stopping(val_losses, patience)`` -> ``(stop, best)``: after each
    epoch i (0-based) look at ``val_losses[i]``; ``best`` is the epoch of the smallest loss
    so far (the first one on ties); stop at the first i with ``i - best >= patience``; if
    that never happens, ``stop`` is the last epoch. ``best`` is the epoch whose weights are
    restored."""
    __tracebackhide__ = True
    cases = [
        ("falls, then rises: stops 3 epochs after the best", [1.0, 0.8, 0.6, 0.7, 0.65, 0.9,
                                                              0.5, 0.4], 3),
        ("patience 2, a late dip after the stop is never seen", [0.9, 0.7, 0.75, 0.72, 0.6,
                                                                 0.5], 2),
        ("never stops: keeps improving", [0.5, 0.4, 0.3, 0.2], 2),
        ("a tie with the best is no improvement", [0.6, 0.5, 0.5, 0.5, 0.55, 0.4], 3),
        ("patience 1", [0.3, 0.2, 0.25, 0.1], 1),
        ("the numbers come as a NumPy array", np.array([0.5, 0.45, 0.47, 0.46, 0.48, 0.3]), 3),
        ("never stops, but the last epoch is not the best", [0.5, 0.4, 0.45, 0.3, 0.35], 2),
        ("a single epoch", [0.7], 3),
    ]
    check = Check("early_stopping", total=len(cases))
    diagnoses = {
        "late": "you stop one epoch too late: stop as soon as i - best >= patience (patience "
                "epochs without improvement), not one more.",
        "early": "you stop one epoch too early: patience epochs without improvement are "
                 "allowed, stop when i - best >= patience.",
        "max": "you track the largest loss: for a loss smaller is better (the largest would "
               "be right for an accuracy).",
        "last": "best is the last epoch seen: early stopping restores the BEST weights, those "
                "of the epoch with the smallest validation loss, not the last ones.",
        "ties": "a loss equal to the best counted as an improvement: only a strictly smaller "
                "loss resets the patience (and best stays the first of equal epochs).",
    }
    for description, losses, patience in cases:
        with check.case(f"{description} (patience {patience})"):
            got = check.call(early_stopping, losses, patience)
            stop, best = check.values(got, 2, "stop, best")
            stop, best = check.number(stop, "stop"), check.number(best, "best")
            want = _early_ref(list(losses), patience)
            if (stop, best) == want:
                continue
            seq = list(losses)
            whole = int(np.argmin(seq))
            if best == whole and whole != want[1] and stop == want[0]:
                raise CheckFailure(
                    f"(stop, best) = ({stop:g}, {best:g}), expected {want}.\n  Likely mistake: "
                    f"best looks into the future: it is the smallest loss of the whole list, "
                    f"but training stopped at epoch {want[0]}; best is the smallest loss seen "
                    f"up to the stop.")
            if (stop, best) == (want[0] + 1, want[1]) and want[0] + 1 < len(seq):
                raise CheckFailure(f"(stop, best) = ({stop:g}, {best:g}), expected {want}.\n"
                                   f"  Likely mistake: {diagnoses['late']}")
            for variant in ("ties", "late", "early", "max", "last"):
                cand = _early_ref(seq, patience, variant)
                if cand != want and (stop, best) == cand:
                    raise CheckFailure(f"(stop, best) = ({stop:g}, {best:g}), expected {want}.\n"
                                       f"  Likely mistake: {diagnoses[variant]}")
            if stop == want[1] and best == want[0]:
                raise CheckFailure(f"(stop, best) = ({stop:g}, {best:g}), expected {want}: the "
                                   f"two values are returned in the wrong order; return "
                                   f"(stop, best).")
            if stop - want[0] == -1 and best - want[1] == -1 or (stop, best) == (want[0] - 1,
                                                                                want[1] - 1):
                raise CheckFailure(f"(stop, best) = ({stop:g}, {best:g}), expected {want}: "
                                   f"both one too small; epochs count from 0.")
            raise CheckFailure(f"(stop, best) = ({stop:g}, {best:g}), expected {want}.")
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 5: the expected calibration error
# --------------------------------------------------------------------------------------


def _ece_ref(probs, y, n_bins, variant=""):
    """The ECE (variant "", from helpers.calibration) or a typical wrong version of it."""
    p = np.asarray(probs, dtype=np.float64)
    if not variant:
        return expected_calibration_error(p, y, n_bins)
    conf = p.max(axis=1)
    if variant == "true_class":
        conf = p[np.arange(len(y)), y]
    right = (p.argmax(axis=1) == y).astype(np.float64)
    if variant == "floor":
        bins = np.floor(conf * n_bins).astype(int)  # 1.0 lands in an extra bin
        nb = n_bins + 1
    else:
        edges = np.linspace(0, 1, n_bins + 1)
        bins = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, n_bins - 1)
        nb = n_bins
    count = np.bincount(bins, minlength=nb).astype(np.float64)
    s_conf = np.bincount(bins, weights=conf, minlength=nb)
    s_acc = np.bincount(bins, weights=right, minlength=nb)
    used = count > 0
    gap = np.abs(s_acc[used] / count[used] - s_conf[used] / count[used])
    if variant == "unweighted":
        return float(gap.mean())
    if variant == "all_bins":
        return float(gap.sum() / nb)
    if variant == "sum":
        return float(gap.sum())
    if variant == "squared":
        return float(np.sum(count[used] * gap**2) / len(p))
    if variant == "no_abs":
        return float(np.sum(count[used] * (s_acc[used] / count[used] - s_conf[used] /
                                           count[used])) / len(p))
    if variant == "counts":
        return float(np.sum(count[used] * gap))
    return float(np.sum(count[used] * gap) / len(p))


def _ece_case(rng, n, c, temp, dtype):
    """Realistic probabilities: softmax of noisy logits, mostly right, overconfident."""
    z = rng.standard_normal((n, c)) * temp
    y = rng.integers(0, c, n)
    z[np.arange(n), y] += 1.5 * temp  # mostly right
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return p.astype(dtype), y


def _ece_alternating(rng, n, c, n_bins, dtype):
    """Confidences spread over the bins, the accuracy above the confidence in every other
    bin and below it in the rest: merging or shifting bins changes the ECE."""
    conf = rng.uniform(1.0 / c + 0.02, 1.0, n)
    b = np.clip(np.ceil(conf * n_bins).astype(int) - 1, 0, n_bins - 1)
    q = np.clip(conf + np.where(b % 2 == 0, 0.25, -0.25), 0.0, 1.0)
    pred = rng.integers(0, c, n)
    p = np.repeat(((1 - conf) / (c - 1))[:, None], c, axis=1)
    p[np.arange(n), pred] = conf
    right = rng.random(n) < q
    y = np.where(right, pred, (pred + rng.integers(1, c, n)) % c)
    return p.astype(dtype), y


def check_ece(ece) -> None:
    """Exercise 5: ``ece(probs, y, n_bins)`` -> ``sum_b (n_b / N) |acc_b - conf_b|`` over
    equal-width confidence bins ``(b/B, (b+1)/B]``, the confidence being each row's largest
    probability, a Python float."""
    __tracebackhide__ = True
    rng = np.random.default_rng(65)
    cases = []
    p, y = _ece_alternating(rng, 600, 10, 15, np.float64)
    cases.append(("600 examples, 10 classes, 15 bins, under- and overconfident bins", p, y, 15))
    p, y = _ece_case(rng, 300, 3, 4.0, np.float64)
    cases.append(("300 examples, 3 classes, 10 bins (overconfident)", p, y, 10))
    p, y = _ece_alternating(rng, 400, 10, 5, np.float32)
    cases.append(("float32 probabilities, 5 bins", p, y, 5))
    p = np.full((10, 4), 0.01)
    p[np.arange(10), [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]] = 0.97
    p[:6] = 0.0
    p[np.arange(6), [0, 1, 2, 3, 0, 1]] = 1.0  # confidence exactly 1.0, beside 0.97
    cases.append(("confidences of exactly 1.0 and of 0.97: both in the last bin", p,
                  np.array([0, 1, 2, 3, 0, 2, 2, 3, 0, 1]), 15))
    check = Check("ece", total=len(cases))
    diagnoses = {
        "unweighted": "ECE weights each bin by its share of the examples, n_b / N; you "
                      "averaged the bins' gaps with equal weights.",
        "all_bins": "you averaged the gaps over all B bins (empty ones counting 0); weight "
                    "each bin by n_b / N instead.",
        "sum": "you summed the bins' gaps without weights: multiply each by n_b / N.",
        "squared": "you squared the gaps: ECE weighs |acc_b - conf_b|, the absolute gap.",
        "no_abs": "the absolute value is missing: gaps of both signs cancel; use "
                  "|acc_b - conf_b|.",
        "counts": "you weighted by the counts n_b but did not divide by N.",
        "true_class": "the confidence is the largest probability of the row (that of the "
                      "predicted class), not the probability of the true class.",
        "floor": "a confidence of exactly 1.0 fell outside the last bin (floor(conf * B) = B): "
                 "put it in bin B - 1 (e.g. np.minimum(..., B - 1)); bins are (b/B, (b+1)/B].",
    }
    for description, probs, y, n_bins in cases:
        with check.case(description):
            got = check.call(ece, probs, y, n_bins)
            value = check.number(got, "the ECE")
            want = _ece_ref(probs, y, n_bins)
            if not math.isfinite(value):
                raise CheckFailure(f"the ECE is {value}.\n  Likely mistake: an empty bin "
                                   f"divided 0 by 0; leave empty bins out (their weight is 0).")
            if abs(value - want) <= 1e-6 * max(1.0, abs(want)):
                continue
            for variant, diagnosis in diagnoses.items():
                cand = _ece_ref(probs, y, n_bins, variant)
                if abs(cand - want) > 1e-9 and abs(value - cand) <= 1e-6 * max(1.0, abs(cand)):
                    raise CheckFailure(f"the ECE is {value:.6f}, expected {want:.6f}.\n"
                                       f"  Likely mistake: {diagnosis}")
            if abs(value - 100 * want) <= 1e-4 * max(1.0, 100 * want):
                raise CheckFailure(f"the ECE is {value:.6f}, expected {want:.6f}: a percentage "
                                   f"where a fraction is asked.")
            raise CheckFailure(f"the ECE is {value:.6f}, expected {want:.6f}. Check the bins: "
                               f"bin b holds the confidences in (b/B, (b+1)/B].")
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 6: fitting a temperature
# --------------------------------------------------------------------------------------


def _nll(z: np.ndarray, y: np.ndarray, T: float) -> float:
    s = z / T
    s = s - s.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


def _best_T(z, y) -> float:
    a, b = math.log(0.01), math.log(100.0)
    r = (math.sqrt(5) - 1) / 2
    for _ in range(200):
        c, d = b - r * (b - a), a + r * (b - a)
        if _nll(z, y, math.exp(c)) <= _nll(z, y, math.exp(d)):
            b = d
        else:
            a = c
        if b - a < 1e-10:
            break
    return math.exp((a + b) / 2)


def check_fit_temperature(fit_temperature) -> None:
    """Exercise 6: ``fit_temperature(logits, y)`` -> the T > 0 minimising the mean negative
    log-likelihood of ``softmax(logits / T)``, a Python float; any search method, to 1%.
    The optimum lies between 0.05 and 20 in every case."""
    __tracebackhide__ = True
    rng = np.random.default_rng(66)
    cases = []
    for n, c, spread, label, dtype in [(400, 10, 4.0, "overconfident logits: T > 1", np.float64),
                                       (300, 5, 0.6, "underconfident logits: T < 1", np.float64),
                                       (500, 10, 3.0, "float32 logits", np.float32)]:
        y = rng.integers(0, c, n)
        z = rng.standard_normal((n, c))
        z[np.arange(n), y] += 1.2
        flip = rng.random(n) < 0.25  # some confidently wrong examples
        z[flip, (y[flip] + 1) % c] += 1.5
        cases.append((label, (z * spread).astype(dtype), y))
    y = rng.integers(0, 10, 200)
    z = rng.standard_normal((200, 10))
    z[np.arange(200), y] += 1.0
    offset = np.where(np.arange(200) % 2 == 0, 1e4, -1e4)[:, None]  # per row: softmax unchanged
    cases.append(("large logits (rows around +10,000 and -10,000): a log-softmax stable in "
                  "every row is needed", 2 * z + offset, y))
    for spread, label in [(0.1, "very underconfident logits: T near 0.07"),
                          (14.0, "very overconfident logits: T above 10")]:
        y = rng.integers(0, 10, 300)
        z = rng.standard_normal((300, 10))
        z[np.arange(300), y] += 1.5
        flip = rng.random(300) < 0.2
        z[flip, (y[flip] + 1) % 10] += 2.0
        cases.append((label, z * spread, y))
    check = Check("fit_temperature", total=len(cases))
    for description, z, y in cases:
        with check.case(description):
            z64 = z.astype(np.float64)
            want = _best_T(z64, y)
            got = check.call(fit_temperature, z, y)
            T = check.number(got, "T")
            if not math.isfinite(T):
                raise CheckFailure(f"T is {T}.\n  Likely mistake: the NLL overflowed for large "
                                   f"logits: compute log-softmax stably (subtract the row max "
                                   f"before exp).")
            if T <= 0:
                raise CheckFailure(f"T is {T:g}: a temperature must be positive.")
            if abs(math.log(T / want)) <= 0.01:
                continue
            if abs(math.log(T * want)) <= 0.01:
                raise CheckFailure(
                    f"T = {T:.4g}, expected {want:.4g}.\n  Likely mistake: you returned 1/T: "
                    f"the logits are DIVIDED by T, softmax(z / T) (multiplying by T gives the "
                    f"reciprocal).")
            if abs(T - 1.0) < 1e-9:
                raise CheckFailure(f"T = 1, expected {want:.4g}: the search did not move; "
                                   f"minimise the mean NLL of softmax(z / T) over T.")
            lo_edge = min(abs(math.log(T / b)) for b in (0.01, 0.05, 0.1, 0.5, 10, 20, 50, 100))
            hint = (" T sits at a bound of a search range: widen it."
                    if lo_edge < 1e-3 else "")
            gap = _nll(z64, y, T) - _nll(z64, y, want)
            raise CheckFailure(
                f"T = {T:.4g}, expected {want:.4g} (its NLL is {gap:.3g} above the minimum)."
                f"{hint} Likely mistake: the quantity minimised is not the mean NLL of "
                f"softmax(z / T) at the true labels (accuracy does not depend on T), or the "
                f"search is too coarse (1% is needed).")
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 7: a submission writer
# --------------------------------------------------------------------------------------


def check_write_submission(write_submission) -> None:
    """Exercise 7: ``write_submission(path, labels)`` writes the Kaggle file ``ImageId,Label``
    with one line ``i,label`` per image (i from 1) and returns the path."""
    __tracebackhide__ = True
    rng = np.random.default_rng(67)
    cases = [("5 labels", rng.integers(0, 10, 5)),
             ("28,000 labels, as Kaggle's test.csv", rng.integers(0, 10, 28_000)),
             ("int32 labels", np.array([7, 0, 9], dtype=np.int32))]
    check = Check("write_submission", total=len(cases))
    for description, labels in cases:
        with check.case(description), tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "submission.csv"
            got = check.call(write_submission, path, labels)
            if not path.is_file():
                raise CheckFailure(f"no file was written at the path given ({path.name}).")
            if got is not None and Path(got) != path:
                raise CheckFailure(f"returned {got!r}, expected the path written ({path.name}).")
            text = path.read_text(encoding="utf-8-sig")
            lines = text.splitlines()
            if not lines:
                raise CheckFailure("the file is empty.")
            header = lines[0].strip()
            if header != "ImageId,Label":
                if header.startswith(",") or header.lower().startswith("unnamed"):
                    why = ("an extra first column: pandas wrote its index; use "
                           "to_csv(path, index=False).")
                elif header.replace(" ", "") == "ImageId,Label":
                    why = "spaces in the header: write exactly ImageId,Label."
                elif header.lower() == "imageid,label":
                    why = "the column names are case-sensitive: ImageId,Label."
                elif header.split(",")[0].strip().isdigit():
                    why = "the header line is missing: the first line is ImageId,Label."
                elif header == "Label,ImageId":
                    why = "the columns are in the wrong order: ImageId first, then Label."
                else:
                    why = "the first line must be exactly ImageId,Label."
                raise CheckFailure(f"the header is {header[:40]!r}.\n  Likely mistake: {why}")
            body = [ln for ln in lines[1:] if ln.strip()]
            if len(body) != len(labels):
                raise CheckFailure(f"the file holds {len(body)} rows, expected {len(labels)}: "
                                   f"one per image.")
            rows = [ln.split(",") for ln in body]
            if any(len(r) != 2 for r in rows):
                raise CheckFailure("every row must hold two values, ImageId and Label, e.g. "
                                   "'1,7'.")
            ids, labs = [r[0].strip() for r in rows], [r[1].strip() for r in rows]
            if any("." in s for s in ids + labs):
                raise CheckFailure("the file holds decimals such as '3.0': ImageId and Label "
                                   "are integers (convert the labels with .astype(int)).")
            try:
                ids_i, labs_i = [int(s) for s in ids], [int(s) for s in labs]
            except ValueError:
                raise CheckFailure("the rows must hold integers ImageId,Label.") from None
            n = len(labels)
            if ids_i == list(range(n)):
                raise CheckFailure("ImageId starts at 0.\n  Likely mistake: Kaggle counts the "
                                   "images from 1: ImageId = 1, 2, ..., N.")
            if ids_i != list(range(1, n + 1)):
                raise CheckFailure("ImageId must count 1, 2, ..., N in the order of the test "
                                   "images.")
            if labs_i != [int(v) for v in labels]:
                raise CheckFailure("the labels in the file are not the ones given, in order.")
    check.passed()



# --------------------------------------------------------------------------------------
# Exercise 8: the top confusions
# --------------------------------------------------------------------------------------


def _confusion_pairs(y_true, y_pred, c):
    cm = np.zeros((c, c), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def check_top_confusions(top_confusions) -> None:
    """Exercise 8: ``top_confusions(y_true, y_pred, k)`` -> the k largest off-diagonal
    entries of the confusion matrix as ``(true, predicted, count)`` tuples, largest first;
    fewer when fewer than k pairs occur (a count of 0 is no confusion)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(68)
    cases = []
    for c, k, label in [(10, 3, "10 classes, k = 3"), (4, 5, "4 classes, k = 5"),
                        (10, 1, "k = 1")]:
        # distinct counts for the off-diagonal entries, so the order is unique
        counts = rng.permutation(c * c)[: c * c].reshape(c, c) + 1
        np.fill_diagonal(counts, 200)  # mostly right
        pairs = [(t, q) for t in range(c) for q in range(c) for _ in range(counts[t, q])]
        order = rng.permutation(len(pairs))
        y_true = np.array([pairs[i][0] for i in order])
        y_pred = np.array([pairs[i][1] for i in order])
        cases.append((label, y_true, y_pred, k, c))
    # few mistakes: class 9 is never predicted, class 7 is predicted but never true
    y_true = np.array([0] * 50 + [2] * 40 + [4] * 30 + [9] * 20 + [1] * 10)
    y_pred = y_true.copy()
    y_pred[50:53] = 7  # 2 -> 7, three times
    y_pred[90] = 1  # 4 -> 1, once
    y_pred[120:140] = 3  # 9 -> 3, 20 times
    cases.append(("only 3 kinds of mistakes, k = 5: return the 3; a class never predicted, "
                  "one never true", y_true, y_pred, 5, 10))
    y_true = np.array([0] * 12 + [1] * 12)
    y_pred = y_true.copy()
    y_pred[:4] = 3  # 0 -> 3, four times: a class that is only ever predicted
    y_pred[12:14] = 0  # 1 -> 0, twice
    cases.append(("two true classes, predictions among four, k = 2", y_true, y_pred, 2, 4))
    check = Check("top_confusions", total=len(cases))
    for description, y_true, y_pred, k, c in cases:
        with check.case(description):
            got = check.call(top_confusions, y_true, y_pred, k)
            if not isinstance(got, list | tuple):
                raise CheckFailure(f"return a list of (true, predicted, count) tuples, got "
                                   f"{type(got).__name__}")
            try:
                rows = [tuple(int(v) for v in row) for row in got]
            except (TypeError, ValueError):
                raise CheckFailure("each entry must be a (true, predicted, count) tuple of "
                                   "integers") from None
            if any(len(r) != 3 for r in rows):
                raise CheckFailure("each entry must hold three numbers: (true, predicted, "
                                   "count)")
            cm = _confusion_pairs(y_true, y_pred, c)
            off = cm.copy()
            np.fill_diagonal(off, -1)
            flat = np.argsort(off, axis=None, kind="stable")[::-1][:k]
            want = [(int(i // c), int(i % c), int(off.flat[i])) for i in flat if off.flat[i] > 0]
            if rows == want:
                continue
            if len(rows) > len(want) and all(r[2] <= 0 for r in rows[len(want):]):
                raise CheckFailure(f"entries with a count of 0 (or less) were returned: only "
                                   f"{len(want)} kinds of mistakes occur here; pairs that never "
                                   f"happen are not confusions, so return fewer than k.")
            if len(rows) != len(want):
                raise CheckFailure(f"{len(rows)} entries returned, expected {len(want)} (k = "
                                   f"{k}).")
            if rows == [(q, t, n) for t, q, n in want]:
                raise CheckFailure("true and predicted are swapped: rows of the confusion "
                                   "matrix are the true classes, columns the predicted ones.")
            if sorted(rows, key=lambda r: -r[2]) == want and rows != want:
                raise CheckFailure("the right entries in the wrong order: largest count first.")
            full = [(int(i // c), int(i % c), int(off.flat[i]))
                    for i in np.argsort(off, axis=None)[::-1]]
            if rows == [r for r in full if r[2] >= 0][-k:][::-1] or rows == full[-k:]:
                raise CheckFailure("those are the smallest confusions: sort by count, largest "
                                   "first.")
            if any(r[0] == r[1] for r in rows):
                raise CheckFailure("an entry on the diagonal (true == predicted): the correct "
                                   "predictions are not confusions; leave the diagonal out.")
            wrong = [r for r in rows if r not in want]
            raise CheckFailure(f"expected {want}, got {rows}; e.g. {wrong[0] if wrong else ''} "
                               f"is not among the {k} largest off-diagonal counts.")
    check.passed()
