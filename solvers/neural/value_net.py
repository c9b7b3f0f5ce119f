"""Set-based value network of Neur2RO (Dumouchelle, Julien, Kurtz, Khalil, ICLR 2024), in torch.

    V(x, xi) = rho( [ phi_x( sum_i a_x([x_i, f_i]) ),  phi_xi( sum_i a_xi([u_i(xi), f_i]) ) ] )

a_x, a_xi: per-item ReLU nets (shared over items, so any number of items), sum aggregation,
phi_x, phi_xi: post-aggregation nets, rho: value head; f_i are the item features and
u_i(xi) = A_i xi the item's view of the scenario (linear, so the MIP embedding stays exact).
With config["xi_x_interaction"] the scenario net sees [u_i, x_i u_i, f_i]: which accepted items the
scenario hits.  For fixed xi this is still affine in binary x per item, for fixed x linear in xi,
so both the main problem and the adversary stay exact MIPs (an extension of the paper's network).
torch is imported lazily: importing this module needs torch, `solvers.neural` does not.
"""
from __future__ import annotations

from typing import Any

import numpy as np

PARTS = ("x_item", "x_post", "xi_item", "xi_post", "value")


def _torch():
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("the Neur2RO value network needs torch: pip install torch==2.13.0") from exc
    return torch


def default_config(item_features: int, xi_item_inputs: int) -> dict[str, Any]:
    """Architecture of the paper's knapsack model: item nets [32, 16], post nets [64, 8], head [8]."""
    return {"item_features": int(item_features), "xi_item_inputs": int(xi_item_inputs),
            "x_item": [32, 16], "x_post": [64, 8], "xi_item": [32, 16], "xi_post": [64, 8], "value": [8]}


def check_config(config: dict[str, Any]) -> dict[str, Any]:
    """Validate a network config (ValueError naming the key)."""
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict, got {type(config).__name__}")
    out = dict(config)
    out["xi_x_interaction"] = bool(out.get("xi_x_interaction", False))
    for key in ("item_features", "xi_item_inputs"):
        if not isinstance(out.get(key), int) or out[key] < 0:
            raise ValueError(f"config[{key!r}] must be a nonnegative integer, got {out.get(key)!r}")
    for key in PARTS:
        sizes = out.get(key)
        if (not isinstance(sizes, (list, tuple)) or not sizes
                or not all(isinstance(s, int) and s > 0 for s in sizes)):
            raise ValueError(f"config[{key!r}] must be a non-empty list of positive layer widths, got {sizes!r}")
        out[key] = [int(s) for s in sizes]
    return out


def layer_sizes(config: dict[str, Any]) -> dict[str, tuple[list[int], str]]:
    """Input width + widths per part, and whether the last layer has a ReLU ('relu') or not."""
    c = check_config(config)
    return {
        "x_item": ([1 + c["item_features"]] + c["x_item"], "relu"),
        "x_post": ([c["x_item"][-1]] + c["x_post"], "identity"),
        "xi_item": ([(2 if c["xi_x_interaction"] else 1) * c["xi_item_inputs"] + c["item_features"]]
                    + c["xi_item"], "relu"),
        "xi_post": ([c["xi_item"][-1]] + c["xi_post"], "identity"),
        "value": ([c["x_post"][-1] + c["xi_post"][-1]] + c["value"] + [1], "identity"),
    }


def build(config: dict[str, Any]) -> Any:
    """The torch module for `config` (a `SetValueNet`)."""
    torch = _torch()
    nn = torch.nn

    def mlp(sizes: list[int], last: str) -> Any:
        mods = []
        for k in range(len(sizes) - 1):
            mods.append(nn.Linear(sizes[k], sizes[k + 1]))
            if k < len(sizes) - 2 or last == "relu":
                mods.append(nn.ReLU())
        return nn.Sequential(*mods)

    class SetValueNet(nn.Module):
        def __init__(self, cfg: dict[str, Any]):
            super().__init__()
            self.config = check_config(cfg)
            for part, (sizes, last) in layer_sizes(self.config).items():
                setattr(self, part, mlp(sizes, last))

        def forward(self, x: Any, feats: Any, u: Any, mask: Any) -> Any:
            """x (B, n), feats (B, n, d), u (B, n, k) item views of xi, mask (B, n) -> values (B,)."""
            m = mask.unsqueeze(-1)
            if self.config["xi_x_interaction"]:
                u = torch.cat([u, x.unsqueeze(-1) * u], dim=-1)
            hx = (self.x_item(torch.cat([x.unsqueeze(-1), feats], dim=-1)) * m).sum(dim=1)
            hu = (self.xi_item(torch.cat([u, feats], dim=-1)) * m).sum(dim=1)
            z = torch.cat([self.x_post(hx), self.xi_post(hu)], dim=-1)
            return self.value(z).squeeze(-1)

    return SetValueNet(config)


def export_numpy(net: Any) -> dict[str, tuple[list[tuple[np.ndarray, np.ndarray]], list[str]]]:
    """Weights as numpy arrays per part: {part: ([(W, b), ...], activations)} for `solvers.neural.relu_mip`."""
    out = {}
    for part, (sizes, last) in layer_sizes(net.config).items():
        linears = [mod for mod in getattr(net, part) if mod.__class__.__name__ == "Linear"]
        layers = [(lin.weight.detach().cpu().double().numpy().copy(), lin.bias.detach().cpu().double().numpy().copy())
                  for lin in linears]
        acts = ["relu"] * (len(layers) - 1) + [last]
        out[part] = (layers, acts)
    return out


def train(net: Any, data: dict[str, np.ndarray], epochs: int = 200, lr: float = 1e-3, batch_size: int = 256,
          device: str = "auto", seed: int = 0, verbose: bool = False, val_fraction: float = 0.1,
          patience: int | None = None, threads: int | None = 1, time_limit: float | None = None) -> dict[str, Any]:
    """Train by Adam on the mean squared error; returns the training history (losses, time, device).

    `data`: arrays x (N, n), feats (N, n, d), u (N, n, k), mask (N, n), y (N,), already scaled.
    The weights of the epoch with the lowest validation loss are kept; `patience`: stop after that many
    epochs without a better validation loss.  `threads`: torch CPU threads while training (restored
    afterwards; 1 is fastest for these small nets on a shared machine, None keeps torch's setting).
    `time_limit`: stop after the epoch that passes this many seconds (the history says so).
    """
    torch = _torch()
    saved_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(int(threads))
    try:
        return _train(torch, net, data, epochs, lr, batch_size, device, seed, verbose, val_fraction, patience,
                      time_limit)
    finally:
        torch.set_num_threads(saved_threads)


def _train(torch: Any, net: Any, data: dict, epochs: int, lr: float, batch_size: int, device: str, seed: int,
           verbose: bool, val_fraction: float, patience: int | None,
           time_limit: float | None = None) -> dict[str, Any]:
    import time

    torch.manual_seed(seed)
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    net.to(device)
    tensors = [torch.as_tensor(np.asarray(data[k]), dtype=torch.float32) for k in ("x", "u", "mask", "y")]
    tensors.insert(1, _feats_source(torch, data))
    N = tensors[0].shape[0]
    gen = torch.Generator().manual_seed(seed)
    perm = torch.randperm(N, generator=gen)
    n_val = max(1, int(round(val_fraction * N))) if N > 10 else 0
    val_idx, tr_idx = perm[:n_val], perm[n_val:]
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    best, best_state, hist, best_ep = float("inf"), None, {"train": [], "val": []}, 0
    t0 = time.perf_counter()
    dev = [t.to(device) for t in tensors]
    for ep in range(epochs):
        net.train()
        order = tr_idx[torch.randperm(tr_idx.numel(), generator=gen)]
        total = 0.0
        for s in range(0, order.numel(), batch_size):
            idx = order[s:s + batch_size].to(device)
            xb, fb, ub, mb, yb = (t[idx] for t in dev)
            fb = _gather(fb)
            opt.zero_grad()
            loss = torch.mean((net(xb, fb, ub, mb) - yb) ** 2)
            loss.backward()
            opt.step()
            total += loss.item() * idx.numel()
        hist["train"].append(total / max(tr_idx.numel(), 1))
        net.eval()
        with torch.no_grad():
            if n_val:
                vi = val_idx.to(device)
                xv, fv, uv, mv = (t[vi] for t in dev[:4])
                vl = float(torch.mean((net(xv, _gather(fv), uv, mv) - dev[4][vi]) ** 2))
            else:
                vl = hist["train"][-1]
        hist["val"].append(vl)
        if vl < best:
            best, best_ep = vl, ep
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        if verbose and (ep % max(1, epochs // 10) == 0 or ep == epochs - 1):
            print(f"  epoch {ep + 1}/{epochs}: train mse {hist['train'][-1]:.5f} val mse {vl:.5f}", flush=True)
        if patience is not None and ep - best_ep >= patience:
            break
        if time_limit is not None and time.perf_counter() - t0 >= time_limit:
            hist["stopped"] = "time_limit"
            break
    if best_state is not None:
        net.load_state_dict(best_state)
    net.to("cpu")
    hist.update(time=time.perf_counter() - t0, device=str(device), best_val=best, samples=N, epochs=len(hist["val"]))
    return hist


class _Indexed:
    """Per-sample item features as a table (instances, n, d) plus an instance index per sample (compact)."""

    def __init__(self, table: Any, inst: Any):
        self.table, self.inst = table, inst
        self.shape = (inst.shape[0],) + tuple(table.shape[1:])

    def __getitem__(self, idx: Any) -> "_Indexed":
        return _Indexed(self.table, self.inst[idx])

    def to(self, device: Any) -> "_Indexed":
        return _Indexed(self.table.to(device), self.inst.to(device))


def _feats_source(torch: Any, data: dict) -> Any:
    if "feats" in data:
        return torch.as_tensor(np.asarray(data["feats"]), dtype=torch.float32)
    return _Indexed(torch.as_tensor(np.asarray(data["feats_table"]), dtype=torch.float32),
                    torch.as_tensor(np.asarray(data["inst"]), dtype=torch.long))


def _gather(f: Any) -> Any:
    return f.table[f.inst] if isinstance(f, _Indexed) else f


def predict(net: Any, data: dict[str, np.ndarray]) -> np.ndarray:
    """Network outputs (scaled units) for arrays as in `train` (feats, or the compact feats_table + inst)."""
    torch = _torch()
    net.eval()
    with torch.no_grad():
        x, u, mask = (torch.as_tensor(np.asarray(data[k]), dtype=torch.float32) for k in ("x", "u", "mask"))
        return net(x, _gather(_feats_source(torch, data)), u, mask).double().numpy()
