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

Keep in mind that on a machine shared with other jobs every time here is inflated, and
multi-threaded BLAS suffers most (threads wait for each other).
"""

from __future__ import annotations

import argparse
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

from helpers import data  # noqa: E402
from helpers.model import TwoLayerNet  # noqa: E402
from helpers.optim import sgd  # noqa: E402
from helpers.train import evaluate, fit  # noqa: E402

# The tutorial recipe: their architecture and initialisation, full-batch gradient descent.
TUTORIAL_LR = 0.1  # plain gradient descent step on the mean loss (set to the seed tutorial's)
TUTORIAL_ITERS = 20  # the tutorials run 2000; the time per iteration tells what that costs

# The course recipe (the capstone-style run): He init, momentum, cosine decay to 0.
RECIPE = dict(epochs=6, batch_size=256, lr=0.3, optimizer="momentum", momentum=0.9,
              schedule="cosine")
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


def course_recipe(X, y, X_test, y_test) -> None:
    net = TwoLayerNet(init="he", rng=np.random.default_rng(SEED))
    h = fit(net, X, y, X_test, y_test, rng=np.random.default_rng(SEED + 1),
            train_eval_size=1000, desc="course recipe", **RECIPE)
    epoch_times = np.diff([0.0, *h["time"]])
    per_epoch = float(np.median(epoch_times))
    print("  epoch  train s  test acc")
    for e, t, a in zip(h["epoch"], np.cumsum(epoch_times), h["val_acc"], strict=True):
        print(f"  {e:5.0f}  {t:7.2f}  {a * 100:6.2f}%")
    print(f"  median {per_epoch:.3f} s per epoch, {len(X) / per_epoch:,.0f} samples/s "
          f"(evaluation excluded: {h.eval_time:.2f} s spent evaluating)")
    for target in (0.975, 0.980):
        i = h.first_reaching("val_acc", target)
        when = "not reached"
        if i is not None:
            when = f"{h['time'][i]:.2f} s (epoch {h['epoch'][i]:.0f})"
        print(f"  training time to {target * 100:.1f}% test accuracy: {when}")


def step_gemms(B: int, H: int = 256, C: int = 10, D: int = 784):
    """The (m, k, n) shapes of the five GEMMs of one training step with batch B."""
    return {
        "X @ W1      ": (B, D, H),
        "X.T @ d1    ": (D, B, H),
        "a @ W2      ": (B, H, C),
        "a.T @ d2    ": (H, B, C),
        "d2 @ W2.T   ": (B, C, H),
    }


def gemm_epoch(X, batch_size: int) -> dict[str, float]:
    """Seconds each GEMM of a training step takes over one epoch's batches (float32, out=)."""
    rng = np.random.default_rng(1)
    n = len(X)
    W1 = rng.standard_normal((784, 256), dtype=np.float32)
    W2 = rng.standard_normal((256, 10), dtype=np.float32)
    out = {}
    sizes = [min(batch_size, n - s) for s in range(0, n, batch_size)]
    bufs = {b: (rng.standard_normal((b, 256), dtype=np.float32),
                rng.standard_normal((b, 256), dtype=np.float32),
                rng.standard_normal((b, 10), dtype=np.float32)) for b in set(sizes)}
    dW1, dW2 = np.empty_like(W1), np.empty_like(W2)
    ops = {
        "X @ W1      ": lambda Xb, a, d1, d2: np.matmul(Xb, W1, out=a),
        "X.T @ d1    ": lambda Xb, a, d1, d2: np.matmul(Xb.T, d1, out=dW1),
        "a @ W2      ": lambda Xb, a, d1, d2: np.matmul(a, W2, out=d2),
        "a.T @ d2    ": lambda Xb, a, d1, d2: np.matmul(a.T, d2, out=dW2),
        "d2 @ W2.T   ": lambda Xb, a, d1, d2: np.matmul(d2, W2.T, out=d1),
    }
    for name, op in ops.items():
        t0 = time.perf_counter()
        for start, b in zip(range(0, n, batch_size), sizes, strict=True):
            op(X[start : start + b], *bufs[b])
        out[name] = time.perf_counter() - t0
    return out


def epoch_flops(n: int) -> float:
    return sum(2.0 * m * k * nn for m, k, nn in step_gemms(1).values()) * n


def torch_epoch_runner(torch, net_np: TwoLayerNet, X, y, batch_size, lr, mu, threads):
    """A function running one PyTorch epoch (same init/batches/hyper-parameters), and a scorer."""
    torch.set_num_threads(threads)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    with torch.no_grad():  # nn.Linear stores W as (out, in): copy the transposes
        model[0].weight.copy_(torch.from_numpy(net_np.params["W1"].T.copy()))
        model[0].bias.copy_(torch.from_numpy(net_np.params["b1"]))
        model[2].weight.copy_(torch.from_numpy(net_np.params["W2"].T.copy()))
        model[2].bias.copy_(torch.from_numpy(net_np.params["b2"]))
    # torch's momentum keeps v = mu v + g, w -= lr v: the same steps as cs231n's for constant lr
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=mu)
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


def interleaved(X, y, X_test, y_test, threads: int, rounds: int) -> None:
    bs, lr, mu = RECIPE["batch_size"], RECIPE["lr"], RECIPE["momentum"]
    net = TwoLayerNet(init="he", rng=np.random.default_rng(SEED))
    try:
        import torch
    except ImportError:
        torch = None
        print("  PyTorch: not installed, comparison skipped "
              "(pip install torch==2.13.0 in a separate environment to include it)")
    if torch is not None:
        t_epoch, t_acc = torch_epoch_runner(torch, net, X, y, bs, lr, mu, threads)
        print(f"  PyTorch {torch.__version__}, torch.get_num_threads() = {torch.get_num_threads()}")
    rng_np, rng_t = np.random.default_rng(SEED + 1), np.random.default_rng(SEED + 1)
    flops = epoch_flops(len(X))
    rows = []
    print("  round  numpy s  GEMM-only s  share" + ("  torch s  numpy/torch" if torch else ""))
    for r in bar(range(rounds), rounds, "interleaved rounds"):
        # each round: one NumPy epoch (helpers.train.fit, constant lr), then the GEMMs alone
        h = fit(net, X, y, epochs=1, batch_size=bs, lr=lr, optimizer="momentum", momentum=mu,
                rng=rng_np, train_eval_size=100, desc="numpy epoch")
        t_np = h["time"][-1]
        time.sleep(PAUSE)
        gemm = gemm_epoch(X, bs)
        t_gemm = sum(gemm.values())
        row = {"numpy": t_np, "gemm": t_gemm, "share": t_gemm / t_np, "gemms": gemm}
        line = f"  {r + 1:5d}  {t_np:7.3f}  {t_gemm:11.3f}  {t_gemm / t_np * 100:4.0f}%"
        if torch is not None:
            time.sleep(PAUSE)
            row["torch"] = t_epoch(rng_t)
            time.sleep(PAUSE)
            row["ratio"] = t_np / row["torch"]
            line += f"  {row['torch']:7.3f}  {row['ratio']:11.2f}"
        tqdm.write(line)  # above the bar, when there is one
        rows.append(row)

    med = {k: statistics.median(r[k] for r in rows) for k in rows[0] if k != "gemms"}
    print(f"  NumPy epoch (median): {med['numpy']:.3f} s, {len(X) / med['numpy']:,.0f} samples/s, "
          f"{flops / med['numpy'] / 1e9:.1f} GFLOP/s")
    print(f"  GEMM-only time for the same FLOPs ({flops / 1e9:.1f} GFLOP/epoch, median): "
          f"{med['gemm']:.3f} s = {flops / med['gemm'] / 1e9:.1f} GFLOP/s")
    for name in rows[0]["gemms"]:
        t = statistics.median(r["gemms"][name] for r in rows)
        m, k, n = step_gemms(bs)[name]
        gf = 2.0 * m * k * n / bs * len(X) / t / 1e9
        print(f"    {name} ({m}x{k}) @ ({k}x{n}): {t * 1e3:7.1f} ms/epoch  {gf:6.1f} GFLOP/s")
    print(f"  share of the GEMM bound the epoch achieves (median of rounds): "
          f"{med['share'] * 100:.0f}%")
    _, acc_np = evaluate(net, X_test, y_test)
    if torch is not None:
        print(f"  NumPy / PyTorch time per epoch (median of {rounds} interleaved rounds): "
              f"{med['ratio']:.2f}  (< 1 means NumPy is faster)")
        print(f"  test accuracy after {rounds} epochs at constant lr: NumPy {acc_np * 100:.2f}%, "
              f"PyTorch {t_acc(X_test, y_test) * 100:.2f}%")


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
    parser.add_argument("--quick", action="store_true", help="2 tutorial iterations, 2 rounds")
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

    info = blas_info()
    print("== machine")
    print(f"  CPU: {cpu_name()}, {len(os.sched_getaffinity(0))} cores available, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"  Python {platform.python_version()}, NumPy {np.__version__}")
    print(f"  BLAS: {info['name']}, threads: {info['threads']} ({info['layer']}), "
          f"core kernels: {info['core']}, OPENBLAS_CORETYPE={info['coretype_env']}")
    print(f"  float32 GEMM 2048x2048x2048 (reference peak): {peak_gemm():.1f} GFLOP/s")

    images, y = data.load_mnist("train")
    images_test, y_test = data.load_mnist("test")
    X, X_test = data.scale(images), data.scale(images_test)

    iters = 2 if args.quick else TUTORIAL_ITERS
    print(f"\n== tutorial recipe: 784-256-10, W ~ 0.1 N(0,1), full-batch GD on all {len(X):,} "
          f"images, lr {TUTORIAL_LR}, float64")
    tutorial_recipe(X.astype(np.float64), y, X_test.astype(np.float64), y_test, iters)

    r = RECIPE
    print(f"\n== course recipe: helpers.train.fit, float32, He init, batch {r['batch_size']}, "
          f"{r['optimizer']} {r['momentum']}, lr {r['lr']} with {r['schedule']} decay, "
          f"{r['epochs']} epochs")
    course_recipe(X, y, X_test, y_test)

    rounds = 2 if args.quick else ROUNDS
    print(f"\n== one epoch, interleaved: NumPy (fit), its GEMMs alone, PyTorch; batch "
          f"{r['batch_size']}, constant lr {r['lr']}, {info['threads']} threads")
    interleaved(X, y, X_test, y_test, info["threads"], rounds)
    print(f"\nbenchmark wall time {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
