"""Every self-check of topics 01 and 02, tried as a student would break it.

- Whatever the student's function returns (None, lists, ragged nested lists, unhashable
  items, generators, strings, the wrong number of values, NaN), the check ends in a
  CheckFailure with a message, never in an exception from inside the check, and never
  prints a memory address.
- Each check rejects at least 8 hand-written typical wrong answers (here and in
  tests/test_checks_softmax_regression.py / test_checks_relu_network.py), each with a
  diagnosis asserted by its words.
- Correct variants (einsum, float64 inside, another valid formula) pass.
- The generic diagnoses say where and how a result differs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers.checks import Check, CheckFailure, describe_difference
from helpers.checks import relu_network as rn
from helpers.checks import softmax_regression as sr

# --------------------------------------------------------------------------------------
# No return value can break a check
# --------------------------------------------------------------------------------------


def _generator():
    yield from range(3)


GARBAGE = {
    "None": None,
    "empty list": [],
    "list of numbers": [0.1, 0.2],
    "ragged nested list": [[1.0], [1.0, 2.0]],
    "list of lists": [["W1"], ["b1"]],
    "unhashable items": [{"a": 1}, [2]],
    "a dict": {"a": 1},
    "a dict of arrays": {"W1": np.zeros(3)},
    "a generator": _generator(),
    "a string": "0.5",
    "an object": object(),
    "NaN": float("nan"),
    "inf": float("inf"),
    "a bool": True,
    "a complex number": 1 + 2j,
    "an object array": np.array([None, 1], dtype=object),
    "a string array": np.array(["a", "b"]),
    "an empty array": np.zeros((0, 3)),
    "a 3-tuple": (1, 2, 3),
    "a 2-tuple of None": (None, None),
    "a 2-tuple of lists": ([1, 2], [3]),
    "a 2-tuple of a dict and a list": ({}, [1]),
}

CHECKS = [
    sr.check_answer_softmax_p2,
    sr.check_answer_uniform_loss,
    sr.check_answer_gradient_entry,
    sr.check_softmax,
    sr.check_cross_entropy,
    sr.check_gradients,
    sr.check_l2_loss_and_grads,
    lambda f: sr.check_train(f, mnist=False),
    sr.check_softmax_with_temperature,
    sr.check_answer_best_learning_rate,
    sr.check_answer_confidence_limit,
    sr.check_answer_accuracy_change,
    rn.check_answer_param_count,
    rn.check_relu_forward,
    rn.check_relu_backward,
    rn.check_backward_no_output_bias,
    rn.check_loss_and_grads,
    rn.check_init_params,
    rn.check_answer_rms_ratio,
    rn.check_dead_units,
    rn.check_train_hidden,
    rn.check_answer_sweep,
    rn.check_wrong_gradients,
    rn.check_answer_bug_zoo,
]
CHECK_IDS = ["check_train" if c.__name__ == "<lambda>" else c.__name__ for c in CHECKS]


def test_every_public_check_is_here():
    names = set(CHECK_IDS)
    assert names == {n for n in sr.__all__ + rn.__all__ if n.startswith("check_")}


@pytest.mark.parametrize("check", CHECKS, ids=CHECK_IDS)
def test_no_return_value_makes_a_check_crash(check):
    for label, value in GARBAGE.items():
        if isinstance(value, type(_generator())):
            value = _generator()

        def answer(*args, value=value, **kwargs):
            return value

        try:
            check(answer)
        except CheckFailure as failure:
            text = str(failure)
            assert "0x" not in text, f"{label}: a memory address in {text}"
            assert len(text) < 2500, f"{label}: a message of {len(text)} characters"
        else:  # only a correct answer may pass
            pytest.fail(f"{label} passed the check")


@pytest.mark.parametrize("check", CHECKS, ids=CHECK_IDS)
def test_an_exception_in_the_students_code_is_reported_not_raised(check):
    def answer(*args, **kwargs):
        raise KeyError("W3")

    with pytest.raises(CheckFailure, match="raised KeyError"):
        check(answer)


def test_dict_and_list_arguments_are_copied_and_compared():
    check = Check("f")

    def changes_the_dict(params):
        params["W1"] -= 1
        return 0.0

    params = {"W1": np.ones(3)}
    with pytest.raises(CheckFailure, match=r"changed the dict it was given \(its entry \['W1'\]\)"):
        check.call(changes_the_dict, params)
    np.testing.assert_array_equal(params["W1"], 1.0)  # the caller's dict is untouched

    def appends(items):
        items.append(1)
        return 0.0

    with pytest.raises(CheckFailure, match="changed the list"):
        check.call(appends, [0])


def test_readonly_arguments_catch_in_place_changes():
    check = Check("f")

    def in_place(X):
        X -= 1
        return X

    X = np.ones((4, 3))
    with pytest.raises(CheckFailure, match="in place"):
        check.call(in_place, X, readonly=True)
    np.testing.assert_array_equal(X, 1.0)


# --------------------------------------------------------------------------------------
# The generic diagnoses say where and how
# --------------------------------------------------------------------------------------


def _message(got, want, **kwargs):
    with pytest.raises(CheckFailure) as info:
        Check("f").close(np.asarray(got, dtype=np.float64), np.asarray(want), **kwargs)
    return " ".join(str(info.value).split())


WANT = np.arange(1.0, 13.0).reshape(3, 4)


@pytest.mark.parametrize(
    ("got", "words"),
    [
        (WANT * 1.006, ["all 12 entries differ", "largest difference"]),
        (np.where(WANT > 10, 0.0, WANT), ["it is 0 at 2 of 12 entries", "nonzero values"]),
        (WANT + np.array([[1.0], [2.0], [3.0]]), ["each row is off by its own constant"]),
        (WANT + np.array([1.0, 2.0, 3.0, 4.0]), ["each column is off by its own constant"]),
        (WANT + 0.5, ["every entry is off by the same amount"]),
        (WANT * np.array([[1.0], [2.5], [1.5]]), ["each row is the expected row times"]),
        (np.vstack([WANT[:2], WANT[2] + 1e-3 * np.arange(4)]), ["only rows 2 differ"]),
        (np.where(np.arange(12).reshape(3, 4) % 4 == 1, -WANT, WANT), ["the sign is flipped"]),
        (np.where(WANT == 5, np.nan, WANT), ["nan", "first at [1, 0]"]),
    ],
)
def test_a_difference_is_described_by_where_and_how(got, words):
    text = _message(got, WANT).lower()
    for word in words:
        assert word.lower() in text, f"{word!r} not in: {text}"
    assert "differs from the reference" not in text
    assert "constant factor of" not in text  # a factor is named only for N, 1/N, -1, 2, 1/2


@pytest.mark.parametrize(
    ("factor", "words"),
    [
        (3.0, "3 times too large"),
        (1 / 3, "divided by n twice"),
        (-1.0, "wrong sign"),
        (2.0, "factor of 2"),
        (0.5, "factor of 0.5"),
    ],
)
def test_a_constant_factor_is_named_only_when_it_means_something(factor, words):
    assert words in _message(WANT * factor, WANT, n=3).lower()


def test_describe_difference_of_a_scalar_and_of_a_large_array():
    assert "expected 2" in describe_difference(np.array(2.5), np.array(2.0))
    big = np.zeros((300, 300))
    got = big.copy()
    got[:50, 7] = 1.0
    text = describe_difference(got, big)
    assert len(text) < 400 and "only rows 0, 1, 2, 3, 4, 5, ... (50 in all) differ" in text


# --------------------------------------------------------------------------------------
# Numeric answers: at least 8 typical wrong numbers each, every one diagnosed
# --------------------------------------------------------------------------------------

LN10, LN2 = math.log(10), math.log(2)

WRONG_NUMBERS = {
    sr.check_answer_softmax_p2: [
        (0.0900, "p_0"),
        (0.2447, "that is p_1"),
        (0.5, "exponentials"),
        (math.e**3, "divide by the sum"),
        (1 / 3, "three equal logits"),
        (66.52, "percentage"),
        (-0.6652, "sign"),
        (-0.4076, "log-probability"),
        (1.5032, "denominator"),
    ],
    sr.check_answer_uniform_loss: [
        (1.0, "log10"),
        (math.log2(10), "log2"),
        (0.1, "probability of the true class"),
        (-LN10, "sign"),
        (5 * LN10, "sum over the 5 examples"),
        (10.0, "number of classes"),
        (0.0, "perfect"),
        (LN10 / 10, "over the 10 classes"),
    ],
    sr.check_answer_gradient_entry: [
        (-5 / 3, "batch size"),
        (5 / 6, "sign"),
        (2 / 3, "transposed"),
        (-5 / 12, "divided by n twice"),
        (-1.0, "forgot p"),
        (1 / 6, "subtract y"),
        (5 / 3, "sign and forgot to divide"),
        (-83.33, "percentage"),
    ],
    sr.check_answer_best_learning_rate: [
        (1.0, "coarser grid"),
        (2.0, "overshoot"),
        (10.0, "overshoot"),
        (0.001, "too small"),
        (0.01, "too small"),
        (0.1, "a little small"),
        (0.25, "neighbours"),
        (0.33, "loss itself"),
        (4, "index"),
        (50, "percentage"),
    ],
    sr.check_answer_confidence_limit: [
        (1.0, "t -> 0"),
        (0.0, "at least 1/10"),
        (10.0, "number of classes"),
        (0.01, "square"),
        (-0.1, "sign"),
        (math.sqrt(0.1), "square root"),
        (LN10, "loss"),
        (0.9, "other classes"),
    ],
    sr.check_answer_accuracy_change: [
        (1.5, "argmax"),
        (-3.0, "argmax"),
        (0.5, "argmax"),
        (10.0, "argmax"),
        (100.0, "argmax"),
        (-100.0, "argmax"),
        (0.9, "argmax"),
        (64 - 0.25, "argmax"),
    ],
    rn.check_answer_param_count: [
        (406_528, "biases"),
        (401_920, "output layer"),
        (203_530, "h = 512"),
        (407_040, "output biases"),
        (406_538, "hidden biases"),
        (401_408, "only the weights of the first layer"),
        (784 + 512 + 10, "units"),
        (784 * 512 * 10, "multiplied"),
    ],
    rn.check_answer_rms_ratio: [
        (0.51, "inverted"),
        (3.92, "variances"),
        (1.13, "fan_in = d = 784"),
        (2.80, "2 / fan_in"),
        (2.24, "logits"),
        (198.0, "percentage"),
        (-1.98, "sign"),
        (1.41, "square root"),
    ],
    rn.check_answer_sweep: [
        (1, "half a point"),
        (3, "modest"),
        (0, "1, 2 or 3"),
        (4, "1, 2 or 3"),
        (7, "1, 2 or 3"),
        (12, "1, 2 or 3"),
        (None, "returned none"),
        ("2", "single number"),
    ],
}


@pytest.mark.parametrize(
    ("check", "value", "words"),
    [(c, v, w) for c, rows in WRONG_NUMBERS.items() for v, w in rows],
    ids=lambda x: getattr(x, "__name__", None),
)
def test_a_wrong_number_is_diagnosed_by_name(check, value, words):
    with pytest.raises(CheckFailure) as info:
        check(lambda: value)
    text = " ".join(str(info.value).split()).lower()
    assert words.lower() in text, f"{words!r} not in: {text}"


def test_every_numeric_check_has_eight_wrong_numbers():
    for check, rows in WRONG_NUMBERS.items():
        assert len(rows) >= 8, check.__name__


# --------------------------------------------------------------------------------------
# More typical wrong answers for the code checks with fewer than 8 elsewhere
# --------------------------------------------------------------------------------------


def _softmax(z, axis=1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _assert_words(check, answer, *words):
    with pytest.raises(CheckFailure) as info:
        check(answer)
    text = " ".join(str(info.value).split()).lower()
    for word in words:
        assert word.lower() in text, f"{word!r} not in: {text}"


def temperature_z_times_t(z, T):
    if not T > 0:
        raise ValueError("T")
    return _softmax(z * T)


def temperature_axis0(z, T):
    if not T > 0:
        raise ValueError("T")
    return _softmax(z / T, axis=0)


def temperature_float64(z, T):
    if not T > 0:
        raise ValueError("T")
    return _softmax(z.astype(np.float64) / T)


def temperature_in_place(z, T):
    if not T > 0:
        raise ValueError("T")
    z /= T
    return _softmax(z)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (temperature_z_times_t, ["inverted"]),
        (temperature_axis0, ["wrong axis"]),
        (temperature_float64, ["dtype float64, expected float32"]),
        (temperature_in_place, ["in place"]),
    ],
)
def test_more_temperature_mistakes(answer, words):
    _assert_words(sr.check_softmax_with_temperature, answer, *words)


def relu_in_place_max(z):
    return np.maximum(z, 0, out=z)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (relu_in_place_max, ["in place", "out=z"]),
        (lambda z: np.where(z > 0, z, 0.01 * z), ["differ", "largest difference"]),
    ],
)
def test_more_relu_forward_mistakes(answer, words):
    _assert_words(rn.check_relu_forward, answer, *words)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda d, z: d * (z > 0).astype(np.float64), ["dtype float64"]),
        (lambda d, z: (d * (z > 0)).T, ["shape"]),
        (lambda d, z: -d * (z > 0), ["sign"]),
    ],
)
def test_more_relu_backward_mistakes(answer, words):
    _assert_words(rn.check_relu_backward, answer, *words)


def _net(params, X, y, reg=0.0, no_shift=False, global_shift=False):
    N = len(X)
    Z1 = X @ params["W1"] + params["b1"]
    A = np.maximum(Z1, 0)
    Z2 = A @ params["W2"] + params.get("b2", 0)
    if global_shift:
        Z2 = Z2 - Z2.max()
    elif not no_shift:
        Z2 = Z2 - Z2.max(axis=1, keepdims=True)
    with np.errstate(all="ignore"):
        logp = Z2 - np.log(np.exp(Z2).sum(axis=1, keepdims=True))
    loss = float(-logp[np.arange(N), y].mean()) + 0.5 * reg * (
        (params["W1"] ** 2).sum() + (params["W2"] ** 2).sum()
    )
    d2 = np.exp(logp)
    d2[np.arange(N), y] -= 1
    d2 /= N
    d1 = (d2 @ params["W2"].T) * (Z1 > 0)
    g = {"W1": X.T @ d1 + reg * params["W1"], "b1": d1.sum(0), "W2": A.T @ d2 + reg * params["W2"]}
    if "b2" in params:
        g["b2"] = d2.sum(0)
    return loss, g


def test_backward_passes_are_tried_with_logits_of_1000():
    _assert_words(
        rn.check_backward_no_output_bias,
        lambda p, X, y: _net(p, X, y, no_shift=True),
        "logits of about 1000",
        "max-subtraction",
    )
    _assert_words(
        rn.check_loss_and_grads,
        lambda p, X, y, reg: _net(p, X, y, reg, global_shift=True),
        "logits of about 1000",
        "each row's",
    )


def test_loss_and_grads_that_change_params_are_caught():
    def updates(params, X, y, reg):
        loss, g = _net(params, X, y, reg)
        params["W1"] -= 0.1 * g["W1"]  # a training step inside the loss: the caller's dict
        return loss, g

    _assert_words(rn.check_loss_and_grads, updates, "changed the dict", "['W1']")


def test_init_params_ignoring_rng_is_caught():
    def fixed_seed(D, H, C, init, rng):
        rng = np.random.default_rng(0)
        std1 = 0.1 if init == "tutorial" else np.sqrt(2 / D)
        std2 = 0.1 if init == "tutorial" else np.sqrt(2 / H)
        return {
            "W1": (std1 * rng.standard_normal((D, H))).astype(np.float32),
            "b1": np.zeros(H, np.float32),
            "W2": (std2 * rng.standard_normal((H, C))).astype(np.float32),
            "b2": np.zeros(C, np.float32),
        }

    _assert_words(
        rn.check_init_params, fixed_seed, "different generators", "rng argument is ignored"
    )


def test_wrong_gradients_with_a_threshold_off_by_two_is_caught():
    from helpers.gradcheck import numerical_gradient, relative_error

    def checker(tol):
        def wrong_gradients(loss_and_grads, params, X, y):
            _, grads = loss_and_grads(params, X, y)
            return [
                k
                for k in params
                if relative_error(
                    grads[k], numerical_gradient(lambda: loss_and_grads(params, X, y)[0], params[k])
                )
                > tol
            ]

        return wrong_gradients

    _assert_words(rn.check_wrong_gradients, checker(2e-6), "threshold is too loose")
    _assert_words(rn.check_wrong_gradients, checker(5e-7), "threshold is too strict")


def _train(X, y, *, epochs, batch_size, lr, rng):
    from helpers.data import minibatches

    W = np.zeros((X.shape[1], 10), dtype=X.dtype)
    b = np.zeros(10, dtype=X.dtype)
    for _ in range(epochs):
        for xb, yb in minibatches(X, y, batch_size, rng=rng):
            P = _softmax(xb @ W + b)
            P[np.arange(len(yb)), yb] -= 1
            P /= len(yb)
            W -= lr * (xb.T @ P)
            b -= lr * P.sum(axis=0)
    return W, b


def train_on_a_subset(X, y, *, epochs, batch_size, lr, rng):
    # X[:10_000], y[:10_000]: left over from debugging
    return _train(X[:10_000], y[:10_000], epochs=epochs, batch_size=batch_size, lr=lr, rng=rng)


def train_own_generator(X, y, *, epochs, batch_size, lr, rng):
    rng = np.random.default_rng(0)  # ignores the generator it is given
    return _train(X, y, epochs=epochs, batch_size=batch_size, lr=lr, rng=rng)


def test_train_ignoring_its_rng_is_caught():
    with pytest.raises(CheckFailure) as info:
        sr.check_train(train_own_generator, mnist=False)
    assert "another generator than the `rng` passed in" in " ".join(str(info.value).split())


@pytest.mark.slow
def test_train_left_on_a_debugging_subset_is_caught():
    with pytest.raises(CheckFailure) as info:
        sr.check_train(train_on_a_subset)
    text = " ".join(str(info.value).split())
    assert "debugging subset" in text and "validation accuracy" in text


# --------------------------------------------------------------------------------------
# Correct variants pass
# --------------------------------------------------------------------------------------


def softmax_einsum(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.einsum("nc->n", e)[:, None]


def softmax_float64_inside(z):
    z64 = z.astype(np.float64)
    e = np.exp(z64 - z64.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(z.dtype)


def ce_logsumexp(z, y):
    m = z.max(axis=1)
    lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))
    return float(np.mean(lse - z[np.arange(len(y)), y]))


def ce_one_hot_einsum(z, y):
    s = z - z.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    Y = np.eye(z.shape[1])[y]
    return float(-np.einsum("nc,nc->", Y, logp) / len(y))


def gradients_einsum(X, y, W, b):
    P = softmax_float64_inside(X @ W + b)
    P[np.arange(len(y)), y] -= 1
    return np.einsum("nd,nc->dc", X, P) / len(y), np.einsum("nc->c", P) / len(y)


def relu_where(z):
    return np.where(z > 0, z, np.zeros_like(z))


def relu_backward_where(dout, z):
    return np.where(z > 0, dout, np.zeros_like(dout))


def loss_and_grads_float64_inside(params, X, y, reg):
    p64 = {k: v.astype(np.float64) for k, v in params.items()}
    loss, g = _net(p64, X.astype(np.float64), y, reg)
    return loss, {k: v.astype(X.dtype) for k, v in g.items()}


def dead_units_max(W1, b1, X):
    return int(np.sum((X @ W1 + b1).max(axis=0) <= 0))


@pytest.mark.parametrize(
    ("check", "answer"),
    [
        (sr.check_softmax, softmax_einsum),
        (sr.check_softmax, softmax_float64_inside),
        (sr.check_cross_entropy, ce_logsumexp),
        (sr.check_cross_entropy, ce_one_hot_einsum),
        (sr.check_gradients, gradients_einsum),
        (rn.check_relu_forward, relu_where),
        (rn.check_relu_backward, relu_backward_where),
        (rn.check_loss_and_grads, loss_and_grads_float64_inside),
        (rn.check_dead_units, dead_units_max),
    ],
    ids=lambda x: getattr(x, "__name__", None),
)
def test_correct_variants_pass(check, answer, capsys):
    check(answer)
    assert "✔" in capsys.readouterr().out


# --------------------------------------------------------------------------------------
# Topic 02: the checks with fewer than 8 wrong answers in test_checks_relu_network.py
# --------------------------------------------------------------------------------------


def test_dead_units_without_the_bias_is_caught():
    _assert_words(
        rn.check_dead_units, lambda W1, b1, X: int(((X @ W1) <= 0).all(axis=0).sum()), "bias"
    )


def _train_hidden(H, X, y, X_val, y_val, seed, optimizer="momentum", fixed_seed=False):
    from helpers.model import TwoLayerNet
    from helpers.train import evaluate, fit

    seed = 0 if fixed_seed else seed
    net = TwoLayerNet(X.shape[1], H, 10, init="he", rng=np.random.default_rng(seed))
    fit(
        net,
        X,
        y,
        epochs=1,
        batch_size=128,
        lr=0.1,
        optimizer=optimizer,
        schedule="cosine",
        rng=np.random.default_rng(seed),
    )
    return evaluate(net, X_val, y_val)[1]


def test_train_hidden_with_plain_sgd_or_a_fixed_seed_is_caught():
    _assert_words(rn.check_train_hidden, lambda *a: _train_hidden(*a, optimizer="sgd"), "plain sgd")
    _assert_words(
        rn.check_train_hidden, lambda *a: _train_hidden(*a, fixed_seed=True), "seed argument"
    )


def test_wrong_gradients_that_leaves_params_nudged_is_caught():
    def by_hand(loss_and_grads, params, X, y, h=1e-5):
        _, grads = loss_and_grads(params, X, y)
        wrong = []
        for k, x in params.items():
            numeric = np.zeros_like(x)
            for i in np.ndindex(x.shape):
                x[i] += h
                up = loss_and_grads(params, X, y)[0]
                x[i] -= 2 * h
                down = loss_and_grads(params, X, y)[0]
                numeric[i] = (up - down) / (2 * h)  # forgot: x[i] += h
            if np.abs(numeric - grads[k]).max() > 1e-6 * np.abs(grads[k]).max():
                wrong.append(k)
        return wrong

    _assert_words(rn.check_wrong_gradients, by_hand, "parameters were left changed")


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ({"a": ["W2", "b2"], "b": ["b1", "b2"], "c": ["W2"]}, ["(a)", "the mask sits on delta1"]),
        ({"a": ["W1", "b1"], "b": ["W1", "W2"], "c": ["W2"]}, ["(b)", "bias gradients"]),
        ({"A": ["W1", "b1"], "B": ["b1", "b2"], "C": ["W2"]}, ["keys"]),
        ({"a": [["W1"], ["b1"]], "b": ["b1", "b2"], "c": ["W2"]}, ["parameter names (strings"]),
        ({"a": ["w1", "b1"], "b": ["b1", "b2"], "c": ["W2"]}, ["the names are"]),
    ],
)
def test_more_bug_zoo_mistakes(answer, words):
    _assert_words(rn.check_answer_bug_zoo, lambda: answer, *words)
