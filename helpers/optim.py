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

import math

import numpy as np

from helpers.sanity import check_real, check_writeable


def _check(w, dw, config) -> dict:
    # called for every parameter at every step: the common case (float arrays, a float
    # learning rate) takes the cheap tests; the others get the same messages
    if not isinstance(w, np.ndarray) or w.dtype.kind != "f":
        raise TypeError("w must be a float numpy array (it is updated in place)")
    if not w.flags.writeable:
        check_writeable({"w": w})  # helpers.sanity: a read-only w is named, with the fix
    if dw.__class__ is not np.ndarray:
        dw = np.asarray(dw)
    if dw.shape != w.shape:
        raise ValueError(f"dw must have the shape of w {w.shape}, got {dw.shape}")
    config = {} if config is None else config
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict or None, got {type(config).__name__}")
    lr = config.setdefault("learning_rate", 1e-2)
    if lr.__class__ is not float:
        lr = check_real(lr, "learning_rate")  # not a str, None, ...
    if not (0 <= lr < math.inf):
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
    state ``velocity`` and ``scratch`` (w's shape). Returns ``(w, config)``.
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
    lr = config["learning_rate"]
    if isinstance(dw, np.ndarray) and dw.dtype == w.dtype and type(lr) in (float, int):
        # lr * dw into a scratch array kept in the config (no temporary of w's size per
        # step); the same products as ``v -= lr * dw``, bit for bit (a NumPy scalar lr
        # may compute in float64: it keeps the expression below)
        tmp = _buffer(config, "scratch", w)
        np.multiply(dw, lr, out=tmp)
        v -= tmp
    else:
        v -= lr * dw
    w += v
    return w, config


def scalar_rmsprop(w, dw, config=None):
    """The source tutorials T1/T5's "RMSprop": one scalar step size for the whole array.

    Hinton's RMSprop keeps a running mean of the squared gradient *per parameter*. T1/T5
    keep a single number per tensor, the running mean of the gradient's squared norm::

        g <- decay_rate * g + (1 - decay_rate) * sum(dw ** 2)
        w <- w - learning_rate / sqrt(g + epsilon) * dw

    (``epsilon`` inside the square root, as they write it), so every entry of ``w`` takes the
    same step size and the direction is plain gradient descent's. The accumulator ``g``
    (``config["cache"]``, a float) starts at 1.0 and is **reset to 1.0 every
    ``reset_every`` steps**.

    Where the reset happens: ``config["t"]`` counts the calls (the updates done). The reset
    comes at the end of the call that makes update ``t = 1, 1 + reset_every,
    1 + 2 reset_every, ...`` (1, 501, 1001, ... by default), after ``w`` has moved. That is
    where T1's logging block sits: it runs in the loop iteration ``i = t - 1`` with
    ``i % 500 == 0``, after that iteration's update (it reports the network "after i + 1
    iterations": after 1, 501, 1001 and 1501 of them), and sets the accumulators back to 1
    there. So update 2 uses ``g = 1`` again, and so do updates 502, 1002, ...; each reset
    makes the step size jump back up to about ``learning_rate / sqrt(1 + epsilon)``, four
    times in 2,000 iterations.

    w: float array, changed in place; dw: same shape.
    config: ``learning_rate`` (default 0.5), ``decay_rate`` in [0, 1) (0.99), ``epsilon``
    (> 0, 1e-3), ``cache`` (float >= 0, 1.0), ``reset_every`` (a positive integer, 500, or
    None for no resets), ``t`` (updates done so far, 0). Returns ``(w, config)``.
    """
    if config is None:
        config = {}
    if isinstance(config, dict):
        config.setdefault("learning_rate", 0.5)
    config = _check(w, dw, config)
    decay = config.setdefault("decay_rate", 0.99)
    eps = config.setdefault("epsilon", 1e-3)
    cache = config.setdefault("cache", 1.0)
    every = config.setdefault("reset_every", 500)
    t = config.setdefault("t", 0)
    if not 0 <= decay < 1:
        raise ValueError(f"decay_rate must lie in [0, 1), got {decay}")
    if not np.isfinite(eps) or eps <= 0:
        raise ValueError(f"epsilon must be a finite number > 0, got {eps}")
    if np.ndim(cache) != 0 or not np.isfinite(cache) or cache < 0:
        raise ValueError(
            f"config['cache'] must be one finite float >= 0 (one accumulator per tensor), "
            f"got {cache!r}"
        )
    if every is not None and (isinstance(every, bool) or int(every) != every or every < 1):
        raise ValueError(f"reset_every must be a positive integer or None, got {every!r}")
    if isinstance(t, bool) or int(t) != t or t < 0:
        raise ValueError(f"config['t'] must be an integer >= 0 (updates done), got {t!r}")
    dw = np.asarray(dw)
    flat = dw.reshape(-1)
    cache = decay * float(cache) + (1 - decay) * float(np.dot(flat, flat))
    w -= (config["learning_rate"] / float(np.sqrt(cache + eps))) * dw
    t = int(t) + 1
    config["t"] = t
    config["cache"] = 1.0 if every is not None and (t - 1) % int(every) == 0 else cache
    return w, config


RULES = {"sgd": sgd, "momentum": momentum, "scalar_rmsprop": scalar_rmsprop}


# ------------------------------------------------------------------------------------------
# Topic 05: Nesterov, the EMA form of momentum, per-parameter RMSprop, Adam and AdamW.
#
# These rules update in place without temporaries: every intermediate goes into a scratch
# array of w's shape kept in ``config["scratch"]`` (allocated on the first call, like the
# state buffers), through NumPy's ``out=`` arguments. After the first call an update
# allocates nothing of w's size (tests/test_optim_rules.py counts with tracemalloc).


def _hyper(config: dict, key: str, default: float, low: float, high: float) -> float:
    """``config[key]`` (set to ``default`` when missing), checked to lie in [low, high)."""
    value = config.setdefault(key, default)
    number = isinstance(value, int | float | np.floating | np.integer) and not isinstance(
        value, bool)
    if not (number and np.isfinite(value) and low <= value < high):
        raise ValueError(f"{key} must be a number in [{low}, {high}), got {value!r}")
    return float(value)


def _default_rate(config, rate: float):
    """``config`` (a new dict for None) with ``learning_rate`` defaulting to ``rate``."""
    config = {} if config is None else config
    if isinstance(config, dict):
        config.setdefault("learning_rate", rate)
    return config


def _buffer(config: dict, key: str, w: np.ndarray) -> np.ndarray:
    """The state array ``config[key]`` of w's shape and dtype, created as zeros if missing."""
    buf = config.get(key)
    if buf is None:
        buf = config[key] = np.zeros_like(w)
    elif not isinstance(buf, np.ndarray) or buf.shape != w.shape:
        shape = getattr(buf, "shape", type(buf).__name__)
        raise ValueError(f"config[{key!r}] has shape {shape}, w has {w.shape}: "
                         "keep one config per parameter array")
    return buf


def nesterov(w, dw, config=None):
    """SGD with Nesterov momentum (the "look-ahead" form used by PyTorch and cs231n).

    ``v = mu * v - learning_rate * dw``, then ``w += mu * v - learning_rate * dw``: w takes
    the gradient step plus ``mu`` times the updated velocity, i.e. the gradient is applied
    as if evaluated where momentum is about to carry w (Sutskever et al.'s reformulation
    of Nesterov's look-ahead). With a constant learning rate this is
    ``torch.optim.SGD(momentum=mu, nesterov=True)``.

    w: float array, changed in place; dw: same shape.
    config: ``learning_rate`` (default 1e-2), ``momentum`` mu in [0, 1) (default 0.9),
    state ``velocity`` and ``scratch`` (w's shape). Returns ``(w, config)``.
    """
    config = _check(w, dw, config)
    mu = _hyper(config, "momentum", 0.9, 0.0, 1.0)
    lr = config["learning_rate"]
    v, tmp = _buffer(config, "velocity", w), _buffer(config, "scratch", w)
    np.multiply(dw, lr, out=tmp)  # lr * g
    v *= mu
    v -= tmp  # v = mu v - lr g
    w -= tmp
    np.multiply(v, mu, out=tmp)
    w += tmp  # w += mu v - lr g
    return w, config


def ema_momentum(w, dw, config=None):
    """Momentum as an exponential moving average of gradients (tutorial T4's form).

    ``v = beta * v + (1 - beta) * dw``, then ``w -= learning_rate * v``. With a constant
    learning rate this is cs231n's ``momentum`` with ``mu = beta`` and the learning rate
    multiplied by ``(1 - beta)`` (the velocities differ by the factor ``-learning_rate``);
    under a schedule they differ, because here the current rate scales the whole average.

    w: float array, changed in place; dw: same shape.
    config: ``learning_rate`` (default 1e-2), ``momentum`` beta in [0, 1) (default 0.9),
    state ``velocity`` (the average of gradients, starting at 0) and ``scratch``.
    Returns ``(w, config)``.
    """
    config = _check(w, dw, config)
    beta = _hyper(config, "momentum", 0.9, 0.0, 1.0)
    v, tmp = _buffer(config, "velocity", w), _buffer(config, "scratch", w)
    v *= beta
    np.multiply(dw, 1.0 - beta, out=tmp)
    v += tmp
    np.multiply(v, config["learning_rate"], out=tmp)
    w -= tmp
    return w, config


def rmsprop(w, dw, config=None):
    """RMSprop as Hinton defined it: one running mean of squared gradients per parameter.

    ``cache = decay_rate * cache + (1 - decay_rate) * dw**2`` (elementwise), then
    ``w -= learning_rate * dw / (sqrt(cache) + epsilon)``: each parameter's step is its
    gradient divided by that parameter's own root-mean-square gradient. epsilon sits
    outside the square root, as in ``torch.optim.RMSprop``. (The tutorials' "RMSprop", one
    scalar per tensor, is ``scalar_rmsprop``.)

    w: float array, changed in place; dw: same shape.
    config: ``learning_rate`` (default 1e-2), ``decay_rate`` in [0, 1) (default 0.99),
    ``epsilon`` > 0 (default 1e-8), state ``cache`` (zeros at first) and ``scratch``.
    Returns ``(w, config)``.
    """
    config = _check(w, dw, config)
    rho = _hyper(config, "decay_rate", 0.99, 0.0, 1.0)
    eps = _hyper(config, "epsilon", 1e-8, 0.0, np.inf)
    cache, tmp = _buffer(config, "cache", w), _buffer(config, "scratch", w)
    cache *= rho
    np.multiply(dw, dw, out=tmp)
    tmp *= 1.0 - rho
    cache += tmp
    np.sqrt(cache, out=tmp)
    tmp += eps
    np.divide(dw, tmp, out=tmp)
    tmp *= config["learning_rate"]
    w -= tmp
    return w, config


def _adam_step(w, dw, config) -> None:
    """The Adam update of ``w`` in place (config already checked)."""
    b1 = _hyper(config, "beta1", 0.9, 0.0, 1.0)
    b2 = _hyper(config, "beta2", 0.999, 0.0, 1.0)
    eps = _hyper(config, "epsilon", 1e-8, 0.0, np.inf)
    t = config.setdefault("t", 0)
    if int(t) != t or t < 0:
        raise ValueError(f"config['t'] counts the steps taken, a whole number >= 0, got {t!r}")
    t = config["t"] = int(t) + 1
    m, v = _buffer(config, "m", w), _buffer(config, "v", w)
    tmp = _buffer(config, "scratch", w)
    m *= b1
    np.multiply(dw, 1.0 - b1, out=tmp)
    m += tmp  # m = b1 m + (1 - b1) g
    v *= b2
    np.multiply(dw, dw, out=tmp)
    tmp *= 1.0 - b2
    v += tmp  # v = b2 v + (1 - b2) g^2
    correction1 = 1.0 - b1**t  # m / correction1 and v / correction2 are unbiased
    correction2 = 1.0 - b2**t
    np.sqrt(v, out=tmp)
    tmp /= math.sqrt(correction2)
    tmp += eps  # sqrt(v_hat) + eps
    np.divide(m, tmp, out=tmp)
    tmp *= config["learning_rate"] / correction1  # lr * m_hat / (sqrt(v_hat) + eps)
    w -= tmp


def adam(w, dw, config=None):
    """Adam (Kingma and Ba, 2015), with bias correction.

    With t counting the steps from 1::

        m = beta1 * m + (1 - beta1) * dw            v = beta2 * v + (1 - beta2) * dw**2
        m_hat = m / (1 - beta1**t)                  v_hat = v / (1 - beta2**t)
        w -= learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    Without the corrections the first steps would be too small by the factors
    ``1 - beta**t``, because m and v start at 0. Matches ``torch.optim.Adam``.

    w: float array, changed in place; dw: same shape.
    config: ``learning_rate`` (default 1e-3), ``beta1`` (0.9), ``beta2`` (0.999), both in
    [0, 1), ``epsilon`` (1e-8); state ``m``, ``v``, ``t`` and ``scratch``. Returns ``(w, config)``.
    """
    config = _check(w, dw, _default_rate(config, 1e-3))
    _adam_step(w, dw, config)
    return w, config


def adamw(w, dw, config=None):
    """AdamW (Loshchilov and Hutter, 2019): Adam with decoupled weight decay.

    First ``w *= 1 - learning_rate * weight_decay``, then the Adam step of ``adam`` on the
    gradient dw of the loss alone. Unlike an L2 term added to dw, the decay is not divided
    by sqrt(v_hat), so every weight shrinks at the same relative rate. Matches
    ``torch.optim.AdamW``. Pass the loss gradient without L2 (``reg=0`` in ``fit``) and do
    not use it on biases unless you mean to decay them.

    config: as for ``adam`` (default learning_rate 1e-3), plus ``weight_decay`` >= 0
    (default 1e-2). Returns ``(w, config)``.
    """
    config = _check(w, dw, _default_rate(config, 1e-3))
    wd = _hyper(config, "weight_decay", 1e-2, 0.0, np.inf)
    w *= 1.0 - config["learning_rate"] * wd
    _adam_step(w, dw, config)
    return w, config


RULES.update(nesterov=nesterov, ema_momentum=ema_momentum, rmsprop=rmsprop, adam=adam,
             adamw=adamw)
