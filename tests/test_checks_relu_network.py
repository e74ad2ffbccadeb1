"""The topic-02 self-checks: each passes on a right answer, lets a stub's NotImplementedError
through, and fails with the right diagnosis on typical wrong answers.

The right and wrong answers are small functions written here, independently of the
notebook and of helpers.model. Each wrong answer is paired with words its diagnosis must
contain, so a check that fails for the wrong reason fails its test.
"""

import math

import numpy as np
import pytest

from helpers.checks import CheckFailure
from helpers.checks import relu_network as rn
from helpers.gradcheck import numerical_gradient, relative_error
from helpers.model import TwoLayerNet
from helpers.train import evaluate, fit

# --------------------------------------------------------------------------------------
# Right answers
# --------------------------------------------------------------------------------------


def relu_forward(z):
    return np.maximum(z, 0)


def relu_backward(dout, z):
    return dout * (z > 0)


def make_loss_and_grads(
    mask=True,
    preact=False,
    bias_mean=False,
    sum_loss=False,
    reg_bias=False,
    reg_factor=1.0,
    half=True,
    reg_in_loss=True,
    forget_n=False,
):
    """A loss_and_grads(params, X, y, reg=0.0) with optional deliberate mistakes."""

    def loss_and_grads(params, X, y, reg=0.0):
        N = len(X)
        Z1 = X @ params["W1"] + params["b1"]
        A = np.maximum(Z1, 0)
        Z2 = A @ params["W2"] + (params["b2"] if "b2" in params else 0)
        Z2 = Z2 - Z2.max(axis=1, keepdims=True)
        logp = Z2 - np.log(np.exp(Z2).sum(axis=1, keepdims=True))
        ce = -logp[np.arange(N), y]
        loss = ce.sum() if sum_loss else ce.mean()
        sq = (params["W1"] ** 2).sum() + (params["W2"] ** 2).sum()
        if reg_in_loss:
            loss = loss + (0.5 if half else 1.0) * reg * sq
        d2 = np.exp(logp)
        d2[np.arange(N), y] -= 1
        if not forget_n:
            d2 /= N
        grads = {"W2": (Z1 if preact else A).T @ d2 + reg_factor * reg * params["W2"]}
        d1 = d2 @ params["W2"].T
        if mask:
            d1 = d1 * (Z1 > 0)
        grads["W1"] = X.T @ d1 + reg_factor * reg * params["W1"]
        red = (lambda d: d.mean(axis=0)) if bias_mean else (lambda d: d.sum(axis=0))
        grads["b1"] = red(d1) + (reg * params["b1"] if reg_bias else 0)
        if "b2" in params:
            grads["b2"] = red(d2) + (reg * params["b2"] if reg_bias else 0)
        return float(loss), grads

    return loss_and_grads


def without_reg(fn):
    return lambda params, X, y: fn(params, X, y)


def init_params(D, H, C, init, rng, scale_of=None, unknown="raise"):
    if init not in ("he", "tutorial"):
        if unknown == "raise":
            raise ValueError(f"unknown init {init!r}: use 'tutorial' or 'he'")
        if unknown == "vague":
            raise ValueError("unknown init")
        if unknown == "key":
            raise KeyError(init)
        # unknown == "accept": the else-branch quietly gives He's weights

    def w(fan_in, fan_out):
        s = (
            scale_of(fan_in, fan_out)
            if scale_of
            else (math.sqrt(2 / fan_in) if init == "he" else 0.1)
        )
        return (s * rng.standard_normal((fan_in, fan_out))).astype(np.float32)

    return {
        "W1": w(D, H),
        "b1": np.zeros(H, np.float32),
        "W2": w(H, C),
        "b2": np.zeros(C, np.float32),
    }


def dead_units(W1, b1, X):
    return int(((X @ W1 + b1) <= 0).all(axis=0).sum())


def train_hidden(H, X, y, X_val, y_val, seed, init="he", percent=False, on_train=False, swap=False):
    if swap:  # the mistake: train on the validation part, evaluate on the training part
        X, y, X_val, y_val = X_val, y_val, X, y
    net = TwoLayerNet(X.shape[1], H, 10, init=init, rng=np.random.default_rng(seed))
    fit(
        net,
        X,
        y,
        epochs=1,
        batch_size=128,
        lr=0.1,
        optimizer="momentum",
        schedule="cosine",
        rng=np.random.default_rng(seed),
    )
    acc = evaluate(net, X, y)[1] if on_train else evaluate(net, X_val, y_val)[1]
    return 100 * acc if percent else acc


def wrong_gradients(loss_and_grads, params, X, y, tol=1e-6, invert=False):
    _, grads = loss_and_grads(params, X, y)
    wrong = []
    for k in params:
        numeric = numerical_gradient(lambda: loss_and_grads(params, X, y)[0], params[k])
        if (relative_error(grads[k], numeric) > tol) != invert:
            wrong.append(k)
    return wrong


def stub(*args, **kwargs):
    raise NotImplementedError


def diagnosis(check, answer) -> str:
    with pytest.raises(CheckFailure) as info:
        check(answer)
    return " ".join(str(info.value).split()).lower()


def assert_diagnosis(check, answer, *words):
    text = diagnosis(check, answer)
    for word in words:
        assert word.lower() in text, f"{word!r} not in the diagnosis:\n{text}"


# --------------------------------------------------------------------------------------
# Every check: right answer passes, the stub's NotImplementedError propagates
# --------------------------------------------------------------------------------------

RIGHT = [
    (rn.check_answer_param_count, lambda: 407_050),
    (rn.check_answer_rms_ratio, lambda: 1.98),
    (rn.check_answer_sweep, lambda: 2),
    (rn.check_relu_forward, relu_forward),
    (rn.check_relu_backward, relu_backward),
    (rn.check_backward_no_output_bias, without_reg(make_loss_and_grads())),
    (rn.check_loss_and_grads, make_loss_and_grads()),
    (rn.check_init_params, init_params),
    (rn.check_dead_units, dead_units),
    (rn.check_train_hidden, train_hidden),
    (rn.check_wrong_gradients, wrong_gradients),
    (rn.check_answer_bug_zoo, lambda: {"a": ["W1", "b1"], "b": ["b1", "b2"], "c": ["W2"]}),
]
IDS = [check.__name__ for check, _ in RIGHT]


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
    public = {n for n in rn.__all__ if n.startswith("check_")}
    assert public == set(IDS)


# --------------------------------------------------------------------------------------
# Wrong answers, each with the words its diagnosis must contain
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (406_528, ["biases"]),
        (401_920, ["output layer"]),
        (203_530, ["h = 512"]),
        (407_040, ["output biases"]),
    ],
)
def test_param_count_mistakes(answer, words):
    assert_diagnosis(rn.check_answer_param_count, lambda: answer, *words)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (0.51, ["inverted"]),
        (3.92, ["variances"]),
        (1.13, ["fan_in = d = 784"]),
        (2.80, ["2 / fan_in"]),
    ],
)
def test_rms_ratio_mistakes(answer, words):
    assert_diagnosis(rn.check_answer_rms_ratio, lambda: answer, *words)


@pytest.mark.parametrize(
    ("answer", "words"),
    [(1, ["half a point"]), (3, ["modest", "less than 5 points"]), (4, ["1, 2 or 3"]),
     (7, ["not right"])],
)
def test_sweep_mistakes(answer, words):
    assert_diagnosis(rn.check_answer_sweep, lambda: answer, *words)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda z: (z > 0).astype(z.dtype), ["mask"]),
        (np.abs, ["np.abs"]),
        (lambda z: np.minimum(z, 0), ["np.minimum"]),
        (lambda z: np.max(z, 0), ["np.maximum(z, 0)"]),
        (lambda z: np.clip(z, 0, 1), ["upper limit"]),
        (lambda z: np.maximum(z, 0).astype(np.float64), ["dtype"]),
    ],
)
def test_relu_forward_mistakes(answer, words):
    assert_diagnosis(rn.check_relu_forward, answer, *words)


def test_relu_forward_in_place_is_caught():
    def in_place(z):
        z[z < 0] = 0
        return z

    assert_diagnosis(rn.check_relu_forward, in_place, "in place")


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda d, z: (z > 0).astype(z.dtype), ["upstream gradient"]),
        (lambda d, z: d * (z >= 0), ["z >= 0", "subgradient"]),
        (lambda d, z: d * np.maximum(z, 0), ["relu itself"]),
        (lambda d, z: d * (d > 0), ["sign of dout"]),
        (lambda d, z: d.copy(), ["no mask"]),
    ],
)
def test_relu_backward_mistakes(answer, words):
    assert_diagnosis(rn.check_relu_backward, answer, *words)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (dict(mask=False), ["relu mask"]),
        (dict(preact=True), ["pre-activations"]),
        (dict(bias_mean=True), ["sum over the batch"]),
        (dict(sum_loss=True), ["mean"]),
        (dict(forget_n=True), ["batch size"]),
    ],
)
def test_backward_no_output_bias_mistakes(kwargs, words):
    assert_diagnosis(
        rn.check_backward_no_output_bias, without_reg(make_loss_and_grads(**kwargs)), *words
    )


def test_backward_no_output_bias_wrong_return_values():
    assert_diagnosis(rn.check_backward_no_output_bias, lambda p, X, y: 0.0, "2 values")

    def no_dict(p, X, y):
        loss, g = make_loss_and_grads()(p, X, y)
        return loss, [g["W1"], g["b1"], g["W2"]]

    assert_diagnosis(rn.check_backward_no_output_bias, no_dict, "dict")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (dict(reg_bias=True), ["biases are not regularised"]),
        (dict(reg_factor=2.0), ["not 2 * reg * w"]),
        (dict(reg_factor=0.0), ["missing from the gradient"]),
        (dict(half=False), ["1/2 is missing"]),
        (dict(reg_in_loss=False), ["missing from the loss"]),
        (dict(bias_mean=True), ["sum over the batch"]),
        (dict(mask=False), ["relu mask"]),
    ],
)
def test_loss_and_grads_mistakes(kwargs, words):
    assert_diagnosis(rn.check_loss_and_grads, make_loss_and_grads(**kwargs), *words)


def test_loss_and_grads_ignoring_the_reg_passed_in():
    """Exercise 5's function has no default reg; one that falls back on a default reg=0.0
    and ignores the reg it is given passes the reg=0 case but not the nonzero ones, and
    the failure names the missing L2 term."""

    def ignores_reg(params, X, y, reg=0.0):
        return make_loss_and_grads()(params, X, y)

    assert_diagnosis(rn.check_loss_and_grads, ignores_reg, "reg=0.1", "l2 term is missing", "loss")

    def no_reg_parameter(params, X, y):
        return make_loss_and_grads()(params, X, y)

    assert_diagnosis(rn.check_loss_and_grads, no_reg_parameter, "typeerror")


def test_loss_and_grads_without_output_bias_gradient():
    def no_b2(params, X, y, reg=0.0):
        loss, g = make_loss_and_grads()(params, X, y, reg)
        del g["b2"]
        return loss, g

    assert_diagnosis(rn.check_loss_and_grads, no_b2, "missing ['b2']")


@pytest.mark.parametrize(
    ("scale_of", "words"),
    [
        (lambda fi, fo: math.sqrt(2 / fo), ["fan_in", "not fan_out"]),
        (lambda fi, fo: 2 / fi, ["square root"]),
        (lambda fi, fo: math.sqrt(1 / fi), ["lecun"]),
        (lambda fi, fo: 1.0, ["not scaled"]),
    ],
)
def test_init_params_he_mistakes(scale_of, words):
    def answer(D, H, C, init, rng):
        return init_params(D, H, C, init, rng, scale_of if init == "he" else None)

    assert_diagnosis(rn.check_init_params, answer, *words)


def test_init_params_other_mistakes():
    def swapped(D, H, C, init, rng):
        return init_params(D, H, C, "tutorial" if init == "he" else "he", rng)

    assert_diagnosis(rn.check_init_params, swapped, "swapped")

    def tutorial_variance(D, H, C, init, rng):
        return init_params(D, H, C, init, rng, None if init == "he" else lambda fi, fo: 0.01)

    assert_diagnosis(rn.check_init_params, tutorial_variance, "0.01 is the variance")

    def global_state(D, H, C, init, rng):
        return init_params(D, H, C, init, np.random.default_rng())

    assert_diagnosis(rn.check_init_params, global_state, "same seed")

    def float64(D, H, C, init, rng):
        return {k: v.astype(np.float64) for k, v in init_params(D, H, C, init, rng).items()}

    assert_diagnosis(rn.check_init_params, float64, "dtype")

    def transposed(D, H, C, init, rng):
        p = init_params(D, H, C, init, rng)
        p["W1"] = p["W1"].T
        return p

    assert_diagnosis(rn.check_init_params, transposed, "transposed")


@pytest.mark.parametrize(
    ("unknown", "words"),
    [
        ("accept", ['init_params(20, 8, 3, "xavier", rng) returned', "else: raise valueerror"]),
        ("vague", ["does not name 'xavier' and 'tutorial' and 'he'"]),
        ("key", ["raised keyerror", "expected a valueerror"]),
    ],
)
def test_init_params_unknown_init_must_raise_a_clear_value_error(unknown, words):
    """Exercise 6: an unknown init raises ValueError naming it and 'tutorial' and 'he'; an
    else-branch that takes any other name for He's, a message without the names, or another
    exception type are each diagnosed."""

    def answer(D, H, C, init, rng):
        return init_params(D, H, C, init, rng, unknown=unknown)

    assert_diagnosis(rn.check_init_params, answer, *words)


def test_init_params_unknown_init_message_is_matched_by_words():
    """"he" inside "the" does not count as naming He's init; quoted or bare names do."""

    def message(text):
        def answer(D, H, C, init, rng):
            if init not in ("he", "tutorial"):
                raise ValueError(text)
            return init_params(D, H, C, init, rng)

        return answer

    assert_diagnosis(rn.check_init_params, message("xavier: not the tutorial's"), "'he'")
    rn.check_init_params(message("unknown init xavier; choose from ['tutorial', 'he']"))


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda W1, b1, X: int(((X @ W1 + b1) <= 0).sum()), ["entries"]),
        (lambda W1, b1, X: int(((X @ W1 + b1) <= 0).all(axis=1).sum()), ["wrong axis"]),
        (lambda W1, b1, X: int(((X @ W1 + b1) < 0).all(axis=0).sum()), ["z1 == 0"]),
        (lambda W1, b1, X: float(((X @ W1 + b1) <= 0).all(axis=0).mean()), ["share"]),
        (lambda W1, b1, X: int(((X @ W1 + b1) > 0).any(axis=0).sum()), ["living"]),
        (lambda W1, b1, X: int(((X @ W1 + b1).mean(axis=0) <= 0).sum()), ["mean"]),
        (lambda W1, b1, X: ((X @ W1 + b1) <= 0).all(axis=0), ["one number"]),
    ],
)
def test_dead_units_mistakes(answer, words):
    assert_diagnosis(rn.check_dead_units, answer, *words)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (dict(percent=True), ["percentage"]),
        (dict(on_train=True), ["training accuracy", "x_val, y_val"]),
        (dict(init="tutorial"), ["init='tutorial'"]),
        (dict(swap=True), ["trained on x_val", "fit on the training part"]),
    ],
)
def test_train_hidden_mistakes(kwargs, words):
    assert_diagnosis(rn.check_train_hidden, lambda *args: train_hidden(*args, **kwargs), *words)


def test_train_hidden_ignoring_h_and_returning_the_loss():
    def fixed_h(H, X, y, X_val, y_val, seed):
        return train_hidden(256, X, y, X_val, y_val, seed)

    assert_diagnosis(rn.check_train_hidden, fixed_h, "hidden size h was not passed")

    def the_loss(H, X, y, X_val, y_val, seed):
        net = TwoLayerNet(X.shape[1], H, 10, rng=np.random.default_rng(seed))
        fit(
            net,
            X,
            y,
            epochs=1,
            batch_size=128,
            lr=0.1,
            optimizer="momentum",
            schedule="cosine",
            rng=np.random.default_rng(seed),
        )
        return evaluate(net, X_val, y_val)[0]

    assert_diagnosis(rn.check_train_hidden, the_loss, "validation loss")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (dict(invert=True), ["gradients that are right"]),
        (dict(tol=-1.0), ["every gradient"]),
        (dict(tol=0.1), ["threshold too loose", "about 1e-10", "the threshold is 1e-6"]),
    ],
)
def test_wrong_gradients_mistakes(kwargs, words):
    assert_diagnosis(
        rn.check_wrong_gradients, lambda *args: wrong_gradients(*args, **kwargs), *words
    )


def test_wrong_gradients_float32_and_stale_params():
    def float32(loss_and_grads, params, X, y):
        p = {k: v.astype(np.float32) for k, v in params.items()}
        return wrong_gradients(loss_and_grads, p, X.astype(np.float32), y)

    assert_diagnosis(rn.check_wrong_gradients, float32, "raised typeerror", "float32")

    def frozen(loss_and_grads, params, X, y):  # the loss ignores the nudged params
        fixed = {k: v.copy() for k, v in params.items()}
        _, grads = loss_and_grads(params, X, y)
        wrong = []
        for k in params:
            numeric = numerical_gradient(lambda: loss_and_grads(fixed, X, y)[0], params[k])
            if relative_error(grads[k], numeric) > 1e-6:
                wrong.append(k)
        return wrong

    assert_diagnosis(rn.check_wrong_gradients, frozen, "every gradient")


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ({"a": ["W1"], "b": ["b1", "b2"], "c": ["W2"]}, ["(a)", "db1"]),
        ({"a": ["W1", "b1"], "b": ["b2"], "c": ["W2"]}, ["(b)", "both bias"]),
        ({"a": ["W1", "b1"], "b": ["b1", "b2"], "c": ["W2", "W1", "b1"]}, ["(c)", "w1 and b1"]),
        ({"a": ["W1", "b1"], "b": ["b1", "b2"]}, ["keys"]),
        ({"a": "W1 b1", "b": ["b1", "b2"], "c": ["W2"]}, ["list of parameter names"]),
    ],
)
def test_bug_zoo_mistakes(answer, words):
    assert_diagnosis(rn.check_answer_bug_zoo, lambda: answer, *words)


def test_the_bug_zoo_is_what_the_answers_say():
    """Each broken pass is wrong exactly in the gradients the answer names (and the
    reference is right), found with the gradient checker itself."""
    params, X, y = rn._problem(np.random.default_rng(0), 6, 5, 4, 3)
    ref = lambda p, X, y: rn.reference_loss_and_grads(p, X, y)  # noqa: E731
    assert wrong_gradients(ref, params, X, y) == []
    for key, fn in rn.BUG_ZOO.items():
        assert set(wrong_gradients(fn, params, X, y)) == rn._ZOO_ANSWER[key]


def test_reference_matches_helpers_model():
    params, X, y = rn._problem(np.random.default_rng(1), 7, 6, 5, 4)
    net = TwoLayerNet(6, 5, 4, dtype=np.float64, rng=np.random.default_rng(0))
    net.params = {k: v.copy() for k, v in params.items()}
    loss, grads = net.loss(X, y, reg=0.2)
    want_loss, want = rn.reference_loss_and_grads(params, X, y, reg=0.2)
    assert loss == pytest.approx(want_loss, rel=1e-12)
    for k in params:
        np.testing.assert_allclose(grads[k], want[k], rtol=1e-10, atol=1e-12)
