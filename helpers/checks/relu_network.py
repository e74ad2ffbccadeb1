"""Self-checks for the topic-02 exercises (notebooks/02-relu-network/3-exercises).

One ``check_...`` per exercise. Each calls the student's function (or answer) on several
inputs, compares with a reference computed here in float64 (never with the student's other
functions), prints one pass line, or raises :class:`~helpers.checks.CheckFailure` naming
the likely mistake. A ``NotImplementedError`` from an unfinished stub propagates unchanged.

Shapes: ``N`` examples, ``D`` inputs, ``H`` hidden units, ``C`` classes. Parameters are a
dict: ``W1`` (D, H), ``b1`` (H,), ``W2`` (H, C) and, with an output bias, ``b2`` (C,).
The loss is the mean cross-entropy plus ``reg/2 * (sum(W1**2) + sum(W2**2))``; biases are
not regularised; the ReLU's subgradient at exactly 0 is 0.

``BUG_ZOO`` holds the three broken backward passes of the last exercise.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np

from helpers.checks import Check, CheckFailure, check_number

__all__ = [
    "check_answer_param_count",
    "check_relu_forward",
    "check_relu_backward",
    "check_backward_no_output_bias",
    "check_loss_and_grads",
    "check_init_params",
    "check_answer_rms_ratio",
    "check_dead_units",
    "check_train_hidden",
    "check_answer_sweep",
    "check_wrong_gradients",
    "check_answer_bug_zoo",
    "BUG_ZOO",
    "reference_loss_and_grads",
]

NAMES = ("W1", "b1", "W2", "b2")

#: The answer of the hidden-size sweep (exercise 10): from H = 32 to H = 512 the validation
#: accuracy after one epoch on 20,000 training images rises by about 2 points, in the band
#: "from 0.5 up to 5 points" (choice 2). The three choices' bands cover every possible
#: change: below 0.5 points (a fall included), 0.5 up to 5, 5 or more.
SWEEP_CHOICE = 2


# --------------------------------------------------------------------------------------
# References (float64, written independently of the student's code)
# --------------------------------------------------------------------------------------


def _log_softmax(z: np.ndarray) -> np.ndarray:
    s = z - z.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


def reference_loss_and_grads(params: dict, X, y, reg: float = 0.0, variant: str = ""):
    """Loss and gradients of the 2-layer ReLU net in float64 (``b2`` optional).

    ``variant`` names a deliberate mistake (used to build diagnoses and the bug zoo):
    "no_mask", "preact" (Z1 instead of A in dW2), "db_mean" (bias gradients as means),
    "reg_bias" (biases regularised too), "reg_twice" (2*reg*W), "no_reg_grad",
    "loss_sum" (summed loss), "reg_no_half" (penalty without the 1/2), "no_reg_loss".
    """
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    X = np.asarray(X, dtype=np.float64)
    N = len(X)
    Z1 = X @ p["W1"] + p["b1"]
    A = np.maximum(Z1, 0)
    Z2 = A @ p["W2"] + p.get("b2", 0.0)
    logp = _log_softmax(Z2)
    ce = -logp[np.arange(N), y]
    loss = float(ce.sum() if variant == "loss_sum" else ce.mean())
    sq = float((p["W1"] ** 2).sum() + (p["W2"] ** 2).sum())
    if variant == "reg_no_half":
        loss += reg * sq
    elif variant == "reg_bias":
        loss += 0.5 * reg * (sq + sum(float((p[b] ** 2).sum()) for b in ("b1", "b2") if b in p))
    elif variant != "no_reg_loss":
        loss += 0.5 * reg * sq
    d2 = np.exp(logp)
    d2[np.arange(N), y] -= 1
    d2 /= N
    g = {}
    g["W2"] = (Z1 if variant == "preact" else A).T @ d2
    d1 = d2 @ p["W2"].T
    if variant != "no_mask":
        d1 = d1 * (Z1 > 0)
    g["W1"] = X.T @ d1
    reduce = (lambda d: d.mean(axis=0)) if variant == "db_mean" else (lambda d: d.sum(axis=0))
    g["b1"] = reduce(d1)
    if "b2" in p:
        g["b2"] = reduce(d2)
    k = {"reg_twice": 2.0, "no_reg_grad": 0.0}.get(variant, 1.0)
    g["W1"] = g["W1"] + k * reg * p["W1"]
    g["W2"] = g["W2"] + k * reg * p["W2"]
    if variant == "reg_bias":
        for b in ("b1", "b2"):
            if b in p:
                g[b] = g[b] + reg * p[b]
    return loss, g


def _problem(rng, N, D, H, C, dtype=np.float64, output_bias=True):
    """A small random problem whose pre-activations stay away from the ReLU's kink."""
    while True:
        params = {
            "W1": rng.standard_normal((D, H)) / math.sqrt(D),
            "b1": 0.1 * rng.standard_normal(H),
            "W2": rng.standard_normal((H, C)) / math.sqrt(H),
        }
        if output_bias:
            params["b2"] = 0.1 * rng.standard_normal(C)
        X = rng.standard_normal((N, D))
        Z1 = X @ params["W1"] + params["b1"]
        if np.abs(Z1).min() > 1e-3 and 0.2 < (Z1 > 0).mean() < 0.8:
            break
    y = rng.integers(0, C, size=N)
    params = {k: v.astype(dtype) for k, v in params.items()}
    return params, X.astype(dtype), y


def _unpack(got, n: int, what: str, names: str):
    return Check(what).values(got, n, names)


def _loss_value(check: Check, got, N: int) -> float:
    return check.number(got, "the loss", n=N)


def _count(check: Check, got, what: str) -> float:
    """A single number returned by the student (a count, an accuracy)."""
    return check.number(got, what)


def _large_logits_problem(rng, N, D, H, C, output_bias=True):
    """A problem whose logits reach about +1000 on one row and stay O(1) on the others: the
    row maxima lie far apart, so no max-subtraction (exp(1000) overflows) or a max taken
    over the whole batch (the other rows underflow to exp(-1000) = 0, log 0 = -inf) breaks
    the loss."""
    while True:
        params, X, y = _problem(rng, N, D, H, C, output_bias=output_bias)
        params["b1"] = 0.01 * np.sign(params["b1"])
        Z2 = np.maximum(X @ params["W1"] + params["b1"], 0) @ params["W2"]
        r = int(np.argmax(Z2.max(axis=1)))
        if Z2[r].max() <= 0.1:
            continue
        X[r] *= 1000.0 / Z2[r].max()
        Z1 = X @ params["W1"] + params["b1"]
        Z2 = np.maximum(Z1, 0) @ params["W2"] + params.get("b2", 0.0)
        others = np.delete(np.abs(Z2).max(axis=1), r)
        if np.abs(Z1).min() > 1e-3 and Z2[r].max() > 900 and others.max() < 20:
            return params, X, y


def _grads_dict(got, names) -> dict:
    if not isinstance(got, dict):
        raise CheckFailure(
            f"the gradients should be a dict with the keys {list(names)}, got {type(got).__name__}"
        )
    missing = [k for k in names if k not in got]
    extra = [k for k in got if k not in names]
    if missing or extra:
        raise CheckFailure(
            f"the gradients dict should have exactly the keys {list(names)}; "
            f"missing {missing}, unexpected {extra}"
        )
    return got


_DIAG = {
    "no_mask": (
        "the ReLU mask is missing: delta1 = (delta2 @ W2.T) * (Z1 > 0). Units that were "
        "inactive (Z1 <= 0) pass no gradient back."
    ),
    "preact": (
        "used the pre-activations Z1 instead of the activations A = relu(Z1) in dW2 = A.T @ "
        "delta2: the output layer's input is A."
    ),
    "db_mean": (
        "the bias gradient is a sum over the batch (delta.sum(axis=0)), not a mean: the 1/N is "
        "already inside delta2 = (P - Y) / N."
    ),
    "reg_bias": "the biases are not regularised: add reg * W to the weight gradients only.",
    "reg_twice": (
        "the derivative of reg/2 * W**2 is reg * W, not 2 * reg * W (the 1/2 is there to "
        "cancel the 2)."
    ),
    "no_reg_grad": (
        "the L2 term is missing from the gradient: add reg * W to dW1 and dW2, with the reg "
        "passed in."
    ),
    "loss_sum": "the loss is summed over the batch; it is the mean (divide by N).",
    "reg_no_half": "the penalty is reg/2 * (sum(W1**2) + sum(W2**2)): the 1/2 is missing.",
    "no_reg_loss": (
        "the L2 term is missing from the loss: add reg/2 * (sum(W1**2) + sum(W2**2)), with "
        "the reg passed in."
    ),
}


_NAN_HINT = (
    "no max-subtraction before np.exp, or a maximum over the whole batch instead of each "
    "row's: with logits of about 1000, np.exp overflows to inf (and a row whose logits lie "
    "far below the batch's maximum underflows to 0, so log(0) = -inf). Subtract each row's "
    "maximum, Z2.max(axis=1, keepdims=True), and take the log-probabilities in the "
    "log-sum-exp form."
)


def _check_loss_and_grads_case(check, fn, params, X, y, reg, names, call_args, variants):
    """Run ``fn(*call_args)`` and compare the loss and each gradient with the reference."""
    N = len(X)
    got = _unpack(check.call(fn, *call_args), 2, fn_name(fn), "loss, grads")
    loss = _loss_value(check, got[0], N)
    check.finite(np.array(loss), _NAN_HINT, what="the loss")
    grads = _grads_dict(got[1], names)
    want_loss, want = reference_loss_and_grads(params, X, y, reg)
    wrong = {v: reference_loss_and_grads(params, X, y, reg, v) for v in variants}
    check.close(
        loss,
        want_loss,
        what="the loss",
        mistakes=[(w[0], _DIAG[v]) for v, w in wrong.items() if not np.isclose(w[0], want_loss)],
        n=N,
        dtype=X.dtype,
    )
    for k in names:
        g = check.array(grads[k], shape=params[k].shape, dtype=X.dtype, what=f"grads[{k!r}]")
        check.finite(g, _NAN_HINT, what=f"grads[{k!r}]")
        check.close(
            g,
            want[k],
            what=f"grads[{k!r}]",
            mistakes=[
                (w[1][k], _DIAG[v]) for v, w in wrong.items() if not np.allclose(w[1][k], want[k])
            ],
            n=N,
        )


def fn_name(fn) -> str:
    return getattr(fn, "__name__", "the function")


# --------------------------------------------------------------------------------------
# Part A: a number as the answer
# --------------------------------------------------------------------------------------


def check_answer_param_count(answer) -> None:
    """Exercise 1: the number of parameters of a 784-512-10 network (407,050)."""
    __tracebackhide__ = True
    D, H, C = 784, 512, 10
    check_number(
        answer,
        "answer_param_count",
        D * H + H + H * C + C,
        decimals=0,
        mistakes=[
            (D * H + H * C, "the biases are parameters too: H of them and C of them."),
            (D * H + H, "the output layer (H * C weights and C biases) is missing."),
            (D * H + H * C + H, "the C output biases are missing."),
            (D * H + H * C + C, "the H hidden biases are missing."),
            (D * 256 + 256 + 256 * C + C, "that is the count for H = 256; here H = 512."),
            (D * H, "that counts only the weights of the first layer; add b1, W2 and b2."),
            (D + H + C, "that counts the units (inputs, hidden and outputs), not parameters."),
            (
                D * H * C,
                "multiplied the layer sizes; each layer has fan_in * fan_out weights and "
                "fan_out biases, and the layers' counts add.",
            ),
        ],
        hint="W1 has D * H entries and b1 has H; W2 has H * C and b2 has C. Add the four.",
    )


def check_answer_rms_ratio(answer) -> None:
    """Exercise 7: RMS of Z1 under 0.1*randn over that under He, for D = 784 (1.9799)."""
    __tracebackhide__ = True
    he = math.sqrt(2 / 784)
    check_number(
        answer,
        "answer_rms_ratio",
        0.1 / he,
        decimals=2,
        mistakes=[
            (he / 0.1, "inverted: the ratio asked for is 0.1*randn over He."),
            ((0.1 / he) ** 2, "that is the ratio of the variances; the RMS is its square root."),
            (0.1 / math.sqrt(2 / 256), "He's sigma for the first layer uses fan_in = D = 784."),
            (0.1 / math.sqrt(1 / 784), "He's variance is 2 / fan_in, not 1 / fan_in."),
            (
                (0.1 / he) * (0.1 / math.sqrt(2 / 256)),
                "that is the ratio of the logits, after both layers; the question asks for "
                "the first layer's pre-activations Z1 only.",
            ),
        ],
        hint="Both RMS values are sigma * sqrt(E|x|^2) with the same E|x|^2: their ratio is "
        "the ratio of the two standard deviations, 0.1 and He's sqrt(2 / 784).",
    )


def check_answer_sweep(answer) -> None:
    """Exercise 10: how much H = 512 gains over H = 32 on the validation set (choice 2: from
    0.5 up to 5 points; the bands of choices 1 to 3 cover every possible change)."""
    __tracebackhide__ = True
    check_number(
        answer,
        "answer_sweep",
        SWEEP_CHOICE,
        decimals=0,
        mistakes=[
            (
                1,
                "look again at the plot: the accuracy does rise, and 32 units are clearly "
                "worse after one epoch than 512, by more than half a point.",
            ),
            (
                3,
                "the gain is real but modest, less than 5 points: even 32 hidden units "
                "already reach about 91% validation accuracy after one epoch on 20,000 images, "
                "so a narrow network does learn the digits.",
            ),
        ],
        generic=False,
        hint="Answer with the number of the choice: 1, 2 or 3. Read the gain from H = 32 to "
        "H = 512 off the plot and the line printed under it, and find the band it lies in.",
    )


# --------------------------------------------------------------------------------------
# Part B: coding tasks
# --------------------------------------------------------------------------------------


def _relu_cases(rng):
    z = rng.standard_normal((5, 7))
    z[0, :3] = 0.0  # exact zeros: the kink
    return [
        ("5 x 7 float64 with some exact zeros", z),
        ("a float32 batch 4 x 6", (3 * rng.standard_normal((4, 6))).astype(np.float32)),
        ("a single vector of 8 values, float64", rng.standard_normal(8)),
        ("6 x 6 (square), float64", rng.standard_normal((6, 6))),
    ]


def check_relu_forward(relu_forward) -> None:
    """Exercise 2: ``relu_forward(z)`` -> max(z, 0) elementwise, same shape and dtype."""
    __tracebackhide__ = True
    cases = _relu_cases(np.random.default_rng(20))
    check = Check("relu_forward", total=len(cases))
    for description, z in cases:
        with check.case(description):
            got = check.call(relu_forward, z)
            got = check.array(
                got,
                shape=z.shape,
                dtype=z.dtype,
                shape_hint="np.max(z, 0) takes the maximum along axis 0 (a reduction); the "
                "elementwise maximum of z and 0 is np.maximum(z, 0).",
            )
            check.close(
                got,
                np.maximum(z, 0.0),
                mistakes=[
                    (
                        (z > 0).astype(float),
                        "returned the mask 1[z > 0] (the derivative), not max(z, 0).",
                    ),
                    (np.abs(z), "np.abs(z) flips negative values; relu sets them to 0."),
                    (
                        np.minimum(z, 0),
                        "np.minimum keeps the negative part; relu keeps the "
                        "positive part: np.maximum(z, 0).",
                    ),
                    (z, "returned z unchanged: negative values must become 0."),
                    (np.clip(z, 0, 1), "clipped at 1 too: relu has no upper limit."),
                ],
                generic=False,
            )
    check.passed()


def check_relu_backward(relu_backward) -> None:
    """Exercise 3: ``relu_backward(dout, z)`` -> dout * 1[z > 0] (0 at exactly z == 0)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(21)
    cases = [(d, rng.standard_normal(z.shape).astype(z.dtype), z) for d, z in _relu_cases(rng)]
    check = Check("relu_backward", total=len(cases))
    for description, dout, z in cases:
        with check.case(description):
            got = check.call(relu_backward, dout, z)
            got = check.array(got, shape=z.shape, dtype=z.dtype)
            check.close(
                got,
                dout * (z > 0),
                mistakes=[
                    (
                        (z > 0).astype(float),
                        "returned the mask alone: multiply it by the "
                        "upstream gradient dout (chain rule).",
                    ),
                    (
                        dout * (z >= 0),
                        "z >= 0 passes the gradient at exactly z == 0; the "
                        "course's subgradient there is 0: use z > 0.",
                    ),
                    (
                        dout * np.maximum(z, 0),
                        "multiplied dout by relu(z); the derivative of "
                        "relu is the mask 1[z > 0], not relu itself.",
                    ),
                    (
                        dout * (dout > 0),
                        "masked by the sign of dout; the mask comes from the forward input z.",
                    ),
                    (dout, "no mask: the gradient must be 0 where z <= 0."),
                ],
                generic=False,
            )
    check.passed()


def check_backward_no_output_bias(loss_and_grads) -> None:
    """Exercise 4: ``loss_and_grads(params, X, y)`` for W1, b1, W2 (no output bias, no L2)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(22)
    cases = [
        ("N=6, D=5, H=4, C=3, float64", *_problem(rng, 6, 5, 4, 3, output_bias=False)),
        ("N=8, D=7, H=8, C=8 (square W2), float64", *_problem(rng, 8, 7, 8, 8, output_bias=False)),
        ("N=10, D=12, H=6, C=4, float32", *_problem(rng, 10, 12, 6, 4, np.float32, False)),
        (
            "N=6, D=5, H=4, C=3, logits of about 1000 on one row and O(1) on others, float64",
            *_large_logits_problem(rng, 6, 5, 4, 3, output_bias=False),
        ),
    ]
    variants = ("no_mask", "preact", "db_mean", "loss_sum")
    check = Check("loss_and_grads_no_bias", total=len(cases))
    for description, params, X, y in cases:
        with check.case(description):
            _check_loss_and_grads_case(
                check,
                loss_and_grads,
                params,
                X,
                y,
                0.0,
                ("W1", "b1", "W2"),
                (params, X, y),
                variants,
            )
    check.passed()


def check_loss_and_grads(loss_and_grads) -> None:
    """Exercise 5: ``loss_and_grads(params, X, y, reg)`` with the output bias b2 and L2."""
    __tracebackhide__ = True
    rng = np.random.default_rng(23)
    cases = [
        ("N=6, D=5, H=4, C=3, reg=0, float64", *_problem(rng, 6, 5, 4, 3), 0.0),
        ("N=6, D=5, H=4, C=3, reg=0.1, float64", *_problem(rng, 6, 5, 4, 3), 0.1),
        ("N=9, D=8, H=5, C=5 (square W2), reg=0.3, float64", *_problem(rng, 9, 8, 5, 5), 0.3),
        ("N=10, D=12, H=6, C=4, reg=0.05, float32", *_problem(rng, 10, 12, 6, 4, np.float32), 0.05),
        (
            "N=6, D=5, H=4, C=3, reg=0.1, logits of about 1000 on one row and O(1) on others, "
            "float64",
            *_large_logits_problem(rng, 6, 5, 4, 3),
            0.1,
        ),
    ]
    variants = (
        "no_mask",
        "preact",
        "db_mean",
        "loss_sum",
        "reg_bias",
        "reg_twice",
        "no_reg_grad",
        "reg_no_half",
        "no_reg_loss",
    )
    check = Check("loss_and_grads", total=len(cases))
    for description, params, X, y, reg in cases:
        with check.case(description):
            _check_loss_and_grads_case(
                check, loss_and_grads, params, X, y, reg, NAMES, (params, X, y, reg), variants
            )
    check.passed()


def check_init_params(init_params) -> None:
    """Exercise 6: ``init_params(D, H, C, init, rng)`` -> float32 dict, "he" or "tutorial"."""
    __tracebackhide__ = True
    D, H, C = 784, 256, 10
    cases = [("he", 0.0), ("tutorial", 0.0)]
    check = Check("init_params", total=len(cases) + 3)
    for init, _ in cases:
        with check.case(f'init="{init}", D={D}, H={H}, C={C}'):
            got = check.call(init_params, D, H, C, init, np.random.default_rng(0))
            params = _grads_dict(got, NAMES)
            shapes = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}
            for k in NAMES:
                arr = check.array(params[k], shape=shapes[k], dtype=np.float32, what=k)
                if k.startswith("b") and np.any(arr != 0):
                    raise CheckFailure(f"{k} should start at zero (biases are not random).")
            for k, fan_in, fan_out in (("W1", D, H), ("W2", H, C)):
                want = math.sqrt(2 / fan_in) if init == "he" else 0.1
                std = float(np.std(params[k], dtype=np.float64))
                mean = float(np.mean(params[k], dtype=np.float64))
                if abs(mean) > 0.2 * want:
                    raise CheckFailure(
                        f"{k} has mean {mean:.4f}: weights must be centred at 0 "
                        f"(standard_normal, not random/uniform in [0, 1))."
                    )
                if abs(std / want - 1) < 0.08:
                    continue
                mistakes = {
                    math.sqrt(2 / fan_out): "He's variance uses fan_in (the number of inputs "
                    "of the layer), not fan_out.",
                    2 / fan_in: "2 / fan_in is the variance; the standard deviation is its "
                    "square root: np.sqrt(2 / fan_in).",
                    math.sqrt(1 / fan_in): "that is sqrt(1 / fan_in) (LeCun's scale); He's "
                    "has a factor 2 for the ReLU: np.sqrt(2 / fan_in).",
                    0.01: "0.01 is the variance of 0.1 * randn; the tutorials multiply by 0.1.",
                    math.sqrt(0.1): "sqrt(0.1): the tutorials multiply standard normal "
                    "numbers by 0.1, so the standard deviation is 0.1.",
                    1.0: "the weights were not scaled: multiply standard normal numbers by the "
                    "standard deviation.",
                    0.1 if init == "he" else math.sqrt(2 / fan_in): (
                        "the two initialisations are swapped: init='he' is sqrt(2 / fan_in), "
                        "init='tutorial' is 0.1."
                    ),
                }
                for value, why in mistakes.items():
                    if abs(std / value - 1) < 0.08:
                        raise CheckFailure(
                            f"{k} has standard deviation {std:.4f}, expected {want:.4f}.\n"
                            f"  Likely mistake: {why}"
                        )
                raise CheckFailure(f"{k} has standard deviation {std:.4f}, expected {want:.4f}.")
    with check.case("the same rng seed gives the same weights (use the rng passed in)"):
        a = _grads_dict(check.call(init_params, 20, 8, 3, "he", np.random.default_rng(5)), NAMES)
        b = _grads_dict(check.call(init_params, 20, 8, 3, "he", np.random.default_rng(5)), NAMES)
        shapes = {"W1": (20, 8), "b1": (8,), "W2": (8, 3), "b2": (3,)}
        for k in NAMES:
            check.array(a[k], shape=shapes[k], what=k)
            check.array(b[k], shape=shapes[k], what=k)
        if not all(np.array_equal(a[k], b[k]) for k in NAMES):
            raise CheckFailure(
                "two calls with the same seed gave different weights.\n  Likely mistake: "
                "np.random.randn / np.random.normal use NumPy's global state; draw from the "
                "rng argument: rng.standard_normal((fan_in, fan_out))."
            )
    with check.case("two different generators give different weights (use the rng passed in)"):
        a = _grads_dict(check.call(init_params, 20, 8, 3, "he", np.random.default_rng(6)), NAMES)
        b = _grads_dict(check.call(init_params, 20, 8, 3, "he", np.random.default_rng(7)), NAMES)
        if any(np.array_equal(a[k], b[k]) for k in ("W1", "W2")):
            raise CheckFailure(
                "two calls with different generators gave the same weights.\n  Likely "
                "mistake: the rng argument is ignored (a generator made inside the function, "
                "e.g. np.random.default_rng(0), or a fixed seed); draw from the rng passed "
                "in: rng.standard_normal((fan_in, fan_out))."
            )
    with check.case('an unknown init, "xavier", raises ValueError naming it and the allowed ones'):
        _check_unknown_init(init_params, "xavier")
    check.passed()


#: The names init_params accepts; any other must raise ValueError.
INIT_NAMES = ("tutorial", "he")


def _check_unknown_init(init_params, unknown: str) -> None:
    """Fail unless ``init_params(..., unknown, rng)`` raises ValueError whose message names
    ``unknown`` and every name of INIT_NAMES (as words: "he" inside "the" does not count)."""
    __tracebackhide__ = True
    call = f'init_params(20, 8, 3, "{unknown}", rng)'
    try:
        with np.errstate(all="ignore"):
            init_params(20, 8, 3, unknown, np.random.default_rng(0))
    except NotImplementedError:
        raise
    except ValueError as err:
        message = str(err)
        words = (unknown, *INIT_NAMES)
        missing = [w for w in words if not re.search(rf"\b{re.escape(w)}\b", message)]
        if missing:
            raise CheckFailure(
                f"{call} raised ValueError({message!r}), but the message does not name "
                f"{' and '.join(repr(w) for w in missing)}. Say what was given and what is "
                f"allowed, e.g. ValueError(f\"unknown init {{init!r}}: use 'tutorial' or 'he'\")."
            ) from None
        return
    except Exception as err:
        raise CheckFailure(
            f"{call} raised {type(err).__name__} ({err}), expected a ValueError that names the "
            f"unknown init and the allowed ones, 'tutorial' and 'he'.\n  Likely mistake: the "
            f"branch for an unknown name is missing or does not raise; end the choice with "
            f"else: raise ValueError(...)."
        ) from err
    raise CheckFailure(
        f"{call} returned, but should raise ValueError naming the unknown init and the allowed "
        f"ones, 'tutorial' and 'he'.\n  Likely mistake: an else-branch that treats every other "
        f"name as one of the two (a typo such as init=\"He\" or init=\"tutorial \" would then "
        f"silently give the wrong weights); end the choice with else: raise ValueError(...)."
    )


def _dead_cases(rng):
    """Two problems (W1, b1, X, Z1); the first has one unit with Z1 == 0 exactly everywhere."""
    D, H = 6, 7
    X = rng.random((12, D)) + 0.01  # pixels: all positive
    W1 = np.abs(rng.standard_normal((D, H)))  # positive weights: alive on every image
    b1 = np.abs(0.1 * rng.standard_normal(H))
    W1[:, 1], b1[1] = -W1[:, 1], -0.5  # unit 1: dead
    W1[:, 4], b1[4] = 0.0, 0.0  # unit 4: Z1 == 0 exactly on every image: dead
    W1[:, 6] = -W1[:, 6]  # unit 6: active on exactly one image, alive
    s = np.sort(X @ W1[:, 6])
    b1[6] = -(s[-1] + s[-2]) / 2
    X2 = rng.random((30, 10)).astype(np.float32)
    W2 = rng.standard_normal((10, 40)).astype(np.float32)
    b2 = (rng.standard_normal(40) - 2.5).astype(np.float32)
    return [
        (
            "6 inputs, 7 units, 12 images, float64 (one unit exactly 0 everywhere)",
            W1,
            b1,
            X,
            X @ W1 + b1,
        ),
        ("10 inputs, 40 units, 30 images, float32", W2, b2, X2, X2 @ W2 + b2),
    ]


def _dead_mistakes(W1, b1, X, Z1) -> list[tuple[float, str]]:
    """Wrong counts of dead units, computed on one case, with their diagnoses."""
    want = int((Z1 <= 0).all(axis=0).sum())
    H = Z1.shape[1]
    return [
        (
            int((Z1 <= 0).sum()),
            "counted entries of Z1, not units: a unit is dead when "
            "its whole column is <= 0, (Z1 <= 0).all(axis=0).",
        ),
        (
            int((Z1 <= 0).all(axis=1).sum()),
            "wrong axis: that counts images on which "
            "no unit fires; a unit is a column of Z1 (axis 0 runs over the images).",
        ),
        (
            int((Z1 < 0).all(axis=0).sum()),
            "used Z1 < 0: a unit with Z1 == 0 exactly "
            "also outputs 0 and gets no gradient; dead means Z1 <= 0 everywhere.",
        ),
        (want / H, "returned the share of dead units; return the count."),
        (H - want, "counted the living units."),
        (
            int((Z1.mean(axis=0) <= 0).sum()),
            "used the mean over the images; a unit "
            "is dead only if it is inactive on every image (max <= 0).",
        ),
        (
            int(((X @ W1) <= 0).all(axis=0).sum()),
            "the bias is missing: the pre-activation is Z1 = X @ W1 + b1.",
        ),
    ]


def check_dead_units(dead_units) -> None:
    """Exercise 8: ``dead_units(W1, b1, X)`` -> the number of hidden units with Z1 <= 0 on
    every row of X.

    When a wrong count fits several known mistakes, the other cases decide which one it is.
    """
    __tracebackhide__ = True
    cases = _dead_cases(np.random.default_rng(24))
    check = Check("dead_units", total=len(cases))
    for number, (description, W1, b1, X, Z1) in enumerate(cases):
        with check.case(description):
            got = check.call(dead_units, W1, b1, X)
            value = _count(check, got, "the count of dead units")
            want = int((Z1 <= 0).all(axis=0).sum())
            if value == want:
                continue
            fits = [
                i
                for i, (v, _) in enumerate(_dead_mistakes(W1, b1, X, Z1))
                if v != want and abs(value - v) < 1e-9
            ]
            for other, (_, W1o, b1o, Xo, Z1o) in enumerate(cases):
                if len(fits) <= 1:
                    break
                if other == number:
                    continue
                try:
                    v_other = _count(check, check.call(dead_units, W1o, b1o, Xo), "the count")
                except CheckFailure:
                    break
                wrong = _dead_mistakes(W1o, b1o, Xo, Z1o)
                kept = [i for i in fits if abs(v_other - wrong[i][0]) < 1e-9]
                fits = kept or fits
            if fits:
                why = _dead_mistakes(W1, b1, X, Z1)[fits[0]][1]
                raise CheckFailure(
                    f"the count is {value:g}, expected {want}.\n  Likely mistake: {why}"
                )
            raise CheckFailure(
                f"the count is {value:g}, expected {want} (of {Z1.shape[1]} units).\n  Hint: "
                f"a unit is a column of Z1 = X @ W1 + b1 (one row per image); it is dead when "
                f"every entry of its column is <= 0."
            )
    check.passed()


def _reference_train_hidden(H, X, y, X_val, y_val, seed, variant=""):
    from helpers.model import TwoLayerNet
    from helpers.train import evaluate, fit

    if variant == "swap":  # trained on the validation part, evaluated on the training part
        X, y, X_val, y_val = X_val, y_val, X, y
    if variant == "seed0":
        seed = 0
    net = TwoLayerNet(
        X.shape[1],
        256 if variant == "H" else H,
        10,
        init="tutorial" if variant == "init" else "he",
        rng=np.random.default_rng(seed),
    )
    fit(
        net,
        X,
        y,
        epochs=1,
        batch_size=128,
        lr=0.1,
        optimizer="sgd" if variant == "sgd" else "momentum",
        schedule="cosine",
        rng=np.random.default_rng(seed),
    )
    loss, acc = evaluate(
        net, X if variant == "train" else X_val, y if variant == "train" else y_val
    )
    return {"percent": 100 * acc, "loss": loss}.get(variant, acc)


def check_train_hidden(train_hidden) -> None:
    """Exercise 9: ``train_hidden(H, X, y, X_val, y_val, seed)`` -> validation accuracy in
    [0, 1] of a D-H-10 TwoLayerNet ("he", rng seed) after one epoch of helpers.train.fit on
    X, y."""
    __tracebackhide__ = True
    rng = np.random.default_rng(25)
    D = 30
    centres = rng.standard_normal((10, D))
    y = rng.integers(0, 10, 400)
    X = (centres[y] + 1.5 * rng.standard_normal((400, D))).astype(np.float32)
    y_val = rng.integers(0, 10, 200)
    X_val = (centres[y_val] + 1.5 * rng.standard_normal((200, D))).astype(np.float32)
    cases = [(16, 3), (64, 4)]
    check = Check("train_hidden", total=len(cases))
    for H, seed in cases:
        with check.case(f"H={H}, seed={seed}, 400 training and 200 validation examples of D={D}"):
            got = check.call(train_hidden, H, X, y, X_val, y_val, seed)
            value = _count(check, got, "the validation accuracy")
            want = _reference_train_hidden(H, X, y, X_val, y_val, seed)
            if abs(value - want) < 1e-9:
                continue
            for variant, why in [
                ("percent", "returned a percentage; return the accuracy as a fraction in [0, 1]."),
                ("train", "returned the training accuracy; evaluate on X_val, y_val."),
                ("H", "the hidden size H was not passed on: TwoLayerNet(D, H, 10, ...)."),
                ("init", "used init='tutorial'; the sweep uses He initialisation."),
                ("loss", "returned the validation loss; evaluate(...) returns (loss, accuracy)."),
                (
                    "swap",
                    "trained on X_val, y_val and evaluated on X, y: fit on the training part "
                    "X, y; the validation images are only for evaluate(net, X_val, y_val).",
                ),
                (
                    "sgd",
                    "trained with plain SGD (fit's default optimizer); the sweep uses "
                    "optimizer='momentum' with schedule='cosine'.",
                ),
                (
                    "seed0",
                    "the seed argument was not used (a fixed seed 0): build the net and the "
                    "batch order with np.random.default_rng(seed).",
                ),
            ]:
                cand = _reference_train_hidden(H, X, y, X_val, y_val, seed, variant)
                if abs(cand - want) > 1e-9 and abs(value - cand) < 1e-9:
                    raise CheckFailure(
                        f"got {value:.4f}, expected {want:.4f}.\n  Likely mistake: {why}"
                    )
            raise CheckFailure(
                f"got {value:.4f}, expected {want:.4f}. Build the net with "
                f"rng=np.random.default_rng(seed), train with fit(..., epochs=1, batch_size=128, "
                f"lr=0.1, optimizer='momentum', schedule='cosine', "
                f"rng=np.random.default_rng(seed)) and return evaluate(net, X_val, y_val)[1]."
            )
    check.passed()


# --------------------------------------------------------------------------------------
# Part C: the bug zoo
# --------------------------------------------------------------------------------------


def _bug(variant: str, doc: str) -> Callable:
    def loss_and_grads(params, X, y, reg=0.0):
        return reference_loss_and_grads(params, X, y, reg, variant)

    loss_and_grads.__doc__ = doc
    return loss_and_grads


#: Three broken backward passes, ``f(params, X, y, reg=0.0) -> (loss, grads)``.
BUG_ZOO = {
    "a": _bug("no_mask", "Broken backward pass (a): find the wrong gradients."),
    "b": _bug("db_mean", "Broken backward pass (b): find the wrong gradients."),
    "c": _bug("preact", "Broken backward pass (c): find the wrong gradients."),
}
_ZOO_ANSWER = {"a": {"W1", "b1"}, "b": {"b1", "b2"}, "c": {"W2"}}


def _subtle(params, X, y, reg=0.0):
    loss, g = reference_loss_and_grads(params, X, y, reg)
    g["b2"] = g["b2"] * 1.01  # 1% off: a loose threshold misses it
    return loss, g


def _nudged(name: str, rel: float) -> Callable:
    """A correct backward pass except that the largest entry of ``grads[name]`` is moved
    so that its relative error (helpers.gradcheck.relative_error) is about ``rel``."""

    def loss_and_grads(params, X, y, reg=0.0):
        loss, g = reference_loss_and_grads(params, X, y, reg)
        flat = g[name].reshape(-1)
        i = int(np.argmax(np.abs(flat)))
        flat[i] += np.sign(flat[i]) * 2 * rel * (np.abs(g[name]).max() * (1 + rel))
        return loss, g

    return loss_and_grads


def _as_names(got, what) -> set:
    if isinstance(got, str) or not isinstance(got, list | tuple | set | frozenset):
        raise CheckFailure(
            f"{what} should be a list of parameter names such as ['W1', 'b1'], "
            f"got {type(got).__name__}"
        )
    if not all(isinstance(n, str) for n in got):
        kinds = sorted({type(n).__name__ for n in got if not isinstance(n, str)})
        raise CheckFailure(
            f"{what} should hold parameter names (strings such as 'W1'), got items of type "
            f"{', '.join(kinds)}"
        )
    names = set(got)
    if len(names) != len(got):
        raise CheckFailure(f"{what} names a parameter more than once: list each name once")
    bad = names - set(NAMES)
    if bad:
        raise CheckFailure(f"{what} holds {sorted(bad)}; the names are {list(NAMES)}")
    return names


def check_wrong_gradients(wrong_gradients) -> None:
    """Exercise 11: ``wrong_gradients(loss_and_grads, params, X, y)`` -> the names of the
    gradients that disagree with centred finite differences (relative error above 1e-6)."""
    __tracebackhide__ = True
    params, X, y = _problem(np.random.default_rng(26), 5, 4, 3, 3)
    cases = [
        (
            "the ReLU mask missing",
            lambda p, X, y, reg=0.0: reference_loss_and_grads(p, X, y, 0.0, "no_mask"),
            {"W1", "b1"},
        ),
        ("only the output bias 1% off", _subtle, {"b2"}),
        (
            "Z1 instead of A in dW2",
            lambda p, X, y, reg=0.0: reference_loss_and_grads(p, X, y, 0.0, "preact"),
            {"W2"},
        ),
        (
            "a correct backward pass",
            lambda p, X, y, reg=0.0: reference_loss_and_grads(p, X, y),
            set(),
        ),
        (
            "b1 with a relative error of 1.6e-6, just above the threshold 1e-6",
            _nudged("b1", 1.6e-6),
            {"b1"},
        ),
        (
            "W2 with a relative error of 7e-7, just below the threshold 1e-6",
            _nudged("W2", 7e-7),
            set(),
        ),
    ]
    check = Check("wrong_gradients", total=len(cases))
    for description, fn, want in cases:
        with check.case(description):
            p = {k: v.copy() for k, v in params.items()}
            got = _as_names(check.call(wrong_gradients, fn, p, X, y, copy=False), "the result")
            if not all(np.array_equal(p[k], params[k]) for k in NAMES):
                raise CheckFailure(
                    "the parameters were left changed: numerical_gradient nudges them in place "
                    "and restores them; do not modify params yourself."
                )
            if got == want:
                continue
            if "just above" in description and not got:
                why = (
                    "the threshold is too loose: a relative error of 1.6e-6 is above 1e-6 and "
                    "must be reported; use relative_error(grads[k], numeric) > 1e-6."
                )
            elif "just below" in description and got == {"W2"}:
                why = (
                    "the threshold is too strict: a relative error of 7e-7 is below 1e-6 and "
                    "counts as agreement; use relative_error(grads[k], numeric) > 1e-6."
                )
            elif got == set(NAMES) - want:
                why = "returned the gradients that are right; return the wrong ones."
            elif got == set(NAMES):
                why = (
                    "every gradient reported wrong: compare each analytic gradient with its "
                    "own numerical gradient, relative_error(grads[k], numeric) > 1e-6, and let "
                    "the function passed to numerical_gradient return the loss at the current "
                    "(nudged) params: lambda: loss_and_grads(params, X, y)[0]."
                )
            elif got < want:
                why = (
                    "some wrong gradients were not reported: is the threshold too loose? A "
                    "correct float64 gradient agrees to about 1e-10 (about 3e-11 here), but a "
                    "wrong one can be off by as little as 5e-3 (b2 1% off) or even 1.6e-6: "
                    "the threshold is 1e-6, use relative_error(grads[k], numeric) > 1e-6."
                )
            else:
                why = "compare every one of W1, b1, W2, b2 with its own numerical gradient."
            raise CheckFailure(
                f"reported {sorted(got)}, expected {sorted(want)}.\n  Likely mistake: {why}"
            )
    check.passed()


def _describe(got) -> str:
    if isinstance(got, dict):
        return f"a dict with the keys {sorted(map(repr, got))}"
    return f"a {type(got).__name__}"


def check_answer_bug_zoo(answer) -> None:
    """Exercise 12: ``answer()`` -> {"a": [...], "b": [...], "c": [...]}, the wrong gradients
    of each broken backward pass in BUG_ZOO."""
    __tracebackhide__ = True
    check = Check("answer_bug_zoo", total=3)
    got = check.call(answer)
    if not isinstance(got, dict) or set(got) != set(_ZOO_ANSWER):
        raise CheckFailure(
            f'answer_bug_zoo: return a dict with the keys "a", "b", "c", each a list of '
            f"names, got {_describe(got)}"
        )
    hints = {
        "a": "the mask sits on delta1, and delta1 feeds both dW1 = X.T @ delta1 and db1; "
        "W2 and b2 come before the mask and are right.",
        "b": "the same wrong reduction is used for both bias gradients; the weights are right.",
        "c": "only dW2 uses the wrong array; delta1 = delta2 @ W2.T does not depend on dW2, so "
        "W1 and b1 are right.",
    }
    for key in ("a", "b", "c"):
        with check.case(f"broken backward pass ({key})"):
            names = _as_names(got[key], f"your answer for ({key})")
            if names != _ZOO_ANSWER[key]:
                raise CheckFailure(
                    f"({key}): {sorted(names)} is not right.\n  Hint: run "
                    f"wrong_gradients on BUG_ZOO[{key!r}]; {hints[key]}"
                )
    check.passed()
