"""The backward engine: accumulation, shared subgraphs, retain_graph, roots, deep graphs."""

import time

import mlx.core as mx
import numpy as np
import pytest

import lucid
from lucid.autograd import engine


def _leaf(values, dtype=lucid.float64):
    return lucid.tensor(np.asarray(values, dtype=np.float64), dtype=dtype, requires_grad=True)


def test_gradients_accumulate_across_two_backward_calls():
    x = _leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0, 12.0])
    assert x.grad is first  # accumulated into the same gradient Tensor
    assert x.grad.requires_grad is False and x.grad.is_leaf


def test_diamond_shared_subgraph():
    x = _leaf([1.0, -2.0])
    y = x * 2.0          # shared by both branches
    a = y * 3.0
    b = y * y
    (a + b).sum().backward()
    # d/dx (6x + 4x^2) = 6 + 8x
    np.testing.assert_allclose(x.grad.numpy(), 6 + 8 * np.array([1.0, -2.0]))


def test_same_tensor_twice_in_one_op():
    x = _leaf([3.0])
    (x * x).backward(lucid.tensor([1.0], dtype=lucid.float64))
    np.testing.assert_allclose(x.grad.numpy(), [6.0])


def test_many_contributions_to_one_leaf_are_summed():
    # 600 uses of each leaf: the engine joins the contributions in one sum.
    x = _leaf([0.5, 1.5, -1.0])
    b = lucid.tensor(0.25, dtype=lucid.float64, requires_grad=True)  # 0-d: summed pairwise
    y = x
    for _ in range(300):
        y = y * 1.0 + x + b
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [301.0] * 3)
    np.testing.assert_allclose(b.grad.numpy(), 300.0 * 3)


def test_many_contributions_of_a_non_leaf():
    x = _leaf(np.arange(4.0))
    h = x * 2.0
    total = h * 0.0
    for k in range(50):
        total = total + h * float(k)
    total.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0 * sum(range(50))] * 4)


def test_sum_grads_paths_agree():
    rng = np.random.default_rng(0)
    small = [mx.array(rng.standard_normal((2, 3)).astype(np.float32)) for _ in range(7)]
    expected = np.sum([np.array(g) for g in small], axis=0)
    np.testing.assert_allclose(np.array(engine._sum_grads(small)), expected, rtol=1e-5, atol=1e-6)
    # Mixed dtypes or shapes fall back to pairwise addition.
    mixed = small[:3] + [small[3].astype(mx.float16)]
    assert engine._sum_grads(mixed).shape == (2, 3)
    # Above the byte budget: pairwise, same value.
    big = [mx.ones((600, 600)) for _ in range(3)]
    np.testing.assert_allclose(np.array(engine._sum_grads(big)), np.full((600, 600), 3.0))


def test_retain_graph_allows_a_second_backward():
    x = _leaf([1.0, 2.0])
    y = (x * x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 3 * np.array([1.0, 4.0]))


def test_second_backward_without_retain_graph_raises():
    x = _leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_freed_error_names_the_node():
    x = _leaf([1.0])
    z = x * x
    z.sum().backward()
    with pytest.raises(RuntimeError, match="MulBackward"):
        z.sum().backward()


def test_backward_with_gradient_for_non_scalar_output():
    x = _leaf([1.0, 2.0, 3.0])
    y = x * x
    y.backward(lucid.tensor([1.0, 0.5, -1.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, -6.0])


def test_backward_accepts_array_like_gradients():
    x = _leaf([1.0, 2.0])
    (x * 3.0).backward(np.array([1.0, 2.0]))
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 6.0])


def test_non_scalar_backward_without_gradient_raises():
    x = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="single-element"):
        (x * 2.0).backward()


def test_gradient_of_wrong_shape_raises():
    x = _leaf([1.0, 2.0])
    with pytest.raises(ValueError, match="shape"):
        (x * 2.0).backward(lucid.ones(3))


def test_single_element_non_scalar_output_needs_no_gradient():
    x = _leaf([[2.0]])
    (x * x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[4.0]])


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        lucid.ones(2).sum().backward()
    x = _leaf([1.0])
    with lucid.no_grad():
        y = x * 2.0
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_backward_of_a_leaf_itself():
    x = _leaf([1.0, 2.0])
    x.backward(lucid.tensor([3.0, 4.0]))
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])


def test_backward_inputs_restricts_accumulation():
    x = _leaf([1.0])
    w = _leaf([2.0])
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), [1.0])


def test_autograd_backward_with_several_roots():
    x = _leaf([1.0, 2.0])
    a = x * 2.0
    b = x * x
    lucid.autograd.backward([a, b], [lucid.ones(2), lucid.tensor([1.0, -1.0])])
    np.testing.assert_allclose(x.grad.numpy(), [2.0 + 2.0, 2.0 - 4.0])


def test_autograd_backward_gradient_count_mismatch():
    x = _leaf([1.0])
    with pytest.raises(ValueError, match="gradients"):
        lucid.autograd.backward([x * 2.0, x * 3.0], [lucid.ones(1)])


def test_create_graph_not_supported():
    x = _leaf([1.0])
    with pytest.raises(NotImplementedError):
        lucid.autograd.backward((x * x).sum(), create_graph=True)
    with pytest.raises(NotImplementedError):
        (x * x).sum().backward(create_graph=True)


def test_unused_branch_does_not_block_others():
    x = _leaf([1.0, 2.0])
    used = x * 3.0
    _unused = x * 5.0  # recorded but not part of the loss
    used.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_leaf_gradient_dtype_matches_leaf():
    x = lucid.tensor([1.0, 2.0], dtype=lucid.float16, requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.dtype == lucid.float16
    np.testing.assert_allclose(x.grad.numpy().astype(np.float64), [2.0, 4.0])


def test_integer_outputs_carry_no_graph():
    x = _leaf([1.0, 3.0, 2.0])
    idx = lucid.argmax(x) if hasattr(lucid, "argmax") else (x > 1.5)
    assert idx.grad_fn is None and not idx.requires_grad


def test_backward_does_not_evaluate(monkeypatch):
    calls = []
    monkeypatch.setattr(mx, "eval", lambda *a, **k: calls.append(a))
    x = _leaf([1.0, 2.0])
    (x * x).sum().backward()
    assert calls == []


def test_long_chain_does_not_recurse():
    # 100k nodes: a recursive walk would overflow Python's stack.
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    y = x
    start = time.perf_counter()
    for _ in range(100_000):
        y = y + 1.0
    y.sum().backward()
    lucid.eval(x.grad)
    elapsed = time.perf_counter() - start
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])
    assert elapsed < 120  # a generous bound: it takes about a second here


def test_long_chain_through_function_apply_directly():
    x = lucid.tensor([0.5], dtype=lucid.float64, requires_grad=True)
    y = x
    for _ in range(2000):
        y = y * 1.001
    y.backward(lucid.ones(1, dtype=lucid.float64))
    np.testing.assert_allclose(x.grad.numpy(), [1.001 ** 2000], rtol=1e-10)


@pytest.mark.parametrize("seed", range(6))
def test_random_dags_match_finite_differences(seed):
    # Random DAGs with shared subexpressions, fan-out and fan-in exercise the
    # engine's ordering (heap plus the chain fast path) and accumulation.
    rng = np.random.default_rng(seed)
    n_nodes = int(rng.integers(5, 40))
    plan = []
    for k in range(n_nodes):
        op = rng.choice(["add", "mul", "sub", "scale"])
        i, j = (int(v) for v in rng.integers(0, 3 + k, size=2))
        plan.append((op, i, j, float(rng.uniform(0.5, 1.5))))
    outs = [int(v) for v in rng.choice(3 + n_nodes, size=3, replace=False)]

    def build(a, b, c):
        vals = [a, b, c]
        for op, i, j, s in plan:
            x, y = vals[i], vals[j]
            vals.append(x + y if op == "add" else x * y * 0.5 if op == "mul" else x - y if op == "sub" else x * s)
        return tuple(vals[o] for o in outs)

    inputs = [_leaf(rng.uniform(-1, 1, size=3)) for _ in range(3)]
    assert lucid.autograd.gradcheck(build, inputs, atol=1e-6, rtol=1e-5)
