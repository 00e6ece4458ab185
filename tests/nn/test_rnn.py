"""Recurrent layers and cells against NumPy references of PyTorch's formulas, forward and backward."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lucid
import lucid.nn as nn
from lucid.nn.util.rnn import pack_padded_sequence, pad_packed_sequence

F64 = lucid.float64


# -- NumPy references ------------------------------------------------------------------------------
def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def ref_cell(mode, x, h, c, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None):
    """One step of PyTorch's cell formulas on NumPy arrays; returns (h', c')."""
    gi = x @ w_ih.T + (0 if b_ih is None else b_ih)
    gh = h @ w_hh.T + (0 if b_hh is None else b_hh)
    if mode == "rnn_tanh":
        return np.tanh(gi + gh), None
    if mode == "rnn_relu":
        return np.maximum(gi + gh, 0), None
    hid = w_hh.shape[0] // (4 if mode == "lstm" else 3)
    if mode == "lstm":
        a = gi + gh
        i, f, g, o = (a[..., k * hid:(k + 1) * hid] for k in range(4))
        c2 = _sig(f) * c + _sig(i) * np.tanh(g)
        h2 = _sig(o) * np.tanh(c2)
        return (h2 if w_hr is None else h2 @ w_hr.T), c2
    r = _sig(gi[..., :hid] + gh[..., :hid])
    z = _sig(gi[..., hid:2 * hid] + gh[..., hid:2 * hid])
    n = np.tanh(gi[..., 2 * hid:] + r * gh[..., 2 * hid:])
    return (1 - z) * n + z * h, None


def _params(module):
    return {k: v.numpy().astype(np.float64) for k, v in module.named_parameters()}


def ref_layer(module, x, h0=None, c0=None, lengths=None):
    """Run each sequence of a (T, N, I) batch alone through a NumPy stack; outputs are zero-padded."""
    p = _params(module)
    mode = {"RNN_TANH": "rnn_tanh", "RNN_RELU": "rnn_relu", "LSTM": "lstm", "GRU": "gru"}[module.mode]
    steps, n, _ = x.shape
    dirs = 2 if module.bidirectional else 1
    hid = module.hidden_size
    hout = module.proj_size or hid
    lengths = [steps] * n if lengths is None else lengths
    out = np.zeros((steps, n, dirs * hout))
    h_n = np.zeros((module.num_layers * dirs, n, hout))
    c_n = np.zeros((module.num_layers * dirs, n, hid))
    for b in range(n):
        inp = x[:lengths[b], b]
        for layer in range(module.num_layers):
            outs = []
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                k = layer * dirs + d
                h = np.zeros(hout) if h0 is None else h0[k, b]
                c = np.zeros(hid) if c0 is None else c0[k, b]
                seq = np.zeros((len(inp), hout))
                for t in (range(len(inp) - 1, -1, -1) if d else range(len(inp))):
                    h, c = ref_cell(mode, inp[t], h, c, p["weight_ih" + sfx], p["weight_hh" + sfx],
                                    p.get("bias_ih" + sfx), p.get("bias_hh" + sfx), p.get("weight_hr" + sfx))
                    seq[t] = h
                outs.append(seq)
                h_n[k, b] = h
                if mode == "lstm":
                    c_n[k, b] = c
            inp = np.concatenate(outs, axis=-1)
        out[:lengths[b], b] = inp
    return out, h_n, c_n


def _t(a, requires_grad=False):
    return lucid.tensor(a, dtype=F64, device="cpu", requires_grad=requires_grad)


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape)


def _make(cls, *args, **kwargs):
    lucid.manual_seed(0)
    return cls(*args, dtype=F64, device="cpu", **kwargs)


def _call(module, x, h0=None, c0=None):
    out = module(x, (h0, c0)) if isinstance(module, nn.LSTM) and h0 is not None else module(x, h0)
    return out


# -- forward against NumPy -------------------------------------------------------------------------
LAYERS = [
    (nn.RNN, {}),
    (nn.RNN, {"nonlinearity": "relu"}),
    (nn.LSTM, {}),
    (nn.LSTM, {"proj_size": 2}),
    (nn.GRU, {}),
]


def _ids(case):
    cls, kw = case
    return cls.__name__ + "".join(f"-{k}={v}" for k, v in kw.items())


@pytest.mark.parametrize("case", LAYERS, ids=[_ids(c) for c in LAYERS])
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True)])
@pytest.mark.parametrize("with_state", [False, True])
def test_layer_forward_matches_numpy(case, layers, bidirectional, with_state):
    cls, kw = case
    m = _make(cls, 3, 4, num_layers=layers, bidirectional=bidirectional, **kw)
    x = _rand(5, 2, 3)
    dirs = 2 if bidirectional else 1
    hout = kw.get("proj_size") or 4
    h0 = _rand(layers * dirs, 2, hout, seed=1) if with_state else None
    c0 = _rand(layers * dirs, 2, 4, seed=2) if with_state and cls is nn.LSTM else None
    args = [_t(x)]
    if with_state:
        args.append((_t(h0), _t(c0)) if cls is nn.LSTM else _t(h0))
    out, state = m(*args)
    ref_out, ref_h, ref_c = ref_layer(m, x, h0, c0)
    assert out.shape == (5, 2, dirs * hout)
    np.testing.assert_allclose(out.numpy(), ref_out, atol=1e-12)
    if cls is nn.LSTM:
        h_n, c_n = state
        np.testing.assert_allclose(c_n.numpy(), ref_c, atol=1e-12)
    else:
        h_n = state
    assert h_n.shape == (layers * dirs, 2, hout)
    np.testing.assert_allclose(h_n.numpy(), ref_h, atol=1e-12)


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_batch_first_and_unbatched_match_the_default_layout(cls):
    m = _make(cls, 3, 4, num_layers=2, bidirectional=True)
    x = _rand(5, 2, 3)
    out, state = m(_t(x))
    m.batch_first = True
    out_bf, state_bf = m(_t(x.transpose(1, 0, 2)))
    np.testing.assert_allclose(out_bf.numpy().transpose(1, 0, 2), out.numpy(), atol=1e-12)
    h = state[0] if cls is nn.LSTM else state
    h_bf = state_bf[0] if cls is nn.LSTM else state_bf
    np.testing.assert_allclose(h_bf.numpy(), h.numpy(), atol=1e-12)  # states stay (D*L, N, H)
    # Unbatched (L, H_in): the same as a batch of one, batch_first ignored.
    out1, state1 = m(_t(x[:, 0]))
    assert out1.shape == (5, 8)
    np.testing.assert_allclose(out1.numpy(), out.numpy()[:, 0], atol=1e-12)
    h1 = state1[0] if cls is nn.LSTM else state1
    assert h1.shape == (4, 4)
    np.testing.assert_allclose(h1.numpy(), h.numpy()[:, 0], atol=1e-12)


def test_unbatched_input_takes_unbatched_states():
    m = _make(nn.LSTM, 3, 4)
    h0, c0 = _rand(1, 4, seed=1), _rand(1, 4, seed=2)
    out, (h, c) = m(_t(_rand(5, 3)), (_t(h0), _t(c0)))
    ref_out, ref_h, ref_c = ref_layer(m, _rand(5, 3)[:, None], h0[:, None], c0[:, None])
    np.testing.assert_allclose(out.numpy(), ref_out[:, 0], atol=1e-12)
    np.testing.assert_allclose(h.numpy(), ref_h[:, 0], atol=1e-12)
    np.testing.assert_allclose(c.numpy(), ref_c[:, 0], atol=1e-12)


@pytest.mark.parametrize("cls,mode,kw", [(nn.RNNCell, "rnn_tanh", {}), (nn.RNNCell, "rnn_relu",
                                                                          {"nonlinearity": "relu"}),
                                         (nn.LSTMCell, "lstm", {}), (nn.GRUCell, "gru", {})])
@pytest.mark.parametrize("bias", [True, False])
def test_cells_match_numpy(cls, mode, kw, bias):
    cell = _make(cls, 3, 4, bias=bias, **kw)
    p = _params(cell)
    x, h, c = _rand(2, 3), _rand(2, 4, seed=1), _rand(2, 4, seed=2)
    ref_h, ref_c = ref_cell(mode, x, h, c, p["weight_ih"], p["weight_hh"], p.get("bias_ih"), p.get("bias_hh"))
    got = cell(_t(x), (_t(h), _t(c))) if mode == "lstm" else cell(_t(x), _t(h))
    got_h = got[0] if mode == "lstm" else got
    np.testing.assert_allclose(got_h.numpy(), ref_h, atol=1e-12)
    if mode == "lstm":
        np.testing.assert_allclose(got[1].numpy(), ref_c, atol=1e-12)
    # No state means zeros; an unbatched input gives an unbatched output.
    zero = ref_cell(mode, x[0], np.zeros(4), np.zeros(4), p["weight_ih"], p["weight_hh"], p.get("bias_ih"),
                    p.get("bias_hh"))[0]
    got1 = cell(_t(x[0]))
    got1 = got1[0] if mode == "lstm" else got1
    assert got1.shape == (4,)
    np.testing.assert_allclose(got1.numpy(), zero, atol=1e-12)


# -- backward: finite differences in float64 -----------------------------------------------------
def _functional(module):
    """``f(x, *params)`` running ``module`` with ``params`` in place of its parameters (for gradcheck)."""
    names = [k for k, _ in module.named_parameters()]

    def f(x, *rest):
        saved = dict(module._parameters)
        try:
            state = rest[len(names):]
            for k, v in zip(names, rest[:len(names)]):
                module._parameters[k] = v
            if not state:
                out, hs = module(x)
            elif isinstance(module, nn.LSTM):
                out, hs = module(x, tuple(state))
            else:
                out, hs = module(x, state[0])
        finally:
            module._parameters.update(saved)
        if isinstance(out, nn.utils.rnn.PackedSequence):
            out = out.data
        return (out, *hs) if isinstance(hs, tuple) else (out, hs)

    return f, [_t(v.numpy(), requires_grad=True) for _, v in module.named_parameters()]


@pytest.mark.parametrize("case", LAYERS, ids=[_ids(c) for c in LAYERS])
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True)])
def test_layer_backward_matches_finite_differences(case, layers, bidirectional):
    cls, kw = case
    m = _make(cls, 2, 3, num_layers=layers, bidirectional=bidirectional, **kw)
    dirs = 2 if bidirectional else 1
    hout = kw.get("proj_size") or 3
    f, params = _functional(m)
    x = _t(_rand(3, 2, 2), requires_grad=True)
    state = [_t(_rand(layers * dirs, 2, hout, seed=1), requires_grad=True)]
    if cls is nn.LSTM:
        state.append(_t(_rand(layers * dirs, 2, 3, seed=2), requires_grad=True))
    assert lucid.autograd.gradcheck(f, [x, *params, *state], atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("cls", [nn.RNNCell, nn.LSTMCell, nn.GRUCell])
def test_cell_backward_matches_finite_differences(cls):
    cell = _make(cls, 2, 3)
    names = [k for k, _ in cell.named_parameters()]
    params = [_t(v.numpy(), requires_grad=True) for _, v in cell.named_parameters()]

    def f(x, h, c, *ps):
        saved = dict(cell._parameters)
        try:
            cell._parameters.update(zip(names, ps))
            return cell(x, (h, c)) if cls is nn.LSTMCell else cell(x, h)
        finally:
            cell._parameters.update(saved)

    x = _t(_rand(2, 2), requires_grad=True)
    h, c = _t(_rand(2, 3, seed=1), requires_grad=True), _t(_rand(2, 3, seed=2), requires_grad=True)
    assert lucid.autograd.gradcheck(f, [x, h, c, *params], atol=1e-7, rtol=1e-5)


# -- packed and padded batches ---------------------------------------------------------------------
@pytest.mark.parametrize("case", LAYERS, ids=[_ids(c) for c in LAYERS])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_input_equals_running_each_sequence_alone(case, enforce_sorted):
    cls, kw = case
    m = _make(cls, 3, 4, num_layers=2, bidirectional=True, **kw)
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    x = _rand(5, 4, 3)
    hout = kw.get("proj_size") or 4
    h0 = _rand(4, 4, hout, seed=1)
    c0 = _rand(4, 4, 4, seed=2)
    packed = pack_padded_sequence(_t(x), lengths, enforce_sorted=enforce_sorted)
    state = (_t(h0), _t(c0)) if cls is nn.LSTM else _t(h0)
    out, hs = m(packed, state)
    assert isinstance(out, nn.utils.rnn.PackedSequence)
    padded, lens = pad_packed_sequence(out)
    assert lens.tolist() == lengths
    ref_out, ref_h, ref_c = ref_layer(m, x, h0, c0 if cls is nn.LSTM else None, lengths)
    np.testing.assert_allclose(padded.numpy(), ref_out, atol=1e-12)
    h_n = hs[0] if cls is nn.LSTM else hs
    np.testing.assert_allclose(h_n.numpy(), ref_h, atol=1e-12)
    if cls is nn.LSTM:
        np.testing.assert_allclose(hs[1].numpy(), ref_c, atol=1e-12)


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_packed_backward_matches_finite_differences(cls):
    m = _make(cls, 2, 3, num_layers=2, bidirectional=True)
    f, params = _functional(m)
    lengths = [2, 3, 1]

    def g(x, *rest):
        return f(pack_padded_sequence(x, lengths, enforce_sorted=False), *rest)

    # The packing bookkeeping shows in the input, state and W_hh/b_hh gradients; the other
    # parameters are checked on full batches above (fewer inputs keep this test fast).
    names = [k for k, _ in m.named_parameters()]
    for k, p in zip(names, params):
        p.requires_grad_(k in ("weight_hh_l0", "weight_hh_l1_reverse", "bias_hh_l0_reverse"))
    x = _t(_rand(3, 3, 2), requires_grad=True)
    state = [_t(_rand(4, 3, 3, seed=1), requires_grad=True)]
    if cls is nn.LSTM:
        state.append(_t(_rand(4, 3, 3, seed=2), requires_grad=True))
    assert lucid.autograd.gradcheck(g, [x, *params, *state], atol=1e-7, rtol=1e-5)


def test_padding_gets_no_gradient_through_packing():
    m = _make(nn.LSTM, 2, 3)
    x = _t(_rand(4, 2, 2), requires_grad=True)
    out, _ = m(pack_padded_sequence(x, [4, 2]))
    padded, _ = pad_packed_sequence(out)
    (padded * _t(_rand(4, 2, 3, seed=3))).sum().backward()
    g = x.grad.numpy()
    assert np.all(g[2:, 1] == 0) and np.all(g[:, 0] != 0) and np.all(g[:2, 1] != 0)


# -- parameters, init, dropout ---------------------------------------------------------------------
def test_parameter_names_shapes_and_order_follow_pytorch():
    m = nn.LSTM(10, 20, num_layers=2, bidirectional=True, proj_size=5)
    shapes = {k: v.shape for k, v in m.state_dict().items()}
    assert list(shapes)[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"]
    assert shapes["weight_ih_l0"] == (80, 10)
    assert shapes["weight_hh_l0"] == (80, 5)
    assert shapes["weight_hr_l0_reverse"] == (5, 20)
    assert shapes["weight_ih_l1"] == (80, 10)  # 2 directions * proj_size
    assert len(shapes) == 20
    gru = nn.GRU(3, 4, bias=False)
    assert list(gru.state_dict()) == ["weight_ih_l0", "weight_hh_l0"]
    assert gru.weight_ih_l0.shape == (12, 3)
    assert nn.GRUCell(3, 4).bias_hh.shape == (12,)


@pytest.mark.parametrize("module", [nn.LSTM(8, 64, num_layers=2), nn.GRUCell(8, 64), nn.RNN(8, 64)],
                         ids=["LSTM", "GRUCell", "RNN"])
def test_default_init_is_uniform_in_one_over_sqrt_hidden(module):
    bound = 1 / math.sqrt(64)
    for name, p in module.named_parameters():
        v = p.numpy()
        assert np.abs(v).max() <= bound, name
        assert np.abs(v).max() > 0.9 * bound and abs(v.mean()) < 0.2 * bound, name


def test_state_dict_round_trip_gives_the_same_outputs():
    a, b = nn.GRU(3, 4, num_layers=2), nn.GRU(3, 4, num_layers=2)
    b.load_state_dict(a.state_dict())
    x = lucid.randn(5, 2, 3)
    np.testing.assert_array_equal(a(x)[0].numpy(), b(x)[0].numpy())


def test_dropout_acts_between_layers_only_in_training():
    lucid.manual_seed(0)
    m = nn.LSTM(3, 16, num_layers=2, dropout=0.5)
    x = lucid.randn(4, 2, 3)
    m.eval()
    ref_out, ref_h, _ = ref_layer(m, x.numpy().astype(np.float64))
    out, _ = m(x)
    np.testing.assert_allclose(out.numpy(), ref_out, atol=1e-5)
    m.train()
    out_a, (h_a, _) = m(x)
    out_b, _ = m(x)
    assert not np.allclose(out_a.numpy(), out_b.numpy())  # random masks between the layers
    # The first layer's final state is computed before any dropout.
    np.testing.assert_allclose(h_a.numpy()[0], ref_h[0], atol=1e-5)
    one = nn.LSTM(3, 4, num_layers=1)
    with pytest.warns(UserWarning, match="dropout"):
        nn.LSTM(3, 4, dropout=0.2)
    assert one.dropout == 0


def test_float32_and_training_step_reduce_a_loss():
    lucid.manual_seed(0)
    m = nn.LSTM(2, 8, batch_first=True)
    head = nn.Linear(8, 1)
    opt = lucid.optim.Adam(list(m.parameters()) + list(head.parameters()), lr=0.05)
    x = lucid.randn(16, 6, 2)
    y = x.sum(dim=(1, 2)).unsqueeze(1)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        out, _ = m(x)
        loss = ((head(out[:, -1]) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert out.dtype == lucid.float32
    assert losses[-1] < 0.3 * losses[0]


# -- errors ----------------------------------------------------------------------------------------
def test_bad_input_names_the_layer_and_shapes():
    m = nn.LSTM(10, 20, num_layers=2)
    with pytest.raises(ValueError, match=r"LSTM: input.size\(-1\) must be equal to input_size=10.*\(5, 3, 8\)"):
        m(lucid.randn(5, 3, 8))
    with pytest.raises(ValueError, match=r"LSTM: expected a 2-D .* got shape \(5, 3, 10, 1\)"):
        m(lucid.randn(5, 3, 10, 1))
    with pytest.raises(ValueError, match=r"LSTM: expected h_0 of shape \(2, 3, 20\), got \(1, 3, 20\)"):
        m(lucid.randn(5, 3, 10), (lucid.zeros(1, 3, 20), lucid.zeros(2, 3, 20)))
    with pytest.raises(ValueError, match=r"LSTM: expected c_0 of shape \(2, 3, 20\), got \(2, 3, 5\)"):
        m(lucid.randn(5, 3, 10), (lucid.zeros(2, 3, 20), lucid.zeros(2, 3, 5)))
    with pytest.raises(TypeError, match="LSTM: hx must be a tuple"):
        m(lucid.randn(5, 3, 10), lucid.zeros(2, 3, 20))
    with pytest.raises(ValueError, match=r"GRU: expected h_0 of shape \(2, 3, 4\), got \(1, 3, 4\)"):
        nn.GRU(2, 4, bidirectional=True)(lucid.randn(5, 3, 2), lucid.zeros(1, 3, 4))
    with pytest.raises(ValueError, match=r"RNN: expected h_0 of shape \(1, 4\), got \(1, 1, 4\)"):
        nn.RNN(2, 4)(lucid.randn(5, 2), lucid.zeros(1, 1, 4))
    with pytest.raises(ValueError, match=r"GRUCell: expected input of shape \(N, 3\) or \(3,\), got \(2, 4\)"):
        nn.GRUCell(3, 5)(lucid.randn(2, 4))
    with pytest.raises(ValueError, match=r"LSTMCell: expected h_0 of shape \(2, 5\), got \(5,\)"):
        nn.LSTMCell(3, 5)(lucid.randn(2, 3), (lucid.zeros(5), lucid.zeros(5)))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="proj_size .* must be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="proj_size must be at least 0"):
        nn.LSTM(3, 4, proj_size=-1)
    with pytest.raises(ValueError, match="proj_size is only supported by LSTM"):
        nn.RNNBase("GRU", 3, 4, proj_size=2)
    with pytest.raises(ValueError, match="unknown nonlinearity 'sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size must be at least 1"):
        nn.GRU(3, 0)
    with pytest.raises(TypeError, match="num_layers must be an int"):
        nn.LSTM(3, 4, num_layers=1.5)
    with pytest.raises(ValueError, match="dropout must be a probability"):
        nn.LSTM(3, 4, num_layers=2, dropout=1.5)


def test_repr_follows_pytorch():
    assert repr(nn.LSTM(10, 20, num_layers=2, batch_first=True)) == "LSTM(10, 20, num_layers=2, batch_first=True)"
    assert repr(nn.RNN(3, 4, nonlinearity="relu")) == "RNN(3, 4, nonlinearity='relu')"
    assert repr(nn.GRUCell(3, 4, bias=False)) == "GRUCell(3, 4, bias=False)"


@pytest.mark.parametrize("dtype", [lucid.float16, lucid.bfloat16])
def test_low_precision_dtypes_are_preserved(dtype):
    m = nn.LSTM(3, 4, num_layers=2, bidirectional=True, dtype=dtype)
    x = lucid.randn(5, 2, 3, dtype=dtype, requires_grad=True)
    out, (h, c) = m(x)
    assert out.dtype == h.dtype == c.dtype == dtype
    out.sum().backward()
    assert x.grad.dtype == dtype and m.weight_hh_l1_reverse.grad.dtype == dtype


def test_frozen_parameters_still_pass_gradients_to_the_input():
    m = _make(nn.GRU, 2, 3, num_layers=2)
    for p in m.parameters():
        p.requires_grad_(False)
    x = _t(_rand(4, 2, 2), requires_grad=True)
    assert lucid.autograd.gradcheck(lambda t: m(t)[0], [x], atol=1e-7, rtol=1e-5)
    assert m.weight_hh_l0.grad is None


def test_empty_batch():
    m = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    x = lucid.randn(5, 0, 3, requires_grad=True)
    out, (h, c) = m(x)
    assert c.shape == (4, 0, 4)
    assert out.shape == (5, 0, 8) and h.shape == (4, 0, 4)
    out.sum().backward()
    assert m.weight_hh_l0.grad.abs().sum().item() == 0


def test_every_recurrent_class_has_a_docstring_with_an_example():
    # A docstring built by concatenating strings is no docstring at all (``__doc__`` is None).
    for cls in (nn.RNNBase, nn.RNN, nn.LSTM, nn.GRU, nn.RNNCellBase, nn.RNNCell, nn.LSTMCell, nn.GRUCell):
        assert cls.__doc__ is not None and "Examples:" in cls.__doc__, cls.__name__


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_no_grad_gives_the_same_outputs(cls):
    m = _make(cls, 3, 4, num_layers=2, bidirectional=True)
    x = _t(_rand(5, 2, 3))
    out, _ = m(x)
    with lucid.no_grad():
        out_ng, _ = m(x)
    assert out_ng.grad_fn is None
    np.testing.assert_array_equal(out_ng.numpy(), out.numpy())
