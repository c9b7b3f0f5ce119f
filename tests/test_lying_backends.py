"""Every lie of a scripted backend is caught (optlib.testing.lying): the status, the bound and
the point optlib reports hold whatever the backend says."""
from __future__ import annotations

import pytest

import solvers
from optlib.testing import LIES, check_not_fooled, run_lie


@pytest.mark.parametrize("lie", LIES, ids=[lie.name for lie in LIES])
def test_lie_is_caught(lie, monkeypatch):
    res, truth, model = run_lie(lie, lambda name, be: monkeypatch.setitem(solvers._INSTANCES, name, be))
    check_not_fooled(lie, res, truth, model)
    assert res.solver_status is not None       # the solver's word is kept beside optlib's
