"""lucid.optim.LBFGS: convergence, an independent NumPy L-BFGS, the line search, state and errors."""

import numpy as np
import pytest

import lucid
from lucid._backend import evaluation

# -- problems ---------------------------------------------------------------------------------


def _rosenbrock(opt, x):
    def closure():
        opt.zero_grad()
        a, b = x[0], x[1]
        loss = (1 - a) ** 2 + 100 * (b - a * a) ** 2
        loss.backward()
        return loss
    return closure


def _quadratic(n=6, seed=0):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((n, n))
    a = q @ q.T + n * np.eye(n)
    b = rng.standard_normal(n)
    return a, b


def _quad_closure(opt, x, a, b):
    at, bt = lucid.tensor(a), lucid.tensor(b)

    def closure():
        opt.zero_grad()
        loss = 0.5 * (x * (at @ x)).sum() - (bt * x).sum()
        loss.backward()
        return loss
    return closure


# -- convergence ------------------------------------------------------------------------------------


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_rosenbrock_converges(line_search):
    x = lucid.tensor([-1.5, 2.0], dtype=lucid.float64, requires_grad=True)
    lr = 1.0 if line_search else 0.05
    opt = lucid.optim.LBFGS([x], lr=lr, max_iter=100, max_eval=1000, history_size=10, line_search_fn=line_search)
    closure = _rosenbrock(opt, x)
    for _ in range(10 if line_search else 40):
        opt.step(closure)
    np.testing.assert_allclose(x.numpy(), [1.0, 1.0], atol=1e-4)


def test_quadratic_converges_in_about_n_iterations():
    a, b = _quadratic(6)
    x = lucid.zeros(6, dtype=lucid.float64, requires_grad=True)
    opt = lucid.optim.LBFGS([x], max_iter=100, line_search_fn="strong_wolfe", tolerance_grad=1e-9,
                            tolerance_change=1e-15)
    opt.step(_quad_closure(opt, x, a, b))
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a, b), rtol=1e-7, atol=1e-8)
    # conjugate-gradient-like: n iterations in exact arithmetic, a few more with an inexact search
    assert opt.state[x]["n_iter"] <= 2 * 6


# -- an independent NumPy reference (fixed step, no line search) ----------------------------------


def _np_lbfgs(f_grad, x, n_steps, lr, max_iter, history, tol_grad=1e-7, tol_change=1e-9):
    """L-BFGS as in Nocedal & Wright 7.4/7.5 with PyTorch's step-length rule, written from the formulas."""
    max_eval = max_iter * 5 // 4
    pairs = []  # (s, y)
    gamma = 1.0
    d = t = g_prev = None
    total_iters = 0
    for _ in range(n_steps):
        f, g = f_grad(x)
        evals = 1
        if np.max(np.abs(g)) <= tol_grad:
            continue
        k = 0
        while k < max_iter:
            k += 1
            total_iters += 1
            if total_iters == 1:
                direction = -g
                pairs, gamma = [], 1.0
            else:
                y, s = g - g_prev, d * t
                if y @ s > 1e-10:
                    pairs = (pairs + [(s, y)])[-history:]
                    gamma = (y @ s) / (y @ y)
                q = g.copy()
                alphas = []
                for s_i, y_i in reversed(pairs):
                    alpha = (s_i @ q) / (y_i @ s_i)
                    alphas.append(alpha)
                    q = q - alpha * y_i
                r = gamma * q
                for (s_i, y_i), alpha in zip(pairs, reversed(alphas)):
                    beta = (y_i @ r) / (y_i @ s_i)
                    r = r + (alpha - beta) * s_i
                direction = -r
            d = direction
            g_prev, f_prev = g, f
            t = min(1.0, 1.0 / np.sum(np.abs(g))) * lr if total_iters == 1 else lr
            if g @ d > -tol_change:
                break
            x = x + t * d
            if k != max_iter:
                f, g = f_grad(x)
                evals += 1
            if k == max_iter or evals >= max_eval:
                break
            if np.max(np.abs(g)) <= tol_grad or np.max(np.abs(d * t)) <= tol_change or abs(f - f_prev) < tol_change:
                break
    return x


_C = np.array([1.0, -2.0, 0.5, 3.0])
_A = np.array([[3.0, 0.5, 0.0, 0.2], [0.5, 2.0, 0.3, 0.0], [0.0, 0.3, 1.5, 0.1], [0.2, 0.0, 0.1, 1.0]])


def _np_objective(x):
    # a smooth non-quadratic objective: sum of (x_i - c_i)^4 / 4 + x^T A x / 2, and its gradient
    r = x - _C
    return 0.25 * np.sum(r ** 4) + 0.5 * x @ _A @ x, r ** 3 + _A @ x


@pytest.mark.parametrize("max_iter,n_steps,history", [(1, 6, 100), (5, 1, 100), (4, 3, 2)])
def test_matches_numpy_reference(max_iter, n_steps, history):
    x0 = np.array([0.3, 0.1, -0.4, 0.8])
    expected = _np_lbfgs(_np_objective, x0, n_steps, lr=0.2, max_iter=max_iter, history=history)
    c, a = lucid.tensor(_C), lucid.tensor(_A)
    # two parameters, to exercise the flattening
    p1 = lucid.tensor(x0[:1], dtype=lucid.float64, requires_grad=True)
    p2 = lucid.tensor(x0[1:].reshape(3, 1), dtype=lucid.float64, requires_grad=True)
    opt = lucid.optim.LBFGS([p1, p2], lr=0.2, max_iter=max_iter, history_size=history)

    def closure():
        opt.zero_grad()
        x = lucid.cat([p1, p2.reshape(-1)])
        r = x - c
        loss = 0.25 * (r ** 4).sum() + 0.5 * (x * (a @ x)).sum()
        loss.backward()
        return loss

    for _ in range(n_steps):
        opt.step(closure)
    got = np.concatenate([p1.numpy(), p2.numpy().reshape(-1)])
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    assert not np.allclose(got, x0)


# -- the line search ---------------------------------------------------------------------------------


def _rosenbrock_np(v):
    a, b = v
    return (1 - a) ** 2 + 100 * (b - a * a) ** 2, np.array([-2 * (1 - a) - 400 * a * (b - a * a),
                                                             200 * (b - a * a)])


def _steep_quadratic_np(v):
    return 0.5 * float(v @ v), v.copy()


@pytest.mark.parametrize("x0,problem,lr", [
    ([-1.2, 1.0], "rosenbrock", 1.0),  # the first trial fails the sufficient decrease: zoom
    ([100.0, 0.0], "quadratic", 1.0),  # the first trial (t = 1/|g|_1) is far too short: extrapolation
    ([1.0], "quadratic", 1.95),  # the first trial decreases f but passes the minimum (g.d > 0): zoom
])
def test_strong_wolfe_step_satisfies_the_conditions(x0, problem, lr):
    # One iteration: the accepted step must satisfy both strong Wolfe conditions along d = -g.
    x0 = np.array(x0)
    fg = _rosenbrock_np if problem == "rosenbrock" else _steep_quadratic_np
    x = lucid.tensor(x0, dtype=lucid.float64, requires_grad=True)
    opt = lucid.optim.LBFGS([x], lr=lr, max_iter=1, line_search_fn="strong_wolfe")
    if problem == "rosenbrock":
        closure = _rosenbrock(opt, x)
    else:
        def closure():
            opt.zero_grad()
            loss = 0.5 * (x * x).sum()
            loss.backward()
            return loss
    f0 = opt.step(closure).item()
    _, g0 = fg(x0)
    d = opt.state[x]["d"].numpy()
    t = opt.state[x]["t"]
    np.testing.assert_allclose(d, -g0)
    f1, g1 = fg(x0 + t * d)
    np.testing.assert_allclose(x.numpy(), x0 + t * d, rtol=1e-12)
    assert f1 <= f0 + 1e-4 * t * (g0 @ d)
    assert abs(g1 @ d) <= 0.9 * abs(g0 @ d)
    assert t != min(1.0, 1.0 / np.abs(g0).sum()) * lr  # the search moved away from the first trial
    assert opt.state[x]["func_evals"] > 2


def test_reads_are_batched_once_per_iteration(monkeypatch):
    # Without a line search each inner iteration costs one batched read (plus the final evaluation).
    calls = []
    real = evaluation.eval_arrays
    monkeypatch.setattr(evaluation, "eval_arrays", lambda arrays, budget=None: (calls.append(1), real(arrays))[1])
    a, b = _quadratic(5, seed=1)
    x = lucid.zeros(5, dtype=lucid.float64, requires_grad=True)
    opt = lucid.optim.LBFGS([x], lr=0.1, max_iter=8, max_eval=100, tolerance_grad=0, tolerance_change=0)
    opt.step(_quad_closure(opt, x, a, b))
    assert opt.state[x]["n_iter"] == 8
    assert len(calls) <= 8 + 1 + 1, len(calls)


# -- state -----------------------------------------------------------------------------------------------


def test_state_dict_round_trip_continues_identically(tmp_path):
    def make():
        x = lucid.tensor([-1.0, 1.5], dtype=lucid.float64, requires_grad=True)
        opt = lucid.optim.LBFGS([x], lr=0.5, max_iter=3, max_eval=20, history_size=2, line_search_fn="strong_wolfe")
        return x, opt

    x, opt = make()
    for _ in range(2):
        opt.step(_rosenbrock(opt, x))
    path = tmp_path / "lbfgs.lucid"
    lucid.save({"x": x.detach(), "opt": opt.state_dict()}, path)
    n_iter, evals = opt.state[x]["n_iter"], opt.state[x]["func_evals"]
    assert n_iter == 6 and len(opt.state[x]["old_dirs"]) == 2
    opt.step(_rosenbrock(opt, x))
    expected = x.numpy()

    saved = lucid.load(path)
    y, opt2 = make()
    y.data = saved["x"]
    opt2.load_state_dict(saved["opt"])
    st = opt2.state[y]
    assert (st["n_iter"], st["func_evals"]) == (n_iter, evals)
    assert len(st["old_dirs"]) == len(st["old_stps"]) == len(st["ro"]) == 2
    opt2.step(_rosenbrock(opt2, y))
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12)
    assert opt2.state_dict()["param_groups"][0]["line_search_fn"] == "strong_wolfe"


def test_max_eval_default_and_state_counters():
    x = lucid.tensor([3.0, 1.0], requires_grad=True)
    opt = lucid.optim.LBFGS([x], max_iter=8)
    assert opt.param_groups[0]["max_eval"] == 10
    opt.step(_rosenbrock(opt, x))
    st = opt.state[x]
    assert st["func_evals"] <= 10 and st["n_iter"] <= 8


def test_stops_at_once_when_the_gradient_is_zero():
    x = lucid.tensor([1.0, 1.0], requires_grad=True)
    opt = lucid.optim.LBFGS([x])
    loss = opt.step(_rosenbrock(opt, x))
    assert loss.item() == 0.0 and x.tolist() == [1.0, 1.0]
    assert opt.state[x]["n_iter"] == 0 and opt.state[x]["func_evals"] == 1


def test_closure_may_return_a_number():
    x = lucid.tensor([2.0], requires_grad=True)
    opt = lucid.optim.LBFGS([x], max_iter=5, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((x - 1) ** 2).sum()
        loss.backward()
        return loss.item()

    assert opt.step(closure) == 1.0
    assert abs(x.item() - 1.0) < 1e-5


# -- errors -----------------------------------------------------------------------------------------------


def test_errors():
    x = lucid.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="requires a closure"):
        lucid.optim.LBFGS([x]).step()
    with pytest.raises(TypeError, match="requires a closure"):
        lucid.optim.LBFGS([x]).step(3)
    with pytest.raises(ValueError, match="line_search_fn"):
        lucid.optim.LBFGS([x], line_search_fn="backtracking")
    with pytest.raises(ValueError, match="Invalid learning rate"):
        lucid.optim.LBFGS([x], lr=-1)
    with pytest.raises(ValueError, match="max_iter"):
        lucid.optim.LBFGS([x], max_iter=0)
    with pytest.raises(TypeError, match="history_size"):
        lucid.optim.LBFGS([x], history_size=2.5)
    with pytest.raises(ValueError, match="tolerance_grad"):
        lucid.optim.LBFGS([x], tolerance_grad=-1.0)
    with pytest.raises(ValueError, match="parameter groups"):
        lucid.optim.LBFGS([{"params": [x]}, {"params": [lucid.zeros(1, requires_grad=True)]}])
    opt = lucid.optim.LBFGS([x])
    with pytest.raises(TypeError, match="closure must return the loss"):
        opt.step(lambda: "loss")
    with pytest.raises(ValueError, match="one-element"):
        opt.step(lambda: x * 2)
    with pytest.raises(ValueError, match="entries"):
        opt.load_state_dict({"state": {0: {"d": lucid.zeros(3)}}, "param_groups": opt.state_dict()["param_groups"]})
