"""Certified Lipschitz bounds of the LipSDP authors' networks with `problems.lipschitz`.

For each network: the naive product of spectral norms, LipSDP-Layer, LipSDP-Neuron,
LipSDP-Network (reported but labelled: not a valid bound in general) and LipSDP-Neuron
split into 2-matrix subnetworks, each with a gradient lower bound, the certificate status
(optlib rebuilt the LMI and checked its eigenvalues; "repaired" when rho had to be raised)
and the time. Reference values (LipSDP README, 2-10-30-20-2 net): naive 43.31, Layer
39.839, Neuron 36.482, Network 36.482, Neuron split 37.668; MNIST 784-50-10: Neuron 24.366,
Layer 26.256 (Clarabel takes ~25 s per method on the MNIST net on 2 cores).

    python examples/lipschitz_bounds.py [--networks random,mnist] [--methods naive,lipsdp-neuron]
                                        [--backend auto]

Both networks ship with optlib (optlib.datasets.network_path). --quick: the 2-10-30-20-2 net only
(seconds; the MNIST net takes minutes).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from optlib import datasets
from problems.lipschitz import lipschitz_bound

NETWORKS = datasets.NETWORKS      # the LipSDP authors' networks, shipped with optlib
METHODS = ("naive", "lipsdp-layer", "lipsdp-neuron", "lipsdp-network", "lipsdp-neuron split=2")


def status(b) -> str:
    if b.certificate is None:
        return "closed form"
    c = b.certificate
    text = "verified" if c.verified else "NOT verified"
    if c.repaired:
        text += f", repaired: rho +{c.rho_increase:.3g} over the solver's {c.rho_solver:.8g}"
    if not b.valid:
        text += ", NOT a valid bound in general"
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description="Certified Lipschitz bounds (LipSDP) of two networks")
    ap.add_argument("--networks", default="random,mnist")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--quick", action="store_true", help="only the small 2-10-30-20-2 network")
    args = ap.parse_args()
    if args.quick:
        args.networks = "random"
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    for key in [k.strip() for k in args.networks.split(",") if k.strip()]:
        if key in NETWORKS:                  # 'random' / 'mnist': shipped (or $OPTLIB_DATA/networks)
            path = datasets.network_path(key)
        else:                                # a .mat file given by path
            path = Path(key)
            if not path.is_file():
                raise SystemExit(f"--networks: {key!r} is neither {' nor '.join(NETWORKS)} nor a .mat file")
        net, name = str(path), datasets.plain_name(path)
        print(f"== {name}")
        for spec in methods:
            method, _, split = spec.partition(" split=")
            b = lipschitz_bound(net, method=method, backend=args.backend, split=int(split) if split else None)
            print(f"{spec:24s} L <= {b.value:10.4f}   lower {b.lower:10.4f}   [{status(b)}]   {b.time:6.2f} s")
            for i, p in enumerate(b.parts):
                print(f"{'':26s}part {i}: {p.method} {p.value:.4f}")


if __name__ == "__main__":
    main()
