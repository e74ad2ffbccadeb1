"""Self-checks for the topic-04 exercises (notebooks/04-backpropagation/3-exercises).

One ``check_...`` per exercise. Each calls the student's function (or answer) on several
inputs, compares with a reference computed here in float64, prints one pass line, or raises
:class:`~helpers.checks.CheckFailure` naming the likely mistake. A ``NotImplementedError``
from an unfinished stub propagates unchanged.

Notation as in the course: layers count from 1, ``Z[l] = A[l-1] @ W_l + b_l``,
``A[l] = relu(Z[l])`` for hidden layers, ``A[0] = X``, the last layer's ``Z[L]`` are the
logits, ``delta_l = dL/dZ_l``, the loss is the mean cross-entropy.

``bug_zoo_layers()`` builds the deep network with three broken layers of exercise 8.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from helpers.checks import Check, CheckFailure, check_number

__all__ = [
    "check_tanh_backward",
    "check_answer_chain",
    "check_backward_loop",
    "check_centred_difference",
    "check_answer_bad_h",
    "check_tensor_tanh",
    "check_broken_layers",
    "check_first_layer_ratio",
    "check_answer_depth",
    "bug_zoo_layers",
    "reference_backward",
    "BUG_ZOO_ANSWER",
]


# --------------------------------------------------------------------------------------
# Exercise 1: the tanh layer's backward pass
# --------------------------------------------------------------------------------------


def check_tanh_backward(tanh_backward) -> None:
    """Exercise 1: ``tanh_backward(dout, out)`` -> ``dout * (1 - out**2)``, where ``out`` is
    the forward output tanh(x)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(40)
    cases = []
    for description, shape, dtype in [
        ("5 x 7 float64", (5, 7), np.float64),
        ("4 x 6 float32", (4, 6), np.float32),
        ("a vector of 9 values, float64", (9,), np.float64),
    ]:
        x = 2 * rng.standard_normal(shape)
        cases.append(
            (description, rng.standard_normal(shape).astype(dtype), np.tanh(x).astype(dtype))
        )
    check = Check("tanh_backward", total=len(cases))
    for description, dout, out in cases:
        with check.case(description):
            got = check.array(
                check.call(tanh_backward, dout, out), shape=out.shape, dtype=out.dtype
            )
            d, o = dout.astype(np.float64), out.astype(np.float64)
            check.close(
                got,
                d * (1 - o**2),
                mistakes=lambda d=d, o=o: [
                    (
                        1 - o**2,
                        "returned the local derivative alone: multiply it by the "
                        "upstream gradient dout (chain rule).",
                    ),
                    (
                        d * (1 - np.tanh(o) ** 2),
                        "out is already tanh(x): the derivative is "
                        "1 - out**2 (= 1 / cosh(x)**2 of the input x), do not apply tanh again.",
                    ),
                    (
                        d * o * (1 - o),
                        "that is the sigmoid's derivative s (1 - s); tanh's is "
                        "1 - tanh(x)**2 = 1 - out**2.",
                    ),
                    (d * (1 - o) ** 2, "(1 - out)**2 is not 1 - out**2: square out first."),
                    (d * (1 + o**2), "the derivative of tanh is 1 - tanh**2 (a minus)."),
                    (d * (1 - o), "1 - out is not the derivative: 1 - out**2."),
                    (d * o, "multiplied by out; the derivative is 1 - out**2."),
                ],
            )
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 2: a two-layer chain by hand
# --------------------------------------------------------------------------------------


def check_answer_chain(answer) -> None:
    """Exercise 2: dL/dw1 for x = 3, w1 = 0.5, w2 = -3, t = 1, z = w1 x, a = relu(z),
    s = w2 a, L = (s - t)^2 (answer 99)."""
    __tracebackhide__ = True
    x, w1, w2, t = 3.0, 0.5, -3.0, 1.0
    a = max(w1 * x, 0.0)
    s = w2 * a
    dL_ds = 2 * (s - t)  # -11
    check_number(
        answer,
        "answer_chain",
        dL_ds * w2 * x,  # 99
        decimals=2,
        mistakes=[
            (dL_ds * w2, "the last step is missing: z = w1 x, so dz/dw1 = x = 3."),
            (
                (s - t) * w2 * x,
                "the derivative of (s - t)**2 is 2 (s - t): the factor 2 is missing.",
            ),
            (-dL_ds * w2 * x, "a sign error: dL/ds = 2 (s - t) = -11 (s = -4.5 is below t = 1)."),
            (dL_ds * a, "that is dL/dw2 = dL/ds * a; the question asks for dL/dw1."),
            (dL_ds * x, "w2 is missing: s = w2 a, so ds/da = w2 = -3."),
            ((s - t) ** 2, "that is the loss L itself, not its derivative."),
            (0.0, "z = 1.5 > 0, so the ReLU passes the gradient (its derivative is 1 here)."),
        ],
        hint="Go backwards: dL/ds = 2 (s - t), ds/da = w2, da/dz = 1 (z > 0), dz/dw1 = x; "
        "multiply them.",
    )


# --------------------------------------------------------------------------------------
# Exercise 3: the L-layer backward loop
# --------------------------------------------------------------------------------------


def _log_softmax(z):
    s = z - z.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


def reference_forward(params, X):
    """Z = [None, Z1, ..., ZL], A = [X, A1, ..., A_{L-1}, ZL]: ReLU hidden layers."""
    L = len(params) // 2
    Z, A = [None], [X]
    for i in range(1, L + 1):
        Z.append(A[i - 1] @ params[f"W{i}"] + params[f"b{i}"])
        A.append(np.maximum(Z[i], 0) if i < L else Z[i])
    return Z, A


def reference_backward(params, Z, A, y, variant: str = "") -> dict:
    """The four backpropagation equations in float64 (``variant``: a deliberate mistake)."""
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    Z = [None] + [np.asarray(z, dtype=np.float64) for z in Z[1:]]
    A = [np.asarray(a, dtype=np.float64) for a in A]
    L = len(p) // 2
    N = len(y)
    logits = Z[L] - Z[L].max(axis=0, keepdims=True) if variant == "max_axis0" else Z[L]
    delta = np.exp(_log_softmax(logits))
    delta[np.arange(N), y] -= 1
    if variant != "no_N":
        delta /= N
    if variant == "mask_last":
        delta = delta * (Z[L] > 0)
    g = {}
    for i in range(L, 0, -1):
        a_in = A[i] if variant == "A_out" and A[i].shape == A[i - 1].shape else A[i - 1]
        g[f"W{i}"] = a_in.T @ delta
        g[f"b{i}"] = delta.mean(axis=0) if variant == "db_mean" else delta.sum(axis=0)
        if i > 1:
            W = p[f"W{i}"]
            delta = delta @ (W if variant == "no_T" and W.shape[0] == W.shape[1] else W.T)
            if variant == "mask_shift":
                delta = delta * (Z[i] > 0) if Z[i].shape == Z[i - 1].shape else delta
            elif variant == "mask_ge":
                delta = delta * (Z[i - 1] >= 0)
            elif variant == "mask_A":
                delta = delta * A[i - 1]
            elif variant != "no_mask":
                delta = delta * (Z[i - 1] > 0)
    return g


_LOOP_DIAG = {
    "no_mask": "the ReLU mask is missing: delta_{l-1} = (delta_l @ W_l.T) * (Z[l-1] > 0).",
    "mask_shift": "the mask comes from the wrong layer: after delta @ W_l.T the gradient "
    "belongs to A[l-1], so multiply by (Z[l-1] > 0), not (Z[l] > 0).",
    "mask_A": "multiplied by the activations A[l-1]; the ReLU's derivative is the mask "
    "(Z[l-1] > 0), not relu itself.",
    "db_mean": "the bias gradient is the sum of delta over the batch; the 1/N is already in "
    "delta_L = (P - Y) / N.",
    "no_N": "delta_L = (P - Y) / N: the division by the batch size N is missing (the loss is "
    "a mean).",
    "mask_last": "the last layer has no ReLU: delta_L = (P - Y) / N is not masked.",
    "A_out": "dW_l = A[l-1].T @ delta_l uses the layer's INPUT A[l-1], not its output A[l].",
    "no_T": "delta_{l-1} = delta_l @ W_l.T: the transpose is missing.",
    "max_axis0": "the maximum subtracted from the logits was taken over axis 0 (one per "
    "class, over the batch): a different amount in each column changes the softmax; "
    "subtract each row's maximum, Z[L].max(axis=1, keepdims=True).",
    "mask_ge": "the mask (Z[l-1] >= 0) passes the gradient where Z[l-1] == 0 exactly (a dead "
    "unit); the course's ReLU subgradient there is 0: use (Z[l-1] > 0).",
}

_SOFTMAX_HINT = (
    "the softmax of the logits Z[L] overflowed: no max-subtraction before np.exp (or the "
    "maximum added instead of subtracted), or one maximum over the whole batch instead of "
    "each row's. With logits of about 1000, np.exp overflows to inf (inf / inf is NaN), and "
    "a row whose logits lie far below the batch's maximum underflows to 0 (0 / 0 is NaN). "
    "Subtract each row's maximum: Z[L] - Z[L].max(axis=1, keepdims=True)."
)


def _problem(rng, sizes, N):
    """Parameters and a batch whose hidden pre-activations stay away from the kink."""
    while True:
        params = {}
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
            params[f"W{i}"] = rng.standard_normal((a, b)) * math.sqrt(2 / a)
            params[f"b{i}"] = 0.1 * rng.standard_normal(b)
        X = rng.standard_normal((N, sizes[0]))
        Z, A = reference_forward(params, X)
        hidden = [z for z in Z[1:-1]]
        if all(np.abs(z).min() > 1e-3 and 0.2 < (z > 0).mean() < 0.8 for z in hidden):
            return params, X, rng.integers(0, sizes[-1], N), Z, A


def _large_logits(rng, N, D, H, C):
    """Two layers whose logits reach about 1000 on one row and stay O(1) on the others (the
    row maxima far apart: no max-subtraction, or one over the whole batch, gives NaN)."""
    from helpers.checks.relu_network import _large_logits_problem

    params, X, y = _large_logits_problem(rng, N, D, H, C)
    return (params, X, y, *reference_forward(params, X))


def _dead_unit(rng, sizes, N):
    """A problem whose first hidden layer has a dead unit: Z1 == 0 exactly in column 0."""
    params, X, y, _, _ = _problem(rng, sizes, N)
    params["W1"][:, 0] = 0.0
    params["b1"][0] = 0.0
    return (params, X, y, *reference_forward(params, X))


def _grads_dict(got, names) -> dict:
    if not isinstance(got, dict):
        raise CheckFailure(
            f"the gradients should be a dict with the keys {list(names)}, got {type(got).__name__}"
        )
    missing = [k for k in names if k not in got]
    extra = [k for k in got if k not in names]
    if missing or extra:
        hint = ""
        if "W0" in got or "b0" in got:
            hint = " Layers count from 1: W1, b1, ..., WL, bL."
        raise CheckFailure(
            f"the gradients dict should have exactly the keys {list(names)}; missing "
            f"{missing}, unexpected {extra}.{hint}"
        )
    return got


def check_backward_loop(backward_loop) -> None:
    """Exercise 3: ``backward_loop(params, Z, A, y)`` -> ``{"W1": ..., "b1": ..., ...}`` for
    any number of layers L = len(params) // 2 (ReLU hidden layers, softmax cross-entropy)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(41)
    cases = [
        ("L = 1 (softmax regression), N=6, 5 -> 3", _problem(rng, [5, 3], 6)),
        ("L = 3, every layer 6 wide (square W), N=10", _problem(rng, [6, 6, 6, 6], 10)),
        ("L = 2, N=8, 5 -> 4 -> 3", _problem(rng, [5, 4, 3], 8)),
        ("L = 4, N=9, 7 -> 6 -> 5 -> 4 -> 3", _problem(rng, [7, 6, 5, 4, 3], 9)),
        ("L = 2, N=6, 5 -> 4 -> 3, logits of about 1000 on one row and O(1) on the others",
         _large_logits(rng, 6, 5, 4, 3)),
        ("L = 3, N=8, 5 -> 4 -> 4 -> 3, a dead unit: Z1 == 0 exactly in column 0",
         _dead_unit(rng, [5, 4, 4, 3], 8)),
    ]
    check = Check("backward_loop", total=len(cases) + 1)
    for description, (params, _X, y, Z, A) in cases:
        with check.case(description):
            N = len(y)
            names = [f"{p}{i}" for i in range(1, len(params) // 2 + 1) for p in "Wb"]
            got = _grads_dict(check.call(backward_loop, params, Z, A, y), names)
            want = reference_backward(params, Z, A, y)
            wrong = {}  # the mistakes' gradients, computed on the first mismatch only

            def mistakes(k, want=want, wrong=wrong, args=(params, Z, A, y)):
                if not wrong:
                    wrong.update({v: reference_backward(*args, v) for v in _LOOP_DIAG})
                return [
                    (w[k], _LOOP_DIAG[v])
                    for v, w in wrong.items()
                    if not np.allclose(w[k], want[k], rtol=1e-6, atol=1e-12)
                ]

            for k in names:
                g = check.array(
                    got[k],
                    shape=params[k].shape,
                    dtype=np.float64,
                    what=f"grads[{k!r}]",
                    shape_hint=f"Every gradient has its parameter's shape; G_W{k[1:]} = "
                    f"A[{int(k[1:]) - 1}].T @ delta_{k[1:]} uses the layer's input A[l-1] "
                    "(n_{l-1} columns), and delta_{l-1} = delta_l @ W_l.T.",
                )
                check.finite(g, _SOFTMAX_HINT, what=f"grads[{k!r}]")
                check.close(
                    g,
                    want[k],
                    what=f"grads[{k!r}]",
                    mistakes=lambda k=k: mistakes(k),
                    n=N,
                )
    with check.case("float32 arrays in, float32 gradients out"):
        params, X, y, Z, A = _problem(rng, [5, 4, 3], 6)
        p32 = {k: v.astype(np.float32) for k, v in params.items()}
        Z32 = [None] + [z.astype(np.float32) for z in Z[1:]]
        A32 = [a.astype(np.float32) for a in A]
        got = _grads_dict(check.call(backward_loop, p32, Z32, A32, y), list(params))
        want = reference_backward(params, Z, A, y)
        for k in params:
            g = check.array(got[k], shape=params[k].shape, dtype=np.float32, what=f"grads[{k!r}]")
            check.close(g, want[k], what=f"grads[{k!r}]", n=6, dtype=np.float32)
    check.passed()


# --------------------------------------------------------------------------------------
# Exercises 4-5: finite differences and the choice of h
# --------------------------------------------------------------------------------------


def _as_float(got, what: str) -> float:
    arr = np.asarray(got) if isinstance(got, np.ndarray | np.generic) else None
    if arr is not None and arr.size == 1 and np.issubdtype(arr.dtype, np.floating):
        value = float(arr.reshape(()))
    elif isinstance(got, bool) or not isinstance(got, numbers.Real):
        raise CheckFailure(f"{what} should be one number (a float), got {type(got).__name__}")
    else:
        value = float(got)
    if not math.isfinite(value):
        raise CheckFailure(f"{what} is {value}, expected a finite number")
    return value


def check_centred_difference(centred_difference) -> None:
    """Exercise 4: ``centred_difference(f, x, h)`` -> ``(f(x + h) - f(x - h)) / (2 h)``."""
    __tracebackhide__ = True
    cases = [
        ("f = sin at x = 1.0, h = 1e-3", np.sin, 1.0, 1e-3),
        ("f = exp at x = 0.5, h = 1e-2", np.exp, 0.5, 1e-2),
        ("f(x) = x**3 at x = -2.0, h = 0.1", lambda v: v**3, -2.0, 0.1),
    ]
    check = Check("centred_difference", total=len(cases))
    for description, f, x, h in cases:
        with check.case(description):
            got = _as_float(check.call(centred_difference, f, x, h), "the result")
            want = (f(x + h) - f(x - h)) / (2 * h)
            if abs(got - want) <= 1e-9 * max(1.0, abs(want)):
                continue
            mistakes = [
                (
                    (f(x + h) - f(x)) / h,
                    "that is the one-sided difference (f(x + h) - f(x)) / h, "
                    "with an error of order h; the centred one evaluates at x + h and x - h.",
                ),
                (
                    (f(x) - f(x - h)) / h,
                    "that is the backward one-sided difference; use (f(x + h) - f(x - h)) / (2 h).",
                ),
                ((f(x + h) - f(x - h)) / h, "divide by 2 h: the two points are 2 h apart."),
                (
                    (f(x + h) - f(x - h)) / 2 * h,
                    "operator precedence: / 2 * h multiplies by h; write / (2 * h).",
                ),
                ((f(x - h) - f(x + h)) / (2 * h), "the sign is flipped: f(x + h) - f(x - h)."),
                ((f(x + h) + f(x - h)) / (2 * h), "a difference, not a sum: f(x + h) - f(x - h)."),
                ((f(x + h) - f(x - h)) / (2 * h * h), "divided by h twice."),
                (f(x), "returned f(x) itself, not a derivative."),
            ]
            for value, why in mistakes:
                if abs(got - value) <= 1e-9 * max(1.0, abs(value)):
                    raise CheckFailure(
                        f"got {got:.6g}, expected {want:.6g}.\n  Likely mistake: {why}"
                    )
            raise CheckFailure(
                f"got {got:.6g}, expected {want:.6g} = (f(x + h) - f(x - h)) / (2 h)."
            )
    check.passed()


def check_answer_bad_h(answer) -> None:
    """Exercise 5: why the float64 centred difference is bad at h = 1e-12 (choice 2:
    rounding error divided by a tiny h)."""
    __tracebackhide__ = True
    check_number(
        answer,
        "answer_bad_h",
        2,
        decimals=0,
        mistakes=[
            (
                1,
                "truncation (the h**2 term of the Taylor series) shrinks as h shrinks; at "
                "h = 1e-12 it is about 1e-24. It dominates on the right of the V, at large h.",
            ),
            (
                3,
                "sin is smooth everywhere: there is no kink. The error grows on the left of the "
                "V even for perfectly smooth functions.",
            ),
        ],
        hint="Choose 1, 2 or 3. Look at the left arm of the V: the error grows like eps / h.",
        generic=False,
    )


# --------------------------------------------------------------------------------------
# Exercise 6: one more autodiff operation
# --------------------------------------------------------------------------------------


def check_tensor_tanh(tanh) -> None:
    """Exercise 6: ``tanh(t)`` for a ``helpers.autodiff.Tensor``: the output Tensor has
    ``data = np.tanh(t.data)``, ``t`` as its parent, and a backward closure that adds
    ``out.grad * (1 - out.data**2)`` to ``t.grad``."""
    __tracebackhide__ = True
    from helpers.autodiff import Tensor

    rng = np.random.default_rng(42)
    x = 1.5 * rng.standard_normal((4, 5))
    c = rng.standard_normal((4, 5))
    check = Check("tanh", total=4)

    def backward(loss):
        try:
            with np.errstate(all="ignore"):
                loss.backward()
        except NotImplementedError:
            raise
        except Exception as err:
            raise CheckFailure(
                f"loss.backward() through your tanh raised {type(err).__name__}: {err}. "
                "Likely mistake: the closure uses a tensor that is not in the graph (t.grad is "
                "None when the output does not list t as its parent: Tensor(data, (t,), 'tanh'))."
            ) from err

    def result(t, what="tanh(t)"):
        out = check.call(tanh, t, copy=False)
        if not isinstance(out, Tensor):
            raise CheckFailure(
                f"{what} should return a Tensor (so the graph continues), got "
                f"{type(out).__name__}. Build it as Tensor(np.tanh(t.data), (t,), 'tanh')."
            )
        return out

    with check.case("the forward value, float64 (4, 5)"):
        t = Tensor(x.copy())
        out = result(t)
        got = check.array(out.data, shape=x.shape, dtype=np.float64, what="tanh(t).data")
        check.close(
            got,
            np.tanh(x),
            what="tanh(t).data",
            mistakes=[
                (
                    1 - np.tanh(x) ** 2,
                    "the forward value is tanh(x); 1 - tanh**2 is its derivative.",
                ),
                (x, "the data were not transformed: np.tanh(t.data)."),
            ],
            generic=False,
        )
        if not np.array_equal(t.data, x):
            raise CheckFailure("tanh changed t.data in place; compute a new array.")
    with check.case("the gradient of sum(c * tanh(x)) is c * (1 - tanh(x)**2)"):
        t = Tensor(x.copy())
        backward((result(t) * c).sum())
        if t.grad is None or not np.any(t.grad):
            raise CheckFailure(
                "t.grad stayed zero: no gradient reached t. Likely mistake: the output Tensor "
                "does not list t as its parent (Tensor(data, (t,), 'tanh')), or its _backward "
                "closure was not attached (out._backward = backward)."
            )
        th = np.tanh(x)
        check.close(
            t.grad,
            c * (1 - th**2),
            what="t.grad",
            mistakes=[
                (
                    1 - th**2,
                    "the upstream gradient out.grad is missing: t.grad += out.grad * (1 - "
                    "out.data**2) (the chain rule).",
                ),
                (
                    c * (1 - x**2),
                    "used the input t.data in 1 - x**2; the derivative is 1 - tanh(x)**2 "
                    "= 1 - out.data**2.",
                ),
                (c * th * (1 - th), "that is the sigmoid's derivative; tanh's is 1 - tanh**2."),
                (c * (1 - th) ** 2, "(1 - out)**2 is not 1 - out**2."),
                (c, "the local derivative 1 - out.data**2 is missing."),
            ],
        )
    with check.case("a node used twice: tanh(x) + tanh(x) gives twice the gradient"):
        t = Tensor(x.copy())
        backward(((result(t) + result(t)) * c).sum())
        want = 2 * c * (1 - np.tanh(x) ** 2)
        check.close(
            t.grad,
            want,
            what="t.grad",
            mistakes=[
                (
                    want / 2,
                    "the gradient was overwritten, not accumulated: t used twice must get "
                    "both contributions, t.grad = t.grad + ... (or +=), never t.grad = ....",
                ),
            ],
        )
    with check.case("inside a graph: tanh(X @ W) passes the gradient on to W"):
        X = rng.standard_normal((3, 4))
        W = Tensor(rng.standard_normal((4, 2)))
        backward((result(Tensor(X) @ W, "tanh(X @ W)") * 1.0).sum())
        th = np.tanh(X @ W.data)
        check.close(W.grad, X.T @ (1 - th**2), what="W.grad")
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 7: the bug zoo, found by per-layer gradient checks
# --------------------------------------------------------------------------------------


def bug_zoo_layers(seed: int = 0) -> list:
    """A deep float64 network (as a list of layers) with three broken backward passes.

    Sizes 12 -> 10 -> 9 -> 8 -> 6 -> 4 with sigmoid and ReLU activations, 9 layers in all
    (inputs (N, 12)); run ``check_layer`` on each layer, fed its real input, to find them.
    """
    from helpers.layers import Linear, ReLU, Sigmoid

    rng = np.random.default_rng(seed)

    class SigmoidBug(Sigmoid):
        def backward(self, dout):
            s = self._need_cache()
            return dout * s  # the factor (1 - s) forgotten

    class LinearBug(Linear):
        def backward(self, dout):
            dx = super().backward(dout)
            self.grads["b"][...] = np.asarray(dout).mean(axis=0)  # a mean, not a sum
            return dx

    class ReLUBug(ReLU):
        def backward(self, dout):
            self._need_cache()
            return dout * (dout > 0)  # the mask from dout, not from x

    for cls, name in ((SigmoidBug, "Sigmoid"), (LinearBug, "Linear"), (ReLUBug, "ReLU")):
        cls.__name__ = cls.__qualname__ = name  # they must not give themselves away

    def lin(a, b, cls=Linear):
        layer = cls(a, b, rng=rng, dtype=np.float64)
        layer.params["b"][...] = 0.1 * rng.standard_normal(b)
        return layer

    return [
        lin(12, 10),
        Sigmoid(),  # 0, 1
        lin(10, 9),
        SigmoidBug(),  # 2, 3  <- broken
        lin(9, 8),
        ReLU(),  # 4, 5
        lin(8, 6, LinearBug),
        ReLUBug(),  # 6, 7  <- both broken
        lin(6, 4),  # 8
    ]


#: The indices of the broken layers in ``bug_zoo_layers()``.
BUG_ZOO_ANSWER = [3, 6, 7]


def _subtle_layers(rng):
    from helpers.layers import Linear, ReLU

    class LinearSubtle(Linear):
        def backward(self, dout):
            dx = super().backward(dout)
            self.grads["W"] *= 1.001  # 0.1% off
            return dx

    layers = [
        Linear(5, 4, rng=rng, dtype=np.float64),
        ReLU(),
        LinearSubtle(4, 3, rng=rng, dtype=np.float64),
    ]
    return layers, [2]


def _nudged_layers(rng, rel: float):
    """A correct stack, except that the last Linear's bias gradient has a relative error
    (helpers.gradcheck.relative_error) of about ``rel``: its largest entry moved."""
    from helpers.layers import Linear, ReLU

    class LinearNudged(Linear):
        def backward(self, dout):
            dx = super().backward(dout)
            g = self.grads["b"].reshape(-1)
            i = int(np.argmax(np.abs(g)))
            g[i] += np.sign(g[i]) * 2 * rel * (np.abs(g).max() * (1 + rel))
            return dx

    LinearNudged.__name__ = LinearNudged.__qualname__ = "Linear"
    layers = [
        Linear(5, 4, rng=rng, dtype=np.float64),
        ReLU(),
        LinearNudged(4, 3, rng=rng, dtype=np.float64),
    ]
    return layers, [2] if rel > 1e-6 else []


def _correct_layers(rng):
    from helpers.layers import Linear, Sigmoid

    return [
        Linear(5, 4, rng=rng, dtype=np.float64),
        Sigmoid(),
        Linear(4, 3, rng=rng, dtype=np.float64),
    ], []


def _as_indices(got) -> list:
    if isinstance(got, str) or not isinstance(got, list | tuple | set | np.ndarray):
        raise CheckFailure(
            f"the result should be a list of layer indices such as [1, 4], got {type(got).__name__}"
        )
    items = list(np.asarray(got).reshape(-1)) if isinstance(got, np.ndarray) else list(got)
    if not all(isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in items):
        raise CheckFailure(
            "the result should hold integer layer indices (positions in the list, from 0), "
            f"got {items!r}"
        )
    return sorted(int(i) for i in items)


def check_broken_layers(broken_layers) -> None:
    """Exercise 7: ``broken_layers(layers, x, rng)`` -> the sorted indices of the layers whose
    ``check_layer`` relative error exceeds 1e-6, each layer checked on its own input (the
    output of the layers before it)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(43)
    zoo = bug_zoo_layers()
    cases = [
        ("a correct 3-layer stack", *_correct_layers(rng), (6, 5)),
        ("only the last Linear's dW 0.1% off", *_subtle_layers(rng), (6, 5)),
        ("the bug zoo (9 layers)", zoo, BUG_ZOO_ANSWER, (16, 12)),
        ("the last Linear's db with a relative error of 1.6e-6, just above the threshold 1e-6",
         *_nudged_layers(rng, 1.6e-6), (6, 5)),
        ("the last Linear's db with a relative error of 7e-7, just below the threshold 1e-6",
         *_nudged_layers(rng, 7e-7), (6, 5)),
    ]
    check = Check("broken_layers", total=len(cases) + 1)
    drawn = []  # per case: whether the generator passed in was drawn from
    for description, layers, want, shape in cases:
        with check.case(description):
            x = rng.standard_normal(shape)
            given = np.random.default_rng(0)
            got = _as_indices(check.call(broken_layers, layers, x, given, copy=False))
            drawn.append(given.bit_generator.state != np.random.default_rng(0).bit_generator.state)
            if got == want:
                continue
            n = len(layers)
            if "just above" in description and not got:
                why = (
                    "the threshold is too loose: a relative error of 1.6e-6 is above 1e-6 "
                    "and must be reported; use max(errors.values()) > 1e-6."
                )
            elif "just below" in description and got == [2]:
                why = (
                    "the threshold is too strict: a relative error of 7e-7 is below 1e-6 and "
                    "counts as agreement; use max(errors.values()) > 1e-6."
                )
            elif not want:
                why = (
                    "this stack is correct, yet layers were reported. Is the threshold too "
                    "tight (a correct layer agrees to about 1e-9: use > 1e-6), was each layer "
                    "fed its real input (x = layer.forward(x) after checking it), or were the "
                    "right layers returned instead of the broken ones?"
                )
            elif got == [i + 1 for i in want]:
                why = "the indices are one too high: positions in a Python list count from 0."
            elif got == sorted(set(range(n)) - set(want)):
                why = "returned the layers that are right; return the broken ones."
            elif set(got) - set(want) and all(i < max(want) for i in set(got) - set(want)):
                why = (
                    "layers below a broken one were reported: the wrong gradient flows down, so "
                    "a whole-model check sees its damage in every layer under it. Check each "
                    "layer on its own, with check_layer(layer, x, rng), then move on with "
                    "x = layer.forward(x)."
                )
            elif set(got) < set(want):
                why = (
                    "some broken layers were missed. Is the threshold too loose? A correct layer "
                    "agrees to about 1e-9, a subtle bug can be off by only 1e-4: use "
                    "max(errors.values()) > 1e-6, and check every array (x, W and b)."
                )
            elif set(want) < set(got):
                why = (
                    "correct layers were reported too. Is the threshold too tight, or was each "
                    "layer fed its real input (the previous layer's output)?"
                )
            else:
                why = "check every layer on its own input with check_layer, in order."
            raise CheckFailure(f"got {got}, expected {want}.\n  Likely mistake: {why}")
    with check.case("the random directions come from the rng passed in"):
        if not any(drawn):
            raise CheckFailure(
                "the rng argument was never drawn from. Likely mistake: a generator made "
                "inside the function (e.g. np.random.default_rng(0)); pass the caller's on, "
                "check_layer(layer, x, rng), so that the caller's seed decides the random "
                "directions of every check."
            )
    check.passed()


# --------------------------------------------------------------------------------------
# Exercise 8: a depth experiment
# --------------------------------------------------------------------------------------


def _reference_ratio(depth, activation, X, y, seed, variant=""):
    from helpers.model import mlp

    hidden = depth + 1 if variant == "depth+1" else depth
    sizes = [X.shape[1]] + [32] * hidden + [10]
    dtype = np.float32 if variant == "float32" else np.float64
    init = "he" if variant == "he" else None
    model = mlp(sizes, activation, init=init, rng=np.random.default_rng(seed), dtype=dtype)
    _, g = model.loss(X.astype(dtype), y)
    last = f"W{hidden}" if variant == "last-1" else f"W{hidden + 1}"
    norm = lambda a: float(np.linalg.norm(np.asarray(a, dtype=np.float64)))  # noqa: E731
    if variant == "weights":
        return norm(model.params["W1"]) / norm(model.params[last])
    if variant == "inverted":
        return norm(g[last]) / norm(g["W1"])
    if variant == "squared":
        return (norm(g["W1"]) / norm(g[last])) ** 2
    return norm(g["W1"]) / norm(g[last])


def check_first_layer_ratio(first_layer_ratio) -> None:
    """Exercise 8: ``first_layer_ratio(depth, activation, X, y, seed)`` ->
    ``|dL/dW1| / |dL/dW_last|`` at initialisation for ``mlp([D] + [32] * depth + [10],
    activation, rng=np.random.default_rng(seed), dtype=np.float64)``."""
    __tracebackhide__ = True
    rng = np.random.default_rng(44)
    X = rng.random((64, 20))
    y = rng.integers(0, 10, 64)
    cases = [(1, "relu", 0), (3, "sigmoid", 1), (4, "relu", 2)]
    check = Check("first_layer_ratio", total=len(cases))
    for depth, activation, seed in cases:
        with check.case(f"depth={depth}, activation={activation!r}, seed={seed}, X (64, 20)"):
            got = _as_float(
                check.call(first_layer_ratio, depth, activation, X, y, seed), "the ratio"
            )
            want = _reference_ratio(depth, activation, X, y, seed)
            if abs(got - want) <= 1e-4 * abs(want):  # float32 arithmetic is fine too
                continue
            for variant, why in [
                ("inverted", "the ratio is inverted: |dL/dW1| / |dL/dW_last|."),
                (
                    "weights",
                    "that is the ratio of the weights' norms; use the gradients "
                    "(model.loss(X, y) returns them).",
                ),
                (
                    "last-1",
                    f"the last weight matrix of {depth} hidden layers is W{depth + 1}, "
                    "not W{depth}: there is one more Linear layer than hidden layers.",
                ),
                (
                    "depth+1",
                    "the network has one hidden layer too many: sizes = [D] + [32] * depth + [10].",
                ),
                ("squared", "squared norms: np.linalg.norm already takes the square root."),
                (
                    "he",
                    "used init='he' for every activation; mlp's default (He for ReLU, "
                    "Glorot for the sigmoid) is meant: do not pass init.",
                ),
            ]:
                cand = _reference_ratio(depth, activation, X, y, seed, variant)
                if abs(cand - want) > 1e-3 * abs(want) and abs(got - cand) <= 1e-4 * abs(cand):
                    raise CheckFailure(
                        f"got {got:.6g}, expected {want:.6g}.\n  Likely mistake: {why}"
                    )
            raise CheckFailure(
                f"got {got:.6g}, expected {want:.6g}. Build mlp([D] + [32] * depth + [10], "
                "activation, rng=np.random.default_rng(seed), dtype=np.float64), call "
                "model.loss(X, y) and divide the norms of grads['W1'] and grads[f'W{depth + 1}']."
            )
    check.passed()


def check_answer_depth(answer) -> None:
    """Exercise 9: from 1 to 6 sigmoid hidden layers the ratio |dL/dW1| / |dL/dW_last| falls
    by more than 100 times (choice 2), while with ReLU and He it stays within a small
    factor."""
    __tracebackhide__ = True
    check_number(
        answer,
        "answer_depth",
        2,
        decimals=0,
        mistakes=[
            (
                1,
                "that is what happens with ReLU and He initialisation. With sigmoids each layer "
                "multiplies the backward signal by sigmoid' <= 1/4 (times the weights): look at "
                "the sigmoid curve again.",
            ),
            (
                3,
                "the ratio falls with depth for the sigmoid: the first layers get the smallest "
                "gradients (vanishing gradients), not the largest.",
            ),
        ],
        hint="Choose 1, 2 or 3 after printing the ratios for depth 1 and depth 6.",
        generic=False,
    )
