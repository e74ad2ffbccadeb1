"""How good are the predictions? Accuracy and the confusion matrix.

Shapes: ``N`` examples, ``C`` classes. Labels and predictions are integers of shape
``(N,)`` with values in ``0..C-1``; scores (logits or probabilities) are floats ``(N, C)``.
"""

from __future__ import annotations

import numpy as np

from helpers.functions import _as_float, _as_labels

__all__ = ["accuracy", "confusion_matrix"]


def _predictions(scores_or_preds, name: str = "scores_or_preds") -> tuple[np.ndarray, int | None]:
    """Predicted classes ``(N,)`` and, for scores, the number of classes ``C``."""
    arr = np.asarray(scores_or_preds)
    if arr.ndim == 2:
        scores = _as_float(arr, name)
        if scores.shape[1] == 0:
            raise ValueError(f"{name} must have at least one class column, got {scores.shape}")
        return scores.argmax(axis=1), scores.shape[1]
    if arr.ndim == 1:
        if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(
                f"{name} of shape (N,) must be integer class predictions, got dtype "
                f"{arr.dtype}; pass scores of shape (N, C) to have the argmax taken"
            )
        if arr.size and arr.min() < 0:
            raise ValueError(f"{name} must be class indices >= 0, found {arr.min()}")
        return arr, None
    raise ValueError(
        f"{name} must be scores of shape (N, C) or predicted labels of shape (N,), "
        f"got shape {arr.shape}"
    )


def accuracy(scores_or_preds, labels) -> float:
    """Fraction of examples whose predicted class equals the label, a float in [0, 1].

    scores_or_preds: float scores or probabilities ``(N, C)`` (the argmax of each row is the
    prediction) or integer predicted labels ``(N,)``.
    labels: integers ``(N,)``; in ``0..C-1`` when scores are given, else any class >= 0.
    """
    preds, c = _predictions(scores_or_preds)
    n = len(preds)
    if n == 0:
        raise ValueError("accuracy needs at least one example, got an empty array")
    if c is None:  # no score columns: any class index >= 0 is allowed
        labels = np.asarray(labels)
        c = int(preds.max()) + 1
        if labels.ndim == 1 and labels.size and np.issubdtype(labels.dtype, np.integer):
            c = max(c, int(labels.max()) + 1)
    labels = _as_labels(labels, n, c, of="scores_or_preds")
    return float(np.mean(preds == labels))


def confusion_matrix(labels, predictions, num_classes: int = 10) -> np.ndarray:
    """Count matrix ``cm[t, p]`` = number of examples of true class ``t`` predicted as ``p``.

    labels, predictions: integers ``(N,)`` in ``0..num_classes-1``.
    Returns ``int64`` of shape ``(num_classes, num_classes)``: rows are true classes, columns
    predicted classes; the diagonal holds the correct predictions, ``cm.sum() == N``.
    """
    if not isinstance(num_classes, int | np.integer) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    labels = _as_labels(labels, len(np.asarray(labels).reshape(-1)), num_classes)
    preds = np.asarray(predictions)
    if preds.ndim == 2:
        raise ValueError(
            f"predictions must have shape (N,), got {preds.shape} "
            "(scores? use scores.argmax(axis=1))"
        )
    preds = _as_labels(preds, len(labels), num_classes, name="predictions", of="labels")
    flat = labels * num_classes + preds
    counts = np.bincount(flat, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(np.int64)
