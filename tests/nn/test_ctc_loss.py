"""ctc_loss against a NumPy implementation of the CTC forward recursion; gradients by finite differences."""

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from tests.helpers import OpCase, rand, run_case


def _log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def ctc_one(lp, target, blank=0):
    """-log p(target | lp) for one sample: lp (T, C), by the alpha recursion in probability space."""
    probs = np.exp(lp)
    ext = [blank]
    for y in target:
        ext += [y, blank]
    length = len(ext)
    t_max = lp.shape[0]
    if t_max == 0:
        return np.inf
    alpha = np.zeros(length)
    alpha[0] = probs[0, blank]
    if length > 1:
        alpha[1] = probs[0, ext[1]]
    for t in range(1, t_max):
        new = np.zeros(length)
        for s in range(length):
            a = alpha[s] + (alpha[s - 1] if s >= 1 else 0.0)
            if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                a += alpha[s - 2]
            new[s] = a * probs[t, ext[s]]
        alpha = new
    p = alpha[-1] + (alpha[-2] if length > 1 else 0.0)
    return -np.log(p) if p > 0 else np.inf


def ctc_ref(lp, targets, in_lens, tg_lens, blank=0, reduction="mean", zero_infinity=False):
    losses = []
    for n in range(lp.shape[1]):
        tgt = targets[n, :tg_lens[n]] if targets.ndim == 2 else targets[sum(tg_lens[:n]):sum(tg_lens[:n + 1])]
        losses.append(ctc_one(lp[:in_lens[n], n], list(tgt), blank))
    losses = np.array(losses)
    if zero_infinity:
        losses = np.where(np.isinf(losses), 0.0, losses)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return (losses / np.maximum(np.array(tg_lens), 1)).mean()


LP = _log_softmax(rand(6, 3, 4, seed=1, low=-2, high=2), 2)
TARGETS = np.array([[1, 2, 2], [3, 1, 0], [2, 0, 0]], dtype=np.int64)
IN_LENS = [6, 5, 4]
TG_LENS = [3, 2, 1]


def _fn(lp, targets, in_lens, tg_lens, **kw):
    return F.ctc_loss(lp, targets, in_lens, tg_lens, **kw)


CASES = [
    OpCase("mean", _fn, ctc_ref, [LP, TARGETS, IN_LENS, TG_LENS]),
    OpCase("sum", _fn, ctc_ref, [LP, TARGETS, IN_LENS, TG_LENS], {"reduction": "sum"}),
    OpCase("none", _fn, ctc_ref, [LP, TARGETS, IN_LENS, TG_LENS], {"reduction": "none"}),
    OpCase("blank3", _fn, ctc_ref, [LP, np.array([[1, 2, 2], [0, 1, 0], [2, 0, 0]]), IN_LENS, TG_LENS],
           {"blank": 3, "reduction": "none"}),
    OpCase("concatenated", _fn, ctc_ref, [LP, np.array([1, 2, 2, 3, 1, 2], dtype=np.int64), IN_LENS, TG_LENS],
           {"reduction": "none"}),
    OpCase("empty_target", _fn, ctc_ref, [LP, TARGETS, IN_LENS, [3, 0, 1]], {"reduction": "none"}),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_ctc_against_numpy(case):
    run_case(case)


def test_tensor_lengths_and_concatenated_targets_without_host_lengths():
    lp = lucid.tensor(LP)
    flat = lucid.tensor(np.array([1, 2, 2, 3, 1, 2], dtype=np.int64))
    out = F.ctc_loss(lp, flat, lucid.tensor(IN_LENS), lucid.tensor(TG_LENS), reduction="none")
    np.testing.assert_allclose(out.numpy(), ctc_ref(LP, flat.numpy(), IN_LENS, TG_LENS, reduction="none"),
                               rtol=1e-6)


def test_unbatched_and_module():
    lp = LP[:, 0]
    out = F.ctc_loss(lucid.tensor(lp), lucid.tensor(TARGETS[0]), 6, 3, reduction="sum")
    np.testing.assert_allclose(out.item(), ctc_one(lp, [1, 2, 2]), rtol=1e-6)
    mod = nn.CTCLoss(reduction="sum")
    np.testing.assert_allclose(mod(lucid.tensor(LP), lucid.tensor(TARGETS), IN_LENS, TG_LENS).item(),
                               ctc_ref(LP, TARGETS, IN_LENS, TG_LENS, reduction="sum"), rtol=1e-6)
    assert repr(nn.CTCLoss(zero_infinity=True)) == "CTCLoss(zero_infinity=True)"


def test_impossible_alignment_is_inf_or_zero():
    # A target of 3 repeated labels needs at least 5 frames (a blank between repeats).
    lp = lucid.tensor(LP[:4, :1], requires_grad=True)
    tg = lucid.tensor(np.array([[1, 1, 1]]))
    assert F.ctc_loss(lp, tg, [4], [3], reduction="sum").item() == np.inf
    loss = F.ctc_loss(lp, tg, [4], [3], reduction="sum", zero_infinity=True)
    assert loss.item() == 0.0
    loss.backward()
    np.testing.assert_array_equal(lp.grad.numpy(), 0.0)


def test_float32_and_float16():
    lp32 = lucid.tensor(LP.astype(np.float32))
    out = F.ctc_loss(lp32, lucid.tensor(TARGETS), IN_LENS, TG_LENS)
    assert out.dtype == lucid.float32
    np.testing.assert_allclose(out.item(), ctc_ref(LP, TARGETS, IN_LENS, TG_LENS), rtol=1e-5)
    out16 = F.ctc_loss(lp32.astype(lucid.float16), lucid.tensor(TARGETS), IN_LENS, TG_LENS)
    assert out16.dtype == lucid.float16
    np.testing.assert_allclose(out16.item(), out.item(), rtol=1e-2)


def test_bad_inputs():
    lp = lucid.tensor(LP)
    tg = lucid.tensor(TARGETS)
    with pytest.raises(ValueError, match="exceed"):
        F.ctc_loss(lp, tg, [7, 5, 4], TG_LENS)
    with pytest.raises(ValueError, match="3 lengths"):
        F.ctc_loss(lp, tg, [6, 5], TG_LENS)
    with pytest.raises(ValueError, match="blank"):
        F.ctc_loss(lp, tg, IN_LENS, TG_LENS, blank=4)
    with pytest.raises(TypeError, match="integer"):
        F.ctc_loss(lp, tg.astype(lucid.float32), IN_LENS, TG_LENS)
    with pytest.raises(ValueError, match="sum to"):
        F.ctc_loss(lp, lucid.tensor([1, 2]), IN_LENS, TG_LENS)
    with pytest.raises(ValueError, match="log_probs"):
        F.ctc_loss(lucid.ones(3), tg, IN_LENS, TG_LENS)
    with pytest.raises(ValueError, match="reduction"):
        F.ctc_loss(lp, tg, IN_LENS, TG_LENS, reduction="avg")
    out = F.ctc_loss(lp, lucid.tensor(np.array([[1, 2, 9], [3, 1, 0], [2, 0, 0]])), IN_LENS, TG_LENS)
    with pytest.raises(IndexError, match="ctc_loss"):
        out.item()


def test_zero_frames():
    lp = lucid.tensor(LP[:, :2])
    out = F.ctc_loss(lp, lucid.tensor(np.array([[1], [1]])), [0, 0], [0, 1], reduction="none").numpy()
    np.testing.assert_array_equal(out, [0.0, np.inf])
