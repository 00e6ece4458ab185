"""lucid.func: transforms against closed forms, finite differences and Lucid's tape; composition."""

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from lucid.func import functional_call, grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp, vmap


def T(a, **kw):
    return lucid.tensor(np.asarray(a, dtype=np.float32), **kw)


def _fd_grad(f, x, eps=1e-3):
    x = np.asarray(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


def test_grad_closed_form_and_finite_difference():
    f = lambda x: (x.sin() * x.exp()).sum()  # noqa: E731
    x = np.array([0.3, -1.2, 2.0])
    g = grad(f)(T(x)).numpy()
    np.testing.assert_allclose(g, np.exp(x) * (np.sin(x) + np.cos(x)), rtol=1e-5)
    np.testing.assert_allclose(g, _fd_grad(lambda v: f(T(v)).item(), x), rtol=2e-3)


def test_grad_matches_tape_and_argnums():
    a, b = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    f = lambda x, y: ((x * y).tanh() ** 2).sum()  # noqa: E731
    ga, gb = grad(f, argnums=(0, 1))(T(a), T(b))
    xa, xb = T(a, requires_grad=True), T(b, requires_grad=True)
    f(xa, xb).backward()
    np.testing.assert_allclose(ga.numpy(), xa.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gb.numpy(), xb.grad.numpy(), rtol=1e-5, atol=1e-6)
    gb_only = grad(f, argnums=1)(T(a), T(b))
    np.testing.assert_allclose(gb_only.numpy(), gb.numpy())


def test_grad_has_aux_and_value():
    def f(x):
        y = (x * x).sum()
        return y, {"double": x * 2, "note": "kept"}

    g, (value, aux) = grad_and_value(f, has_aux=True)(T([1.0, 2.0]))
    assert g.tolist() == [2.0, 4.0] and value.item() == 5.0
    assert aux["double"].tolist() == [2.0, 4.0] and aux["note"] == "kept"
    g2, aux2 = grad(f, has_aux=True)(T([1.0, 2.0]))
    assert g2.tolist() == [2.0, 4.0] and aux2["note"] == "kept"


def test_higher_order_derivatives():
    f = lambda x: (x ** 4).sum()  # noqa: E731
    x = T([1.0, -2.0])
    d2 = grad(lambda v: grad(f)(v).sum())(x)
    assert d2.tolist() == [12.0, 48.0]  # 12 x^2
    d3 = grad(lambda v: grad(lambda w: grad(f)(w).sum())(v).sum())(x)
    assert d3.tolist() == [24.0, -48.0]  # 24 x


def test_grad_over_dict_of_parameters():
    model = nn.Linear(3, 2)
    params = dict(model.named_parameters())
    x, y = lucid.randn(5, 3), lucid.randn(5, 2)
    g = grad(lambda p: F.mse_loss(functional_call(model, p, (x,)), y))(params)
    assert set(g) == {"weight", "bias"}
    F.mse_loss(model(x), y).backward()
    np.testing.assert_allclose(g["weight"].numpy(), model.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g["bias"].numpy(), model.bias.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_per_sample_gradients_match_a_loop():
    lucid.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    params = {k: v.detach() for k, v in model.named_parameters()}
    x, y = lucid.randn(6, 4), lucid.tensor([0, 1, 2, 0, 1, 2])

    def loss(p, xi, yi):
        return F.cross_entropy(functional_call(model, p, (xi[None],)), yi[None])

    per = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)
    assert per["0.weight"].shape == (6, 8, 4)
    for i in range(6):
        model.zero_grad()
        loss(dict(model.named_parameters()), x[i], y[i]).backward()
        for k, p in model.named_parameters():
            np.testing.assert_allclose(per[k][i].numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_vjp_and_jvp():
    x = T([1.0, 2.0, 3.0])
    f = lambda v: v.sin() * v  # noqa: E731
    out, vjp_fn = vjp(f, x)
    np.testing.assert_allclose(out.numpy(), np.sin(x.numpy()) * x.numpy(), rtol=1e-6)
    (gx,) = vjp_fn(T([1.0, 0.0, 2.0]))
    d = np.cos(x.numpy()) * x.numpy() + np.sin(x.numpy())
    np.testing.assert_allclose(gx.numpy(), d * [1.0, 0.0, 2.0], rtol=1e-5)
    out2, t = jvp(f, (x,), (T([1.0, 1.0, 0.0]),))
    np.testing.assert_allclose(out2.numpy(), out.numpy())
    np.testing.assert_allclose(t.numpy(), d * [1.0, 1.0, 0.0], rtol=1e-5)
    with pytest.raises(ValueError, match="cotangent"):
        vjp_fn(T([1.0]))


def test_hessian_vector_product_and_hessian():
    a = np.array([[2.0, 1.0], [1.0, 3.0]], dtype=np.float32)
    f = lambda x: 0.5 * (x @ T(a) @ x) + x.sin().sum()  # noqa: E731
    x = T([0.5, -1.0])
    h = hessian(f)(x).numpy()
    expected = a - np.diag(np.sin(x.numpy()))
    np.testing.assert_allclose(h, expected, rtol=1e-5, atol=1e-6)
    v = T([1.0, 2.0])
    _, hvp = jvp(grad(f), (x,), (v,))
    np.testing.assert_allclose(hvp.numpy(), expected @ v.numpy(), rtol=1e-5)


def test_jacobians_agree_with_finite_differences():
    f = lambda x: (x.unsqueeze(1) * x.unsqueeze(0)).tanh()  # noqa: E731  (3,) -> (3, 3)
    x = np.array([0.2, -0.4, 0.7])
    jr, jf = jacrev(f)(T(x)).numpy(), jacfwd(f)(T(x)).numpy()
    assert jr.shape == (3, 3, 3)
    np.testing.assert_allclose(jr, jf, rtol=1e-5, atol=1e-6)
    fd = np.stack([_fd_grad(lambda v, i=i: f(T(v)).numpy().ravel()[i], x) for i in range(9)]).reshape(3, 3, 3)
    np.testing.assert_allclose(jr, fd, rtol=2e-3, atol=1e-4)
    ja, jb = jacrev(lambda p, q: p * q, argnums=(0, 1))(T([1.0, 2.0]), T([3.0, 4.0]))
    assert ja.tolist() == [[3.0, 0.0], [0.0, 4.0]] and jb.tolist() == [[1.0, 0.0], [0.0, 2.0]]


def test_vmap_in_out_dims():
    x = lucid.randn(4, 3)
    out = vmap(lambda r: r * 2, in_dims=1, out_dims=1)(x)
    np.testing.assert_allclose(out.numpy(), x.numpy() * 2)
    s, p = vmap(lambda a, b: (a.sum(), a * b), in_dims=(0, None))(x, T([1.0, 2.0, 3.0]))
    assert s.shape == (4,) and p.shape == (4, 3)
    with pytest.raises(ValueError, match="in_dims"):
        vmap(lambda a: a, in_dims=(0, 0))(x)


def test_host_reads_inside_transforms_raise():
    with pytest.raises(RuntimeError, match="host"):
        grad(lambda x: x.sum() * x.sum().item())(T([1.0]))
    with pytest.raises(RuntimeError, match="host"):
        vmap(lambda x: x * float(x.sum() > 0))(T([[1.0]]))


def test_index_checks_inside_transforms_do_not_leak():
    from lucid._backend import checks

    table = lucid.randn(3, 2)
    idx = lucid.tensor([0, 5])  # out of range: clamped inside, not reported
    g = grad(lambda t: t[idx].sum())(table)
    assert g.shape == (3, 2)
    assert not checks.has_pending()
    lucid.eval(g)


def test_no_tape_inside_and_errors():
    seen = []
    grad(lambda x: seen.append(lucid.is_grad_enabled()) or x.sum())(T([1.0]))
    assert seen == [False]
    with pytest.raises(RuntimeError, match="one-element"):
        grad(lambda x: x * 2)(T([1.0, 2.0]))
    with pytest.raises(TypeError, match="argnums"):
        grad(lambda x: x.sum(), argnums="0")(T([1.0]))
    with pytest.raises(ValueError, match="has_aux"):
        grad(lambda x: x.sum(), has_aux=True)(T([1.0]))


def test_functional_call_swaps_and_restores():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    model.eval()
    w = model[0].weight
    new = {"0.weight": lucid.zeros(2, 2), "0.bias": T([1.0, 1.0])}
    out = functional_call(model, new, lucid.ones(3, 2))
    expected = model[1](T(np.ones((3, 2))))
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-5)
    assert model[0].weight is w
    with pytest.raises(ValueError, match="unknown"):
        functional_call(model, {"nope": lucid.ones(1)}, lucid.ones(3, 2))
    with pytest.raises(ValueError, match="missing"):
        functional_call(model, new, lucid.ones(3, 2), strict=True)
    with pytest.raises(ValueError):
        functional_call(model, {"0.weight": lucid.zeros(2, 5)}, lucid.ones(3, 2))
    assert model[0].weight is w  # restored after the exception


def test_functional_call_tied_weights_and_tape():
    lin = nn.Linear(2, 2, bias=False)
    model = nn.Sequential(lin, lin)
    w = T([[1.0, 0.0], [0.0, 2.0]], requires_grad=True)
    out = functional_call(model, {"0.weight": w}, T([[1.0, 1.0]]))
    assert out.tolist() == [[1.0, 4.0]]  # both uses replaced
    out.sum().backward()
    # d/dW sum(W W x) = 1 (W x)^T + W^T 1 x^T
    assert w.grad.tolist() == [[2.0, 3.0], [3.0, 4.0]]


def test_autograd_create_graph_points_to_func():
    x = T([1.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="lucid.func"):
        lucid.autograd.grad((x * x).sum(), x, create_graph=True)
