"""Benchmark of topic 02's training: the tutorial recipe, the course recipe, BLAS, PyTorch.

    make bench            (or: python tools/bench.py [--quick] [--threads N])

A script, not a test: it prints measurements, it asserts nothing. In one run on the real
MNIST data (60,000 training / 10,000 test images) it measures

1. the source tutorials' recipe: 784-256-10, weights 0.1 * N(0, 1), full-batch gradient
   descent on all 60,000 images in float64 (NumPy's default dtype, which the tutorials
   keep): seconds per iteration and test accuracy after a fixed number of iterations;
2. the course recipe (helpers.train.fit): float32 mini-batches, He initialisation, momentum,
   cosine decay: training seconds per epoch, samples/s, and the training time to reach
   97.5% and 98.0% test accuracy (test accuracy evaluated after every epoch; evaluation
   time is excluded from the training time);
3. the float32 GEMM throughput of NumPy's BLAS on the exact shapes of a training step, and
   the share of that bound an epoch achieves (GEMM-only time for the epoch's products
   divided by the epoch's time);
4. when PyTorch is importable, the same network trained the same way on the CPU (same
   initial weights, batch size, learning rate and momentum; as many threads as NumPy's
   BLAS), timed epoch by epoch interleaved with NumPy epochs in this process, since
   timings on shared machines drift; the ratio is the median of the per-round ratios.

5. the same interleaved NumPy / GEMM-only / PyTorch rounds for two more trainings: the
   topic-02 network with Adam, and a Sequential with three hidden layers of 256 (topic 04);
6. a scaling table: time per epoch and the share of the GEMM-only bound for hidden sizes 64
   to 1024, batch sizes 32 to 1024 and depths 1 to 4, with one and with two BLAS threads
   (each a part-epoch of a fixed number of steps, extrapolated to 60,000 images, the GEMMs
   alone timed on the same shapes right after it);
7. one 784-256-10 epoch taken apart (batch gather, forward and backward pass with its GEMMs
   alone, gradient check, update), with one and with two BLAS threads; and the update rules
   of helpers.optim: time per step for the 784-256-10 network's parameters,
   and that time over an epoch as a share of the epoch;
8. the peak resident memory of every notebook, as measured by the last `make test`
   (build/notebook_memory.json, written by tests/notebook_memory.py);
9. a summary of the course's performance targets, each with its figure from this run.

Ratios are what this script is for: every NumPy/PyTorch and NumPy/GEMM ratio is taken within
one round, the phases interleaved, so that a machine whose speed drifts (other jobs, clock
changes) affects both sides alike. Keep in mind that on a machine shared with other jobs every
absolute time here is inflated, and multi-threaded BLAS suffers most (threads wait for each
other). ``--quick`` runs a reduced version of every part (under a minute on 2 idle cores).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers import data, train  # noqa: E402
from helpers.model import TwoLayerNet, mlp  # noqa: E402
from helpers.optim import RULES, sgd  # noqa: E402
from helpers.train import evaluate, fit  # noqa: E402

# The tutorial recipe: their architecture and initialisation, full-batch gradient descent.
TUTORIAL_LR = 0.1  # plain gradient descent step on the mean loss (set to the seed tutorial's)
TUTORIAL_ITERS = 20  # the tutorials run 2000; the time per iteration tells what that costs

# The course recipe (the capstone-style run): He init, momentum, cosine decay to 0.
RECIPE = dict(epochs=6, batch_size=256, lr=0.3, optimizer="momentum", momentum=0.9,
              schedule="cosine")
# The fast recipe, helpers.train.FAST_RECIPE (05-optimisers/2-implementation shows each of
# its ingredients on the validation split): Nesterov momentum 0.9, batch 256, a peak rate of
# 0.5 after a linear warm-up over 70 steps, cosine decay to 0, label smoothing 0.05
# (TwoLayerNet's label_smoothing; not a keyword of fit).
FAST_RECIPE = dict(epochs=4, **train.FAST_RECIPE, label_smoothing=train.FAST_LABEL_SMOOTHING)
LONG_RECIPE = {**FAST_RECIPE, "epochs": 10}
SEED = 0
ROUNDS = 5  # interleaved rounds for the ratios (NumPy epoch, GEMM-only epoch, PyTorch epoch)
PAUSE = 0.3  # seconds between phases: idle BLAS/OpenMP threads spin for a while before sleeping


# --------------------------------------------------------------------------------------
# What BLAS we run on
# --------------------------------------------------------------------------------------


def blas_info() -> dict:
    """BLAS library and version, thread count, threading layer and CPU kernel (threadpoolctl).

    threadpoolctl reads these from whatever BLAS NumPy loaded (OpenBLAS, MKL, BLIS, ...), at
    run time, so a limit set with ``threadpool_limits`` shows here.
    """
    blas = [m for m in threadpool_info() if m.get("user_api") == "blas"]
    if not blas:  # threadpoolctl sees no BLAS: say what NumPy was built with
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return {"name": f"{cfg.get('name', '?')} {cfg.get('version', '')}".strip(),
                "threads": 1, "layer": "?", "core": "?",
                "coretype_env": os.environ.get("OPENBLAS_CORETYPE", "(unset)")}
    lib = blas[0]
    return {
        "name": f"{lib.get('internal_api', '?')} {lib.get('version') or ''}".strip(),
        "threads": int(lib.get("num_threads") or 1),
        "layer": lib.get("threading_layer") or "?",
        "core": lib.get("architecture") or "?",
        "coretype_env": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
    }


def bars_enabled() -> bool:
    """Progress bars in a terminal only: never under CI, in tests or with COURSE_PROGRESS=0."""
    off = os.environ.get("COURSE_PROGRESS", "1").strip().lower() in {"0", "off", "false", "no"}
    return sys.stderr.isatty() and not os.environ.get("CI") and not off


def bar(iterable, total: int, desc: str):
    """A tqdm bar over ``iterable`` when bars are enabled (it disappears when done)."""
    return tqdm(iterable, total=total, desc=desc, leave=False, disable=not bars_enabled())


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


# --------------------------------------------------------------------------------------
# The pieces
# --------------------------------------------------------------------------------------


def tutorial_recipe(X64, y, X_test64, y_test, iters: int) -> None:
    net = TwoLayerNet(init="tutorial", dtype=np.float64, rng=np.random.default_rng(SEED))
    grads = net.zero_grads()
    config = {"learning_rate": TUTORIAL_LR}
    times = []
    for _ in bar(range(iters), iters, "tutorial recipe"):
        t0 = time.perf_counter()
        loss, _ = net.loss(X64, y, grads=grads)
        for k, w in net.params.items():
            sgd(w, grads[k], config)
        times.append(time.perf_counter() - t0)
    _, acc = evaluate(net, X_test64, y_test)
    per_iter = statistics.median(times)
    print(f"  {iters} iterations, median {per_iter:.3f} s per iteration "
          f"({2 * 2 * len(X64) * 784 * 256 / per_iter / 1e9:.1f} GFLOP/s in the two big GEMMs)")
    print(f"  after {iters} iterations: training loss {loss:.4f}, test accuracy {acc * 100:.2f}%")
    print(f"  the tutorials' 2000 iterations would take about {2000 * per_iter / 60:.1f} min")


def course_recipe(X, y, X_test, y_test, recipe: dict, targets=(0.975, 0.980)) -> dict:
    """Train 784-256-10 with ``recipe`` (fit's keywords, and the model's label_smoothing),
    test accuracy after every epoch."""
    recipe = dict(recipe)
    net = TwoLayerNet(init="he", rng=np.random.default_rng(SEED),
                      label_smoothing=recipe.pop("label_smoothing", 0.0))
    h = fit(net, X, y, X_test, y_test, rng=np.random.default_rng(SEED + 1),
            train_eval_size=1000, desc="course recipe", **recipe)
    epoch_times = np.diff([0.0, *h["time"]])
    per_epoch = float(np.median(epoch_times))
    print("  epoch  train s  test acc")
    for e, t, a in zip(h["epoch"], np.cumsum(epoch_times), h["val_acc"], strict=True):
        print(f"  {e:5.0f}  {t:7.2f}  {a * 100:6.2f}%")
    print(f"  median {per_epoch:.3f} s per epoch, {len(X) / per_epoch:,.0f} samples/s "
          f"(evaluation excluded: {h.eval_time:.2f} s spent evaluating)")
    reached = {}
    for target in targets:
        i = h.first_reaching("val_acc", target)
        when = "not reached"
        if i is not None:
            reached[target] = int(round(h["epoch"][i]))
            when = f"{h['time'][i]:.2f} s (epoch {h['epoch'][i]:.0f})"
        print(f"  training time to {target * 100:.1f}% test accuracy: {when}")
    return {"reached": reached, "final": h["val_acc"][-1], "per_epoch": per_epoch}


# --------------------------------------------------------------------------------------
# GEMM-only bound, any depth
# --------------------------------------------------------------------------------------


def step_gemms(B: int, sizes=(784, 256, 10)) -> dict[str, tuple[int, int, int]]:
    """The (m, k, n) shapes of the GEMMs of one training step with batch B.

    For each layer l: the forward ``A_{l-1} @ W_l``, the weight gradient ``A_{l-1}.T @ d_l``,
    and for l >= 2 the backpropagated ``d_l @ W_l.T`` (nothing is computed for the input).
    """
    out = {}
    for li, (k, n) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        out[f"A{li - 1} @ W{li}"] = (B, k, n)
        out[f"A{li - 1}.T @ d{li}"] = (k, B, n)
        if li >= 2:
            out[f"d{li} @ W{li}.T"] = (B, n, k)
    return out


def gemm_time(X, batch_size: int, sizes=(784, 256, 10), steps: int | None = None
              ) -> dict[str, float]:
    """Seconds each GEMM of a training step takes over ``steps`` batches (default: one epoch
    of X), float32, written with ``out=`` into preallocated arrays: the matrix products of
    the training alone, each GEMM in turn over all the batches."""
    rng = np.random.default_rng(1)
    n = len(X) if steps is None else min(len(X), steps * batch_size)
    starts = list(range(0, n, batch_size))
    sizes = list(sizes)
    Ws = [rng.standard_normal((k, m), dtype=np.float32)
          for k, m in zip(sizes[:-1], sizes[1:], strict=True)]
    dWs = [np.empty_like(W) for W in Ws]
    bufs = {}
    for b in {min(batch_size, n - s) for s in starts}:  # activations and deltas per layer
        bufs[b] = [rng.standard_normal((b, m), dtype=np.float32) for m in sizes[1:]]
    ops = {}
    for li in range(1, len(sizes)):
        W, dW = Ws[li - 1], dWs[li - 1]

        def a_prev(Xb, acts, li=li):
            return Xb if li == 1 else acts[li - 2]
        ops[f"A{li - 1} @ W{li}"] = lambda Xb, acts, W=W, li=li, a=a_prev: np.matmul(
            a(Xb, acts), W, out=acts[li - 1])
        # the deltas share the activations' shapes: reuse those arrays as d_l
        ops[f"A{li - 1}.T @ d{li}"] = lambda Xb, acts, dW=dW, li=li, a=a_prev: np.matmul(
            a(Xb, acts).T, acts[li - 1], out=dW)
        if li >= 2:
            ops[f"d{li} @ W{li}.T"] = lambda Xb, acts, W=W, li=li: np.matmul(
                acts[li - 1], W.T, out=acts[li - 2])
    out = {}
    for name in step_gemms(1, sizes):
        op = ops[name]
        t0 = time.perf_counter()
        for s in starts:
            b = min(batch_size, n - s)
            op(X[s : s + b], bufs[b])
        out[name] = time.perf_counter() - t0
    return out


def gemm_epoch(X, batch_size: int) -> dict[str, float]:
    """Seconds each GEMM of the 784-256-10 training step takes over one epoch's batches."""
    return gemm_time(X, batch_size)


def epoch_flops(n: int, sizes=(784, 256, 10)) -> float:
    return sum(2.0 * m * k * nn for m, k, nn in step_gemms(1, sizes).values()) * n


# --------------------------------------------------------------------------------------
# One epoch: NumPy (fit), the GEMMs alone, PyTorch
# --------------------------------------------------------------------------------------

#: The trainings compared with PyTorch, each interleaved with its GEMMs and its PyTorch twin.
#: sizes: the layer sizes (784-256-10 is TwoLayerNet, anything else helpers.model.mlp).
COMPARISONS = {
    "topic-02 recipe": dict(sizes=(784, 256, 10), rule="momentum", lr=0.3,
                            config={"momentum": 0.9}, target=0.75),
    "Adam": dict(sizes=(784, 256, 10), rule="adam", lr=1e-3, config={}, target=0.9),
    "3 hidden layers": dict(sizes=(784, 256, 256, 256, 10), rule="momentum", lr=0.1,
                            config={"momentum": 0.9}, target=0.9),
}


def numpy_model(sizes, seed: int = SEED):
    sizes = tuple(sizes)
    if len(sizes) == 3:
        return TwoLayerNet(*sizes, init="he", rng=np.random.default_rng(seed))
    return mlp(list(sizes), rng=np.random.default_rng(seed))


def torch_epoch_runner(torch, net_np, X, y, batch_size, rule, lr, config, threads):
    """A function running one PyTorch epoch (same init/batches/hyper-parameters), and a scorer.

    ``net_np``: the NumPy model whose initial weights (params W1, b1, W2, ...) are copied.
    rule: "momentum" (torch's SGD with momentum keeps v = mu v + g, w -= lr v: the same steps
    as cs231n's for a constant lr) or "adam" (the same defaults as helpers.optim.adam).
    """
    torch.set_num_threads(threads)
    nn = torch.nn
    depth = sum(1 for k in net_np.params if k.startswith("W"))
    layers = []
    for li in range(1, depth + 1):
        W = net_np.params[f"W{li}"]
        layers.append(nn.Linear(*W.shape))
        if li < depth:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    with torch.no_grad():  # nn.Linear stores W as (out, in): copy the transposes
        for li, lin in enumerate(model[::2], start=1):
            lin.weight.copy_(torch.from_numpy(net_np.params[f"W{li}"].T.copy()))
            lin.bias.copy_(torch.from_numpy(net_np.params[f"b{li}"]))
    if rule == "momentum":
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=config.get("momentum", 0.9))
    elif rule == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        raise ValueError(f"no PyTorch twin for the rule {rule!r}")
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    loss_fn = torch.nn.functional.cross_entropy

    def epoch(rng) -> float:
        order = torch.from_numpy(rng.permutation(len(X)))
        t0 = time.perf_counter()
        for start in range(0, len(X), batch_size):
            idx = order[start : start + batch_size]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        return time.perf_counter() - t0

    def accuracy(Xe, ye) -> float:
        with torch.no_grad():
            return float((model(torch.from_numpy(Xe)).argmax(1).numpy() == ye).mean())

    return epoch, accuracy


def import_torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def interleaved(X, y, X_test, y_test, threads: int, rounds: int, batch_size: int,
                pause: float = PAUSE) -> dict:
    """Rounds of, for every training of COMPARISONS in turn: one NumPy epoch (fit, constant
    lr), the same epoch's GEMMs alone, one PyTorch epoch. Returns the medians per training."""
    torch = import_torch()
    if torch is None:
        print("  PyTorch: not installed, comparison skipped "
              "(pip install torch==2.13.0 in a separate environment to include it)")
    else:
        torch.set_num_threads(threads)
        print(f"  PyTorch {torch.__version__}, torch.get_num_threads() = {torch.get_num_threads()}")
    runs = {}
    for name, c in COMPARISONS.items():
        net = numpy_model(c["sizes"])
        run = {"net": net, "rng": np.random.default_rng(SEED + 1), "rows": []}
        if torch is not None:
            run["torch"] = torch_epoch_runner(torch, net, X, y, batch_size, c["rule"], c["lr"],
                                              c["config"], threads)
            run["rng_t"] = np.random.default_rng(SEED + 1)
        runs[name] = run
    header = "  round  training          numpy s  GEMM-only s  share"
    print(header + ("  torch s  numpy/torch" if torch else ""))
    for r in bar(range(rounds), rounds, "interleaved rounds"):
        for name, c in COMPARISONS.items():
            run = runs[name]
            h = fit(run["net"], X, y, epochs=1, batch_size=batch_size, update_rule=c["rule"],
                    optim_config=c["config"], lr=c["lr"], rng=run["rng"], train_eval_size=100,
                    desc="numpy epoch")
            t_np = h["time"][-1]
            time.sleep(pause)
            gemm = gemm_time(X, batch_size, c["sizes"])
            t_gemm = sum(gemm.values())
            row = {"numpy": t_np, "gemm": t_gemm, "share": t_gemm / t_np, "gemms": gemm}
            line = f"  {r + 1:5d}  {name:16s}  {t_np:7.3f}  {t_gemm:11.3f}  {row['share']:5.0%}"
            if torch is not None:
                time.sleep(pause)
                row["torch"] = run["torch"][0](run["rng_t"])
                row["ratio"] = t_np / row["torch"]
                line += f"  {row['torch']:7.3f}  {row['ratio']:11.2f}"
            time.sleep(pause)
            tqdm.write(line)  # above the bar, when there is one
            run["rows"].append(row)

    results = {}
    for name, c in COMPARISONS.items():
        rows, sizes = runs[name]["rows"], c["sizes"]
        med = {k: statistics.median(r[k] for r in rows) for k in rows[0] if k != "gemms"}
        flops = epoch_flops(len(X), sizes)
        arch = "-".join(map(str, sizes))
        print(f"  {name} ({arch}, {c['rule']}, lr {c['lr']:g}, batch {batch_size}):")
        print(f"    NumPy epoch (median): {med['numpy']:.3f} s, "
              f"{len(X) / med['numpy']:,.0f} samples/s, {flops / med['numpy'] / 1e9:.1f} GFLOP/s")
        print(f"    GEMM-only time for the same FLOPs ({flops / 1e9:.1f} GFLOP/epoch, median): "
              f"{med['gemm']:.3f} s = {flops / med['gemm'] / 1e9:.1f} GFLOP/s")
        if name == "topic-02 recipe":
            for g in rows[0]["gemms"]:
                t = statistics.median(r["gemms"][g] for r in rows)
                m, k, n = step_gemms(batch_size, sizes)[g]
                gf = 2.0 * m * k * n / batch_size * len(X) / t / 1e9
                print(f"      {g:12s} ({m}x{k}) @ ({k}x{n}): {t * 1e3:7.1f} ms/epoch  "
                      f"{gf:6.1f} GFLOP/s")
        print(f"    share of the GEMM bound the epoch achieves (median of rounds): "
              f"{med['share'] * 100:.0f}%")
        if torch is not None:
            _, acc_np = evaluate(runs[name]["net"], X_test, y_test)
            acc_t = runs[name]["torch"][1](X_test, y_test)
            print(f"    NumPy / PyTorch time per epoch (median of {rounds} interleaved rounds): "
                  f"{med['ratio']:.2f}  (< 1 means NumPy is faster; target <= {c['target']})")
            print(f"    test accuracy after {rounds} epochs at constant lr: NumPy "
                  f"{acc_np * 100:.2f}%, PyTorch {acc_t * 100:.2f}%")
        results[name] = med
    return results


# --------------------------------------------------------------------------------------
# What each choice costs: the scaling table
# --------------------------------------------------------------------------------------


def part_epoch(X, y, sizes, batch_size: int, steps: int, threads: int) -> tuple[float, float]:
    """(NumPy s, GEMM-only s) per step, over ``steps`` steps of fit with momentum (a
    part-epoch on the first steps * batch_size images), then the same GEMMs alone."""
    n = steps * batch_size
    Xs, ys = X[:n], y[:n]
    with threadpool_limits(limits=threads, user_api="blas"):
        net = numpy_model(sizes)
        h = fit(net, Xs, ys, epochs=1, batch_size=batch_size, update_rule="momentum",
                optim_config={"momentum": 0.9}, lr=0.05, rng=np.random.default_rng(SEED + 1),
                train_eval_size=1, desc="part epoch")
        t_np = h["time"][-1] / steps
        time.sleep(PAUSE / 3)
        t_gemm = sum(gemm_time(Xs, batch_size, sizes).values()) / steps
    return t_np, t_gemm


def scaling_table(X, y, quick: bool) -> None:
    """Time per epoch (extrapolated from a part-epoch) and the share of the GEMM bound."""
    H, B = 256, 256
    if quick:
        hidden, batches, depths, samples, min_steps = (64, 256, 1024), (32, 256, 1024), \
            (1, 3), 4096, 4
    else:
        hidden, batches, depths, samples, min_steps = (64, 128, 256, 512, 1024), \
            (32, 64, 128, 256, 512, 1024), (1, 2, 3, 4), 16384, 16
    rows = [(f"hidden {h}", (784, h, 10), B) for h in hidden]
    rows += [(f"batch {b}", (784, H, 10), b) for b in batches]
    rows += [(f"depth {d} (mlp)", (784, *([H] * d), 10), B) for d in depths]
    threads = (1, 2)
    n = len(X)
    print(f"  momentum 0.9; hidden sizes at batch {B}, batches at hidden {H}, depths: hidden "
          f"layers of {H} at batch {B} (helpers.model.mlp; the others TwoLayerNet). Each cell: "
          f"max({min_steps}, {samples} / batch) steps, extrapolated to {n:,} images.")
    head = "".join(f"  {t} thr: s/epoch  GEMM s  share" for t in threads)
    print(f"  {'':16s}{head}")
    for label, sizes, b in bar(rows, len(rows), "scaling table"):
        steps = max(min_steps, samples // b)
        per_epoch = math.ceil(n / b)
        line = f"  {label:16s}"
        for t in threads:
            t_np, t_gemm = part_epoch(X, y, sizes, b, steps, t)
            line += (f"  {'':6s}{t_np * per_epoch:8.3f}  {t_gemm * per_epoch:6.3f}  "
                     f"{t_gemm / t_np:5.0%}")
        tqdm.write(line)


def step_breakdown(X, y, batch_size: int, quick: bool) -> None:
    """Where a 784-256-10 epoch goes, with 1 and 2 BLAS threads: fit's step taken apart
    into its calls (the same functions fit calls, each timed over the epoch's batches)."""
    from helpers.sanity import check_gradients

    n = len(X) if not quick else 16384
    steps = n // batch_size
    print(f"  784-256-10, batch {batch_size}, momentum, {steps} steps (ms per {n:,} images); "
          "the forward and backward pass's GEMMs alone timed on the same shapes")
    print("  threads  gather  forward+backward (its GEMMs, the rest)  gradient check  "
          "update  total")
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="blas"):
            net = numpy_model((784, 256, 10))
            grads = net.zero_grads()
            configs = {k: {"learning_rate": 0.01, "momentum": 0.9} for k in net.params}
            rule = RULES["momentum"]
            order = np.random.default_rng(SEED).permutation(len(X))[: steps * batch_size]
            Xb = np.empty((batch_size, X.shape[1]), X.dtype)
            yb = np.empty(batch_size, y.dtype)
            t = dict.fromkeys(("gather", "loss", "check", "update"), 0.0)
            for i in range(steps):
                idx = order[i * batch_size : (i + 1) * batch_size]
                t0 = time.perf_counter()
                np.take(X, idx, axis=0, out=Xb, mode="clip")
                np.take(y, idx, out=yb, mode="clip")
                t1 = time.perf_counter()
                net._loss(Xb, yb, 0.0, grads)
                t2 = time.perf_counter()
                check_gradients(grads, i)
                t3 = time.perf_counter()
                for k, w in net.params.items():
                    rule(w, grads[k], configs[k])
                t4 = time.perf_counter()
                for key, dt in zip(t, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                    t[key] += dt
            time.sleep(PAUSE / 3)
            gemm = sum(gemm_time(X[order], batch_size, steps=steps).values())
        ms = {k: v * 1e3 for k, v in t.items()}
        print(f"  {threads:7d}  {ms['gather']:6.0f}  {ms['loss']:16.0f} ({gemm * 1e3:4.0f}, "
              f"{ms['loss'] - gemm * 1e3:4.0f})  {'':14s}{ms['check']:6.0f}  "
              f"{ms['update']:6.0f}  {sum(ms.values()):5.0f}")


def rules_table(epoch_seconds: float | None, batch_size: int, n: int, quick: bool) -> None:
    """Time per step of each update rule on 784-256-10's parameters, and over an epoch."""
    rng = np.random.default_rng(0)
    net = numpy_model((784, 256, 10))
    grads = {k: rng.standard_normal(v.shape).astype(v.dtype) * 1e-3 for k, v in net.params.items()}
    steps = math.ceil(n / batch_size)
    reps = 30 if quick else 200
    ref = f"{epoch_seconds:.3f} s" if epoch_seconds else "not measured"
    print(f"  {steps} steps per epoch (batch {batch_size}); the epoch (topic-02 recipe, "
          f"median above): {ref}")
    print("  rule             us/step  s/epoch  share of the epoch")
    for name, rule in RULES.items():
        configs = {k: {"learning_rate": 1e-4} for k in net.params}
        for k, w in net.params.items():  # the first call allocates the state
            rule(w, grads[k], configs[k])
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            for k, w in net.params.items():
                rule(w, grads[k], configs[k])
            times.append(time.perf_counter() - t0)
        t = statistics.median(times)
        share = f"{t * steps / epoch_seconds:6.1%}" if epoch_seconds else "     ?"
        print(f"  {name:15s}  {t * 1e6:7.0f}  {t * steps:7.3f}  {share}")


# --------------------------------------------------------------------------------------
# Notebook memory, machine
# --------------------------------------------------------------------------------------

MEMORY_JSON = Path(__file__).resolve().parents[1] / "build" / "notebook_memory.json"
MEMORY_LIMIT = 1 << 30


def time_budget(name: str) -> float:
    """The course's wall-time budget of a notebook in the test run (tests/notebook_memory.py)."""
    return 120.0 if "06-capstone" in Path(name).parts else 60.0


def notebook_memory(path: Path = MEMORY_JSON) -> tuple[float | None, tuple | None]:
    """Print the notebooks' peak resident memory and wall time from the last test run.

    Returns (the largest peak in bytes, (seconds, name, budget) of the notebook furthest
    over or nearest to its time budget), each None when not measured."""
    try:
        whole = json.loads(path.read_text())
        data, limit = whole["notebooks"], int(whole.get("limit_bytes", MEMORY_LIMIT))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        print(f"  not measured: run make test first (it writes {path.name} in build/)")
        return None, None
    if not data:
        print("  not measured: run make test first")
        return None, None
    rows = sorted(((r["peak_rss_bytes"], k, r.get("measured", "?"), r.get("seconds"))
                   for k, r in data.items()), reverse=True)
    print(f"  peak resident memory (VmHWM) and wall time of each notebook's kernel in the test "
          f"run; limits {limit >> 20} MiB, 60 s (capstone 120 s):")
    for b, k, when, sec in rows:
        flag = "  OVER THE MEMORY LIMIT" if b > limit else ""
        if isinstance(sec, int | float) and sec > time_budget(k):
            flag += "  OVER THE TIME BUDGET"
        t = f"{sec:5.0f} s" if isinstance(sec, int | float) else "    ? s"
        print(f"    {b / 2**20:7.0f} MiB  {t}  {k}  ({when}){flag}")
    timed = [(sec / time_budget(k), sec, k) for _, k, _, sec in rows
             if isinstance(sec, int | float)]
    worst = max(timed) if timed else None
    return rows[0][0], None if worst is None else (worst[1], worst[2], time_budget(worst[2]))


def cpu_isa() -> str:
    """The widest x86 SIMD extension the CPU reports (AVX-512, AVX2, ...)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX"),
                                   ("sse4_2", "SSE4.2")):
                    if flag in flags:
                        return name
                return "none of AVX/SSE4.2"
    except OSError:
        pass
    return platform.machine() or "?"


def peak_gemm() -> float:
    """float32 GFLOP/s of one large square GEMM (best of 3), for reference."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2048, 2048), dtype=np.float32)
    b = rng.standard_normal((2048, 2048), dtype=np.float32)
    c = np.empty_like(a)
    best = math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        best = min(best, time.perf_counter() - t0)
    return 2 * 2048**3 / best / 1e9


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="every part reduced: 2 tutorial iterations, 2 epochs of the "
                             "recipes, 1 interleaved round, a smaller scaling table")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads (threadpoolctl's threadpool_limits; default: as loaded)")
    args = parser.parse_args(argv)
    if not bars_enabled():  # also the bars of helpers.train.fit
        os.environ["COURSE_PROGRESS"] = "0"
    if args.threads is None:
        return run(args)
    with threadpool_limits(limits=args.threads, user_api="blas"):
        return run(args)


def run(args) -> int:
    start = time.perf_counter()
    quick = args.quick
    pause = PAUSE / 3 if quick else PAUSE

    info = blas_info()
    torch = import_torch()
    print("== machine")
    print(f"  CPU: {cpu_name()} ({cpu_isa()}), {len(os.sched_getaffinity(0))} cores available, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"  Python {platform.python_version()}, NumPy {np.__version__}"
          + (f", PyTorch {torch.__version__}" if torch else ", PyTorch not installed"))
    print(f"  BLAS: {info['name']}, threads: {info['threads']} ({info['layer']}), "
          f"core kernels: {info['core']}, OPENBLAS_CORETYPE={info['coretype_env']}")
    print(f"  float32 GEMM 2048x2048x2048 (reference peak): {peak_gemm():.1f} GFLOP/s")

    images, y = data.load_mnist("train")
    images_test, y_test = data.load_mnist("test")
    X, X_test = data.scale(images), data.scale(images_test)

    iters = 2 if quick else TUTORIAL_ITERS
    print(f"\n== tutorial recipe: 784-256-10, W ~ 0.1 N(0,1), full-batch GD on all {len(X):,} "
          f"images, lr {TUTORIAL_LR}, float64")
    tutorial_recipe(X.astype(np.float64), y, X_test.astype(np.float64), y_test, iters)

    reached = {}
    for name, recipe, targets in (("course recipe", RECIPE, (0.975, 0.980)),
                                  ("fast recipe, 4 epochs", FAST_RECIPE, (0.975, 0.980)),
                                  ("fast recipe, 10 epochs", LONG_RECIPE, (0.980, 0.983))):
        r = dict(recipe)
        if quick:
            if name != "fast recipe, 4 epochs":
                continue
            r["epochs"] = 2
        rule = r.get("update_rule") or r.get("optimizer")
        mom = r.get("momentum") or r.get("optim_config", {}).get("momentum")
        print(f"\n== {name}: helpers.train.fit, float32, He init, batch {r['batch_size']}, "
              f"{rule} {mom}, lr {r['lr']} with {r['schedule']} decay"
              + (f" after {r['warmup']} warm-up steps" if r.get("warmup") else "")
              + (f", label smoothing {r['label_smoothing']}" if r.get("label_smoothing") else "")
              + f", {r['epochs']} epochs" + (" (--quick: 2)" if quick else ""))
        reached[name] = course_recipe(X, y, X_test, y_test, r, targets)

    rounds = 1 if quick else ROUNDS
    bs = RECIPE["batch_size"]
    print(f"\n== one epoch, interleaved: NumPy (fit), its GEMMs alone, PyTorch; batch {bs}, "
          f"constant lr, {info['threads']} threads, {rounds} round(s)")
    ratios = interleaved(X, y, X_test, y_test, info["threads"], rounds, bs, pause)

    print("\n== scaling table: s per epoch (60,000 images), GEMM-only s, share of the GEMM bound")
    scaling_table(X, y, quick)

    print("\n== one epoch taken apart: where the time between the matrix products goes")
    step_breakdown(X, y, bs, quick)

    print("\n== update rules: time per step (all four parameters of 784-256-10)")
    topic02 = ratios.get("topic-02 recipe", {}).get("numpy")
    rules_table(topic02, bs, len(X), quick)

    print("\n== notebook memory (from the last make test)")
    peak_mem, slowest = notebook_memory()

    summary(ratios, reached, peak_mem, slowest, quick)
    print(f"\nbenchmark wall time {time.perf_counter() - start:.0f} s")
    return 0


def summary(ratios: dict, reached: dict, peak_mem: float | None, slowest: tuple | None,
            quick: bool) -> None:
    """The course's targets, each with this run's figure."""
    note = " (--quick: fewer rounds and epochs, indicative only)" if quick else ""
    print(f"\n== targets{note}")
    rows = []
    for name, c in COMPARISONS.items():
        med = ratios.get(name, {})
        if "ratio" in med:
            rows.append((f"NumPy/PyTorch per epoch, {name}", f"<= {c['target']}",
                         f"{med['ratio']:.2f}", med["ratio"] <= c["target"]))
        else:
            rows.append((f"NumPy/PyTorch per epoch, {name}", f"<= {c['target']}",
                         "PyTorch not installed", None))
    for name, med in ratios.items():
        rows.append((f"share of the GEMM bound, {name}", ">= 85%", f"{med['share']:.0%}",
                     med["share"] >= 0.85))
    for name, target, epochs in (("fast recipe, 4 epochs", 0.980, 4),
                                 ("fast recipe, 10 epochs", 0.983, 10)):
        r = reached.get(name)
        what = f"{target:.1%} test within {epochs} epochs"
        if r is None:
            rows.append((what, f"epoch <= {epochs}", "not run (--quick)", None))
        else:
            e = r["reached"].get(target)
            note = " (2-epoch run)" if quick else ""
            rows.append((what, f"epoch <= {epochs}",
                         f"epoch {e}{note}" if e else f"not reached ({r['final']:.2%}){note}",
                         e is not None and e <= epochs))
    rows.append(("peak notebook memory", "<= 1024 MiB",
                 f"{peak_mem / 2**20:.0f} MiB" if peak_mem else "not measured",
                 None if peak_mem is None else peak_mem <= MEMORY_LIMIT))
    if slowest is None:
        rows.append(("notebook wall time in the test run", "60 s / 120 s", "not measured", None))
    else:
        sec, name, budget = slowest
        rows.append(("notebook wall time, nearest its budget", f"<= {budget:.0f} s",
                     f"{sec:.0f} s {Path(name).parent.name[:2]}/{Path(name).stem[:14]}",
                     sec <= budget))
    for what, target, got, ok in rows:
        mark = {True: "met", False: "NOT MET", None: "-"}[ok]
        print(f"  {what:48s} {target:>12s}  {got:>22s}  {mark}")


if __name__ == "__main__":
    sys.exit(main())
