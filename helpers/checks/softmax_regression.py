"""Self-checks for the topic-01 exercises (notebooks/01-softmax-regression/3-exercises).

One ``check_...`` per exercise. Each calls the student's function (or answer) on several
inputs, compares with a reference computed here in float64 (never with the student's other
functions), prints one pass line, or raises :class:`~helpers.checks.CheckFailure` naming
the likely mistake. A ``NotImplementedError`` from an unfinished stub propagates unchanged.

Shapes: ``N`` examples, ``D`` features, ``C`` classes. Logits/scores ``(N, C)``, integer
labels ``(N,)``, weights ``W (D, C)``, bias ``b (C,)``.

The L2 convention of the exercises: ``L = mean cross-entropy + (reg / 2) * sum(W**2)``, so
``dL/dW = X.T @ (P - Y) / N + reg * W``; the bias is not regularised.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from helpers.checks import Check, CheckFailure, check_number

__all__ = [
    "check_answer_softmax_p2",
    "check_answer_uniform_loss",
    "check_answer_gradient_entry",
    "check_softmax",
    "check_cross_entropy",
    "check_gradients",
    "check_l2_loss_and_grads",
    "check_train",
    "check_softmax_with_temperature",
    "check_answer_best_learning_rate",
    "check_answer_confidence_limit",
    "check_answer_accuracy_change",
]

NUM_CLASSES = 10

#: The learning rates of the experiment of exercise 10. Each trains for one epoch (batches
#: of 100, ``rng = np.random.default_rng(0)``) on the 50,000 training images of
#: ``helpers.data.stratified_split(y_train, 10_000, seed=0)`` and is compared on the other
#: 10,000, the validation images: validation losses 1.859, 0.799, 0.397, 0.346, 0.330,
#: 0.340, 0.397. The grid is refined (factors of 2) around its best point, so that the
#: winner has a worse neighbour on each side; the older grid (0.001, 0.01, 0.1, 1, 2)
#: skipped 0.25 and 0.5 and picked 1.0, an artefact of the grid.
LEARNING_RATES = (0.001, 0.01, 0.1, 0.25, 0.5, 1.0, 2.0)
VALIDATION_LOSSES = (1.859, 0.799, 0.397, 0.346, 0.330, 0.340, 0.397)

#: The one of them with the lowest validation loss (chosen on validation, never on test).
BEST_LEARNING_RATE = 0.5

#: The MNIST part of check_train: one epoch, these settings, at least this accuracy on the
#: 10,000 validation images of the exercises' split (a self-check never scores the test set).
MNIST_EPOCHS, MNIST_BATCH_SIZE, MNIST_LR, MNIST_MIN_ACCURACY = 1, 100, 0.5, 0.90

_NAN_HINT_SOFTMAX = (
    "no max-subtraction, or not per row. np.exp(1000) overflows to inf and inf/inf is NaN; "
    "np.exp(-1000) underflows to 0 and 0/0 is NaN. Subtract each row's own maximum "
    "(z.max(axis=1, keepdims=True)) before np.exp: softmax does not change when the same "
    "constant is added to every entry of a row, and the largest exponent becomes exp(0) = 1."
)


# --------------------------------------------------------------------------------------
# References (float64, written independently of the student's code)
# --------------------------------------------------------------------------------------


def _softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _one_hot(y: np.ndarray, c: int) -> np.ndarray:
    out = np.zeros((len(y), c))
    out[np.arange(len(y)), y] = 1.0
    return out


def _cross_entropy(z: np.ndarray, y: np.ndarray) -> float:
    return float(-_log_softmax(z)[np.arange(len(y)), y].mean())


def _gradients(X, y, W, b) -> tuple[np.ndarray, np.ndarray]:
    X, W, b = (np.asarray(a, dtype=np.float64) for a in (X, W, b))
    G = (_softmax(X @ W + b) - _one_hot(y, W.shape[1])) / len(y)
    return X.T @ G, G.sum(axis=0)


def _random(rng: np.random.Generator, shape, scale: float = 1.0, dtype=np.float64):
    return (scale * rng.standard_normal(shape)).astype(dtype)


def _unpack(got, n: int, what: str, names: str):
    """A tuple/list of ``n`` results, else a failure explaining what to return."""
    return Check(what).values(got, n, names)


def _scalar(got, what: str, n: int | None = None) -> float:
    """A loss returned by the student as a single float."""
    return Check(what).number(got, what, n=n)


# --------------------------------------------------------------------------------------
# Part A: derivation questions with a numeric answer
# --------------------------------------------------------------------------------------


def check_answer_softmax_p2(answer) -> None:
    """Exercise 1: p_2 (class 2) of softmax([1, 2, 3]) to 4 decimals (0.6652)."""
    __tracebackhide__ = True
    p = _softmax(np.array([1.0, 2.0, 3.0]))
    check_number(
        answer,
        "answer_softmax_p2",
        float(p[2]),
        mistakes=[
            (
                float(p[0]),
                "that is p_0, the probability of the smallest logit; p_2 belongs to z_2 = 3.",
            ),
            (float(p[1]), "that is p_1; p_2 belongs to the largest logit z_2 = 3."),
            (
                0.5,
                "3 / (1 + 2 + 3) normalises the logits themselves; softmax normalises their "
                "exponentials: e^3 / (e^1 + e^2 + e^3).",
            ),
            (math.exp(3), "e^3 alone: divide by the sum e^1 + e^2 + e^3."),
            (1 / 3, "1/3 would be the answer for three equal logits."),
            (
                1 / float(p[2]),
                "that is 1/p_2: the denominator e^-2 + e^-1 + 1 after dividing by e^3; p_2 is "
                "its reciprocal.",
            ),
            (
                math.log(float(p[2])),
                "that is log p_2, the log-probability; the question asks for p_2 itself.",
            ),
        ],
        hint="Divide the numerator and the denominator by e^3, as in the hint: "
        "p_2 = 1 / (e^-2 + e^-1 + 1).",
    )


def check_answer_uniform_loss(answer) -> None:
    """Exercise 2: the mean cross-entropy of a uniform predictor over 10 classes (log 10)."""
    __tracebackhide__ = True
    want = math.log(10)
    check_number(
        answer,
        "answer_uniform_loss",
        want,
        mistakes=[
            (1.0, "log10(10) = 1: the cross-entropy uses the natural logarithm (np.log)."),
            (math.log2(10), "log2(10): the cross-entropy uses the natural logarithm (np.log)."),
            (0.1, "0.1 is the probability of the true class; the loss is -log of it."),
            (-want, "the sign: the loss is -log p, a positive number."),
            (5 * want, "that is the sum over the 5 examples; the loss is the mean over the batch."),
            (10.0, "10 is the number of classes; the loss is -log of the probability 1/10."),
            (0.0, "0 is the loss of a perfect predictor; a uniform one gives every class 1/10."),
            (
                want / 10,
                "that is log(10) divided by 10: averaged over the 10 classes instead of taking "
                "the true class's -log p.",
            ),
        ],
        hint="Every probability is 1/10; the loss of each example is -log(1/10).",
    )


def check_answer_gradient_entry(answer) -> None:
    """Exercise 3: dL/dW[1, 0] for the tiny example with W = 0, b = 0 (-5/6)."""
    __tracebackhide__ = True
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    y = np.array([0, 2])
    dW, _ = _gradients(X, y, np.zeros((2, 3)), np.zeros(3))
    check_number(
        answer,
        "answer_gradient_entry",
        float(dW[1, 0]),
        mistakes=[
            (2 * float(dW[1, 0]), "forgot to divide by the batch size N = 2."),
            (-float(dW[1, 0]), "the sign: dL/dz = P - Y, not Y - P."),
            (
                float(dW[0, 1]),
                "that is dL/dW[0, 1]: W has shape (D, C), so W[1, 0] connects "
                "feature 1 (the second pixel) to class 0 (transposed indices).",
            ),
            (float(dW[1, 0]) / 2, "divided by N twice?"),
            (
                -1.0,
                "that is -(1/N) sum_n X[n, 1] Y[n, 0]: forgot P, the probabilities "
                "(1/3 each); dL/dz = P - Y.",
            ),
            (
                1 / 6,
                "that is (1/N) sum_n X[n, 1] P[n, 0]: forgot to subtract Y, the one-hot "
                "labels; dL/dz = P - Y. (It is also dL/dW[0, 0]: check the indices too.)",
            ),
            (
                -2 * float(dW[1, 0]),
                "the sign and forgot to divide by the batch size N = 2: dL/dz = (P - Y) / N.",
            ),
        ],
        hint="With W = 0 every probability is 1/3; the entry is (1/N) sum_n X[n, 1] "
        "(P[n, 0] - Y[n, 0]), with X[:, 1] = (2, -1).",
    )


# --------------------------------------------------------------------------------------
# Part B: coding tasks
# --------------------------------------------------------------------------------------


def _softmax_mistakes(z: np.ndarray) -> list[tuple[np.ndarray, str]]:
    """Wrong softmaxes students write, computed on ``z`` (float64)."""
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(all="ignore"):
        e_row = np.exp(z - z.max(axis=1, keepdims=True))
        e_col = np.exp(z - z.max(axis=0, keepdims=True))
        e_all = np.exp(z - z.max())
        mistakes = [
            (
                e_col / e_col.sum(axis=0, keepdims=True),
                "wrong axis: normalised over the batch (axis=0), so each column sums to 1. "
                "Each row (one example) must sum to 1: use axis=1 (or -1) with keepdims=True.",
            ),
            (
                e_all / e_all.sum(),
                "normalised over the whole array (no axis): each row must sum to 1 on its own; "
                "use .sum(axis=1, keepdims=True).",
            ),
            (
                e_col / e_col.sum(axis=1, keepdims=True),
                "subtracted each column's maximum (axis=0) instead of each row's: a different "
                "shift for every class changes the probabilities; use "
                "z.max(axis=1, keepdims=True).",
            ),
            (e_row, "forgot to normalise: divide the exponentials by their row sums."),
            (_log_softmax(z), "returned log-probabilities; softmax returns probabilities."),
        ]
        if z.shape[0] == z.shape[1]:
            mistakes.append(
                (
                    e_row / e_row.sum(axis=1),
                    "forgot keepdims=True: the (N,) row sums were broadcast along the class "
                    "axis, so entry [i, j] was divided by the sum of row j.",
                )
            )
    return mistakes


def check_softmax(softmax) -> None:
    """Exercise 4: ``softmax(z)``, z (N, C) float -> probabilities (N, C), same dtype."""
    __tracebackhide__ = True
    rng = np.random.default_rng(4)
    cases = [
        ("one example [[1, 2, 3]], float64", np.array([[1.0, 2.0, 3.0]])),
        ("5 examples x 10 classes, float64", _random(rng, (5, 10), 3.0)),
        ("4 examples x 10 classes, float32", _random(rng, (4, 10), 3.0, np.float32)),
        (
            "10 x 10 (square, so rows and columns are easy to mix up), float64",
            _random(rng, (10, 10), 2.0),
        ),
        (
            "logits around +1000, float64",
            np.array([[1000.0, 999.0, 998.0, 0.0], [-1000.0, 0.0, 1000.0, 999.5]]),
        ),
        ("all logits -1000, float32", np.full((2, 5), -1000.0, dtype=np.float32)),
        (
            "one row around +1000, the other around -1000, float64",
            np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -999.0, -998.0]]),
        ),
    ]
    check = Check("softmax", total=len(cases))
    for description, z in cases:
        with check.case(description):
            got = check.call(softmax, z)
            got = check.array(got, shape=z.shape, dtype=z.dtype)
            check.finite(got, _NAN_HINT_SOFTMAX)
            check.close(got, _softmax(z), mistakes=lambda z=z: _softmax_mistakes(z))
    check.passed()


def _cross_entropy_mistakes(z: np.ndarray, y: np.ndarray) -> list[tuple[float, str]]:
    """Wrong cross-entropies, computed on ``z`` (float64) and labels ``y``."""
    z = np.asarray(z, dtype=np.float64)
    n, c = z.shape
    logp = _log_softmax(z)
    rows = np.arange(n)
    mistakes = [
        (
            -np.mean(_one_hot(y, c) * logp),
            "np.mean over all N x C entries divides by N*C: sum over the classes, then take the "
            "mean over the N examples.",
        ),
        (
            -logp.mean(),
            "averaged -log p over all classes instead of picking the true class's entry "
            "(one-hot mix-up): use log_probs[np.arange(N), labels].",
        ),
        (
            -logp[:, y].mean(),
            "indexed log_probs[:, labels], an N x N block, instead of "
            "log_probs[np.arange(N), labels] (one entry per example).",
        ),
        (
            -logp[rows, (y - 1) % c].mean(),
            "the labels are off by one: label k is column k (0-based).",
        ),
        (
            -logp[rows, (y + 1) % c].mean(),
            "the labels are off by one: label k is column k (0-based).",
        ),
        (
            -_log_softmax(z, axis=0)[rows, y].mean(),
            "wrong axis: the log-softmax was normalised over the batch (axis=0) instead of over "
            "the classes of each example (axis=1).",
        ),
        (_cross_entropy(z, y) / math.log(10), "used log10; the cross-entropy uses np.log."),
        (_cross_entropy(z, y) / math.log(2), "used log2; the cross-entropy uses np.log."),
    ]
    if n == c:
        mistakes.append(
            (
                -(y[None, :] * logp).sum(axis=1).mean(),
                "treated the integer labels as one-hot rows: build the one-hot matrix, or index "
                "log_probs[np.arange(N), labels].",
            )
        )
    return mistakes


def check_cross_entropy(cross_entropy) -> None:
    """Exercise 5: ``cross_entropy(logits, labels)`` -> mean over the batch of -log p[label]."""
    __tracebackhide__ = True
    rng = np.random.default_rng(5)
    cases = [
        (
            "hand example: logits [[2, 1, 0], [0, 0, 3]], labels [0, 2], float64",
            np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 3.0]]),
            np.array([0, 2]),
        ),
        (
            "all logits 0 (a uniform predictor), 4 examples x 10 classes, float64",
            np.zeros((4, 10)),
            np.array([3, 1, 4, 1]),
        ),
        ("8 examples x 10 classes, float64", _random(rng, (8, 10), 3.0), rng.integers(0, 10, 8)),
        ("a single example, float64", _random(rng, (1, 10), 3.0), np.array([7])),
        (
            "6 examples x 10 classes, float32",
            _random(rng, (6, 10), 3.0, np.float32),
            rng.integers(0, 10, 6),
        ),
        ("10 x 10 (square), float64", _random(rng, (10, 10), 2.0), rng.permutation(10)),
        (
            "logits of +-1000: a confident right and a confident wrong example, float64",
            np.array([[1000.0, -1000.0, 0.0, 500.0], [1000.0, -1000.0, 0.0, 500.0]]),
            np.array([0, 1]),
        ),
        (
            "logits around +1000, float32",
            np.array([[1000.0, 999.0, 998.0], [998.0, 1000.0, 999.0]], dtype=np.float32),
            np.array([2, 1]),
        ),
        (
            "rows with far-apart maxima (about +1000, 0 and -1000), float64",
            np.array([[1000.0, 998.0, 999.0], [0.0, 1.0, -1.0], [-1000.0, -999.0, -1001.0]]),
            np.array([1, 1, 2]),
        ),
    ]
    hint = (
        "no max-subtraction, a maximum taken over the whole batch instead of each row, or "
        "the log of a probability that underflowed to 0. np.exp(1000) overflows to inf; a "
        "softmax probability like exp(-2000) underflows to 0 and np.log(0) = -inf. Compute "
        "the log-probabilities directly in the log-sum-exp form: log p = (z - m) - "
        "log(sum(exp(z - m))) with m each row's own maximum, z.max(axis=1, keepdims=True)."
    )
    check = Check(
        "cross_entropy",
        total=len(cases),
        error_hint="labels are integers of shape (N,), not one-hot rows: pick each "
        "example's log-probability with log_probs[np.arange(N), labels].",
    )
    for description, z, y in cases:
        with check.case(description):
            got = _scalar(check.call(cross_entropy, z, y), "the loss", n=len(y))
            check.finite(np.array(got), hint, what="the loss")
            check.close(
                np.array(got, dtype=np.float64),
                _cross_entropy(z, y),
                what="the loss",
                mistakes=lambda z=z, y=y: _cross_entropy_mistakes(z, y),
                n=len(y),
                dtype=z.dtype,
            )
    check.passed()


def _gradient_mistakes(X, y, W, b) -> tuple[list, list]:
    """Wrong (dW, db) pairs: as two lists of (candidate, diagnosis)."""
    X, W, b = (np.asarray(a, dtype=np.float64) for a in (X, W, b))
    n, c = len(y), W.shape[1]
    Y = _one_hot(y, c)
    P = _softmax(X @ W + b)
    variants = [
        (P, "forgot to subtract the one-hot labels: dL/dz = (P - Y) / N."),
        (
            P - y[:, None],
            "subtracted the integer labels instead of their one-hot rows (one-hot mix-up): "
            "Y[n, k] = 1 where k == labels[n], else 0.",
        ),
        (P - _one_hot((y + 1) % c, c), "the one-hot rows are off by one class (0-based labels)."),
        (P - _one_hot((y - 1) % c, c), "the one-hot rows are off by one class (0-based labels)."),
        (_softmax(X @ W) - Y, "the scores ignore the bias: z = X @ W + b."),
        (
            _softmax(X @ W + b, axis=0) - Y,
            "the softmax was normalised over the batch (axis=0) instead of over the classes.",
        ),
    ]
    dW = [(X.T @ G / n, why) for G, why in variants]
    db = [(G.sum(axis=0) / n, why) for G, why in variants]
    return dW, db


def _gradient_cases(rng: np.random.Generator):
    """(description, X, y, W, b) for the gradient checks."""
    return [
        (
            "the tiny example of exercise 3 (W = 0, b = 0), float64",
            np.array([[1.0, 2.0], [3.0, -1.0]]),
            np.array([0, 2]),
            np.zeros((2, 3)),
            np.zeros(3),
        ),
        (
            "N = 7, D = 5, C = 3, float64",
            _random(rng, (7, 5)),
            rng.integers(0, 3, 7),
            _random(rng, (5, 3)),
            _random(rng, (3,)),
        ),
        (
            "a single example: N = 1, D = 4, C = 3, float64",
            _random(rng, (1, 4)),
            np.array([1]),
            _random(rng, (4, 3)),
            _random(rng, (3,)),
        ),
        (
            "N = 16, D = 20, C = 10, float32",
            _random(rng, (16, 20), 1.0, np.float32),
            rng.integers(0, 10, 16),
            _random(rng, (20, 10), 0.1, np.float32),
            _random(rng, (10,), 0.1, np.float32),
        ),
        (
            "large scores (|X @ W| around 1000), float64",
            _random(rng, (6, 5)),
            rng.integers(0, 4, 6),
            _random(rng, (5, 4), 500.0),
            _random(rng, (4,)),
        ),
        (
            "N = D = C = 4 (square, so transposes keep their shape), float64",
            _random(rng, (4, 4)),
            np.array([0, 3, 3, 1]),
            _random(rng, (4, 4)),
            _random(rng, (4,)),
        ),
    ]


_GRAD_NAN_HINT = (
    "a softmax without max-subtraction inside the gradient: for scores around 1000 "
    "np.exp overflows. Use a stable softmax."
)
_DB_SHAPE_HINT = (
    "db has one entry per class: sum (P - Y) / N over the batch axis (axis=0), without keepdims."
)


def check_gradients(gradients) -> None:
    """Exercise 6: ``gradients(X, y, W, b)`` -> ``(dW, db)`` of the mean cross-entropy."""
    __tracebackhide__ = True
    cases = _gradient_cases(np.random.default_rng(6))
    check = Check("gradients", total=len(cases))
    for description, X, y, W, b in cases:
        with check.case(description):
            got = _unpack(check.call(gradients, X, y, W, b), 2, "gradients", "dW, db")
            dW = check.array(got[0], shape=W.shape, dtype=W.dtype, what="dW")
            db = check.array(
                got[1], shape=b.shape, dtype=b.dtype, what="db", shape_hint=_DB_SHAPE_HINT
            )
            check.finite(dW, _GRAD_NAN_HINT, what="dW")
            check.finite(db, _GRAD_NAN_HINT, what="db")
            want_dW, want_db = _gradients(X, y, W, b)
            check.close(
                dW,
                want_dW,
                what="dW",
                n=len(y),
                mistakes=lambda X=X, y=y, W=W, b=b: _gradient_mistakes(X, y, W, b)[0],
            )
            check.close(
                db,
                want_db,
                what="db",
                n=len(y),
                mistakes=lambda X=X, y=y, W=W, b=b: _gradient_mistakes(X, y, W, b)[1],
            )
    check.passed()


def _l2_reference(X, y, W, b, reg):
    W64 = np.asarray(W, dtype=np.float64)
    loss = _cross_entropy(X.astype(np.float64) @ W64 + b, y) + 0.5 * reg * float(np.sum(W64**2))
    dW, db = _gradients(X, y, W, b)
    return loss, dW + reg * W64, db


def check_l2_loss_and_grads(l2_loss_and_grads) -> None:
    """Exercise 7: ``l2_loss_and_grads(X, y, W, b, reg)`` -> ``(loss, dW, db)``.

    loss = mean cross-entropy + (reg / 2) * sum(W**2); dW = X.T (P - Y) / N + reg * W;
    db = sum over the batch of (P - Y) / N (the bias is not regularised).
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(7)
    cases = [
        (d, X, y, W, b, reg)
        for (d, X, y, W, b), reg in zip(
            _gradient_cases(rng)[1:5], (0.1, 1.0, 1e-3, 0.01), strict=True
        )
    ]
    X, y = _random(rng, (5, 6)), rng.integers(0, 3, 5)
    cases.insert(
        0,
        (
            "reg = 0: the plain loss and gradients, float64",
            X,
            y,
            _random(rng, (6, 3)),
            _random(rng, (3,)),
            0.0,
        ),
    )
    cases.append(
        (
            "reg = 10 with large weights, float64",
            X,
            y,
            _random(rng, (6, 3), 5.0),
            _random(rng, (3,), 5.0),
            10.0,
        )
    )
    check = Check("l2_loss_and_grads", total=len(cases))
    for description, X, y, W, b, reg in cases:
        label = description if description.startswith("reg") else f"reg = {reg:g}, {description}"
        with check.case(label):
            got = _unpack(
                check.call(l2_loss_and_grads, X, y, W, b, reg),
                3,
                "l2_loss_and_grads",
                "loss, dW, db",
            )
            loss = _scalar(got[0], "the loss", n=len(y))
            dW = check.array(got[1], shape=W.shape, dtype=W.dtype, what="dW")
            db = check.array(
                got[2], shape=b.shape, dtype=b.dtype, what="db", shape_hint=_DB_SHAPE_HINT
            )
            want_loss, want_dW, want_db = _l2_reference(X, y, W, b, reg)
            W64, b64 = W.astype(np.float64), b.astype(np.float64)
            ce, penalty = want_loss - 0.5 * reg * np.sum(W64**2), np.sum(W64**2)
            g, n = want_dW - reg * W64, len(y)
            loss_mistakes = [
                (ce, "the loss has no L2 term: add (reg / 2) * np.sum(W**2)."),
                (
                    ce + reg * penalty,
                    "the penalty is (reg / 2) * sum(W**2), with the 1/2 "
                    "(you used reg * sum(W**2)).",
                ),
                (
                    ce + 0.5 * reg * (penalty + np.sum(b64**2)),
                    "regularised the bias: only W is penalised, not b.",
                ),
                (
                    ce + 0.5 * reg * penalty / n,
                    "divided the L2 term by the batch size: the penalty does not depend on N.",
                ),
                (
                    ce + 0.5 * reg * np.sqrt(penalty),
                    "used the norm ||W|| instead of its square sum(W**2).",
                ),
                (ce + reg * np.sum(np.abs(W64)), "used |W| (L1) instead of W**2 (L2)."),
                (ce - 0.5 * reg * penalty, "the sign of the penalty: it is added to the loss."),
            ]
            grad_mistakes = [
                (g, "dW has no L2 term: add reg * W."),
                (
                    g + 2 * reg * W64,
                    "the L2 gradient is off by a factor of 2: d/dW (reg/2) sum(W**2) = reg * W, "
                    "not 2 * reg * W.",
                ),
                (
                    g + 0.5 * reg * W64,
                    "the L2 gradient is off by a factor of 2: d/dW (reg/2) sum(W**2) = reg * W, "
                    "not reg * W / 2.",
                ),
                (g - reg * W64, "the sign of the L2 gradient: it is + reg * W."),
                (
                    g + reg * W64 / n,
                    "divided the L2 gradient by the batch size: it is reg * W, independent of N.",
                ),
                (g + reg * np.sign(W64), "used reg * sign(W), the gradient of L1, not L2."),
            ]
            bias_mistakes = [
                (want_db + reg * b64, "regularised the bias: db gets no reg * b term."),
                (want_db + 2 * reg * b64, "regularised the bias: db gets no reg * b term."),
            ]
            check.close(
                np.array(loss),
                want_loss,
                what="the loss",
                mistakes=loss_mistakes,
                n=n,
                dtype=W.dtype,
                generic=False,
            )
            check.close(dW, want_dW, what="dW", mistakes=grad_mistakes, n=n)
            check.close(db, want_db, what="db", mistakes=bias_mistakes, n=n)
    check.passed()


# --------------------------------------------------------------------------------------
# The mini-batch training loop
# --------------------------------------------------------------------------------------


def _reference_train(X, y, *, epochs, batch_size, lr, seed, variant="right"):
    """Mini-batch gradient descent from W = 0, b = 0, in float64, with wrong variants.

    The batches are those of ``helpers.data.minibatches(X, y, batch_size, rng)`` with one
    ``rng = np.random.default_rng(seed)`` shared by all epochs.
    """
    from helpers.data import minibatches

    # The batches are converted to float64 one at a time (X itself may be MNIST-sized).
    rng = np.random.default_rng(seed)
    W, b = np.zeros((X.shape[1], NUM_CLASSES)), np.zeros(NUM_CLASSES)
    W0, b0 = W, b
    n_epochs = 1 if variant == "one_epoch" else epochs
    for _ in range(n_epochs):
        if variant == "full_batch":
            dW, db = _gradients(X, y, W, b)
            W, b = W - lr * dW, b - lr * db
            continue
        batches = minibatches(
            X,
            y,
            batch_size,
            rng=None if variant == "no_shuffle" else rng,
            drop_last=variant == "drop_last",
        )
        for i, (xb, yb) in enumerate(batches):
            if variant == "whole_X":
                dW, db = _gradients(X, y, W, b)
            elif variant == "restart":
                dW, db = _gradients(xb, yb, W0, b0)
            else:
                dW, db = _gradients(xb, yb, W, b)
            if variant == "sum":
                dW, db = dW * len(yb), db * len(yb)
            elif variant == "nominal_batch_size":
                dW, db = dW * len(yb) / batch_size, db * len(yb) / batch_size
            sign = -1.0 if variant == "ascent" else 1.0
            if variant == "restart":
                W, b = W0 - lr * dW, b0 - lr * db
            elif variant != "update_after_loop":
                W, b = W - sign * lr * dW, b - sign * lr * db
            if variant == "first_batch" and i == 0:
                break
        if variant == "update_after_loop":
            W, b = W - lr * dW, b - lr * db
    return W, b


_TRAIN_MISTAKES = {
    "full_batch": "made one step per epoch on the whole training set; make one step per "
    "mini-batch: for X_batch, y_batch in minibatches(X, y, batch_size, rng=rng).",
    "first_batch": "made one step per epoch, on its first batch only: a `break` or `return` "
    "inside the batch loop?",
    "update_after_loop": "the update sits after the batch loop, so only the last batch's "
    "gradient is used: update W and b inside the loop, once per batch.",
    "whole_X": "computed the gradient on all of X instead of the current batch.",
    "sum": "forgot to divide by the batch size: the step used the summed, not the mean, "
    "gradient of the batch.",
    "nominal_batch_size": "divided by batch_size, but the last batch of an epoch can be "
    "smaller: divide by len(y_batch).",
    "one_epoch": "ran a single epoch: loop over range(epochs).",
    "ascent": "the wrong sign: gradient descent subtracts lr * gradient.",
    "no_shuffle": "the batches were not shuffled: pass the generator, "
    "minibatches(X, y, batch_size, rng=rng).",
    "drop_last": "dropped the last, smaller batch of each epoch: every example is used once "
    "per epoch.",
    "restart": "every step started again from the initial weights (the new weights were "
    "never stored back): update W and b in place (W -= lr * dW) or reassign them "
    "(W = W - lr * dW) so that the steps accumulate.",
}


_TRAIN_REPLAY_HINT = (
    "Hint: the check replays your training step by step with the same batches. Start from "
    "W = 0 and b = 0, loop over data.minibatches(X, y, batch_size, rng=rng) once per epoch "
    "with the rng passed in (no other use of it), and make one step per batch with the mean "
    "gradient of that batch."
)


@functools.lru_cache(maxsize=1)
def _mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The MNIST training images split as in the exercises (loaded once per process):
    ``(X_tr, y_tr, X_val, y_val)``, 50,000 to train on and 10,000 validation images, float32
    in [0, 1] (``helpers.data.stratified_split(y_train, 10_000, seed=0)``). The test images
    are never used by a check."""
    from helpers import data

    X_train, y_train = data.load_mnist("train")
    X_train = data.scale(X_train)
    train_idx, val_idx = data.stratified_split(y_train, 10_000, seed=0)
    X_tr, y_tr = X_train[train_idx], y_train[train_idx]
    X_val, y_val = X_train[val_idx], y_train[val_idx]
    for a in (X_tr, y_tr, X_val, y_val):
        a.setflags(write=False)
    return X_tr, y_tr, X_val, y_val


@functools.lru_cache(maxsize=1)
def _mnist_reference() -> np.ndarray:
    """W after the MNIST case's epoch, computed here in float64 (once per process)."""
    X_tr, y_tr, _, _ = _mnist()
    W, _ = _reference_train(
        X_tr,
        y_tr,
        epochs=MNIST_EPOCHS,
        batch_size=MNIST_BATCH_SIZE,
        lr=MNIST_LR,
        seed=MNIST_SEED,
    )
    return W


#: The seed of the generator the MNIST case passes to ``train``.
MNIST_SEED = 0
#: How far (relative, in the Frobenius norm) the MNIST weights may be from the float64
#: replay: float32 rounding over 500 steps moves them by about 1e-6; a loop on a subset,
#: a skipped batch or another batch order by far more.
MNIST_REL_TOL = 1e-3


def _check_mnist_case(check: Check, train) -> str:
    __tracebackhide__ = True
    X_tr, y_tr, X_val, y_val = _mnist()
    got = _unpack(
        check.call(
            train,
            X_tr,
            y_tr,
            epochs=MNIST_EPOCHS,
            batch_size=MNIST_BATCH_SIZE,
            lr=MNIST_LR,
            rng=np.random.default_rng(MNIST_SEED),
            readonly=True,
        ),
        2,
        "train",
        "W, b",
    )
    W = check.array(got[0], shape=(X_tr.shape[1], NUM_CLASSES), dtype=np.float32, what="W")
    b = check.array(got[1], shape=(NUM_CLASSES,), dtype=np.float32, what="b")
    check.finite(W, "a diverging update: the mean (not summed) batch gradient?", what="W")
    want = _mnist_reference()
    with np.errstate(all="ignore"):
        rel = float(np.linalg.norm(W.astype(np.float64) - want) / np.linalg.norm(want))
        acc = float(np.mean((X_val @ W + b).argmax(axis=1) == y_val))
    if not rel <= MNIST_REL_TOL:
        raise CheckFailure(
            f"after one epoch on the 50,000 training images W differs from a replay of the "
            f"same {len(y_tr) // MNIST_BATCH_SIZE} steps by {100 * rel:.3g}% (validation "
            f"accuracy {100 * acc:.1f}%). Likely mistake: not every image was used once: a "
            f"debugging subset left in (X[:10000]), a batch skipped, or batches drawn "
            f"another way than data.minibatches(X, y, batch_size, rng=rng)."
        )
    if not acc >= MNIST_MIN_ACCURACY:
        raise CheckFailure(
            f"the validation accuracy is {100 * acc:.1f}%, expected at least "
            f"{100 * MNIST_MIN_ACCURACY:.0f}%: are all batches used, in every epoch?"
        )
    return f" (MNIST validation accuracy after one epoch: {100 * acc:.1f}%)"


def check_train(train, mnist: bool = True) -> None:
    """Exercise 8: ``train(X, y, *, epochs, batch_size, lr, rng)`` -> ``(W, b)``.

    Mini-batch gradient descent on the mean cross-entropy from W = 0 (D, 10), b = 0 (10,)
    in the dtype of X, one step per batch of ``helpers.data.minibatches(X, y, batch_size,
    rng=rng)``. The first cases compare the weights with a reference trajectory on tiny data,
    each with its own generator (so a function that ignores ``rng`` is caught); the last
    trains on the 50,000 training images of the exercises' split (``mnist=False`` skips it),
    compares the weights with a float64 replay of the same steps (so a loop on a subset is
    caught) and needs at least 90% accuracy on the 10,000 validation images. The test set
    is never used.
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(8)
    cases = [
        (
            "1 epoch, one batch holding all 12 examples (plain gradient descent), float64",
            _random(rng, (12, 5)),
            rng.integers(0, 10, 12),
            dict(epochs=1, batch_size=12, lr=0.5),
            1,
        ),
        (
            "3 epochs, batches of 5 from 23 examples (the last batch has 3), float64",
            _random(rng, (23, 6)),
            rng.integers(0, 10, 23),
            dict(epochs=3, batch_size=5, lr=0.3),
            2,
        ),
        (
            "2 epochs, batches of a single example, float64",
            _random(rng, (7, 4)),
            rng.integers(0, 10, 7),
            dict(epochs=2, batch_size=1, lr=0.2),
            3,
        ),
        (
            "2 epochs, batches of 8 from 40 examples, float32 (W and b stay float32)",
            _random(rng, (40, 8), 1.0, np.float32),
            rng.integers(0, 10, 40),
            dict(epochs=2, batch_size=8, lr=0.1),
            4,
        ),
        (
            "1 epoch, batches of 4 from 20 examples, another generator, float64",
            _random(rng, (20, 3)),
            rng.integers(0, 10, 20),
            dict(epochs=1, batch_size=4, lr=0.4),
            5,
        ),
    ]
    total = len(cases) + (1 if mnist else 0)
    check = Check("train", total=total)
    for description, X, y, settings, seed in cases:
        with check.case(f"{description}, rng = np.random.default_rng({seed})"):
            got = _unpack(
                check.call(train, X, y, rng=np.random.default_rng(seed), **settings),
                2,
                "train",
                "W, b",
            )
            D = X.shape[1]
            W = check.array(
                got[0],
                shape=(D, NUM_CLASSES),
                dtype=X.dtype,
                what="W",
                shape_hint=f"W maps D = {D} features to C = 10 classes: (D, 10).",
            )
            b = check.array(got[1], shape=(NUM_CLASSES,), dtype=X.dtype, what="b")
            check.finite(
                W, "a diverging or unstable update (a softmax without max-subtraction?)", what="W"
            )
            want_W, want_b = _reference_train(X, y, seed=seed, **settings)

            def mistakes(X=X, y=y, settings=settings, want_W=want_W, seed=seed):
                out = []
                for variant, why in _TRAIN_MISTAKES.items():
                    cand_W, _ = _reference_train(X, y, seed=seed, variant=variant, **settings)
                    if not np.allclose(cand_W, want_W, rtol=1e-6, atol=1e-9):
                        out.append((cand_W, why))
                for other in (0, 1, 2, 3, 4, 5):
                    if other != seed:
                        cand_W, _ = _reference_train(X, y, seed=other, **settings)
                        if not np.allclose(cand_W, want_W, rtol=1e-6, atol=1e-9):
                            out.append((cand_W, _TRAIN_RNG_IGNORED))
                return out

            try:
                check.close(
                    W,
                    want_W,
                    what="W after training",
                    mistakes=mistakes,
                    n=settings["batch_size"],
                    generic=False,
                )
            except CheckFailure as failure:
                if "Likely mistake" in str(failure):
                    raise
                raise CheckFailure(f"{failure}\n{_TRAIN_REPLAY_HINT}") from None
            check.close(
                b,
                want_b,
                what="b after training",
                n=settings["batch_size"],
                mistakes=[
                    (
                        np.zeros_like(want_b),
                        "b is never updated: b -= lr * db inside the batch loop.",
                    )
                ],
                generic=False,
            )
    extra = ""
    if mnist:
        with check.case(
            f"MNIST, {MNIST_EPOCHS} epoch of batches of {MNIST_BATCH_SIZE} on the 50,000 "
            f"training images, lr {MNIST_LR}: the same steps as a replay, and at least "
            f"{MNIST_MIN_ACCURACY:.0%} validation accuracy"
        ):
            extra = _check_mnist_case(check, train)
    check.passed(extra)


_TRAIN_RNG_IGNORED = (
    "the batches came from another generator than the `rng` passed in (a fixed "
    "np.random.default_rng(0), or np.random.*): shuffle with minibatches(X, y, batch_size, "
    "rng=rng), the generator the caller gave."
)


def check_softmax_with_temperature(softmax_with_temperature) -> None:
    """Exercise 9: ``softmax_with_temperature(z, T)`` = softmax(z / T); ValueError for T <= 0."""
    __tracebackhide__ = True
    rng = np.random.default_rng(9)
    cases = [
        ("T = 1 is the plain softmax, float64", _random(rng, (3, 10), 2.0), 1.0),
        ("T = 2 flattens the probabilities, float64", _random(rng, (5, 10), 2.0), 2.0),
        ("T = 0.5 sharpens them, float32", _random(rng, (4, 10), 2.0, np.float32), 0.5),
        (
            "T = 0.01 with logits of +-1000 (z / T = +-1e5), float64",
            np.array([[1000.0, -1000.0, 999.0], [-1000.0, -1000.0, -1000.5]]),
            0.01,
        ),
        ("T = 1e6 (almost uniform), float64", _random(rng, (2, 10), 2.0), 1e6),
    ]
    check = Check("softmax_with_temperature", total=len(cases) + 1)
    for description, z, T in cases:
        with check.case(description):
            got = check.call(softmax_with_temperature, z, T)
            got = check.array(got, shape=z.shape, dtype=z.dtype)
            check.finite(got, _NAN_HINT_SOFTMAX)
            p = _softmax(z)
            with np.errstate(all="ignore"):
                mistakes = [
                    (
                        _softmax(z * T),
                        "the temperature is applied inverted: divide the logits "
                        "by T (z / T), do not multiply.",
                    ),
                    (p, "the temperature has no effect: use softmax(z / T)."),
                    (p / T, "divided the probabilities by T; divide the logits: softmax(z / T)."),
                    (
                        p ** (1 / T),
                        "raised the probabilities to the power 1/T without "
                        "normalising the rows again; softmax(z / T) does both.",
                    ),
                    (_softmax(z / T, axis=0), "wrong axis: normalised over the batch (axis=0)."),
                ]
            check.close(got, _softmax(z / T), mistakes=mistakes)
    with check.case("T = 0 and T = -1 raise ValueError"):
        for T in (0.0, -1.0):
            check.raises(
                ValueError,
                softmax_with_temperature,
                np.zeros((2, 3)),
                T,
                why="a temperature must be positive: T = 0 divides by zero and T < 0 "
                "turns the ranking of the classes upside down. Check it first: "
                "if T <= 0: raise ValueError(...)",
            )
    check.passed()


# --------------------------------------------------------------------------------------
# Part C: the experiments' questions
# --------------------------------------------------------------------------------------


def check_answer_best_learning_rate(answer) -> None:
    """Exercise 10: the learning rate with the lowest validation loss after one epoch."""
    __tracebackhide__ = True
    check_number(
        answer,
        "answer_best_learning_rate",
        BEST_LEARNING_RATE,
        decimals=3,
        mistakes=[
            (
                1.0,
                "1.0 is not the lowest of the seven: look at the validation losses again. "
                "(It is the best of the coarser grid 0.001, 0.01, 0.1, 1, 2, which skips "
                "0.25 and 0.5: a grid can only find its own best point.)",
            ),
            (
                2.0,
                "the largest is not the best: with lr = 2 the steps already overshoot, and "
                "the validation loss after one epoch is clearly higher (the question asks "
                "for the loss, not the accuracy).",
            ),
            (
                10.0,
                "the largest is not the best: with lr = 10 the steps overshoot and the loss "
                "after one epoch is far higher.",
            ),
            (
                0.001,
                "the smallest learning rate takes steps far too small: one epoch gets "
                "nowhere near the minimum.",
            ),
            (0.01, "steps still too small for one epoch; look at the validation losses again."),
            (0.1, "steps still a little small; look at the validation losses again."),
            (
                0.25,
                "close, but look at the validation losses again: one of its neighbours is lower.",
            ),
            (
                0.330,
                "that is the lowest validation loss itself; the question asks for the "
                "learning rate that gives it.",
            ),
            (
                4.0,
                "4 is the index of the best rate in the list (counting from 0); give the "
                "learning rate itself.",
            ),
            (
                5.0,
                "5 is the position of the best rate in the list (counting from 1); give the "
                "learning rate itself.",
            ),
        ],
        hint="Read the printed validation losses, find the smallest, and give the learning "
        "rate of that line (a number such as 0.01).",
    )


def check_answer_confidence_limit(answer) -> None:
    """Exercise 11a: the mean confidence as T grows without bound (1/10)."""
    __tracebackhide__ = True
    check_number(
        answer,
        "answer_confidence_limit",
        1 / NUM_CLASSES,
        mistakes=[
            (
                1.0,
                "1 is the limit for T -> 0 (all mass on the top class); a large T divides "
                "all logits towards 0.",
            ),
            (0.0, "the largest of 10 probabilities that sum to 1 is at least 1/10."),
            (
                10.0,
                "10 is the number of classes; the confidence is a probability, the largest "
                "of 10 that become equal.",
            ),
            (
                math.log(10),
                "log 10 is the loss of the uniform predictor; the question asks for its "
                "confidence, the largest probability.",
            ),
            (
                0.9,
                "0.9 is the probability of the other classes together; the confidence is the "
                "largest single probability.",
            ),
        ],
        hint="As T grows, z / T tends to 0 for every class: what is the softmax of 10 equal "
        "scores, and what is its largest entry?",
    )


def check_answer_accuracy_change(answer) -> None:
    """Exercise 11b: the change of accuracy between T = 0.25 and T = 64 (0 points)."""
    __tracebackhide__ = True
    check_number(
        answer,
        "answer_accuracy_change",
        0.0,
        decimals=2,
        hint="Dividing all logits of an example by the same T > 0 keeps their order, so the "
        "predicted class (the argmax) and with it the accuracy stay exactly the same; "
        "only the confidence changes.",
    )
