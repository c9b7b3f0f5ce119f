"""Torch import of activation modules: every module's parameters become correct slope bounds.

The check is independent of our slope table: the verified LipSDP bound of a small random
torch net must be at least the largest gradient norm that torch's own autograd finds
(random inputs at several scales, then gradient ascent on the gradient norm), and the slope
bounds must contain every derivative torch computes on a dense grid. Modules that cannot be
bounded must raise ValueError naming them.
"""
import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0): "
                                            "the torch import path cannot be tested")
nn = torch.nn

from problems.lipschitz import from_torch, lipschitz_bound  # noqa: E402


def _grad_norms(model, X, create_graph=False):
    if not X.requires_grad:
        X = X.clone().requires_grad_(True)
    y = model(X).sum()
    g, = torch.autograd.grad(y, X, create_graph=create_graph)
    return g.norm(dim=1)


def sampled_max_gradient(model, n0, seed, n=3000, steps=60, top=16):
    """Largest ||grad f(x)|| torch finds: random inputs (scales 0.1..10), then Adam ascent on
    the gradient norm from the best few (second derivatives by autograd)."""
    gen = torch.Generator().manual_seed(seed)
    scales = torch.tensor([0.1, 1.0, 3.0, 10.0], dtype=torch.float64)
    X = torch.randn(n, n0, generator=gen, dtype=torch.float64) * scales[torch.arange(n) % 4, None]
    norms = _grad_norms(model, X)
    best = float(norms.max())
    start = X[norms.argsort(descending=True)[:top]].clone().requires_grad_(True)
    opt = torch.optim.Adam([start], lr=0.05)
    for _ in range(steps):
        gn = _grad_norms(model, start, create_graph=True)
        best = max(best, float(gn.detach().max()))
        if not gn.requires_grad:            # piecewise linear: no second derivative to follow
            break
        opt.zero_grad()
        try:
            (-gn.sum()).backward()
        except RuntimeError:                # e.g. hardsigmoid has no second derivative in torch
            break
        opt.step()
    return max(best, float(_grad_norms(model, start.detach()).max()))


def small_net(make, seed, dims=(3, 8, 8, 1)):
    torch.manual_seed(seed)
    layers = []
    for k in range(len(dims) - 1):
        layers.append(nn.Linear(dims[k], dims[k + 1]))
        if k < len(dims) - 2:
            layers.append(make())
    net = nn.Sequential(*layers).double()
    with torch.no_grad():                    # larger weights: the pre-activations reach every piece
        for layer in net:
            if isinstance(layer, nn.Linear):
                layer.weight.mul_(2.0)
                layer.bias.mul_(2.0)
    return net.eval()


# (id, factory); the softplus threshold is raised so that float64 nets are accepted
ACTIVATIONS = [
    ("relu", nn.ReLU),
    ("leaky_0.01", lambda: nn.LeakyReLU(0.01)),
    ("leaky_2", lambda: nn.LeakyReLU(2.0)),
    ("leaky_-0.5", lambda: nn.LeakyReLU(-0.5)),
    ("elu_0.5", lambda: nn.ELU(alpha=0.5)),
    ("elu_1", lambda: nn.ELU(alpha=1.0)),
    ("elu_3", lambda: nn.ELU(alpha=3.0)),
    ("elu_10", lambda: nn.ELU(alpha=10.0)),
    ("elu_-0.7", lambda: nn.ELU(alpha=-0.7)),
    ("elu_0", lambda: nn.ELU(alpha=0.0)),
    ("celu_0.5", lambda: nn.CELU(alpha=0.5)),
    ("celu_3", lambda: nn.CELU(alpha=3.0)),
    ("selu", nn.SELU),
    ("softplus_0.5", lambda: nn.Softplus(beta=0.5, threshold=40.0)),
    ("softplus_5", lambda: nn.Softplus(beta=5.0, threshold=40.0)),
    ("hardtanh", lambda: nn.Hardtanh(-0.5, 2.0)),
    ("relu6", nn.ReLU6),
    ("tanh", nn.Tanh),
    ("sigmoid", nn.Sigmoid),
    ("hardsigmoid", nn.Hardsigmoid),
    ("hardswish", nn.Hardswish),
    ("gelu", nn.GELU),
    ("gelu_tanh", lambda: nn.GELU(approximate="tanh")),
    ("silu", nn.SiLU),
    ("mish", nn.Mish),
    ("softsign", nn.Softsign),
    ("tanhshrink", nn.Tanhshrink),
    ("logsigmoid", nn.LogSigmoid),
    ("softshrink", lambda: nn.Softshrink(0.3)),
    ("rrelu", lambda: nn.RReLU(0.1, 0.4)),
    ("prelu_1.7", lambda: nn.PReLU(init=1.7)),
    ("prelu_-0.3", lambda: nn.PReLU(init=-0.3)),
]


@pytest.mark.parametrize("make", [m for _, m in ACTIVATIONS], ids=[i for i, _ in ACTIVATIONS])
@pytest.mark.parametrize("seed", [0, 1])
def test_verified_bound_is_above_sampled_gradients(make, seed):
    model = small_net(make, seed)
    b = lipschitz_bound(model, lower=False)
    assert b.verified
    worst = sampled_max_gradient(model, 3, seed)
    assert b.value >= worst * (1 - 1e-9), f"bound {b.value} below a gradient norm {worst} found by autograd"


@pytest.mark.parametrize("make", [m for _, m in ACTIVATIONS], ids=[i for i, _ in ACTIVATIONS])
def test_slope_bounds_contain_torch_derivatives_and_are_tight(make):
    module = make().double()
    act = from_torch(nn.Sequential(nn.Linear(1, 1), module, nn.Linear(1, 1)).double()).activations[0]
    far = torch.logspace(1.0, 4.0, 2000, dtype=torch.float64)        # slowly approached limits (softsign)
    z = torch.cat([torch.linspace(-15.0, 15.0, 600_001, dtype=torch.float64), far, -far]).requires_grad_(True)
    g, = torch.autograd.grad(module(z).sum(), z)
    g = g.numpy()
    assert act.alpha <= g.min() and g.max() <= act.beta
    if not isinstance(module, nn.RReLU):          # RReLU's bounds also cover the training-mode slopes
        tol = 1e-3 * max(1.0, abs(act.beta))      # inf of e^z-type pieces is approached, not attained
        assert g.min() - act.alpha <= tol and act.beta - g.max() <= tol


@pytest.mark.parametrize("make", [m for _, m in ACTIVATIONS], ids=[i for i, _ in ACTIVATIONS])
def test_our_forward_and_jacobian_match_torch(make):
    """The Activation functions used for the gradient lower bound are the module's function."""
    model = small_net(make, 3)
    net = from_torch(model)
    X = torch.randn(50, 3, dtype=torch.float64) * 3
    assert np.allclose(net.forward(X.numpy()), model(X).detach().numpy(), atol=1e-10)
    for x in X[:10]:
        xr = x.clone().requires_grad_(True)
        g, = torch.autograd.grad(model(xr).sum(), xr)
        assert np.allclose(net.jacobian(x.numpy())[0], g.numpy(), atol=1e-9)


def test_elu_alpha_3_reported_case():
    """The case from the issue: the bound must not drop alpha."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.ELU(alpha=3.0), nn.Linear(8, 1)).double()
    b = lipschitz_bound(model)
    worst = sampled_max_gradient(model, 2, 0)
    assert b.verified and b.value >= worst
    assert b.lower is not None and b.lower <= b.value
    assert b.lower >= 0.9 * worst                     # our numpy ELU now has the same alpha
    assert from_torch(model).activations[0].beta == 3.0


def test_lower_bound_uses_module_parameters():
    model = small_net(lambda: nn.LeakyReLU(2.0), 0)
    b = lipschitz_bound(model)
    worst = sampled_max_gradient(model, 3, 0)
    assert b.lower <= b.value and b.lower >= 0.9 * worst


def test_float32_softplus_default_threshold_is_accepted():
    model = small_net(nn.Softplus, 0).float()         # default beta=1, threshold=20
    b = lipschitz_bound(model, lower=False)
    assert b.verified
    assert b.value >= sampled_max_gradient(copy.deepcopy(model).double(), 3, 0)


def _refused(model, *words):
    with pytest.raises(ValueError) as info:
        from_torch(model)
    for w in words:
        assert w in str(info.value), str(info.value)


def _wrap(mod):
    return nn.Sequential(nn.Linear(2, 4), mod, nn.Linear(4, 1)).double().eval()


@pytest.mark.parametrize("mod, words", [
    (lambda: nn.Hardshrink(0.5), ["Hardshrink", "discontinuous"]),
    (lambda: nn.Threshold(0.1, 20.0), ["Threshold", "discontinuous"]),
    (lambda: nn.Softmax(dim=-1), ["Softmax", "not elementwise"]),
    (lambda: nn.CELU(alpha=-1.0), ["CELU", "alpha"]),
    (lambda: nn.PReLU(num_parameters=4), ["PReLU", "per channel"]),
    (lambda: nn.Softplus(), ["Softplus", "threshold"]),                     # float64: the switch is visible
    (lambda: nn.Softplus(beta=-1.0, threshold=40.0), ["Softplus", "beta"]),
    (lambda: nn.BatchNorm1d(4), ["BatchNorm1d", "cannot be bounded"]),
    (lambda: nn.Conv1d(1, 1, 1), ["Conv1d", "cannot be bounded"]),
    (lambda: nn.Sigmoid().train(), None),                                   # sanity: accepted
])
def test_unsupported_modules_are_refused(mod, words):
    if words is None:
        from_torch(_wrap(mod()))
        return
    _refused(_wrap(mod()), *words)


def test_unknown_parameters_and_overridden_forward_are_refused():
    elu = nn.ELU(alpha=2.0)
    elu.scale = 3.0                                   # an attribute we do not read
    _refused(_wrap(elu), "ELU", "scale")

    class MyELU(nn.ELU):
        def forward(self, x):
            return 5.0 * super().forward(x)
    _refused(_wrap(MyELU()), "MyELU", "forward")

    class Quiet(nn.ReLU):                             # same forward: accepted as ReLU
        pass
    assert from_torch(_wrap(Quiet())).activations[0].name == "relu"

    gelu = nn.GELU()
    gelu.approximate = "cubic"
    _refused(_wrap(gelu), "GELU", "approximate")

    tanh = nn.Tanh()
    tanh.register_forward_hook(lambda m, i, o: 2 * o)
    _refused(_wrap(tanh), "Tanh", "hooks")

    lin = nn.Linear(2, 4)
    lin.register_forward_pre_hook(lambda m, i: None)
    _refused(nn.Sequential(lin, nn.ReLU(), nn.Linear(4, 1)), "Linear", "hooks")

    class Custom(nn.Module):
        def forward(self, x):
            return x
    _refused(_wrap(Custom()), "Custom")


def test_dropout_in_training_mode_is_refused_and_eval_is_identity():
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 1)).double()
    _refused(model, "Dropout", "eval")
    assert len(from_torch(model.eval()).weights) == 2


def test_structure_errors_and_nested_sequential():
    _refused(nn.Sequential(nn.ReLU(), nn.Linear(2, 1)), "ReLU", "follow a Linear")
    _refused(nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Tanh(), nn.Linear(2, 1)), "Tanh", "two activations")
    nested = nn.Sequential(nn.Sequential(nn.Linear(2, 3), nn.ELU(alpha=4.0)), nn.Linear(3, 1))
    assert from_torch(nested).activations[0].beta == 4.0
    with pytest.raises(ValueError, match="nn.Sequential"):
        from_torch(nn.Linear(2, 1))


def test_parametrized_linear_reads_the_effective_weight():
    lin = nn.Linear(3, 4)
    torch.nn.utils.parametrizations.orthogonal(lin)
    model = nn.Sequential(lin, nn.Tanh(), nn.Linear(4, 1)).double()
    W = from_torch(model).weights[0]
    assert np.allclose(W, model[0].weight.detach().numpy())
