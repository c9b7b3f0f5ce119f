"""How much of a solve the certificate costs: certify time / solve time per instance.

    OMP_NUM_THREADS=1 python examples/bench_certify.py [--backends highs] [--repeat 3]
        [--time-limit 60] [--files a.mps b.mps ...]

Solves the public LPs and MIPs of `optlib.datasets.highs_check` (and any --files, e.g. the
SLIM MIPLIB files) on each backend and prints the median over --repeat runs of the solve time,
the certify time (`result.timings.certify`) and their ratio. Runs against whichever optlib is
importable, so PYTHONPATH can point it at another checkout for a side-by-side comparison.
"""
from __future__ import annotations

import argparse
import statistics
import warnings
from pathlib import Path

import optlib


def instances(extra: list[str]) -> list[Path]:
    try:
        from optlib.datasets import highs_check
        paths = [inst.path for inst in highs_check() if inst.expected == "optimal"]
    except ImportError:            # an older checkout: read the same files from a folder
        folder = Path(__file__).parents[1] / "optlib" / "datasets" / "highs_check"
        paths = sorted(folder.glob("*.mps.gz"))
    return paths + [Path(f) for f in extra]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", default="highs")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--files", nargs="*", default=[])
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    print(f"optlib from {Path(optlib.__file__).parent}")
    print(f"{'instance':<34} {'backend':<8} {'status':<10} {'solve s':>9} {'certify s':>10} {'ratio %':>8}")
    ratios = []
    for path in instances(a.files):
        for be in a.backends.split(","):
            solve, cert, status = [], [], ""
            for _ in range(a.repeat):
                model = optlib.read(str(path))
                try:
                    res = model.solve(backend=be, time_limit=a.time_limit, threads=1)
                except ValueError:
                    break
                solve.append(res.timings.solve)
                cert.append(res.timings.certify)
                status = res.status.name
            if not solve:
                continue
            s, c = statistics.median(solve), statistics.median(cert)
            ratios.append(c / s if s > 0 else float("inf"))
            print(f"{path.name.split('.')[0]:<34} {be:<8} {status:<10} {s:>9.4f} {c:>10.4f} {100 * c / s:>8.2f}")
    if ratios:
        print(f"median certify/solve: {100 * statistics.median(ratios):.2f} %, "
              f"max {100 * max(ratios):.2f} %")


if __name__ == "__main__":
    main()
