"""The topic-01 self-checks: each passes on a right answer, lets a stub's NotImplementedError
through, and fails with the right diagnosis on typical wrong answers.

The right and wrong answers are small functions written here, independently of the
notebook and of helpers.functions. Each wrong answer is paired with words its diagnosis
must contain, so a check that fails for the wrong reason fails its test.
"""

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from helpers.checks import Check, CheckFailure, check_number, constant_factor, passed
from helpers.checks import softmax_regression as sr
from helpers.data import minibatches

# --------------------------------------------------------------------------------------
# Right answers
# --------------------------------------------------------------------------------------


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(z):
    s = z - z.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


def cross_entropy(logits, labels):
    return float(-log_softmax(logits)[np.arange(len(labels)), labels].mean())


def gradients(X, y, W, b):
    G = softmax(X @ W + b)
    G[np.arange(len(y)), y] -= 1
    G /= len(y)
    return X.T @ G, G.sum(axis=0)


def l2_loss_and_grads(X, y, W, b, reg):
    dW, db = gradients(X, y, W, b)
    return cross_entropy(X @ W + b, y) + 0.5 * reg * np.sum(W**2), dW + reg * W, db


def train(X, y, *, epochs, batch_size, lr, rng):
    W = np.zeros((X.shape[1], 10), dtype=X.dtype)
    b = np.zeros(10, dtype=X.dtype)
    for _ in range(epochs):
        for xb, yb in minibatches(X, y, batch_size, rng=rng):
            dW, db = gradients(xb, yb, W, b)
            W -= lr * dW
            b -= lr * db
    return W, b


def softmax_with_temperature(z, T):
    if T <= 0:
        raise ValueError(f"T must be positive, got {T}")
    return softmax(z / T)


def stub(*args, **kwargs):
    raise NotImplementedError


# --------------------------------------------------------------------------------------
# The tool: run a check on a wrong answer and look for its diagnosis
# --------------------------------------------------------------------------------------


def diagnosis(check, answer, **kwargs) -> str:
    """The failure message of ``check(answer)``, whitespace-normalised and lower-cased."""
    with pytest.raises(CheckFailure) as info:
        check(answer, **kwargs)
    return " ".join(str(info.value).split()).lower()


def assert_diagnosis(check, answer, keywords, **kwargs):
    text = diagnosis(check, answer, **kwargs)
    for word in keywords:
        assert word.lower() in text, f"{word!r} not in the diagnosis:\n{text}"


# --------------------------------------------------------------------------------------
# The shared machinery
# --------------------------------------------------------------------------------------


def test_check_failure_is_an_assertion_error():
    assert issubclass(CheckFailure, AssertionError)


def test_passed_prints_one_clear_line(capsys):
    passed("softmax", 6)
    assert capsys.readouterr().out == "✔ softmax: all 6 checks passed\n"


def test_a_case_names_the_check_and_counts(capsys):
    check = Check("f", total=2)
    with check.case("first"):
        pass
    with pytest.raises(CheckFailure, match=r"f failed check 2 of 2 \(second\):\n  boom"):
        with check.case("second"):
            raise CheckFailure("boom")
    assert check.n == 1


def test_call_lets_not_implemented_through_and_wraps_other_errors():
    check = Check("f")
    with pytest.raises(NotImplementedError):
        check.call(stub, np.zeros(3))

    def broken(z):
        return z + np.zeros(4)

    with pytest.raises(CheckFailure, match="raised ValueError") as info:
        check.call(broken, np.zeros(3))
    assert isinstance(info.value.__cause__, ValueError)


def test_call_catches_in_place_changes_and_missing_return():
    check = Check("f")

    def in_place(z):
        z -= 1
        return z

    z = np.ones(3)
    with pytest.raises(CheckFailure, match="in place"):
        check.call(in_place, z)
    np.testing.assert_array_equal(z, 1.0)  # the caller's array is never touched
    with pytest.raises(CheckFailure, match="returned None"):
        check.call(lambda z: None, z)
    with pytest.raises(CheckFailure, match="expected a function"):
        check.call(np.ones(3), z)


@pytest.mark.parametrize(
    ("factor", "words"),
    [(5.0, "batch size"), (0.2, "divided by n twice"), (-1.0, "sign"), (2.0, "factor of 2")],
)
def test_close_recognises_constant_factors(factor, words):
    want = np.arange(1.0, 7.0).reshape(2, 3)
    check = Check("f")
    with pytest.raises(CheckFailure) as info:
        check.close(factor * want, want, n=5)
    assert words in " ".join(str(info.value).split()).lower()


def test_close_recognises_a_transpose_and_passes_float32_rounding():
    want = np.arange(9.0).reshape(3, 3)
    check = Check("f")
    with pytest.raises(CheckFailure, match="transposed"):
        check.close(want.T.copy(), want)
    check.close(want.astype(np.float32), want)  # no failure
    assert constant_factor(want, want) is None
    assert constant_factor(3 * want, want) == pytest.approx(3.0)


@settings(max_examples=50, deadline=None)
@given(
    want=arrays(np.float64, (3, 4), elements=st.floats(-10, 10)).filter(
        lambda a: np.abs(a).max() > 0.1
    ),
    k=st.sampled_from([-1.0, 0.5, 2.0, 3.0, 7.0, 1 / 7]),
)
def test_constant_factor_finds_any_factor(want, k):
    assert constant_factor(k * want, want) == pytest.approx(k, rel=1e-6)
    assert constant_factor(want, want) is None


def test_array_diagnoses_a_transposed_shape_and_a_wrong_dtype():
    check = Check("f")
    with pytest.raises(CheckFailure, match="transposed"):
        check.array(np.zeros((3, 2)), shape=(2, 3))
    with pytest.raises(CheckFailure, match="dtype float64, expected float32"):
        check.array(np.zeros((2, 3)), shape=(2, 3), dtype=np.float32)
    with pytest.raises(CheckFailure, match="got a tuple"):
        check.array((np.zeros(3), np.zeros(3)), shape=(3,))


def test_check_number(capsys):
    check_number(lambda: 0.12344, "q", 0.1234)
    assert capsys.readouterr().out == "✔ q: correct (0.1234)\n"
    with pytest.raises(CheckFailure, match="known slip"):
        check_number(lambda: 0.5, "q", 0.1234, mistakes=[(0.5, "known slip")])
    with pytest.raises(CheckFailure, match="single number"):
        check_number(lambda: "0.1234", "q", 0.1234)
    with pytest.raises(NotImplementedError):
        check_number(stub, "q", 0.1234)


# --------------------------------------------------------------------------------------
# Every check: right answer, stub, wrong answers
# --------------------------------------------------------------------------------------

RIGHT = [
    (sr.check_answer_softmax_p2, lambda: 0.6652, "answer_softmax_p2: correct (0.6652)"),
    (sr.check_answer_uniform_loss, lambda: 2.302585, "answer_uniform_loss: correct (2.3026)"),
    (sr.check_answer_gradient_entry, lambda: -5 / 6, "answer_gradient_entry: correct (-0.8333)"),
    (sr.check_softmax, softmax, "softmax: all 7 checks passed"),
    (sr.check_cross_entropy, cross_entropy, "cross_entropy: all 9 checks passed"),
    (sr.check_gradients, gradients, "gradients: all 6 checks passed"),
    (sr.check_l2_loss_and_grads, l2_loss_and_grads, "l2_loss_and_grads: all 6 checks passed"),
    (
        sr.check_softmax_with_temperature,
        softmax_with_temperature,
        "softmax_with_temperature: all 6 checks passed",
    ),
    (
        sr.check_answer_best_learning_rate,
        lambda: 0.5,
        "answer_best_learning_rate: correct (0.500)",
    ),
    (sr.check_answer_confidence_limit, lambda: 0.1, "answer_confidence_limit: correct (0.1000)"),
    (sr.check_answer_accuracy_change, lambda: 0.0, "answer_accuracy_change: correct (0.00)"),
]


@pytest.mark.parametrize(
    ("check", "answer", "line"), RIGHT, ids=lambda x: getattr(x, "__name__", "")
)
def test_passes_on_the_right_answer(check, answer, line, capsys):
    check(answer)
    assert capsys.readouterr().out == f"✔ {line}\n"


def test_train_passes_on_the_right_answer_without_mnist(capsys):
    sr.check_train(train, mnist=False)
    assert capsys.readouterr().out == "✔ train: all 5 checks passed\n"


@pytest.mark.slow
def test_train_passes_on_the_right_answer_with_mnist(capsys):
    sr.check_train(train)
    out = capsys.readouterr().out
    assert re.fullmatch(
        r"✔ train: all 6 checks passed \(MNIST validation accuracy after one epoch: "
        r"9\d\.\d%\)\n",
        out,
    ), out


@pytest.mark.slow
def test_the_best_learning_rate_is_chosen_on_validation_not_test():
    """Exercise 10's answer is the argmin of the validation loss of the notebook's experiment."""
    from helpers import data

    X_train, y_train = data.load_mnist("train")
    X_train = data.scale(X_train)
    train_idx, val_idx = data.stratified_split(y_train, 10_000, seed=0)
    val_loss = []
    for lr in sr.LEARNING_RATES:
        W, b = train(
            X_train[train_idx],
            y_train[train_idx],
            epochs=1,
            batch_size=100,
            lr=lr,
            rng=np.random.default_rng(0),
        )
        val_loss.append(cross_entropy(X_train[val_idx] @ W + b, y_train[val_idx]))
    assert sr.LEARNING_RATES[int(np.argmin(val_loss))] == sr.BEST_LEARNING_RATE
    np.testing.assert_allclose(val_loss, sr.VALIDATION_LOSSES, atol=2e-3)
    best = int(np.argmin(val_loss))
    # the grid brackets its winner: a worse neighbour on each side
    assert 0 < best < len(val_loss) - 1
    assert val_loss[best - 1] > val_loss[best] < val_loss[best + 1]


def softmax_via_log(z):
    m = z.max(axis=-1, keepdims=True)
    return np.exp(z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True)))


def cross_entropy_one_hot(logits, labels):
    Y = np.eye(logits.shape[1], dtype=logits.dtype)[labels]
    return (-(Y * log_softmax(logits)).sum(axis=1)).mean()  # a NumPy scalar


def gradients_one_hot(X, y, W, b):
    Y = np.eye(W.shape[1], dtype=W.dtype)[y]
    G = (softmax(X @ W + b) - Y) / X.shape[0]
    return X.T @ G, np.sum(G, axis=0)


def temperature_via_scaled_logits(z, T):
    if T <= 0 or np.isnan(T):
        raise ValueError("T must be positive")
    s = z * (1.0 / T)
    return softmax(s.astype(z.dtype))


@pytest.mark.parametrize(
    ("check", "answer"),
    [
        (sr.check_softmax, softmax_via_log),
        (sr.check_cross_entropy, cross_entropy_one_hot),
        (sr.check_gradients, gradients_one_hot),
        (sr.check_softmax_with_temperature, temperature_via_scaled_logits),
        (sr.check_answer_softmax_p2, lambda: 0.66524096),
        (sr.check_answer_uniform_loss, lambda: np.log(10)),
    ],
    ids=lambda x: getattr(x, "__name__", ""),
)
def test_other_right_answers_pass_too(check, answer, capsys):
    check(answer)
    assert capsys.readouterr().out.startswith("✔ ")


ALL_CHECKS = [c for c, _, _ in RIGHT] + [sr.check_train]


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.__name__)
def test_a_stub_raises_not_implemented(check):
    with pytest.raises(NotImplementedError):
        check(stub)


def test_every_exported_check_is_tested():
    assert set(sr.__all__) == {c.__name__ for c in ALL_CHECKS}


# ---- part A: numeric answers ---------------------------------------------------------

WRONG_NUMBERS = [
    (sr.check_answer_softmax_p2, 0.0900, "p_0"),
    (sr.check_answer_softmax_p2, 0.5, "exponentials"),
    (sr.check_answer_softmax_p2, math.e**3, "divide by the sum"),
    (sr.check_answer_softmax_p2, 0.7, "not right"),
    (sr.check_answer_uniform_loss, 1.0, "natural logarithm"),
    (sr.check_answer_uniform_loss, 0.1, "probability of the true class"),
    (sr.check_answer_uniform_loss, 11.5129, "mean over the batch"),
    (sr.check_answer_uniform_loss, -2.3026, "sign"),
    (sr.check_answer_gradient_entry, -1.6667, "batch size"),
    (sr.check_answer_gradient_entry, 0.8333, "sign"),
    (sr.check_answer_gradient_entry, 0.6667, "transposed"),
    (sr.check_answer_best_learning_rate, 10, "overshoot"),
    (sr.check_answer_best_learning_rate, 2.0, "already overshoot"),
    (sr.check_answer_best_learning_rate, 0.001, "too small"),
    (sr.check_answer_best_learning_rate, 0.1, "a little small"),
    (sr.check_answer_best_learning_rate, 1.0, "coarser grid"),
    (sr.check_answer_best_learning_rate, 0.25, "one of its neighbours is lower"),
    (sr.check_answer_best_learning_rate, 0.33, "the lowest validation loss itself"),
    (sr.check_answer_best_learning_rate, 4, "index of the best rate"),
    (sr.check_answer_best_learning_rate, 0.01, "validation losses"),
    (sr.check_answer_best_learning_rate, 0.7, "printed validation losses"),
    (sr.check_answer_best_learning_rate, 50, "percentage"),
    (sr.check_answer_confidence_limit, 1.0, "t -> 0"),
    (sr.check_answer_confidence_limit, 0.0, "at least 1/10"),
    (sr.check_answer_confidence_limit, 0.5, "not right"),
    (sr.check_answer_accuracy_change, 1.5, "argmax"),
    (sr.check_answer_accuracy_change, -3.0, "argmax"),
    (sr.check_answer_accuracy_change, "none", "single number"),
]


@pytest.mark.parametrize(("check", "value", "words"), WRONG_NUMBERS)
def test_a_wrong_number_is_diagnosed(check, value, words):
    assert_diagnosis(check, lambda: value, [words])


# ---- softmax ---------------------------------------------------------------------------


def softmax_no_shift(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def softmax_global_shift(z):
    e = np.exp(z - z.max())
    return e / e.sum(axis=1, keepdims=True)


def softmax_axis0(z):
    e = np.exp(z - z.max(axis=0))
    return e / e.sum(axis=0)


def softmax_no_keepdims(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1)


def softmax_whole_array(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def softmax_float64(z):
    return softmax(np.asarray(z, dtype=np.float64))


def softmax_in_place(z):
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def softmax_column_shift(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_unnormalised(z):
    return np.exp(z - z.max(axis=1, keepdims=True))


def softmax_transposed(z):
    return softmax(z).T


def softmax_no_return(z):
    softmax(z)


WRONG_SOFTMAX = [
    (softmax_no_shift, ["nan", "max-subtraction"]),
    (softmax_global_shift, ["nan", "each row's own maximum"]),
    (softmax_axis0, ["wrong axis", "axis=0"]),
    (softmax_no_keepdims, ["broadcast", "keepdims=true"]),
    (softmax_whole_array, ["whole array"]),
    (softmax_float64, ["dtype float64, expected float32"]),
    (softmax_in_place, ["in place"]),
    (log_softmax, ["log-probabilities"]),
    (softmax_column_shift, ["column's maximum"]),
    (softmax_unnormalised, ["forgot to normalise"]),
    (softmax_transposed, ["transposed"]),
    (softmax_no_return, ["returned none"]),
]


@pytest.mark.parametrize(
    ("answer", "words"), WRONG_SOFTMAX, ids=lambda x: getattr(x, "__name__", "")
)
def test_softmax_mistakes_are_diagnosed(answer, words):
    assert_diagnosis(sr.check_softmax, answer, words)


def test_softmax_without_keepdims_on_a_square_batch_is_diagnosed():
    # Only the square case lets the (N,) row sums broadcast silently.
    def square_only(z):
        if z.shape[0] != z.shape[1]:
            return softmax(z)
        return softmax_no_keepdims(z)

    assert_diagnosis(sr.check_softmax, square_only, ["check 4 of 7", "forgot keepdims=true"])


# ---- cross-entropy ---------------------------------------------------------------------


def ce_sum(z, y):
    return float(-log_softmax(z)[np.arange(len(y)), y].sum())


def ce_mean_all_entries(z, y):
    Y = np.eye(z.shape[1])[y]
    return float(np.mean(-Y * log_softmax(z)))


def ce_naive(z, y):
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return float(-np.log(p[np.arange(len(y)), y]).mean())


def ce_log_of_stable_softmax(z, y):
    return float(-np.log(softmax(z)[np.arange(len(y)), y]).mean())


def ce_block_index(z, y):
    return float(-log_softmax(z)[:, y].mean())


def ce_all_classes(z, y):
    return float(-log_softmax(z).mean())


def ce_off_by_one(z, y):
    return float(-log_softmax(z)[np.arange(len(y)), y - 1].mean())


def ce_per_example(z, y):
    return -log_softmax(z)[np.arange(len(y)), y]


def ce_log10(z, y):
    return cross_entropy(z, y) / math.log(10)


def ce_log_likelihood(z, y):
    return -cross_entropy(z, y)


def ce_labels_as_one_hot(z, y):
    return float(-(y * log_softmax(z)).sum(axis=1).mean())


def ce_wrong_axis(z, y):
    s = z - z.max(axis=0, keepdims=True)
    lp = s - np.log(np.exp(s).sum(axis=0, keepdims=True))
    return float(-lp[np.arange(len(y)), y].mean())


WRONG_CE = [
    (ce_sum, ["divide by the batch size"]),
    (ce_mean_all_entries, ["n*c"]),
    (ce_naive, ["max-subtraction", "log-sum-exp"]),
    (ce_log_of_stable_softmax, ["log of a probability that underflowed"]),
    (ce_block_index, ["n x n block"]),
    (ce_all_classes, ["one-hot mix-up"]),
    (ce_off_by_one, ["off by one"]),
    (ce_per_example, ["single number", "one loss per example"]),
    (ce_log10, ["log10"]),
    (ce_log_likelihood, ["wrong sign"]),
    (ce_labels_as_one_hot, ["not one-hot"]),
    (ce_wrong_axis, ["wrong axis"]),
]


@pytest.mark.parametrize(("answer", "words"), WRONG_CE, ids=lambda x: getattr(x, "__name__", ""))
def test_cross_entropy_mistakes_are_diagnosed(answer, words):
    assert_diagnosis(sr.check_cross_entropy, answer, words)


# ---- gradients -------------------------------------------------------------------------


def _G(X, y, W, b):
    G = softmax(X @ W + b)
    G[np.arange(len(y)), y] -= 1
    return G


def grad_no_mean(X, y, W, b):
    G = _G(X, y, W, b)
    return X.T @ G, G.sum(axis=0)


def grad_transposed(X, y, W, b):
    G = _G(X, y, W, b) / len(y)
    return G.T @ X, G.sum(axis=0)


def grad_sign(X, y, W, b):
    dW, db = gradients(X, y, W, b)
    return -dW, -db


def grad_db_wrong_axis(X, y, W, b):
    G = _G(X, y, W, b)
    return X.T @ G / len(y), G.mean(axis=1)


def grad_db_keepdims(X, y, W, b):
    G = _G(X, y, W, b) / len(y)
    return X.T @ G, G.sum(axis=0, keepdims=True)


def grad_no_bias(X, y, W, b):
    return gradients(X, y, W, np.zeros_like(b))


def grad_labels_not_one_hot(X, y, W, b):
    G = (softmax(X @ W + b) - y[:, None]) / len(y)
    return X.T @ G, G.sum(axis=0)


def grad_forgot_y(X, y, W, b):
    G = softmax(X @ W + b) / len(y)
    return X.T @ G, G.sum(axis=0)


def grad_naive_softmax(X, y, W, b):
    G = softmax_no_shift(X @ W + b)
    G[np.arange(len(y)), y] -= 1
    G /= len(y)
    return X.T @ G, G.sum(axis=0)


def grad_float64(X, y, W, b):
    return gradients(X.astype(np.float64), y, W.astype(np.float64), b.astype(np.float64))


def grad_db_summed(X, y, W, b):
    dW, db = gradients(X, y, W, b)
    return dW, db * len(y)


def grad_one_value(X, y, W, b):
    return gradients(X, y, W, b)[0]


WRONG_GRADIENTS = [
    (grad_no_mean, ["dw is wrong", "divide by the batch size"]),
    (grad_transposed, ["transposed"]),
    (grad_sign, ["wrong sign"]),
    (grad_db_wrong_axis, ["db has shape", "axis=0"]),
    (grad_db_keepdims, ["db has shape (1, 3)", "without keepdims"]),
    (grad_no_bias, ["ignore the bias"]),
    (grad_labels_not_one_hot, ["one-hot mix-up"]),
    (grad_forgot_y, ["forgot to subtract the one-hot labels"]),
    (grad_naive_softmax, ["nan", "max-subtraction"]),
    (grad_float64, ["dtype float64, expected float32"]),
    (grad_db_summed, ["db is wrong", "divide by the batch size"]),
    (grad_one_value, ["should return 2 values"]),
]


@pytest.mark.parametrize(
    ("answer", "words"), WRONG_GRADIENTS, ids=lambda x: getattr(x, "__name__", "")
)
def test_gradient_mistakes_are_diagnosed(answer, words):
    assert_diagnosis(sr.check_gradients, answer, words)


# ---- L2 ----------------------------------------------------------------------------------


def l2_bias_gradient(X, y, W, b, reg):
    loss, dW, db = l2_loss_and_grads(X, y, W, b, reg)
    return loss, dW, db + reg * b


def l2_gradient_factor_2(X, y, W, b, reg):
    loss, dW, db = l2_loss_and_grads(X, y, W, b, reg)
    return loss, dW + reg * W, db


def l2_loss_without_half(X, y, W, b, reg):
    loss, dW, db = l2_loss_and_grads(X, y, W, b, reg)
    return loss + 0.5 * reg * np.sum(W**2), dW, db


def l2_gradient_missing(X, y, W, b, reg):
    loss, dW, db = l2_loss_and_grads(X, y, W, b, reg)
    return loss, dW - reg * W, db


def l2_bias_in_loss(X, y, W, b, reg):
    loss, dW, db = l2_loss_and_grads(X, y, W, b, reg)
    return loss + 0.5 * reg * np.sum(b**2), dW, db


def l2_divided_by_n(X, y, W, b, reg):
    dW, db = gradients(X, y, W, b)
    n = len(y)
    return cross_entropy(X @ W + b, y) + 0.5 * reg * np.sum(W**2) / n, dW + reg * W / n, db


def l2_is_l1(X, y, W, b, reg):
    dW, db = gradients(X, y, W, b)
    return cross_entropy(X @ W + b, y) + reg * np.sum(np.abs(W)), dW + reg * np.sign(W), db


def l2_no_penalty(X, y, W, b, reg):
    dW, db = gradients(X, y, W, b)
    return cross_entropy(X @ W + b, y), dW, db


WRONG_L2 = [
    (l2_bias_gradient, ["db is wrong", "regularised the bias"]),
    (l2_gradient_factor_2, ["factor of 2", "not 2 * reg * w"]),
    (l2_loss_without_half, ["with the 1/2"]),
    (l2_gradient_missing, ["dw has no l2 term"]),
    (l2_bias_in_loss, ["the loss is wrong", "regularised the bias"]),
    (l2_divided_by_n, ["batch size"]),
    (l2_is_l1, ["l1"]),
    (l2_no_penalty, ["the loss has no l2 term"]),
]


@pytest.mark.parametrize(("answer", "words"), WRONG_L2, ids=lambda x: getattr(x, "__name__", ""))
def test_l2_mistakes_are_diagnosed(answer, words):
    assert_diagnosis(sr.check_l2_loss_and_grads, answer, words)


# ---- the training loop -------------------------------------------------------------------


def _init(X):
    return np.zeros((X.shape[1], 10), dtype=X.dtype), np.zeros(10, dtype=X.dtype)


def train_full_batch(X, y, *, epochs, batch_size, lr, rng):
    W, b = _init(X)
    for _ in range(epochs):
        dW, db = gradients(X, y, W, b)
        W -= lr * dW
        b -= lr * db
    return W, b


def train_summed_gradient(X, y, *, epochs, batch_size, lr, rng):
    W, b = _init(X)
    for _ in range(epochs):
        for xb, yb in minibatches(X, y, batch_size, rng=rng):
            dW, db = gradients(xb, yb, W, b)
            W -= lr * len(yb) * dW
            b -= lr * len(yb) * db
    return W, b


def train_nominal_batch_size(X, y, *, epochs, batch_size, lr, rng):
    W, b = _init(X)
    for _ in range(epochs):
        for xb, yb in minibatches(X, y, batch_size, rng=rng):
            dW, db = gradients(xb, yb, W, b)
            scale = len(yb) / batch_size  # i.e. divide the sum by batch_size
            W -= lr * scale * dW
            b -= lr * scale * db
    return W, b


def train_ignores_epochs(X, y, *, epochs, batch_size, lr, rng):
    return train(X, y, epochs=1, batch_size=batch_size, lr=lr, rng=rng)


def train_no_shuffle(X, y, *, epochs, batch_size, lr, rng):
    return train(X, y, epochs=epochs, batch_size=batch_size, lr=lr, rng=None)


def train_whole_X(X, y, *, epochs, batch_size, lr, rng):
    W, b = _init(X)
    for _ in range(epochs):
        for _xb, _yb in minibatches(X, y, batch_size, rng=rng):
            dW, db = gradients(X, y, W, b)
            W -= lr * dW
            b -= lr * db
    return W, b


def train_ascent(X, y, *, epochs, batch_size, lr, rng):
    return train(X, y, epochs=epochs, batch_size=batch_size, lr=-lr, rng=rng)


def train_float64(X, y, *, epochs, batch_size, lr, rng):
    W, b = train(X.astype(np.float64), y, epochs=epochs, batch_size=batch_size, lr=lr, rng=rng)
    return W, b


def train_break(X, y, *, epochs, batch_size, lr, rng):
    W, b = _init(X)
    for _ in range(epochs):
        for xb, yb in minibatches(X, y, batch_size, rng=rng):
            dW, db = gradients(xb, yb, W, b)
            W -= lr * dW
            b -= lr * db
            break
    return W, b


def train_update_after_loop(X, y, *, epochs, batch_size, lr, rng):
    W, b = _init(X)
    for _ in range(epochs):
        for xb, yb in minibatches(X, y, batch_size, rng=rng):
            dW, db = gradients(xb, yb, W, b)
        W -= lr * dW
        b -= lr * db
    return W, b


def train_transposed(X, y, *, epochs, batch_size, lr, rng):
    W, b = train(X, y, epochs=epochs, batch_size=batch_size, lr=lr, rng=rng)
    return W.T, b


def train_bias_frozen(X, y, *, epochs, batch_size, lr, rng):
    W, b = _init(X)
    for _ in range(epochs):
        for xb, yb in minibatches(X, y, batch_size, rng=rng):
            dW, db = gradients(xb, yb, W, b)
            W -= lr * dW
    return W, b


def train_restarts(X, y, *, epochs, batch_size, lr, rng):
    W0, b0 = _init(X)
    W, b = W0, b0
    for _ in range(epochs):
        for xb, yb in minibatches(X, y, batch_size, rng=rng):
            dW, db = gradients(xb, yb, W0, b0)
            W, b = W0 - lr * dW, b0 - lr * db
    return W, b


def train_own_permutation(X, y, *, epochs, batch_size, lr, rng):
    """Right too: the same batches as minibatches(), sliced by hand."""
    W, b = _init(X)
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            idx = order[start : start + batch_size]
            dW, db = gradients(X[idx], y[idx], W, b)
            W -= lr * dW
            b -= lr * db
    return W, b


def train_sampled_batches(X, y, *, epochs, batch_size, lr, rng):
    W, b = _init(X)
    for _ in range(epochs * -(-len(X) // batch_size)):
        idx = rng.integers(0, len(X), batch_size)  # with replacement: not an epoch
        dW, db = gradients(X[idx], y[idx], W, b)
        W -= lr * dW
        b -= lr * db
    return W, b


def test_train_accepts_an_equivalent_loop(capsys):
    sr.check_train(train_own_permutation, mnist=False)
    assert capsys.readouterr().out == "✔ train: all 5 checks passed\n"


def train_random_init(X, y, *, epochs, batch_size, lr, rng):
    W = (0.01 * rng.standard_normal((X.shape[1], 10))).astype(X.dtype)
    b = np.zeros(10, dtype=X.dtype)
    for _ in range(epochs):
        for xb, yb in minibatches(X, y, batch_size, rng=rng):
            dW, db = gradients(xb, yb, W, b)
            W -= lr * dW
            b -= lr * db
    return W, b


WRONG_TRAIN = [
    (train_sampled_batches, ["replays your training", "data.minibatches"]),
    (train_random_init, ["start from w = 0"]),
    (train_full_batch, ["one step per epoch on the whole training set"]),
    (train_summed_gradient, ["forgot to divide by the batch size"]),
    (train_nominal_batch_size, ["divide by len(y_batch)"]),
    (train_ignores_epochs, ["single epoch"]),
    (train_no_shuffle, ["not shuffled"]),
    (train_whole_X, ["all of x instead of the current batch"]),
    (train_ascent, ["wrong sign"]),
    (train_float64, ["dtype float64, expected float32"]),
    (train_break, ["first batch only"]),
    (train_update_after_loop, ["after the batch loop"]),
    (train_transposed, ["transposed"]),
    (train_bias_frozen, ["b is never updated"]),
    (train_restarts, ["started again from the initial weights"]),
]


@pytest.mark.parametrize(("answer", "words"), WRONG_TRAIN, ids=lambda x: getattr(x, "__name__", ""))
def test_training_loop_mistakes_are_diagnosed(answer, words):
    assert_diagnosis(sr.check_train, answer, words, mnist=False)


# ---- temperature -----------------------------------------------------------------------


def temperature_inverted(z, T):
    if T <= 0:
        raise ValueError
    return softmax(z * T)


def temperature_ignored(z, T):
    if T <= 0:
        raise ValueError
    return softmax(z)


def temperature_unchecked(z, T):
    return softmax(z / T)


def temperature_assert(z, T):
    assert T > 0
    return softmax(z / T)


def temperature_naive(z, T):
    if T <= 0:
        raise ValueError
    return softmax_no_shift(z / T)


def temperature_on_probabilities(z, T):
    if T <= 0:
        raise ValueError
    return softmax(z) / T


def temperature_power(z, T):
    if T <= 0:
        raise ValueError
    return softmax(z) ** (1 / T)


WRONG_TEMPERATURE = [
    (temperature_inverted, ["inverted", "divide the logits by t"]),
    (temperature_ignored, ["no effect"]),
    (temperature_unchecked, ["should raise valueerror", "t = 0"]),
    (temperature_assert, ["raised assertionerror", "expected valueerror"]),
    (temperature_naive, ["nan", "max-subtraction"]),
    (temperature_on_probabilities, ["divided the probabilities by t"]),
    (temperature_power, ["without normalising"]),
]


@pytest.mark.parametrize(
    ("answer", "words"), WRONG_TEMPERATURE, ids=lambda x: getattr(x, "__name__", "")
)
def test_temperature_mistakes_are_diagnosed(answer, words):
    assert_diagnosis(sr.check_softmax_with_temperature, answer, words)


def test_each_check_catches_at_least_three_wrong_answers():
    counts = {
        sr.check_softmax: len(WRONG_SOFTMAX) + 1,
        sr.check_cross_entropy: len(WRONG_CE),
        sr.check_gradients: len(WRONG_GRADIENTS),
        sr.check_l2_loss_and_grads: len(WRONG_L2),
        sr.check_train: len(WRONG_TRAIN),
        sr.check_softmax_with_temperature: len(WRONG_TEMPERATURE),
    }
    for check, _, _ in WRONG_NUMBERS:
        counts[check] = counts.get(check, 0) + 1
    assert set(counts) == set(ALL_CHECKS)
    assert min(counts.values()) >= 3, counts
