"""How good are the predictions? Accuracy, the confusion matrix, per-class precision,
recall and F1, and a scikit-learn-style classification report.

Shapes: ``N`` examples, ``C`` classes. Labels and predictions are integers of shape
``(N,)`` with values in ``0..C-1``; scores (logits or probabilities) are floats ``(N, C)``.
"""

from __future__ import annotations

import numpy as np

from helpers.functions import _as_float, _as_labels

__all__ = ["accuracy", "confusion_matrix", "precision_recall_f1", "classification_report"]


def _two_d_hint(name: str, shape: tuple) -> str:
    """What to do with a 2-D array where predicted labels ``(N,)`` were expected: a column
    (or row) of labels needs ``.ravel()``; scores or one-hot rows ``(N, C)`` need the argmax
    of each row, ``.argmax(axis=1)`` (which on an (N, 1) column would give all zeros)."""
    ravel = f"for a column (N, 1) of predicted labels use {name}.ravel()"
    argmax = f"for scores or one-hot rows (N, C) use {name}.argmax(axis=1)"
    return f"{ravel}; {argmax}" if 1 in shape else f"{argmax}; {ravel}"


def _predictions(scores_or_preds, name: str = "scores_or_preds") -> tuple[np.ndarray, int | None]:
    """Predicted classes ``(N,)`` and, for scores, the number of classes ``C``."""
    arr = np.asarray(scores_or_preds)
    if arr.ndim == 2:
        if arr.shape[1] == 1:  # one score column is no classifier: labels in a column
            raise ValueError(
                f"{name} must be scores (N, C) with one column per class or predicted labels "
                f"(N,), got shape {arr.shape}: {_two_d_hint(name, arr.shape)}"
            )
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
            f"predictions must have shape (N,), got {preds.shape}: "
            f"{_two_d_hint('predictions', preds.shape)}"
        )
    preds = _as_labels(preds, len(labels), num_classes, name="predictions", of="labels")
    flat = labels * num_classes + preds
    counts = np.bincount(flat, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(np.int64)


def precision_recall_f1(y_true, y_pred, num_classes: int = 10) -> dict[str, np.ndarray]:
    """Per-class precision, recall, F1 and support, from the confusion matrix.

    For class k, with TP = examples of class k predicted k, FP = other classes predicted k,
    FN = class k predicted as something else:

    - ``precision[k] = TP / (TP + FP)``: of the examples predicted k, the share that are k;
    - ``recall[k] = TP / (TP + FN)``: of the examples of class k, the share found;
    - ``f1[k] = 2 TP / (2 TP + FP + FN)``, the harmonic mean of the two;
    - ``support[k] = TP + FN``, the number of examples of class k.

    A ratio whose denominator is 0 is reported as 0 (as scikit-learn does with
    ``zero_division=0``): a class that is never predicted has precision 0, a class absent
    from ``y_true`` recall 0, and F1 is 0 when both are.

    y_true, y_pred: integers ``(N,)`` in ``0..num_classes-1``.
    Returns a dict of arrays of shape ``(num_classes,)``: ``precision``, ``recall``, ``f1``
    (float64) and ``support`` (int64).
    """
    cm = confusion_matrix(y_true, y_pred, num_classes)
    tp = np.diag(cm).astype(np.float64)
    predicted = cm.sum(axis=0).astype(np.float64)  # TP + FP
    support = cm.sum(axis=1)  # TP + FN

    def ratio(num, den):
        return np.divide(num, den, out=np.zeros_like(num), where=den > 0)

    return {
        "precision": ratio(tp, predicted),
        "recall": ratio(tp, support.astype(np.float64)),
        "f1": ratio(2 * tp, predicted + support),  # 2TP + FP + FN = (TP + FP) + (TP + FN)
        "support": support.astype(np.int64),
    }


def classification_report(y_true, y_pred, digits: int = 2, num_classes: int = 10) -> str:
    """A text table of per-class precision, recall, F1 and support, then the accuracy, the
    macro average (plain mean over classes) and the weighted average (weighted by support).

    Laid out like ``sklearn.metrics.classification_report`` (and equal to its text when every
    class 0..num_classes-1 occurs in ``y_true`` or ``y_pred``; scikit-learn leaves out
    classes that occur in neither, this report always lists all ``num_classes`` rows).
    Ratios with a zero denominator count as 0 (see :func:`precision_recall_f1`).

    y_true, y_pred: integers ``(N,)`` in ``0..num_classes-1``; digits: decimals shown.
    """
    if not isinstance(digits, int | np.integer) or digits < 0:
        raise ValueError(f"digits must be an integer >= 0, got {digits!r}")
    m = precision_recall_f1(y_true, y_pred, num_classes)
    support = m["support"]
    n = int(support.sum())
    acc = float(np.trace(confusion_matrix(y_true, y_pred, num_classes))) / n
    names = [str(k) for k in range(num_classes)]
    width = max(len("weighted avg"), digits, *(len(name) for name in names))

    def num(x) -> str:
        return f" {x:>9.{digits}f}"

    def row(name, p, r, f, s) -> str:
        return f"{name:>{width}} " + num(p) + num(r) + num(f) + f" {s:>9}\n"

    heads = ("precision", "recall", "f1-score", "support")
    lines = f"{'':>{width}} " + "".join(f" {h:>9}" for h in heads)
    lines += "\n\n"
    for k, name in enumerate(names):
        lines += row(name, m["precision"][k], m["recall"][k], m["f1"][k], support[k])
    lines += "\n"
    lines += f"{'accuracy':>{width}} " + " " * 20 + num(acc) + f" {n:>9}\n"
    lines += row("macro avg", *(m[k].mean() for k in ("precision", "recall", "f1")), n)
    w = support / n
    lines += row("weighted avg", *(float(w @ m[k]) for k in ("precision", "recall", "f1")), n)
    return lines
