"""Keeping a trained model: save and load its weights, and predict digits on new images.

:func:`save_model` writes a ``helpers.model.Sequential`` (Linear, ReLU, Sigmoid and Dropout
layers) or a ``TwoLayerNet`` to one ``.npz`` archive: the parameters under their own names
(``W1``, ``b1``, ...) and, beside them, the architecture as a JSON string (the entry
``architecture``, a 0-d unicode array), e.g.::

    {"format": "mnist-course-model", "version": 1, "model": "Sequential",
     "dtype": "float32", "layers": [{"type": "Linear", "n_in": 784, "n_out": 256},
     {"type": "ReLU"}, {"type": "Dropout", "p": 0.2}, {"type": "Linear", ...}],
     "params": {"W1": [784, 256], "b1": [256], ...}}

Nothing in the archive is a Python object: it is written and read with
``allow_pickle=False``, so loading a file can never run code. The file is written to a
temporary file in the same folder and renamed over the target only when complete, so an
interrupted save leaves the old file (or none), never half of a new one.

:func:`load_model` rebuilds the model and checks everything it reads (the archive, the
record, the names, shapes and dtypes of the parameters, that they are finite); anything
wrong raises :class:`ModelFileError` naming the file and what was expected.

:func:`prepare_image` turns a digit drawn by hand or read from a PNG into an MNIST-like
(784,) row the way MNIST itself was made (LeCun et al.): the digit's bounding box scaled to
fit 20x20 preserving its aspect ratio (with anti-aliasing), then placed in the 28x28 field so
that its centre of mass falls at the centre (pixel (14, 14), the mean of MNIST's digits).
:func:`predict` gives the classes and probabilities of such rows.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from helpers.functions import softmax

__all__ = ["ModelFileError", "save_model", "load_model", "predict", "prepare_image"]

FORMAT = "mnist-course-model"
VERSION = 1
_ARCH_KEY = "architecture"
_ACTIVATIONS = ("ReLU", "Sigmoid")
#: centre of mass of MNIST digits (rows, cols), 0-based pixel coordinates: its mean over
#: the training and test sets is (14.0, 14.0) within 0.01
MNIST_CENTRE = (14.0, 14.0)
BOX = 20  # MNIST's digits fit a 20x20 box inside the 28x28 field
SIDE = 28


class ModelFileError(ValueError):
    """A model file is missing, unreadable, not a model archive, or does not fit its record."""


# --------------------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------------------


def _architecture(model) -> dict:
    """The JSON-able record of ``model``'s architecture (a TypeError for what cannot be saved)."""
    from helpers.layers import Dropout, Linear, ReLU, Sigmoid, SoftmaxCrossEntropy
    from helpers.model import Sequential, TwoLayerNet

    if isinstance(model, TwoLayerNet):
        record = {"model": "TwoLayerNet", "D": model.D, "H": model.H, "C": model.C}
    elif isinstance(model, Sequential):
        if type(model.loss_layer) is not SoftmaxCrossEntropy:
            raise TypeError(
                "save_model saves models with the default SoftmaxCrossEntropy loss, got "
                f"{type(model.loss_layer).__name__}"
            )
        layers = []
        for i, layer in enumerate(model.layers):
            if type(layer) is Linear:
                layers.append({"type": "Linear", "n_in": layer.n_in, "n_out": layer.n_out})
            elif type(layer) in (ReLU, Sigmoid):
                layers.append({"type": type(layer).__name__})
            elif type(layer) is Dropout:
                layers.append({"type": "Dropout", "p": layer.p})
            else:
                raise TypeError(
                    f"save_model cannot save layers[{i}], a {type(layer).__name__}: it saves "
                    "Linear, ReLU, Sigmoid and Dropout layers"
                )
        record = {"model": "Sequential", "layers": layers}
    else:
        raise TypeError(
            "save_model saves a helpers.model.Sequential or TwoLayerNet, got "
            f"{type(model).__name__}"
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        **record,
        "dtype": str(np.dtype(model.dtype)),
        "params": {k: list(v.shape) for k, v in model.params.items()},
    }


def save_model(path, model) -> Path:
    """Write ``model``'s architecture and parameters to the ``.npz`` archive ``path``.

    path: a file name (``.npz`` is appended if it has another suffix, as ``np.savez`` does);
    model: a ``Sequential`` (Linear, ReLU, Sigmoid, Dropout layers, softmax cross-entropy
    loss) or a ``TwoLayerNet``. Written atomically: a temporary file in the same folder,
    renamed over ``path`` once complete (an existing file is replaced only then).
    Returns the Path written.
    """
    record = _architecture(model)
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot save {path}: the folder {path.parent} does not exist")
    arrays = {k: np.ascontiguousarray(v) for k, v in model.params.items()}
    arrays[_ARCH_KEY] = np.array(json.dumps(record))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------

_EXPECTED = "a model archive written by helpers.persist.save_model (.npz)"


def _sniff(path: Path) -> None:
    """Refuse what is plainly not a zip (.npz) archive, saying what it looks like instead."""
    with path.open("rb") as f:
        head = f.read(8)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return
    if head.startswith(b"\x93NUMPY"):
        found = "a single .npy array (np.save), not an .npz archive"
    elif head[:1] == b"\x80":
        found = "a Python pickle, which is never loaded (it could run code)"
    elif not head:
        found = "an empty file"
    else:
        found = f"not a zip/.npz archive (it starts with {head!r})"
    raise ModelFileError(f"{path}: expected {_EXPECTED}, found {found}")


def _read_archive(path: Path) -> tuple[dict, dict]:
    """The architecture record and the arrays of the archive, read with allow_pickle=False."""
    _sniff(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files)
            if _ARCH_KEY not in names:
                raise ModelFileError(
                    f"{path}: expected {_EXPECTED}, found an .npz archive without the "
                    f"{_ARCH_KEY!r} record (entries: {', '.join(names[:8]) or 'none'})"
                )
            arrays = {k: archive[k] for k in names}
    except ModelFileError:
        raise
    except ValueError as exc:  # an object array: it would need unpickling
        if "allow_pickle" in str(exc):
            raise ModelFileError(
                f"{path}: expected {_EXPECTED}, found an archive holding Python objects "
                "(pickled arrays), which are never loaded"
            ) from exc
        raise ModelFileError(f"{path}: expected {_EXPECTED}, cannot read it: {exc}") from exc
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as exc:
        raise ModelFileError(
            f"{path}: expected {_EXPECTED}, found a damaged or truncated archive ({exc}); "
            "save the model again"
        ) from exc
    raw = arrays.pop(_ARCH_KEY)
    if raw.dtype.kind != "U" or raw.ndim != 0:
        raise ModelFileError(f"{path}: the {_ARCH_KEY!r} entry must be a JSON string")
    try:
        record = json.loads(str(raw))
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{path}: the {_ARCH_KEY!r} record is not valid JSON ({exc})") from exc
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ModelFileError(
            f"{path}: expected {_EXPECTED}, the record is not of format {FORMAT!r}"
        )
    if record.get("version") != VERSION:
        raise ModelFileError(
            f"{path}: format version {record.get('version')!r}, this code reads version {VERSION}"
        )
    return record, arrays


def _build(record: dict, path: Path, rng):
    """An untrained model of the recorded architecture (a ModelFileError if it is invalid)."""
    from helpers.layers import Dropout, Linear, ReLU, Sigmoid
    from helpers.model import Sequential, TwoLayerNet

    dtype = record.get("dtype")
    if dtype not in ("float32", "float64"):
        raise ModelFileError(f"{path}: dtype must be float32 or float64, the record says {dtype!r}")
    kind = record.get("model")
    try:
        if kind == "TwoLayerNet":
            return TwoLayerNet(record["D"], record["H"], record["C"], dtype=dtype, rng=0)
        if kind != "Sequential":
            raise ModelFileError(
                f"{path}: model must be 'Sequential' or 'TwoLayerNet', the record says {kind!r}"
            )
        layers = []
        for spec in record["layers"]:
            t = spec["type"]
            if t == "Linear":
                layers.append(Linear(spec["n_in"], spec["n_out"], rng=0, dtype=dtype))
            elif t in _ACTIVATIONS:
                layers.append(ReLU() if t == "ReLU" else Sigmoid())
            elif t == "Dropout":
                layers.append(Dropout(spec["p"], rng=rng).eval())
            else:
                raise ModelFileError(f"{path}: unknown layer type {t!r} in the record")
        return Sequential(layers)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: the architecture record is invalid: {exc}") from exc


def _describe(record: dict) -> str:
    """A short description of an architecture record, e.g. 'Sequential 784-256-10 float32'."""
    if record.get("model") == "TwoLayerNet":
        sizes = [record.get(k) for k in ("D", "H", "C")]
    else:
        linears = [s for s in record.get("layers", []) if s.get("type") == "Linear"]
        sizes = [linears[0].get("n_in")] + [s.get("n_out") for s in linears] if linears else []
        types = [s.get("type") for s in record.get("layers", [])]
        return (
            f"Sequential {'-'.join(map(str, sizes))} ({', '.join(map(str, types))}) "
            f"{record.get('dtype')}"
        )
    return f"TwoLayerNet {'-'.join(map(str, sizes))} {record.get('dtype')}"


def load_model(path, *, like=None, rng=0):
    """The model saved by :func:`save_model` in ``path``, with its weights.

    like: optionally a model whose architecture the file must have (the same layers, sizes,
    Dropout rates and dtype), e.g. a freshly built ``mlp([784, 256, 10], rng=0)``; a file
    of another architecture then raises ModelFileError naming both.
    rng: seeds the masks of Dropout layers, which are loaded in evaluation mode (the
    identity, ready to predict; call ``layer.train()`` to train on).
    Returns a ``Sequential`` or ``TwoLayerNet`` whose ``scores`` equal the saved model's.
    Raises FileNotFoundError for a missing file and :class:`ModelFileError` (a ValueError)
    naming the file for one that is not a model archive, is damaged or truncated, holds
    pickled objects, or whose parameters do not match its architecture.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no such model file" + (" (a folder?)" if path.is_dir() else "")
        )
    record, arrays = _read_archive(path)
    if like is not None:
        wanted = _architecture(like)
        if record != wanted:
            raise ModelFileError(
                f"{path}: expected a {_describe(wanted)}, the file holds a {_describe(record)}"
            )
    model = _build(record, path, rng)
    expected = {k: v.shape for k, v in model.params.items()}
    if set(arrays) != set(expected):
        missing, extra = sorted(set(expected) - set(arrays)), sorted(set(arrays) - set(expected))
        raise ModelFileError(
            f"{path}: the parameters do not match the architecture: expected "
            f"{', '.join(expected)}; missing {missing or 'none'}, unexpected {extra or 'none'}"
        )
    for k, shape in expected.items():
        a = arrays[k]
        if a.shape != shape or a.dtype != model.dtype:
            raise ModelFileError(
                f"{path}: parameter {k} must be {model.dtype} of shape {shape} (from the "
                f"architecture), found {a.dtype} of shape {a.shape}"
            )
        if not np.isfinite(a).all():
            raise ModelFileError(f"{path}: parameter {k} contains NaN or inf")
        model.params[k][...] = a
    return model


# --------------------------------------------------------------------------------------
# New images
# --------------------------------------------------------------------------------------


def predict(model, images) -> tuple[np.ndarray, np.ndarray]:
    """Classes and probabilities of new images.

    model: anything with ``scores(X) -> (N, C)`` (``Sequential``, ``TwoLayerNet``);
    images: prepared rows, (N, 784) or one (784,) float in [0, 1] (see
    :func:`prepare_image`), or raw uint8 pixels (N, 28, 28) / (N, 784), scaled by 1/255.
    Dropout layers are switched to evaluation mode for the call and restored after.
    Returns ``(labels, probs)``: int64 (N,) and float (N, C) (the model's dtype).
    """
    X = np.asarray(images)
    if X.dtype == np.uint8:
        X = X.astype(np.float32) / 255
    if X.ndim == 1:
        X = X[None, :]
    elif X.ndim == 3:
        X = X.reshape(len(X), -1)
    if not np.issubdtype(X.dtype, np.floating):
        raise TypeError(f"images must be float pixels in [0, 1] or uint8, got {X.dtype}")
    modes = [
        (layer, layer.training)
        for layer in getattr(model, "layers", [])
        if hasattr(layer, "training")
    ]
    try:
        for layer, _ in modes:
            layer.training = False
        scores = model.scores(X)
    finally:
        for layer, mode in modes:
            layer.training = mode
    return scores.argmax(axis=1), softmax(scores)


def _to_grey(img) -> np.ndarray:
    """A float64 (H, W) image in [0, 1] from a path, (H, W), (H, W, 3) or (H, W, 4)."""
    if isinstance(img, str | os.PathLike):
        import matplotlib.image

        path = Path(img)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such image file")
        try:
            img = matplotlib.image.imread(path)
        except Exception as exc:  # PIL/matplotlib raise many kinds for a bad image file
            raise ValueError(f"{path}: cannot read it as an image ({exc})") from exc
    arr = np.asarray(img)
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(f"img must hold pixel numbers, got dtype {arr.dtype}")
    if arr.ndim == 1 and arr.size == SIDE * SIDE:
        arr = arr.reshape(SIDE, SIDE)
    if not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (3, 4))):
        raise ValueError(
            f"img must be a grey (H, W) or RGB/RGBA (H, W, 3 or 4) image, got shape {arr.shape}"
        )
    if min(arr.shape[:2]) < 8:
        raise ValueError(f"img must be at least 8x8 pixels (28x28 or larger), got {arr.shape[:2]}")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError("img contains NaN or inf")
    if arr.min() < 0:
        raise ValueError(f"pixels must be >= 0 (0..1 or 0..255), found {arr.min():.4g}")
    if np.issubdtype(np.asarray(img).dtype, np.integer) or arr.max() > 1:
        if arr.max() > 255:
            raise ValueError(f"pixels must be in 0..1 or 0..255, found {arr.max():.4g}")
        arr /= 255
    if arr.ndim == 3:
        grey = arr[..., :3] @ np.array([0.299, 0.587, 0.114])  # luminance (ITU-R 601)
        if arr.shape[2] == 4:  # composite over a white background
            alpha = arr[..., 3]
            grey = alpha * grey + (1 - alpha)
        arr = grey
    return arr


def _resample(n_old: int, n_new: int) -> np.ndarray:
    """(n_new, n_old) weights mapping a row of n_old pixels to n_new (area or linear)."""
    if n_new <= n_old:  # shrink: each new pixel is the mean of the old ones it covers
        s = n_old / n_new
        lo = np.arange(n_new)[:, None] * s
        j = np.arange(n_old)[None, :]
        weights = np.clip(np.minimum(lo + s, j + 1) - np.maximum(lo, j), 0, None)
    else:  # grow: linear interpolation between the centres of the old pixels
        x = np.clip((np.arange(n_new) + 0.5) * n_old / n_new - 0.5, 0, n_old - 1)
        weights = np.clip(1 - np.abs(x[:, None] - np.arange(n_old)[None, :]), 0, None)
    return weights / weights.sum(axis=1, keepdims=True)


def prepare_image(img) -> np.ndarray:
    """An image of a digit as an MNIST row: (784,) float32 in [0, 1], white ink on black.

    img: a PNG (or other) file name, read with ``matplotlib.image.imread``, or an array
    (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA (alpha composited over white), uint8
    0..255 or float 0..1, at least 8x8 (28x28 or larger is typical).

    1. Grey levels; the background level is the median of the outer frame of pixels: a
       light background (black ink on white paper) is inverted. The background is mapped
       to 0 and the strongest ink to 1.
    2. The bounding box of the ink (pixels above 10% of the maximum) is scaled so that its
       longer side is 20 pixels, preserving the aspect ratio (area averaging when it
       shrinks, linear interpolation when it grows).
    3. The box is placed in a 28x28 field so that its centre of mass is at (14, 14)
       (rounded to whole pixels), as MNIST's digits are.

    Raises ValueError for an image with no ink (uniform) and for bad shapes or values.
    """
    grey = _to_grey(img)
    frame = np.concatenate([grey[0], grey[-1], grey[1:-1, 0], grey[1:-1, -1]])
    bg = float(np.median(frame))
    ink = 1 - grey if bg > 0.5 else grey.copy()
    bg = 1 - bg if bg > 0.5 else bg
    ink = np.clip(ink - bg, 0, None)
    top = float(ink.max())
    if top < 0.05:
        raise ValueError(
            "the image holds no digit: it is uniform (background level "
            f"{bg:.2f}, strongest ink {top:.3f} above it)"
        )
    ink /= top
    rows, cols = np.flatnonzero((ink > 0.1).any(1)), np.flatnonzero((ink > 0.1).any(0))
    box = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = box.shape
    f = BOX / max(h, w)
    nh, nw = max(1, round(h * f)), max(1, round(w * f))
    small = np.clip(_resample(h, nh) @ box @ _resample(w, nw).T, 0, 1)
    mass = small.sum()
    com_r = float((small.sum(1) * np.arange(nh)).sum() / mass)
    com_c = float((small.sum(0) * np.arange(nw)).sum() / mass)
    r0 = int(np.clip(round(MNIST_CENTRE[0] - com_r), 0, SIDE - nh))
    c0 = int(np.clip(round(MNIST_CENTRE[1] - com_c), 0, SIDE - nw))
    out = np.zeros((SIDE, SIDE), np.float32)
    out[r0 : r0 + nh, c0 : c0 + nw] = small
    return out.reshape(-1)
