"""Benchmark: Neur2RO (the shipped pretrained model) beside exact CCG on two-stage robust knapsack
instances, as the `robust` suite runs them (`optlib bench robust`), with the Neur2RO paper's
results on the same instances where that file is found.

    python examples/robust_benchmark.py --quick                   # generated n = 10, 12: CCG proves the optimum
    python examples/robust_benchmark.py                           # the suite's paper set: 14 published instances
    python examples/robust_benchmark.py --sizes 20 30 --per-size 6 --ccg-sizes 20 30 --json bench-out/robust.jsonl
    python examples/robust_benchmark.py --skip-n2ro --sizes 20 --per-size 1 --ccg-time-limit 10

The runs are the suite's (problems/robust/suite.py): 'Neur2RO' (the fast loop: local search,
4 scenarios per iteration, heuristic adversary), 'Neur2RO-MIP' (the paper's MIP main problem) and
'CCG' (exact, HiGHS). Objective = the certified worst-case profit of the returned first stage
(maximised); baseline = the best known value of the branch-and-price results (CCG's optimum on
the generated quick instances); rel_err = (baseline - objective) / baseline is in each record's
`extra`. --sizes keeps those sizes; --per-size k takes instead k files per size, every
(files / k)-th of the sorted RKP_*_n<n>_* list (spread over the correlation types), run with the
suite's settings; --ccg-sizes (default 20 30), --ccg-time-limit, --n2ro-time-limit,
--eval-time-limit set those options; --main mip|local_search keeps Neur2RO-MIP or Neur2RO.

The paper columns (a study no suite covers) come from knapsack_neur2ro_reference.csv when it is
found (not shipped: put it under --data DIR/robust/ or $OPTLIB_DATA/robust/): per size, the median
relative error of our Neur2RO and of the paper's on the same instances. Data: 44 of the 504
instances ship with optlib (6 per size) with the branch-and-price results; the full set is read
from --data DIR or $OPTLIB_DATA (DIR/robust/knapsack/). Neur2RO needs torch (`pip install
torch==2.13.0`); --skip-n2ro runs CCG only.

Dropped flags (the suite fixes the two Neur2RO configurations): --model, --candidates,
--main-bounds, --scenarios-per-iteration, --adversary, --adversary-time-limit. --json writes JSON
lines, one tidy record per run (`optlib bench report OUT`).
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _requires import require  # noqa: E402
from _suite_example import add_sweep_args, fail, plan, select, sweep  # noqa: E402


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None,
                    help="a folder holding robust/knapsack/RKP_* (default: $OPTLIB_DATA, then the 44 shipped)")
    ap.add_argument("--sizes", type=int, nargs="+", default=None, help="keep these sizes n (paper set)")
    ap.add_argument("--per-size", type=int, default=None, help="k files per size instead of the suite's two")
    ap.add_argument("--ccg-sizes", type=int, nargs="*", default=None, help="sizes CCG runs on (default 20 30)")
    ap.add_argument("--ccg-time-limit", type=float, default=None)
    ap.add_argument("--n2ro-time-limit", type=float, default=None)
    ap.add_argument("--eval-time-limit", type=float, default=None)
    ap.add_argument("--main", choices=["mip", "local_search"], default=None,
                    help="only Neur2RO-MIP (mip) or Neur2RO (local_search); default both")
    ap.add_argument("--skip-n2ro", action="store_true", help="run only the exact CCG")
    add_sweep_args(ap)
    args = ap.parse_args(argv)
    if args.quick and (args.sizes or args.per_size or args.ccg_sizes is not None):
        ap.error("--sizes, --per-size and --ccg-sizes select paper instances, not --quick ones")
    if args.per_size is not None and args.per_size < 1:
        ap.error("--per-size must be at least 1")
    return args


def _size_of(name: str) -> int:
    """n of an instance name: RKP_*_n<n>_* or gen-UN-n<n>."""
    return int(name.split("_n")[1].split("_")[0]) if name.startswith("RKP_") else int(name.rsplit("-n", 1)[1])


def runs_for(args: argparse.Namespace) -> list[Any]:
    """The robust suite's runs that the flags select, with their options applied."""
    n2ro = {"mip": {"Neur2RO-MIP"}, "local_search": {"Neur2RO"}}.get(args.main, {"Neur2RO", "Neur2RO-MIP"})
    methods = {"CCG"} | (set() if args.skip_n2ro else n2ro)
    if not args.skip_n2ro:
        require("torch", why="Neur2RO's model is read with torch; --skip-n2ro runs CCG only")
    runs = plan("robust", args, data=args.data, keep=lambda r: r.method in methods)
    if not args.quick:
        templates = {r.method: r for r in runs}            # the suite's options per method
        if args.per_size is not None:
            from optlib import datasets
            from problems.robust import knapsack_files

            folder = datasets.knapsack_dir(args.data)
            names = []
            for n in args.sizes or sorted({_size_of(r.instance) for r in runs}):
                files = knapsack_files(folder, n=n)
                step = max(1, len(files) // args.per_size)
                names += [p.name.removesuffix(".gz") for p in files[::step][:args.per_size]]
            runs = [dataclasses.replace(t, instance=name) for name in names for t in templates.values()]
        elif args.sizes:
            runs = select(runs, lambda r: _size_of(r.instance) in args.sizes,
                          f"--sizes {' '.join(map(str, args.sizes))}")
        ccg_sizes = set(args.ccg_sizes if args.ccg_sizes is not None else (20, 30))
        runs = [r for r in runs if r.method != "CCG" or _size_of(r.instance) in ccg_sizes]
        have = {(r.instance, r.method) for r in runs}
        if "CCG" in templates:                            # CCG on every selected instance of --ccg-sizes
            runs += [dataclasses.replace(templates["CCG"], instance=i)
                     for i in dict.fromkeys(r.instance for r in runs)
                     if _size_of(i) in ccg_sizes and (i, "CCG") not in have]
    out = []
    for r in runs:
        o = dict(r.options)
        if r.method == "CCG" and args.ccg_time_limit is not None:
            o["time_limit"] = args.ccg_time_limit
        if r.method != "CCG" and args.n2ro_time_limit is not None:
            o["time_limit"] = args.n2ro_time_limit
        if r.method != "CCG" and args.eval_time_limit is not None:
            o["eval_time_limit"] = args.eval_time_limit
        out.append(dataclasses.replace(r, options=o))
    if not out:
        fail("no runs left: check --sizes, --per-size, --ccg-sizes and --skip-n2ro")
    return out


def paper_results(data: str | None) -> dict[str, dict[str, str]]:
    """The Neur2RO paper's per-instance results keyed by instance, or {} (with a note) when absent."""
    from optlib import datasets

    reason = datasets.missing("robust/knapsack_neur2ro_reference.csv", data)
    if reason is not None:
        print(f"note: no paper columns: {reason}", file=sys.stderr)
        return {}
    with datasets.open_text(datasets.data_path("robust/knapsack_neur2ro_reference.csv", data)) as fh:
        return {r["inst"]: r for r in csv.DictReader(fh)}


def per_size(records: list[dict[str, Any]], paper: dict[str, dict[str, str]]) -> None:
    """Per size: instances (x seeds), median relative error of each method (and of the paper's Neur2RO on
    the same instances), CCG's proved optima, mean times."""
    def med(xs: list[float]) -> str:
        return f"{100 * statistics.median(xs):.2f}%" if xs else "-"

    def mean(xs: list[float]) -> str:
        return f"{statistics.mean(xs):.1f}" if xs else "-"

    print("\n| n | instances | Neur2RO median rel. err. | Neur2RO-MIP median rel. err. | mean time (s) "
          "| paper on same: median | mean time (s) | CCG solved | CCG median rel. err. | CCG mean time (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in sorted({_size_of(r["instance"]) for r in records}):
        rs = [r for r in records if _size_of(r["instance"]) == n]
        err = {m: [r["extra"]["rel_err"] for r in rs if r["method"] == m and r["extra"].get("rel_err") is not None]
               for m in ("Neur2RO", "Neur2RO-MIP", "CCG")}
        n2ro_time = [r["wall_s"] for r in rs if r["method"].startswith("Neur2RO")]
        insts = sorted({r["instance"] for r in rs})
        cases = {(r["instance"], r["seed"]) for r in rs}
        pe = [_paper_err(paper[i], records) for i in insts if i in paper]
        pt = [float(paper[i]["n2ro_time"]) for i in insts if i in paper]
        ccg = [r for r in rs if r["method"] == "CCG"]
        print(f"| {n} | {len(cases)} | {med(err['Neur2RO'])} | {med(err['Neur2RO-MIP'])} | {mean(n2ro_time)} | "
              f"{med([e for e in pe if e is not None])} | {mean(pt)} | "
              f"{sum(r['status'] == 'OPTIMAL' for r in ccg)}/{len(ccg)} | {med(err['CCG'])} | "
              f"{mean([r['wall_s'] for r in ccg])} |")


def _paper_err(row: dict[str, str], records: list[dict[str, Any]]) -> float | None:
    """(best known - paper's value) / best known, the best known value from our records' baseline."""
    base = next((r["baseline"] for r in records if r["instance"] == row["inst"] and r.get("baseline")), None)
    return None if base is None else (base - float(row["n2ro_obj"])) / base


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    args = parse(argv)
    runs = runs_for(args)
    paper = {} if args.quick else paper_results(args.data)
    records = sweep(runs, args)
    per_size(records, paper)
    return records


if __name__ == "__main__":
    main()
