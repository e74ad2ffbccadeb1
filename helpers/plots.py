"""The course's figures: digit grids, learning curves, confusion matrices, weight images,
misclassified digits and class counts.

Every function returns the matplotlib ``Figure`` it made (through ``plt.subplots``, so a
notebook shows it inline) and closes nothing. In a notebook, assign the result
(``fig = digit_grid(...)``) so that the cell does not also print the Figure's text repr.
Sizes are chosen to stay readable at the course's small dpi (80, see ``helpers.nbsetup``).

Images are ``(n, 28, 28)`` or flattened ``(n, 784)`` (any square size works), uint8 pixels
``0..255`` or floats. Labels and predictions are integers of shape ``(n,)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from helpers.functions import as_array

__all__ = [
    "digit_grid",
    "learning_curves",
    "confusion_matrix_plot",
    "weight_images",
    "misclassified_gallery",
    "bar_counts",
]

#: Most panels (images) one figure draws: each is an Axes, and a thousand of them take
#: minutes. Beyond it the plots refuse and say how to pass a sample.
MAX_PANELS = 400
#: Most classes of a confusion matrix (each cell is annotated) and most bars of bar_counts.
MAX_CLASSES = 100
MAX_BARS = 200

WRONG = "tab:red"  # colour of a wrong prediction
RIGHT = "tab:green"  # colour of the true class in probability bars


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


def _images(images, name: str = "images") -> np.ndarray:
    """``(n, h, w)`` or ``(n, h*w)`` with ``h == w`` -> real array ``(n, h, w)``, finite."""
    arr = as_array(images, name)
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(f"{name} must hold numbers (uint8 or float pixels), got {arr.dtype}")
    if arr.ndim == 2:
        side = math.isqrt(arr.shape[1])
        if side * side != arr.shape[1] or side == 0:
            raise ValueError(
                f"{name} of shape (n, D) must have square images (D = 784 for 28x28), "
                f"got D = {arr.shape[1]}"
            )
        arr = arr.reshape(len(arr), side, side)
    elif arr.ndim != 3:
        raise ValueError(
            f"{name} must have shape (n, 28, 28) or (n, 784), got {arr.shape}"
            + (" (a single image? use images[None])" if arr.ndim in (1, 2) else "")
        )
    if len(arr) == 0:
        raise ValueError(f"{name} is empty: nothing to plot")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf; expected finite pixel values")
    return arr


def _int_labels(labels, n: int, name: str) -> np.ndarray:
    arr = as_array(labels, name)
    if arr.ndim != 1:
        if arr.ndim == 2 and 1 in arr.shape:
            hint = f" (a column or row of labels? use {name}.ravel())"
        else:
            hint = " (one-hot rows or scores? use .argmax(axis=1))" if arr.ndim == 2 else ""
        raise ValueError(f"{name} must have shape (n,), got {arr.shape}{hint}")
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be integer class labels, got dtype {arr.dtype}")
    if len(arr) != n:
        raise ValueError(f"{name} has {len(arr)} entries, expected {n} (one per image)")
    return arr


def _at_most(count: int, limit: int, what: str, how: str) -> None:
    """Refuse to draw more than ``limit`` panels: say how many, and how to pass fewer."""
    if count > limit:
        raise ValueError(
            f"{what}: {count} would take minutes to draw (one panel each); at most {limit} "
            f"are drawn. {how}"
        )


def _positive_int(value, name: str) -> int:
    if not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _limits(images: np.ndarray) -> tuple[float, float]:
    """Colour limits shared by all images: 0..255 for uint8, else the data range."""
    if images.dtype == np.uint8:
        return 0.0, 255.0
    lo, hi = float(images.min()), float(images.max())
    return (lo, hi) if hi > lo else (lo - 0.5, lo + 0.5)


def _image_axes(ax, image: np.ndarray, **imshow_kwargs):
    """Show one image without ticks, grid or frame; return the AxesImage."""
    im = ax.imshow(image, **imshow_kwargs)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return im


def _hide_unused(axes: np.ndarray, used: int) -> None:
    for ax in axes.flat[used:]:
        ax.axis("off")


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


def digit_grid(images, labels=None, predictions=None, ncols: int = 10, title=None) -> Figure:
    """A grid of images, optionally titled by label and prediction.

    images: ``(n, 28, 28)`` or ``(n, 784)``, uint8 or float. labels, predictions: optional
    integers ``(n,)``. Each panel is titled by its label (``"7"``), its prediction
    (``"pred 7"``) or both; a wrong prediction shows as ``"7→2"`` in red with a red frame.
    ncols: panels per row. title: the figure's title.
    Returns the Figure (``ceil(n / ncols) * min(n, ncols)`` axes; spare ones are blank).
    """
    imgs = _images(images)
    n = len(imgs)
    _at_most(
        n, MAX_PANELS, f"digit_grid draws one panel per image, and images holds {n}",
        "Pass the first ones (images[:100], labels[:100]) or a random sample: "
        "idx = rng.choice(len(images), 100, replace=False); digit_grid(images[idx], labels[idx])",
    )
    ncols = min(_positive_int(ncols, "ncols"), n)
    labels = None if labels is None else _int_labels(labels, n, "labels")
    preds = None if predictions is None else _int_labels(predictions, n, "predictions")
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(0.85 * ncols, 0.95 * nrows + 0.4), squeeze=False
    )
    vmin, vmax = _limits(imgs)
    for i, ax in enumerate(axes.flat[:n]):
        _image_axes(ax, imgs[i], cmap="gray_r", vmin=vmin, vmax=vmax)
        wrong = labels is not None and preds is not None and labels[i] != preds[i]
        if labels is not None and preds is not None:
            text = f"{labels[i]}→{preds[i]}" if wrong else f"{labels[i]}"
        elif labels is not None:
            text = f"{labels[i]}"
        elif preds is not None:
            text = f"pred {preds[i]}"
        else:
            text = None
        if text is not None:
            ax.set_title(text, fontsize=9, color=WRONG if wrong else "black", pad=2)
        if wrong:
            for spine in ax.spines.values():
                spine.set_visible(True)
                spine.set_color(WRONG)
                spine.set_linewidth(2)
    _hide_unused(axes, n)
    if labels is not None and preds is not None:
        n_wrong = int((labels != preds).sum())
        note = (
            f"{n_wrong} of {n} wrong (true→predicted in red)"
            if n_wrong
            else f"all {n} predictions correct"
        )
        title = f"{title}\n{note}" if title else note
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(pad=0.3)
    return fig


def _history_series(history: Mapping, key: str) -> np.ndarray:
    values = history[key]
    arr = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"history[{key!r}] must be a list of numbers, got shape {arr.shape}")
    return arr


_ALIASES = {"accuracy": ("accuracy", "acc"), "acc": ("acc", "accuracy")}
_SPLITS = ("train", "val", "test")


def learning_curves(
    history: Mapping,
    metrics: Sequence[str] | str = ("loss", "accuracy"),
    x: str = "step",
    title=None,
) -> Figure:
    """One panel per metric, the training and validation curves against ``x``.

    history: a dict of equal-length lists, e.g. ``{"step": [...], "train_loss": [...],
    "val_loss": [...], "train_acc": [...], "val_acc": [...]}``. For a metric ``m`` the keys
    ``train_m``, ``val_m`` and ``test_m`` are plotted where present (``accuracy`` also
    finds ``*_acc``), and plain ``m`` if none of them is. ``None`` or NaN entries (a
    validation loss computed only every few steps) are skipped, the rest joined by lines.
    x: the key holding the horizontal axis (``"step"``, ``"epoch"``, ``"time"``, ...).
    Returns the Figure with ``len(metrics)`` axes.
    """
    if not isinstance(history, Mapping):
        raise TypeError(
            f"history must be a dict of lists such as {{'step': [...], 'train_loss': [...]}}, "
            f"got {type(history).__name__}"
        )
    if isinstance(metrics, str):
        metrics = (metrics,)
    if len(metrics) == 0:
        raise ValueError("metrics must name at least one metric, e.g. ('loss', 'accuracy')")
    if x not in history:
        raise ValueError(f"x={x!r} is not a key of history; available keys: {sorted(history)}")
    xs = _history_series(history, x)
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.2), squeeze=False)
    for ax, metric in zip(axes.flat, metrics, strict=True):
        names = _ALIASES.get(metric, (metric,))
        keys = [f"{s}_{m}" for s in _SPLITS for m in names if f"{s}_{m}" in history]
        keys = list(dict.fromkeys(keys)) or [m for m in names if m in history]
        if not keys:
            raise ValueError(
                f"no series for metric {metric!r} in history; expected a key such as "
                f"'train_{metric}' or 'val_{metric}', available keys: {sorted(history)}"
            )
        for key in keys:
            ys = _history_series(history, key)
            if len(ys) != len(xs):
                raise ValueError(
                    f"history[{key!r}] has {len(ys)} values but history[{x!r}] has "
                    f"{len(xs)}; expected equal-length lists"
                )
            keep = ~np.isnan(ys)
            label = key.split("_", 1)[0] if "_" in key else key
            ax.plot(xs[keep], ys[keep], marker="." if keep.sum() < 30 else None, label=label)
        ax.set_title(metric)
        ax.set_xlabel("time (s)" if x == "time" else x)
        ax.set_ylabel(metric)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix_plot(cm, class_names=None, normalize: bool = False, title=None) -> Figure:
    """A confusion matrix as a heat map with every cell annotated.

    cm: non-negative integer counts ``(C, C)``, rows = true class, columns = predicted
    (as from :func:`helpers.metrics.confusion_matrix`). class_names: ``C`` tick labels.
    normalize: divide each row by its total, so a cell is the fraction of that true class
    predicted as the column's class (annotated with 2 decimals; empty rows stay 0).
    Returns the Figure (the matrix and its colour bar: 2 axes).
    """
    counts = as_array(cm, "cm")
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] == 0:
        raise ValueError(f"cm must be a square (C, C) matrix of counts, got shape {counts.shape}")
    if counts.dtype == np.bool_ or not np.issubdtype(counts.dtype, np.number):
        raise TypeError(f"cm must hold counts (integers), got dtype {counts.dtype}")
    if not np.isfinite(counts).all() or (counts < 0).any():
        raise ValueError("cm must hold finite, non-negative counts")
    c = counts.shape[0]
    if c > MAX_CLASSES:
        raise ValueError(
            f"cm is {c} x {c}: {c * c} annotated cells would take minutes to draw; at most "
            f"{MAX_CLASSES} classes are drawn (pass a block of it, e.g. cm[:20, :20])"
        )
    names = [str(k) for k in range(c)] if class_names is None else [str(s) for s in class_names]
    if len(names) != c:
        raise ValueError(f"class_names must have {c} entries (one per class), got {len(names)}")
    values = counts.astype(np.float64)
    if normalize:
        totals = values.sum(axis=1, keepdims=True)
        values = np.divide(values, totals, out=np.zeros_like(values), where=totals > 0)
    size = max(3.5, 0.42 * c + 1.6)
    fig, ax = plt.subplots(figsize=(size + 0.8, size))
    vmax = 1.0 if normalize else max(float(values.max()), 1.0)
    im = ax.imshow(values, cmap="Blues", vmin=0, vmax=vmax)
    fig.colorbar(
        im,
        ax=ax,
        fraction=0.046,
        pad=0.04,
        label="fraction of the true class" if normalize else "count",
    )
    fontsize = 8 if c <= 10 else 6
    as_int = not normalize and np.array_equal(values, np.round(values))
    for i in range(c):
        for j in range(c):
            v = values[i, j]
            text = f"{int(v)}" if as_int else f"{v:.2f}"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=fontsize,
                color="white" if v > 0.6 * vmax else "black",
            )
    ax.set_xticks(
        range(c),
        names,
        rotation=45 if max(map(len, names)) > 2 else 0,
        ha="right" if max(map(len, names)) > 2 else "center",
    )
    ax.set_yticks(range(c), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.grid(False)
    if title is None:
        title = "confusion matrix" + (" (rows normalised)" if normalize else "")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def weight_images(W, ncols: int = 10, titles=None, title=None) -> Figure:
    """The columns of a weight matrix as images, on one diverging colour scale.

    W: float ``(784, k)`` (input pixels by units/classes, as in ``z = x @ W``); column ``j``
    is shown as a 28x28 image. Red is positive, blue negative, white zero; the limits are
    symmetric, ``+-max|W|``, shared by all images so they can be compared.
    titles: ``k`` panel titles (default ``"0"``, ``"1"``, ...). title: the figure's title.
    Returns the Figure: ``ceil(k / ncols) * min(k, ncols)`` image axes and a colour bar.
    """
    w = as_array(W, "W")
    if w.ndim != 2:
        raise ValueError(f"W must be 2-D of shape (784, k), got shape {w.shape}")
    side = math.isqrt(w.shape[0])
    if side * side != w.shape[0] or side == 0:
        hint = " (did you pass W.T?)" if math.isqrt(w.shape[1]) ** 2 == w.shape[1] else ""
        raise ValueError(
            f"W must have shape (784, k): one square image per column, got {w.shape}{hint}"
        )
    k = w.shape[1]
    if k == 0:
        raise ValueError("W has no columns: nothing to plot")
    _at_most(
        k, MAX_PANELS, f"weight_images draws one panel per column, and W has {k} columns",
        "Pass some of them, e.g. W[:, :100], or a random sample of columns.",
    )
    imgs = _images(w.T, "W")
    names = [str(j) for j in range(k)] if titles is None else [str(t) for t in titles]
    if len(names) != k:
        raise ValueError(f"titles must have {k} entries (one per column of W), got {len(names)}")
    ncols = min(_positive_int(ncols, "ncols"), k)
    nrows = math.ceil(k / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(0.85 * ncols + 0.9, 0.95 * nrows + 0.5), squeeze=False
    )
    lim = max(float(np.abs(imgs).max()), 1e-12)
    for j, ax in enumerate(axes.flat[:k]):
        im = _image_axes(ax, imgs[j], cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(names[j], fontsize=9, pad=2)
    _hide_unused(axes, k)
    fig.colorbar(im, ax=list(axes.flat), fraction=0.03, pad=0.02, label="weight")
    fig.suptitle(title or "weights, one image per column of W (red > 0 > blue)", fontsize=10)
    return fig


def misclassified_gallery(images, labels, probs, n: int = 12, ncols: int = 4) -> Figure:
    """The ``n`` most confident mistakes, each with its bar chart of class probabilities.

    images: ``(N, 28, 28)`` or ``(N, 784)``; labels: integers ``(N,)``; probs: predicted
    probabilities ``(N, C)`` (rows sum to 1, e.g. ``softmax(logits)``). Mistakes are the rows
    whose argmax differs from the label, sorted by the probability given to the wrong class.
    Each is shown as the image titled ``"true t\\npredicted p (prob)"`` above a bar chart of
    its C probabilities (predicted class red, true class green).
    Returns the Figure: two axes per mistake shown (or one with a message if there is none).
    """
    imgs = _images(images)
    n_img = len(imgs)
    p = as_array(probs, "probs")
    if p.ndim != 2 or p.shape[0] != n_img:
        raise ValueError(f"probs must have shape ({n_img}, C) (one row per image), got {p.shape}")
    if p.dtype == np.bool_ or not np.issubdtype(p.dtype, np.floating):
        raise TypeError(f"probs must be float probabilities, got dtype {p.dtype}")
    if not np.isfinite(p).all():
        raise ValueError("probs contains NaN or inf; expected probabilities in [0, 1]")
    if (p < 0).any() or not np.allclose(p.sum(axis=1), 1, atol=1e-3):
        raise ValueError(
            "probs must be probabilities (>= 0, rows summing to 1); logits? pass softmax(logits)"
        )
    c = p.shape[1]
    labels = _int_labels(labels, n_img, "labels")
    if labels.size and (labels.min() < 0 or labels.max() >= c):
        raise ValueError(f"labels must lie in 0..{c - 1} (probs has {c} columns)")
    n = _positive_int(n, "n")
    _at_most(
        n, MAX_PANELS // 4, f"misclassified_gallery draws two panels per mistake, and n is {n}",
        "Pass a smaller n, e.g. n=12.",
    )
    ncols = _positive_int(ncols, "ncols")
    preds = p.argmax(axis=1)
    wrong = np.flatnonzero(preds != labels)
    conf = p[wrong, preds[wrong]]
    order = wrong[np.argsort(-conf, kind="stable")][:n]
    if len(order) == 0:
        fig, ax = plt.subplots(figsize=(4, 1.5))
        ax.axis("off")
        ax.set_title("misclassified images")
        ax.text(0.5, 0.5, "no misclassified images", ha="center", va="center")
        return fig
    ncols = min(ncols, len(order))
    nrows = math.ceil(len(order) / ncols)
    height = 2.45 * nrows + 0.7
    fig = plt.figure(figsize=(1.75 * ncols, height))
    outer = fig.add_gridspec(
        nrows,
        ncols,
        hspace=0.45,
        wspace=0.3,
        left=0.06,
        right=0.98,
        bottom=0.25 / height,
        top=1 - 0.75 / height,
    )
    vmin, vmax = _limits(imgs)
    for slot, i in enumerate(order):
        cell = outer[divmod(slot, ncols)].subgridspec(2, 1, height_ratios=[2.6, 1], hspace=0.1)
        col = slot % ncols
        ax_img = fig.add_subplot(cell[0])
        _image_axes(ax_img, imgs[i], cmap="gray_r", vmin=vmin, vmax=vmax)
        ax_img.set_title(
            f"true {labels[i]}\npredicted {preds[i]} ({p[i, preds[i]]:.2f})", fontsize=8, pad=2
        )
        ax_bar = fig.add_subplot(cell[1])
        colors = ["0.6"] * c
        colors[labels[i]] = RIGHT
        colors[preds[i]] = WRONG
        ax_bar.bar(range(c), p[i], color=colors, width=0.8)
        ax_bar.set_ylim(0, 1)
        ax_bar.set_xticks(range(c), [str(k) for k in range(c)], fontsize=6)
        ax_bar.set_yticks([0, 1], ["0", "1"], fontsize=6)
        ax_bar.tick_params(length=1, pad=1)
        ax_bar.set_xlabel("class", fontsize=6, labelpad=1)
        ax_bar.grid(False)
        if col == 0:
            ax_bar.set_ylabel("prob", fontsize=7, labelpad=1)
    fig.suptitle(
        f"the {len(order)} most confident mistakes "
        f"(of {len(wrong)}; bars: predicted red, true green)",
        fontsize=9,
    )
    return fig


def bar_counts(
    counts, labels=None, title=None, xlabel: str = "class", ylabel: str = "count"
) -> Figure:
    """A bar chart of counts (e.g. examples per class), each bar annotated with its value.

    counts: non-negative numbers ``(k,)`` (e.g. ``np.bincount(labels, minlength=10)``);
    labels: ``k`` bar names (default ``"0"`` .. ``"k-1"``). Returns the Figure (1 axes).
    """
    values = as_array(counts, "counts")
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"counts must have shape (k,) with k >= 1, got {values.shape}")
    if values.dtype == np.bool_ or not np.issubdtype(values.dtype, np.number):
        raise TypeError(f"counts must be numbers, got dtype {values.dtype}")
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError("counts must be finite and non-negative")
    k = len(values)
    if k > MAX_BARS:
        whole = np.issubdtype(values.dtype, np.integer) or np.array_equal(values, np.round(values))
        distinct = np.unique(values[:100_000]).size
        if whole and distinct <= 100:
            lo, hi = int(values.min()), int(values.max())
            raise ValueError(
                f"counts has {k} entries, all whole numbers in {lo}..{hi}: raw labels, not "
                f"counts? pass np.bincount(labels, minlength={hi + 1}) (one count per class)"
            )
        raise ValueError(
            f"counts has {k} entries: {k} annotated bars would take long to draw and cannot "
            f"be read; at most {MAX_BARS} are drawn"
        )
    names = [str(j) for j in range(k)] if labels is None else [str(s) for s in labels]
    if len(names) != k:
        raise ValueError(f"labels must have {k} entries (one per count), got {len(names)}")
    fig, ax = plt.subplots(figsize=(max(4.0, 0.55 * k + 1.0), 3.0))
    bars = ax.bar(range(k), values, color="tab:blue")
    is_int = np.issubdtype(values.dtype, np.integer)
    ax.bar_label(
        bars,
        labels=[f"{v:d}" if is_int else f"{v:.3g}" for v in values.tolist()],
        fontsize=7,
        padding=1,
    )
    ax.set_xticks(
        range(k),
        names,
        rotation=45 if max(map(len, names)) > 3 else 0,
        ha="right" if max(map(len, names)) > 3 else "center",
    )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, float(values.max()) * 1.12 or 1.0)
    ax.set_title(title or f"{ylabel} per {xlabel}")
    ax.grid(axis="x", visible=False)
    fig.tight_layout()
    return fig


def plot_reliability(probs, y, n_bins: int = 15, title=None) -> Figure:
    """Reliability diagram(s): accuracy against confidence per bin, with the ECE.

    probs: (N, C) probabilities with y (N,) int labels; or a dict ``{name: probs}`` (e.g.
    ``{"before": p, "after T = 1.7": q}``), one panel per entry, side by side, for the same
    y. Each panel draws the accuracy of each of ``n_bins`` confidence bins as a bar, the
    gap to the bin's mean confidence in red, the diagonal of perfect calibration and the
    expected calibration error (:mod:`helpers.calibration`); empty bins are left blank.
    Returns the Figure (one axes per panel).
    """
    from helpers.calibration import expected_calibration_error, reliability

    panels = dict(probs) if isinstance(probs, Mapping) else {"": probs}
    if not panels:
        raise ValueError("probs is an empty dict: nothing to plot")
    _at_most(len(panels), 12, "reliability panels", "Pass at most 12 sets of probabilities.")
    fig, axes = plt.subplots(
        1, len(panels), figsize=(3.6 * len(panels), 3.6), squeeze=False, sharey=True
    )
    for ax, (name, p) in zip(axes[0], panels.items(), strict=True):
        r = reliability(p, y, n_bins)
        ece = expected_calibration_error(p, y, n_bins)
        edges, used = r["edges"], r["count"] > 0
        left, width = edges[:-1][used], np.diff(edges)[used]
        acc, conf = r["accuracy"][used], r["confidence"][used]
        ax.bar(left, acc, width, align="edge", color="tab:blue", label="accuracy")
        ax.bar(
            left, np.abs(conf - acc), width, bottom=np.minimum(acc, conf), align="edge",
            color=WRONG, alpha=0.35, label="gap to confidence",
        )
        ax.plot([0, 1], [0, 1], color="0.3", linestyle="--", linewidth=1, label="calibrated")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_xlabel("confidence (max probability)")
        ax.set_title(f"{name + ': ' if name else ''}ECE = {ece:.4f}", fontsize=10)
    axes[0, 0].set_ylabel("accuracy")
    axes[0, 0].legend(loc="upper left", fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
