"""The topic-05 self-checks: each passes on right answers, lets a stub's NotImplementedError
through, and fails with the right diagnosis on typical wrong answers.

The right and wrong answers are small functions written here, independently of the check
module and of helpers.optim. Each wrong answer is paired with words its diagnosis must
contain, so a check that fails for the wrong reason fails its test.
"""

import math

import numpy as np
import pytest

from helpers.checks import CheckFailure
from helpers.checks import optimisers as ch
from helpers.model import TwoLayerNet
from helpers.train import evaluate, fit


def stub(*args, **kwargs):
    raise NotImplementedError


JUNK = [None, "w", 3, [1.0, 2.0], (np.zeros(2),), {"a": 1}, object(), float("nan"),
        (None, None), (np.zeros(3), "x"), (x for x in range(2))]


# -- 1. momentum, cs231n -------------------------------------------------------------------

def momentum_step(w, dw, v, lr, mu):
    v = mu * v - lr * dw
    return w + v, v


def momentum_step_inplace_copy(w, dw, v, lr, mu):
    v_new = v.copy()
    v_new *= mu
    v_new -= lr * dw
    w_new = w.copy()
    w_new += v_new
    return w_new, v_new


MOMENTUM_WRONG = [
    (lambda w, dw, v, lr, mu: (w + (mu * v + lr * dw), mu * v + lr * dw), ["v = mu v - lr dw"]),
    (lambda w, dw, v, lr, mu: (w + (v - lr * dw), v - lr * dw), ["mu is missing"]),
    (lambda w, dw, v, lr, mu: (w - lr * (mu * v + (1 - mu) * dw), mu * v + (1 - mu) * dw),
     ["t4", "moving-average"]),
    (lambda w, dw, v, lr, mu: (w + mu * (v - lr * dw), mu * (v - lr * dw)), ["mu multiplies"]),
    (lambda w, dw, v, lr, mu: (w + mu * v - (1 - mu) * lr * dw, mu * v - (1 - mu) * lr * dw),
     ["dampening"]),
    (lambda w, dw, v, lr, mu: (w + v, mu * v - lr * dw), ["old velocity"]),
    (lambda w, dw, v, lr, mu: (w - (mu * v - lr * dw), mu * v - lr * dw), ["sign"]),
    (lambda w, dw, v, lr, mu: (w + 1.9 * 0 + mu * (mu * v - lr * dw) - lr * dw, mu * v - lr * dw),
     ["nesterov"]),
    (lambda w, dw, v, lr, mu: (w.copy(), mu * v - lr * dw), ["unchanged"]),
    (lambda w, dw, v, lr, mu: momentum_step(w, dw, v, lr, mu)[::-1], ["wrong order"]),
    (lambda w, dw, v, lr, mu: tuple(a.astype(np.float64) for a in momentum_step(w, dw, v, lr, mu)),
     ["dtype"]),
]


def inplace_momentum(w, dw, v, lr, mu):
    v *= mu
    v -= lr * dw
    w += v
    return w, v


MOMENTUM_WRONG.append((inplace_momentum, ["in place"]))


# -- 2. momentum, T4 -------------------------------------------------------------------------

def ema_step(w, dw, u, lr, beta):
    u = beta * u + (1 - beta) * dw
    return w - lr * u, u


EMA_WRONG = [
    (lambda w, dw, u, lr, b: (w - lr * (b * u + dw), b * u + dw), ["(1 - beta) is missing"]),
    (lambda w, dw, u, lr, b: (w - lr * ((1 - b) * u + b * dw), (1 - b) * u + b * dw), ["swapped"]),
    (lambda w, dw, u, lr, b: (w - lr * (u + (1 - b) * dw), u + (1 - b) * dw), ["not decayed"]),
    (lambda w, dw, u, lr, b: (w + (b * u - lr * dw), b * u - lr * dw), ["cs231n"]),
    (lambda w, dw, u, lr, b: (w - lr * u, b * u + (1 - b) * dw), ["old average"]),
    (lambda w, dw, u, lr, b: (w + lr * (b * u + (1 - b) * dw), b * u + (1 - b) * dw), ["sign"]),
    (lambda w, dw, u, lr, b: (w - lr * dw, b * u + (1 - b) * dw), ["plain gradient step"]),
    (lambda w, dw, u, lr, b: (w - (b * u + (1 - b) * dw), b * u + (1 - b) * dw),
     ["learning rate is missing"]),
]

LR_WRONG = [
    (lambda lr, b: lr / (1 - b), ["effective"]),
    (lambda lr, b: lr * b, ["(1 - beta)"]),
    (lambda lr, b: lr, ["same rate"]),
    (lambda lr, b: lr / b, ["1/beta"]),
    (lambda lr, b: -(1 - b) * lr, ["sign"]),
    (lambda lr, b: 1 - b, ["lr is missing"]),
    (lambda lr, b: lr * (1 + b), ["multiply"]),
    (lambda lr, b: "0.05", ["single number"]),
]


# -- 3. RMSprop ------------------------------------------------------------------------------

def rmsprop_step(w, dw, cache, lr, rho, eps):
    cache = rho * cache + (1 - rho) * dw**2
    return w - lr * dw / (np.sqrt(cache) + eps), cache


def rms(c_fn, step_fn):
    def f(w, dw, cache, lr, rho, eps):
        c = c_fn(w, dw, cache, lr, rho, eps)
        return step_fn(w, dw, cache, c, lr, eps), c
    return f


good_cache = lambda w, dw, c, lr, rho, eps: rho * c + (1 - rho) * dw * dw  # noqa: E731
good_update = lambda w, dw, c_old, c, lr, eps: w - lr * dw / (np.sqrt(c) + eps)  # noqa: E731

RMSPROP_WRONG = [
    (rms(good_cache, lambda w, dw, co, c, lr, eps: w - lr * dw / np.sqrt(c + eps)),
     ["inside the square root"]),
    (rms(lambda w, dw, c, lr, rho, eps: rho * c + dw * dw, good_update), ["(1 - decay_rate)"]),
    (rms(lambda w, dw, c, lr, rho, eps: (1 - rho) * c + rho * dw * dw, good_update),
     ["swapped"]),
    (rms(lambda w, dw, c, lr, rho, eps: rho * c + (1 - rho) * np.sum(dw * dw), good_update),
     ["per parameter", "one number per tensor"]),
    (lambda w, dw, c, lr, rho, eps: (w - lr * dw / (np.sqrt(rho * float(np.mean(c)) + (1 - rho)
     * float(np.sum(dw**2))) + eps), rho * float(np.mean(c)) + (1 - rho) * float(np.sum(dw**2))),
     ["per-tensor instead of per-parameter"]),
    (rms(good_cache, lambda w, dw, co, c, lr, eps: w - lr * dw / (np.sqrt(co) + eps)),
     ["old cache"]),
    (rms(good_cache, lambda w, dw, co, c, lr, eps: w - lr * dw / (c + eps)),
     ["square root is missing"]),
    (rms(lambda w, dw, c, lr, rho, eps: rho * c + (1 - rho) * np.abs(dw), good_update),
     ["squared"]),
    (rms(good_cache, lambda w, dw, co, c, lr, eps: w + lr * dw / (np.sqrt(c) + eps)), ["sign"]),
    (rms(good_cache, lambda w, dw, co, c, lr, eps: w - lr * dw / np.sqrt(c)),
     ["epsilon is left out"]),
]


# -- 4. scalar RMSprop ------------------------------------------------------------------------

def scalar_step(w, dw, g, lr, gamma, eps):
    g = gamma * g + (1 - gamma) * float(np.sum(dw * dw))
    return w - lr / math.sqrt(g + eps) * dw, g


def sc(g_fn, step_fn):
    def f(w, dw, g, lr, gamma, eps):
        gn = g_fn(dw, g, gamma)
        return step_fn(w, dw, g, gn, lr, eps), gn
    return f


good_g = lambda dw, g, gamma: gamma * g + (1 - gamma) * float(np.sum(dw**2))  # noqa: E731
good_s = lambda w, dw, g, gn, lr, eps: w - lr / math.sqrt(gn + eps) * dw  # noqa: E731

SCALAR_WRONG = [
    (sc(good_g, lambda w, dw, g, gn, lr, eps: w - lr / (math.sqrt(gn) + eps) * dw),
     ["outside the square root"]),
    (sc(lambda dw, g, gamma: gamma * g + (1 - gamma) * float(np.mean(dw**2)), good_s),
     ["mean", "sum"]),
    (sc(lambda dw, g, gamma: gamma * g + (1 - gamma) * float(np.linalg.norm(dw)), good_s),
     ["norm"]),
    (sc(lambda dw, g, gamma: gamma * g + float(np.sum(dw**2)), good_s), ["(1 - gamma)"]),
    (sc(lambda dw, g, gamma: (1 - gamma) * g + gamma * float(np.sum(dw**2)), good_s),
     ["swapped"]),
    (sc(good_g, lambda w, dw, g, gn, lr, eps: w - lr / math.sqrt(g + eps) * dw), ["old"]),
    (sc(good_g, lambda w, dw, g, gn, lr, eps: w - lr / (gn + eps) * dw), ["square root"]),
    (lambda w, dw, g, lr, gamma, eps: (w - lr * dw / np.sqrt(gamma * g + (1 - gamma) * dw**2
                                                             + eps), good_g(dw, g, gamma)),
     ["per-parameter"]),
    (lambda w, dw, g, lr, gamma, eps: (w, gamma * g + (1 - gamma) * dw**2),
     ["per-parameter instead of per-tensor"]),
    (sc(good_g, lambda w, dw, g, gn, lr, eps: w + lr / math.sqrt(gn + eps) * dw), ["sign"]),
]


# -- 5. Adam ---------------------------------------------------------------------------------

def adam_step(w, dw, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * dw
    v = b2 * v + (1 - b2) * dw**2
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_variant(c1=lambda b, t: 1 - b**t, c2=lambda b, t: 1 - b**t, eps_in=False,
                 m_fn=None, v_fn=None, store_hat=False, sqrt=True, swap=False, raw=False):
    def f(w, dw, m, v, t, lr, b1, b2, eps):
        if swap:
            b1, b2 = b2, b1
        m = m_fn(m, dw, b1) if m_fn else b1 * m + (1 - b1) * dw
        v = v_fn(v, dw, b2) if v_fn else b2 * v + (1 - b2) * dw**2
        m_hat, v_hat = m / c1(b1, t), v / c2(b2, t)
        den = np.sqrt(v_hat + eps) if eps_in else ((np.sqrt(v_hat) if sqrt else v_hat) + eps)
        w_new = w - lr * (dw if raw else m_hat) / den
        return (w_new, m_hat, v_hat) if store_hat else (w_new, m, v)
    return f


one = lambda b, t: 1.0  # noqa: E731
ADAM_WRONG = [
    (adam_variant(c1=one, c2=one), ["forgot the bias correction"]),
    (adam_variant(c2=one), ["only m"]),
    (adam_variant(c1=one), ["only v"]),
    (adam_variant(c1=lambda b, t: 1 - b ** (t + 1), c2=lambda b, t: 1 - b ** (t + 1)), ["t + 1"]),
    (adam_variant(c1=lambda b, t: 1 - b ** (t - 1), c2=lambda b, t: 1 - b ** (t - 1)),
     ["division by zero", "t = 1"]),
    (adam_variant(eps_in=True), ["inside the square root"]),
    (adam_variant(m_fn=lambda m, dw, b: b * m + dw), ["(1 - beta1)"]),
    (adam_variant(v_fn=lambda v, dw, b: b * v + dw**2), ["(1 - beta2)"]),
    (adam_variant(swap=True), ["swapped"]),
    (adam_variant(store_hat=True), ["raw averages"]),
    (adam_variant(sqrt=False), ["square root is missing"]),
    (adam_variant(v_fn=lambda v, dw, b: b * v + (1 - b) * np.abs(dw)), ["squared gradient"]),
    (adam_variant(raw=True), ["m_hat"]),
    (lambda *a: adam_step(*a)[:2], ["3 values"]),
]


# -- 6. schedule -----------------------------------------------------------------------------

def warmup_cosine(step, total, warmup, lr):
    if step < warmup:
        return lr * (step + 1) / warmup
    return lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / (total - warmup)))


def warmup_cosine_np(step, total, warmup, lr):
    p = np.clip((step - warmup) / (total - warmup), 0, 1)
    return np.float64(np.where(step < warmup, lr * (step + 1) / warmup,
                               lr * (1 + np.cos(np.pi * p)) / 2))


def after_warm(fn):
    return lambda s, T, k, lr: lr * (s + 1) / k if s < k else fn(s, T, k, lr)


SCHEDULE_WRONG = [
    (lambda s, T, k, lr: lr * 0.5 * (1 + math.cos(math.pi * s / T)), ["no warm-up"]),
    (lambda s, T, k, lr: lr * s / k if s < k else warmup_cosine(s, T, k, lr), ["starts at 0"]),
    (after_warm(lambda s, T, k, lr: lr * 0.5 * (1 + math.cos(math.pi * s / T))),
     ["whole of training"]),
    (after_warm(lambda s, T, k, lr: lr * math.cos(math.pi * (s - k) / (T - k))), ["< 0"]),
    (after_warm(lambda s, T, k, lr: lr * 0.5 * (1 - math.cos(math.pi * (s - k) / (T - k)))),
     ["(1 - cos)"]),
    (after_warm(lambda s, T, k, lr: lr * 0.5 * (1 + math.cos(2 * math.pi * (s - k) / (T - k)))),
     ["full period"]),
    (after_warm(lambda s, T, k, lr: lr * (1 - (s - k) / (T - k))), ["linear decay"]),
    (lambda s, T, k, lr: 100 * warmup_cosine(s, T, k, lr), ["100 times"]),
    (lambda s, T, k, lr: [warmup_cosine(s, T, k, lr)], ["single number"]),
]


# -- 7. quadratic ----------------------------------------------------------------------------

def steps_to_converge(H, w0, lr, mu, tol, max_steps):
    w, v = np.array(w0, float), np.zeros(len(w0))
    for k in range(1, max_steps + 1):
        v = mu * v - lr * (H @ w)
        w = w + v
        if np.linalg.norm(w) <= tol * np.linalg.norm(w0):
            return k
    return max_steps


def steps_variant(grad_scale=1.0, keep_v=True, absolute=False, offset=0, loss=False, bound=0):
    def f(H, w0, lr, mu, tol, max_steps):
        w, v = np.array(w0, float), np.zeros(len(w0))
        for k in range(1, max_steps + 1 + bound):
            g = grad_scale * (H @ w)
            v = (mu * v - lr * g) if keep_v else -lr * g
            w = w + v
            size = 0.5 * w @ H @ w if loss else np.linalg.norm(w)
            ref = 0.5 * w0 @ H @ w0 if loss else np.linalg.norm(w0)
            if size <= (tol if absolute else tol * ref):
                return k + offset
        return max_steps
    return f


QUAD_WRONG = [
    (steps_variant(offset=1), ["one step too many"]),
    (steps_variant(offset=-1), ["one step too few"]),
    (steps_variant(absolute=True), ["absolute"]),
    (steps_variant(loss=True), ["loss"]),
    (steps_variant(grad_scale=0.5), ["h w, not h w / 2"]),
    (steps_variant(keep_v=False), ["velocity is not kept"]),
    (steps_variant(bound=1), ["more than max_steps", "runs past max_steps"]),
    (steps_variant(bound=-2), ["= max_steps, although", "stops before step max_steps"]),
    (lambda H, w0, lr, mu, tol, m: -1, ["max_steps"]),
    (lambda H, w0, lr, mu, tol, m: [3], ["single number"]),
]


# -- 8. range test ---------------------------------------------------------------------------

def lr_range_test(net, X, y, lrs, batch_size):
    n = len(X) // batch_size
    out = []
    for i, lr in enumerate(lrs):
        j = i % n
        loss, grads = net.loss(X[j * batch_size:(j + 1) * batch_size],
                               y[j * batch_size:(j + 1) * batch_size])
        for k in net.params:
            net.params[k] -= lr * grads[k]
        out.append(loss)
    return np.array(out)


def range_variant(after=False, fixed=False, sign=-1.0, update=True, reverse=False, same=False,
                  weights_only=False, pairs=False):
    def f(net, X, y, lrs, B):
        lrs = list(lrs)[::-1] if reverse else list(lrs)
        n = len(X) // B
        out = []
        for i, lr in enumerate(lrs):
            j = 0 if same else i % n
            Xb, yb = X[j * B:(j + 1) * B], y[j * B:(j + 1) * B]
            with np.errstate(all="ignore"):
                loss, grads = net.loss(Xb, yb)
                for k in net.params:
                    if update and not (weights_only and k.startswith("b")):
                        net.params[k] += sign * (lrs[0] if fixed else lr) * grads[k]
                if after:
                    loss, _ = net.loss(Xb, yb)
            out.append((lr, loss) if pairs else loss)
        return out if pairs else np.array(out)
    return f


RANGE_WRONG = [
    (range_variant(after=True), ["after the update"]),
    (range_variant(fixed=True), ["lrs[0]"]),
    (range_variant(sign=1.0), ["uphill"]),
    (range_variant(update=False), ["never updated"]),
    (range_variant(reverse=True), ["large to small"]),
    (range_variant(same=True), ["first batch"]),
    (range_variant(weights_only=True), ["biases"]),
    (range_variant(pairs=True), ["pairs"]),
    (lambda net, X, y, lrs, B: lr_range_test(net, X, y, lrs, B)[:-1], ["one loss per rate"]),
]


# -- 9. choosing on validation ---------------------------------------------------------------

def validation_scores(candidates, X, y, X_val, y_val, seed):
    out = {}
    for name, (rule, config) in candidates.items():
        net = TwoLayerNet(X.shape[1], 32, int(y.max()) + 1, rng=np.random.default_rng(seed))
        fit(net, X, y, epochs=1, batch_size=64, update_rule=rule, optim_config=config,
            rng=np.random.default_rng(seed))
        out[name] = evaluate(net, X_val, y_val)[1]
    return out


def scores_variant(on_train=False, percent=False, loss=False, seeds=False, shared=False):
    def f(candidates, X, y, X_val, y_val, seed):
        out = {}
        C = int(y.max()) + 1
        net0 = TwoLayerNet(X.shape[1], 32, C, rng=np.random.default_rng(seed))
        for i, (name, (rule, config)) in enumerate(candidates.items()):
            net = net0 if shared else TwoLayerNet(
                X.shape[1], 32, C, rng=np.random.default_rng(seed + i if seeds else seed))
            fit(net, X, y, epochs=1, batch_size=64, update_rule=rule, optim_config=config,
                rng=np.random.default_rng(seed))
            lo, acc = evaluate(net, X if on_train else X_val, y if on_train else y_val)
            out[name] = lo if loss else (100 * acc if percent else acc)
        return out
    return f


SCORES_WRONG = [
    (scores_variant(on_train=True), ["training accuracies", "validation split"]),
    (scores_variant(percent=True), ["percentages"]),
    (scores_variant(loss=True), ["losses"]),
    (scores_variant(seeds=True), ["same seed"]),
    (scores_variant(shared=True), ["fresh network"]),
    (lambda *a: list(validation_scores(*a).values()), ["dict"]),
    (lambda *a: {k.upper(): v for k, v in validation_scores(*a).items()}, ["keys"]),
    (lambda *a: {k: str(v) for k, v in validation_scores(*a).items()}, ["single number"]),
]


# -- 8b, 9b: reading the experiments -----------------------------------------------------

def choose_lr(lrs, losses):
    finite = np.where(np.isfinite(losses), losses, np.inf)
    return float(lrs[np.argmin(finite)]) / 10


def choose_best(scores):
    return max(scores, key=scores.get)


CHOOSE_LR_WRONG = [
    (lambda lrs, losses: float(lrs[np.argmin(losses)]) / 10, ["first nan"]),
    (lambda lrs, losses: float(lrs[np.nanargmin(np.where(np.isfinite(losses), losses, np.nan))]),
     ["edge of divergence"]),
    (lambda lrs, losses: float(np.nanmin(np.where(np.isfinite(losses), losses, np.nan))),
     ["lowest loss, not a rate"]),
    (lambda lrs, losses: float(lrs[np.isfinite(losses)][-1]), ["past the lowest loss"]),
    (lambda lrs, losses: choose_lr(lrs, losses) / 100, ["far below"]),
    (lambda lrs, losses: float(lrs[0]), ["far below"]),
    (lambda lrs, losses: choose_lr(lrs, losses) * 7, ["too close"]),
    (lambda lrs, losses: float("nan"), ["not a learning rate"]),
    (lambda lrs, losses: -0.01, ["not a learning rate"]),
]

CHOOSE_BEST_WRONG = [
    (lambda s: min(s, key=s.get), ["max, not min"]),
    (lambda s: max(s.values()), ["the score", "name"]),
    (lambda s: int(np.argmax(list(s.values()))), ["index"]),
    (lambda s: sorted(s)[0], ["highest validation accuracy"]),
    (lambda s: max(s), ["score"]),  # the alphabetically last name
    (lambda s: [max(s, key=s.get)], ["expected one of the names"]),
    (lambda s: max(s, key=s.get).upper(), ["expected one of the names"]),
    (lambda s: list(s)[-1], ["highest validation accuracy"]),
]

# --------------------------------------------------------------------------------------------

CHECKS = {
    "momentum": (ch.check_momentum_step, [momentum_step, momentum_step_inplace_copy],
                 MOMENTUM_WRONG),
    "ema": (ch.check_ema_momentum_step, [ema_step], EMA_WRONG),
    "lr": (ch.check_equivalent_lr, [lambda lr, b: (1 - b) * lr, lambda lr, b: lr - b * lr],
           LR_WRONG),
    "rmsprop": (ch.check_rmsprop_step, [rmsprop_step], RMSPROP_WRONG),
    "scalar": (ch.check_scalar_rmsprop_step,
               [scalar_step, lambda w, dw, g, lr, gm, eps: (lambda gn: (
                   w - (lr / float(np.sqrt(gn + eps))) * dw, np.float64(gn)))(
                   gm * g + (1 - gm) * float(np.vdot(dw, dw)))], SCALAR_WRONG),
    "adam": (ch.check_adam_step, [adam_step, adam_variant()], ADAM_WRONG),
    "schedule": (ch.check_warmup_cosine, [warmup_cosine, warmup_cosine_np], SCHEDULE_WRONG),
    "quadratic": (ch.check_steps_to_converge, [steps_to_converge], QUAD_WRONG),
    "range": (ch.check_lr_range_test, [lr_range_test], RANGE_WRONG),
    "scores": (ch.check_validation_scores, [validation_scores], SCORES_WRONG),
    "choose_lr": (ch.check_choose_lr, [choose_lr, lambda lrs, losses: float(
        lrs[np.nanargmin(np.where(np.isfinite(losses), losses, np.nan))]) / 5], CHOOSE_LR_WRONG),
    "choose_best": (ch.check_choose_best, [choose_best, lambda s: sorted(s.items(),
                    key=lambda kv: -kv[1])[0][0]], CHOOSE_BEST_WRONG),
}
CASES = [(k, i) for k, (_, right, _) in CHECKS.items() for i in range(len(right))]
WRONG = [(k, i) for k, (_, _, wrong) in CHECKS.items() for i in range(len(wrong))]


@pytest.mark.parametrize("key, i", CASES)
def test_right_answers_pass(key, i, capsys):
    check, right, _ = CHECKS[key]
    check(right[i])
    assert "✔" in capsys.readouterr().out


@pytest.mark.parametrize("key", list(CHECKS))
def test_stub_not_implemented_passes_through(key):
    with pytest.raises(NotImplementedError):
        CHECKS[key][0](stub)


@pytest.mark.parametrize("key", list(CHECKS))
def test_at_least_eight_wrong_answers_each(key):
    assert len(CHECKS[key][2]) >= 8


@pytest.mark.parametrize("key, i", WRONG)
def test_wrong_answers_are_diagnosed(key, i, assert_diagnosis):
    check, _, wrong = CHECKS[key]
    fn, words = wrong[i]
    assert_diagnosis(check, fn, *words)


@pytest.mark.parametrize("key", list(CHECKS))
@pytest.mark.parametrize("junk", range(len(JUNK)))
def test_no_return_value_crashes_a_check(key, junk):
    value = JUNK[junk]
    with pytest.raises(CheckFailure):
        CHECKS[key][0](lambda *a, **k: value)
    with pytest.raises(CheckFailure):
        CHECKS[key][0](lambda *a, **k: 1 / 0)  # an exception in the student's code
    with pytest.raises(CheckFailure, match="function"):
        CHECKS[key][0](42)  # not a function


# -- the question checks -------------------------------------------------------------------

def test_condition_number_answer(capsys):
    ch.check_answer_condition_number(lambda: "a")
    ch.check_answer_condition_number(lambda: " A ")
    assert capsys.readouterr().out.count("✔") == 2
    for wrong, word in [("b", "sqrt(kappa)"), ("c", "like kappa itself"), ("d", "kappa^2"),
                        ("e", "more steps")]:
        with pytest.raises(CheckFailure) as info:
            ch.check_answer_condition_number(lambda w=wrong: w)
        assert word in " ".join(str(info.value).split())
    for junk in (None, 1, "z", ["a"]):
        with pytest.raises(CheckFailure, match="letters|return"):
            ch.check_answer_condition_number(lambda j=junk: j)
    with pytest.raises(NotImplementedError):
        ch.check_answer_condition_number(stub)


def test_reference_range_test_matches_an_independent_loop():
    new_net, X, y = ch._range_problem(5)
    lrs = np.geomspace(1e-3, 1.0, 6)
    np.testing.assert_allclose(ch.reference_lr_range_test(new_net(), X, y, lrs, 32),
                               lr_range_test(new_net(), X, y, lrs, 32), rtol=1e-6)
