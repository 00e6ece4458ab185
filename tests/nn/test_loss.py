import warnings

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from tests.helpers import OpCase, rand, run_case, to_tensor


def _red(loss, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](loss)


def _lse(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def mse_ref(x, y, reduction="mean"):
    return _red((x - y) ** 2, reduction)


def l1_ref(x, y, reduction="mean"):
    return _red(np.abs(x - y), reduction)


def huber_ref(x, y, reduction="mean", delta=1.0):
    a = np.abs(x - y)
    return _red(np.where(a < delta, 0.5 * a ** 2, delta * (a - 0.5 * delta)), reduction)


def smooth_l1_ref(x, y, reduction="mean", beta=1.0):
    a = np.abs(x - y)
    return _red(np.where(a < beta, 0.5 * a ** 2 / beta, a - 0.5 * beta), reduction)


def bce_ref(x, y, w=None, reduction="mean"):
    loss = -(y * np.maximum(np.log(x), -100) + (1 - y) * np.maximum(np.log(1 - x), -100))
    return _red(loss if w is None else loss * w, reduction)


def bce_logits_ref(x, y, w=None, reduction="mean", pos_weight=None):
    p = 1.0 if pos_weight is None else pos_weight
    # log(sigmoid(x)) and log(1 - sigmoid(x)) written out stably.
    log_sig = -np.logaddexp(0, -x)
    log_1msig = -np.logaddexp(0, x)
    loss = -(p * y * log_sig + (1 - y) * log_1msig)
    return _red(loss if w is None else loss * w, reduction)


def ce_ref(x, t, weight=None, reduction="mean", ignore_index=-100, label_smoothing=0.0):
    """Cross-entropy over class indices, written from PyTorch's documented formula."""
    cax = 1 if x.ndim >= 2 else 0
    xl = np.moveaxis(x, cax, -1)
    n = xl.shape[-1]
    logp = xl - _lse(xl, -1)
    w = np.ones(n) if weight is None else np.asarray(weight)
    valid = t != ignore_index
    ts = np.where(valid, t, 0)
    nll = -np.take_along_axis(logp, ts[..., None], -1)[..., 0]
    wt = w[ts] * valid
    smooth = -(logp * w).sum(-1) * valid
    eps = label_smoothing
    loss = (1 - eps) * wt * nll + eps / n * smooth
    if reduction == "mean":
        return loss.sum() / wt.sum()
    return _red(loss, reduction)


def ce_prob_ref(x, y, weight=None, reduction="mean", label_smoothing=0.0):
    cax = 1 if x.ndim >= 2 else 0
    n = x.shape[cax]
    logp = x - _lse(x, cax)
    y = (1 - label_smoothing) * y + label_smoothing / n
    shape = [1] * x.ndim
    shape[cax] = n
    wb = 1.0 if weight is None else np.asarray(weight).reshape(shape)
    return _red(-(wb * y * logp).sum(cax), reduction)


def nll_ref(x, t, weight=None, reduction="mean", ignore_index=-100):
    cax = 1 if x.ndim >= 2 else 0
    xl = np.moveaxis(x, cax, -1)
    w = np.ones(xl.shape[-1]) if weight is None else np.asarray(weight)
    valid = t != ignore_index
    ts = np.where(valid, t, 0)
    wt = w[ts] * valid
    loss = -wt * np.take_along_axis(xl, ts[..., None], -1)[..., 0]
    return loss.sum() / wt.sum() if reduction == "mean" else _red(loss, reduction)


def kl_ref(x, t, reduction="mean", log_target=False):
    if log_target:
        loss = np.exp(t) * (t - x)
    else:
        loss = np.where(t == 0, 0.0, t * np.log(np.where(t == 0, 1.0, t))) - t * x
    if reduction == "batchmean":
        return loss.sum() / x.shape[0]
    return _red(loss, reduction)


X = rand(4, 5, seed=1, low=-2, high=2)
Y = rand(4, 5, seed=2, low=-2, high=2)
P = rand(4, 5, seed=3, low=0.05, high=0.95)
T01 = rand(4, 5, seed=4, low=0.0, high=1.0)
LOGITS = rand(6, 4, seed=5, low=-3, high=3)
IDX = np.array([0, 3, 1, 2, 3, 1])
IDX_IGN = np.array([0, -100, 1, 2, -100, 1])
CW = rand(4, seed=6, low=0.5, high=2.0)
CWT = to_tensor(CW)  # class weights are constants (a Tensor, so the harness does not differentiate them)
LOGITS_K = rand(2, 3, 4, 2, seed=7, low=-3, high=3)
IDX_K = np.array([[[0, 2], [1, 1], [2, 0], [-100, 1]], [[2, 2], [0, 1], [1, 0], [0, -100]]])
PROBS = np.abs(rand(6, 4, seed=8)) + 0.1
PROBS = PROBS / PROBS.sum(1, keepdims=True)
KL_T = rand(3, 4, seed=9, low=0.1, high=1.0)
LOGP = np.log(PROBS)

CASES = []
for red in ("mean", "sum", "none"):
    kw = {"reduction": red}
    CASES += [
        OpCase(f"mse_{red}", F.mse_loss, mse_ref, [X, Y], kw),
        OpCase(f"l1_{red}", F.l1_loss, l1_ref, [X, Y], kw),
        OpCase(f"huber_{red}", F.huber_loss, huber_ref, [X, Y], dict(kw, delta=0.7)),
        OpCase(f"smooth_l1_{red}", F.smooth_l1_loss, smooth_l1_ref, [X, Y], dict(kw, beta=0.5)),
        OpCase(f"bce_{red}", F.binary_cross_entropy, bce_ref, [P, T01], kw),
        OpCase(f"bce_weight_{red}", F.binary_cross_entropy, bce_ref, [P, T01, rand(5, seed=10, low=0.5, high=2)], kw),
        OpCase(f"bce_logits_{red}", F.binary_cross_entropy_with_logits, bce_logits_ref, [X, T01], kw),
        OpCase(f"ce_{red}", F.cross_entropy, ce_ref, [LOGITS, IDX], kw),
        OpCase(f"ce_weight_ignore_{red}", F.cross_entropy, ce_ref, [LOGITS, IDX_IGN], dict(kw, weight=CWT)),
        OpCase(f"ce_smoothing_{red}", F.cross_entropy, ce_ref, [LOGITS, IDX_IGN],
               dict(kw, weight=CWT, label_smoothing=0.2)),
        OpCase(f"ce_kdim_{red}", F.cross_entropy, ce_ref, [LOGITS_K, IDX_K], dict(kw, label_smoothing=0.1)),
        OpCase(f"ce_probs_{red}", F.cross_entropy, ce_prob_ref, [LOGITS, PROBS], kw),
        OpCase(f"nll_{red}", F.nll_loss, nll_ref, [LOGP, IDX_IGN], dict(kw, weight=CWT)),
        OpCase(f"kl_{red}", F.kl_div, kl_ref, [LOGP[:3], KL_T], kw),
    ]
CASES += [
    OpCase("mse_0d", F.mse_loss, mse_ref, [rand(seed=11), rand(seed=12)]),
    OpCase("smooth_l1_beta0_is_l1", lambda x, y: F.smooth_l1_loss(x, y, beta=0.0), l1_ref, [X, Y]),
    OpCase("bce_logits_pos_weight",
           lambda x, y, w, pw, reduction: F.binary_cross_entropy_with_logits(x, y, w, pos_weight=pw,
                                                                              reduction=reduction),
           lambda x, y, w, pw, reduction: bce_logits_ref(x, y, w, reduction, pw),
           [X, T01, rand(4, 5, seed=13, low=0.5, high=2), rand(5, seed=14, low=0.5, high=3)],
           {"reduction": "sum"}),
    OpCase("ce_unbatched", F.cross_entropy, ce_ref, [LOGITS[0], np.array(2)]),
    OpCase("ce_unbatched_none", F.cross_entropy, ce_ref, [LOGITS[0], np.array(2)], {"reduction": "none"}),
    OpCase("ce_custom_ignore_index", F.cross_entropy, ce_ref, [LOGITS, IDX], {"ignore_index": 3}),
    OpCase("ce_probs_weight_smoothing", F.cross_entropy, ce_prob_ref, [LOGITS, PROBS],
           {"weight": CWT, "label_smoothing": 0.3}),
    # ascontiguousarray: gradcheck's numerical side needs C-contiguous inputs.
    OpCase("ce_probs_kdim", F.cross_entropy, ce_prob_ref, [LOGITS_K, np.ascontiguousarray(np.moveaxis(
        np.eye(3)[np.where(IDX_K < 0, 0, IDX_K)], -1, 1))], {"reduction": "sum"}),
    OpCase("nll_kdim", F.nll_loss, nll_ref, [LOGITS_K - _lse(LOGITS_K, 1), IDX_K]),
    OpCase("kl_batchmean", F.kl_div, kl_ref, [LOGP[:3], KL_T], {"reduction": "batchmean"}),
    OpCase("kl_log_target", F.kl_div, kl_ref, [LOGP[:3], np.log(KL_T)], {"reduction": "sum", "log_target": True}),
    OpCase("kl_zero_target", lambda x, t: F.kl_div(x, t, reduction="sum"), lambda x, t: kl_ref(x, t, "sum"),
           [LOGP[:1], np.array([[0.0, 0.5, 0.5, 0.0]])], grad=False),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_loss(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kl_div's reduction='mean' warning
        run_case(case)


def test_label_smoothing_against_smoothed_distribution():
    """Unweighted label smoothing equals CE against (1 - eps) onehot + eps / C."""
    eps, n = 0.25, LOGITS.shape[1]
    q = (1 - eps) * np.eye(n)[IDX] + eps / n
    logp = LOGITS - _lse(LOGITS, 1)
    expected = -(q * logp).sum(1).mean()
    got = F.cross_entropy(to_tensor(LOGITS), lucid.tensor(IDX), label_smoothing=eps).item()
    assert got == pytest.approx(expected, rel=1e-12)
    # ... and the probability-target form with the same smoothing agrees.
    onehot = to_tensor(np.eye(n)[IDX])
    assert F.cross_entropy(to_tensor(LOGITS), onehot, label_smoothing=eps).item() == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_matches_log_softmax_nll_composition():
    up_x = to_tensor(LOGITS, requires_grad=True)
    comp_x = to_tensor(LOGITS, requires_grad=True)
    t = lucid.tensor(IDX_IGN)
    w = to_tensor(CW)
    for reduction in ("mean", "sum"):
        up_x.grad = comp_x.grad = None
        fused = F.cross_entropy(up_x, t, w, reduction=reduction)
        comp = F.nll_loss(F.log_softmax(comp_x, dim=1), t, w, reduction=reduction)
        assert fused.item() == pytest.approx(comp.item(), rel=1e-12)
        fused.backward()
        comp.backward()
        np.testing.assert_allclose(up_x.grad.numpy(), comp_x.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    x = to_tensor(LOGITS, requires_grad=True)
    F.cross_entropy(x, lucid.tensor(IDX), reduction="sum").backward()
    s = np.exp(LOGITS - _lse(LOGITS, 1))
    np.testing.assert_allclose(x.grad.numpy(), s - np.eye(4)[IDX], rtol=1e-12, atol=1e-15)


def test_cross_entropy_stable_for_large_logits():
    x = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 1e4], [5e3, 1e4, 0.0]], dtype=np.float32)
    t = np.array([0, 1, 2])
    xt = lucid.tensor(x, requires_grad=True)
    loss = F.cross_entropy(xt, lucid.tensor(t), reduction="none")
    # float32 resolves 1e4 + log(2) only to about 1e-3.
    np.testing.assert_allclose(loss.numpy(), ce_ref(x.astype(np.float64), t, reduction="none"), rtol=1e-5,
                               atol=2e-3)
    loss.sum().backward()
    g = xt.grad.numpy()
    assert np.isfinite(g).all()
    np.testing.assert_allclose(g[0], [0.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(g[1], [0.0, -0.5, 0.5], atol=1e-3)
    np.testing.assert_allclose(g[2], [0.0, 1.0, -1.0], atol=1e-6)


def test_bce_with_logits_stable_for_large_logits():
    x = lucid.tensor([1e4, -1e4, 50.0, -50.0], requires_grad=True)
    y = lucid.tensor([0.0, 1.0, 1.0, 0.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.numpy(), [1e4, 1e4, 0.0, 0.0], atol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, -1.0, 0.0, 0.0], atol=1e-6)


def test_bce_clamps_log():
    x = lucid.tensor([0.0, 1.0, 0.0], requires_grad=True)
    y = lucid.tensor([1.0, 0.0, 0.0])
    loss = F.binary_cross_entropy(x, y, reduction="none")
    assert loss.tolist() == [100.0, 100.0, 0.0]
    loss.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_ignore_index_contributes_nothing():
    x = to_tensor(LOGITS, requires_grad=True)
    loss = F.cross_entropy(x, lucid.tensor(IDX_IGN), reduction="none")
    assert loss.numpy()[1] == 0.0 and loss.numpy()[4] == 0.0
    F.cross_entropy(x, lucid.tensor(IDX_IGN)).backward()
    np.testing.assert_array_equal(x.grad.numpy()[[1, 4]], 0.0)
    # Mean over the 4 non-ignored targets only.
    kept = [0, 2, 3, 5]
    expected = ce_ref(LOGITS[kept], IDX_IGN[kept])
    assert F.cross_entropy(to_tensor(LOGITS), lucid.tensor(IDX_IGN)).item() == pytest.approx(expected, rel=1e-12)


def test_class_weight_requiring_grad_raises():
    w = lucid.ones(3, requires_grad=True)
    with pytest.raises(NotImplementedError, match="detach"):
        F.cross_entropy(lucid.ones(2, 3), lucid.tensor([0, 1]), w)
    with lucid.no_grad():
        F.cross_entropy(lucid.ones(2, 3), lucid.tensor([0, 1]), w)


def test_all_ignored_mean_is_nan():
    out = F.cross_entropy(lucid.ones(2, 3), lucid.tensor([-100, -100]))
    assert np.isnan(out.item())


def test_int_target_kinds_and_dtypes():
    x = lucid.tensor(LOGITS.astype(np.float32))
    for dt in (lucid.int32, lucid.int64, lucid.uint8):
        t = lucid.tensor(IDX, dtype=dt)
        assert F.cross_entropy(x, t).item() == pytest.approx(ce_ref(LOGITS, IDX), rel=1e-5)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_loss_dtype(dtype):
    dt = getattr(lucid, dtype)
    x = lucid.tensor(LOGITS, dtype=dt, requires_grad=True)
    loss = F.cross_entropy(x, lucid.tensor(IDX))
    assert loss.dtype == dt
    loss.backward()
    assert x.grad.dtype == dt
    assert F.mse_loss(x, lucid.tensor(LOGITS, dtype=dt)).dtype == dt


def test_errors():
    x = lucid.ones(4, 3)
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        nn.CrossEntropyLoss(reduction="batchmean")
    with pytest.raises(TypeError, match="integers"):
        F.cross_entropy(x, lucid.tensor([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match=r"expected target of shape \(4,\)"):
        F.cross_entropy(x, lucid.tensor([[0], [1], [2], [1]]))
    with pytest.raises(ValueError, match="class probabilities"):
        F.cross_entropy(x, lucid.ones(4, 2))
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        F.cross_entropy(x, lucid.tensor([0, 1, 2, 1]), lucid.ones(4))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, lucid.tensor([0, 1, 2, 1]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="0-d"):
        F.cross_entropy(lucid.tensor(1.0), lucid.tensor(0))
    with pytest.raises(TypeError, match="floating point"):
        F.cross_entropy(lucid.tensor([[1, 2]]), lucid.tensor([0]))
    with pytest.raises(TypeError, match="integer class indices"):
        F.nll_loss(x, lucid.ones(4, 3))
    with pytest.raises(ValueError, match="same shape"):
        F.binary_cross_entropy(lucid.ones(4) * 0.5, lucid.ones(4, 1))
    with pytest.raises(ValueError, match="same shape"):
        F.binary_cross_entropy_with_logits(x, lucid.ones(3))
    with pytest.raises(ValueError, match="cannot be broadcast"):
        F.mse_loss(x, lucid.ones(2))
    with pytest.raises(ValueError, match="delta"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match="beta"):
        F.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(TypeError, match="target"):
        F.mse_loss(x, 1.0)


def test_broadcast_target_warns():
    with pytest.warns(UserWarning, match="differs from input size"):
        out = F.mse_loss(lucid.ones(3, 2), lucid.zeros(2))
    assert out.item() == 1.0


def test_kl_div_mean_warns():
    p = lucid.tensor([[0.5, 0.5]])
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(p.log(), p)


def test_weight_gradients():
    """BCE weights and pos_weight are differentiable (checked by finite differences in the table)."""
    w = to_tensor(rand(4, 5, seed=20, low=0.5, high=2), requires_grad=True)
    F.binary_cross_entropy(to_tensor(P), to_tensor(T01), w, reduction="sum").backward()
    np.testing.assert_allclose(w.grad.numpy(), bce_ref(P, T01, reduction="none"), rtol=1e-12)


# -- modules ----------------------------------------------------------------------

def test_module_reprs_and_state():
    assert repr(nn.MSELoss()) == "MSELoss()"
    assert repr(nn.L1Loss(reduction="sum")) == "L1Loss(reduction='sum')"
    assert repr(nn.HuberLoss(delta=2.0)) == "HuberLoss(delta=2.0)"
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.CrossEntropyLoss(label_smoothing=0.1)) == "CrossEntropyLoss(label_smoothing=0.1)"
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    assert list(nn.CrossEntropyLoss(weight=lucid.ones(3)).state_dict()) == ["weight"]
    assert list(nn.BCEWithLogitsLoss(pos_weight=lucid.ones(3)).state_dict()) == ["pos_weight"]
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=-0.1)


@pytest.mark.parametrize("module, fn, args", [
    (nn.MSELoss(reduction="sum"), lambda a, b: F.mse_loss(a, b, reduction="sum"), (X, Y)),
    (nn.L1Loss(), F.l1_loss, (X, Y)),
    (nn.HuberLoss(delta=0.5), lambda a, b: F.huber_loss(a, b, delta=0.5), (X, Y)),
    (nn.SmoothL1Loss(beta=0.5), lambda a, b: F.smooth_l1_loss(a, b, beta=0.5), (X, Y)),
    (nn.BCELoss(), F.binary_cross_entropy, (P, T01)),
    (nn.BCEWithLogitsLoss(pos_weight=to_tensor(CW[:1].repeat(5))),
     lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=to_tensor(CW[:1].repeat(5))), (X, T01)),
    (nn.CrossEntropyLoss(weight=to_tensor(CW), ignore_index=1, label_smoothing=0.1),
     lambda a, b: F.cross_entropy(a, b, to_tensor(CW), ignore_index=1, label_smoothing=0.1), (LOGITS, IDX)),
    (nn.NLLLoss(reduction="none"), lambda a, b: F.nll_loss(a, b, reduction="none"), (LOGP, IDX)),
    (nn.KLDivLoss(reduction="batchmean", log_target=True),
     lambda a, b: F.kl_div(a, b, reduction="batchmean", log_target=True), (LOGP, LOGP[::-1].copy())),
])
def test_modules_match_functional(module, fn, args):
    tens = [to_tensor(a) for a in args]
    np.testing.assert_array_equal(module(*tens).numpy(), fn(*tens).numpy())


def test_documented_example():
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    x = lucid.random.randn(32, 8)
    y = lucid.random.randint(0, 4, size=(32,))
    out = model(x)
    loss = lucid.nn.functional.cross_entropy(out, y)
    loss.backward()
    ref = ce_ref(out.numpy().astype(np.float64), y.numpy())
    assert loss.item() == pytest.approx(ref, rel=1e-5)
    assert model[2].bias.grad.shape == (4,)


# -- float32 (the fused softmax-minus-onehot backward) against float64 ----------------------------
@pytest.mark.parametrize("kw", [dict(), dict(reduction="sum"), dict(reduction="none"), dict(ignore_index=2),
                                dict(weight=np.array([0.5, 2.0, 1.0, 1.5])), dict(label_smoothing=0.1)],
                         ids=["mean", "sum", "none", "ignore", "weight", "smoothing"])
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 5)], ids=["2d", "4d"])
def test_cross_entropy_float32_matches_float64(fuse_all, kw, shape):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape) * 3
    t = rng.integers(0, 4, size=(shape[0],) + shape[2:])
    up = rng.standard_normal(t.shape) if kw.get("reduction") == "none" else np.array(1.7)
    grads = []
    for dt in (np.float32, np.float64):
        args = dict(kw)
        if "weight" in args:
            args["weight"] = lucid.tensor(args["weight"].astype(dt))
        xt = lucid.tensor(x.astype(dt), requires_grad=True)
        loss = F.cross_entropy(xt, lucid.tensor(t), **args)
        loss.backward(lucid.tensor(up.astype(dt)))
        grads.append((loss.numpy(), xt.grad.numpy()))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("make", "expected"), [
    (lambda: nn.MSELoss(reduction="sum"), "MSELoss(reduction='sum')"),
    (lambda: nn.HuberLoss("sum", 2.0), "HuberLoss(reduction='sum', delta=2.0)"),
    (lambda: nn.SmoothL1Loss(beta=0.0), "SmoothL1Loss(beta=0.0)"),
    (lambda: nn.CrossEntropyLoss(reduction="sum", label_smoothing=0.1),
     "CrossEntropyLoss(reduction='sum', label_smoothing=0.1)"),
    (lambda: nn.CrossEntropyLoss(ignore_index=0, label_smoothing=0), "CrossEntropyLoss(ignore_index=0)"),
    (lambda: nn.NLLLoss(ignore_index=3, reduction="none"), "NLLLoss(reduction='none', ignore_index=3)"),
    (lambda: nn.KLDivLoss("batchmean", True), "KLDivLoss(reduction='batchmean', log_target=True)"),
    (lambda: nn.KLDivLoss(), "KLDivLoss()"),
])
def test_loss_layer_reprs_show_non_default_settings(make, expected):
    assert repr(make()) == expected
