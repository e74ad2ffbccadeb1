"""Layers as pairs of pure functions: a forward pass and its backward pass.

In the style of cs231n's ``layers.py``: each ``*_forward`` returns its output and a *cache*
(whatever its backward pass needs), each ``*_backward`` takes the upstream gradient
``dout = dL/dout`` and that cache and returns the gradients with respect to its inputs and
parameters. Chaining them gives backpropagation by hand::

    z, lin = linear_forward(X, W1, b1)        # (N, H)
    a, act = relu_forward(z)                  # (N, H)
    s, out = linear_forward(a, W2, b2)        # (N, C)
    loss, ds = softmax_cross_entropy(s, y)    # float, (N, C)
    da, dW2, db2 = linear_backward(ds, out)
    dz = relu_backward(da, act)
    _, dW1, db1 = linear_backward(dz, lin)

Shapes: N examples, D inputs, M outputs of a linear layer, C classes. Every function keeps
the floating dtype of its inputs (float32 for training, float64 for gradient checks).

Topic 03 wraps the functions in layer objects, :class:`Linear`, :class:`ReLU`,
:class:`Sigmoid` and :class:`SoftmaxCrossEntropy`, that hold their parameters (``params``)
and gradients (``grads``) and keep their cache between ``forward`` and ``backward``;
``helpers.model.Sequential`` chains them::

    layer = Linear(784, 64, init="lecun", rng=rng)
    out = layer.forward(X)          # (N, 64), caches X
    dX = layer.backward(dout)       # (N, 784); fills layer.grads["W"], layer.grads["b"]
"""

from __future__ import annotations

import numpy as np

from helpers.data import check_labels
from helpers.functions import NonFiniteError, as_array, check_finite, describe_dtype, sigmoid

_DIVERGED = "lower the learning rate"  # the hint of a NaN/inf error inside a layer


def _float_array(x, name: str, ndim: int | None = None, finite: bool = False) -> np.ndarray:
    """``x`` as a floating-point array of ``ndim`` dimensions, else a clear error.

    With ``finite``, NaN or inf raise NonFiniteError (a ValueError and a FloatingPointError)
    naming ``name``.
    """
    arr = as_array(x, name)
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(
            f"{name} must be a float array (float32 or float64), got {describe_dtype(x, arr)}"
        )
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    if finite:
        check_finite(arr, name, _DIVERGED)
    return arr


def _describe_cache(cache) -> str:
    """What was passed as a cache, for an error message (never the values)."""
    if isinstance(cache, np.ndarray):
        guess = " (the mask of relu_forward?)" if cache.dtype == np.bool_ else ""
        return f"a {cache.dtype} array of shape {cache.shape}{guess}"
    if isinstance(cache, tuple | list):
        parts = ", ".join(
            f"{a.dtype} {a.shape}" if isinstance(a, np.ndarray) else type(a).__name__
            for a in cache[:4]
        )
        guess = " (the cache of linear_forward?)" if len(cache) == 2 else ""
        return f"a {type(cache).__name__} of {len(cache)} items ({parts}){guess}"
    return "None" if cache is None else f"a {type(cache).__name__}"


def linear_forward(x, W, b, *, out=None, check: bool = True) -> tuple[np.ndarray, tuple]:
    """Affine layer ``out = x @ W + b``.

    x: (N, D) float; W: (D, M) float; b: (M,) float.
    Returns ``out`` (N, M) and the cache ``(x, W)`` for :func:`linear_backward`.

    ``out``: an optional (N, M) array of x's dtype to write the result into (returned), for
    a training loop that reuses its buffers. ``check=False`` skips the input checks (shapes,
    dtypes, NaN/inf: three passes over the data) for a caller that has validated its inputs
    once and checks the loss; NaN or inf then simply propagate.
    """
    if not check:
        out = np.matmul(x, W, out=out)
        out += b
        return out, (x, W)
    x = _float_array(x, "x", 2, finite=True)
    W = _float_array(W, "W", 2, finite=True)
    b = _float_array(b, "b", 1, finite=True)
    if x.shape[0] == 0:
        raise ValueError(
            f"x must hold at least one example (row), got shape {x.shape} (an empty batch?)"
        )
    if x.shape[1] != W.shape[0]:
        raise ValueError(
            f"x has {x.shape[1]} features per row but W expects {W.shape[0]} "
            f"(x {x.shape} @ W {W.shape}); x must be (N, D) and W (D, M)"
        )
    if b.shape[0] != W.shape[1]:
        raise ValueError(f"b must have shape ({W.shape[1]},) to match W {W.shape}, got {b.shape}")
    if out is not None and (out.shape != (x.shape[0], W.shape[1]) or out.dtype != x.dtype):
        raise ValueError(f"out must be a {x.dtype} array of shape {(x.shape[0], W.shape[1])}, "
                         f"got {out.dtype} {out.shape}")
    out = np.matmul(x, W, out=out)
    out += b
    return out, (x, W)


def linear_backward(
    dout, cache, *, dW=None, db=None, dx=None, input_grad: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients of the affine layer.

    dout: (N, M) upstream gradient dL/dout; cache: ``(x, W)`` from :func:`linear_forward`.
    Returns ``dx = dout @ W.T`` (N, D), ``dW = x.T @ dout`` (D, M) and
    ``db = dout.sum(axis=0)`` (M,). ``dW``, ``db``, ``dx``: optional arrays of those shapes
    to write the gradients into (returned), instead of new ones. ``input_grad=False`` skips
    dx (returned as None): the first layer of a network has nothing upstream that needs it,
    and its ``dout @ W.T`` is as costly as the layer's forward product.
    """
    if not (
        isinstance(cache, tuple)
        and len(cache) == 2
        and all(isinstance(a, np.ndarray) and a.ndim == 2 for a in cache)
        and cache[0].shape[1] == cache[1].shape[0]
    ):
        raise TypeError(
            "cache must be the (x, W) pair that linear_forward returned, with x (N, D) and W "
            f"(D, M); got {_describe_cache(cache)}"
        )
    x, W = cache
    dout = _float_array(dout, "dout", 2)  # NaN here comes from the loss, which reports it
    if dout.shape != (x.shape[0], W.shape[1]):
        raise ValueError(
            f"dout must have the shape of the forward output {(x.shape[0], W.shape[1])}, "
            f"got {dout.shape}"
        )
    dx = np.matmul(dout, W.T, out=dx) if input_grad else None
    dW = np.matmul(x.T, dout, out=dW)
    if db is None or db.dtype == dout.dtype:
        db = dout.sum(axis=0, out=db)
    else:  # a sum with out= would add in out's dtype
        db[...] = dout.sum(axis=0)
    return dx, dW, db


def relu_forward(x, *, out=None, mask=None, check: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Rectified linear unit ``out = max(x, 0)`` elementwise.

    x: float array of any shape. Returns ``out`` (same shape and dtype) and the cache, the
    boolean mask ``x > 0`` that :func:`relu_backward` needs. ``out`` (x's shape and dtype)
    and ``mask`` (x's shape, bool): optional arrays to write them into, for a training loop
    that reuses its buffers; ``check=False`` skips the NaN/inf check (see
    :func:`linear_forward`).
    """
    if check:
        x = _float_array(x, "x", finite=True)
    mask = np.greater(x, 0, out=mask)
    return np.maximum(x, 0, out=out), mask


def relu_backward(dout, cache, *, out=None) -> np.ndarray:
    """Gradient of the ReLU: ``dx = dout * 1[x > 0]``.

    The subgradient at exactly ``x == 0`` is taken as 0. dout: float, the shape of the
    forward input; cache: the mask from :func:`relu_forward`. Returns dx, same shape.
    ``out``: an optional array of dout's shape and dtype for dx (it may be dout itself).
    """
    if not (isinstance(cache, np.ndarray) and cache.dtype == np.bool_):
        hint = " (the input x itself? pass the mask)" if isinstance(cache, np.ndarray) else ""
        raise TypeError(
            "cache must be the boolean mask x > 0 that relu_forward returned; got "
            f"{_describe_cache(cache)}{hint}"
        )
    dout = _float_array(dout, "dout")
    mask = cache
    if dout.shape != mask.shape:
        raise ValueError(f"dout must have the forward input's shape {mask.shape}, got {dout.shape}")
    return np.multiply(dout, mask, out=out)


def softmax_cross_entropy(logits, labels, check: bool = True, smoothing: float = 0.0
                          ) -> tuple[float, np.ndarray]:
    """Softmax followed by the mean cross-entropy, with its gradient, in one stable pass.

    logits: (N, C) float scores; labels: (N,) int in ``0..C-1``.
    Returns ``loss`` (Python float), the batch mean of ``-log softmax(logits)[label]``, and
    ``dlogits = (softmax(logits) - onehot(labels)) / N``, shape (N, C), dtype of logits.

    Subtracting each row's maximum before exponentiating (the result does not change) keeps
    ``exp`` from overflowing; the log-probability of the label is computed as
    ``shifted[label] - log(sum(exp(shifted)))``, so it never takes the log of an underflowed 0.

    ``check=False`` skips the input checks (shapes, label range, NaN/inf) for callers that
    have validated their data once already, such as the training loop; NaN or inf logits then
    give a NaN loss instead of an error.

    ``smoothing``: label smoothing eps in [0, 1). The target becomes
    ``(1 - eps) * onehot(labels) + eps / C``, the loss its cross-entropy with the softmax,
    ``(1 - eps) * CE + eps * mean_k(-log softmax_k)``, and ``dlogits = (softmax - target) / N``.
    0 (the default) is the plain cross-entropy above.
    """
    if smoothing and not 0.0 < smoothing < 1.0:
        raise ValueError(f"smoothing must lie in [0, 1), got {smoothing!r}")
    if check:
        logits = _float_array(logits, "logits", 2)
        if logits.shape[0] == 0:
            raise ValueError("logits must hold at least one row (got an empty batch)")
        labels = check_labels(labels, n=logits.shape[0], num_classes=logits.shape[1])
        check_finite(logits, "logits", _DIVERGED)
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    picked = shifted[rows, labels]  # a copy: taken before exp overwrites `shifted`
    if smoothing:  # the target's eps / C on every class: the mean of the shifted row
        picked = (1.0 - smoothing) * picked + smoothing * shifted.mean(axis=1)
    with np.errstate(under="ignore"):  # exp of a very negative score is 0: harmless
        np.exp(shifted, out=shifted)
        sums = shifted.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(sums[:, 0]) - picked))
        dlogits = shifted
        dlogits /= sums
        if smoothing:
            dlogits -= smoothing / dlogits.shape[1]
            dlogits[rows, labels] -= 1.0 - smoothing
        else:
            dlogits[rows, labels] -= 1
        dlogits /= n
    return loss, dlogits


def sigmoid_forward(x) -> tuple[np.ndarray, np.ndarray]:
    """Logistic sigmoid ``out = 1 / (1 + exp(-x))`` elementwise, stable for any finite x.

    x: float array of any shape. Returns ``out`` (same shape and dtype) and the cache, ``out``
    itself: the derivative ``sigma'(x) = out * (1 - out)`` needs nothing else. Computed by
    :func:`helpers.functions.sigmoid`, which only exponentiates ``-|x|`` (no overflow at
    ``x = -1000``). NaN or inf in x raise NonFiniteError (a ValueError) counting them.
    """
    x = _float_array(x, "x")
    try:
        out = sigmoid(x)  # checks that x is finite, in the one pass it costs anyway
    except NonFiniteError:
        check_finite(x, "x", _DIVERGED)  # the same error, naming x, with the layer's hint
        raise
    return out, out


def sigmoid_backward(dout, cache) -> np.ndarray:
    """Gradient of the sigmoid: ``dx = dout * out * (1 - out)``.

    dout: float, the shape of the forward output; cache: ``out`` from :func:`sigmoid_forward`
    (values in [0, 1]). Returns dx, same shape and dtype as dout. NaN or inf in dout raise
    NonFiniteError (a ValueError) counting them; a cache that cannot be a sigmoid's output
    (not a float array, NaN, or values outside [0, 1], such as the input x) a clear error.
    """
    if not (isinstance(cache, np.ndarray) and cache.dtype.kind == "f"):
        raise TypeError(
            "cache must be the output out (a float array) that sigmoid_forward returned; got "
            f"{_describe_cache(cache)}"
        )
    dout = _float_array(dout, "dout")
    out = cache
    if dout.shape != out.shape:
        raise ValueError(f"dout must have the forward output's shape {out.shape}, got {dout.shape}")
    slope = out * (1 - out)  # >= 0 exactly where out is in [0, 1]; NaN where out is NaN
    if slope.size and not slope.min() >= 0:  # one pass; a NaN minimum fails it too
        n_nan = int(np.isnan(out).sum())
        n_out = int(((out < 0) | (out > 1)).sum())
        raise ValueError(
            "cache must be the output out of sigmoid_forward, with values in [0, 1]; found "
            f"{n_out} outside [0, 1] and {n_nan} NaN"
            + (" (the input x itself? pass the out that sigmoid_forward returned)" if n_out else "")
        )
    with np.errstate(invalid="ignore"):  # inf * 0 in a bad dout: reported just below
        dx = dout * slope
    # slope is finite here, so dx is finite exactly when dout is: one pass over the result
    # instead of one over dout before it, and the counting error only on failure
    if not np.isfinite(dx).all():
        check_finite(dout, "dout", _DIVERGED)
    return dx


# --------------------------------------------------------------------------------------
# Layers as objects (topic 03): each holds its parameters, its gradients and its cache, and
# calls the functions above, so the math exists once.
# --------------------------------------------------------------------------------------

#: Initialisation rules of :class:`Linear` (the weight scale for fan-in n_in, fan-out n_out).
INITS = ("he", "lecun", "glorot", "tutorial")


class Layer:
    """The layer contract: ``forward(x) -> out`` keeps on the object what ``backward`` needs;
    ``backward(dout) -> dx`` maps dL/d(output) to dL/d(input) and writes dL/d(parameter)
    into ``self.grads`` (the same keys and shapes as ``self.params``; both empty for a layer
    without parameters)."""

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self._cache = None

    def forward(self, x) -> np.ndarray:  # pragma: no cover - the contract
        raise NotImplementedError

    def backward(self, dout) -> np.ndarray:  # pragma: no cover - the contract
        raise NotImplementedError

    def _need_cache(self):
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return self._cache

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Linear(Layer):
    """Affine layer ``out = x @ W + b`` with W (n_in, n_out) and b (n_out,).

    ``init`` draws W (b starts at zero):

    - ``"he"``: ``N(0, 2 / n_in)``, for ReLU layers (topic 02);
    - ``"lecun"``: ``N(0, 1 / n_in)``, variance-preserving for a linear unit (T4's rule);
    - ``"glorot"``: ``U(-a, a)`` with ``a = sqrt(6 / (n_in + n_out))``, variance
      ``2 / (n_in + n_out)``, the compromise between the forward and the backward pass (T2);
    - ``"tutorial"``: ``0.1 * N(0, 1)``, the source tutorials' fixed scale.

    ``rng``: a ``np.random.Generator`` (or an int seed), required. W is drawn in float64 and
    then cast to ``dtype``, so float32 and float64 layers from the same seed start alike, and
    ``Linear(D, H)``, ``Linear(H, C)`` drawn in turn from one generator get the weights of
    ``TwoLayerNet(D, H, C)`` from the same seed (for ``"he"`` and ``"tutorial"``).

    ``params = {"W", "b"}``, ``grads`` the same keys and shapes, filled by :meth:`backward`
    in place (the arrays stay the same objects for the layer's lifetime).
    """

    def __init__(self, n_in: int, n_out: int, *, init: str = "he", rng=None, dtype=np.float32):
        super().__init__()
        for name, value in (("n_in", n_in), ("n_out", n_out)):
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {init!r}")
        if rng is None:
            raise ValueError("pass rng=np.random.default_rng(seed) so the weights are reproducible")
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        rng = np.random.default_rng(rng)
        self.n_in, self.n_out, self.init, self.dtype = int(n_in), int(n_out), init, dtype
        shape = (self.n_in, self.n_out)
        if init == "glorot":
            limit = np.sqrt(6.0 / (self.n_in + self.n_out))
            W = rng.uniform(-limit, limit, size=shape)
        else:
            scale = {"he": np.sqrt(2.0 / self.n_in), "lecun": np.sqrt(1.0 / self.n_in),
                     "tutorial": 0.1}[init]
            W = scale * rng.standard_normal(shape)
        self.params = {"W": W.astype(dtype), "b": np.zeros(self.n_out, dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def forward(self, x, *, out=None, check: bool = True) -> np.ndarray:
        """x: (N, n_in) float. Returns (N, n_out); caches ``(x, W)``. ``out``, ``check``: as
        for :func:`linear_forward` (Sequential's training step passes its buffers)."""
        out, self._cache = linear_forward(x, self.params["W"], self.params["b"], out=out,
                                          check=check)
        return out

    def backward(self, dout, *, out=None, input_grad: bool = True) -> np.ndarray | None:
        """dout: (N, n_out). Fills ``grads["W"]`` (n_in, n_out), ``grads["b"]`` (n_out,);
        returns dx (N, n_in), written into ``out`` if given; None with ``input_grad=False``
        (the network's first layer)."""
        # the gradients go straight into grads (no temporary of W's size per step)
        dx, _, _ = linear_backward(dout, self._need_cache(), dW=self.grads["W"],
                                   db=self.grads["b"], dx=out, input_grad=input_grad)
        return dx

    def __repr__(self) -> str:
        return f"Linear({self.n_in}, {self.n_out}, init={self.init!r}, dtype={self.dtype})"


class ReLU(Layer):
    """``out = max(x, 0)`` elementwise (:func:`relu_forward`); no parameters."""

    def forward(self, x, *, out=None, mask=None, check: bool = True) -> np.ndarray:
        """x: float, any shape. Returns the same shape; caches the mask ``x > 0``. ``out``,
        ``mask``, ``check``: as for :func:`relu_forward`."""
        out, self._cache = relu_forward(x, out=out, mask=mask, check=check)
        return out

    def backward(self, dout, *, out=None) -> np.ndarray:
        """dout: the shape of x. Returns ``dout * 1[x > 0]`` (into ``out`` if given)."""
        return relu_backward(dout, self._need_cache(), out=out)


class Sigmoid(Layer):
    """``out = 1 / (1 + exp(-x))`` elementwise (:func:`sigmoid_forward`); no parameters."""

    def forward(self, x) -> np.ndarray:
        """x: float, any shape. Returns the same shape; caches ``out``."""
        out, self._cache = sigmoid_forward(x)
        return out

    def backward(self, dout) -> np.ndarray:
        """dout: the shape of x. Returns ``dout * out * (1 - out)``."""
        return sigmoid_backward(dout, self._need_cache())


class SoftmaxCrossEntropy(Layer):
    """The loss layer: softmax of the scores, then the mean cross-entropy
    (:func:`softmax_cross_entropy`). ``forward(scores, y) -> loss`` (a float, the batch
    mean); ``backward() -> dscores = (softmax(scores) - onehot(y)) / N``, shape (N, C),
    already divided by N. ``check=False`` skips the input checks (for a training loop that
    validated its data once)."""

    def __init__(self, check: bool = True):
        super().__init__()
        self.check = check

    def forward(self, scores, y) -> float:
        """scores: (N, C) float; y: (N,) int in 0..C-1. Returns the mean loss; caches dscores."""
        loss, self._cache = softmax_cross_entropy(scores, y, check=self.check)
        return loss

    def backward(self, dout=None) -> np.ndarray:
        """Returns dscores (N, C). ``dout``, if given, scales it (dL/dloss, default 1)."""
        dscores = self._need_cache()
        return dscores if dout is None else dscores * dout


# --------------------------------------------------------------------------------------
# Topic 06: inverted dropout
# --------------------------------------------------------------------------------------


def _check_drop_p(p) -> float:
    """``p``, the probability of DROPPING a unit, as a float in [0, 1), else a clear error."""
    if isinstance(p, bool | np.bool_) or not isinstance(p, int | float | np.integer | np.floating):
        raise TypeError(f"p must be a number in [0, 1) (the drop probability), got {p!r}")
    p = float(p)
    if not (0.0 <= p < 1.0):
        hint = " (p = 1 drops every unit: nothing passes)" if p == 1.0 else ""
        raise ValueError(
            f"p is the probability of DROPPING a unit and must lie in [0, 1), got {p}{hint}"
        )
    return p


def dropout_forward(x, p, *, rng=None, mask=None, train=True) -> tuple[np.ndarray, tuple]:
    """Inverted dropout: in training, zero each unit with probability ``p``, scale the rest.

    ``out = x * keep / (1 - p)`` with ``keep`` a boolean array of x's shape, each entry True
    (kept) with probability ``1 - p``. Dividing by ``1 - p`` during training keeps the
    expectation, ``E[out] = x``, so at test time (``train=False``) the layer is the identity
    and needs no rescaling.

    x: float array of any shape, typically (N, H) activations; its dtype is kept.
    p: the DROP probability, in [0, 1) (``p = 0.5`` drops half the units; ``p = 0`` is the
    identity). rng: a ``np.random.Generator`` drawing the mask (needed in training with
    ``p > 0`` unless ``mask`` is given). mask: a fixed boolean keep-mask of x's shape (True =
    kept), e.g. for a gradient check. train: False for evaluation (the identity; ``out`` is
    ``x`` itself, not a copy; mask must not be given, rng is unused).

    Returns ``out`` (x's shape and dtype) and the cache ``(keep, scale)`` for
    :func:`dropout_backward` (``keep`` is None when nothing is dropped).
    """
    x = _float_array(x, "x")
    p = _check_drop_p(p)
    if not train:
        if mask is not None:
            raise ValueError("mask was given with train=False: evaluation drops nothing")
        return x, (None, 1.0)
    if mask is not None:
        keep = np.asarray(mask)
        if keep.dtype != np.bool_:
            raise TypeError(
                f"mask must be a boolean keep-mask (True = kept), got dtype {keep.dtype}"
                + (" (e.g. rng.random(x.shape) >= p)" if keep.dtype.kind in "fiu" else "")
            )
        if keep.shape != x.shape:
            raise ValueError(f"mask must have x's shape {x.shape}, got {keep.shape}")
    elif p == 0.0:
        return x, (None, 1.0)
    else:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                "dropout_forward needs rng=np.random.default_rng(seed) (a Generator, created "
                f"once and reused, so that every call draws a new mask), got {rng!r}"
            )
        keep = rng.random(x.shape, dtype=np.float32) >= p
    scale = 1.0 / (1.0 - p)
    out = np.multiply(x, keep)
    out *= scale  # a Python float: the dtype of x is kept
    return out, (keep, scale)


def dropout_backward(dout, cache) -> np.ndarray:
    """Gradient of inverted dropout: ``dx = dout * keep / (1 - p)``, the same mask as forward.

    dout: float, the shape of x; cache: ``(keep, scale)`` from :func:`dropout_forward`.
    Returns dx, same shape and dtype as dout (``dout`` itself when nothing was dropped).
    """
    if not (
        isinstance(cache, tuple)
        and len(cache) == 2
        and (cache[0] is None or (isinstance(cache[0], np.ndarray) and cache[0].dtype == np.bool_))
        and isinstance(cache[1], float)
    ):
        raise TypeError(
            "cache must be the (keep, scale) pair that dropout_forward returned; got "
            f"{_describe_cache(cache)}"
        )
    keep, scale = cache
    dout = _float_array(dout, "dout")
    if keep is None:
        return dout
    if dout.shape != keep.shape:
        raise ValueError(f"dout must have the forward input's shape {keep.shape}, got {dout.shape}")
    dx = np.multiply(dout, keep)
    dx *= scale
    return dx


class Dropout(Layer):
    """Inverted dropout as a layer (:func:`dropout_forward`); no parameters.

    p: the probability of DROPPING each unit, in [0, 1). rng: a ``np.random.Generator``
    (or an int seed, turned into one Generator once), required; each training ``forward``
    draws a fresh mask from it.

    The layer has two modes: ``training`` (True after construction) drops units; after
    :meth:`eval` it is the identity, as it must be when evaluating or predicting. Switch
    back with :meth:`train`. Both return the layer, and ``train(False)`` is ``eval()``.
    """

    def __init__(self, p: float, *, rng=None):
        super().__init__()
        self.p = _check_drop_p(p)
        if rng is None:
            raise ValueError("pass rng=np.random.default_rng(seed) so the masks are reproducible")
        self.rng = np.random.default_rng(rng)
        self.training = True

    def train(self, mode: bool = True) -> Dropout:
        """Training mode (drop units) if ``mode``, else evaluation mode; returns self."""
        self.training = bool(mode)
        return self

    def eval(self) -> Dropout:
        """Evaluation mode: ``forward`` is the identity; returns self."""
        return self.train(False)

    def forward(self, x) -> np.ndarray:
        """x: float, any shape, e.g. (N, H). Returns the same shape and dtype; caches the mask."""
        out, self._cache = dropout_forward(x, self.p, rng=self.rng, train=self.training)
        return out

    def backward(self, dout) -> np.ndarray:
        """dout: the shape of x. Returns ``dout * keep / (1 - p)`` with the forward's mask."""
        return dropout_backward(dout, self._need_cache())

    def __repr__(self) -> str:
        mode = "" if self.training else ", eval"
        return f"Dropout(p={self.p}{mode})"
