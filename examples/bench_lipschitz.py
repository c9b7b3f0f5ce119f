"""Lipschitz bounds side by side: the LipSDP variants of `problems.lipschitz` on each SDP backend beside
the exact constant and the naive bound, as the `lipschitz` suite runs them (`optlib bench lipschitz`).

    python examples/bench_lipschitz.py --quick                      # 2-8x2-2 and 2-10x3-2 ReLU nets, seeds 0, 1
    python examples/bench_lipschitz.py                              # the paper set: LipSDP's nets, 10-w x k-10 nets
    python examples/bench_lipschitz.py --widths 16,32 --layers 2 --methods naive,lipsdp-neuron,ExactLipschitz

The runs are the suite's (problems/lipschitz/suite.py). Quick set: random 2-input ReLU nets with
their exact constant (linear regions) as the baseline: naive, lipsdp-neuron (clarabel, scs),
lipsdp-layer, lipsdp-neuron-chordal. Paper set: the LipSDP authors' networks (2-10-30-20-2 with
its exact constant, MNIST 784-50-10; shipped with optlib) and random 10-64x2-10, 10-100x3-10,
10-64x8-10 nets, also with lipsdp-neuron-fo (torch, CPU). Objective = the certified upper bound
L (eigenvalue check of the LMI at the returned multipliers), ratio = L / exact in `extra`.
--widths / --layers run instead random 2-w x k-2 nets (seeds 0..--seeds-1) with the quick set's
methods; --methods, --backends, --time-limit keep or set those of the runs.

Dropped: --mnist (the paper set has it), the CVXPY column (examples/bench_lipschitz_scale.py
--methods cvxpy-clarabel,neuron-clarabel compares with CVXPY); --json writes JSON lines, one tidy
record per run (`optlib bench report OUT`). The scale study is examples/bench_lipschitz_scale.py.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _suite_example import add_sweep_args, plan, select, sweep  # noqa: E402


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", default=None, help="comma-separated widths of random 2-w x k-2 nets")
    ap.add_argument("--layers", default=None, help="comma-separated hidden-layer counts k (with --widths)")
    ap.add_argument("--seeds", type=int, default=None, help="seeds 0..N-1 (default: the suite's)")
    ap.add_argument("--methods", default=None, help="comma-separated: naive, lipsdp-neuron, lipsdp-layer, "
                                                     "lipsdp-neuron-chordal, lipsdp-neuron-fo, ExactLipschitz")
    ap.add_argument("--backends", default=None, help="comma-separated SDP backends to keep (clarabel, scs)")
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per run (default: the suite's)")
    ap.add_argument("--data", default=None, help="a folder laid out like $OPTLIB_DATA (default: shipped data)")
    add_sweep_args(ap)
    args = ap.parse_args(argv)
    if (args.widths is None) != (args.layers is None):
        ap.error("--widths and --layers go together")
    return args


def _ints(text: str, flag: str) -> list[int]:
    try:
        out = [int(v) for v in text.split(",") if v]
    except ValueError:
        out = []
    if not out or min(out) < 1:
        sys.exit(f"bench_lipschitz.py: {flag} must be comma-separated positive integers, got {text!r}")
    return out


def runs_for(args: argparse.Namespace) -> list[Any]:
    """The lipschitz suite's runs the flags select (or its quick methods on the --widths x --layers nets)."""
    methods = None if args.methods is None else {m for m in args.methods.split(",") if m}
    backends = None if args.backends is None else [b for b in args.backends.split(",") if b]
    custom = args.widths is not None
    if custom:
        args.quick = True                        # the quick set's methods and options, on other nets
    runs = select(plan("lipschitz", args, data=args.data, time_limit=args.time_limit, seeds=args.seeds,
                       backends=backends, keep=lambda r: methods is None or r.method in methods),
                  lambda r: True, f"--methods {args.methods} / --backends {args.backends}")
    if custom:
        first = runs[0].instance
        templates = [r for r in runs if r.instance == first]
        runs = [dataclasses.replace(t, instance=f"relu-2-{w}x{k}-2", options={**t.options, "net": f"random:2:{w}:{k}:2"})
                for k in _ints(args.layers, "--layers") for w in _ints(args.widths, "--widths") for t in templates]
    return runs


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    args = parse(argv)
    return sweep(runs_for(args), args)


if __name__ == "__main__":
    main()
