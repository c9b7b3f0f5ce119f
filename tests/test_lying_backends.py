"""Every lie of a scripted backend is caught (optlib.testing.lying): the status, the bound and
the point optlib reports hold whatever the backend says."""
from __future__ import annotations

import pytest

import optlib
from optlib.testing import LIES, check_not_fooled, run_lie


@pytest.mark.parametrize("lie", LIES, ids=[lie.name for lie in LIES])
def test_lie_is_caught(lie):
    names = []

    def register(name, be):
        optlib.register_backend(name, lambda: be)
        names.append(name)

    try:
        res, truth, model = run_lie(lie, register)
    finally:
        for name in names:
            optlib.unregister_backend(name)
    check_not_fooled(lie, res, truth, model)
    assert res.solver_status is not None       # the solver's word is kept beside optlib's
