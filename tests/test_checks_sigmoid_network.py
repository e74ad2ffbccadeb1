"""The topic-03 self-checks: each passes every correct way of writing the answer, lets a
stub's NotImplementedError through, and fails with the right diagnosis on typical wrong
answers (at least eight per check), and on wrong kinds of return values without crashing.

The right and wrong answers are small functions written here, independently of the
notebook. Each wrong answer is paired with words its diagnosis must contain, so a check
that fails for the wrong reason fails its test.
"""

import math

import numpy as np
import pytest
import scipy.special

from helpers.checks import CheckFailure
from helpers.checks import sigmoid_network as sn
from helpers.functions import sigmoid as helpers_sigmoid
from helpers.train import evaluate

# --------------------------------------------------------------------------------------
# Right answers, several ways each
# --------------------------------------------------------------------------------------


def sigmoid_where(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_masks(z):
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1 + ez)
    return out


def sigmoid_logaddexp(z):
    return np.exp(-np.logaddexp(0, -z)).astype(z.dtype)


def sigmoid_tanh(z):
    return (1 + np.tanh(z / 2)) / 2


SIGMOIDS = [sigmoid_where, sigmoid_masks, sigmoid_logaddexp, sigmoid_tanh, scipy.special.expit,
            helpers_sigmoid]


def grad_from(sig):
    def sigmoid_grad(z):
        s = sig(z)
        return s * (1 - s)

    return sigmoid_grad


def grad_symmetric(z):
    e = np.exp(-np.abs(z))
    return e / (1 + e) ** 2


def grad_product(z):
    return sigmoid_where(z) * sigmoid_where(-z)


def linear_backward(layer, dout):
    layer.grads["W"] = layer.x.T @ dout
    layer.grads["b"] = dout.sum(axis=0)
    return dout @ layer.params["W"].T


def linear_backward_in_place(layer, dout):
    """Gradients written into arrays allocated once, einsum for dW."""
    layer.grads.setdefault("W", np.zeros_like(layer.params["W"]))
    layer.grads.setdefault("b", np.zeros_like(layer.params["b"]))
    layer.grads["W"][...] = np.einsum("nd,nm->dm", layer.x, dout)
    layer.grads["b"][...] = np.sum(dout, axis=0)
    return np.dot(dout, layer.params["W"].T)


def make_linear(dW=None, db=None, dx=None, store=True, ret=None, update=False):
    """A linear_backward with the given deliberate mistakes."""

    def broken(layer, dout):
        x, W, b = layer.x, layer.params["W"], layer.params["b"]
        grads = {
            "W": dW(x, W, b, dout) if dW else x.T @ dout,
            "b": db(x, W, b, dout) if db else dout.sum(axis=0),
        }
        if store:
            layer.grads.update(grads)
        dx_ = dx(x, W, b, dout) if dx else dout @ W.T
        if update:
            layer.params["W"] -= 0.1 * grads["W"]
        return ret(dx_, grads) if ret else dx_

    return broken


class SigmoidLayer:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, z):
        self.out = sigmoid_where(z)
        return self.out

    def backward(self, dout):
        return dout * self.out * (1 - self.out)


class SigmoidLayerZ:
    """Caches the input and recomputes the derivative in backward: also right."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, z):
        self.z = z
        return helpers_sigmoid(z)

    def backward(self, dout):
        s = helpers_sigmoid(self.z)
        return dout * (s - s * s)


def factory(cls):
    return lambda: cls


def make_sigmoid_layer(forward=None, backward=None):
    class Broken(SigmoidLayer):
        def forward(self, z):
            if forward is None:
                return super().forward(z)
            self.z = z
            self.out = forward(z)
            return self.out

        def backward(self, dout):
            if backward is None:
                return super().backward(dout)
            return backward(self, dout)

    return factory(Broken)


def glorot_uniform(n_in, n_out, rng):
    a = np.sqrt(6 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_in, n_out)).astype(np.float32)


def glorot_scaled(n_in, n_out, rng):
    return (math.sqrt(6 / (n_in + n_out)) * (2 * rng.random((n_in, n_out)) - 1)).astype(np.float32)


def make_glorot(limit=None, draw=None, dtype=np.float32, shape=None, ret=None):
    def glorot(n_in, n_out, rng):
        a = limit(n_in, n_out) if limit else math.sqrt(6 / (n_in + n_out))
        size = shape(n_in, n_out) if shape else (n_in, n_out)
        W = draw(rng, a, size) if draw else rng.uniform(-a, a, size=size)
        W = W.astype(dtype)
        return ret(W) if ret else W

    return glorot


def saturated_share(Z):
    s = helpers_sigmoid(Z)
    return float(np.mean(s * (1 - s) < 0.01))


def saturated_share_count(Z):
    s = scipy.special.expit(Z)
    return np.count_nonzero(s * (1 - s) < 0.01) / Z.size


def saturated_share_abs(Z):
    return np.mean(np.abs(Z) > 4.6)  # the threshold in z: sigma'(z) = 0.01 at |z| = 4.585


def choose_lambda(train, lambdas, X_tr, y_tr, X_val, y_val):
    accs = [evaluate(train(X_tr, y_tr, reg=lam), X_val, y_val)[1] for lam in lambdas]
    return lambdas[int(np.argmax(accs))]


def choose_lambda_loop(train, lambdas, X_tr, y_tr, X_val, y_val):
    best, best_acc = None, -1.0
    for lam in lambdas:
        model = train(X_tr, y_tr, lam)
        acc = np.mean(model.predict(X_val) == y_val)
        if acc > best_acc:
            best, best_acc = lam, acc
    return best


def make_choose(on="val", pick=np.argmax, ret=None, train_on="train", pass_reg=True, half=False):
    def choose(train, lambdas, X_tr, y_tr, X_val, y_val):
        if half:  # a debugging subset left in
            X_tr, y_tr = X_tr[: len(X_tr) // 2], y_tr[: len(X_tr) // 2]
        data = {"train": (X_tr, y_tr), "val": (X_val, y_val),
                "both": (np.concatenate([X_tr, X_val]), np.concatenate([y_tr, y_val]))}
        accs = []
        for lam in lambdas:
            model = train(*data[train_on], reg=lam) if pass_reg else train(*data[train_on])
            accs.append(np.mean(model.predict(data[on][0]) == data[on][1]))
        i = int(pick(accs))
        return ret(lambdas, accs, i) if ret else lambdas[i]

    return choose


def layer_grad_norms(model, X, y):
    _, grads = model.loss(X, y)
    L = sum(k.startswith("W") for k in grads)
    return np.array([np.linalg.norm(grads[f"W{li}"]) for li in range(1, L + 1)])


def layer_grad_norms_list(model, X, y):
    model.loss(X, y)
    return [float(np.sqrt((g**2).sum())) for k, g in model.grads.items() if k.startswith("W")]


def make_norms(fn):
    def norms(model, X, y):
        _, grads = model.loss(X, y)
        return fn(model, grads)

    return norms


def stub(*args, **kwargs):
    raise NotImplementedError


# --------------------------------------------------------------------------------------
# Every correct variant passes; the stub's NotImplementedError propagates
# --------------------------------------------------------------------------------------

RIGHT = [
    *[(sn.check_sigmoid, f) for f in SIGMOIDS],
    *[(sn.check_sigmoid_grad, grad_from(f)) for f in SIGMOIDS],
    (sn.check_sigmoid_grad, grad_symmetric),
    (sn.check_sigmoid_grad, grad_product),
    (sn.check_linear_backward, linear_backward),
    (sn.check_linear_backward, linear_backward_in_place),
    (sn.check_sigmoid_layer, factory(SigmoidLayer)),
    (sn.check_sigmoid_layer, factory(SigmoidLayerZ)),
    (sn.check_glorot_uniform, glorot_uniform),
    (sn.check_glorot_uniform, glorot_scaled),
    (sn.check_saturated_share, saturated_share),
    (sn.check_saturated_share, saturated_share_count),
    (sn.check_saturated_share, saturated_share_abs),
    (sn.check_answer_cap, lambda: np.e / (np.e + 9)),
    (sn.check_answer_cap, lambda: 0.232),
    (sn.check_answer_cap, lambda: 1 / (1 + 9 * np.exp(-1))),
    (sn.check_choose_lambda, choose_lambda),
    (sn.check_choose_lambda, choose_lambda_loop),
    (sn.check_layer_grad_norms, layer_grad_norms),
    (sn.check_layer_grad_norms, layer_grad_norms_list),
    (sn.check_answer_vanishing, lambda: 3),
    (sn.check_answer_vanishing, lambda: np.int64(3)),
]
IDS = [f"{check.__name__}-{getattr(a, '__name__', i)}" for i, (check, a) in enumerate(RIGHT)]


@pytest.mark.parametrize(("check", "answer"), RIGHT, ids=IDS)
def test_right_answer_passes(check, answer, capsys):
    check(answer)
    out = capsys.readouterr().out
    assert out.startswith("✔ ") and out.count("\n") == 1


@pytest.mark.parametrize("check", sorted({c for c, _ in RIGHT}, key=lambda c: c.__name__),
                         ids=lambda c: c.__name__)
def test_stub_raises_not_implemented(check):
    with pytest.raises(NotImplementedError):
        check(stub)


def test_every_public_check_is_tested():
    public = {n for n in sn.__all__ if n.startswith("check_")}
    assert public == {c.__name__ for c, _ in RIGHT}


def test_no_warning_from_a_right_answer():
    with np.errstate(all="raise"):
        sn.check_sigmoid(sigmoid_where)
        sn.check_sigmoid_layer(factory(SigmoidLayer))


# --------------------------------------------------------------------------------------
# Wrong kinds of return values never crash a check
# --------------------------------------------------------------------------------------

BAD_RETURNS = [None, [1, 2], (1, 2, 3), "0.5", {"a": 1}, object(), np.array(["x"])]


def _bad_id(value) -> str:
    """A test id that is the same in every process (no memory address), for pytest-xdist."""
    return "object()" if type(value) is object else repr(value)

FUNCTION_CHECKS = [sn.check_sigmoid, sn.check_sigmoid_grad, sn.check_glorot_uniform,
                   sn.check_saturated_share, sn.check_answer_cap, sn.check_choose_lambda,
                   sn.check_layer_grad_norms, sn.check_answer_vanishing]


@pytest.mark.parametrize("check", FUNCTION_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("value", BAD_RETURNS, ids=_bad_id)
def test_bad_return_values_give_a_message(check, value):
    with pytest.raises(CheckFailure):
        check(lambda *args, **kwargs: value)


@pytest.mark.parametrize("value", BAD_RETURNS, ids=_bad_id)
def test_bad_backward_return_values_give_a_message(value):
    def bad(layer, dout):
        linear_backward(layer, dout)
        return value

    class BadSig(SigmoidLayer):
        def backward(self, dout):
            return value

    with pytest.raises(CheckFailure):
        sn.check_linear_backward(bad)
    with pytest.raises(CheckFailure):
        sn.check_sigmoid_layer(factory(BadSig))
    with pytest.raises(CheckFailure):
        sn.check_sigmoid_layer(lambda: value)  # not a class


def test_a_class_object_instead_of_the_class(assert_diagnosis):
    assert_diagnosis(sn.check_sigmoid_layer, lambda: SigmoidLayer(), "class sigmoidlayer itself")


# --------------------------------------------------------------------------------------
# Wrong answers, each with the words its diagnosis must contain
# --------------------------------------------------------------------------------------


def naive_where(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))


SIGMOID_MISTAKES = [
    (lambda z: 1 / (1 + np.exp(-z)), ["direct formula", "overflow"]),
    (naive_where, ["np.where", "both branches"]),
    (lambda z: 1 / (1 + np.exp(z)), ["sign in the exponent"]),
    (lambda z: np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))), ["e / (1 + e)", "for every z"]),
    (lambda z: 1 / (1 + np.exp(-np.abs(z))), ["1 / (1 + e)", "for every z"]),
    (np.tanh, ["tanh"]),
    (lambda z: (1 + np.tanh(z)) / 2, ["sigmoid(2z)"]),
    (lambda z: helpers_sigmoid(z) * (1 - helpers_sigmoid(z)), ["derivative"]),
    (lambda z: helpers_sigmoid(z).astype(np.float64), ["dtype"]),
    (lambda z: helpers_sigmoid(z).T, ["transposed"]),
    (lambda z: np.exp(z) / (1 + np.exp(z)), ["overflow"]),
]


@pytest.mark.parametrize(("answer", "words"), SIGMOID_MISTAKES)
def test_sigmoid_mistakes(answer, words, assert_diagnosis):
    assert_diagnosis(sn.check_sigmoid, answer, *words)


def test_sigmoid_in_place_is_caught(assert_diagnosis):
    def in_place(z):
        np.negative(z, out=z)
        return helpers_sigmoid(-z)

    assert_diagnosis(sn.check_sigmoid, in_place, "in place")


S = helpers_sigmoid

GRAD_MISTAKES = [
    (S, ["itself"]),
    (lambda z: z * (1 - z), ["to z itself"]),
    (lambda z: 1 - S(z) ** 2, ["tanh"]),
    (lambda z: 1 - np.tanh(z) ** 2, ["derivative of tanh"]),
    (lambda z: 1 - S(z), ["factor s is missing"]),
    (lambda z: np.full_like(z, 0.25), ["maximum"]),
    (lambda z: S(z) * (1 + S(z)), ["sign slip"]),
    (lambda z: S(z) ** 2, ["s**2"]),
    (lambda z: -S(z) * (1 - S(z)), ["wrong sign"]),
    (lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, ["overflow"]),
    (lambda z: (S(z) * (1 - S(z))).astype(np.float64), ["dtype"]),
]


@pytest.mark.parametrize(("answer", "words"), GRAD_MISTAKES)
def test_sigmoid_grad_mistakes(answer, words, assert_diagnosis):
    assert_diagnosis(sn.check_sigmoid_grad, answer, *words)


LINEAR_MISTAKES = [
    (make_linear(dW=lambda x, W, b, d: d.T @ x), ["transposed"]),
    (make_linear(dW=lambda x, W, b, d: x.T @ d / len(x)), ["divided by n"]),
    (make_linear(dW=lambda x, W, b, d: (x @ W + b).T @ d), ["output"]),
    (make_linear(db=lambda x, W, b, d: d.mean(axis=0)), ["not the mean"]),
    (make_linear(db=lambda x, W, b, d: d.sum(axis=1)), ["axis 0"]),
    (make_linear(db=lambda x, W, b, d: d.sum()), ["axis 0"]),
    (make_linear(db=lambda x, W, b, d: d.sum(axis=0) + b), ["added b"]),
    (make_linear(dx=lambda x, W, b, d: d @ W), ["dout @ w.t"]),
    (make_linear(dx=lambda x, W, b, d: W @ d.T), ["transposed"]),
    (make_linear(dx=lambda x, W, b, d: x), ["returned the input"]),
    (make_linear(store=False), ["layer.grads"]),
    (make_linear(ret=lambda dx, g: (dx, g["W"], g["b"])), ["returns only dx"]),
    (make_linear(ret=lambda dx, g: None), ["returned none"]),
    (make_linear(update=True), ["changed layer.params"]),
]


@pytest.mark.parametrize(("answer", "words"), LINEAR_MISTAKES)
def test_linear_backward_mistakes(answer, words, assert_diagnosis):
    assert_diagnosis(sn.check_linear_backward, answer, *words)


def _b(fn):
    return lambda self, dout: fn(self.out, self.z, dout)


SIGMOID_LAYER_MISTAKES = [
    (make_sigmoid_layer(forward=lambda z: 1 / (1 + np.exp(-z))), ["overflow"]),
    (make_sigmoid_layer(forward=lambda z: 1 / (1 + np.exp(z))), ["sign in the exponent"]),
    (make_sigmoid_layer(forward=np.tanh), ["tanh"]),
    (make_sigmoid_layer(forward=S, backward=_b(lambda s, z, d: d * z * (1 - z))), ["input z"]),
    (make_sigmoid_layer(forward=S, backward=_b(lambda s, z, d: s * (1 - s))), ["dout is missing"]),
    (make_sigmoid_layer(forward=S, backward=_b(lambda s, z, d: d * s)), ["(1 - s) is missing"]),
    (make_sigmoid_layer(forward=S, backward=_b(lambda s, z, d: d * (1 - s))), ["factor s"]),
    (make_sigmoid_layer(forward=S, backward=_b(lambda s, z, d: d * 0.25)), ["z = 0 only"]),
    (make_sigmoid_layer(forward=S, backward=_b(lambda s, z, d: d.copy())), ["unchanged"]),
    (make_sigmoid_layer(forward=S, backward=_b(lambda s, z, d: d * (1 - s * s))), ["tanh"]),
    (make_sigmoid_layer(forward=S, backward=_b(lambda s, z, d: d * S(d) * (1 - S(d)))),
     ["applied sigma' to dout"]),
    (make_sigmoid_layer(forward=S, backward=_b(lambda s, z, d: (d * s * (1 - s), None))),
     ["returns only dx"]),
]


@pytest.mark.parametrize(("answer", "words"), SIGMOID_LAYER_MISTAKES)
def test_sigmoid_layer_mistakes(answer, words, assert_diagnosis):
    assert_diagnosis(sn.check_sigmoid_layer, answer, *words)


def test_sigmoid_layer_state_mistakes(assert_diagnosis):
    class FirstOnly(SigmoidLayer):
        def forward(self, z):
            out = sigmoid_where(z)
            if not hasattr(self, "out"):
                self.out = out
            return out

    class Corrupts(SigmoidLayer):
        def backward(self, dout):
            self.out *= 1 - self.out
            return dout * self.out

    assert_diagnosis(sn.check_sigmoid_layer, factory(FirstOnly), "first forward call")
    assert_diagnosis(sn.check_sigmoid_layer, factory(Corrupts), "changed the cached output")


GLOROT_MISTAKES = [
    (make_glorot(limit=lambda i, o: math.sqrt(6 / i)), ["n_in + n_out"]),
    (make_glorot(limit=lambda i, o: math.sqrt(6 / o)), ["not n_out alone"]),
    (make_glorot(limit=lambda i, o: math.sqrt(2 / (i + o))), ["a / sqrt(3)"]),
    (make_glorot(limit=lambda i, o: math.sqrt(3 / (i + o))), ["factor 2 is missing"]),
    (make_glorot(limit=lambda i, o: 6 / (i + o)), ["square root is missing"]),
    (make_glorot(limit=lambda i, o: math.sqrt(6) / (i + o)), ["whole fraction"]),
    (make_glorot(limit=lambda i, o: 1.0), ["not scaled"]),
    (make_glorot(draw=lambda r, a, s: r.normal(scale=math.sqrt(2 / sum(s)), size=s)), ["normal"]),
    (make_glorot(draw=lambda r, a, s: r.uniform(0, a, size=s)), ["not centred"]),
    (make_glorot(dtype=np.float64), ["dtype"]),
    (make_glorot(shape=lambda i, o: (o, i)), ["transposed"]),
    (make_glorot(draw=lambda r, a, s: np.random.uniform(-a, a, size=s)), ["global state"]),  # noqa: NPY002 (the mistake)
    (make_glorot(draw=lambda r, a, s: np.random.default_rng(0).uniform(-a, a, size=s)),
     ["ignored"]),
    (make_glorot(ret=lambda W: (W, np.zeros(W.shape[1]))), ["only the weight matrix"]),
    (make_glorot(draw=lambda r, a, s: np.zeros(s)), ["all zeros"]),
]


@pytest.mark.parametrize(("answer", "words"), GLOROT_MISTAKES)
def test_glorot_mistakes(answer, words, assert_diagnosis):
    assert_diagnosis(sn.check_glorot_uniform, answer, *words)


def _sat(fn):
    def share(Z):
        s = helpers_sigmoid(Z).astype(np.float64)
        return fn(Z.astype(np.float64), s, s * (1 - s))

    return share


SATURATION_MISTAKES = [
    (_sat(lambda Z, s, d: (d < 0.01).sum()), ["counted"]),
    (_sat(lambda Z, s, d: (d >= 0.01).mean()), ["not saturated"]),
    (_sat(lambda Z, s, d: (s < 0.01).mean()), ["lower tail"]),
    (_sat(lambda Z, s, d: (s > 0.99).mean()), ["upper tail"]),
    (_sat(lambda Z, s, d: (Z * (1 - Z) < 0.01).mean()), ["to z itself"]),
    (_sat(lambda Z, s, d: (d < 0.1).mean()), ["not 0.1"]),
    (_sat(lambda Z, s, d: 100 * (d < 0.01).mean()), ["percentage"]),
    (_sat(lambda Z, s, d: d.mean()), ["mean of sigma'"]),
    (_sat(lambda Z, s, d: (d < 0.01).all(axis=0).mean()), ["every image"]),
    (_sat(lambda Z, s, d: (d < 0.01).all(axis=1).mean()), ["every unit"]),
    (_sat(lambda Z, s, d: (d < 0.01).mean(axis=0)), ["one share per unit"]),
    (_sat(lambda Z, s, d: (d < 0.01)), ["single number"]),
]


@pytest.mark.parametrize(("answer", "words"), SATURATION_MISTAKES)
def test_saturated_share_mistakes(answer, words, assert_diagnosis):
    assert_diagnosis(sn.check_saturated_share, answer, *words)


CAP_MISTAKES = [
    (0.1, ["uniform"]),
    (0.7311, ["sigmoid(1)"]),
    (np.e / (np.e + 10), ["other nine"]),
    (np.e / 10, ["e + 9, not 10"]),
    (1.4612, ["smallest possible loss"]),
    (1 / np.e, ["1/e"]),
    (np.e**2 / (np.e**2 + 9), ["at most e^1"]),
    (1 / (1 + 9 * np.e), ["smallest probability"]),
    (0.25, ["derivative"]),
    (23.20, ["percentage"]),
]


@pytest.mark.parametrize(("value", "words"), CAP_MISTAKES)
def test_answer_cap_mistakes(value, words, assert_diagnosis):
    assert_diagnosis(sn.check_answer_cap, lambda: value, *words)


CHOOSE_MISTAKES = [
    (make_choose(on="train"), ["training accuracy"]),
    (make_choose(pick=np.argmin), ["lowest"]),
    (make_choose(ret=lambda lams, accs, i: max(accs)), ["returned the best validation accuracy"]),
    (make_choose(ret=lambda lams, accs, i: i), ["index"]),
    (make_choose(ret=lambda lams, accs, i: lams[0]), ["first lambda"]),
    (make_choose(ret=lambda lams, accs, i: lams[-1]), ["last lambda"]),
    (make_choose(train_on="val"), ["validation data"]),
    (make_choose(train_on="both"), ["stacked together"]),
    (make_choose(pass_reg=False), ["pass the lambda"]),
    (make_choose(ret=lambda lams, accs, i: (lams[i], accs[i])), ["return only the lambda"]),
    (make_choose(ret=lambda lams, accs, i: accs), ["one number"]),
    (lambda train, lams, *data: lams[2], ["without training"]),
    (make_choose(half=True), ["25 rows of the 50 training examples", "subset",
                              "whole training split"]),
]


@pytest.mark.parametrize(("answer", "words"), CHOOSE_MISTAKES)
def test_choose_lambda_mistakes(answer, words, assert_diagnosis):
    assert_diagnosis(sn.check_choose_lambda, answer, *words)


def _keys(model):
    return [k for k in model.params if k.startswith("W")]


NORM_MISTAKES = [
    (make_norms(lambda m, g: [np.linalg.norm(m.params[k]) for k in _keys(m)]), ["weights"]),
    (make_norms(lambda m, g: [np.linalg.norm(g[k]) for k in _keys(m)][::-1]), ["reverse order"]),
    (make_norms(lambda m, g: [np.sum(g[k] ** 2) for k in _keys(m)]), ["squared"]),
    (make_norms(lambda m, g: [np.linalg.norm(v) for v in g.values()]), ["biases were included"]),
    (make_norms(lambda m, g: [np.linalg.norm(g[k.replace("W", "b")]) for k in _keys(m)]),
     ["biases' gradients"]),
    (make_norms(lambda m, g: [np.abs(g[k]).max() for k in _keys(m)]), ["largest entry"]),
    (make_norms(lambda m, g: [np.linalg.norm(g[k]) / np.sqrt(g[k].size) for k in _keys(m)]),
     ["root-mean-square"]),
    (make_norms(lambda m, g: [np.abs(g[k]).sum() for k in _keys(m)]), ["absolute values"]),
    (make_norms(lambda m, g: [np.linalg.norm(g[k]) for k in sorted(_keys(m))]), ["as strings"]),
    (make_norms(lambda m, g: [np.linalg.norm(g[k]) for k in _keys(m)][:-1]), ["last layer"]),
    (make_norms(lambda m, g: {k: np.linalg.norm(g[k]) for k in _keys(m)}), ["not a dict"]),
    (make_norms(lambda m, g: np.linalg.norm(g["W1"])), ["one number"]),
]


@pytest.mark.parametrize(("answer", "words"), NORM_MISTAKES)
def test_layer_grad_norms_mistakes(answer, words, assert_diagnosis):
    assert_diagnosis(sn.check_layer_grad_norms, answer, *words)


def test_layer_grad_norms_must_not_update_the_model(assert_diagnosis):
    def updates(model, X, y):
        _, grads = model.loss(X, y)
        for k in model.params:
            model.params[k] -= 0.1 * grads[k]
        return [np.linalg.norm(grads[k]) for k in _keys(model)]

    assert_diagnosis(sn.check_layer_grad_norms, updates, "parameters changed")


VANISHING_MISTAKES = [
    (1, ["relu network"]),
    (2, ["4**5"]),
    (4, ["not that extreme"]),
    (0, ["1, 2, 3 or 4"]),
    (5, ["1, 2, 3 or 4"]),
    (7, ["1, 2, 3 or 4"]),
    ("3", ["single number", "string"]),
    (True, ["bool"]),
    ([3], ["single number", "list"]),
]


@pytest.mark.parametrize(("value", "words"), VANISHING_MISTAKES)
def test_answer_vanishing_mistakes(value, words, assert_diagnosis):
    assert_diagnosis(sn.check_answer_vanishing, lambda: value, *words)
