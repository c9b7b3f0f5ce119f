"""optlib.progress: opt-in progress lines (or a tqdm bar) for long method calls, silent by default."""
import numpy as np
import pytest

from optlib.progress import Reporter, check_progress


def test_reporter_modes(capsys):
    with Reporter(False, "X") as off:
        off("hidden")
        off.step(iteration=1)
    assert capsys.readouterr().err == ""
    with Reporter(True, "X") as on:
        on.step(iteration=2, incumbent=1.5, bound=float("inf"))
        on("done")
    err = capsys.readouterr().err
    assert "X (" in err and "iteration 2, incumbent 1.5, bound inf" in err and "done" in err
    got: list = []
    Reporter(got.append, "Y").step(gap="1%")
    assert len(got) == 1 and got[0].startswith("Y (") and got[0].endswith("gap 1%")
    with Reporter("bar", "Z", total=2) as bar:                  # tqdm when installed, else lines; stderr either way
        bar.step(iteration=1)
        bar("a line")
    assert "a line" in capsys.readouterr().err
    for bad in ("loud", 3, 1.0):
        with pytest.raises(ValueError, match="progress must be"):
            check_progress(bad)


def test_slim_fit_progress_is_opt_in(capsys):
    from problems.scoring import SLIMClassifier

    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, (60, 4)).astype(float)
    y = (X[:, 0] + X[:, 1] + rng.random(60) > 1.5).astype(int)
    quiet = SLIMClassifier(C0=0.01, coef_bounds=(-3, 3), time_limit=30).fit(X, y)
    assert capsys.readouterr().err == ""
    loud = SLIMClassifier(C0=0.01, coef_bounds=(-3, 3), time_limit=30).fit(X, y, progress=True)
    err = capsys.readouterr().err
    assert "SLIM" in err and "method" in err and "OPTIMAL" in err and "bound" in err
    assert np.array_equal(quiet.coef_, loud.coef_)
    with pytest.raises(ValueError, match="progress must be"):
        SLIMClassifier().fit(X, y, progress="loud")


def test_lipschitz_bound_progress_is_opt_in(capsys):
    from problems.lipschitz import lipschitz_bound

    rng = np.random.default_rng(0)
    W = [rng.standard_normal((6, 2)), rng.standard_normal((6, 6)), rng.standard_normal((2, 6))]
    quiet = lipschitz_bound(W, method="lipsdp-neuron", backend="clarabel", lower=False)
    assert capsys.readouterr().err == ""
    loud = lipschitz_bound(W, method="lipsdp-neuron", backend="clarabel", lower=False, progress=True)
    err = capsys.readouterr().err.splitlines()
    assert [ln.split(": ", 1)[1].split(" ")[0] for ln in err] == ["method", "solve", "solve", "certificate:"]
    assert all(ln.startswith("lipschitz_bound (") for ln in err)
    assert "method lipsdp-neuron, norm l2, network 2-6-6-2" in err[0]
    assert "solve started: lipsdp-neuron on backend clarabel" in err[1]
    assert f"upper bound {loud.value:.6g}" in err[2] and "certificate: verified" in err[3]
    assert loud.value == quiet.value and loud.verified
    got: list = []                                              # a callable gets the lines; auto says why
    auto = lipschitz_bound(W, progress=got.append)
    assert capsys.readouterr().err == ""
    assert got[0].startswith("lipschitz_bound (") and f"method {auto.method} (auto: " in got[0]
    assert any("gradient lower bound" in ln for ln in got) and "certificate: verified" in got[-1]
    with pytest.raises(ValueError, match="progress must be"):
        lipschitz_bound(W, progress="loud")
