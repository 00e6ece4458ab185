"""GPT: a training step and cached generation, Lucid versus the same model written in raw MLX.

* ``gpt/train_step``: forward, cross-entropy, backward, AdamW and the
  evaluation of parameters, optimizer state and loss, for a 4-layer GPT, 256
  wide, 4 heads, 128 tokens, batch 8, vocabulary 256 (no dropout), against
  the same model in ``mlx.nn`` with ``mlx.optimizers.AdamW``, both from the
  same weights. Steps alternate so a noisy machine slows both alike.
* ``gpt/generate``: greedy decoding of ``GEN_TOKENS`` tokens after an 8-token
  prompt with a key/value cache, as tokens per second: ``GPT.generate`` against
  the same loop in raw MLX (``mx.fast.scaled_dot_product_attention`` over a
  pre-allocated cache, one ``mx.eval`` per token), and against
  ``generate(use_cache=False)`` (the prefix re-run for every token).

``ratio`` is Lucid's time over MLX's (lower is better) for the step, and
Lucid's tokens/s over MLX's (higher is better) for generation.

Run it with ``python -m benchmarks.gpt_step`` from the repository root.
"""

from __future__ import annotations

import math
import os
import sys
import time

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import lucid  # noqa: I001  (before mlx.core: it may load a BLAS)
import lucid.nn.functional as lF
import lucid.optim
from lucid.models import GPT, GPTConfig

import mlx.core as mx
import mlx.nn as mnn
import mlx.optimizers as mopt
import numpy as np

__all__ = ["run"]

CONFIG = dict(vocab_size=256, n_positions=512, n_embd=256, n_layer=4, n_head=4, resid_pdrop=0.0, embd_pdrop=0.0,
              attn_pdrop=0.0)
BATCH, SEQ, LR = 8, 128, 1e-3
GEN_TOKENS = 256
WARMUP, ROUNDS, GEN_ROUNDS = 2, 9, 3


# -- the same GPT in raw MLX -------------------------------------------------------------------
def _gelu_tanh(x):
    return 0.5 * x * (1 + mx.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)))


class _Cache:
    """Pre-allocated keys/values grown in blocks of 256, written by slice assignment."""

    def __init__(self):
        self.keys = self.values = None
        self.offset = 0

    def update(self, k, v):
        prev, t = self.offset, k.shape[2]
        if self.keys is None or prev + t > self.keys.shape[2]:
            n = ((t + 255) // 256) * 256
            more_k = mx.zeros((*k.shape[:2], n, k.shape[3]), k.dtype)
            more_v = mx.zeros((*v.shape[:2], n, v.shape[3]), v.dtype)
            if self.keys is None:
                self.keys, self.values = more_k, more_v
            else:
                self.keys = mx.concatenate([self.keys[:, :, :prev], more_k], axis=2)
                self.values = mx.concatenate([self.values[:, :, :prev], more_v], axis=2)
        self.offset = prev + t
        self.keys[:, :, prev:self.offset] = k
        self.values[:, :, prev:self.offset] = v
        return self.keys[:, :, :self.offset], self.values[:, :, :self.offset]


class _Block(mnn.Module):
    def __init__(self, e, h):
        super().__init__()
        self.h = h
        self.ln_1, self.ln_2 = mnn.LayerNorm(e), mnn.LayerNorm(e)
        self.c_attn, self.c_proj = mnn.Linear(e, 3 * e), mnn.Linear(e, e)
        self.c_fc, self.m_proj = mnn.Linear(e, 4 * e), mnn.Linear(4 * e, e)

    def __call__(self, x, cache=None):
        b, t, c = x.shape
        d = c // self.h
        q, k, v = mx.split(self.c_attn(self.ln_1(x)), 3, axis=-1)
        q, k, v = (a.reshape(b, t, self.h, d).transpose(0, 2, 1, 3) for a in (q, k, v))
        if cache is not None:
            k, v = cache.update(k, v)
        y = mx.fast.scaled_dot_product_attention(q, k, v, scale=1 / math.sqrt(d), mask="causal" if t > 1 else None)
        x = x + self.c_proj(y.transpose(0, 2, 1, 3).reshape(b, t, c))
        return x + self.m_proj(_gelu_tanh(self.c_fc(self.ln_2(x))))


class _MLXGPT(mnn.Module):
    def __init__(self, cfg):
        super().__init__()
        e = cfg["n_embd"]
        self.wte, self.wpe = mnn.Embedding(cfg["vocab_size"], e), mnn.Embedding(cfg["n_positions"], e)
        self.h = [_Block(e, cfg["n_head"]) for _ in range(cfg["n_layer"])]
        self.ln_f = mnn.LayerNorm(e)

    def __call__(self, idx, caches=None):
        offset = 0 if caches is None else caches[0].offset
        x = self.wte(idx) + self.wpe(mx.arange(offset, offset + idx.shape[1]))
        for i, block in enumerate(self.h):
            x = block(x, None if caches is None else caches[i])
        return self.wte.as_linear(self.ln_f(x))  # tied head


def _copy_weights(lmodel: GPT, mmodel: _MLXGPT) -> None:
    sd = {k: mx.array(v.numpy()) for k, v in lmodel.state_dict().items()}
    mmodel.wte.weight, mmodel.wpe.weight = sd["transformer.wte.weight"], sd["transformer.wpe.weight"]
    for i, blk in enumerate(mmodel.h):
        p = f"transformer.h.{i}."
        for mine, theirs in (("ln_1", "ln_1"), ("ln_2", "ln_2"), ("c_attn", "attn.c_attn"),
                             ("c_proj", "attn.c_proj"), ("c_fc", "mlp.c_fc"), ("m_proj", "mlp.c_proj")):
            layer = getattr(blk, mine)
            layer.weight, layer.bias = sd[p + theirs + ".weight"], sd[p + theirs + ".bias"]
    mmodel.ln_f.weight, mmodel.ln_f.bias = sd["transformer.ln_f.weight"], sd["transformer.ln_f.bias"]
    mx.eval(mmodel.parameters())


def _models():
    lucid.manual_seed(0)
    lmodel = GPT(GPTConfig(**CONFIG))
    mmodel = _MLXGPT(CONFIG)
    _copy_weights(lmodel, mmodel)
    return lmodel, mmodel


# -- training step ------------------------------------------------------------------------------
def _lucid_step(model, x, y):
    opt = lucid.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
    v = CONFIG["vocab_size"]

    def step():
        opt.zero_grad()
        loss = lF.cross_entropy(model(x).reshape(-1, v), y.reshape(-1))
        loss.backward()
        opt.step()
        lucid.eval(loss)

    return step


def _mlx_step(model, x, y):
    opt = mopt.AdamW(learning_rate=LR, weight_decay=0.01, bias_correction=True)
    v = CONFIG["vocab_size"]

    def loss_fn(m, a, b):
        return mnn.losses.cross_entropy(m(a).reshape(-1, v), b.reshape(-1), reduction="mean")

    loss_and_grad = mnn.value_and_grad(model, loss_fn)

    def step():
        loss, grads = loss_and_grad(model, x, y)
        opt.update(model, grads)
        mx.eval(model.parameters(), opt.state, loss)

    return step


def _alternate(fns: dict, rounds: int, warmup: int) -> dict:
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict = {k: [] for k in fns}
    for r in range(rounds):
        order = list(fns.items())
        for k, fn in order[r % 2:] + order[:r % 2]:
            t0 = time.perf_counter()
            fn()
            times[k].append(1e3 * (time.perf_counter() - t0))
    return times


def _train_row(rounds: int, warmup: int) -> dict:
    lmodel, mmodel = _models()
    rng = np.random.default_rng(0)
    xn = rng.integers(0, CONFIG["vocab_size"], size=(BATCH, SEQ)).astype(np.int32)
    yn = rng.integers(0, CONFIG["vocab_size"], size=(BATCH, SEQ)).astype(np.int32)
    ms = _alternate({"lucid": _lucid_step(lmodel, lucid.tensor(xn), lucid.tensor(yn)),
                     "mlx": _mlx_step(mmodel, mx.array(xn), mx.array(yn))}, rounds, warmup)
    lucid_ms, mlx_ms = float(np.median(ms["lucid"])), float(np.median(ms["mlx"]))
    return {"name": "gpt/train_step", "lucid_ms": round(lucid_ms, 2), "mlx_ms": round(mlx_ms, 2),
            "ratio": round(lucid_ms / mlx_ms, 3), "ratio_min": round(min(ms["lucid"]) / min(ms["mlx"]), 3)}


# -- generation -----------------------------------------------------------------------------------
def _mlx_generate(model, prompt, n):
    caches = [_Cache() for _ in model.h]
    logits = model(prompt, caches)[:, -1, :]
    out = [prompt]
    for i in range(n):
        nxt = mx.argmax(logits, axis=-1, keepdims=True).astype(prompt.dtype)
        out.append(nxt)
        if i + 1 < n:
            logits = model(nxt, caches)[:, -1, :]
        mx.eval(nxt)
    return mx.concatenate(out, axis=1)


def _gen_rows(rounds: int) -> list[dict]:
    lmodel, mmodel = _models()
    lmodel.eval()
    prompt = np.arange(8, dtype=np.int32)[None] % CONFIG["vocab_size"]
    lp, mp = lucid.tensor(prompt), mx.array(prompt)
    fns = {"lucid": lambda: lmodel.generate(lp, GEN_TOKENS, temperature=0),
           "mlx": lambda: _mlx_generate(mmodel, mp, GEN_TOKENS),
           "nocache": lambda: lmodel.generate(lp, GEN_TOKENS, temperature=0, use_cache=False)}
    same = np.array_equal(fns["lucid"]().numpy(), np.array(fns["mlx"]()))
    ms = _alternate(fns, rounds, 1)
    tps = {k: GEN_TOKENS / (float(np.median(v)) / 1e3) for k, v in ms.items()}
    return [
        {"name": f"gpt/generate{GEN_TOKENS}", "lucid_tok_s": round(tps["lucid"], 1), "mlx_tok_s": round(tps["mlx"], 1),
         "ratio": round(tps["lucid"] / tps["mlx"], 3), "same_tokens": same},
        {"name": f"gpt/generate{GEN_TOKENS}_nocache", "lucid_tok_s": round(tps["nocache"], 1),
         "cache_speedup": round(tps["lucid"] / tps["nocache"], 2)},
    ]


def run(rounds: int = ROUNDS, warmup: int = WARMUP) -> list[dict]:
    """Time the GPT training step and generation in Lucid and raw MLX.

    Returns:
        list[dict]: ``gpt/train_step`` (``lucid_ms``, ``mlx_ms``, ``ratio``,
        ``ratio_min``), ``gpt/generate256`` (tokens/s of each, ``ratio`` Lucid/MLX,
        ``same_tokens``) and ``gpt/generate256_nocache`` (``cache_speedup``).
    """
    return [_train_row(rounds, warmup), *_gen_rows(GEN_ROUNDS)]


if __name__ == "__main__":
    for row in run():
        print(row)
