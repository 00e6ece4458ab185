"""Embedding, one_hot and class-index losses never read outside a tensor; bad indices raise at the next sync."""

import pytest

import lucid
import lucid.nn.functional as F
from lucid import nn
from lucid._backend import checks

T = lucid.tensor
BIG = 10**9


@pytest.fixture(autouse=True)
def _clean():
    checks._state.checks = []
    lucid.set_index_checks(True)
    yield
    checks._state.checks = []
    lucid.set_index_checks(True)


def _raises_at_sync(make, match, exc=IndexError):
    out = make()  # the call itself returns
    assert checks.has_pending()
    with pytest.raises(exc, match=match):
        out.tolist()
    assert not checks.has_pending()


# -- embedding -------------------------------------------------------------------
@pytest.mark.parametrize("index, shown", [(BIG, BIG), (7, 7), (5, 5), (-1, -1), (-BIG, -BIG)])
def test_embedding_rejects_out_of_range_and_negative_indices(index, shown):
    emb = nn.Embedding(5, 2)
    _raises_at_sync(lambda: emb(T([0, index])),
                    rf"embedding: index {shown} is out of bounds for dim 0 with size 5: "
                    rf"index values span \[.*\], the valid range is \[0, 4\]")


def test_embedding_valid_indices_are_unchanged():
    w = T([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]])
    assert F.embedding(T([[2, 1], [0, 2]]), w).tolist() == [[[3.0, 4.0], [1.0, 2.0]], [[0.0, 0.0], [3.0, 4.0]]]
    assert not checks.has_pending() or lucid.eval() is None


def test_embedding_with_checks_off_clamps():
    lucid.set_index_checks(False)
    w = T([[0.0], [1.0], [2.0]])
    assert F.embedding(T([BIG, -1, 1]), w).tolist() == [[2.0], [0.0], [1.0]]
    assert not checks.has_pending()


def test_embedding_backward_and_max_norm_stay_inside_the_table():
    lucid.set_index_checks(False)
    w = lucid.ones(3, 2, requires_grad=True)
    F.embedding(T([1, BIG, -BIG]), w).sum().backward()
    assert w.grad.tolist() == [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]  # clamped to rows 2 and 0
    table = T([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    F.embedding(T([BIG]), table, max_norm=1.0)
    assert [round(v, 4) for v in table[2].tolist()] == [0.6, 0.8]  # the clamped row, nothing beyond it
    assert [round(v, 4) for v in table[0].tolist()] == [3.0, 4.0]
    emb = nn.Embedding(3, 2, padding_idx=0, scale_grad_by_freq=True)
    emb(T([[BIG, 1, 1]])).sum().backward()
    assert emb.weight.grad.shape == (3, 2)


def test_embedding_error_surfaces_in_a_training_step():
    emb = nn.Embedding(4, 3)
    opt = lucid.optim.SGD(emb.parameters(), lr=0.1)
    emb(T([1, 9])).sum().backward()
    with pytest.raises(IndexError, match="embedding: index 9"):
        opt.step()


# -- one_hot ---------------------------------------------------------------------
@pytest.mark.parametrize("values, shown", [([0, BIG], BIG), ([0, 3], 3), ([-1, 0], -1)])
def test_one_hot_rejects_values_outside_the_classes(values, shown):
    _raises_at_sync(lambda: F.one_hot(T(values), 3),
                    rf"one_hot: class value {shown} is out of bounds.*valid range is \[0, 2\]", RuntimeError)


def test_one_hot_infers_classes_and_rejects_negatives_at_once():
    assert F.one_hot(T([0, 2])).tolist() == [[1, 0, 0], [0, 0, 1]]
    with pytest.raises(RuntimeError, match="one_hot: class value -3"):
        F.one_hot(T([-3, 1]))


def test_one_hot_with_checks_off_gives_zero_rows():
    lucid.set_index_checks(False)
    assert F.one_hot(T([1, 7]), 2).tolist() == [[0, 1], [0, 0]]


# -- class-index losses ----------------------------------------------------------
LOGITS = lambda: lucid.randn(3, 4)  # noqa: E731


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("target, shown", [([0, 1, BIG], BIG), ([0, 1, 7], 7), ([0, -3, 1], -3), ([4, 0, 0], 4)])
def test_class_losses_reject_out_of_range_targets(loss, target, shown):
    fn = getattr(F, loss)
    _raises_at_sync(lambda: fn(LOGITS(), T(target)),
                    rf"{loss}: target {shown} is out of bounds for dim 1 with size 4.*valid range is \[0, 3\]")


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_ignored_targets_are_not_checked(loss):
    fn = getattr(F, loss)
    x = T([[1.0, 2.0, 0.5], [0.1, 0.2, 0.3]])
    assert fn(x, T([1, -100])).item() == pytest.approx(fn(x[:1], T([1])).item())
    assert fn(x, T([7, 1]), ignore_index=7).item() == pytest.approx(fn(x[1:], T([1])).item())


def test_cross_entropy_spatial_and_weighted_targets():
    x = lucid.randn(2, 3, 4)
    _raises_at_sync(lambda: F.cross_entropy(x, T([[0, 1, 2, 3], [0, 0, 0, 0]])), r"target 3 .*dim 1 with size 3")
    _raises_at_sync(lambda: F.cross_entropy(LOGITS(), T([0, 9, 1]), weight=lucid.ones(4)), r"target 9")
    _raises_at_sync(lambda: F.cross_entropy(LOGITS(), T([0, 9, 1]), label_smoothing=0.1), r"target 9")


def test_class_loss_backward_with_checks_off_is_safe():
    lucid.set_index_checks(False)
    x = lucid.zeros(2, 3, requires_grad=True)
    F.cross_entropy(x, T([BIG, 1]), reduction="sum").backward()
    assert [round(v, 4) for v in x.grad[1].tolist()] == [0.3333, -0.6667, 0.3333]
    assert [round(v, 4) for v in x.grad[0].tolist()] == [0.3333, 0.3333, -0.6667]  # clamped to class 2
