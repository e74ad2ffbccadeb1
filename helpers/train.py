"""Mini-batch training and evaluation of a model with ``loss``/``scores``/``params``.

``fit`` runs seeded mini-batch gradient descent and records a :class:`History`;
``evaluate`` computes the mean loss and the accuracy on a data set in chunks.

The model contract (``helpers.model.TwoLayerNet`` fulfils it): ``model.params`` a dict of
float arrays, ``model.loss(X, y, reg, grads=None) -> (loss, grads)`` with grads under the same
keys, ``model.scores(X) -> (N, C)``. Models that also offer ``_check_X`` and ``_loss`` (the
unchecked inner pass) are trained through those, skipping per-batch input checks that
``fit`` has already done once for the whole data.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np

from helpers.data import NUM_CLASSES, check_labels
from helpers.layers import softmax_cross_entropy
from helpers.optim import RULES
from helpers.progress import progress
from helpers.sanity import check_fit

SCHEDULES = ("constant", "cosine", "linear", "step")

#: The course's fast recipe for the 784-256-10 network (topic 05's implementation notebook
#: shows each ingredient on the validation split): fit's keywords. Nesterov momentum 0.9, a
#: batch of 256 with a peak rate of 0.5, and cosine decay to 0 with a linear warm-up over
#: the first 70 steps (about a third of an epoch of 50,000 images, 196 steps). Train it with
#: ``TwoLayerNet(label_smoothing=FAST_LABEL_SMOOTHING)``.
FAST_RECIPE = dict(batch_size=256, lr=0.5, update_rule="nesterov",
                   optim_config={"momentum": 0.9}, schedule="cosine", warmup=70)
#: The label smoothing of the fast recipe (a property of the training loss, so the model's).
FAST_LABEL_SMOOTHING = 0.05


class History(dict):
    """What ``fit`` records, one entry per evaluation: a dict of equal-length lists.

    Keys: ``step`` (updates done), ``epoch`` (passes over the data, fractional between
    epochs), ``lr`` (learning rate of the last update), ``train_loss`` (mean mini-batch loss
    since the previous evaluation), ``train_acc`` (accuracy on a fixed subset of the training
    data), ``val_loss``, ``val_acc``, ``time`` (seconds of training since the start,
    evaluation time excluded). ``eval_time`` (attribute): total seconds spent evaluating.
    """

    KEYS = ("step", "epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc", "time")

    def __init__(self):
        super().__init__({k: [] for k in self.KEYS})
        self.eval_time = 0.0

    def append(self, **row) -> None:
        """Add one evaluation; ``row`` must give every key once."""
        if set(row) != set(self.KEYS):
            raise ValueError(f"a history row needs exactly the keys {self.KEYS}")
        for k in self.KEYS:
            self[k].append(row[k])

    def first_reaching(self, key: str, value: float) -> int | None:
        """Index of the first entry with ``history[key] >= value``, or None."""
        return next((i for i, v in enumerate(self[key]) if v >= value), None)

    def __repr__(self) -> str:
        n = len(self["step"])
        if not n:
            return "History(empty)"
        return (
            f"History({n} evaluations, last: epoch {self['epoch'][-1]:.2f}, "
            f"val_acc {self['val_acc'][-1]:.4f}, time {self['time'][-1]:.2f} s)"
        )


def evaluate(model, X, y, batch_size: int = 4096) -> tuple[float, float]:
    """Mean cross-entropy loss (no L2 term) and accuracy of ``model`` on ``(X, y)``.

    X: (N, D) float; y: (N,) int labels. Scores are computed ``batch_size`` rows at a time to
    bound memory. Returns ``(loss, accuracy)``, two Python floats, accuracy in [0, 1].
    """
    X = np.asarray(X)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"X must have shape (N, D) with N >= 1, got {X.shape}")
    y = check_labels(y, n=len(X))
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    total_loss, correct = 0.0, 0
    for start in range(0, len(X), batch_size):
        s = model.scores(X[start : start + batch_size])
        yb = y[start : start + batch_size]
        loss, _ = softmax_cross_entropy(s, yb)
        total_loss += loss * len(yb)
        correct += int((s.argmax(axis=1) == yb).sum())
    return total_loss / len(X), correct / len(X)


def _schedule(schedule, lr: float) -> Callable[[float], float]:
    """The learning rate as a function of training progress t in [0, 1)."""
    if callable(schedule):
        return lambda t: lr * float(schedule(t))
    if schedule == "constant":
        return lambda t: lr
    if schedule == "cosine":
        return lambda t: lr * 0.5 * (1.0 + math.cos(math.pi * t))
    if schedule == "linear":
        return lambda t: lr * (1.0 - t)
    if schedule == "step":  # divided by 10 at half and again at three quarters of training
        return lambda t: lr * 0.1 ** (int(t >= 0.5) + int(t >= 0.75))
    raise ValueError(f"schedule must be one of {SCHEDULES} or a function of t in [0, 1)")


def _rule_and_config(update_rule, optim_config, optimizer, momentum, lr):
    """Resolve fit's optimiser arguments, old (optimizer=, momentum=, lr=) and new
    (update_rule=, optim_config=), into ``(rule, name, base_config, base_lr)``."""
    if optimizer is not None and update_rule is not None:
        raise ValueError("give update_rule= (and optim_config=) or the older optimizer=, not both")
    rule = update_rule if update_rule is not None else (optimizer or "sgd")
    if isinstance(rule, str):
        if rule not in RULES:
            keyword = "optimizer" if optimizer is not None else "update_rule"
            raise ValueError(f"{keyword} must be one of {tuple(RULES)} or a rule function "
                             f"rule(w, dw, config) -> (w, config), got {rule!r}")
        name, rule = rule, RULES[rule]
    elif callable(rule):
        name = getattr(rule, "__name__", "rule")
    else:
        raise TypeError(f"update_rule must be a name in helpers.optim.RULES or a function "
                        f"rule(w, dw, config), got {type(rule).__name__}")
    if optim_config is None:
        config = {}
    elif isinstance(optim_config, dict):
        config = dict(optim_config)
    else:
        raise TypeError(f"optim_config must be a dict of hyper-parameters, got "
                        f"{type(optim_config).__name__}")
    for key, value in config.items():
        if isinstance(value, np.ndarray):
            raise ValueError(f"optim_config[{key!r}] is an array: give hyper-parameters only; "
                             "fit makes one state per parameter")
    if "learning_rate" in config:
        if lr is not None and lr != config["learning_rate"]:
            raise ValueError(f"lr={lr} and optim_config['learning_rate']="
                             f"{config['learning_rate']} disagree: give one of them")
        lr = config["learning_rate"]
    lr = 0.1 if lr is None else lr
    if momentum is not None and "momentum" in config and config["momentum"] != momentum:
        raise ValueError("momentum= and optim_config['momentum'] disagree: give one of them")
    if momentum is not None and name in ("momentum", "nesterov", "ema_momentum"):
        config["momentum"] = momentum  # the older keyword; other rules ignore it, as before
    elif name == "momentum":
        config.setdefault("momentum", 0.9)  # the older default of fit
    return rule, name, config, lr


def fit(
    model,
    X_train,
    y_train,
    X_val=None,
    y_val=None,
    *,
    epochs: int,
    batch_size: int = 128,
    update_rule: str | Callable | None = None,
    optim_config: dict | None = None,
    lr: float | None = None,
    reg: float = 0.0,
    rng: np.random.Generator,
    schedule: str | Callable[[float], float] = "constant",
    warmup: int = 0,
    callbacks: Sequence[Callable] = (),
    augment: Callable | None = None,
    eval_every: int | None = None,
    train_eval_size: int = 5000,
    eval_batch_size: int = 4096,
    desc: str = "training",
    optimizer: str | None = None,
    momentum: float | None = None,
) -> History:
    """Train ``model`` in place by mini-batch gradient descent; return its :class:`History`.

    X_train: (N, D) float, y_train: (N,) int; X_val, y_val: the same for validation (or both
    None: ``val_loss``/``val_acc`` are then NaN). Each epoch visits the training data in a
    fresh order drawn from ``rng`` (a ``np.random.Generator``), in batches of ``batch_size``
    (the last one smaller when N is not a multiple).

    - ``update_rule``: a name in ``helpers.optim.RULES`` (``"sgd"``, the default,
      ``"momentum"``, ``"nesterov"``, ``"rmsprop"``, ``"adam"``, ...) or a function
      ``rule(w, dw, config) -> (w, config)``. ``optim_config``: a dict of its
      hyper-parameters (``learning_rate``, ``momentum``, ``beta1``, ...); fit copies it once
      per parameter array, and the rule keeps its state there (``history.optim_configs``).
    - ``lr``: the (initial) learning rate, the same as ``optim_config["learning_rate"]``
      (give either; default 0.1). Each step, fit sets the config's ``learning_rate`` from
      the schedule: ``"constant"``, ``"cosine"`` (to 0 along half a cosine), ``"linear"``
      (to 0), ``"step"`` (divided by 10 at 50% and at 75% of the steps), or a function of
      the progress t in [0, 1) giving the factor applied to ``lr``. ``warmup``: during the
      first ``warmup`` steps the rate is further multiplied by ``(step + 1) / warmup``.
    - ``optimizer``, ``momentum``: the older keywords, still accepted: ``optimizer="momentum",
      momentum=0.9`` is ``update_rule="momentum", optim_config={"momentum": 0.9}``.
    - ``reg``: L2 strength on the weights (see the model's ``loss``).
    - ``eval_every``: evaluate every so many steps (default: at the end of every epoch); the
      end of training is always evaluated. ``train_acc`` uses a fixed random subset of
      ``train_eval_size`` training examples, so evaluations stay cheap.
    - ``callbacks``: functions called as ``cb(model, history)`` after every evaluation
      (their time is not counted as training time); one that returns True stops training
      there (early stopping). ``history.stopped`` tells whether that happened.
    - ``augment``: a function ``augment(Xb, rng) -> Xb_new`` applied to every training
      mini-batch before its loss (data augmentation, e.g.
      ``lambda Xb, rng: random_shift(Xb, 2, rng=rng)`` from :mod:`helpers.augment`): each
      epoch sees a fresh random version of every image, drawn from ``rng``. It must return
      an array of the batch's shape; the batch it gets is a copy, so it may work in place.
      Evaluations (``train_acc``, validation) see the original images.

    Training data are converted once to the model's dtype. Shows a progress bar (off when
    ``COURSE_PROGRESS=0``). Raises FloatingPointError when training diverges (weights or loss
    become NaN or inf: the learning rate is too high).
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a np.random.Generator, e.g. np.random.default_rng(0)")
    watch = check_fit(X_train, X_val, epochs=epochs, batch_size=batch_size, lr=lr, reg=reg,
                      rng=rng, num_classes=getattr(model, "C", NUM_CLASSES))  # helpers.sanity
    if int(epochs) != epochs or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    rule, _, base_config, lr = _rule_and_config(update_rule, optim_config, optimizer, momentum, lr)
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive number, got {lr}")
    if not np.isfinite(reg) or reg < 0:
        raise ValueError(f"reg must be a finite number >= 0, got {reg}")
    if eval_every is not None and (int(eval_every) != eval_every or eval_every < 1):
        raise ValueError(f"eval_every must be a positive step count or None, got {eval_every!r}")
    if int(warmup) != warmup or warmup < 0:
        raise ValueError(f"warmup must be a number of steps >= 0, got {warmup!r}")
    if callable(callbacks):
        callbacks = [callbacks]
    callbacks = list(callbacks)
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"callbacks must be functions cb(model, history), got {cb!r}")
    if augment is not None and not callable(augment):
        raise TypeError(f"augment must be a function augment(Xb, rng) -> Xb, got {augment!r}")
    if (X_val is None) != (y_val is None):
        raise ValueError("give both X_val and y_val, or neither")
    lr_at = _schedule(schedule, lr)
    warmup = int(warmup)

    check = getattr(model, "_check_X", lambda X: np.asarray(X))
    num_classes = getattr(model, "C", NUM_CLASSES)
    X = check(X_train)
    y = check_labels(y_train, n=len(X), num_classes=num_classes)
    if X_val is not None:
        X_val = check(X_val)
        y_val = check_labels(y_val, n=len(X_val), num_classes=num_classes)
    n = len(X)
    batch_size = int(batch_size)
    steps_per_epoch = math.ceil(n / batch_size)
    total = int(epochs) * steps_per_epoch
    eval_every = int(eval_every) if eval_every else steps_per_epoch

    sub = np.sort(rng.choice(n, size=min(train_eval_size, n), replace=False))
    X_sub, y_sub = X[sub], y[sub]
    # each batch is gathered into these buffers (no new array per step; mode="clip":
    # np.take buffers its output in the default mode, and the indices are in range)
    X_buf = np.empty((min(batch_size, n), *X.shape[1:]), X.dtype)
    y_buf = np.empty(len(X_buf), y.dtype)

    configs = {k: {**base_config, "learning_rate": lr} for k in model.params}
    if hasattr(model, "_loss"):
        # a model that keeps its gradients (Sequential: the layers' own arrays) fills them
        # in place; the others write into arrays of the parameters' shapes
        own = getattr(model, "grads", None)
        if isinstance(own, dict) and own.keys() == model.params.keys():
            grads = dict(own)
        else:
            grads = {k: np.empty_like(v) for k, v in model.params.items()}
        step_loss = lambda Xb, yb: model._loss(Xb, yb, reg, grads)  # noqa: E731
    else:
        grads = None
        step_loss = None

    history = History()
    history.optim_configs = configs
    history.stopped = False
    losses: list[float] = []
    train_time = 0.0
    order = None
    tick = time.perf_counter()
    for step in progress(range(total), total=total, desc=desc):
        i = step % steps_per_epoch
        if i == 0:
            order = rng.permutation(n)
        idx = order[i * batch_size : (i + 1) * batch_size]
        Xb = np.take(X, idx, axis=0, out=X_buf[: len(idx)], mode="clip")  # X[idx]
        yb = np.take(y, idx, out=y_buf[: len(idx)], mode="clip")
        if augment is not None:
            Xb = _augmented(augment, Xb, rng)
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is checked below
            if step_loss is not None:
                loss = step_loss(Xb, yb)
            else:
                loss, grads = model.loss(Xb, yb, reg)
        if not math.isfinite(loss):
            raise FloatingPointError(f"loss became {loss} at step {step}: lower the learning rate")
        losses.append(loss)
        watch(step, loss, grads)  # NaN/inf gradients by name; warns if the loss rises
        rate = lr_at(step / total)
        if step < warmup:
            rate *= (step + 1) / warmup
        for k, w in model.params.items():
            configs[k]["learning_rate"] = rate
            rule(w, grads[k], configs[k])

        done = step + 1
        if done % eval_every == 0 or done == total:
            train_time += time.perf_counter() - tick
            t0 = time.perf_counter()
            _, train_acc = evaluate(model, X_sub, y_sub, eval_batch_size)
            if X_val is not None:
                val_loss, val_acc = evaluate(model, X_val, y_val, eval_batch_size)
            else:
                val_loss = val_acc = float("nan")
            history.append(
                step=done,
                epoch=done / steps_per_epoch,
                lr=rate,
                train_loss=float(np.mean(losses)),
                train_acc=train_acc,
                val_loss=val_loss,
                val_acc=val_acc,
                time=train_time,
            )
            losses = []
            stop = any([cb(model, history) is True for cb in callbacks])
            history.eval_time += time.perf_counter() - t0
            if stop:
                history.stopped = True
                break
            tick = time.perf_counter()
    return history


def _augmented(augment: Callable, Xb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``augment(Xb, rng)`` checked: an array of Xb's shape, in Xb's dtype, contiguous."""
    out = augment(Xb, rng)
    if not isinstance(out, np.ndarray) or out.shape != Xb.shape:
        what = f"shape {out.shape}" if isinstance(out, np.ndarray) else type(out).__name__
        raise ValueError(f"augment must return an array of the batch's shape {Xb.shape}, "
                         f"got {what}")
    return np.ascontiguousarray(out, dtype=Xb.dtype)


class EarlyStopping:
    """A ``fit`` callback that stops when ``history[key]`` has not improved for a while.

    ``EarlyStopping(patience=3, key="val_acc", mode="max", restore=True)``: after every
    evaluation, if the best value of ``key`` was reached ``patience`` or more evaluations
    ago, return True (stop). With ``restore``, the parameters of the best evaluation are
    copied back into the model when it stops, and when training ends (call it once more
    via ``finish(model)``). ``best``, ``best_index``: the best value and where it was.
    """

    def __init__(self, patience: int = 3, key: str = "val_acc", mode: str = "max",
                 min_delta: float = 0.0, restore: bool = True):
        if int(patience) != patience or patience < 1:
            raise ValueError(f"patience must be a positive integer, got {patience!r}")
        if key not in History.KEYS:
            raise ValueError(f"key must be one of {History.KEYS}, got {key!r}")
        if mode not in ("max", "min"):
            raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")
        self.patience, self.key, self.mode = int(patience), key, mode
        self.min_delta, self.restore = float(min_delta), bool(restore)
        self.best, self.best_index, self._best_params = None, None, None

    def __call__(self, model, history) -> bool:
        value = history[self.key][-1]
        if math.isnan(value):
            raise ValueError(f"EarlyStopping watches {self.key!r}, which is NaN: "
                             "pass validation data to fit")
        sign = 1.0 if self.mode == "max" else -1.0
        if self.best is None or sign * (value - self.best) > self.min_delta:
            self.best, self.best_index = value, len(history[self.key]) - 1
            if self.restore:
                self._best_params = {k: v.copy() for k, v in model.params.items()}
            return False
        if len(history[self.key]) - 1 - self.best_index >= self.patience:
            self.finish(model)
            return True
        return False

    def finish(self, model) -> None:
        """Copy the best parameters seen back into ``model`` (when ``restore``)."""
        if self.restore and self._best_params is not None:
            for k, v in self._best_params.items():
                model.params[k][...] = v
