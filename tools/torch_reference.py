"""Reference trajectories of PyTorch's optimisers, for tests/test_optim_rules.py.

    python tools/torch_reference.py [tests/data/torch_optim_reference.npz]

Run once, by hand, in an environment with torch==2.13.0 (CPU) and numpy; the course's own
environment has no torch and the tests do not need it. The script minimises the quadratic
f(w) = 1/2 w.A w - b.w, w of shape (2, 3) flattened, whose gradient is A w - b, with each
optimiser for STEPS steps from the same w0 in float64, and stores every iterate. The
tests recompute the gradients in NumPy and must retrace these trajectories.

Stored (no pickles; load with ``np.load(path, allow_pickle=False)``): ``A`` (6, 6), ``b``
(6,), ``w0`` (2, 3); per case ``traj_<name>`` (STEPS + 1, 2, 3); ``cases`` a JSON string
{name: {"rule": course rule, "config": course config, "torch": torch call}}; ``torch_version``.
"""

import json
import sys
from pathlib import Path

import numpy as np
import torch

STEPS = 25
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "torch_optim_reference.npz"

# name: (course rule, course config, torch optimiser, its keyword arguments)
CASES = {
    "sgd": ("sgd", {"learning_rate": 0.05}, "SGD", {"lr": 0.05}),
    "momentum": ("momentum", {"learning_rate": 0.05, "momentum": 0.9},
                 "SGD", {"lr": 0.05, "momentum": 0.9}),
    "nesterov": ("nesterov", {"learning_rate": 0.05, "momentum": 0.9},
                 "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    "rmsprop": ("rmsprop", {"learning_rate": 0.01, "decay_rate": 0.99, "epsilon": 1e-8},
                "RMSprop", {"lr": 0.01, "alpha": 0.99, "eps": 1e-8}),
    "rmsprop_big_eps": ("rmsprop", {"learning_rate": 0.05, "decay_rate": 0.9, "epsilon": 0.1},
                        "RMSprop", {"lr": 0.05, "alpha": 0.9, "eps": 0.1}),
    "adam": ("adam", {"learning_rate": 0.1, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
             "Adam", {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8}),
    "adam_low_beta": ("adam", {"learning_rate": 0.05, "beta1": 0.5, "beta2": 0.9, "epsilon": 1e-3},
                      "Adam", {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-3}),
    "adamw": ("adamw", {"learning_rate": 0.1, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
                        "weight_decay": 0.5},
              "AdamW", {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.5}),
}


def problem() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A seeded, ill-conditioned SPD A (eigenvalues 0.1 to 10), b and w0."""
    rng = np.random.default_rng(5)
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    A = Q @ np.diag(np.geomspace(0.1, 10.0, 6)) @ Q.T
    return (A + A.T) / 2, rng.standard_normal(6), rng.standard_normal((2, 3))


def trajectory(A, b, w0, optimiser: str, kwargs: dict) -> np.ndarray:
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    At, bt = torch.tensor(A), torch.tensor(b)
    opt = getattr(torch.optim, optimiser)([w], **kwargs)
    out = [w.detach().numpy().copy()]
    for _ in range(STEPS):
        opt.zero_grad()
        flat = w.reshape(-1)
        loss = 0.5 * flat @ (At @ flat) - bt @ flat
        loss.backward()
        opt.step()
        out.append(w.detach().numpy().copy())
    return np.stack(out)


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    torch.set_num_threads(1)
    A, b, w0 = problem()
    arrays = {"A": A, "b": b, "w0": w0}
    cases = {}
    for name, (rule, config, optimiser, kwargs) in CASES.items():
        arrays[f"traj_{name}"] = trajectory(A, b, w0, optimiser, kwargs)
        cases[name] = {"rule": rule, "config": config,
                       "torch": f"torch.optim.{optimiser}(**{kwargs})"}
    arrays["cases"] = np.array(json.dumps(cases))
    arrays["torch_version"] = np.array(torch.__version__)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    print(f"wrote {out} ({out.stat().st_size} bytes): {len(cases)} cases x {STEPS} steps, "
          f"torch {torch.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
