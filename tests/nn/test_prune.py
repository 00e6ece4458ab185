"""lucid.nn.utils.prune: masks with exact counts, L1/Ln choices, iterative pruning, global pruning, training."""

import numpy as np
import pytest

import lucid
import lucid.nn as nn
from lucid.func import functional_call, grad
from lucid.nn.util import prune


def _linear(n_in=5, n_out=4, seed=0):
    lucid.random.seed(seed)
    return nn.Linear(n_in, n_out)


def _set(param, values):
    with lucid.no_grad():
        param.copy_(lucid.tensor(np.asarray(values, dtype=np.float32)))


def _zeros(t):
    return int((t.numpy() == 0).sum())


def test_layout_and_l1_int_amount_picks_smallest():
    layer = _linear()
    signs = np.where(np.arange(20) % 3 == 0, -1.0, 1.0).reshape(4, 5)
    W = ((np.random.default_rng(0).permutation(20).reshape(4, 5) + 1) * signs).astype(np.float32)  # distinct |w|
    _set(layer.weight, W)
    orig = layer.weight
    prune.l1_unstructured(layer, "weight", amount=7)
    assert list(layer.state_dict()) == ["bias", "weight_orig", "weight_mask"]
    assert layer.weight_orig is orig and "weight" not in dict(layer.named_parameters())
    mask = layer.weight_mask.numpy()
    expected = np.ones(20, dtype=np.float32)
    expected[np.argsort(np.abs(W).ravel())[:7]] = 0
    np.testing.assert_array_equal(mask, expected.reshape(4, 5))
    np.testing.assert_array_equal(layer.weight.numpy(), W * mask)
    x = lucid.randn(3, 5)
    np.testing.assert_allclose(layer(x).numpy(), x.numpy() @ (W * mask).T + layer.bias.numpy(), rtol=1e-5)
    assert prune.is_pruned(layer)


@pytest.mark.parametrize("amount, expected", [(0.0, 0), (0.3, 6), (0.5, 10), (0.325, 6), (0.375, 8), (1.0, 20), (0, 0),
                                              (20, 20)])
def test_float_and_int_amounts_count_exactly(amount, expected):
    # round(amount * 20) with Python's rounding: 6.5 -> 6, 7.5 -> 8
    layer = prune.l1_unstructured(_linear(), "weight", amount=amount)
    assert _zeros(layer.weight_mask) == expected
    layer = prune.random_unstructured(_linear(), "weight", amount=amount)
    assert _zeros(layer.weight_mask) == expected


def test_importance_scores_decide():
    layer = _linear(3, 1)
    _set(layer.weight, [[0.1, 5.0, 3.0]])
    prune.l1_unstructured(layer, "weight", amount=1, importance_scores=lucid.tensor([[9.0, 1.0, 2.0]]))
    np.testing.assert_array_equal(layer.weight_mask.numpy(), [[1, 0, 1]])


def test_iterative_unstructured_acts_on_remaining_entries():
    layer = _linear()
    W = np.random.default_rng(1).permutation(20).reshape(4, 5).astype(np.float32) + 1.0
    _set(layer.weight, W)
    prune.l1_unstructured(layer, "weight", amount=0.25)  # 5 smallest: values 1..5
    prune.l1_unstructured(layer, "weight", amount=0.4)  # 40% of the 15 left: 6 more, values 6..11
    hook = [h for h in layer._forward_pre_hooks.values() if isinstance(h, prune.BasePruningMethod)]
    assert len(hook) == 1 and isinstance(hook[0], prune.PruningContainer) and len(hook[0]) == 2
    np.testing.assert_array_equal(layer.weight_mask.numpy(), (W > 11).astype(np.float32))
    prune.l1_unstructured(layer, "weight", amount=3)  # 3 more among the 9 left: 12..14
    np.testing.assert_array_equal(layer.weight_mask.numpy(), (W > 14).astype(np.float32))
    prune.random_unstructured(layer, "weight", amount=0.5)  # round(0.5 * 6) = 3 of the 6 left
    assert _zeros(layer.weight_mask) == 17
    assert list(layer.state_dict()) == ["bias", "weight_orig", "weight_mask"]


def test_iterative_int_amount_beyond_remaining_prunes_all_left():
    layer = prune.l1_unstructured(_linear(), "weight", amount=15)
    prune.l1_unstructured(layer, "weight", amount=10)  # only 5 left
    assert _zeros(layer.weight_mask) == 20


@pytest.mark.parametrize("n, dim", [(1, 0), (2, 0), (float("inf"), 1), ("fro", -1), (-float("inf"), 0), (0, 0)])
def test_ln_structured_prunes_smallest_norm_channels(n, dim):
    rng = np.random.default_rng(2)
    W = rng.standard_normal((6, 4)).astype(np.float32)
    W[1, 1] = 0.0  # makes the 0-"norm" (count of nonzeros) distinct for one row
    layer = _linear(4, 6)
    _set(layer.weight, W)
    prune.ln_structured(layer, "weight", amount=2, n=n, dim=dim)
    d = dim % 2
    order = {1: 1, 2: 2, "fro": 2}.get(n, n)
    norms = np.linalg.norm(W, ord=order, axis=1 - d) if order != 0 else (W != 0).sum(axis=1 - d)
    pruned = np.argsort(norms, kind="stable")[:2]
    expected = np.ones_like(W)
    if d == 0:
        expected[pruned, :] = 0
    else:
        expected[:, pruned] = 0
    np.testing.assert_array_equal(layer.weight_mask.numpy(), expected)


def test_structured_on_conv_and_iterative_channels():
    lucid.random.seed(3)
    conv = nn.Conv2d(2, 8, 3)
    W = conv.weight.numpy()
    prune.ln_structured(conv, "weight", amount=0.25, n=2, dim=0)  # 2 of 8 filters
    norms = np.sqrt((W ** 2).sum(axis=(1, 2, 3)))
    first = set(np.argsort(norms)[:2])
    kept = conv.weight_mask.numpy().sum(axis=(1, 2, 3)) != 0
    assert set(np.flatnonzero(~kept)) == first
    prune.ln_structured(conv, "weight", amount=0.5, n=2, dim=0)  # 3 of the 6 filters left
    second = set(np.argsort(np.where(kept, norms, np.inf))[:3])
    gone = conv.weight_mask.numpy().sum(axis=(1, 2, 3)) == 0
    assert set(np.flatnonzero(gone)) == first | second


def test_random_structured_counts_and_seed():
    lucid.random.seed(0)
    a = prune.random_structured(nn.Conv2d(2, 10, 3), "weight", amount=0.3, dim=0).weight_mask.numpy()
    assert int((a.sum(axis=(1, 2, 3)) == 0).sum()) == 3
    lucid.random.seed(0)
    b = prune.random_structured(nn.Conv2d(2, 10, 3), "weight", amount=0.3, dim=0).weight_mask.numpy()
    np.testing.assert_array_equal(a, b)
    layer = prune.random_structured(_linear(5, 4), "weight", amount=2, dim=-1)
    assert int((layer.weight_mask.numpy().sum(axis=0) == 0).sum()) == 2


def test_unstructured_then_structured_keeps_partly_pruned_channels_eligible():
    layer = _linear(3, 4)
    _set(layer.weight, [[9, 9, 9], [1, 1, 1], [8, 0.5, 8], [7, 7, 7]])
    prune.l1_unstructured(layer, "weight", amount=1)  # the 0.5
    prune.ln_structured(layer, "weight", amount=1, n=1, dim=0)  # row 1 (norm 3) goes
    np.testing.assert_array_equal(layer.weight_mask.numpy(),
                                  [[1, 1, 1], [0, 0, 0], [1, 0, 1], [1, 1, 1]])


def test_custom_from_mask_and_identity():
    layer = prune.identity(_linear(2, 2), "weight")
    np.testing.assert_array_equal(layer.weight_mask.numpy(), np.ones((2, 2)))
    prune.custom_from_mask(layer, "weight", mask=lucid.tensor([[1.0, 0.0], [0.0, 1.0]]))
    np.testing.assert_array_equal(layer.weight_mask.numpy(), np.eye(2))
    np.testing.assert_array_equal(layer.weight.numpy(), layer.weight_orig.numpy() * np.eye(2))


def test_global_unstructured_ranks_all_parameters_together():
    net = nn.Sequential(_linear(3, 2), _linear(2, 2, seed=1))
    a = np.array([[0.1, 5.0, 0.3], [4.0, 0.2, 6.0]], dtype=np.float32)
    b = np.array([[0.05, 3.0], [0.25, 7.0]], dtype=np.float32)
    _set(net[0].weight, a)
    _set(net[1].weight, b)
    params = [(net[0], "weight"), (net[1], "weight")]
    prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=4)
    np.testing.assert_array_equal(net[0].weight_mask.numpy(), [[0, 1, 1], [1, 0, 1]])  # 0.05, 0.1, 0.2, 0.25 go
    np.testing.assert_array_equal(net[1].weight_mask.numpy(), [[0, 1], [0, 1]])
    # again with a fraction: half of the 6 entries still unpruned (0.3, 3, 4)
    prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=0.5)
    np.testing.assert_array_equal(net[0].weight_mask.numpy(), [[0, 1, 0], [0, 0, 1]])
    np.testing.assert_array_equal(net[1].weight_mask.numpy(), [[0, 0], [0, 1]])
    # importance scores by (module, name)
    net2 = nn.Sequential(_linear(2, 1), _linear(1, 1))
    prune.global_unstructured([(net2[0], "weight"), (net2[1], "weight")], prune.L1Unstructured,
                              importance_scores={(net2[1], "weight"): lucid.tensor([[-100.0]])}, amount=2)
    assert _zeros(net2[0].weight_mask) == 2 and _zeros(net2[1].weight_mask) == 0


def test_remove_makes_pruning_permanent():
    layer = prune.l1_unstructured(_linear(), "weight", amount=0.5)
    expected = layer.weight.numpy()
    orig = layer.weight_orig
    prune.remove(layer, "weight")
    assert sorted(layer.state_dict()) == ["bias", "weight"]
    assert layer.weight is orig and isinstance(layer.weight, nn.Parameter)
    np.testing.assert_array_equal(layer.weight.numpy(), expected)
    assert not prune.is_pruned(layer)


def test_sgd_step_changes_only_unpruned_entries():
    layer = prune.l1_unstructured(_linear(), "weight", amount=0.5)
    mask = layer.weight_mask.numpy().copy()
    before = layer.weight_orig.numpy().copy()
    opt = lucid.optim.SGD(layer.parameters(), lr=0.1)
    assert {id(p) for p in layer.parameters()} == {id(layer.weight_orig), id(layer.bias)}
    (layer(lucid.randn(3, 5)) ** 2).sum().backward()
    np.testing.assert_array_equal(layer.weight_orig.grad.numpy()[mask == 0], 0)
    opt.step()
    after = layer.weight_orig.numpy()
    np.testing.assert_array_equal(after[mask == 0], before[mask == 0])
    assert not np.allclose(after[mask == 1], before[mask == 1])
    np.testing.assert_array_equal(layer.weight_mask.numpy(), mask)
    layer(lucid.randn(1, 5))
    np.testing.assert_array_equal(layer.weight.numpy()[mask == 0], 0)


def test_pruned_forward_is_lazy():
    layer = prune.l1_unstructured(_linear(), "weight", amount=3)
    x = lucid.randn(2, 5)
    g = grad(lambda w: functional_call(layer, {"weight_orig": w}, (x,)).sum())(layer.weight_orig)
    assert _zeros(g) >= 3


def test_user_defined_method_in_a_container():
    class FirstHalf(prune.BasePruningMethod):
        PRUNING_TYPE = "unstructured"

        def compute_mask(self, t, default_mask):  # prunes the first half of what it is given
            flat = np.ones(t.numel(), dtype=np.float32)
            flat[: t.numel() // 2] = 0
            return default_mask * lucid.tensor(flat.reshape(t.shape))

    layer = _linear(4, 1)
    FirstHalf.apply(layer, "weight")
    FirstHalf.apply(layer, "weight")  # sees only the 2 entries left
    np.testing.assert_array_equal(layer.weight_mask.numpy(), [[0, 0, 0, 1]])


def test_bad_inputs():
    with pytest.raises(ValueError, match="non-negative int or a float in"):
        prune.l1_unstructured(_linear(), "weight", amount=-1)
    with pytest.raises(ValueError, match="non-negative int or a float in"):
        prune.l1_unstructured(_linear(), "weight", amount=1.5)
    with pytest.raises(TypeError, match="amount"):
        prune.l1_unstructured(_linear(), "weight", amount="half")
    with pytest.raises(TypeError, match="amount"):
        prune.l1_unstructured(_linear(), "weight", amount=True)
    layer = _linear()
    with pytest.raises(ValueError, match="larger than"):
        prune.l1_unstructured(layer, "weight", amount=21)
    assert not prune.is_pruned(layer) and "weight" in dict(layer.named_parameters())
    with pytest.raises(ValueError, match="at least 2 dims"):
        prune.ln_structured(_linear(), "bias", amount=1, n=2, dim=0)
    with pytest.raises(ValueError, match="n must be"):
        prune.ln_structured(_linear(), "weight", amount=1, n=-2, dim=0)
    with pytest.raises(ValueError, match="no parameter named 'nope'"):
        prune.l1_unstructured(_linear(), "nope", amount=1)
    with pytest.raises(ValueError, match="not pruned"):
        prune.remove(_linear(), "weight")
    with pytest.raises(ValueError, match="importance_scores"):
        prune.l1_unstructured(_linear(), "weight", amount=1, importance_scores=lucid.ones(2))
    with pytest.raises(TypeError, match="unstructured"):
        prune.global_unstructured([(_linear(), "weight")], prune.LnStructured, amount=1, n=2, dim=0)
    with pytest.raises(TypeError, match="pairs"):
        prune.global_unstructured(_linear(), prune.L1Unstructured, amount=1)
    with pytest.raises(TypeError, match="dict"):
        prune.global_unstructured([(_linear(), "weight")], prune.L1Unstructured, importance_scores=[], amount=1)
    with pytest.raises(ValueError, match="shape"):
        prune.custom_from_mask(_linear(), "weight", mask=lucid.ones(3))
