"""Logical constraints written as a user thinks of them, solved natively on CP-SAT and as big-M
rows on HiGHS, each certified (the logic itself is re-checked at the returned point).

    facility location   implies(~open_j, assign[:, j].sum() <= 0): a closed site serves nobody
    job slots           all_different(slot): every job in its own time slot

Run:  python examples/logic_models.py
"""
from __future__ import annotations

import numpy as np

import optlib


def facility_location(rng: np.random.Generator) -> optlib.Model:
    sites, clients = 5, 12
    fixed = rng.integers(20, 40, sites)
    cost = rng.integers(1, 15, (clients, sites))
    capacity = 4
    m = optlib.Model("facility_location")
    open_ = m.boolean(sites, name="open")
    assign = m.boolean((clients, sites), name="assign")
    m.add(assign.sum(axis=1) == 1, name="served")
    for j in range(sites):
        m.add(optlib.implies(open_[j], assign[:, j].sum() <= capacity), name=f"capacity[{j}]")
        m.add(optlib.implies(~open_[j], assign[:, j].sum() <= 0), name=f"closed[{j}]")
    m.minimize(fixed @ open_ + (cost * assign).sum())
    return m


def job_slots(rng: np.random.Generator) -> optlib.Model:
    jobs = 7
    due = rng.integers(0, jobs, jobs)
    weight = rng.integers(1, 6, jobs)
    m = optlib.Model("job_slots")
    slot = m.integer(jobs, lb=0, ub=jobs - 1, name="slot")
    late = m.integer(jobs, lb=0, ub=jobs, name="late")
    m.add(optlib.all_different(slot), name="one_job_per_slot")
    m.add(late >= slot - due, name="lateness")
    m.minimize(weight @ late)
    return m


def main() -> None:
    for build in (facility_location, job_slots):
        for backend in ("cpsat", "highs"):
            m = build(np.random.default_rng(5))
            res = m.solve(backend=backend, time_limit=60)
            print(f"{m.name} on {backend}: {res.problem_class}, status {res.status.name}, objective "
                  f"{res.objective:g}, bound {res.bound:g}, {'verified' if res.verified else 'NOT verified'}")


if __name__ == "__main__":
    main()
