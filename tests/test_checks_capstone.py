"""The topic-06 self-checks: each passes on right answers written in several ways, lets a
stub's NotImplementedError through, fails with the right diagnosis on typical wrong answers,
and never crashes (only CheckFailure) on junk.

The right and wrong answers are small functions written here, independently of the check
module and of helpers.layers / augment / calibration.
"""

import math

import numpy as np
import pytest

from helpers.checks import CheckFailure
from helpers.checks import capstone as ch


def stub(*args, **kwargs):
    raise NotImplementedError


def fails_with(check, fn, *words):
    with pytest.raises(CheckFailure) as info:
        check(fn)
    text = " ".join(str(info.value).lower().split())
    for w in words:
        assert w.lower() in text, f"{w!r} not in: {info.value}"
    return text


JUNK = [lambda *a: None, lambda *a: "x", lambda *a: 3, lambda *a: [1.0, 2.0],
        lambda *a: (None, None), lambda *a: {"a": 1}, lambda *a: 1 / 0,
        lambda *a: (x for x in range(2)), lambda *a: (np.zeros(3), "x"), lambda *a: float("nan")]

CHECKS = [ch.check_dropout_forward, ch.check_dropout_backward, ch.check_shift_images,
          ch.check_early_stopping, ch.check_ece, ch.check_fit_temperature,
          ch.check_write_submission, ch.check_top_confusions]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_stub_propagates_and_junk_is_diagnosed(check):
    with pytest.raises(NotImplementedError):
        check(stub)
    for junk in JUNK:
        with pytest.raises(CheckFailure):
            check(junk)


# -- 1. dropout forward ---------------------------------------------------------------------

def drop_fwd(x, p, rng):
    keep = rng.random(x.shape) >= p
    return x * keep / (1 - p), keep


def drop_fwd_uniform_lt(x, p, rng):
    keep = rng.uniform(size=x.shape) < 1 - p
    out = np.where(keep, x / (1 - p), 0).astype(x.dtype)
    return out, keep


def drop_fwd_binomial_int(x, p, rng):
    keep = rng.binomial(1, 1 - p, size=x.shape)
    scale = 1.0 / (1.0 - p)
    return (x * keep * scale).astype(x.dtype), keep


@pytest.mark.parametrize("fn", [drop_fwd, drop_fwd_uniform_lt, drop_fwd_binomial_int])
def test_dropout_forward_right_answers(fn, capsys):
    ch.check_dropout_forward(fn)
    assert "✔ dropout_forward" in capsys.readouterr().out


DROP_FWD_WRONG = [
    (lambda x, p, rng: (x * (k := rng.random(x.shape) >= p), k), ["not scaled"]),
    (lambda x, p, rng: (x * (k := rng.random(x.shape) >= p) * (1 - p), k), ["multiplied by 1 - p"]),
    (lambda x, p, rng: (x * (k := rng.random(x.shape) >= p) / p, k), ["1/p instead of 1/(1 - p)"]),
    (lambda x, p, rng: (x * (k := rng.random(x.shape) < p) / (1 - p), k),
     ["probability p instead"]),
    (lambda x, p, rng: (x * (k := rng.random(x.shape) >= p) / (1 - p), ~k), ["drop mask"]),
    (lambda x, p, rng: (x * (rng.random(x.shape) >= p) / (1 - p), rng.random(x.shape) >= p),
     ["another mask"]),
    (lambda x, p, rng: ((x * (k := np.random.default_rng(0).random(x.shape) >= p) / (1 - p)), k),
     ["same mask"]),
    (lambda x, p, rng: ((x * (k := np.broadcast_to(rng.random((x.shape[0], 1)) >= p, x.shape))
                         / (1 - p)), k), ["whole rows"]),
    (lambda x, p, rng: ((x * (k := rng.random(x.shape) >= p) / (1 - p)).astype(np.float64), k),
     ["dtype"]),
]


@pytest.mark.parametrize("fn, words", DROP_FWD_WRONG)
def test_dropout_forward_wrong_answers(fn, words):
    fails_with(ch.check_dropout_forward, fn, *words)


def test_dropout_forward_global_generator_is_caught():
    def fn(x, p, rng):
        keep = np.random.random(x.shape) >= p  # noqa: NPY002 - the mistake under test
        return x * keep / (1 - p), keep

    fails_with(ch.check_dropout_forward, fn, "np.random")


# -- 2. dropout backward --------------------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda dout, keep, p: dout * keep / (1 - p),
    lambda dout, keep, p: np.where(keep, dout / (1 - p), 0).astype(dout.dtype),
    lambda dout, keep, p: (dout * keep.astype(dout.dtype)) * (1 / (1 - p)),
])
def test_dropout_backward_right_answers(fn, capsys):
    ch.check_dropout_backward(fn)
    assert "✔ dropout_backward" in capsys.readouterr().out


@pytest.mark.parametrize("fn, words", [
    (lambda dout, keep, p: dout * keep, ["scale 1 / (1 - p) is missing"]),
    (lambda dout, keep, p: dout / (1 - p), ["mask is missing"]),
    (lambda dout, keep, p: dout * keep * (1 - p), ["multiplied by 1 - p"]),
    (lambda dout, keep, p: dout * keep / p, ["1/p instead"]),
    (lambda dout, keep, p: dout * ~keep / (1 - p), ["dropped units"]),
    (lambda dout, keep, p: dout * keep / (1 - p) ** 2, ["twice"]),
    (lambda dout, keep, p: dout * (np.random.default_rng(3).random(dout.shape) >= p) / (1 - p),
     ["mask at backward differs"]),
    (lambda dout, keep, p: (dout * keep / (1 - p)).astype(np.float64), ["dtype"]),
])
def test_dropout_backward_wrong_answers(fn, words):
    fails_with(ch.check_dropout_backward, fn, *words)


# -- 3. shifts ------------------------------------------------------------------------------

def shift_loop(images, dy, dx):
    out = np.zeros_like(images)
    s = images.shape[1]
    for n in range(len(images)):
        for i in range(s):
            for j in range(s):
                si, sj = i - dy[n], j - dx[n]
                if 0 <= si < s and 0 <= sj < s:
                    out[n, i, j] = images[n, si, sj]
    return out


def shift_pad(images, dy, dx):
    k = 30
    pad = np.pad(images, ((0, 0), (k, k), (k, k)))
    out = np.empty_like(images)
    for n in range(len(images)):
        out[n] = pad[n, k - dy[n]:k - dy[n] + 28, k - dx[n]:k - dx[n] + 28]
    return out


def shift_roll_mask(images, dy, dx):
    out = np.empty_like(images)
    for n in range(len(images)):
        r = np.roll(images[n], (dy[n], dx[n]), axis=(0, 1))
        if dy[n] > 0:
            r[:dy[n]] = 0
        elif dy[n] < 0:
            r[dy[n]:] = 0
        if dx[n] > 0:
            r[:, :dx[n]] = 0
        elif dx[n] < 0:
            r[:, dx[n]:] = 0
        out[n] = r
    return out


@pytest.mark.parametrize("fn", [shift_loop, shift_pad, shift_roll_mask])
def test_shift_right_answers(fn, capsys):
    ch.check_shift_images(fn)
    assert "✔ shift_images" in capsys.readouterr().out


@pytest.mark.parametrize("fn, words", [
    (lambda im, dy, dx: np.stack([np.roll(im[n], (dy[n], dx[n]), axis=(0, 1))
                                  for n in range(len(im))]), ["np.roll"]),
    (lambda im, dy, dx: shift_pad(im, -dy, -dx), ["wrong way"]),
    (lambda im, dy, dx: shift_pad(im, dx, dy), ["swapped"]),
    (lambda im, dy, dx: shift_pad(im, np.full_like(dy, dy[0]), np.full_like(dx, dx[0])),
     ["every image got the shift of the first"]),
    (lambda im, dy, dx: shift_pad(im, dy, -dx), ["columns move the wrong way"]),
    (lambda im, dy, dx: shift_pad(im, -dy, dx), ["rows move the wrong way"]),
    (lambda im, dy, dx: shift_pad(im, dy, dx).astype(np.float64), ["dtype"]),
])
def test_shift_wrong_answers(fn, words):
    fails_with(ch.check_shift_images, fn, *words)


def test_shift_in_place_is_caught():
    def fn(im, dy, dx):
        im[:] = shift_pad(im, dy, dx)
        return im

    fails_with(ch.check_shift_images, fn, "in place")


# -- 4. early stopping ----------------------------------------------------------------------

def es_loop(val_losses, patience, first_best=0):
    best = first_best
    for i, v in enumerate(val_losses):
        if v < val_losses[best]:
            best = i
        elif i - best >= patience:
            return i, best
    return len(val_losses) - 1, best


def es_counter(val_losses, patience):
    best_loss, best, wait = math.inf, None, 0
    for i, v in enumerate(val_losses):
        if v < best_loss:
            best_loss, best, wait = v, i, 0
        else:
            wait += 1
            if wait >= patience:
                return i, best
    return len(val_losses) - 1, best


@pytest.mark.parametrize("fn", [es_loop, es_counter])
def test_early_stopping_right_answers(fn, capsys):
    ch.check_early_stopping(fn)
    assert "✔ early_stopping" in capsys.readouterr().out


def es_variant(variant):
    return lambda losses, patience: ch._early_ref(list(losses), patience, variant)


@pytest.mark.parametrize("fn, words", [
    (es_variant("late"), ["one epoch too late"]),
    (es_variant("early"), ["one epoch too early"]),
    (es_variant("max"), ["largest loss"]),
    (es_variant("last"), ["restores the best"]),
    (es_variant("ties"), ["strictly smaller"]),
    (lambda losses, patience: (es_loop(losses, patience)[0], int(np.argmin(losses))),
     ["future"]),
    (lambda losses, patience: es_loop(losses, patience)[::-1], ["wrong order"]),
])
def test_early_stopping_wrong_answers(fn, words):
    fails_with(ch.check_early_stopping, fn, *words)


# -- 5. ECE ---------------------------------------------------------------------------------

def ece_loop(probs, y, n_bins):
    conf = probs.max(axis=1)
    right = probs.argmax(axis=1) == y
    edges = np.linspace(0, 1, n_bins + 1)
    total = 0.0
    for b in range(n_bins):
        lo, hi = edges[b], edges[b + 1]
        m = (conf > lo) & (conf <= hi) if b else (conf <= hi)
        if m.sum():
            total += m.sum() / len(conf) * abs(right[m].mean() - conf[m].mean())
    return total


def ece_digitize(probs, y, n_bins):
    conf = probs.max(1).astype(np.float64)
    right = (probs.argmax(1) == y).astype(float)
    b = np.clip(np.digitize(conf, np.linspace(0, 1, n_bins + 1), right=True) - 1, 0, n_bins - 1)
    n = np.bincount(b, minlength=n_bins)
    sc, sa = np.bincount(b, conf, n_bins), np.bincount(b, right, n_bins)
    used = n > 0
    return float(np.sum(np.abs(sa[used] - sc[used])) / len(conf))


@pytest.mark.parametrize("fn", [ece_loop, ece_digitize])
def test_ece_right_answers(fn, capsys):
    ch.check_ece(fn)
    assert "✔ ece" in capsys.readouterr().out


def ece_variant(variant):
    return lambda probs, y, n_bins: ch._ece_ref(probs, y, n_bins, variant)


@pytest.mark.parametrize("fn, words", [
    (ece_variant("unweighted"), ["n_b / N", "averaged"]),
    (ece_variant("all_bins"), ["all b bins"]),
    (ece_variant("sum"), ["without weights"]),
    (ece_variant("squared"), ["squared"]),
    (ece_variant("no_abs"), ["absolute value"]),
    (ece_variant("counts"), ["did not divide by n"]),
    (ece_variant("true_class"), ["true class"]),
    (ece_variant("floor"), ["exactly 1.0"]),
    (lambda probs, y, n_bins: 100 * ch._ece_ref(probs, y, n_bins), ["percentage"]),
])
def test_ece_wrong_answers(fn, words):
    fails_with(ch.check_ece, fn, *words)


# -- 6. temperature -------------------------------------------------------------------------

def nll(z, y, T):
    s = z.astype(np.float64) / T
    s = s - s.max(1, keepdims=True)
    return -(s[np.arange(len(y)), y] - np.log(np.exp(s).sum(1))).mean()


def temp_grid(z, y):
    Ts = np.exp(np.linspace(np.log(0.02), np.log(50), 3000))
    return float(Ts[np.argmin([nll(z, y, T) for T in Ts])])


def temp_bisect_derivative(z, y):
    """Bisection on the sign of dNLL/dlogT (the NLL is unimodal in log T)."""
    lo, hi = math.log(0.01), math.log(100.0)
    h = 1e-6
    for _ in range(80):
        mid = (lo + hi) / 2
        if nll(z, y, math.exp(mid + h)) > nll(z, y, math.exp(mid - h)):
            hi = mid
        else:
            lo = mid
    return math.exp((lo + hi) / 2)


@pytest.mark.parametrize("fn", [temp_grid, temp_bisect_derivative])
def test_temperature_right_answers(fn, capsys):
    ch.check_fit_temperature(fn)
    assert "✔ fit_temperature" in capsys.readouterr().out


def temp_naive(z, y):
    Ts = np.exp(np.linspace(np.log(0.02), np.log(50), 600))

    def f(T):
        e = np.exp(z / T)
        return -np.log(e[np.arange(len(y)), y] / e.sum(1)).mean()

    vals = np.array([f(T) for T in Ts])
    return float(Ts[np.nanargmin(vals)]) if np.isfinite(vals).any() else float("nan")


@pytest.mark.parametrize("fn, words", [
    (lambda z, y: 1 / temp_grid(z, y), ["1/t"]),
    (lambda z, y: 1.0, ["did not move"]),
    (lambda z, y: -temp_grid(z, y), ["positive"]),
    (lambda z, y: float(np.exp(np.linspace(np.log(0.5), np.log(2), 50))[
        np.argmin([nll(z, y, T) for T in np.exp(np.linspace(np.log(0.5), np.log(2), 50))])]),
     ["too coarse"]),
])
def test_temperature_wrong_answers(fn, words):
    fails_with(ch.check_fit_temperature, fn, *words)


def test_temperature_without_a_stable_softmax_fails():
    with pytest.raises(CheckFailure):
        ch.check_fit_temperature(temp_naive)


# -- 7. submission --------------------------------------------------------------------------

def sub_file(path, labels):
    with open(path, "w") as f:
        f.write("ImageId,Label\n")
        f.writelines(f"{i},{v}\n" for i, v in enumerate(labels, 1))
    return path


def sub_pandas(path, labels):
    import pandas as pd

    pd.DataFrame({"ImageId": np.arange(1, len(labels) + 1), "Label": labels}).to_csv(
        path, index=False)
    return str(path)


def sub_savetxt(path, labels):
    rows = np.column_stack([np.arange(1, len(labels) + 1), labels])
    np.savetxt(path, rows, fmt="%d", delimiter=",", header="ImageId,Label", comments="")
    return path


@pytest.mark.parametrize("fn", [sub_file, sub_pandas, sub_savetxt])
def test_submission_right_answers(fn, capsys):
    ch.check_write_submission(fn)
    assert "✔ write_submission" in capsys.readouterr().out


def sub_pandas_index(path, labels):
    import pandas as pd

    pd.DataFrame({"ImageId": np.arange(1, len(labels) + 1), "Label": labels}).to_csv(path)
    return path


def sub_text(header, start=1, fmt="{i},{v}\n"):
    def fn(path, labels):
        with open(path, "w") as f:
            if header is not None:
                f.write(header)
            f.writelines(fmt.format(i=i, v=v) for i, v in enumerate(labels, start))
        return path
    return fn


@pytest.mark.parametrize("fn, words", [
    (sub_pandas_index, ["index=false"]),
    (sub_text("ImageId,Label\n", start=0), ["starts at 0"]),
    (sub_text(None), ["header line is missing"]),
    (sub_text("Label,ImageId\n", fmt="{v},{i}\n"), ["wrong order"]),
    (sub_text("imageid,label\n"), ["case-sensitive"]),
    (sub_text("ImageId, Label\n"), ["spaces"]),
    (sub_text("ImageId,Label\n", fmt="{i},{v}.0\n"), ["decimals"]),
    (lambda path, labels: sub_file(path, labels[:-1]), ["rows, expected"]),
    (lambda path, labels: sub_file(path, np.sort(labels)), ["not the ones given"]),
    (lambda path, labels: path, ["no file"]),
])
def test_submission_wrong_answers(fn, words):
    fails_with(ch.check_write_submission, fn, *words)


def temp_global_max(z, y):
    """Stabilised with one constant for the whole array: rows far below it underflow."""
    Ts = np.exp(np.linspace(np.log(0.02), np.log(50), 800))

    def f(T):
        s = z.astype(np.float64) / T
        s = s - s.max()
        with np.errstate(divide="ignore", invalid="ignore"):
            return -(s[np.arange(len(y)), y] - np.log(np.exp(s).sum(1))).mean()

    vals = np.array([f(T) for T in Ts])
    return float(Ts[np.nanargmin(vals)]) if np.isfinite(vals).any() else float("nan")


def test_temperature_stabilised_per_array_not_per_row_fails():
    with pytest.raises(CheckFailure):
        ch.check_fit_temperature(temp_global_max)


def test_temperature_narrow_search_range_fails():
    def fn(z, y):
        Ts = np.exp(np.linspace(np.log(0.1), np.log(10), 1000))
        return float(Ts[np.argmin([nll(z, y, T) for T in Ts])])

    fails_with(ch.check_fit_temperature, fn, "bound")


@pytest.mark.parametrize("shift", [1, -1])
def test_ece_with_bins_off_by_one_fails(shift):
    def fn(probs, y, n_bins):
        conf = probs.max(1)
        right = probs.argmax(1) == y
        b = np.clip(np.ceil(conf * n_bins).astype(int) - 1 + shift, 0, n_bins - 1)
        return float(sum((b == k).mean() * abs(right[b == k].mean() - conf[b == k].mean())
                         for k in range(n_bins) if (b == k).any()))

    with pytest.raises(CheckFailure):
        ch.check_ece(fn)


def test_early_stopping_single_epoch_and_late_best():
    def initial_best_one(val_losses, patience):  # starts from epoch 1 as the best
        return es_loop(val_losses, patience, first_best=1)

    with pytest.raises(CheckFailure):
        ch.check_early_stopping(initial_best_one)
    fails_with(ch.check_early_stopping,
               lambda v, p: (lambda s, b: (b, s) if s == len(v) - 1 else (s, b))(*es_loop(v, p)),
               "wrong order")


# -- 8. top confusions ----------------------------------------------------------------------

def top_cm(y_true, y_pred, k):
    c = int(max(y_true.max(), y_pred.max())) + 1
    cm = np.zeros((c, c), int)
    np.add.at(cm, (y_true, y_pred), 1)
    np.fill_diagonal(cm, 0)
    idx = np.argsort(cm, axis=None)[::-1][:k]
    return [(int(i // c), int(i % c), int(cm.flat[i])) for i in idx if cm.flat[i]]


def top_counter(y_true, y_pred, k):
    from collections import Counter

    pairs = Counter((int(t), int(p)) for t, p in zip(y_true, y_pred, strict=True) if t != p)
    return [(t, p, n) for (t, p), n in pairs.most_common(k)]


@pytest.mark.parametrize("fn", [top_cm, top_counter])
def test_top_confusions_right_answers(fn, capsys):
    ch.check_top_confusions(fn)
    assert "✔ top_confusions" in capsys.readouterr().out


def top_with_zeros(y_true, y_pred, k):
    c = int(max(y_true.max(), y_pred.max())) + 1
    cm = np.zeros((c, c), int)
    np.add.at(cm, (y_true, y_pred), 1)
    np.fill_diagonal(cm, 0)
    idx = np.argsort(cm, axis=None)[::-1][:k]
    return [(int(i // c), int(i % c), int(cm.flat[i])) for i in idx]


def top_with_diagonal(y_true, y_pred, k):
    c = int(max(y_true.max(), y_pred.max())) + 1
    cm = np.zeros((c, c), int)
    np.add.at(cm, (y_true, y_pred), 1)
    idx = np.argsort(cm, axis=None)[::-1][:k]
    return [(int(i // c), int(i % c), int(cm.flat[i])) for i in idx]


@pytest.mark.parametrize("fn, words", [
    (top_with_diagonal, ["diagonal"]),
    (lambda t, p, k: [(b, a, n) for a, b, n in top_cm(t, p, k)], ["swapped"]),
    (lambda t, p, k: top_cm(t, p, k)[::-1], ["wrong order"]),
    (lambda t, p, k: top_cm(t, p, k + 1), ["entries returned"]),
    (lambda t, p, k: top_with_zeros(t, p, k), ["count of 0"]),
    (lambda t, p, k: [(a, b, n + 1) for a, b, n in top_cm(t, p, k)], ["expected"]),
    (lambda t, p, k: np.array(top_cm(t, p, k)), ["list"]),
    (lambda t, p, k: [(a, b) for a, b, n in top_cm(t, p, k)], ["three numbers"]),
])
def test_top_confusions_wrong_answers(fn, words):
    fails_with(ch.check_top_confusions, fn, *words)
