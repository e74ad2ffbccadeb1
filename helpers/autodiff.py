"""A tiny reverse-mode automatic differentiation on NumPy arrays.

A :class:`Tensor` holds an array ``data``, its gradient ``grad`` (dL/d data, same shape,
filled by :meth:`Tensor.backward`), the tensors it was computed from (its parents) and a
closure that, given the node's own ``grad``, adds the node's contribution to each parent's
``grad`` (a vector-Jacobian product). ``backward()`` on a scalar visits the graph in
reverse topological order, so every node has received the gradient from all of its
children before it passes its own on. Micrograd's idea, for whole arrays::

    W1, b1 = Tensor(W1_array), Tensor(b1_array)          # leaves: parameters
    W2, b2 = Tensor(W2_array), Tensor(b2_array)
    X = Tensor(X_array)                                   # (N, D)
    scores = ((X @ W1 + b1).relu() @ W2 + b2)             # (N, C); "+ b" broadcasts
    loss = cross_entropy(scores, y)                       # scalar Tensor
    loss.backward()
    W1.grad                                               # dL/dW1, shape (D, H)

Operations: ``+``, ``-``, ``*`` (elementwise, with NumPy broadcasting; the gradient is
summed back to the operand's shape), ``@`` (2-D matrix product), ``relu``, ``sigmoid``,
``log_softmax`` (over axis 1), ``sum``, ``mean``, ``pick(labels)`` (one entry per row) and
:func:`cross_entropy` built from them. Every node keeps the dtype of its data.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Tensor", "cross_entropy"]


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: the gradient of a broadcast operand.

    An operand broadcast along an axis was used once per position on that axis, so its
    gradient adds up the contributions over that axis (e.g. a bias (M,) added to every row
    of an (N, M) array gets the column sums of the upstream gradient).
    """
    while grad.ndim > len(shape):  # axes NumPy prepended
        grad = grad.sum(axis=0)
    for axis, n in enumerate(shape):  # axes of length 1 stretched
        if n == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Tensor:
    """An array that remembers how it was computed.

    data: a float array (float32 or float64) or a Python float / nested list (float64).
    ``grad`` is None until :meth:`backward` runs on a graph that contains the tensor.
    """

    def __init__(self, data, _parents: tuple[Tensor, ...] = (), _op: str = ""):
        arr = np.asarray(data)
        if arr.dtype.kind in "iub" and not isinstance(data, np.ndarray):
            arr = arr.astype(np.float64)  # Python numbers and lists
        if not np.issubdtype(arr.dtype, np.floating):
            raise TypeError(f"Tensor data must be a float array, got dtype {arr.dtype}")
        self.data = arr
        self.grad: np.ndarray | None = None
        self._parents = _parents
        self._op = _op
        self._backward = lambda: None  # adds this node's VJP to its parents' grads

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def __repr__(self) -> str:
        op = f", op={self._op!r}" if self._op else ""
        return f"Tensor(shape={self.shape}, dtype={self.data.dtype}{op})"

    # -- building nodes ------------------------------------------------------------------

    def _lift(self, other) -> Tensor:
        """``other`` as a Tensor; plain numbers and arrays become constants of our dtype."""
        if isinstance(other, Tensor):
            return other
        return Tensor(np.asarray(other, dtype=self.data.dtype))

    @staticmethod
    def _accumulate(node: Tensor, grad: np.ndarray) -> None:
        """Add ``grad`` to ``node.grad``: a node used several times sums its gradients."""
        node.grad = node.grad + grad

    # -- operations ----------------------------------------------------------------------

    def __add__(self, other) -> Tensor:
        other = self._lift(other)
        out = Tensor(self.data + other.data, (self, other), "+")

        def backward():
            self._accumulate(self, _unbroadcast(out.grad, self.shape))
            self._accumulate(other, _unbroadcast(out.grad, other.shape))

        out._backward = backward
        return out

    __radd__ = __add__

    def __neg__(self) -> Tensor:
        return self * -1.0

    def __sub__(self, other) -> Tensor:
        return self + (-self._lift(other))

    def __rsub__(self, other) -> Tensor:
        return self._lift(other) + (-self)

    def __mul__(self, other) -> Tensor:
        other = self._lift(other)
        out = Tensor(self.data * other.data, (self, other), "*")

        def backward():
            self._accumulate(self, _unbroadcast(out.grad * other.data, self.shape))
            self._accumulate(other, _unbroadcast(out.grad * self.data, other.shape))

        out._backward = backward
        return out

    __rmul__ = __mul__

    def __matmul__(self, other) -> Tensor:
        """Matrix product of two 2-D tensors: (N, D) @ (D, M) -> (N, M)."""
        other = self._lift(other)
        if self.data.ndim != 2 or other.data.ndim != 2 or self.shape[1] != other.shape[0]:
            raise ValueError(
                f"@ needs two 2-D tensors (N, D) @ (D, M), got {self.shape} @ {other.shape}"
            )
        out = Tensor(self.data @ other.data, (self, other), "@")

        def backward():
            self._accumulate(self, out.grad @ other.data.T)  # G_A = G_Z W^T
            self._accumulate(other, self.data.T @ out.grad)  # G_W = A^T G_Z

        out._backward = backward
        return out

    def relu(self) -> Tensor:
        out = Tensor(np.maximum(self.data, 0), (self,), "relu")

        def backward():
            self._accumulate(self, out.grad * (self.data > 0))  # subgradient 0 at 0

        out._backward = backward
        return out

    def sigmoid(self) -> Tensor:
        with np.errstate(over="ignore"):  # exp(-z) = inf for z << 0 gives sigmoid 0: fine
            s = 1.0 / (1.0 + np.exp(-self.data))
        out = Tensor(s.astype(self.data.dtype, copy=False), (self,), "sigmoid")

        def backward():
            self._accumulate(self, out.grad * out.data * (1 - out.data))

        out._backward = backward
        return out

    def log_softmax(self) -> Tensor:
        """Row-wise log-softmax of a 2-D tensor (N, C), computed stably."""
        if self.data.ndim != 2:
            raise ValueError(f"log_softmax needs a 2-D tensor (N, C), got shape {self.shape}")
        shifted = self.data - self.data.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        out = Tensor(logp, (self,), "log_softmax")

        def backward():
            # VJP of log-softmax: G - softmax * (row sums of G)
            g = out.grad
            self._accumulate(self, g - np.exp(out.data) * g.sum(axis=1, keepdims=True))

        out._backward = backward
        return out

    def sum(self) -> Tensor:
        """The sum of all entries, a scalar tensor."""
        out = Tensor(self.data.sum(), (self,), "sum")

        def backward():
            self._accumulate(self, np.broadcast_to(out.grad, self.shape))

        out._backward = backward
        return out

    def mean(self) -> Tensor:
        """The mean of all entries, a scalar tensor."""
        n = self.data.size
        out = Tensor(self.data.mean(), (self,), "mean")

        def backward():
            self._accumulate(self, np.broadcast_to(out.grad / n, self.shape))

        out._backward = backward
        return out

    def pick(self, labels) -> Tensor:
        """Entry ``labels[n]`` of each row n of a 2-D tensor (N, C): a tensor of shape (N,)."""
        labels = np.asarray(labels)
        if self.data.ndim != 2 or labels.shape != (self.shape[0],):
            raise ValueError(
                f"pick needs a 2-D tensor (N, C) and N labels, got {self.shape} and "
                f"labels of shape {labels.shape}"
            )
        if not np.issubdtype(labels.dtype, np.integer):
            raise TypeError(f"labels must be integers, got dtype {labels.dtype}")
        if labels.size and (labels.min() < 0 or labels.max() >= self.shape[1]):
            raise ValueError(f"labels must lie in 0..{self.shape[1] - 1}")
        rows = np.arange(self.shape[0])
        out = Tensor(self.data[rows, labels], (self,), "pick")

        def backward():
            g = np.zeros_like(self.data)
            np.add.at(g, (rows, labels), out.grad)
            self._accumulate(self, g)

        out._backward = backward
        return out

    # -- the reverse pass ----------------------------------------------------------------

    def backward(self) -> None:
        """Fill ``grad`` of every tensor this scalar depends on with d self / d tensor.

        The gradients of the whole graph are reset first, so calling it twice gives the
        same result (it does not add to gradients of an earlier call).
        """
        if self.data.size != 1:
            raise ValueError(
                f"backward() needs a scalar (e.g. the loss), got shape {self.shape}: "
                "reduce it with .sum() or .mean() first"
            )
        order: list[Tensor] = []
        seen: set[int] = set()

        def visit(node: Tensor) -> None:  # depth-first: a node after all its parents
            if id(node) in seen:
                return
            seen.add(id(node))
            for parent in node._parents:
                visit(parent)
            order.append(node)

        visit(self)
        for node in order:
            node.grad = np.zeros_like(node.data)
        self.grad = np.ones_like(self.data)
        for node in reversed(order):  # every node after all of its children
            node._backward()


def cross_entropy(scores: Tensor, labels) -> Tensor:
    """Mean cross-entropy of softmax(scores) for integer labels: a scalar Tensor.

    scores: Tensor (N, C) of logits; labels: int array (N,) in 0..C-1.
    """
    return -scores.log_softmax().pick(labels).mean()
