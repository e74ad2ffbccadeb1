"""The topic-04 self-checks: each passes on every right answer, lets a stub's
NotImplementedError through, and fails with the right diagnosis on typical wrong answers.

The right and wrong answers are small functions written here, independently of the
notebook. Each wrong answer is paired with words its diagnosis must contain, so a check
that fails for the wrong reason fails its test.
"""

import numpy as np
import pytest

from helpers.autodiff import Tensor
from helpers.checks import CheckFailure
from helpers.checks import backpropagation as bp
from helpers.gradcheck import check_layer
from helpers.model import Sequential, mlp

# --------------------------------------------------------------------------------------
# Right answers (several variants where there are several natural ways)
# --------------------------------------------------------------------------------------


def tanh_backward(dout, out):
    return dout * (1 - out**2)


def tanh_backward_2(dout, out):
    return dout - dout * out * out


def make_backward_loop(
    mask="Z_below",
    db="sum",
    divide=True,
    mask_last=False,
    a_in="input",
    transpose=True,
    keys_from=1,
    out_type="dict",
    dtype=None,
    shift="row",
):
    """backward_loop(params, Z, A, y) with optional deliberate mistakes (``shift``: how the
    softmax is kept from overflowing; "lse" is a right alternative)."""

    def backward_loop(params, Z, A, y):
        L = len(params) // 2
        N = len(y)
        if shift == "lse":  # log-softmax through log-sum-exp: right too
            m = Z[L].max(axis=1, keepdims=True)
            log_P = Z[L] - m - np.log(np.exp(Z[L] - m).sum(axis=1, keepdims=True))
            P = np.exp(log_P)
        else:
            s = {
                "row": Z[L] - Z[L].max(axis=1, keepdims=True),
                "none": Z[L],
                "batch": Z[L] - Z[L].max(),
                "plus": Z[L] + Z[L].max(axis=1, keepdims=True),
                "columns": Z[L] - Z[L].max(axis=0, keepdims=True),
            }[shift]
            P = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
        P[np.arange(N), y] -= 1
        delta = P / N if divide else P
        if mask_last:
            delta = delta * (Z[L] > 0)
        grads = {}
        for i in range(L, 0, -1):
            a = A[i] if a_in == "output" else A[i - 1]
            grads[f"W{i - 1 + keys_from}"] = a.T @ delta
            grads[f"b{i - 1 + keys_from}"] = (
                delta.mean(axis=0) if db == "mean" else delta.sum(axis=0)
            )
            if i > 1:
                W = params[f"W{i}"]
                delta = delta @ (W.T if transpose else W)
                if mask == "Z_below":
                    delta = delta * (Z[i - 1] > 0)
                elif mask == "Z_below_ge":
                    delta = delta * (Z[i - 1] >= 0)
                elif mask == "Z_same":
                    delta = delta * (Z[i] > 0)
                elif mask == "A":
                    delta = delta * A[i - 1]
        if dtype is not None:
            grads = {k: v.astype(dtype) for k, v in grads.items()}
        if out_type == "list":
            return list(grads.values())
        if out_type == "transposed":
            return {k: v.T for k, v in grads.items()}
        return grads

    return backward_loop


def centred_difference(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def tanh_tensor(
    t,
    *,
    local="out",
    upstream=True,
    accumulate=True,
    parents=True,
    attach=True,
    forward="tanh",
    in_place=False,
    wrap=True,
):
    """tanh for a Tensor, with optional deliberate mistakes."""
    if in_place:
        data = np.tanh(t.data, out=t.data)
    else:
        data = np.tanh(t.data) if forward == "tanh" else 1 - np.tanh(t.data) ** 2
    if not wrap:
        return data
    out = Tensor(data, (t,) if parents else (), "tanh")

    def backward():
        o = out.data
        d = {
            "out": 1 - o**2,
            "input": 1 - t.data**2,
            "sigmoid": o * (1 - o),
            "square_after": (1 - o) ** 2,
        }[local]
        g = out.grad * d if upstream else d
        t.grad = t.grad + g if accumulate else g

    if attach:
        out._backward = backward
    return out


def broken_layers(
    layers, x, rng, tol=1e-6, base=0, invert=False, forward=True, only_x=False, names=False,
    own_rng=False,
):
    found = []
    for i, layer in enumerate(layers):
        errors = check_layer(layer, x, np.random.default_rng(0) if own_rng else rng)
        err = errors["x"] if only_x else max(errors.values())
        if (err > tol) != invert:
            found.append(type(layer).__name__ if names else i + base)
        if forward:
            x = layer.forward(x)
    return found


def first_layer_ratio(depth, activation, X, y, seed, dtype=np.float64):
    model = mlp(
        [X.shape[1]] + [32] * depth + [10], activation, rng=np.random.default_rng(seed), dtype=dtype
    )
    _, g = model.loss(X.astype(dtype), y)
    return float(np.linalg.norm(g["W1"]) / np.linalg.norm(g[f"W{depth + 1}"]))


def first_layer_ratio_variant(variant):
    def answer(depth, activation, X, y, seed):
        hidden = depth + 1 if variant == "deeper" else depth
        init = "he" if variant == "he" else None
        s = seed + 1 if variant == "seed" else seed
        model = mlp(
            [X.shape[1]] + [32] * hidden + [10],
            activation,
            init=init,
            rng=np.random.default_rng(s),
            dtype=np.float64,
        )
        _, g = model.loss(X, y)
        last = f"W{hidden}" if variant == "last-1" else f"W{hidden + 1}"
        n1, nL = np.linalg.norm(g["W1"]), np.linalg.norm(g[last])
        if variant == "weights":
            return np.linalg.norm(model.params["W1"]) / np.linalg.norm(model.params[last])
        if variant == "inverted":
            return nL / n1
        if variant == "squared":
            return (n1 / nL) ** 2
        if variant == "tuple":
            return n1, nL
        return n1 / nL

    return answer


def stub(*args, **kwargs):
    raise NotImplementedError


# --------------------------------------------------------------------------------------
# Every check: right answers pass, the stub's NotImplementedError propagates
# --------------------------------------------------------------------------------------

RIGHT = [
    (bp.check_tanh_backward, tanh_backward),
    (bp.check_tanh_backward, tanh_backward_2),
    (bp.check_answer_chain, lambda: 99),
    (bp.check_answer_chain, lambda: 99.0),
    (bp.check_backward_loop, make_backward_loop()),
    (bp.check_backward_loop, make_backward_loop(shift="lse")),
    (bp.check_centred_difference, centred_difference),
    (bp.check_centred_difference, lambda f, x, h: 0.5 * (f(x + h) - f(x - h)) / h),
    (bp.check_answer_bad_h, lambda: 2),
    (bp.check_tensor_tanh, tanh_tensor),
    (bp.check_broken_layers, broken_layers),
    (bp.check_broken_layers, lambda *a: np.array(broken_layers(*a), dtype=np.int64)),
    (bp.check_first_layer_ratio, first_layer_ratio),
    (bp.check_first_layer_ratio, lambda *a: first_layer_ratio(*a, dtype=np.float32)),
    (bp.check_answer_depth, lambda: 2),
]
IDS = [f"{check.__name__}-{i}" for i, (check, _) in enumerate(RIGHT)]


@pytest.mark.parametrize(("check", "answer"), RIGHT, ids=IDS)
def test_right_answer_passes(check, answer, capsys):
    check(answer)
    out = capsys.readouterr().out
    assert out.startswith("✔ ") and out.count("\n") == 1


@pytest.mark.parametrize(("check", "answer"), RIGHT, ids=IDS)
def test_stub_raises_not_implemented(check, answer):
    with pytest.raises(NotImplementedError):
        check(stub)


def test_every_public_check_is_tested():
    public = {n for n in bp.__all__ if n.startswith("check_")}
    assert public == {check.__name__ for check, _ in RIGHT}


# Return values no check may crash on: each must become a CheckFailure.
ODD_VALUES = [None, "0.5", [1, 2], (1.0, 2.0), {"a": 1}, float("nan"), np.array([]), True, object()]


@pytest.mark.parametrize(
    "check", sorted({c for c, _ in RIGHT}, key=lambda c: c.__name__), ids=lambda c: c.__name__
)
@pytest.mark.parametrize("value", ODD_VALUES, ids=[repr(v)[:12] for v in ODD_VALUES])
def test_odd_return_values_never_crash_a_check(check, value):
    with pytest.raises(CheckFailure):
        check(lambda *args, **kwargs: value)


def test_an_exception_in_the_student_code_becomes_a_check_failure(diagnosis):
    def broken(*args, **kwargs):
        raise ValueError("boom")

    for check, _ in RIGHT:
        assert "boom" in diagnosis(check, broken)


# --------------------------------------------------------------------------------------
# Wrong answers, each with the words its diagnosis must contain
# --------------------------------------------------------------------------------------


def _in_place(dout, out):
    dout *= 1 - out**2
    return dout


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda d, o: 1 - o**2, ["upstream gradient"]),
        (lambda d, o: d * (1 - np.tanh(o) ** 2), ["do not apply tanh again"]),
        (lambda d, o: d * o * (1 - o), ["sigmoid"]),
        (lambda d, o: d * (1 - o) ** 2, ["(1 - out)**2"]),
        (lambda d, o: d * (1 + o**2), ["a minus"]),
        (lambda d, o: d * (1 - o), ["1 - out is not"]),
        (lambda d, o: d / np.cosh(o) ** 2, ["apply tanh again"]),
        (lambda d, o: d * o, ["multiplied by out"]),
        (lambda d, o: -d * (1 - o**2), ["wrong sign"]),
        (lambda d, o: (d * (1 - o**2)).astype(np.float64), ["dtype"]),
        (_in_place, ["in place"]),
        (lambda d, o: None, ["return"]),
        (lambda d, o: list(d * (1 - o**2)), ["numpy array"]),
    ],
)
def test_tanh_backward_mistakes(answer, words, assert_diagnosis):
    assert_diagnosis(bp.check_tanh_backward, answer, *words)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (33, ["dz/dw1 = x"]),
        (49.5, ["factor 2"]),
        (-99, ["sign error"]),
        (-16.5, ["dl/dw2"]),
        (-33, ["w2 is missing"]),
        (30.25, ["the loss l itself"]),
        (0, ["relu passes"]),
        (100, ["not right", "go backwards"]),
        ("99", ["single number"]),
        (float("inf"), ["finite"]),
    ],
)
def test_chain_mistakes(value, words, assert_diagnosis):
    assert_diagnosis(bp.check_answer_chain, lambda: value, *words)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (dict(mask=None), ["relu mask is missing"]),
        (dict(mask="Z_same"), ["wrong layer", "z[l-1] > 0"]),
        (dict(mask="A"), ["not relu itself"]),
        (dict(db="mean"), ["sum of delta"]),
        (dict(divide=False), ["batch size"]),
        (dict(mask_last=True), ["not masked"]),
        (dict(a_in="output"), ["input a[l-1]"]),
        (dict(transpose=False), ["transpose is missing"]),
        (dict(keys_from=0), ["count from 1"]),
        (dict(out_type="list"), ["dict"]),
        (dict(out_type="transposed"), ["transposed"]),
        (dict(dtype=np.float64), ["dtype", "float32"]),
        (dict(shift="none"), ["softmax of the logits z[l] overflowed", "no max-subtraction",
                              "each row's maximum"]),
        (dict(shift="batch"), ["overflowed", "over the whole batch", "each row's maximum"]),
        (dict(shift="plus"), ["overflowed", "added instead of subtracted"]),
        (dict(shift="columns"), ["taken over axis 0", "each row's maximum"]),
        (dict(mask="Z_below_ge"), ["dead unit", "(z[l-1] >= 0)", "subgradient", "(z[l-1] > 0)"]),
    ],
)
def test_backward_loop_mistakes(kwargs, words, assert_diagnosis):
    assert_diagnosis(bp.check_backward_loop, make_backward_loop(**kwargs), *words)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda f, x, h: (f(x + h) - f(x)) / h, ["one-sided"]),
        (lambda f, x, h: (f(x) - f(x - h)) / h, ["backward one-sided"]),
        (lambda f, x, h: (f(x + h) - f(x - h)) / h, ["divide by 2 h"]),
        (lambda f, x, h: (f(x + h) - f(x - h)) / 2 * h, ["precedence"]),
        (lambda f, x, h: (f(x - h) - f(x + h)) / (2 * h), ["sign is flipped"]),
        (lambda f, x, h: (f(x + h) + f(x - h)) / (2 * h), ["not a sum"]),
        (lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h * h), ["h twice"]),
        (lambda f, x, h: f(x), ["f(x) itself"]),
        (lambda f, x, h: np.cos(x), ["expected"]),
        (lambda f, x, h: [centred_difference(f, x, h)], ["one number"]),
    ],
)
def test_centred_difference_mistakes(answer, words, assert_diagnosis):
    assert_diagnosis(bp.check_centred_difference, answer, *words)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (1, ["truncation", "shrinks"]),
        (3, ["no kink"]),
        (4, ["choose 1, 2 or 3"]),
        ("2", ["single number"]),
        ([2], ["single number"]),
        (True, ["single number"]),
        (float("nan"), ["finite"]),
        (0, ["choose 1, 2 or 3"]),
    ],
)
def test_bad_h_mistakes(value, words, assert_diagnosis):
    assert_diagnosis(bp.check_answer_bad_h, lambda: value, *words)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (dict(wrap=False), ["should return a tensor"]),
        (dict(forward="derivative"), ["forward value"]),
        (dict(parents=False), ["not in the graph", "parent"]),
        (dict(attach=False), ["stayed zero", "_backward"]),
        (dict(upstream=False), ["upstream gradient"]),
        (dict(local="input"), ["used the input"]),
        (dict(local="sigmoid"), ["sigmoid"]),
        (dict(local="square_after"), ["(1 - out)**2"]),
        (dict(accumulate=False), ["overwritten", "accumulated"]),
        (dict(in_place=True), ["in place"]),
    ],
)
def test_tensor_tanh_mistakes(kwargs, words, assert_diagnosis):
    assert_diagnosis(bp.check_tensor_tanh, lambda t: tanh_tensor(t, **kwargs), *words)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (dict(base=1), ["one too high"]),
        (dict(invert=True), ["instead of the broken"]),
        (dict(tol=1e-2), ["threshold too loose"]),
        (dict(tol=0.0), ["threshold too", "tight"]),
        (dict(forward=False), ["raised", "features"]),
        (dict(only_x=True), ["every array"]),
        (dict(names=True), ["integer layer indices"]),
        (dict(tol=2e-6), ["threshold is too loose", "1.6e-6 is above 1e-6"]),
        (dict(tol=5e-7), ["threshold is too strict", "7e-7 is below 1e-6"]),
        (dict(own_rng=True), ["rng argument was never drawn from", "check_layer(layer, x, rng)"]),
    ],
)
def test_broken_layers_mistakes(kwargs, words, assert_diagnosis):
    assert_diagnosis(bp.check_broken_layers, lambda *a: broken_layers(*a, **kwargs), *words)


def test_broken_layers_other_mistakes(assert_diagnosis):
    assert_diagnosis(bp.check_broken_layers, lambda *a: "3, 6, 7", "list of layer indices")
    assert_diagnosis(bp.check_broken_layers, lambda *a: None, "returned none")

    def whole_model(layers, x, rng):  # "wrong" = every array the whole-model check flags
        from helpers.gradcheck import check_model

        y = np.zeros(len(x), dtype=int)
        errors = check_model(Sequential(layers), x, y)
        linear = [i for i, layer in enumerate(layers) if layer.params]
        return sorted({linear[int(k[1:]) - 1] for k, e in errors.items() if e > 1e-6})

    assert_diagnosis(bp.check_broken_layers, whole_model, "whole-model check", "on its own")


@pytest.mark.parametrize(
    ("variant", "words"),
    [
        ("inverted", ["inverted"]),
        ("weights", ["weights' norms"]),
        ("last-1", ["one more linear layer"]),
        ("deeper", ["one hidden layer too many"]),
        ("squared", ["squared norms"]),
        ("he", ["init='he'"]),
        ("seed", ["np.random.default_rng(seed)"]),
        ("tuple", ["one number"]),
    ],
)
def test_first_layer_ratio_mistakes(variant, words, assert_diagnosis):
    assert_diagnosis(bp.check_first_layer_ratio, first_layer_ratio_variant(variant), *words)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (1, ["relu and he"]),
        (3, ["vanishing"]),
        (0, ["choose 1, 2 or 3"]),
        (4, ["choose 1, 2 or 3"]),
        ("2", ["single number"]),
        ([2], ["single number"]),
        (True, ["single number"]),
        (float("nan"), ["finite"]),
    ],
)
def test_depth_mistakes(value, words, assert_diagnosis):
    assert_diagnosis(bp.check_answer_depth, lambda: value, *words)


# --------------------------------------------------------------------------------------
# The references themselves
# --------------------------------------------------------------------------------------


def test_bug_zoo_is_what_the_answer_says():
    layers = bp.bug_zoo_layers()
    x = np.random.default_rng(0).standard_normal((10, 12))
    assert broken_layers(layers, x, np.random.default_rng(1)) == bp.BUG_ZOO_ANSWER
    names = {type(layer).__name__ for layer in layers}
    assert names == {"Linear", "Sigmoid", "ReLU"}  # the broken ones do not give themselves away


def test_reference_backward_matches_sequential():
    rng = np.random.default_rng(5)
    model = mlp([6, 5, 4, 3], rng=rng, dtype=np.float64)
    X, y = rng.standard_normal((7, 6)), rng.integers(0, 3, 7)
    _, grads = model.loss(X, y)
    Z, A = bp.reference_forward(model.params, X)
    ref = bp.reference_backward(model.params, Z, A, y)
    for k in grads:
        np.testing.assert_allclose(ref[k], grads[k], rtol=1e-10, atol=1e-13)
