"""Deep ReLU networks for the layer-wise methods (the lipschitz suite's `deep` set, examples/bench_eclipse.py).

* `paper_random_net`: as in the ECLipsE paper (Xu and Sivaranjani, NeurIPS 2024): input 4,
  output 1, `layers` weight matrices of width w, each W ~ N(0, 1) rescaled to a spectral norm
  drawn uniformly from [0.4, 1.8]; seed 1000 layers + width.
* `trained_mlp` (torch): a bias-free ReLU MLP 9 - w x (layers - 1) - 1 trained on the shipped
  UCI breast-cancer data (683 x 9, standardised; logistic loss), He-normal initialisation from
  `seed`, full-batch Adam (lr 1e-3) for `steps` steps on one thread. Weights are cached as .npz
  (with how they were trained) under `cache` (default: <tempdir>/optlib-lipschitz-deep), so the
  suite and the authors'-code comparison read the same matrices.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["paper_random_net", "trained_mlp", "TRAIN_STEPS"]

TRAIN_STEPS = 300


def paper_random_net(layers: int, width: int, n_in: int = 4, n_out: int = 1) -> list[np.ndarray]:
    """`layers` weight matrices n_in -> width -> ... -> width -> n_out, norms uniform in [0.4, 1.8]."""
    if isinstance(layers, bool) or not isinstance(layers, (int, np.integer)) or layers < 2:
        raise ValueError(f"layers must be an integer >= 2, got {layers!r}")
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    rng = np.random.default_rng(1000 * layers + width)
    dims = [n_in] + [width] * (layers - 1) + [n_out]
    out = []
    for a, b in zip(dims[:-1], dims[1:]):
        W = rng.standard_normal((b, a))
        out.append(rng.uniform(0.4, 1.8) * W / np.linalg.norm(W, 2))
    return out


def _cache_dir(cache: str | Path | None) -> Path:
    return Path(cache) if cache is not None else Path(tempfile.gettempdir()) / "optlib-lipschitz-deep"


def trained_mlp(layers: int, width: int, seed: int = 0, steps: int = TRAIN_STEPS,
                cache: str | Path | None = None, data: str | None = None) -> tuple[list[np.ndarray], dict[str, Any]]:
    """(weights, info) of the breast-cancer MLP (module docstring); info: steps, lr, seed,
    final loss, train accuracy, seconds. Read from the cache when there; trained (torch) otherwise."""
    if isinstance(layers, bool) or not isinstance(layers, (int, np.integer)) or layers < 2:
        raise ValueError(f"layers must be an integer >= 2, got {layers!r}")
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    path = _cache_dir(cache) / f"bc-relu-{layers}x{width}-seed{seed}-steps{steps}.npz"
    if path.exists():
        z = np.load(path, allow_pickle=False)
        return [z[f"W{i}"] for i in range(layers)], json.loads(str(z["info"]))
    import torch

    from optlib.datasets import load_scoring

    X, y, _ = load_scoring("breastcancer", data)
    X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        gen = torch.Generator().manual_seed(int(seed))
        dims = [X.shape[1]] + [int(width)] * (int(layers) - 1) + [1]
        Ws = [torch.randn(b, a, generator=gen, dtype=torch.float64) * np.sqrt(2.0 / a) for a, b in zip(dims[:-1], dims[1:])]
        for W in Ws:
            W.requires_grad_(True)
        Xt = torch.tensor(X, dtype=torch.float64)
        yt = torch.tensor(y, dtype=torch.float64).reshape(-1, 1)
        opt = torch.optim.Adam(Ws, lr=1e-3)

        def forward() -> Any:
            h = Xt
            for W in Ws[:-1]:
                h = torch.relu(h @ W.T)
            return h @ Ws[-1].T

        t0 = time.perf_counter()
        for _ in range(int(steps)):
            opt.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(forward(), yt)
            loss.backward()
            opt.step()
        with torch.no_grad():
            out = forward()
            loss = float(torch.nn.functional.binary_cross_entropy_with_logits(out, yt))
            acc = float(((out > 0).double() == yt).double().mean())
        info = {"data": "breastcancer (683 x 9, standardised)", "loss": "logistic", "optimizer": "Adam lr 1e-3, full batch",
                "init": "He normal", "steps": int(steps), "seed": int(seed), "final_loss": loss, "train_accuracy": acc,
                "seconds": time.perf_counter() - t0}
        weights = [W.detach().numpy().copy() for W in Ws]
    finally:
        torch.set_num_threads(threads)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
    np.savez(tmp, info=json.dumps(info), **{f"W{i}": W for i, W in enumerate(weights)})
    tmp.replace(path)
    return weights, info
