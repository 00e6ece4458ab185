"""The recurrence of RNN, LSTM and GRU layers: one fused ``Function`` per layer and direction.

A recurrent layer spends its time in a loop over time steps. Everything that
does not depend on the previous hidden state is taken out of the loop: the
layers compute the input projection ``x @ W_ih^T + b_ih`` of every time step
with one ``linear`` before calling :class:`Recurrence`, which then runs the
loop on raw MLX arrays: per step one ``h @ W_hh^T`` matmul and the gate maths.
Its backward is the matching loop in reverse (backpropagation through time)
with one matmul per step; the weight gradients of ``W_hh`` (and ``W_hr``) are
one matmul each over all steps at the end, instead of one per step.

Sequences of different lengths come *packed* (PyTorch's layout, see
:mod:`lucid.nn.util.rnn`): the rows of every time step are stored one after
the other, longest sequences first, and ``batch_sizes[t]`` says how many
sequences are still running at step ``t``. The loop then works on the first
``batch_sizes[t]`` rows only, so a finished sequence keeps its last state, as
if it had been run alone. A padded batch is the special case where every
``batch_sizes[t]`` is the batch size.

Gate formulas (PyTorch's, including its gate order):

* ``rnn_tanh``/``rnn_relu``: ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``;
* ``lstm``: gates ``i, f, g, o``; ``c' = f c + i g``, ``h' = o tanh(c')``,
  then ``h' = h' W_hr^T`` with a projection;
* ``gru``: gates ``r, z, n``; ``n = tanh(x_n + r (h W_hn^T + b_hn))``,
  ``h' = (1 - z) n + z h``.
"""

from __future__ import annotations

import mlx.core as mx

from lucid._backend import reductions
from lucid.autograd.function import Function
from lucid.nn.functional._kernels import sigmoid as _sigmoid

__all__: list[str] = []

_GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}


def _cat(arrays: list) -> mx.array:
    return arrays[0] if len(arrays) == 1 else mx.concatenate(arrays, axis=0)


def _extend(state, init, size: int, b: int, n: int) -> mx.array:
    """The carried ``state`` (``size`` rows) followed by rows ``size..b`` of ``init``."""
    if not size:
        return init if b == n else init[:b]
    return mx.concatenate([state, init[size:b]], axis=0)


def _by_row(pieces: list) -> mx.array:
    """Concatenate ``(first_row, array)`` pieces in row order."""
    pieces.sort(key=lambda p: p[0])
    return _cat([p[1] for p in pieces])


class Recurrence(Function):
    """One direction of one recurrent layer over a whole (packed) sequence.

    Inputs (raw arrays): ``xp`` ``(rows, G*H)`` the input projections of all
    steps in packed order; ``h0`` ``(N, H_out)`` or ``None`` (zeros); ``c0``
    ``(N, H)`` or ``None`` (LSTM only); ``w_hh`` ``(G*H, H_out)``; ``b_hh``
    ``(G*H,)`` or ``None``; ``w_hr`` ``(H_out, H)`` or ``None`` (LSTM
    projection). Keywords: ``mode`` (``"rnn_tanh"``, ``"rnn_relu"``,
    ``"lstm"``, ``"gru"``), ``batch_sizes`` (host ints, one per step,
    non-increasing) and ``reverse`` (run from the last step to the first).

    Outputs: ``out`` ``(rows, H_out)`` in packed order, ``h_n`` ``(N, H_out)``
    and, for ``"lstm"``, ``c_n`` ``(N, H)``.
    """

    @staticmethod
    def forward(ctx, xp, h0, c0, w_hh, b_hh, w_hr, *, mode, batch_sizes, reverse=False):
        lstm, gru = mode == "lstm", mode == "gru"
        n_rows = xp.shape[0]
        hidden = w_hh.shape[0] // _GATES[mode]
        h_out = w_hh.shape[1]
        n = batch_sizes[0]
        steps = len(batch_sizes)
        offsets = [0] * steps
        for t in range(1, steps):
            offsets[t] = offsets[t - 1] + batch_sizes[t - 1]
        if h0 is None:
            h0 = mx.zeros((n, h_out), dtype=xp.dtype)
        if lstm and c0 is None:
            c0 = mx.zeros((n, hidden), dtype=xp.dtype)
        if b_hh is not None and not gru:
            # Both biases act on the same pre-activation: add b_hh once, not per step.
            xp = xp + b_hh
        whh_t = w_hh.T
        whr_t = None if w_hr is None else w_hr.T

        order = range(steps - 1, -1, -1) if reverse else range(steps)
        size = 0 if reverse else n  # rows of the carried state before the first step
        h, c = h0, c0
        finals_h, finals_c = [], []
        outs = [None] * steps
        saved = [None] * steps
        plan = []
        keep = ctx.records  # inference keeps nothing for a backward
        for t in order:
            b = batch_sizes[t]
            if b < size:  # sequences b..size ended at the previous step: their state is final
                finals_h.append((b, h[b:]))
                h = h[:b]
                if lstm:
                    finals_c.append((b, c[b:]))
                    c = c[:b]
            elif b > size:  # sequences size..b start here (reverse direction): from h0
                h = _extend(h, h0, size, b, n)
                if lstm:
                    c = _extend(c, c0, size, b, n)
            plan.append((t, b, size))
            size = b
            xg = xp if b == n_rows else xp[offsets[t]:offsets[t] + b]
            if lstm:
                gates = mx.addmm(xg, h, whh_t)
                sig = _sigmoid(gates)
                i, f, o = sig[:, :hidden], sig[:, hidden:2 * hidden], sig[:, 3 * hidden:]
                g = mx.tanh(gates[:, 2 * hidden:3 * hidden])
                c_new = f * c + i * g
                tc = mx.tanh(c_new)
                m = o * tc
                h_new = m if whr_t is None else mx.matmul(m, whr_t)
                if keep:
                    saved[t] = (h, c, i, f, g, o, tc, m)
                c = c_new
            elif gru:
                hg = mx.matmul(h, whh_t) if b_hh is None else mx.addmm(b_hh, h, whh_t)
                rz = _sigmoid(xg[:, :2 * hidden] + hg[:, :2 * hidden])
                r, z = rz[:, :hidden], rz[:, hidden:]
                hn = hg[:, 2 * hidden:]
                nn_ = mx.tanh(xg[:, 2 * hidden:] + r * hn)
                h_new = nn_ + z * (h - nn_)
                if keep:
                    saved[t] = (h, r, z, nn_, hn)
            else:
                a = mx.addmm(xg, h, whh_t)
                h_new = mx.tanh(a) if mode == "rnn_tanh" else mx.maximum(a, 0)
                if keep:
                    saved[t] = (h, h_new)
            outs[t] = h_new
            h = h_new
        finals_h.append((0, h))
        if lstm:
            finals_c.append((0, c))
        if keep:
            ctx.mode, ctx.plan, ctx.saved_steps, ctx.offsets, ctx.n = mode, plan, saved, offsets, n
            ctx.save_for_backward(w_hh, b_hh, w_hr)
        result = (_cat(outs), _by_row(finals_h))
        if lstm:
            result += (_by_row(finals_c),)
        return result

    @staticmethod
    def backward(ctx, g_out, g_hn, g_cn=None):
        mode = ctx.mode
        lstm, gru = mode == "lstm", mode == "gru"
        w_hh, b_hh, w_hr = ctx.saved_tensors
        plan, saved, offsets, n = ctx.plan, ctx.saved_steps, ctx.offsets, ctx.n
        need_x, need_h0, need_c0, need_whh, need_bhh, need_whr = ctx.needs_input_grad
        n_rows = g_out.shape[0]
        steps = len(saved)
        dxs = [None] * steps
        dhgs = [None] * steps if gru else dxs  # gradient of h @ W_hh^T (+ b_hh), per step
        dhs = [None] * steps if w_hr is not None else None
        last = plan[-1][1]
        dh = g_hn if last == n else g_hn[:last]
        dc = (g_cn if last == n else g_cn[:last]) if lstm else None
        dh0_pieces, dc0_pieces = [], []
        for t, b, size in reversed(plan):
            dh = dh + (g_out if b == n_rows else g_out[offsets[t]:offsets[t] + b])
            if lstm:
                _, c, i, f, g, o, tc, _m = saved[t]
                if dhs is not None:
                    dhs[t] = dh
                    dm = mx.matmul(dh, w_hr)
                else:
                    dm = dh
                do = dm * tc
                dcn = dc + dm * o * (1 - tc * tc)
                dgates = mx.concatenate(
                    [dcn * g * i * (1 - i), dcn * c * f * (1 - f), dcn * i * (1 - g * g), do * o * (1 - o)], axis=1)
                dc_prev = dcn * f
                dh_prev = mx.matmul(dgates, w_hh)
                dxs[t] = dgates
            elif gru:
                h, r, z, nn_, hn = saved[t]
                dan = dh * (1 - z) * (1 - nn_ * nn_)
                dar = dan * hn * r * (1 - r)
                daz = dh * (h - nn_) * z * (1 - z)
                dxs[t] = mx.concatenate([dar, daz, dan], axis=1)
                dhg = mx.concatenate([dar, daz, dan * r], axis=1)
                dhgs[t] = dhg
                dh_prev = dh * z + mx.matmul(dhg, w_hh)
            else:
                h_new = saved[t][1]
                # NOTE: relu's gradient at 0 is 0 (PyTorch's convention).
                da = dh * (1 - h_new * h_new) if mode == "rnn_tanh" else mx.where(h_new > 0, dh, 0)
                dxs[t] = da
                dh_prev = mx.matmul(da, w_hh)
            # Undo the change of carried rows made before this step in the forward.
            if b < size:
                dh = mx.concatenate([dh_prev, g_hn[b:size]], axis=0)
                if lstm:
                    dc = mx.concatenate([dc_prev, g_cn[b:size]], axis=0)
            elif b > size:
                dh0_pieces.append((size, dh_prev[size:b] if size else dh_prev))
                dh = dh_prev[:size] if size else None
                if lstm:
                    dc0_pieces.append((size, dc_prev[size:b] if size else dc_prev))
                    dc = dc_prev[:size] if size else None
            else:
                dh = dh_prev
                if lstm:
                    dc = dc_prev
        if dh is not None:
            dh0_pieces.append((0, dh))
            if lstm:
                dc0_pieces.append((0, dc))
        dx = _cat(dxs)
        dh0 = _by_row(dh0_pieces) if need_h0 else None
        dc0 = _by_row(dc0_pieces) if lstm and need_c0 else None
        dw_hh = db_hh = dw_hr = None
        if need_whh or need_bhh:
            dhg_all = _cat(dhgs) if gru else dx
            if need_whh:
                h_prev = _cat([s[0] for s in saved])
                dw_hh = mx.matmul(dhg_all.T, h_prev).astype(w_hh.dtype)
            if need_bhh:
                db_hh = reductions.sum(dhg_all, axis=0).astype(b_hh.dtype)
        if need_whr:
            dw_hr = mx.matmul(_cat(dhs).T, _cat([s[7] for s in saved])).astype(w_hr.dtype)
        return (dx if need_x else None), dh0, dc0, dw_hh, db_hh, dw_hr
