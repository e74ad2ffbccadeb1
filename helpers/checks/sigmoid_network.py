"""Self-checks for the topic-03 exercises (notebooks/03-sigmoid-networks/3-exercises).

One ``check_...`` per exercise. Each calls the student's function, class or answer on
several inputs, compares with a reference computed here in float64 (never with the
student's other answers), prints one pass line, or raises
:class:`~helpers.checks.CheckFailure` naming the likely mistake. A ``NotImplementedError``
from an unfinished stub propagates unchanged; any other return value (None, a list, a tuple
of the wrong length, an object of the wrong kind) gives a message, never a crash.

Shapes: ``N`` examples, ``D`` inputs, ``M`` outputs of a linear layer, ``H`` hidden units.
The sigmoid is ``1 / (1 + exp(-z))``; its derivative ``s (1 - s)`` with ``s = sigmoid(z)``;
a unit-image pair is *saturated* when ``sigma'(z) < 0.01``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from helpers.checks import Check, CheckFailure, as_float_array, check_number

__all__ = [
    "check_sigmoid",
    "check_sigmoid_grad",
    "check_linear_backward",
    "check_sigmoid_layer",
    "check_glorot_uniform",
    "check_saturated_share",
    "check_answer_cap",
    "check_choose_lambda",
    "check_layer_grad_norms",
    "check_answer_vanishing",
    "VANISHING_CHOICE",
]

#: The answer of exercise 10: in the 784-64-64-64-64-64-10 sigmoid network at Glorot's
#: initialisation, |dL/dW1| is 100 to 3,000 times smaller than |dL/dW6| (choice 3).
VANISHING_CHOICE = 3

_STABLE_HOW = (
    "exponentiate only -|z| (at most 1): with e = np.exp(-np.abs(z)), sigmoid(z) is "
    "1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0."
)


# --------------------------------------------------------------------------------------
# References and shared helpers
# --------------------------------------------------------------------------------------


def _sigmoid(z) -> np.ndarray:
    """Stable float64 sigmoid."""
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _overflow(fn: Callable, *args) -> str | None:
    """The text of the floating-point overflow (or invalid operation) that ``fn(*args)``
    causes, or None. NotImplementedError propagates; other exceptions are left for
    :meth:`Check.call` to report."""
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            fn(*copies)
    except NotImplementedError:
        raise
    except FloatingPointError as err:
        return str(err)
    except Exception:
        return None
    return None


def _sigmoid_mistakes(z: np.ndarray) -> list[tuple[np.ndarray, str]]:
    with np.errstate(under="ignore"):
        return _sigmoid_candidates(z)


def _sigmoid_candidates(z: np.ndarray) -> list[tuple[np.ndarray, str]]:
    s = _sigmoid(z)
    return [
        (
            1 - s,
            "computed sigmoid(-z) = 1 / (1 + exp(z)) = 1 - sigmoid(z): the sign in the "
            "exponent is wrong, sigmoid(z) = 1 / (1 + exp(-z)).",
        ),
        (
            np.where(z >= 0, 1 - s, s),
            "used e / (1 + e) with e = exp(-|z|) for every z; that is right only for z < 0, "
            "for z >= 0 it is 1 / (1 + e).",
        ),
        (
            np.where(z >= 0, s, 1 - s),
            "used 1 / (1 + e) with e = exp(-|z|) for every z; that is right only for z >= 0, "
            "for z < 0 it is e / (1 + e).",
        ),
        (
            np.tanh(z),
            "tanh is a different squashing function (values in (-1, 1)); the logistic "
            "sigmoid is (1 + tanh(z / 2)) / 2.",
        ),
        (
            _sigmoid(2 * z),
            "(1 + tanh(z)) / 2 is sigmoid(2z); the identity is sigmoid(z) = "
            "(1 + tanh(z / 2)) / 2.",
        ),
        (s * (1 - s), "returned the derivative sigmoid(z) (1 - sigmoid(z)), not sigmoid(z)."),
        (np.asarray(z, dtype=np.float64), "returned z unchanged."),
        (np.exp(-np.abs(z)), "returned e = exp(-|z|) itself; sigmoid(z) is 1 / (1 + e) or "
         "e / (1 + e)."),
    ]


def _sigmoid_cases(rng) -> list[tuple[str, np.ndarray, bool]]:
    """(description, z, extreme): extreme cases also test for overflow."""
    return [
        ("21 values from -10 to 10, float64", np.linspace(-10, 10, 21), False),
        ("a 3 x 4 float32 batch", (3 * rng.standard_normal((3, 4))).astype(np.float32), False),
        ("large positive z only: 1, 50, 100, 1000, float64", np.array([1.0, 50, 100, 1000]), True),
        ("z = -1000, -100, 0, 100, 1000, float64", np.array([-1000.0, -100, 0, 100, 1000]), True),
        ("z = -1000 .. 1000 in float32 (exp overflows beyond 88)",
         np.array([[-1000, -100, -20], [0, 20, 1000]], dtype=np.float32), True),
    ]


def _overflow_message(z: np.ndarray, err: str, what: str) -> str:
    if (z >= 0).all():
        return (
            f"{what} overflowed ({err}) for large POSITIVE z, where exp(-z) is tiny. Likely "
            f"mistake: np.where(z >= 0, a, b) evaluates both branches for every z, so the "
            f"branch meant for z < 0, exp(z), is computed at z = 1000 too and overflows "
            f"(a RuntimeWarning in your notebook). {_STABLE_HOW}"
        )
    return (
        f"{what} overflowed ({err}) for large negative z: exp(-z) = exp(1000) is beyond the "
        f"largest float (about 1.8e308 in float64, 3.4e38 in float32), NumPy gives inf and a "
        f"RuntimeWarning. Likely mistake: the direct formula 1 / (1 + np.exp(-z)). "
        f"{_STABLE_HOW}"
    )


# --------------------------------------------------------------------------------------
# Exercise 1 and 2: the sigmoid and its derivative
# --------------------------------------------------------------------------------------


def _stable_result(
    check: Check, fn: Callable, z: np.ndarray, extreme: bool, finite_hint: str,
    overflow_what: str, overflow_extra: str = "",
) -> np.ndarray:
    """``fn(z)`` as an array of z's shape and dtype, free of NaN and inf, computed without
    any overflow warning when ``extreme`` (else a failure saying which of these went wrong)."""
    __tracebackhide__ = True
    err = _overflow(fn, z) if extreme else None
    got = check.array(check.call(fn, z), shape=z.shape, dtype=z.dtype)
    check.finite(got, hint=finite_hint)
    if err is not None:
        raise CheckFailure(_overflow_message(z, err, overflow_what) + overflow_extra)
    return got


def check_sigmoid(sigmoid) -> None:
    """Exercise 1: ``sigmoid(z)`` -> 1 / (1 + exp(-z)) elementwise, same shape and dtype,
    without overflow for any z (no warning at z = -1000 or +1000)."""
    __tracebackhide__ = True
    cases = _sigmoid_cases(np.random.default_rng(30))
    check = Check("sigmoid", total=len(cases))
    for description, z, extreme in cases:
        with check.case(description):
            got = _stable_result(
                check, sigmoid, z, extreme,
                finite_hint="an exponential overflowed to inf (inf / inf is NaN). " + _STABLE_HOW,
                overflow_what="computing sigmoid(z)",
            )
            check.close(got, _sigmoid(z), mistakes=_sigmoid_mistakes(z), generic=False)
    check.passed()


def check_sigmoid_grad(sigmoid_grad) -> None:
    """Exercise 2: ``sigmoid_grad(z)`` -> sigma'(z) = s (1 - s) with s = sigmoid(z), same
    shape and dtype, without overflow for any z."""
    __tracebackhide__ = True
    cases = _sigmoid_cases(np.random.default_rng(31))
    check = Check("sigmoid_grad", total=len(cases))
    for description, z, extreme in cases:
        with check.case(description):
            got = _stable_result(
                check, sigmoid_grad, z, extreme,
                finite_hint="an exponential overflowed (e.g. exp(-z) / (1 + exp(-z))**2 is "
                "inf / inf at z = -1000). Compute s = sigmoid(z) stably, then s * (1 - s).",
                overflow_what="computing sigmoid'(z)",
                overflow_extra=" Then sigma'(z) = s * (1 - s).",
            )
            s = _sigmoid(z)
            z64 = np.asarray(z, dtype=np.float64)
            check.close(
                got,
                s * (1 - s),
                mistakes=[
                    (s, "returned sigmoid(z) itself, not its derivative s * (1 - s)."),
                    (z64 * (1 - z64), "applied s * (1 - s) to z itself; first compute "
                     "s = sigmoid(z), the derivative is s * (1 - s)."),
                    (1 - s**2, "1 - s**2 is the pattern of tanh' = 1 - tanh**2; the "
                     "sigmoid's derivative is s * (1 - s)."),
                    (1 - np.tanh(z64) ** 2, "that is the derivative of tanh; the sigmoid's "
                     "is s * (1 - s) with s = sigmoid(z)."),
                    (1 - s, "the factor s is missing: sigma'(z) = s * (1 - s)."),
                    (np.full_like(s, 0.25), "1/4 is the derivative's maximum, at z = 0 "
                     "only; elsewhere it is s * (1 - s)."),
                    (s * (1 + s), "a sign slip: sigma'(z) = s * (1 - s), not s * (1 + s)."),
                    (s**2, "s**2 is not the derivative: sigma'(z) = s * (1 - s)."),
                ],
            )
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 3: the linear layer's backward pass
# --------------------------------------------------------------------------------------


class _LinearHarness:
    """The layer of exercise 3: forward caches its input as ``self.x``; backward is the
    student's function ``linear_backward(layer, dout)``."""

    def __init__(self, W, b):
        self.params = {"W": W, "b": b}
        self.grads = {}

    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]


def _instance(check: Check, make_layer):
    """The layer object of exercise 4, from the student's ``make_sigmoid_layer()``."""
    cls = check.call(make_layer)
    if not isinstance(cls, type):
        raise CheckFailure(
            f"make_sigmoid_layer should return the class SigmoidLayer itself (return "
            f"SigmoidLayer, no parentheses), got {type(cls).__name__}"
        )
    layer = check.call(cls, copy=False)
    for attr in ("forward", "backward"):
        if not callable(getattr(layer, attr, None)):
            raise CheckFailure(f"the class SigmoidLayer needs a method {attr}(self, ...)")
    return layer


def _grads_of(layer, shapes: dict) -> dict:
    grads = getattr(layer, "grads", None)
    if not isinstance(grads, dict):
        raise CheckFailure(
            f"layer.grads should be a dict holding the parameter gradients, got "
            f"{type(grads).__name__}: store them as layer.grads['W'] = ..., "
            f"layer.grads['b'] = ..."
        )
    missing = [k for k in shapes if k not in grads]
    if missing:
        raise CheckFailure(
            f"layer.grads has no entry {missing}: backward must store dL/dW in "
            f"layer.grads['W'] and dL/db in layer.grads['b'] (it returns only dL/dx)."
        )
    return grads


def check_linear_backward(linear_backward) -> None:
    """Exercise 3: ``linear_backward(layer, dout)``, the backward pass of a linear layer
    whose forward cached its input ``layer.x``: stores dL/dW = x.T @ dout in
    ``layer.grads["W"]``, dL/db = dout.sum(axis=0) in ``layer.grads["b"]``, returns
    dx = dout @ W.T."""
    __tracebackhide__ = True
    rng = np.random.default_rng(32)

    def problem(N, D, M, dtype=np.float64):
        return (rng.standard_normal((N, D)).astype(dtype),
                rng.standard_normal((D, M)).astype(dtype),
                rng.standard_normal(M).astype(dtype),
                rng.standard_normal((N, M)).astype(dtype))

    cases = [
        ("N=5, D=4, M=3, float64", *problem(5, 4, 3)),
        ("N=6, D=4, M=4 (square W), float64", *problem(6, 4, 4)),
        ("N=7, D=6, M=3, float32", *problem(7, 6, 3, np.float32)),
        ("a single example: N=1, D=5, M=2, float64", *problem(1, 5, 2)),
    ]
    check = Check(
        "linear_backward", total=len(cases),
        error_hint="for out = x @ W + b with x (N, D), W (D, M): dW = x.T @ dout (D, M), "
        "db = dout.sum(axis=0) (M,), dx = dout @ W.T (N, D).",
    )
    for description, x, W, b, dout in cases:
        with check.case(description):
            N = len(x)
            layer = _LinearHarness(W.copy(), b.copy())
            layer.forward(x.copy())
            got_dx = check.call(linear_backward, layer, dout)
            if isinstance(got_dx, tuple | list):
                raise CheckFailure(
                    f"linear_backward returned {len(got_dx)} values; it returns only dx = "
                    f"dL/dx and stores dL/dW and dL/db in layer.grads."
                )
            if not (np.array_equal(layer.params.get("W"), W)
                    and np.array_equal(layer.params.get("b"), b)):
                raise CheckFailure(
                    "backward changed layer.params: it only computes gradients; updating the "
                    "weights is the optimiser's job (and W is needed for dx)."
                )
            grads = _grads_of(layer, {"W": W.shape, "b": b.shape})
            x64, W64, d64 = (a.astype(np.float64) for a in (x, W, dout))
            M = W.shape[1]
            if (isinstance(grads["W"], np.ndarray) and grads["W"].shape == (M, M)
                    and W.shape[0] != M):
                raise CheckFailure(
                    f"grads['W'] has shape {(M, M)}, expected {W.shape}.\n  Likely mistake: "
                    f"used the layer's output in dW; dW = x.T @ dout uses its input x (the "
                    f"cache layer.x)."
                )
            out64 = x64 @ W64 + b
            dW = check.array(grads["W"], shape=W.shape, dtype=x.dtype, what="grads['W']")
            check.close(
                dW, x64.T @ d64, what="grads['W']", n=N,
                mistakes=[
                    ((out64.T @ d64) if W.shape[0] == M else np.zeros(0),
                     "used the layer's output in dW; dW = x.T @ dout uses its input x (the "
                     "cache layer.x)."),
                    ((x64.T @ d64) / N, "divided by N: dout = dL/dout already carries the 1/N "
                     "of the mean loss, so dW = x.T @ dout."),
                    ((d64.T @ x64), "dW is transposed: dW = x.T @ dout has W's shape (D, M)."),
                ],
            )
            db = check.array(
                grads["b"], shape=b.shape, dtype=x.dtype, what="grads['b']",
                shape_hint="db sums dout over the batch, axis 0: dout.sum(axis=0) has shape (M,).",
            )
            check.close(
                db, d64.sum(axis=0), what="grads['b']", n=N,
                mistakes=[
                    (d64.mean(axis=0), "db is dout.sum(axis=0), not the mean: dout already "
                     "carries the 1/N."),
                    (d64.sum(axis=0) + b, "added b to db: db = dout.sum(axis=0), b itself does "
                     "not appear."),
                ],
            )
            dx = check.array(got_dx, shape=x.shape, dtype=x.dtype, what="dx (the return value)")
            check.close(
                dx, d64 @ W64.T, what="dx (the return value)", n=N,
                mistakes=[
                    (x64, "returned the input x; backward returns dx = dout @ W.T."),
                ] + ([(d64 @ W64, "dx = dout @ W.T (shapes: (N, M) @ (M, D)); dout @ W is "
                       "only possible for a square W and is wrong."),
                      (d64 @ W64.T + b, "the bias does not enter dx: dx = dout @ W.T.")]
                     if W.shape[0] == W.shape[1] else []),
            )
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 4: a sigmoid layer class
# --------------------------------------------------------------------------------------


def check_sigmoid_layer(make_sigmoid_layer) -> None:
    """Exercise 4: ``make_sigmoid_layer()`` returns a class ``SigmoidLayer`` whose objects
    have ``forward(z) -> sigmoid(z)`` (stable, caching what backward needs) and
    ``backward(dout) -> dout * s * (1 - s)``."""
    __tracebackhide__ = True
    rng = np.random.default_rng(33)
    cases = [
        ("4 x 5 float64, z within +-4", 2 * rng.standard_normal((4, 5)), False),
        ("3 x 6 float32", (3 * rng.standard_normal((3, 6))).astype(np.float32), False),
        ("z = -1000 .. 1000, float64", np.array([[-1000.0, -30, 0], [2, 30, 1000]]), True),
        ("z = -1000 .. 1000, float32", np.array([[-1000, -100, 0.5], [-0.5, 100, 1000]],
                                                 dtype=np.float32), True),
    ]
    check = Check("SigmoidLayer", total=len(cases) + 2)
    for description, z, extreme in cases:
        with check.case(description):
            dout = rng.standard_normal(z.shape).astype(z.dtype)
            layer = _instance(check, make_sigmoid_layer)
            if extreme:
                err = _overflow(layer.forward, z)
                if err is not None:
                    raise CheckFailure(_overflow_message(z, err, "forward(z)"))
            out = check.array(check.call(layer.forward, z), shape=z.shape, dtype=z.dtype,
                              what="forward(z)")
            check.finite(out, hint="an exponential overflowed. " + _STABLE_HOW, what="forward(z)")
            check.close(out, _sigmoid(z), what="forward(z)", mistakes=_sigmoid_mistakes(z),
                        generic=False)
            got = check.call(layer.backward, dout)
            if isinstance(got, tuple | list):
                raise CheckFailure(
                    f"backward returned {len(got)} values; a sigmoid has no parameters, so it "
                    f"returns only dx = dL/dz."
                )
            dx = check.array(got, shape=z.shape, dtype=z.dtype, what="backward(dout)")
            s = _sigmoid(z)
            z64, d64 = z.astype(np.float64), dout.astype(np.float64)
            check.close(
                dx, d64 * s * (1 - s), what="backward(dout)",
                mistakes=[
                    (d64 * z64 * (1 - z64), "used the input z in s * (1 - s); the formula "
                     "needs the output s = sigmoid(z): cache it in forward."),
                    (s * (1 - s), "dout is missing: the chain rule gives dout * s * (1 - s)."),
                    (d64 * s, "the factor (1 - s) is missing: dout * s * (1 - s)."),
                    (d64 * (1 - s), "the factor s is missing: dout * s * (1 - s)."),
                    (d64 * 0.25, "1/4 is sigma' at z = 0 only: dout * s * (1 - s)."),
                    (d64, "returned dout unchanged: multiply by sigma'(z) = s * (1 - s)."),
                    (d64 * (1 - s**2), "1 - s**2 is tanh's pattern; the sigmoid's is "
                     "s * (1 - s)."),
                    (d64 * _sigmoid(d64) * (1 - _sigmoid(d64)), "applied sigma' to dout; it "
                     "is evaluated at the forward input: dout * s * (1 - s), s = sigmoid(z)."),
                ],
            )
    with check.case("two forward calls, then backward: the gradient at the last input"):
        z1, z2 = rng.standard_normal((3, 4)), 2 * rng.standard_normal((3, 4))
        dout = rng.standard_normal((3, 4))
        layer = _instance(check, make_sigmoid_layer)
        check.call(layer.forward, z1)
        check.call(layer.forward, z2)
        dx = as_float_array(check.call(layer.backward, dout), "backward(dout)")
        s1, s2 = _sigmoid(z1), _sigmoid(z2)
        if dx.shape == z1.shape and np.allclose(dx, dout * s1 * (1 - s1)):
            raise CheckFailure(
                "backward used the cache of the first forward call: store the output in "
                "forward every time (self.out = ...), backward uses the latest."
            )
        check.close(dx, dout * s2 * (1 - s2), what="backward(dout) after a second forward")
    with check.case("backward called twice gives the same result (the cache is not changed)"):
        z = rng.standard_normal((2, 5))
        dout = rng.standard_normal((2, 5))
        layer = _instance(check, make_sigmoid_layer)
        check.call(layer.forward, z)
        first = as_float_array(check.call(layer.backward, dout), "backward(dout)").copy()
        second = as_float_array(check.call(layer.backward, dout), "backward(dout)")
        if first.shape != second.shape or not np.allclose(first, second):
            raise CheckFailure(
                "a second backward call gave a different result: backward changed the cached "
                "output in place (e.g. self.out *= 1 - self.out); compute into a new array."
            )
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 5: Glorot initialisation
# --------------------------------------------------------------------------------------


def check_glorot_uniform(glorot_uniform) -> None:
    """Exercise 5: ``glorot_uniform(n_in, n_out, rng)`` -> float32 (n_in, n_out) drawn from
    U(-a, a), a = sqrt(6 / (n_in + n_out)), with the rng passed in."""
    __tracebackhide__ = True
    cases = [(400, 100), (64, 256)]
    check = Check("glorot_uniform", total=len(cases) + 1)
    for n_in, n_out in cases:
        with check.case(f"n_in={n_in}, n_out={n_out}"):
            got = check.call(glorot_uniform, n_in, n_out, np.random.default_rng(0))
            if isinstance(got, tuple | list) and len(got) == 2:
                raise CheckFailure("return only the weight matrix W; the biases start at 0 "
                                   "and are not part of this exercise.")
            W = check.array(got, shape=(n_in, n_out), dtype=np.float32, what="W")
            W64 = W.astype(np.float64)
            check.finite(W64, hint="the limit a overflowed?", what="W")
            a = math.sqrt(6 / (n_in + n_out))
            mean, std, top = float(W64.mean()), float(W64.std()), float(np.abs(W64).max())
            if top == 0:
                raise CheckFailure("W is all zeros: draw it with rng.uniform(-a, a, size=...).")
            if abs(mean) > 0.1 * std:
                raise CheckFailure(
                    f"W has mean {mean:.4f} against a spread of {std:.4f}: the draws are not "
                    f"centred at 0. Likely mistake: rng.uniform(0, a) or rng.random() * a; "
                    f"use rng.uniform(-a, a, size=(n_in, n_out))."
                )
            if top > 1.5 * math.sqrt(3) * std:
                raise CheckFailure(
                    f"the largest |W| is {top / std:.1f} standard deviations out: W is not "
                    f"uniform (a uniform U(-a, a) ends at sqrt(3) = 1.73 standard deviations). "
                    f"Likely mistake: a normal draw (rng.normal / standard_normal); Glorot's "
                    f"uniform form is rng.uniform(-a, a, size=(n_in, n_out))."
                )
            if abs(top / a - 1) < 0.01 and top <= a * (1 + 1e-6):
                continue
            candidates = [
                (math.sqrt(6 / n_in), "the limit uses n_in + n_out: a = sqrt(6 / (n_in + n_out)), "
                 "the compromise between the forward (n_in) and the backward pass (n_out)."),
                (math.sqrt(6 / n_out), "the limit uses n_in + n_out, not n_out alone: "
                 "a = sqrt(6 / (n_in + n_out))."),
                (math.sqrt(2 / (n_in + n_out)), "sqrt(2 / (n_in + n_out)) is the standard "
                 "deviation Glorot asks for; a uniform U(-a, a) has standard deviation "
                 "a / sqrt(3), so the limit is a = sqrt(6 / (n_in + n_out))."),
                (math.sqrt(3 / (n_in + n_out)), "the variance must be 2 / (n_in + n_out), "
                 "the factor 2 is missing: a = sqrt(6 / (n_in + n_out))."),
                (6 / (n_in + n_out), "the square root is missing: a = sqrt(6 / (n_in + n_out))."),
                (math.sqrt(6) / (n_in + n_out), "the square root must cover the whole "
                 "fraction: a = sqrt(6 / (n_in + n_out))."),
                (math.sqrt(6 / (n_in * n_out)), "n_in + n_out, not n_in * n_out: "
                 "a = sqrt(6 / (n_in + n_out))."),
                (1.0, "the draws were not scaled: rng.uniform(-a, a) with "
                 "a = sqrt(6 / (n_in + n_out))."),
            ]
            for value, why in candidates:
                if abs(top / value - 1) < 0.01:
                    raise CheckFailure(
                        f"W ranges over +-{top:.4f}, expected +-{a:.4f}.\n  Likely mistake: {why}"
                    )
            raise CheckFailure(
                f"W ranges over +-{top:.4f}, expected +-{a:.4f} = sqrt(6 / (n_in + n_out))."
            )
    with check.case("the same seed gives the same W, another seed another W (use the rng)"):
        a1 = as_float_array(check.call(glorot_uniform, 20, 8, np.random.default_rng(5)), "W")
        a2 = as_float_array(check.call(glorot_uniform, 20, 8, np.random.default_rng(5)), "W")
        b1 = as_float_array(check.call(glorot_uniform, 20, 8, np.random.default_rng(6)), "W")
        if a1.shape != a2.shape or not np.array_equal(a1, a2):
            raise CheckFailure(
                "two calls with the same seed gave different weights.\n  Likely mistake: "
                "np.random.uniform uses NumPy's global state; draw from the rng argument: "
                "rng.uniform(-a, a, size=(n_in, n_out))."
            )
        if a1.shape == b1.shape and np.array_equal(a1, b1):
            raise CheckFailure(
                "two different seeds gave the same weights: the rng passed in is ignored "
                "(a generator created inside the function?); draw from the rng argument."
            )
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 6: saturated units
# --------------------------------------------------------------------------------------


def _saturation_cases(rng):
    z1 = 4 * rng.standard_normal((200, 30))
    z1 = z1[:, rng.permutation(30)]
    z1[np.abs(np.abs(z1) - 4.59) < 0.02] = 3.0  # nothing near the threshold |z| = 4.585
    z1[:, 0] = 8.0  # one unit saturated on every image
    z2 = (5 * rng.standard_normal((64, 10)) + 2).astype(np.float32)
    z2[np.abs(np.abs(z2) - 4.59) < 0.02] = 1.0
    z3 = np.array([[-1000.0, -10, -1, 0], [1, 4, 10, 1000]])
    return [
        ("200 images x 30 units, float64", z1),
        ("64 images x 10 units, float32, mean 2", z2),
        ("2 x 4 with z = -1000 and 1000", z3),
    ]


def check_saturated_share(saturated_share) -> None:
    """Exercise 6: ``saturated_share(Z)`` -> the share (a number in [0, 1]) of the entries of
    the pre-activations Z (N, H) where sigma'(Z) < 0.01."""
    __tracebackhide__ = True
    cases = _saturation_cases(np.random.default_rng(34))
    check = Check("saturated_share", total=len(cases))
    for description, Z in cases:
        with check.case(description):
            got = check.call(saturated_share, Z)
            if isinstance(got, np.ndarray) and got.shape == (Z.shape[1],):
                raise CheckFailure(
                    f"returned one share per unit, shape {got.shape}; return one number, the "
                    f"share over all unit-image pairs (the mean over the whole array)."
                )
            value = check.number(got, what="the share")
            s = _sigmoid(Z)
            d = s * (1 - s)
            sat = d < 0.01
            want = float(sat.mean())
            if abs(value - want) < 1e-9:
                continue
            Z64 = Z.astype(np.float64)
            mistakes = [
                (float(sat.sum()), "counted the saturated pairs; return their share: divide "
                 "by Z.size (or take the mean of the boolean array)."),
                (1 - want, "returned the share of units that are NOT saturated (sigma' >= 0.01)."),
                (float((s < 0.01).mean()), "only the lower tail (sigmoid(z) < 0.01) was "
                 "counted; a unit saturates at both ends: sigma'(z) = s (1 - s) < 0.01."),
                (float((s > 0.99).mean()), "only the upper tail (sigmoid(z) > 0.99) was "
                 "counted; a unit saturates at both ends: sigma'(z) = s (1 - s) < 0.01."),
                (float((Z64 * (1 - Z64) < 0.01).mean()), "applied s (1 - s) to Z itself: "
                 "first s = sigmoid(Z), then s * (1 - s) < 0.01."),
                (float((d < 0.1).mean()), "the threshold is 0.01, not 0.1."),
                (100 * want, "a percentage; return the share as a fraction in [0, 1]."),
                (float(d.mean()), "returned the mean of sigma'(Z); return the share of entries "
                 "with sigma'(Z) < 0.01."),
                (float(sat.all(axis=0).mean()), "counted units saturated on every image; the "
                 "share asked for is over all unit-image pairs: (sigma'(Z) < 0.01).mean()."),
                (float(sat.all(axis=1).mean()), "counted images on which every unit is "
                 "saturated; the share is over all unit-image pairs."),
            ]
            for value_w, why in mistakes:
                if abs(value_w - want) > 1e-9 and abs(value - value_w) < 1e-9:
                    raise CheckFailure(
                        f"the share is {value:.4g}, expected {want:.4g}.\n  Likely mistake: {why}"
                    )
            raise CheckFailure(f"the share is {value:.4g}, expected {want:.4g}.")
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 7: T2's confidence cap
# --------------------------------------------------------------------------------------


def check_answer_cap(answer) -> None:
    """Exercise 7: the largest probability a softmax of ten sigmoid outputs can approach,
    e / (e + 9) = 0.2320."""
    __tracebackhide__ = True
    e = math.e
    check_number(
        answer,
        "answer_cap",
        e / (e + 9),
        decimals=4,
        mistakes=[
            (0.1, "0.1 is the uniform 1/10 (all sigmoid outputs equal); the largest value comes "
             "with the label's output at 1 and the other nine at 0."),
            (1 / (1 + 1 / e), "0.7311 = sigmoid(1) = e / (e + 1): the largest sigmoid output "
             "(or two classes); here the softmax runs over ten outputs: e / (e + 9)."),
            (e / (e + 10), "the denominator holds e for the label and 1 for each of the OTHER "
             "nine classes: e / (e + 9), not e / (e + 10)."),
            (e / 10, "the other nine terms are e^0 = 1 each and the label's is e^1 = e: the "
             "denominator is e + 9, not 10."),
            (math.log(1 + 9 / e), "1.4612 is the smallest possible loss, -log of the cap; "
             "the cap itself is e / (e + 9)."),
            (1 / e, "1/e is not it: the label's term is e^1 and the nine others e^0 = 1."),
            (e**2 / (e**2 + 9), "sigmoid outputs are below 1 and above 0, so the label's term "
             "is at most e^1 and every other term at least e^0 = 1: e / (e + 9)."),
            (1 / (1 + 9 * e), "that is the smallest probability (label's output at 0, the "
             "others at 1); the largest is e / (e + 9)."),
            (0.25, "1/4 is the largest derivative of the sigmoid, not the probability cap."),
        ],
    )


# --------------------------------------------------------------------------------------
# Exercise 8: choosing lambda on the validation split
# --------------------------------------------------------------------------------------


class _Model:
    """A stand-in for a trained network: its predictions are right on a set share of the
    rows of each data set (identified by a marker column), so the check knows every
    accuracy in advance."""

    def __init__(self, reg, accuracy):
        self.reg, self.accuracy, self.params = reg, accuracy, {}

    def scores(self, X):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != 4:
            raise ValueError(f"X must have shape (N, 4), got {X.shape}")
        which = X[:, 0].round().astype(int)  # 0 training rows, 1 validation rows
        row = X[:, 1].round().astype(int)
        y = X[:, 2].round().astype(int)
        acc = np.array([self.accuracy[("train", self.reg)], self.accuracy[("val", self.reg)]])
        n = X[:, 3].round().astype(int)  # size of the row's data set
        right = row < np.round(acc[which] * n)
        pred = np.where(right, y, (y + 1) % 10)
        return 5.0 * np.eye(10)[pred]

    def predict(self, X):
        return self.scores(X).argmax(axis=1)


def _lambda_problem(lambdas, val_acc, train_acc, n_tr=50, n_val=40):
    def data(marker, n, seed):
        y = np.random.default_rng(seed).integers(0, 10, n)
        X = np.stack([np.full(n, marker), np.arange(n), y, np.full(n, n)], axis=1).astype(float)
        return X, y

    X_tr, y_tr = data(0, n_tr, 1)
    X_val, y_val = data(1, n_val, 2)
    accuracy = {}
    for lam, va, tr in zip(lambdas, val_acc, train_acc, strict=True):
        accuracy[("val", lam)] = va
        accuracy[("train", lam)] = tr
    return X_tr, y_tr, X_val, y_val, accuracy


def check_choose_lambda(choose_lambda) -> None:
    """Exercise 8: ``choose_lambda(train, lambdas, X_tr, y_tr, X_val, y_val)`` -> the lambda
    whose network, ``train(X_tr, y_tr, reg=lambda)``, has the highest validation accuracy."""
    __tracebackhide__ = True
    cases = [
        # lambdas, validation accuracies, training accuracies (the best differ)
        ([0.0, 1e-4, 3e-4, 1e-3, 1e-2], [0.80, 0.70, 0.90, 0.85, 0.75],
         [0.93, 0.91, 0.92, 0.98, 0.80]),
        ([1e-2, 1e-3, 3e-4, 0.0], [0.75, 0.875, 0.80, 0.775], [0.76, 0.90, 0.94, 0.96]),
    ]
    check = Check("choose_lambda", total=len(cases))
    for lambdas, val_acc, train_acc in cases:
        with check.case(f"lambdas {lambdas}"):
            X_tr, y_tr, X_val, y_val, accuracy = _lambda_problem(lambdas, val_acc, train_acc)
            calls = []

            # train reads this case's calls, lambdas and accuracy: it is called only
            # within this iteration (hence the noqa: B023 below)
            def train(X, y, reg=0.0):
                X = np.asarray(X)
                markers = set(np.unique(np.asarray(X)[:, 0].round()).tolist()) if (
                    X.ndim == 2 and X.shape[1] == 4) else set()
                calls.append((markers, reg, len(X) if X.ndim else 0))  # noqa: B023
                if reg not in lambdas:  # noqa: B023
                    raise ValueError(f"reg={reg!r} is not one of the lambdas {lambdas}")  # noqa: B023
                return _Model(reg, accuracy)  # noqa: B023

            got = check.call(choose_lambda, train, list(lambdas), X_tr, y_tr, X_val, y_val)
            if isinstance(got, tuple | list | dict | np.ndarray) and not np.ndim(got) == 0:
                raise CheckFailure(
                    f"return one number, the chosen lambda; got {type(got).__name__}"
                    + (" (the chosen lambda and its accuracy? return only the lambda)"
                       if isinstance(got, tuple) and len(got) == 2 else "")
                )
            value = check.number(got, what="the chosen lambda")
            best = lambdas[int(np.argmax(val_acc))]
            if any(1.0 in m for m, _, _ in calls):
                mixed = any(m == {0.0, 1.0} for m, _, _ in calls)
                raise CheckFailure(
                    "train was called with validation data"
                    + (" (training and validation stacked together)" if mixed else "")
                    + ". Likely mistake: the validation split must stay out of training, or "
                    "it can no longer tell how well the network does on new images: "
                    "train(X_tr, y_tr, reg=lam)."
                )
            short = sorted({n for _, _, n in calls if n != len(X_tr)})
            if short:
                raise CheckFailure(
                    f"train was called with {short[0]} rows of the {len(X_tr)} training "
                    f"examples. Likely mistake: a subset left over from debugging "
                    f"(X_tr[:n]); train every network on the whole training split, "
                    f"train(X_tr, y_tr, reg=lam)."
                )
            regs = [r for _, r, _ in calls]
            if value == best and sorted(set(regs)) == sorted(lambdas):
                continue
            if not calls:
                raise CheckFailure(
                    f"returned {value:g} without training any network: call train(X_tr, y_tr, "
                    f"reg=lam) for every lam in lambdas and score each on the validation data."
                )
            if sorted(set(regs)) != sorted(lambdas):
                raise CheckFailure(
                    f"train was called with reg = {sorted(set(regs))}, expected each of "
                    f"{lambdas}: pass the lambda being tried, train(X_tr, y_tr, reg=lam)."
                )
            mistakes = [
                (lambdas[int(np.argmax(train_acc))], "chose the lambda with the best TRAINING "
                 "accuracy; training accuracy rewards fitting the training images, the choice "
                 "is made on the validation split: accuracy on X_val, y_val."),
                (lambdas[int(np.argmin(val_acc))], "chose the lambda with the LOWEST validation "
                 "accuracy: take the argmax."),
                (max(val_acc), "returned the best validation accuracy; return the lambda that "
                 "achieved it."),
                (float(np.argmax(val_acc)), "returned the index of the best lambda; return "
                 "lambdas[index]."),
                (lambdas[0], "returned the first lambda: compare all validation accuracies and "
                 "return the lambda of the largest."),
                (lambdas[-1], "returned the last lambda tried: keep the best, not the latest."),
            ]
            for value_w, why in mistakes:
                if value_w != best and abs(value - value_w) < 1e-12:
                    raise CheckFailure(
                        f"chose {value:g}, expected {best:g}.\n  Likely mistake: {why}")
            raise CheckFailure(
                f"chose {value:g}, expected {best:g}, the lambda with the highest validation "
                f"accuracy."
            )
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 9: per-layer gradient norms
# --------------------------------------------------------------------------------------


def _norm_model(depth: int, seed: int):
    from helpers.layers import Linear, Sigmoid
    from helpers.model import Sequential

    r = np.random.default_rng(seed)
    sizes = [6] + [5] * depth + [4]
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:], strict=False)):
        layers.append(Linear(a, b, init="glorot", rng=r, dtype=np.float64))
        if i < depth:
            layers.append(Sigmoid())
    model = Sequential(layers)
    for k, v in model.params.items():
        if k.startswith("b"):
            v[:] = r.normal(scale=0.3, size=v.shape)
    return model


def check_layer_grad_norms(layer_grad_norms) -> None:
    """Exercise 9: ``layer_grad_norms(model, X, y)`` -> the Frobenius norms of dL/dW_l for
    l = 1..L (no L2 term), in layer order, for a ``Sequential`` model of L Linear layers."""
    __tracebackhide__ = True
    rng = np.random.default_rng(35)
    cases = [("3 Linear layers", 2), ("1 Linear layer", 0), ("11 Linear layers (W10, W11)", 10)]
    check = Check("layer_grad_norms", total=len(cases))
    for description, depth in cases:
        with check.case(description):
            model = _norm_model(depth, seed=depth)
            X, y = rng.standard_normal((7, 6)), rng.integers(0, 4, 7)
            before = {k: v.copy() for k, v in model.params.items()}
            got = check.call(layer_grad_norms, model, X, y)
            if any(not np.array_equal(before[k], model.params[k]) for k in before):
                raise CheckFailure(
                    "the model's parameters changed: measuring gradients must not update the "
                    "weights (no optimiser step here)."
                )
            if isinstance(got, dict):
                raise CheckFailure("return the norms as a list or array in layer order "
                                   "(l = 1, 2, ..., L), not a dict.")
            L = depth + 1
            norms = as_float_array(got, "the norms")
            if norms.ndim == 0:
                raise CheckFailure(f"returned one number; return {L} norms, one per Linear layer.")
            norms = norms.reshape(-1)
            _, grads = model.loss(X, y)
            keys = [f"W{li}" for li in range(1, L + 1)]
            want = np.array([np.linalg.norm(grads[k]) for k in keys])
            if len(norms) == 2 * L:
                raise CheckFailure(
                    f"returned {2 * L} norms for {L} layers: the biases were included; only the "
                    f"weights W1..W{L} are asked for."
                )
            if len(norms) == L - 1 and L > 1:
                raise CheckFailure(
                    f"returned {L - 1} norms for {L} Linear layers: the last layer is missing "
                    f"(range(1, L + 1) runs over l = 1..L)."
                )
            if len(norms) != L:
                raise CheckFailure(f"returned {len(norms)} norms, expected {L}, one per Linear "
                                   f"layer (the keys W1..W{L}).")
            ordered_as_strings = sorted(keys)
            check.close(
                norms, want, what="the norms",
                mistakes=[
                    (np.array([np.linalg.norm(model.params[k]) for k in keys]), "those are the "
                     "norms of the weights W_l; the exercise asks for the norms of their "
                     "gradients dL/dW_l (from model.loss(X, y))."),
                    (want[::-1], "the norms are in reverse order: l = 1 is the first layer "
                     "(next to the input)."),
                    (want**2, "squared norms: the Frobenius norm is the square root of the sum "
                     "of squares, np.linalg.norm(G)."),
                    (np.array([np.linalg.norm(grads[f"b{li}"]) for li in range(1, L + 1)]), "those "
                     "are the biases' gradients; take the weights' dL/dW_l."),
                    (np.array([np.abs(grads[k]).max() for k in keys]), "the largest entry is not "
                     "the norm: the Frobenius norm is np.linalg.norm(G), sqrt((G**2).sum())."),
                    (np.array([np.linalg.norm(grads[k]) / math.sqrt(grads[k].size) for k in keys]),
                     "divided by the number of entries (a root-mean-square); the Frobenius norm "
                     "is np.linalg.norm(G)."),
                    (np.array([np.abs(grads[k]).sum() for k in keys]), "the sum of absolute "
                     "values is not the Frobenius norm, np.linalg.norm(G)."),
                    (np.array([np.linalg.norm(grads[k]) for k in ordered_as_strings]),
                     "the keys were sorted as strings, which puts W10 and W11 before W2: go "
                     "through l = 1..L, f'W{l}', in numeric order."),
                ],
                generic=False,
            )
    check.passed()


def check_answer_vanishing(answer) -> None:
    """Exercise 10: how |dL/dW1| compares with |dL/dW6| in the 5-hidden-layer sigmoid network
    (choice 3: 100 to 3,000 times smaller)."""
    __tracebackhide__ = True
    check_number(
        answer,
        "answer_vanishing",
        VANISHING_CHOICE,
        decimals=0,
        generic=False,
        mistakes=[
            (1, "that is the ReLU network's picture; in the sigmoid network the norms fall "
             "steadily from the output layer to the first: look at the left panel again."),
            (2, "more than that: the plot falls by a factor of about 4 per layer, and the first "
             "layer is five layers below the output, 4**5 = 1024."),
            (4, "not that extreme: the factor per layer is about 4 (sigma' <= 1/4), so five "
             "layers give about a thousand, not a hundred thousand."),
            (0, "choose one of the options 1, 2, 3 or 4."),
            (5, "choose one of the options 1, 2, 3 or 4."),
        ],
        hint="choose one of the options 1, 2, 3 or 4, from the plot of the experiment.",
    )
