"""Self-checks for the topic-05 exercises (notebooks/05-optimisers/3-exercises).

One ``check_...`` per exercise. Each calls the student's function on several inputs,
compares with a reference computed here in float64 (never with the student's other
functions, nor with helpers.optim), prints one pass line, or raises
:class:`~helpers.checks.CheckFailure` naming the likely mistake. A ``NotImplementedError``
from an unfinished stub propagates unchanged.

The update-rule exercises are *functional*: ``step(w, dw, state..., hyper-parameters)``
returns the new parameters and the new state as new arrays, and leaves its inputs alone
(``helpers.optim`` does the same in place, for speed). Shapes: ``w``, ``dw`` and every
per-parameter state have one shape; the tutorials' scalar accumulator is one float.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from helpers.checks import Check, CheckFailure, as_float_array, describe_difference, tolerances

__all__ = [
    "check_momentum_step",
    "check_ema_momentum_step",
    "check_equivalent_lr",
    "check_rmsprop_step",
    "check_scalar_rmsprop_step",
    "check_adam_step",
    "check_warmup_cosine",
    "check_steps_to_converge",
    "check_answer_condition_number",
    "check_lr_range_test",
    "check_choose_lr",
    "check_validation_scores",
    "check_choose_best",
    "reference_lr_range_test",
]


# --------------------------------------------------------------------------------------
# Shared machinery of the step checks
# --------------------------------------------------------------------------------------


def _concat(values) -> np.ndarray:
    return np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in values])


def _step_check(
    name: str,
    fn: Callable,
    cases: Sequence[tuple[str, tuple, type]],
    reference: Callable[[tuple, str], tuple],
    variants: Sequence[tuple[str, str]],
    names: Sequence[str],
    finite_hint: str,
    scalar: Sequence[bool] = (),
    pre: Callable[[tuple, tuple], None] | None = None,
) -> None:
    """Run a functional update rule on ``cases`` and compare all its outputs.

    reference(args, variant) -> the outputs in float64 ("" is the right answer, each
    variant a typical mistake whose diagnosis ``variants`` gives). ``scalar[i]``: output i
    is one number (else an array of the reference's shape and the input's dtype).
    ``pre(args, values)``: extra checks of the returned values before the comparison.
    """
    __tracebackhide__ = True
    scalar = tuple(scalar) or (False,) * len(names)
    what = "(" + ", ".join(names) + ")"
    check = Check(name, total=len(cases))
    for description, args, dtype in cases:
        with check.case(description):
            got = check.call(fn, *args)
            values = check.values(got, len(names), ", ".join(names))
            want = reference(args, "")
            if pre is not None:
                pre(args, values)
            clean = []
            for value, ref, is_scalar, label in zip(values, want, scalar, names, strict=True):
                label = f"the returned {label}"
                if is_scalar:
                    clean.append(np.asarray(check.number(value, label)))
                else:
                    arr = check.array(value, shape=np.shape(ref), dtype=dtype, what=label)
                    check.finite(arr, finite_hint, what=label)
                    clean.append(as_float_array(arr, label))
                if not np.isfinite(clean[-1]).all():
                    raise CheckFailure(f"{label} is {float(clean[-1])}.\n  Likely mistake: "
                                       f"{finite_hint}")
            got_v, want_v = _concat(clean), _concat(want)
            rtol, atol = tolerances(dtype)
            if np.allclose(got_v, want_v, rtol=rtol, atol=atol * max(1.0, np.abs(want_v).max())):
                continue
            loose = max(rtol, 1e-5)  # for the order of the returned values
            for variant, diagnosis in variants:
                with np.errstate(all="ignore"):
                    cand = _concat(reference(args, variant))
                if cand.shape != got_v.shape or not np.isfinite(cand).all():
                    continue
                scale = atol * max(1.0, np.abs(cand).max())
                if np.allclose(cand, want_v, rtol=rtol, atol=scale):
                    continue  # this variant is right on this case: no evidence
                if np.allclose(got_v, cand, rtol=rtol, atol=scale):
                    raise CheckFailure(f"{what} is wrong.\n  Likely mistake: {diagnosis}")
            if len(names) > 1:
                flipped = _concat(reversed(clean)) if len(names) == 2 else None
                if flipped is not None and np.allclose(flipped, want_v, rtol=loose, atol=1e-9):
                    raise CheckFailure(
                        f"{what} is wrong.\n  Likely mistake: the values are returned in the "
                        f"wrong order; return {what}.")
            for value, ref, label in zip(clean, want, names, strict=True):
                ref = np.asarray(ref, dtype=np.float64)
                if not np.allclose(value, ref, rtol=rtol, atol=atol * max(1.0, np.abs(ref).max())):
                    raise CheckFailure(
                        f"the returned {label} is wrong: "
                        f"{describe_difference(value, ref, rtol=max(rtol, 1e-6), atol=atol)}")
    check.passed()


def _random_case(rng, shape, dtype, positive_state=0):
    w = rng.standard_normal(shape)
    # gradients whose coordinates differ in scale (1e-2 to 1e1), so that per-tensor and
    # per-parameter normalisations give very different answers
    dw = rng.standard_normal(shape) * np.geomspace(1e-2, 10.0, int(np.prod(shape))).reshape(shape)
    states = [np.abs(rng.standard_normal(shape)) * 0.5 + 0.05 if positive_state > i
              else rng.standard_normal(shape) for i in range(2)]
    return [a.astype(dtype) for a in (w, dw, *states)]


def _velocity_cases(rng, specs, decay: str, state: str) -> list:
    """The cases ``(description, (w, dw, state, lr, decay), dtype)`` of a one-state update
    rule, one per ``(shape, dtype, lr, decay)`` of ``specs``, the state nonzero."""
    cases = []
    for shape, dtype, lr, d in specs:
        w, dw, v, _ = _random_case(rng, shape, dtype)
        cases.append((f"w {shape} {np.dtype(dtype).name}, lr {lr}, {decay} {d}, nonzero {state}",
                      (w, dw, v, lr, d), dtype))
    return cases


# --------------------------------------------------------------------------------------
# Exercise 1: momentum, cs231n's form
# --------------------------------------------------------------------------------------


def _momentum_ref(args, variant):
    w, dw, v, lr, mu = args
    w, dw, v = (np.asarray(a, dtype=np.float64) for a in (w, dw, v))
    if variant == "plus":
        v_new = mu * v + lr * dw
    elif variant == "no_mu":
        v_new = v - lr * dw
    elif variant == "ema":
        v_new = mu * v + (1 - mu) * dw
        return w - lr * v_new, v_new
    elif variant == "mu_all":
        v_new = mu * (v - lr * dw)
    elif variant == "damp":
        v_new = mu * v - (1 - mu) * lr * dw
    else:
        v_new = mu * v - lr * dw
    if variant == "old_v":
        return w + v, v_new
    if variant == "w_minus":
        return w - v_new, v_new
    if variant == "nesterov":
        return w + mu * v_new - lr * dw, v_new
    if variant == "no_w":
        return w, v_new
    return w + v_new, v_new


_MOMENTUM_MISTAKES = [
    ("plus", "the velocity adds the gradient (v = mu v + lr dw): in cs231n's form the "
     "velocity is v = mu v - lr dw, then w = w + v, so the step goes downhill."),
    ("no_mu", "mu is missing: v = v - lr dw keeps every past gradient forever; the old "
     "velocity decays, v = mu v - lr dw."),
    ("ema", "that is T4's moving-average form (v = mu v + (1 - mu) dw, w -= lr v); this "
     "exercise is cs231n's form, v = mu v - lr dw, w = w + v."),
    ("mu_all", "mu multiplies the gradient term too (v = mu (v - lr dw)); only the old "
     "velocity decays: v = mu v - lr dw."),
    ("damp", "a factor (1 - mu) on the gradient (dampening): cs231n's form has none, "
     "v = mu v - lr dw."),
    ("old_v", "w was moved with the old velocity; compute the new v first, then w = w + v_new."),
    ("w_minus", "w = w - v: the sign of the parameter update; with v = mu v - lr dw the "
     "velocity already points downhill, so w = w + v."),
    ("nesterov", "that is Nesterov's update (w += mu v - lr dw); plain momentum is w = w + v."),
    ("no_w", "w is returned unchanged: apply the step, w_new = w + v_new."),
]


def check_momentum_step(momentum_step) -> None:
    """Exercise 1: ``momentum_step(w, dw, v, lr, mu)`` -> ``(w_new, v_new)`` with
    ``v_new = mu v - lr dw`` and ``w_new = w + v_new`` (new arrays, inputs unchanged)."""
    __tracebackhide__ = True
    cases = _velocity_cases(
        np.random.default_rng(51),
        [((5,), np.float64, 0.1, 0.9), ((3, 4), np.float64, 0.05, 0.5),
         ((4, 3), np.float32, 0.2, 0.8)],
        decay="mu", state="v",
    )
    _step_check("momentum_step", momentum_step, cases, _momentum_ref, _MOMENTUM_MISTAKES,
                ("w_new", "v_new"), "a division or an overflow? momentum only adds and scales.")


# --------------------------------------------------------------------------------------
# Exercise 2: momentum, T4's moving-average form, and the rate that makes them coincide
# --------------------------------------------------------------------------------------


def _ema_ref(args, variant):
    w, dw, u, lr, beta = args
    w, dw, u = (np.asarray(a, dtype=np.float64) for a in (w, dw, u))
    if variant == "no_one_minus":
        u_new = beta * u + dw
    elif variant == "swapped":
        u_new = (1 - beta) * u + beta * dw
    elif variant == "no_beta":
        u_new = u + (1 - beta) * dw
    elif variant == "cs231n":
        u_new = beta * u - lr * dw
        return w + u_new, u_new
    else:
        u_new = beta * u + (1 - beta) * dw
    if variant == "old_u":
        return w - lr * u, u_new
    if variant == "plus":
        return w + lr * u_new, u_new
    if variant == "grad_step":
        return w - lr * dw, u_new
    if variant == "no_lr":
        return w - u_new, u_new
    return w - lr * u_new, u_new


_EMA_MISTAKES = [
    ("no_one_minus", "(1 - beta) is missing: u = beta u + dw is a moving *sum*, about "
     "1/(1 - beta) times too large; the average is u = beta u + (1 - beta) dw."),
    ("swapped", "beta and (1 - beta) are swapped: the old average keeps the weight beta, "
     "u = beta u + (1 - beta) dw."),
    ("no_beta", "the old average is not decayed (u = u + (1 - beta) dw); multiply it by beta."),
    ("cs231n", "that is cs231n's form (v = mu v - lr dw, w += v); T4 averages the gradients "
     "and scales afterwards: u = beta u + (1 - beta) dw, w = w - lr u."),
    ("old_u", "w was moved with the old average; update u first, then w = w - lr u_new."),
    ("plus", "w = w + lr u: the sign; the average points uphill like the gradient, so "
     "w = w - lr u_new."),
    ("grad_step", "w took a plain gradient step (w - lr dw): the step uses the average, "
     "w = w - lr u_new."),
    ("no_lr", "the learning rate is missing from the step: w = w - lr u_new."),
]


def check_ema_momentum_step(ema_momentum_step) -> None:
    """Exercise 2a: ``ema_momentum_step(w, dw, u, lr, beta)`` -> ``(w_new, u_new)`` with
    ``u_new = beta u + (1 - beta) dw`` and ``w_new = w - lr u_new``."""
    __tracebackhide__ = True
    cases = _velocity_cases(
        np.random.default_rng(52),
        [((6,), np.float64, 0.5, 0.9), ((2, 5), np.float64, 0.3, 0.6),
         ((3, 3), np.float32, 0.5, 0.7)],
        decay="beta", state="u",
    )
    _step_check("ema_momentum_step", ema_momentum_step, cases, _ema_ref, _EMA_MISTAKES,
                ("w_new", "u_new"), "a division or an overflow? the average only adds and scales.")


def check_equivalent_lr(equivalent_lr) -> None:
    """Exercise 2b: ``equivalent_lr(lr, beta)`` -> the cs231n learning rate with which
    ``momentum_step(..., mu=beta)`` takes exactly the steps of ``ema_momentum_step(..., lr,
    beta)`` from zero state: ``(1 - beta) * lr``."""
    __tracebackhide__ = True
    cases = [(0.5, 0.9), (0.1, 0.5), (2.0, 0.99)]
    check = Check("equivalent_lr", total=len(cases))
    for lr, beta in cases:
        with check.case(f"lr {lr}, beta {beta}"):
            value = check.number(check.call(equivalent_lr, lr, beta), "the learning rate")
            want = (1 - beta) * lr
            if math.isclose(value, want, rel_tol=1e-9):
                continue
            for cand, why in [
                (lr / (1 - beta), "that is lr / (1 - beta), the *effective* step of momentum "
                 "along a constant gradient; the rates that coincide are eta = (1 - beta) lr: "
                 "multiply T4's recursion by -lr and compare."),
                (lr * beta, "lr * beta: the factor is (1 - beta), the weight of the new "
                 "gradient in T4's average."),
                (lr, "the same rate: T4's average carries a factor (1 - beta) that cs231n's "
                 "velocity does not, so cs231n needs eta = (1 - beta) lr."),
                (lr / beta, "lr / beta: the factor is (1 - beta), not 1/beta."),
                (-(1 - beta) * lr, "the sign: a learning rate is positive; the velocities "
                 "differ by the factor -lr, the rates by (1 - beta)."),
                (1 - beta, "the rate is (1 - beta) times lr: lr is missing."),
            ]:
                if not math.isclose(cand, want, rel_tol=1e-9) and math.isclose(
                        value, cand, rel_tol=1e-9):
                    raise CheckFailure(f"{value:.6g} is wrong (expected {want:.6g}).\n"
                                       f"  Likely mistake: {why}")
            raise CheckFailure(f"{value:.6g} is wrong (expected {want:.6g}). Multiply "
                               "u = beta u + (1 - beta) dw by -lr and read off cs231n's eta.")
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 3: RMSprop, per parameter
# --------------------------------------------------------------------------------------


def _rmsprop_ref(args, variant):
    w, dw, cache, lr, rho, eps = args
    w, dw, cache = (np.asarray(a, dtype=np.float64) for a in (w, dw, cache))
    g2 = np.abs(dw) if variant == "abs" else dw * dw
    if variant == "no_one_minus":
        c = rho * cache + g2
    elif variant == "swapped":
        c = (1 - rho) * cache + rho * g2
    elif variant == "per_tensor":
        c = rho * cache + (1 - rho) * np.sum(dw * dw)  # broadcast: one number per tensor
    else:
        c = rho * cache + (1 - rho) * g2
    used = cache if variant == "old_cache" else c
    if variant == "eps_inside":
        step = dw / np.sqrt(used + eps)
    elif variant == "no_sqrt":
        step = dw / (used + eps)
    elif variant == "no_eps":
        step = dw / np.sqrt(used)
    else:
        step = dw / (np.sqrt(used) + eps)
    if variant == "plus":
        return w + lr * step, c
    return w - lr * step, c


_RMSPROP_MISTAKES = [
    ("eps_inside", "epsilon is inside the square root (sqrt(cache + eps)); Hinton's RMSprop "
     "and PyTorch add it outside: dw / (sqrt(cache) + eps). (Inside is the tutorials' "
     "scalar variant.)"),
    ("no_one_minus", "(1 - decay_rate) is missing: cache = decay cache + dw**2 is a moving "
     "sum; the mean is decay cache + (1 - decay) dw**2."),
    ("swapped", "decay_rate and (1 - decay_rate) are swapped: the old cache keeps the weight "
     "decay_rate."),
    ("per_tensor", "one number per tensor (the sum of all squared gradients), as the "
     "tutorials do; Hinton's RMSprop keeps one running mean per parameter: dw * dw, "
     "elementwise."),
    ("old_cache", "the step used the old cache; update the cache first, then divide by "
     "the square root of the new one."),
    ("no_sqrt", "the square root is missing: divide by sqrt(cache) + eps, the root mean "
     "square of the gradient."),
    ("abs", "the cache averages |dw|; RMSprop averages the *squared* gradient, dw * dw."),
    ("plus", "w = w + ...: the sign; the step goes against the gradient."),
    ("no_eps", "epsilon is left out: add it to sqrt(cache) (it guards the division)."),
]


def _rmsprop_pre(args, values):
    __tracebackhide__ = True
    cache = values[1]
    if np.ndim(cache) == 0 or np.size(cache) == 1:
        raise CheckFailure(
            "the returned cache is one number, expected an array of w's shape "
            f"{np.shape(args[0])}.\n  Likely mistake: per-tensor instead of per-parameter: "
            "the tutorials keep one accumulator per tensor; Hinton's RMSprop keeps one "
            "running mean of dw**2 for every parameter.")


def check_rmsprop_step(rmsprop_step) -> None:
    """Exercise 3: ``rmsprop_step(w, dw, cache, lr, decay_rate, eps)`` -> ``(w_new,
    cache_new)`` with ``cache_new = decay cache + (1 - decay) dw**2`` (elementwise) and
    ``w_new = w - lr dw / (sqrt(cache_new) + eps)``."""
    __tracebackhide__ = True
    rng = np.random.default_rng(53)
    cases = []
    for shape, dtype, lr, rho, eps in [((6,), np.float64, 0.01, 0.9, 0.1),
                                       ((3, 4), np.float64, 0.1, 0.5, 0.05),
                                       ((4, 2), np.float32, 0.01, 0.99, 1e-2)]:
        w, dw, cache, _ = _random_case(rng, shape, dtype, positive_state=1)
        cases.append((f"w {shape} {np.dtype(dtype).name}, lr {lr}, decay {rho}, eps {eps}, "
                      "cache > 0", (w, dw, cache, lr, rho, eps), dtype))
    _step_check("rmsprop_step", rmsprop_step, cases, _rmsprop_ref, _RMSPROP_MISTAKES,
                ("w_new", "cache_new"),
                "a division by zero or a square root of a negative number? the cache must "
                "stay >= 0 (average dw * dw), and eps guards the division.",
                pre=_rmsprop_pre)


# --------------------------------------------------------------------------------------
# Exercise 4: the tutorials' scalar "RMSprop"
# --------------------------------------------------------------------------------------


def _scalar_ref(args, variant):
    w, dw, g, lr, gamma, eps = args
    w, dw = np.asarray(w, dtype=np.float64), np.asarray(dw, dtype=np.float64)
    sq = float(np.sum(dw * dw))
    if variant == "mean":
        sq = float(np.mean(dw * dw))
    elif variant == "norm":
        sq = math.sqrt(sq)
    if variant == "no_one_minus":
        g_new = gamma * g + sq
    elif variant == "swapped":
        g_new = (1 - gamma) * g + gamma * sq
    else:
        g_new = gamma * g + (1 - gamma) * sq
    used = g if variant == "old_g" else g_new
    if variant == "eps_outside":
        return w - lr / (math.sqrt(used) + eps) * dw, g_new
    if variant == "no_sqrt":
        return w - lr / (used + eps) * dw, g_new
    if variant == "per_param":
        c = gamma * g + (1 - gamma) * dw * dw
        return w - lr * dw / np.sqrt(c + eps), g_new
    if variant == "plus":
        return w + lr / math.sqrt(used + eps) * dw, g_new
    return w - lr / math.sqrt(used + eps) * dw, g_new


_SCALAR_MISTAKES = [
    ("eps_outside", "epsilon is outside the square root; the tutorials write "
     "eta / sqrt(g + eps), eps inside."),
    ("mean", "the mean of dw**2; the tutorials accumulate the *sum* of the squared "
     "gradient entries, np.sum(dw**2) (the squared norm)."),
    ("norm", "the norm sqrt(sum(dw**2)); the accumulator averages the squared norm, "
     "sum(dw**2), without a root."),
    ("no_one_minus", "(1 - gamma) is missing: g = gamma g + (1 - gamma) sum(dw**2)."),
    ("swapped", "gamma and (1 - gamma) are swapped: the old g keeps the weight gamma."),
    ("old_g", "the step used the old accumulator; update g first, then divide by "
     "sqrt(g_new + eps)."),
    ("no_sqrt", "the square root is missing: eta / sqrt(g + eps)."),
    ("per_param", "per-parameter normalisation (dw / sqrt(cache + eps) elementwise): the "
     "tutorials' variant divides the whole gradient by one number, so the direction stays "
     "the gradient's."),
    ("plus", "w = w + ...: the sign; the step goes against the gradient."),
]


def _scalar_pre(args, values):
    __tracebackhide__ = True
    g = values[1]
    if isinstance(g, np.ndarray) and g.size > 1:
        raise CheckFailure(
            f"the returned g is an array of shape {g.shape}, expected one number.\n  Likely "
            "mistake: per-parameter instead of per-tensor: the tutorials' accumulator is one "
            "scalar for the whole tensor, g = gamma g + (1 - gamma) * np.sum(dw**2).")


def check_scalar_rmsprop_step(scalar_rmsprop_step) -> None:
    """Exercise 4: ``scalar_rmsprop_step(w, dw, g, lr, gamma, eps)`` -> ``(w_new, g_new)``,
    g a float: ``g_new = gamma g + (1 - gamma) sum(dw**2)``, ``w_new = w - lr / sqrt(g_new +
    eps) * dw``."""
    __tracebackhide__ = True
    rng = np.random.default_rng(54)
    cases = []
    for shape, dtype, g, lr, gamma, eps in [((6,), np.float64, 1.0, 0.5, 0.99, 1e-3),
                                            ((3, 4), np.float64, 0.3, 0.1, 0.5, 0.5),
                                            ((5, 2), np.float32, 2.0, 0.5, 0.9, 0.1)]:
        w, dw, _, _ = _random_case(rng, shape, dtype)
        cases.append((f"w {shape} {np.dtype(dtype).name}, g {g}, lr {lr}, gamma {gamma}, "
                      f"eps {eps}", (w, dw, g, lr, gamma, eps), dtype))
    _step_check("scalar_rmsprop_step", scalar_rmsprop_step, cases, _scalar_ref,
                _SCALAR_MISTAKES, ("w_new", "g_new"),
                "a square root of a negative number or a division by zero? g + eps > 0.",
                scalar=(False, True), pre=_scalar_pre)


# --------------------------------------------------------------------------------------
# Exercise 5: Adam with bias correction
# --------------------------------------------------------------------------------------


def _adam_ref(args, variant):
    w, dw, m, v, t, lr, b1, b2, eps = args
    w, dw, m, v = (np.asarray(a, dtype=np.float64) for a in (w, dw, m, v))
    if variant == "swap_betas":
        b1, b2 = b2, b1
    m_new = (b1 * m + dw) if variant == "m_no_one_minus" else b1 * m + (1 - b1) * dw
    v_new = (b2 * v + dw * dw) if variant == "v_no_one_minus" else b2 * v + (1 - b2) * dw * dw
    if variant == "v_abs":
        v_new = b2 * v + (1 - b2) * np.abs(dw)
    tt = {"t_plus": t + 1, "t_minus": t - 1}.get(variant, t)
    c1 = 1.0 if variant in ("no_correction", "only_v") else 1 - b1**tt
    c2 = 1.0 if variant in ("no_correction", "only_m") else 1 - b2**tt
    m_hat, v_hat = m_new / c1, v_new / c2
    if variant == "eps_inside":
        w_new = w - lr * m_hat / np.sqrt(v_hat + eps)
    elif variant == "no_sqrt":
        w_new = w - lr * m_hat / (v_hat + eps)
    elif variant == "grad_top":
        w_new = w - lr * dw / (np.sqrt(v_hat) + eps)
    else:
        w_new = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    if variant == "store_hat":
        return w_new, m_hat, v_hat
    return w_new, m_new, v_new


_ADAM_MISTAKES = [
    ("no_correction", "forgot the bias correction: m and v start at 0, so divide them by "
     "(1 - beta1**t) and (1 - beta2**t) before the step."),
    ("only_m", "only m is bias-corrected; v needs v / (1 - beta2**t) as well."),
    ("only_v", "only v is bias-corrected; m needs m / (1 - beta1**t) as well."),
    ("t_plus", "the corrections use t + 1: t is already the number of this step (1 on the "
     "first call), so use beta**t."),
    ("t_minus", "the corrections use t - 1: t counts from 1 (the first step has t = 1), "
     "use beta**t."),
    ("eps_inside", "epsilon is inside the square root; Adam adds it outside: "
     "m_hat / (sqrt(v_hat) + eps)."),
    ("m_no_one_minus", "(1 - beta1) is missing in m: m = beta1 m + (1 - beta1) dw."),
    ("v_no_one_minus", "(1 - beta2) is missing in v: v = beta2 v + (1 - beta2) dw**2."),
    ("swap_betas", "beta1 and beta2 are swapped: beta1 (0.9) averages the gradient, beta2 "
     "(0.999) its square."),
    ("store_hat", "the bias-corrected m_hat and v_hat were returned as the state; keep the "
     "raw averages m and v (the correction is applied afresh at every step)."),
    ("no_sqrt", "the square root is missing: divide by sqrt(v_hat) + eps."),
    ("v_abs", "v averages |dw|; Adam's second moment is the squared gradient, dw * dw."),
    ("grad_top", "the step divides the raw gradient dw; Adam steps along the average "
     "m_hat."),
]


def check_adam_step(adam_step) -> None:
    """Exercise 5: ``adam_step(w, dw, m, v, t, lr, beta1, beta2, eps)`` -> ``(w_new, m_new,
    v_new)``; t is the number of this step, 1 on the first call."""
    __tracebackhide__ = True
    rng = np.random.default_rng(55)
    cases = []
    for shape, dtype, t, lr, b1, b2, eps, zero in [
            ((6,), np.float64, 1, 0.1, 0.9, 0.999, 1e-8, True),
            ((3, 4), np.float64, 3, 0.01, 0.9, 0.99, 1e-3, False),
            ((4, 2), np.float64, 20, 0.05, 0.8, 0.95, 1e-2, False),
            ((2, 3), np.float32, 2, 0.1, 0.9, 0.999, 1e-3, False)]:
        w, dw, v, m = _random_case(rng, shape, dtype, positive_state=1)
        if zero:
            m, v = np.zeros_like(w), np.zeros_like(w)
        cases.append((f"w {shape} {np.dtype(dtype).name}, t={t}, lr {lr}, betas ({b1}, {b2}), "
                      f"eps {eps}" + (", m = v = 0" if zero else ""),
                      (w, dw, m, v, t, lr, b1, b2, eps), dtype))
    _step_check("adam_step", adam_step, cases, _adam_ref, _ADAM_MISTAKES,
                ("w_new", "m_new", "v_new"),
                "a division by zero: at t = 1, 1 - beta**(t - 1) = 0 (is t counted from 1?), "
                "or sqrt of a negative v?")


# --------------------------------------------------------------------------------------
# Exercise 6: a schedule, linear warm-up then cosine
# --------------------------------------------------------------------------------------


def _schedule_ref(step, total, warmup, lr, variant=""):
    if variant == "no_warmup":
        return lr * 0.5 * (1 + math.cos(math.pi * step / total))
    if step < warmup and variant != "warmup_forever":
        return lr * (step if variant == "warm_from_zero" else step + 1) / warmup
    if variant == "warmup_forever":
        if step < warmup:
            return lr * (step + 1) / warmup
    p = (step - warmup) / (total - warmup)
    if variant == "not_shifted":
        p = step / total
    if variant == "no_half":
        return lr * math.cos(math.pi * p)
    if variant == "one_minus":
        return lr * 0.5 * (1 - math.cos(math.pi * p))
    if variant == "full_period":
        return lr * 0.5 * (1 + math.cos(2 * math.pi * p))
    if variant == "linear":
        return lr * (1 - p)
    return lr * 0.5 * (1 + math.cos(math.pi * p))


_SCHEDULE_MISTAKES = [
    ("no_warmup", "no warm-up: for step < warmup the rate grows linearly, "
     "lr * (step + 1) / warmup."),
    ("warm_from_zero", "the warm-up starts at 0 (lr * step / warmup): the first step would "
     "not move at all; use (step + 1) / warmup, which reaches lr at the last warm-up step."),
    ("not_shifted", "the cosine runs over the whole of training (step / total); after the "
     "warm-up it runs over the remaining steps: (step - warmup) / (total - warmup)."),
    ("no_half", "cos(pi p) alone goes from lr to -lr; the cosine schedule is "
     "lr * (1 + cos(pi p)) / 2."),
    ("one_minus", "(1 - cos): that rises from 0 to lr; the schedule decays, (1 + cos(pi p)) / 2."),
    ("full_period", "a full period (cos(2 pi p)) comes back up to lr at the end; use half a "
     "period, cos(pi p)."),
    ("linear", "a linear decay (1 - p); the schedule asked for is the cosine, "
     "(1 + cos(pi p)) / 2."),
]


def check_warmup_cosine(warmup_cosine) -> None:
    """Exercise 6: ``warmup_cosine(step, total, warmup, lr)`` -> the rate of step ``step``
    (0-based): ``lr (step + 1) / warmup`` while ``step < warmup``, then ``lr (1 + cos(pi
    (step - warmup) / (total - warmup))) / 2``."""
    __tracebackhide__ = True
    cases = [(100, 10, 0.1), (1000, 100, 3e-3), (50, 5, 1.0)]
    check = Check("warmup_cosine", total=len(cases))
    for total, warmup, lr in cases:
        steps = sorted({0, 1, warmup - 1, warmup, warmup + 1, total // 2, (3 * total) // 4,
                        total - 1})
        with check.case(f"total {total}, warmup {warmup}, lr {lr}, steps {steps}"):
            got = []
            for s in steps:
                got.append(check.number(check.call(warmup_cosine, s, total, warmup, lr),
                                        f"the rate at step {s}"))
            got = np.array(got)
            want = np.array([_schedule_ref(s, total, warmup, lr) for s in steps])
            if np.allclose(got, want, rtol=1e-9, atol=1e-15):
                continue
            if got.min() < -1e-12:
                first = steps[int(np.argmax(got < -1e-12))]
                hint = ("cos(pi p) alone goes negative; use (1 + cos(pi p)) / 2."
                        if np.allclose(got, [_schedule_ref(s, total, warmup, lr, "no_half")
                                             for s in steps]) else
                        "a learning rate is never negative.")
                raise CheckFailure(f"the rate at step {first} is {got.min():.4g} < 0.\n  "
                                   f"Likely mistake: {hint}")
            for variant, why in _SCHEDULE_MISTAKES:
                cand = np.array([_schedule_ref(s, total, warmup, lr, variant) for s in steps])
                if not np.allclose(cand, want) and np.allclose(got, cand, rtol=1e-9,
                                                               atol=1e-15):
                    raise CheckFailure(f"the rates are wrong.\n  Likely mistake: {why}")
            if np.allclose(got, 100 * want):
                raise CheckFailure("the rates are 100 times too large: lr is a rate, not a "
                                   "percentage.")
            bad = int(np.argmax(~np.isclose(got, want, rtol=1e-9, atol=1e-15)))
            raise CheckFailure(f"the rate at step {steps[bad]} is {got[bad]:.6g}, expected "
                               f"{want[bad]:.6g}.")
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 7: the quadratic and its condition number
# --------------------------------------------------------------------------------------


def _steps_ref(H, w0, lr, mu, tol, max_steps, variant=""):
    with np.errstate(all="ignore"):  # some variants diverge
        return _steps_loop(H, w0, lr, mu, tol, max_steps, variant)


def _steps_loop(H, w0, lr, mu, tol, max_steps, variant):
    H = np.asarray(H, dtype=np.float64)
    w = np.array(w0, dtype=np.float64)
    v = np.zeros_like(w)
    start = np.linalg.norm(w)
    for k in range(1, max_steps + 1):
        g = 0.5 * H @ w if variant == "half_grad" else H @ w
        if variant == "no_momentum":
            v = -lr * g
        else:
            v = mu * v - lr * g
        w = w + v
        if variant == "before":
            if np.linalg.norm(w) <= tol * start:
                return k - 1
        size = 0.5 * w @ H @ w if variant == "loss" else np.linalg.norm(w)
        limit = tol if variant == "absolute" else tol * (0.5 * w0 @ H @ w0 if variant == "loss"
                                                        else start)
        if size <= limit:
            return k + 1 if variant == "plus_one" else k
    return max_steps


def check_steps_to_converge(steps_to_converge) -> None:
    """Exercise 7: ``steps_to_converge(H, w0, lr, mu, tol, max_steps)`` -> the number k of
    momentum steps (cs231n's form, v0 = 0; mu = 0 is gradient descent) on f(w) = 1/2 w.H.w
    after which ``|w_k| <= tol |w0|`` for the first time, or ``max_steps``."""
    __tracebackhide__ = True
    rng = np.random.default_rng(57)
    cases = []
    for kappa, lr, mu, w0 in [(10.0, 2 / 11, 0.0, [3.0, 1.0]), (50.0, 0.02, 0.0, [1.0, 1.0]),
                              (100.0, 4 / 121, ((10 - 1) / (10 + 1)) ** 2, [1.0, -2.0]),
                              (20.0, 0.01, 0.5, [0.5, 2.0])]:
        Q, _ = np.linalg.qr(rng.standard_normal((2, 2)))
        H = Q @ np.diag([1.0, kappa]) @ Q.T
        cases.append((kappa, lr, mu, np.array(w0), (H + H.T) / 2))
    check = Check("steps_to_converge", total=len(cases) + 2)
    tol, max_steps = 1e-4, 5000
    for kappa, lr, mu, w0, H in cases:
        with check.case(f"kappa {kappa:g}, lr {lr:.4g}, mu {mu:.4g}, tol {tol}"):
            got = check.call(steps_to_converge, H, w0, lr, mu, tol, max_steps)
            value = check.number(got, "the number of steps")
            want = _steps_ref(H, w0, lr, mu, tol, max_steps)
            if value == want:
                continue
            if not math.isfinite(value) or value != int(value) or not 1 <= value <= max_steps:
                raise CheckFailure(f"got {value:g}: the number of steps is a whole number "
                                   f"between 1 and max_steps ({max_steps}).")
            for variant, why in [
                ("plus_one", "one step too many: count the steps taken until |w| <= tol "
                 "|w0| holds, starting at k = 1 after the first step."),
                ("before", "one step too few: test |w| after each step, and count that step."),
                ("absolute", "an absolute tolerance |w| <= tol; the test is relative, "
                 "|w| <= tol * |w0|."),
                ("loss", "the loss f(w) was compared; the test is on the distance to the "
                 "minimum, |w| <= tol |w0|."),
                ("half_grad", "the gradient of 1/2 w.H.w is H w, not H w / 2."),
                ("no_momentum", "the velocity is not kept (v = -lr g): momentum needs "
                 "v = mu v - lr g carried from step to step."),
            ]:
                cand = _steps_ref(H, w0, lr, mu, tol, max_steps, variant)
                if cand != want and value == cand:
                    raise CheckFailure(f"got {value:g} steps, expected {want}.\n  Likely "
                                       f"mistake: {why}")
            raise CheckFailure(f"got {value:g} steps, expected {want}.")
    with check.case("max_steps just below and just above the steps needed"):
        kappa, lr, mu, w0, H = cases[3]
        need = _steps_ref(H, w0, lr, mu, tol, max_steps)
        for limit, want in ((need - 1, need - 1), (need + 1, need)):
            value = check.number(check.call(steps_to_converge, H, w0, lr, mu, tol, limit),
                                 "the number of steps")
            if value == want:
                continue
            if value > limit:
                raise CheckFailure(
                    f"with max_steps = {limit} got {value:g}, more than max_steps.\n  Likely "
                    f"mistake: the loop runs past max_steps; take at most max_steps steps, "
                    f"for k in range(1, max_steps + 1), then return max_steps.")
            if value == limit:
                raise CheckFailure(
                    f"with max_steps = {limit} got {value:g} = max_steps, although |w| falls "
                    f"below tol |w0| at step {need}.\n  Likely mistake: the loop stops before "
                    f"step max_steps (range(1, max_steps - 1)?); try every step up to "
                    f"max_steps: for k in range(1, max_steps + 1).")
            raise CheckFailure(f"with max_steps = {limit} got {value:g}, expected {want}.")
    with check.case("a diverging rate (lr 2.5 / L) returns max_steps"):
        H = np.diag([1.0, 10.0])
        value = check.number(check.call(steps_to_converge, H, np.array([1.0, 1.0]), 0.25,
                                        0.0, tol, 200), "the number of steps")
        if value != 200:
            raise CheckFailure(f"got {value:g}, expected max_steps = 200: when |w| never "
                               "falls below tol |w0|, return max_steps.")
    check.passed()


_CONDITION_CHOICES = {
    "a": "GD about 100 times more steps, momentum about 10 times more",
    "b": "both about 100 times more",
    "c": "both about 10 times more",
    "d": "GD about 10,000 times more, momentum about 100 times more",
    "e": "no change: the number of steps does not depend on the condition number",
}


def check_answer_condition_number(answer) -> None:
    """Exercise 7's question: a letter of ``_CONDITION_CHOICES`` (the answer is "a")."""
    __tracebackhide__ = True
    check = Check("answer_condition_number", total=1)
    with check.case("your choice"):
        got = check.call(answer)
        if not isinstance(got, str) or got.strip().lower() not in _CONDITION_CHOICES:
            raise CheckFailure(f"return one of the letters {sorted(_CONDITION_CHOICES)} as a "
                               f"string, got {got!r}")
        choice = got.strip().lower()
        why = {
            "b": "momentum's rate (sqrt(kappa) - 1) / (sqrt(kappa) + 1) depends on "
                 "sqrt(kappa): 100 times kappa is only 10 times the steps.",
            "c": "gradient descent's rate (kappa - 1) / (kappa + 1) makes its steps grow "
                 "like kappa itself, not sqrt(kappa).",
            "d": "the steps grow like kappa (GD) and sqrt(kappa) (momentum), not kappa^2 "
                 "and kappa.",
            "e": "the slowest direction contracts by (kappa - 1)/(kappa + 1) per GD step: "
                 "the larger kappa, the more steps.",
        }
        if choice != "a":
            raise CheckFailure(f"({choice}) is not right.\n  Hint: {why[choice]}")
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 8: the learning-rate range test
# --------------------------------------------------------------------------------------


def reference_lr_range_test(net, X, y, lrs, batch_size, variant=""):
    """The range test: for i, lr in enumerate(lrs), take batch i (rows i*B..(i+1)*B,
    wrapping around), record net.loss on it *before* the update, then one SGD step with
    that lr on every parameter. Returns an array of len(lrs) losses (NaN/inf kept)."""
    n_batches = len(X) // batch_size
    losses = []
    lrs = list(lrs)[::-1] if variant == "reversed" else list(lrs)
    for i, lr in enumerate(lrs):
        j = 0 if variant == "same_batch" else i % n_batches
        Xb, yb = X[j * batch_size:(j + 1) * batch_size], y[j * batch_size:(j + 1) * batch_size]
        with np.errstate(all="ignore"):
            loss, grads = net.loss(Xb, yb)
            rate = lrs[0] if variant == "fixed" else lr
            for k, p in net.params.items():
                if variant == "weights_only" and not k.startswith("W"):
                    continue
                if variant == "ascent":
                    p += rate * grads[k]
                elif variant != "no_update":
                    p -= rate * grads[k]
            if variant == "after":
                loss, _ = net.loss(Xb, yb)
        losses.append(float(loss))
    return np.array(losses)


def _range_problem(seed: int):
    from helpers.model import TwoLayerNet

    rng = np.random.default_rng(seed)
    centres = 2 * rng.standard_normal((3, 12))
    y = rng.integers(0, 3, 320)
    X = (centres[y] + rng.standard_normal((320, 12))).astype(np.float32)
    return (lambda: TwoLayerNet(12, 16, 3, rng=np.random.default_rng(seed))), X, y


def check_lr_range_test(lr_range_test) -> None:
    """Exercise 8: ``lr_range_test(net, X, y, lrs, batch_size)`` -> array of len(lrs) batch
    losses, batch i (in order, wrapping) measured before the SGD step with ``lrs[i]``."""
    __tracebackhide__ = True
    cases = [(58, np.geomspace(1e-3, 10.0, 12), 32), (59, np.geomspace(1e-2, 1e2, 15), 64)]
    check = Check("lr_range_test", total=len(cases))
    for seed, lrs, B in cases:
        new_net, X, y = _range_problem(seed)
        with check.case(f"{len(lrs)} rates {lrs[0]:g}..{lrs[-1]:g}, batch {B}, 320 examples"):
            got = check.call(lr_range_test, new_net(), X, y, lrs.copy(), B, copy=False)
            if isinstance(got, list | tuple) and got and all(
                    isinstance(e, tuple | list) and len(e) == 2 for e in got):
                raise CheckFailure("returned (lr, loss) pairs; return the losses alone, one "
                                   "per rate, in the order of lrs.")
            arr = as_float_array(got, "the losses")
            want = reference_lr_range_test(new_net(), X, y, lrs, B)
            if arr.shape != want.shape:
                raise CheckFailure(f"the losses have shape {arr.shape}, expected "
                                   f"{want.shape}: one loss per rate.")
            ok = np.isfinite(want)
            if np.allclose(arr[ok], want[ok], rtol=2e-4, atol=1e-6) and np.array_equal(
                    np.isfinite(arr), ok):
                continue
            for variant, why in [
                ("after", "the loss was measured after the update; record it before the step "
                 "(the loss the rate is about to act on)."),
                ("fixed", "the rate stays lrs[0]: step i must use lrs[i]."),
                ("ascent", "p += lr * grad: a step uphill; descend, p -= lr * grad."),
                ("no_update", "the parameters are never updated."),
                ("reversed", "the rates run from large to small; follow lrs in its order."),
                ("same_batch", "every step uses the first batch; step i takes batch i."),
                ("weights_only", "the biases are not updated: step every parameter in "
                 "net.params."),
            ]:
                cand = reference_lr_range_test(new_net(), X, y, lrs, B, variant)
                both = np.isfinite(cand) & ok
                if (np.allclose(cand[ok], want[ok]) and np.array_equal(np.isfinite(cand), ok)):
                    continue
                if np.array_equal(np.isfinite(arr), np.isfinite(cand)) and np.allclose(
                        arr[np.isfinite(cand)], cand[np.isfinite(cand)], rtol=2e-4, atol=1e-6):
                    raise CheckFailure(f"the losses are wrong.\n  Likely mistake: {why}")
                del both
            raise CheckFailure(f"the losses are wrong: "
                               f"{describe_difference(np.nan_to_num(arr), np.nan_to_num(want))}")
    check.passed()


def _range_curves():
    """Synthetic range-test curves: (description, lrs, losses) with a clear lowest loss."""
    lrs = np.geomspace(1e-4, 10.0, 26)
    out = []
    for where, blow in [(15, 18), (20, 22), (8, 12)]:
        losses = np.concatenate([np.linspace(2.3, 0.4, where + 1)[:-1] ** 1.0,
                                 np.linspace(0.4, 2.5, blow - where + 1)])
        losses = np.concatenate([losses, np.full(len(lrs) - len(losses), np.nan)])
        losses[blow] = np.inf
        out.append((f"{len(lrs)} rates, lowest loss at lr {lrs[where]:.3g}, inf and NaN after "
                    "divergence", lrs, losses[:len(lrs)], where))
    return out


def check_choose_lr(choose_lr) -> None:
    """Exercise 8b: ``choose_lr(lrs, losses)`` -> a learning rate read off a range test's
    curve: on the steep falling part, about a tenth of the rate with the lowest (finite)
    loss; accepted between a thirtieth and a half of it."""
    __tracebackhide__ = True
    curves = _range_curves()
    check = Check("choose_lr", total=len(curves))
    for description, lrs, losses, where in curves:
        with check.case(description):
            value = check.number(check.call(choose_lr, lrs, losses), "the chosen rate")
            best = float(lrs[where])
            if best / 30 <= value <= best / 2:
                continue
            if not math.isfinite(value) or value <= 0:
                raise CheckFailure(
                    f"{value:g} is not a learning rate.\n  Likely mistake: the NaN or inf "
                    "losses after divergence: ignore non-finite losses (np.nanargmin on "
                    "np.where(np.isfinite(losses), losses, np.nan)).")
            with np.errstate(all="ignore"):
                naive = float(lrs[int(np.argmin(losses))]) / 10  # argmin stops at a NaN
            if not best / 30 <= naive <= best / 2 and math.isclose(value, naive, rel_tol=1e-6):
                raise CheckFailure(
                    f"{value:.4g} is a tenth of the rate at the first NaN loss.\n  Likely "
                    "mistake: np.argmin returns the position of the first NaN; ignore the "
                    "non-finite losses after divergence (np.nanargmin, or np.where(np.isfinite"
                    "(losses), losses, np.inf)).")
            if math.isclose(value, float(np.nanmin(np.where(np.isfinite(losses), losses,
                                                            np.nan)))):
                raise CheckFailure(f"{value:.4g} is the lowest loss, not a rate: return the "
                                   "learning rate, taken from lrs.")
            if math.isclose(value, best, rel_tol=1e-9):
                raise CheckFailure(
                    f"{value:.4g} is the rate of the lowest loss: the edge of divergence "
                    "(it was used for one step only). Take about a tenth of it.")
            if value > best:
                raise CheckFailure(
                    f"{value:.4g} is past the lowest loss (at {best:.4g}), where the loss "
                    "already blows up. Likely mistake: the last finite entry, or max instead "
                    "of min? Take about a tenth of the rate of the lowest loss.")
            if value > best / 2:
                raise CheckFailure(f"{value:.4g} is too close to the lowest-loss rate "
                                   f"{best:.4g}; take about a tenth of it.")
            raise CheckFailure(
                f"{value:.4g} is far below the lowest-loss rate {best:.4g} (more than 30 "
                "times smaller): training would be needlessly slow. Take about a tenth of it.")
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 9: choosing an optimiser on the validation split
# --------------------------------------------------------------------------------------


def _reference_scores(candidates, X, y, X_val, y_val, seed, variant=""):
    from helpers.model import TwoLayerNet
    from helpers.train import evaluate, fit

    out = {}
    shared = TwoLayerNet(X.shape[1], 32, int(y.max()) + 1, rng=np.random.default_rng(seed))
    for i, (name, (rule, config)) in enumerate(candidates.items()):
        net = shared if variant == "shared" else TwoLayerNet(
            X.shape[1], 32, int(y.max()) + 1,
            rng=np.random.default_rng(seed + i if variant == "seeds" else seed))
        fit(net, X, y, epochs=1, batch_size=64, update_rule=rule, optim_config=dict(config),
            rng=np.random.default_rng(seed))
        loss, acc = evaluate(net, X if variant == "train" else X_val,
                             y if variant == "train" else y_val)
        out[name] = {"loss": loss, "percent": 100 * acc}.get(variant, acc)
    return out


def check_validation_scores(validation_scores) -> None:
    """Exercise 9: ``validation_scores(candidates, X, y, X_val, y_val, seed)`` -> ``{name:
    validation accuracy}``; candidates ``{name: (rule, config)}``; each from
    ``TwoLayerNet(D, 32, C, rng=default_rng(seed))`` trained one epoch by ``fit(...,
    batch_size=64, update_rule=rule, optim_config=config, rng=default_rng(seed))``."""
    __tracebackhide__ = True
    rng = np.random.default_rng(60)
    D, C = 16, 4
    centres = 1.2 * rng.standard_normal((C, D))
    y = rng.integers(0, C, 400)
    X = (centres[y] + rng.standard_normal((400, D))).astype(np.float32)
    y_val = rng.integers(0, C, 200)
    X_val = (centres[y_val] + rng.standard_normal((200, D))).astype(np.float32)
    candidates = {"sgd": ("sgd", {"learning_rate": 0.05}),
                  "momentum": ("momentum", {"learning_rate": 0.02, "momentum": 0.9}),
                  "adam": ("adam", {"learning_rate": 3e-3})}
    check = Check("validation_scores", total=1)
    with check.case("three candidates, 400 training and 200 validation examples, seed 7"):
        got = check.call(validation_scores, candidates, X, y, X_val, y_val, 7)
        if not isinstance(got, dict):
            raise CheckFailure(f"return a dict {{name: validation accuracy}}, got "
                               f"{type(got).__name__}")
        if set(got) != set(candidates):
            raise CheckFailure(f"the dict's keys are {sorted(map(str, got))}, expected the "
                               f"candidates' names {sorted(candidates)}")
        values = {k: check.number(v, f"the score of {k!r}") for k, v in got.items()}
        want = _reference_scores(candidates, X, y, X_val, y_val, 7)
        if all(abs(values[k] - want[k]) < 1e-9 for k in want):
            pass
        else:
            for variant, why in [
                ("train", "these are training accuracies; score each candidate on the "
                 "validation split (X_val, y_val)."),
                ("percent", "percentages; return accuracies as fractions in [0, 1]."),
                ("loss", "validation losses; return the accuracies (evaluate returns (loss, "
                 "accuracy))."),
                ("seeds", "each candidate started from a different initialisation; a fair "
                 "comparison builds every network from the same seed."),
                ("shared", "one network was trained by every candidate in turn; build a fresh "
                 "network (same seed) for each."),
            ]:
                cand = _reference_scores(candidates, X, y, X_val, y_val, 7, variant)
                if any(abs(cand[k] - want[k]) > 1e-9 for k in want) and all(
                        abs(values[k] - cand[k]) < 1e-9 for k in want):
                    raise CheckFailure(f"the scores are wrong.\n  Likely mistake: {why}")
            worst = max(want, key=lambda k: abs(values[k] - want[k]))
            raise CheckFailure(f"the score of {worst!r} is {values[worst]:.4f}, expected "
                               f"{want[worst]:.4f}.")
    check.passed()


def check_choose_best(choose_best) -> None:
    """Exercise 9b: ``choose_best(scores)`` -> the name with the highest validation
    accuracy in ``{name: accuracy}``."""
    __tracebackhide__ = True
    cases = [{"sgd": 0.91, "momentum": 0.95, "adam": 0.93},
             {"a": 0.5, "b": 0.2, "c": 0.45, "d": 0.1},
             {"rmsprop": 0.97, "adam": 0.99}]
    check = Check("choose_best", total=len(cases))
    for scores in cases:
        with check.case(f"scores {scores}"):
            got = check.call(choose_best, dict(scores))
            top = max(scores, key=scores.get)
            if got == top:
                continue
            if isinstance(got, float | np.floating) and got in scores.values():
                raise CheckFailure(f"returned the score {got}; return the candidate's name "
                                   "(the key of the dict), e.g. max(scores, key=scores.get).")
            if isinstance(got, int | np.integer) and not isinstance(got, bool):
                raise CheckFailure(f"returned the index {got}; return the name, the key.")
            if got == min(scores, key=scores.get):
                raise CheckFailure(f"{got!r} has the lowest score: max, not min (these are "
                                   "accuracies, higher is better).")
            if not isinstance(got, str) or got not in scores:
                raise CheckFailure(f"returned {got!r}, expected one of the names "
                                   f"{sorted(scores)}")
            raise CheckFailure(f"{got!r} scores {scores[got]}, but {top!r} scores "
                               f"{scores[top]}: choose the highest validation accuracy.")
    check.passed()
