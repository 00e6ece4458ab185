"""The margin, ranking, triplet, Poisson/Gaussian NLL losses and the distances against NumPy references."""

import math

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from tests.helpers import OpCase, rand, run_case


def _red(loss, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](loss)


def _sign(*shape, seed):
    return np.where(np.random.default_rng(seed).random(shape) < 0.5, -1.0, 1.0)


def _cls(n, c, seed):
    return np.random.default_rng(seed).integers(0, c, size=n).astype(np.int64)


def _logsig(x):
    return -np.logaddexp(0, -x)


# -- references -------------------------------------------------------------------------------

def margin_ranking_ref(x1, x2, y, margin=0.0, reduction="mean"):
    return _red(np.maximum(0, -y * (x1 - x2) + margin), reduction)


def hinge_embedding_ref(x, y, margin=1.0, reduction="mean"):
    return _red(np.where(y == 1, x, np.maximum(0, margin - x)), reduction)


def soft_margin_ref(x, y, reduction="mean"):
    return _red(np.log1p(np.exp(-y * x)), reduction)


def ml_soft_margin_ref(x, y, w=None, reduction="mean"):
    loss = -(y * _logsig(x) + (1 - y) * _logsig(-x))
    if w is not None:
        loss = loss * w
    return _red(loss.mean(axis=-1), reduction)


def cosine_embedding_ref(x1, x2, y, margin=0.0, reduction="mean"):
    cos = (x1 * x2).sum(-1) / np.sqrt(((x1 ** 2).sum(-1) + 1e-12) * ((x2 ** 2).sum(-1) + 1e-12))
    return _red(np.where(y == 1, 1 - cos, np.maximum(0, cos - margin)), reduction)


def poisson_ref(x, y, log_input=True, full=False, eps=1e-8, reduction="mean"):
    loss = np.exp(x) - y * x if log_input else x - y * np.log(x + eps)
    if full:
        ys = np.where(y > 1, y, 1.0)
        loss = loss + np.where(y > 1, ys * np.log(ys) - ys + 0.5 * np.log(2 * np.pi * ys), 0.0)
    return _red(loss, reduction)


def gaussian_ref(x, y, var, full=False, eps=1e-6, reduction="mean"):
    if var.shape != x.shape:
        var = var.reshape(var.shape + (1,)) if var.shape == x.shape[:-1] else var
    v = np.maximum(var, eps)
    loss = 0.5 * (np.log(v) + (x - y) ** 2 / v) + (0.5 * np.log(2 * np.pi) if full else 0.0)
    return _red(loss, reduction)


def pdist_p(a, b, p, eps=1e-6):
    d = np.abs(a - b + eps)
    if p == math.inf:
        return d.max(-1)
    return (d ** p).sum(-1) ** (1 / p)


def triplet_ref(a, pos, neg, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction="mean"):
    dp, dn = pdist_p(a, pos, p, eps), pdist_p(a, neg, p, eps)
    if swap:
        dn = np.minimum(dn, pdist_p(pos, neg, p, eps))
    return _red(np.maximum(margin + dp - dn, 0), reduction)


def multi_margin_ref(x, t, p=1, margin=1.0, w=None, reduction="mean"):
    x2 = np.atleast_2d(x)
    t2 = np.atleast_1d(t)
    n, c = x2.shape
    out = np.zeros(n)
    for i in range(n):
        for j in range(c):
            if j == t2[i]:
                continue
            z = max(0.0, margin - x2[i, t2[i]] + x2[i, j]) ** p
            out[i] += z * (1.0 if w is None else w[t2[i]])
    out /= c
    return _red(out if x.ndim == 2 else out[0], reduction)


def multilabel_margin_ref(x, t, reduction="mean"):
    x2, t2 = np.atleast_2d(x), np.atleast_2d(t)
    n, c = x2.shape
    out = np.zeros(n)
    for i in range(n):
        ys = []
        for v in t2[i]:
            if v == -1:
                break
            ys.append(v)
        for y in ys:
            for j in range(c):
                if j not in ys:
                    out[i] += max(0.0, 1 - (x2[i, y] - x2[i, j]))
    out /= c
    return _red(out if x.ndim == 2 else out[0], reduction)


def cos_sim_ref(a, b, dim=1, eps=1e-8):
    a, b = np.broadcast_arrays(a, b)
    na = np.maximum(np.sqrt((a * a).sum(dim)), eps)
    nb = np.maximum(np.sqrt((b * b).sum(dim)), eps)
    return (a * b).sum(dim) / (na * nb)


def pdist_ref(x, p=2.0):
    i, j = np.triu_indices(x.shape[0], 1)
    return pdist_p(x[i], x[j], p, 0.0)


X, Y = rand(4, 5, seed=1), rand(4, 5, seed=2)
S = _sign(4, 5, seed=3)
L01 = (np.random.default_rng(4).random((4, 5)) < 0.5).astype(np.float64)
MLT = np.array([[3, 0, -1, 1, 2], [1, -1, 2, 2, 2], [-1, 0, 0, 0, 0], [0, 1, 2, 3, 4]], dtype=np.int64)

CASES = [
    OpCase("margin_ranking", F.margin_ranking_loss, margin_ranking_ref, [X, Y, S], {"margin": 0.3}),
    OpCase("margin_ranking_none", F.margin_ranking_loss, margin_ranking_ref, [X, Y, S], {"reduction": "none"}),
    OpCase("hinge_embedding", F.hinge_embedding_loss, hinge_embedding_ref, [X, S], {"margin": 0.5}),
    OpCase("hinge_embedding_sum", F.hinge_embedding_loss, hinge_embedding_ref, [X, S], {"reduction": "sum"}),
    OpCase("soft_margin", F.soft_margin_loss, soft_margin_ref, [X, S]),
    OpCase("soft_margin_none", F.soft_margin_loss, soft_margin_ref, [X, S], {"reduction": "none"}),
    OpCase("ml_soft_margin", F.multilabel_soft_margin_loss, ml_soft_margin_ref, [X, L01]),
    OpCase("ml_soft_margin_w", F.multilabel_soft_margin_loss, ml_soft_margin_ref, [X, L01, rand(5, seed=5, low=0.1)],
           {"reduction": "none"}),
    OpCase("cosine_embedding", F.cosine_embedding_loss, cosine_embedding_ref, [X, Y, _sign(4, seed=6)],
           {"margin": -0.2}),
    OpCase("cosine_embedding_1d", F.cosine_embedding_loss, cosine_embedding_ref, [X[0], Y[0], np.array(-1.0)]),
    OpCase("poisson", F.poisson_nll_loss, poisson_ref, [X, rand(4, 5, seed=7, low=0, high=4)]),
    OpCase("poisson_full", F.poisson_nll_loss, poisson_ref, [rand(4, 5, seed=8, low=0.2, high=3),
                                                           rand(4, 5, seed=7, low=0, high=4)],
           {"log_input": False, "full": True, "reduction": "none"}),
    OpCase("gaussian", F.gaussian_nll_loss, gaussian_ref, [X, Y, rand(4, 5, seed=9, low=0.1, high=2)]),
    OpCase("gaussian_full_shared", F.gaussian_nll_loss, gaussian_ref, [X, Y, rand(4, seed=9, low=0.1, high=2)],
           {"full": True, "reduction": "sum"}),
    OpCase("gaussian_last1", F.gaussian_nll_loss, gaussian_ref, [X, Y, rand(4, 1, seed=9, low=0.1, high=2)],
           {"reduction": "none"}),
    OpCase("triplet", F.triplet_margin_loss, triplet_ref, [X, Y, rand(4, 5, seed=10)], {"margin": 0.8}),
    OpCase("triplet_p1_swap", F.triplet_margin_loss, triplet_ref, [X, Y, rand(4, 5, seed=10)],
           {"p": 1.0, "swap": True, "margin": 2.0, "reduction": "none"}, grad_atol=1e-5),
    OpCase("triplet_p3", F.triplet_margin_loss, triplet_ref, [X, Y, rand(4, 5, seed=10)], {"p": 3.0, "margin": 2.0}),
    OpCase("multi_margin", F.multi_margin_loss, multi_margin_ref, [X, _cls(4, 5, 11)]),
    OpCase("multi_margin_p2_w", F.multi_margin_loss, multi_margin_ref,
           [X, _cls(4, 5, 11), 2, 0.7, rand(5, seed=12, low=0.1)], {"reduction": "none"}),
    OpCase("multi_margin_1d", F.multi_margin_loss, multi_margin_ref, [X[0], np.array(2, dtype=np.int64)]),
    OpCase("multilabel_margin", F.multilabel_margin_loss, multilabel_margin_ref, [X, MLT]),
    OpCase("multilabel_margin_none", F.multilabel_margin_loss, multilabel_margin_ref, [X, MLT], {"reduction": "none"}),
    OpCase("multilabel_margin_1d", F.multilabel_margin_loss, multilabel_margin_ref, [X[0], MLT[0]]),
    OpCase("cosine_similarity", F.cosine_similarity, cos_sim_ref, [X, Y]),
    OpCase("cosine_similarity_bcast", F.cosine_similarity, cos_sim_ref, [rand(3, 1, 4, seed=3), rand(2, 4, seed=4)],
           {"dim": -1}),
    OpCase("pairwise_distance", F.pairwise_distance, lambda a, b: pdist_p(a, b, 2.0), [X, Y]),
    OpCase("pairwise_distance_inf", F.pairwise_distance, lambda a, b, p: pdist_p(a, b, p), [X, Y[0], math.inf]),
    OpCase("pdist", F.pdist, pdist_ref, [X]),
    OpCase("pdist_p1", F.pdist, pdist_ref, [X, 1.0]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_loss_against_numpy(case):
    run_case(case)


def test_modules_match_functional():
    x, y, z = lucid.tensor(X), lucid.tensor(Y), lucid.tensor(rand(4, 5, seed=10))
    s = lucid.tensor(S)
    t = lucid.tensor(_cls(4, 5, 11))
    pairs = [
        (nn.MarginRankingLoss(0.2)(x, y, s), F.margin_ranking_loss(x, y, s, 0.2)),
        (nn.HingeEmbeddingLoss(2.0, "sum")(x, s), F.hinge_embedding_loss(x, s, 2.0, reduction="sum")),
        (nn.SoftMarginLoss()(x, s), F.soft_margin_loss(x, s)),
        (nn.MultiLabelSoftMarginLoss()(x, lucid.tensor(L01)), F.multilabel_soft_margin_loss(x, lucid.tensor(L01))),
        (nn.CosineEmbeddingLoss(0.1)(x, y, s[:, 0]), F.cosine_embedding_loss(x, y, s[:, 0], 0.1)),
        (nn.PoissonNLLLoss(full=True)(x, y.abs()), F.poisson_nll_loss(x, y.abs(), full=True)),
        (nn.GaussianNLLLoss()(x, y, y.abs()), F.gaussian_nll_loss(x, y, y.abs())),
        (nn.TripletMarginLoss(p=1.0)(x, y, z), F.triplet_margin_loss(x, y, z, p=1.0)),
        (nn.TripletMarginWithDistanceLoss(swap=True)(x, y, z), F.triplet_margin_loss(x, y, z, swap=True)),
        (nn.MultiMarginLoss(p=2)(x, t), F.multi_margin_loss(x, t, p=2)),
        (nn.MultiLabelMarginLoss()(x, lucid.tensor(MLT)), F.multilabel_margin_loss(x, lucid.tensor(MLT))),
        (nn.CosineSimilarity(dim=0)(x, y), F.cosine_similarity(x, y, 0)),
        (nn.PairwiseDistance(p=1.0)(x, y), F.pairwise_distance(x, y, 1.0)),
    ]
    for got, want in pairs:
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    assert repr(nn.MultiMarginLoss(p=2, reduction="sum")) == "MultiMarginLoss(reduction='sum', p=2)"
    assert repr(nn.MarginRankingLoss()) == "MarginRankingLoss()"


def test_float32_dtype_kept():
    x = lucid.tensor(X.astype(np.float32))
    s = lucid.tensor(S.astype(np.float32))
    t = lucid.tensor(_cls(4, 5, 1))
    for out in (F.soft_margin_loss(x, s), F.hinge_embedding_loss(x, s), F.multi_margin_loss(x, t),
                F.multilabel_margin_loss(x, lucid.tensor(MLT)), F.cosine_similarity(x, x), F.pdist(x),
                F.gaussian_nll_loss(x, x, x.abs() + 1)):
        assert out.dtype == lucid.float32


def test_bad_inputs():
    x = lucid.tensor(X)
    with pytest.raises(ValueError, match="reduction"):
        F.soft_margin_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match="p = 1 and p = 2"):
        F.multi_margin_loss(x, lucid.tensor(_cls(4, 5, 1)), p=3)
    with pytest.raises(ValueError, match="weight must have shape"):
        F.multi_margin_loss(x, lucid.tensor(_cls(4, 5, 1)), weight=lucid.ones(4))
    with pytest.raises(TypeError, match="integer class indices"):
        F.multi_margin_loss(x, lucid.tensor([0.0, 1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="expected input"):
        F.multi_margin_loss(x, lucid.tensor([0, 1]))
    with pytest.raises(ValueError, match="same shape"):
        F.multilabel_margin_loss(x, lucid.tensor(MLT[:2]))
    with pytest.raises(ValueError, match="same shape"):
        F.margin_ranking_loss(x, x[0], x)
    with pytest.raises(ValueError, match="margin must be non-negative"):
        F.triplet_margin_loss(x, x, x, margin=-1.0)
    with pytest.raises(ValueError, match="var of shape"):
        F.gaussian_nll_loss(x, x, lucid.ones(3))
    with pytest.raises(ValueError, match="expected input1"):
        F.cosine_embedding_loss(x, x, lucid.ones(3))
    with pytest.raises(TypeError):
        F.pdist([[1.0]])
    with pytest.raises(ValueError, match="2-D"):
        F.pdist(lucid.ones(3))
    with pytest.raises(ValueError, match="non-negative"):
        F.pairwise_distance(x, x, p=-1.0)
    with pytest.raises(ValueError, match="broadcast"):
        F.cosine_similarity(x, lucid.ones(3))
    with pytest.raises(TypeError, match="callable"):
        nn.TripletMarginWithDistanceLoss(distance_function=3)


def test_out_of_range_targets_raise_index_error_at_sync():
    x = lucid.tensor(X)
    loss = F.multi_margin_loss(x, lucid.tensor([0, 1, 5, 2]))
    with pytest.raises(IndexError, match="multi_margin_loss"):
        loss.item()
    loss = F.multilabel_margin_loss(x, lucid.tensor([[7, -1, 0, 0, 0]] * 4))
    with pytest.raises(IndexError, match="multilabel_margin_loss"):
        loss.item()
    # Entries after the first -1 are ignored, whatever they hold.
    F.multilabel_margin_loss(x, lucid.tensor([[1, -1, 99, -7, 0]] * 4)).item()


def test_negative_var_raises_at_sync():
    loss = F.gaussian_nll_loss(lucid.ones(3), lucid.ones(3), lucid.tensor([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match="negative"):
        loss.item()


def test_gaussian_var_gradient_passes_the_clamp():
    var = lucid.tensor([1e-9, 1.0], dtype=lucid.float64, requires_grad=True)
    F.gaussian_nll_loss(lucid.zeros(2, dtype=lucid.float64), lucid.ones(2, dtype=lucid.float64), var,
                        eps=1e-6, reduction="sum").backward()
    # As in PyTorch, the gradient is that of the clamped value with the clamp taken as identity.
    np.testing.assert_allclose(var.grad.numpy(), [0.5 / 1e-6 - 0.5 / 1e-12, 0.0], rtol=1e-6)


def test_infinite_inputs_do_not_become_nan():
    x = lucid.tensor([np.inf, -np.inf, 2.0])
    y = lucid.tensor([-1.0, 1.0, 1.0])
    np.testing.assert_array_equal(F.hinge_embedding_loss(x, y, reduction="none").numpy(), [0.0, -np.inf, 2.0])
    np.testing.assert_array_equal(F.poisson_nll_loss(lucid.zeros(2), lucid.tensor([0.0, np.inf]), full=True,
                                                     reduction="none").numpy()[0], 1.0)
