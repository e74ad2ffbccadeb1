"""Update rules for gradient descent, one parameter array at a time (cs231n's optim.py style).

Every rule has the signature ``rule(w, dw, config) -> (w, config)``:

- ``w``: a float parameter array, **updated in place** (and returned for convenience);
- ``dw``: dL/dw, same shape;
- ``config``: a dict of hyper-parameters (``learning_rate``, ...) that also carries the
  rule's state between calls (``velocity`` for momentum). Missing entries get defaults; pass
  ``None`` for all defaults. Keep one config per parameter array.

Typical loop::

    configs = {name: {"learning_rate": 0.1} for name in params}
    for name, w in params.items():
        sgd(w, grads[name], configs[name])
"""

from __future__ import annotations

import numpy as np


def _check(w, dw, config) -> dict:
    if not isinstance(w, np.ndarray) or not np.issubdtype(w.dtype, np.floating):
        raise TypeError("w must be a float numpy array (it is updated in place)")
    dw = np.asarray(dw)
    if dw.shape != w.shape:
        raise ValueError(f"dw must have the shape of w {w.shape}, got {dw.shape}")
    config = {} if config is None else config
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict or None, got {type(config).__name__}")
    config.setdefault("learning_rate", 1e-2)
    lr = config["learning_rate"]
    if not np.isfinite(lr) or lr < 0:
        raise ValueError(f"learning_rate must be a finite number >= 0, got {lr}")
    return config


def sgd(w, dw, config=None):
    """Plain stochastic gradient descent: ``w -= learning_rate * dw``.

    w: float array (any shape), changed in place; dw: same shape.
    config: ``learning_rate`` (default 1e-2). Returns ``(w, config)``.
    """
    config = _check(w, dw, config)
    w -= config["learning_rate"] * dw
    return w, config


def momentum(w, dw, config=None):
    """SGD with (heavy-ball) momentum, as in cs231n.

    ``v = mu * v - learning_rate * dw``, then ``w += v``. The velocity ``v`` starts at zero
    and is kept in ``config["velocity"]`` (same shape as w). The step becomes a moving sum
    of past gradients, about ``1 / (1 - mu)`` times longer along directions where the
    gradients agree.

    w: float array, changed in place; dw: same shape.
    config: ``learning_rate`` (default 1e-2), ``momentum`` mu in [0, 1) (default 0.9),
    ``velocity``. Returns ``(w, config)``.
    """
    config = _check(w, dw, config)
    mu = config.setdefault("momentum", 0.9)
    if not 0 <= mu < 1:
        raise ValueError(f"momentum must lie in [0, 1), got {mu}")
    v = config.get("velocity")
    if v is None:
        v = config["velocity"] = np.zeros_like(w)
    elif v.shape != w.shape:
        raise ValueError(f"config['velocity'] has shape {v.shape}, w has {w.shape}")
    v *= mu
    v -= config["learning_rate"] * dw
    w += v
    return w, config


RULES = {"sgd": sgd, "momentum": momentum}
