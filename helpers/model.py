"""The two-layer ReLU network of topic 02: D inputs, H hidden ReLU units, C softmax outputs.

    z1 = X @ W1 + b1      (N, H)      a  = max(z1, 0)          (N, H)
    s  = a @ W2 + b2      (N, C)      L  = mean cross-entropy(softmax(s), y) + reg/2 (|W1|² + |W2|²)

Backward, with delta2 = dL/ds = (softmax(s) - onehot(y)) / N:

    dW2 = a.T @ delta2    db2 = delta2.sum(0)
    delta1 = (delta2 @ W2.T) * 1[z1 > 0]
    dW1 = X.T @ delta1    db1 = delta1.sum(0)      (plus reg * W for the weights)

The L2 penalty applies to the weights only, never to the biases. No gradient is computed for
the input X (nothing upstream needs it).

Written for speed on mini-batches: float32 by default, the hidden activations, delta1 and
the ReLU mask computed in place in buffers allocated once per batch size and reused, every
product a plain row-major GEMM that BLAS takes without copying (``X.T`` is a free transposed
view).
"""

from __future__ import annotations

import math

import numpy as np

from helpers.data import check_labels
from helpers.layers import Linear, ReLU, softmax_cross_entropy

INITS = ("he", "tutorial")


def _check_X(X, D: int, dtype) -> np.ndarray:
    """``X`` (N, D) float, finite and not empty, as a C-contiguous array of ``dtype``."""
    X = np.asarray(X)
    if not np.issubdtype(X.dtype, np.floating):
        raise TypeError(
            f"X must hold float pixels, got {X.dtype} "
            "(scale uint8 images first, e.g. helpers.data.scale(images))"
        )
    if X.ndim != 2 or X.shape[1] != D:
        raise ValueError(f"X must have shape (N, {D}), got {X.shape}")
    if len(X) == 0:
        raise ValueError("X is empty: need at least one example")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or inf")
    return np.ascontiguousarray(X, dtype=dtype)


def _check_loss(loss: float) -> None:
    """A non-finite loss means the scores overflowed: say so, with what to try."""
    if not math.isfinite(loss):
        raise FloatingPointError(
            f"the loss is {loss}: the scores overflowed (weights too large? diverged "
            "training? lower the learning rate)"
        )


class TwoLayerNet:
    """A D-H-C network with one hidden ReLU layer and softmax cross-entropy loss.

    Parameters are in ``self.params``: ``W1`` (D, H), ``b1`` (H,), ``W2`` (H, C), ``b2`` (C,),
    all of ``dtype``. ``init`` chooses the initial weights (biases start at 0):

    - ``"he"``: ``W ~ N(0, 2 / fan_in)``, He et al.'s scale that keeps the variance of ReLU
      activations about constant from layer to layer;
    - ``"tutorial"``: ``W ~ N(0, 0.1^2)`` (``0.1 * standard_normal``), one fixed standard
      deviation of 0.1 for every layer whatever its fan-in: the weight scale of tutorials
      T1/T5 (``W0, W1 = 0.1 * randn``, see SEEDS.md). Their unscaled bias init
      (``b0 = randn``) is not copied: the biases start at 0 here too.

    ``rng``: a ``np.random.Generator`` (or an int seed); it must be given, so that every
    network is reproducible. The weights are drawn in float64 and then cast, so float32 and
    float64 networks built from the same seed start from the same point.

    ``label_smoothing``: eps in [0, 1) for the training loss (:meth:`loss`): the targets
    become ``(1 - eps) * onehot + eps / C`` (see ``softmax_cross_entropy``); 0, the default,
    is the plain cross-entropy. Scores and evaluation do not depend on it.
    """

    def __init__(
        self,
        D: int = 784,
        H: int = 256,
        C: int = 10,
        init: str = "he",
        dtype=np.float32,
        rng: np.random.Generator | int | None = None,
        label_smoothing: float = 0.0,
    ):
        if rng is None:
            raise ValueError("pass rng=np.random.default_rng(seed) so the weights are reproducible")
        for name, value in (("D", D), ("H", H), ("C", C)):
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if C < 2:
            raise ValueError(f"C must be at least 2 classes, got {C}")
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {init!r}")
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must lie in [0, 1), got {label_smoothing!r}")
        rng = np.random.default_rng(rng)
        self.D, self.H, self.C, self.init, self.dtype = int(D), int(H), int(C), init, dtype
        self.label_smoothing = float(label_smoothing)

        def weights(fan_in: int, fan_out: int) -> np.ndarray:
            scale = np.sqrt(2.0 / fan_in) if init == "he" else 0.1
            return (scale * rng.standard_normal((fan_in, fan_out))).astype(dtype)

        self.params: dict[str, np.ndarray] = {
            "W1": weights(self.D, self.H),
            "b1": np.zeros(self.H, dtype),
            "W2": weights(self.H, self.C),
            "b2": np.zeros(self.C, dtype),
        }
        self._buffers: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def __repr__(self) -> str:
        return (
            f"TwoLayerNet(D={self.D}, H={self.H}, C={self.C}, init={self.init!r}, "
            f"dtype={self.dtype})"
        )

    # ----------------------------------------------------------------------------------
    def _check_X(self, X) -> np.ndarray:
        """``X`` (N, D) float as a C-contiguous array of the model's dtype, else an error."""
        return _check_X(X, self.D, self.dtype)

    def _work(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Scratch arrays for a batch of n, allocated once and reused: the activations and
        delta1 (n, H) of the model's dtype, and the ReLU mask (n, H) bool."""
        buf = self._buffers.get(n)
        if buf is None:
            if len(self._buffers) >= 4:  # a training run uses one or two batch sizes
                self._buffers.clear()
            buf = (np.empty((n, self.H), self.dtype), np.empty((n, self.H), self.dtype),
                   np.empty((n, self.H), np.bool_))
            self._buffers[n] = buf
        return buf

    def zero_grads(self) -> dict[str, np.ndarray]:
        """A fresh dict of arrays shaped like ``params`` (to pass as ``grads=``)."""
        return {k: np.zeros_like(v) for k, v in self.params.items()}

    # ----------------------------------------------------------------------------------
    def scores(self, X) -> np.ndarray:
        """Class scores (logits) ``relu(X @ W1 + b1) @ W2 + b2``.

        X: (N, D) float (converted to the model's dtype). Returns a new (N, C) array.
        """
        X = self._check_X(X)
        p = self.params
        a = X @ p["W1"]
        a += p["b1"]
        np.maximum(a, 0, out=a)
        s = a @ p["W2"]
        s += p["b2"]
        return s

    def predict(self, X) -> np.ndarray:
        """Predicted classes: X (N, D) float -> int64 (N,), the argmax of the scores."""
        return self.scores(X).argmax(axis=1)

    def loss(self, X, y, reg: float = 0.0, grads: dict | None = None):
        """Mean cross-entropy loss of the batch plus ``reg/2 * (|W1|² + |W2|²)``, and its gradients.

        X: (N, D) float; y: (N,) int labels in ``0..C-1``; reg >= 0.
        Returns ``(loss, grads)``: a Python float and a dict with the keys of ``params``
        holding dL/dparam, each with its parameter's shape and dtype. The gradients are
        written into ``grads`` when given (a dict like :meth:`zero_grads` returns; the
        training loop reuses one), else into new arrays.
        """
        X = self._check_X(X)
        y = check_labels(y, n=len(X), num_classes=self.C)
        if reg < 0 or not np.isfinite(reg):
            raise ValueError(f"reg must be a finite number >= 0, got {reg}")
        if grads is None:
            grads = {k: np.empty_like(v) for k, v in self.params.items()}
        else:
            for k, v in self.params.items():
                g = grads.get(k)
                if not isinstance(g, np.ndarray) or g.shape != v.shape or g.dtype != v.dtype:
                    raise ValueError(f"grads[{k!r}] must be a {v.dtype} array of shape {v.shape}")
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            loss = self._loss(X, y, reg, grads)
        _check_loss(loss)
        return loss, grads

    def _loss(self, X: np.ndarray, y: np.ndarray, reg: float, grads: dict) -> float:
        """Forward and backward pass on checked X (model dtype, C-contiguous) and int labels y.

        Fills ``grads`` and returns the loss (NaN when the scores are not finite).
        """
        p = self.params
        W1, b1, W2, b2 = p["W1"], p["b1"], p["W2"], p["b2"]
        a, delta1, mask = self._work(len(X))

        # forward: a = relu(X W1 + b1), computed in place in one buffer
        np.matmul(X, W1, out=a)
        a += b1
        np.maximum(a, 0, out=a)
        s = a @ W2  # (N, C), small
        s += b2
        smoothing = getattr(self, "label_smoothing", 0.0)
        loss, delta2 = softmax_cross_entropy(s, y, check=False, smoothing=smoothing)
        # delta2 = (P - Y) / N (Y smoothed with label_smoothing)

        # backward
        np.matmul(a.T, delta2, out=grads["W2"])
        delta2.sum(axis=0, out=grads["b2"])
        np.matmul(delta2, W2.T, out=delta1)
        np.greater(a, 0, out=mask)  # a > 0 exactly where z1 > 0
        np.multiply(delta1, mask, out=delta1)
        np.matmul(X.T, delta1, out=grads["W1"])
        delta1.sum(axis=0, out=grads["b1"])

        if reg:
            loss += 0.5 * reg * float(np.vdot(W1, W1) + np.vdot(W2, W2))
            grads["W1"] += reg * W1
            grads["W2"] += reg * W2
        return loss


# --------------------------------------------------------------------------------------
# Topic 03: a container of layer objects, any depth
# --------------------------------------------------------------------------------------


def _plain_kind(layer) -> type | None:
    """Linear or ReLU for a layer of exactly that class whose methods are the class's own
    (not replaced on the object, as a test or an exercise may do), else None: only those
    are called with buffers by Sequential's training step."""
    kind = type(layer)
    if kind in (Linear, ReLU) and "forward" not in vars(layer) and "backward" not in vars(layer):
        return kind
    return None


class Sequential:
    """A network as a list of layer objects applied in turn, then a loss layer.

    ``layers``: a non-empty list of layer objects from :mod:`helpers.layers` (``Linear``,
    ``ReLU``, ``Sigmoid``, or anything with ``params``, ``grads``, ``forward``, ``backward``),
    at least one ``Linear``, consecutive Linear sizes matching; ``loss``: the loss layer,
    ``SoftmaxCrossEntropy(check=False)`` by default (:meth:`loss` checks X and y itself; kept as
    ``self.loss_layer``, since ``loss`` is the method).

    ``params`` and ``grads``: dicts keyed ``"W1", "b1", "W2", "b2", ...``, numbered from 1 in
    the order of the layers that have parameters (the Linear layers), whose values ARE the
    layers' own arrays: updating ``params["W1"]`` in place updates the first Linear layer.
    After :meth:`loss`, ``grads`` holds the gradients of that call (L2 term included).

    Fulfils the model contract of :func:`helpers.train.fit`: ``scores``, ``loss``, ``params``,
    and ``C`` (number of classes, the last Linear's ``n_out``), ``D`` (the first Linear's
    ``n_in``), ``dtype``.
    """

    def __init__(self, layers, loss=None):
        from helpers.layers import Layer, SoftmaxCrossEntropy

        if isinstance(layers, Layer) or not isinstance(layers, list | tuple):
            raise TypeError(
                "layers must be a list of layer objects, e.g. "
                f"[Linear(784, 64, rng=rng), Sigmoid(), Linear(64, 10, rng=rng)], got {layers!r}"
            )
        if len(layers) == 0:
            raise ValueError("layers is empty: a Sequential needs at least one Linear layer")
        for i, layer in enumerate(layers):
            if isinstance(layer, type):
                raise TypeError(
                    f"layers[{i}] is the class {layer.__name__}, not a layer object: "
                    f"write {layer.__name__}(...) with parentheses"
                )
            if isinstance(layer, SoftmaxCrossEntropy):
                raise ValueError(
                    f"layers[{i}] is a loss layer; pass it as Sequential(layers, loss=...), "
                    "not inside the list"
                )
            missing = [a for a in ("params", "grads", "forward", "backward")
                       if not hasattr(layer, a)]
            if missing:
                raise TypeError(
                    f"layers[{i}] ({type(layer).__name__}) is not a layer: it lacks "
                    f"{', '.join(missing)}"
                )
        if len({id(layer) for layer in layers}) != len(layers):
            raise ValueError(
                "the same layer object appears twice in layers; create a new one for each "
                "position (Sigmoid() twice, not one Sigmoid object reused)"
            )
        linears = [layer for layer in layers if isinstance(layer, Linear)]
        if not linears:
            raise ValueError("layers holds no Linear layer: nothing to learn")
        for a, b in zip(linears, linears[1:], strict=False):
            if a.n_out != b.n_in:
                raise ValueError(
                    f"consecutive Linear layers do not fit: {a!r} gives {a.n_out} features "
                    f"but the next, {b!r}, expects {b.n_in}"
                )
        dtypes = {layer.dtype for layer in linears}
        if len(dtypes) > 1:
            raise TypeError(
                f"all Linear layers must share one dtype, got {sorted(map(str, dtypes))}")
        if loss is None:  # labels are checked by loss() (and once by fit), not per batch
            loss = SoftmaxCrossEntropy(check=False)
        if not (hasattr(loss, "forward") and hasattr(loss, "backward")):
            raise TypeError(
                f"loss must be a loss layer such as SoftmaxCrossEntropy(), got {loss!r}")

        self.layers = list(layers)
        self.loss_layer = loss
        self.D, self.C = linears[0].n_in, linears[-1].n_out
        self.dtype = linears[0].dtype
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        number = 0
        for layer in self.layers:
            if layer.params:
                number += 1
                for k in layer.params:
                    self.params[f"{k}{number}"] = layer.params[k]
                    self.grads[f"{k}{number}"] = layer.grads[k]
        #: the keys of the L2-penalised parameters (weights only, never biases)
        self.weight_keys = [k for k in self.params if k.startswith("W")]
        #: the training step's buffers, per batch size: {(layer index, name): array}
        self._buffers: dict[int, dict] = {}
        #: the backward pass of the training step stops at the first layer with parameters
        self._first_param_layer = next(i for i, layer in enumerate(self.layers) if layer.params)

    def __repr__(self) -> str:
        sizes = [self.D] + [layer.n_out for layer in self.layers if isinstance(layer, Linear)]
        names = ", ".join(type(layer).__name__ for layer in self.layers)
        return f"Sequential({'-'.join(map(str, sizes))}: {names})"

    def _check_X(self, X) -> np.ndarray:
        """``X`` (N, D) float as a C-contiguous array of the model's dtype, else an error."""
        return _check_X(X, self.D, self.dtype)

    def zero_grads(self) -> dict[str, np.ndarray]:
        """A fresh dict of arrays shaped like ``params`` (to pass as ``grads=``)."""
        return {k: np.zeros_like(v) for k, v in self.params.items()}

    def _forward(self, X: np.ndarray) -> np.ndarray:
        out = X
        for layer in self.layers:
            out = layer.forward(out)
        return out

    def train(self, mode: bool = True) -> Sequential:
        """Put every layer that has a training mode (Dropout) into it (``mode=False``: eval)."""
        for layer in self.layers:
            if hasattr(layer, "train"):
                layer.train(mode)
        return self

    def eval(self) -> Sequential:
        """Evaluation mode: dropout off. Same as ``train(False)``."""
        return self.train(False)

    def scores(self, X) -> np.ndarray:
        """Class scores (N, C) of X (N, D) float: the output of the last layer.

        Scores are for evaluation: layers with a training mode (Dropout) are switched to eval
        for this call and restored afterwards, so ``fit``'s validation figures see the whole
        network. ``loss`` (training) keeps each layer's mode.
        """
        switched = [layer for layer in self.layers if getattr(layer, "training", False)]
        for layer in switched:
            layer.train(False)
        try:
            return self._forward(self._check_X(X))
        finally:
            for layer in switched:
                layer.train(True)

    def predict(self, X) -> np.ndarray:
        """Predicted classes: X (N, D) float -> int64 (N,), the argmax of the scores."""
        return self.scores(X).argmax(axis=1)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Backpropagate dL/dscores (N, C) through every layer (last to first); each fills its
        ``grads``. Returns dL/dX (N, D)."""
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def loss(self, X, y, reg: float = 0.0, grads: dict | None = None):
        """Mean loss of the batch plus ``reg/2 * sum_l |W_l|²`` (weights only), and its gradients.

        X: (N, D) float; y: (N,) int labels in ``0..C-1``; reg >= 0.
        Returns ``(loss, grads)``: a Python float and a dict with the keys of ``params``
        holding dL/dparam. ``self.grads`` (the layers' arrays) always holds them too; the
        returned dict is ``grads`` when given (filled in place), else a new dict of copies,
        so that a later call does not change the gradients you hold.
        """
        X = self._check_X(X)
        y = check_labels(y, n=len(X), num_classes=self.C)
        if reg < 0 or not np.isfinite(reg):
            raise ValueError(f"reg must be a finite number >= 0, got {reg}")
        if grads is not None:
            for k, v in self.params.items():
                g = grads.get(k)
                if not isinstance(g, np.ndarray) or g.shape != v.shape or g.dtype != v.dtype:
                    raise ValueError(f"grads[{k!r}] must be a {v.dtype} array of shape {v.shape}")
        else:
            grads = {k: np.empty_like(v) for k, v in self.params.items()}
        with np.errstate(over="ignore", invalid="ignore"):
            loss = self._loss(X, y, reg, grads)
        _check_loss(loss)
        return loss, grads

    # ----------------------------------------------------------------------------------
    # The training step: the same layer objects, called with buffers and without re-checks
    # ----------------------------------------------------------------------------------
    def _buffer(self, n: int, key: tuple, shape: tuple, dtype) -> np.ndarray:
        """The step's scratch array ``key`` for batch size n, allocated once and reused."""
        bufs = self._buffers.get(n)
        if bufs is None:
            if len(self._buffers) >= 4:  # a training run uses one or two batch sizes
                self._buffers.clear()
            bufs = self._buffers[n] = {}
        buf = bufs.get(key)
        if buf is None or buf.shape != shape or buf.dtype != dtype:
            buf = bufs[key] = np.empty(shape, dtype)
        return buf

    def _train_forward(self, X: np.ndarray) -> np.ndarray:
        """The forward pass of a training step on checked X (N, D).

        Linear and ReLU layers write into buffers kept per batch size, so a step allocates
        no (N, H) arrays, and skip their input checks: X was checked once, consecutive sizes
        at construction, and a NaN from diverged weights reaches the loss, which is checked.
        Any other layer (Sigmoid, Dropout, one of your own) is called as it is, and the
        layer after it checks what it returns.
        """
        n, out, trusted = len(X), X, True
        for i, layer in enumerate(self.layers):
            kind = _plain_kind(layer)
            if kind is Linear:
                buf = self._buffer(n, (i, "out"), (n, layer.n_out), out.dtype) if trusted else None
                out = layer.forward(out, out=buf, check=not trusted)
                trusted = True
            elif kind is ReLU and trusted:
                out = layer.forward(out, out=self._buffer(n, (i, "out"), out.shape, out.dtype),
                                    mask=self._buffer(n, (i, "mask"), out.shape, np.bool_),
                                    check=False)
            else:
                out = layer.forward(out)
                trusted = False
        return out

    def _train_backward(self, dout: np.ndarray) -> None:
        """The backward pass of a training step: fills every layer's ``grads``.

        It stops at the first layer with parameters, and asks a Linear layer there for no
        input gradient (nothing upstream needs dL/dX; it would cost as much as that layer's
        forward product). Linear and ReLU write their input gradients into buffers.
        """
        n = len(dout)
        for i in range(len(self.layers) - 1, self._first_param_layer - 1, -1):
            layer = self.layers[i]
            kind = _plain_kind(layer)
            first = i == self._first_param_layer
            if kind is Linear and dout.dtype == layer.dtype:
                if first:
                    layer.backward(dout, input_grad=False)
                    return
                dout = layer.backward(
                    dout, out=self._buffer(n, (i, "dx"), (n, layer.n_in), dout.dtype))
            elif kind is ReLU:
                dout = layer.backward(dout, out=self._buffer(n, (i, "dx"), dout.shape, dout.dtype))
            else:
                dout = layer.backward(dout)

    def _loss(self, X: np.ndarray, y: np.ndarray, reg: float, grads: dict) -> float:
        """Forward and backward pass on checked X and y; fills ``self.grads`` and ``grads``."""
        loss = self.loss_layer.forward(self._train_forward(X), y)
        _check_loss(loss)  # before the backward pass, which would only meet its NaNs
        self._train_backward(self.loss_layer.backward())
        if reg:
            weights = [self.params[k] for k in self.weight_keys]
            loss += 0.5 * reg * float(sum(np.vdot(W, W) for W in weights))
            for k, W in zip(self.weight_keys, weights, strict=True):
                self.grads[k] += reg * W
        for k, g in self.grads.items():
            if grads[k] is not g:
                grads[k][...] = g
        return loss


# --------------------------------------------------------------------------------------
# Topic 04: building MLPs of any depth, and looking inside them while they train
# --------------------------------------------------------------------------------------

#: The hidden activations :func:`mlp` knows, by name.
ACTIVATIONS = ("relu", "sigmoid")


def mlp(sizes, activation: str = "relu", *, init: str | None = None, rng, dtype=np.float32):
    """A :class:`Sequential` MLP with layer sizes ``[n0, n1, ..., nL]``.

    Layer l is ``Linear(n_{l-1}, n_l)``; every layer but the last is followed by the
    ``activation`` ("relu" or "sigmoid"); the last layer gives the scores. So
    ``mlp([784, 256, 10], rng=rng)`` is topic 02's network and ``len(sizes) - 1`` is the
    depth L (the number of weight matrices). ``init``: as for ``Linear``; default ``"he"``
    for ReLU and ``"glorot"`` for the sigmoid. ``rng``: a ``np.random.Generator`` or seed,
    required; the layers draw from it in order.
    """
    from helpers.layers import Linear, ReLU, Sigmoid

    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"sizes must list at least the inputs and the outputs, e.g. [784, 10], got {sizes}"
        )
    if rng is None:
        raise ValueError("pass rng=np.random.default_rng(seed) so the weights are reproducible")
    rng = np.random.default_rng(rng)
    init = init or ("he" if activation == "relu" else "glorot")
    act = ReLU if activation == "relu" else Sigmoid
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        layers.append(Linear(n_in, n_out, init=init, rng=rng, dtype=dtype))
        if i < len(sizes) - 1:  # every layer but the last is followed by the activation
            layers.append(act())
    return Sequential(layers)


def grad_norms(model) -> dict[str, float]:
    """The Frobenius norm of each weight gradient in ``model.grads`` ("W1", "W2", ...).

    Call it after ``model.loss(...)``; the norms are Python floats (biases left out)."""
    return {
        k: float(np.linalg.norm(g.astype(np.float64, copy=False)))
        for k, g in model.grads.items()
        if k.startswith("W")
    }


def update_ratios(before: dict, model) -> dict[str, float]:
    """``|W_after - W_before| / |W_before|`` for each weight matrix (Frobenius norms).

    before: ``{"W1": copy, ...}`` taken before an update (e.g. ``{k: v.copy() for k, v in
    model.params.items()}``); model: the same model after it. About 1e-3 per step is the
    usual healthy range; much smaller means the layer hardly learns, much larger that the
    step is too big for it.
    """
    ratios = {}
    for k, old in before.items():
        if not k.startswith("W"):
            continue
        old64 = old.astype(np.float64)
        step = model.params[k].astype(np.float64) - old64
        ratios[k] = float(np.linalg.norm(step) / max(np.linalg.norm(old64), 1e-300))
    return ratios
