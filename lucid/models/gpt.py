"""GPT: a GPT-2-style decoder-only Transformer language model, with cached generation.

Module paths and state_dict keys follow Hugging Face's ``GPT2LMHeadModel``
(``transformer.wte``, ``transformer.h.0.attn.c_attn``, ``lm_head``, ...), so a
converted GPT-2 checkpoint loads by name. The one layout difference: Lucid's
projections are ``nn.Linear`` with weights ``(out, in)``, where GPT-2's
``Conv1D`` stores ``(in, out)``; a loader transposes ``c_attn``, ``c_proj`` and
``c_fc`` weights.

Two options beyond GPT-2 make the same class a small modern decoder:
``n_kv_head`` (grouped-query attention, fewer key/value heads than query heads)
and ``rotary=True`` (rotary position embeddings in each attention layer
instead of the learned ``wpe`` table).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from lucid._tensor import Tensor
from lucid.models._layers import resolve_config
from lucid.models._registry import register_model
from lucid.ops._util import check_int

__all__ = ["GPTConfig", "GPT", "gpt2"]

_INDEX_DTYPES = (lucid.int64, lucid.int32, lucid.int16, lucid.int8, lucid.uint8, lucid.uint16, lucid.uint32,
                 lucid.uint64)


@dataclass
class GPTConfig:
    """Hyperparameters of :class:`GPT`, named as in Hugging Face's ``GPT2Config``; defaults are GPT-2 small.

    Attributes:
        vocab_size: number of token ids (50257 for GPT-2's BPE).
        n_positions: the longest sequence (size of the ``wpe`` table).
        n_embd: model width.
        n_layer: number of Transformer blocks.
        n_head: attention heads (must divide ``n_embd``).
        n_inner: hidden width of the MLP (default ``4 * n_embd``).
        resid_pdrop: dropout after each attention and MLP output projection.
        embd_pdrop: dropout on the summed token and position embeddings.
        attn_pdrop: dropout on the attention weights (any value above 0 leaves
            the fused attention kernel for the composed formula while training).
        layer_norm_epsilon: the LayerNorms' epsilon.
        initializer_range: std of the normal initialisation (0.02).
        bias: biases in the Linear layers and LayerNorms.
        n_kv_head: key/value heads for grouped-query attention (default ``n_head``,
            plain multi-head attention); must divide ``n_head``. Lucid's extension.
        rotary: rotary position embeddings on queries and keys instead of the
            learned ``wpe`` table. Lucid's extension.
        rotary_base: base of the rotary frequencies.

    Examples:
        >>> from lucid.models import GPTConfig
        >>> GPTConfig.from_name("gpt2-medium").n_layer
        24
        >>> GPTConfig(n_layer=2, n_embd=64, n_head=4).head_dim
        16
    """

    vocab_size: int = 50257
    n_positions: int = 1024
    n_embd: int = 768
    n_layer: int = 12
    n_head: int = 12
    n_inner: int | None = None
    resid_pdrop: float = 0.1
    embd_pdrop: float = 0.1
    attn_pdrop: float = 0.1
    layer_norm_epsilon: float = 1e-5
    initializer_range: float = 0.02
    bias: bool = True
    n_kv_head: int | None = None
    rotary: bool = False
    rotary_base: float = 10000.0

    PRESETS = {
        "gpt2": dict(n_layer=12, n_head=12, n_embd=768),
        "gpt2-medium": dict(n_layer=24, n_head=16, n_embd=1024),
        "gpt2-large": dict(n_layer=36, n_head=20, n_embd=1280),
        "gpt2-xl": dict(n_layer=48, n_head=25, n_embd=1600),
    }

    def __post_init__(self) -> None:
        for name in ("vocab_size", "n_positions", "n_embd", "n_layer", "n_head"):
            check_int(getattr(self, name), name, "GPTConfig", 1)
        if self.n_inner is not None:
            check_int(self.n_inner, "n_inner", "GPTConfig", 1)
        if self.n_kv_head is not None:
            check_int(self.n_kv_head, "n_kv_head", "GPTConfig", 1)
        if self.n_embd % self.n_head:
            raise ValueError(f"GPTConfig: n_head ({self.n_head}) must divide n_embd ({self.n_embd})")
        if self.n_head % self.kv_heads:
            raise ValueError(f"GPTConfig: n_kv_head ({self.n_kv_head}) must divide n_head ({self.n_head})")
        if self.rotary and self.head_dim % 2:
            raise ValueError(f"GPTConfig: rotary embeddings need an even head size, got n_embd / n_head = "
                             f"{self.head_dim}")
        for name in ("resid_pdrop", "embd_pdrop", "attn_pdrop"):
            p = getattr(self, name)
            if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p < 1:
                raise ValueError(f"GPTConfig: {name} must be a probability in [0, 1), got {p!r}")

    @property
    def head_dim(self) -> int:
        """``n_embd // n_head``."""
        return self.n_embd // self.n_head

    @property
    def kv_heads(self) -> int:
        """The number of key/value heads (``n_kv_head`` or ``n_head``)."""
        return self.n_head if self.n_kv_head is None else self.n_kv_head

    @classmethod
    def from_name(cls, name: str, **overrides) -> GPTConfig:
        """The configuration of a published GPT-2 size (``gpt2``, ``gpt2-medium``, ``gpt2-large``, ``gpt2-xl``)."""
        if name not in cls.PRESETS:
            raise ValueError(f"GPTConfig: unknown model {name!r}; choose one of {sorted(cls.PRESETS)}")
        return cls(**{**cls.PRESETS[name], **overrides})

    def to_dict(self) -> dict:
        """The fields as a plain dict (JSON-serialisable; for checkpoints)."""
        return dataclasses.asdict(self)



class GPTAttention(nn.Module):
    """Causal self-attention: one ``c_attn`` Linear makes queries, keys and values; ``c_proj`` mixes the heads.

    Training (no cache) runs :func:`~lucid.nn.functional.scaled_dot_product_attention`
    with ``is_causal=True`` (MLX's fused kernel when ``attn_pdrop`` is 0 or in
    eval mode). With a :class:`~lucid.nn.KVCache`, the new tokens' keys and
    values are appended to it and the queries attend over the whole cache.
    """

    def __init__(self, config: GPTConfig, layer_idx: int = 0) -> None:
        super().__init__()
        self.n_head, self.n_kv_head, self.head_dim = config.n_head, config.kv_heads, config.head_dim
        self.layer_idx = layer_idx
        kv = 2 * self.n_kv_head * self.head_dim
        self.c_attn = nn.Linear(config.n_embd, config.n_embd + kv, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_pdrop = float(config.attn_pdrop)
        self.resid_dropout = nn.Dropout(config.resid_pdrop)
        self.rotary = nn.RotaryEmbedding(self.head_dim, base=config.rotary_base) if config.rotary else None

    def forward(self, x: Tensor, cache: nn.KVCache | None = None) -> Tensor:
        B, T, C = x.shape
        H, Hkv, D = self.n_head, self.n_kv_head, self.head_dim
        q, k, v = self.c_attn(x).split([H * D, Hkv * D, Hkv * D], dim=-1)
        q = q.reshape(B, T, H, D).transpose(1, 2)  # (B, H, T, D)
        k = k.reshape(B, T, Hkv, D).transpose(1, 2)
        v = v.reshape(B, T, Hkv, D).transpose(1, 2)
        p = self.attn_pdrop if self.training else 0.0
        gqa = Hkv != H
        if type(cache) is _FixedCache:  # compiled decoding (GPT.generate): fixed shapes, positions in arrays
            k, v = cache.update(k, v)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=cache.visible, dropout_p=p, enable_gqa=gqa)
            return self.resid_dropout(self.c_proj(y.transpose(1, 2).reshape(B, T, C)))
        offset = 0 if cache is None else cache.offset
        if self.rotary is not None:
            q, k = self.rotary(q, offset), self.rotary(k, offset)
        if cache is not None:
            k, v = cache.update(k, v)
        S = k.shape[2]
        if S == T:
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True, enable_gqa=gqa)
        elif T == 1:  # one new token sees everything cached: no mask at all
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=p, enable_gqa=gqa)
        else:  # several new tokens after a cached prefix: causal, aligned to the bottom right
            mask = lucid.arange(S, device=x.device).reshape(1, S) <= \
                lucid.arange(offset, offset + T, device=x.device).reshape(T, 1)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p, enable_gqa=gqa)
        y = y.transpose(1, 2).reshape(B, T, C)
        return self.resid_dropout(self.c_proj(y))

    def extra_repr(self) -> str:
        kv = "" if self.n_kv_head == self.n_head else f", n_kv_head={self.n_kv_head}"
        return f"n_head={self.n_head}{kv}, head_dim={self.head_dim}"


class GPTMLP(nn.Module):
    """``c_proj(gelu_tanh(c_fc(x)))`` with dropout: the position-wise feed-forward network."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        inner = config.n_inner or 4 * config.n_embd
        self.c_fc = nn.Linear(config.n_embd, inner, bias=config.bias)
        self.act = nn.GELU(approximate="tanh")  # GPT-2's "gelu_new"
        self.c_proj = nn.Linear(inner, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.resid_pdrop)

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.c_proj(self.act(self.c_fc(x))))


class GPTBlock(nn.Module):
    """A pre-norm Transformer block: ``x + attn(ln_1(x))``, then ``x + mlp(ln_2(x))``."""

    def __init__(self, config: GPTConfig, layer_idx: int = 0) -> None:
        super().__init__()
        eps = config.layer_norm_epsilon
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=eps, bias=config.bias)
        self.attn = GPTAttention(config, layer_idx)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=eps, bias=config.bias)
        self.mlp = GPTMLP(config)

    def forward(self, x: Tensor, cache: nn.KVCache | None = None) -> Tensor:
        x = x + self.attn(self.ln_1(x), cache)
        return x + self.mlp(self.ln_2(x))


class GPTModel(nn.Module):
    """The decoder stack without the language-model head (HF's ``GPT2Model``): ``wte``, ``wpe``, ``h``, ``ln_f``."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        if not config.rotary:
            self.wpe = nn.Embedding(config.n_positions, config.n_embd)
        self.drop = nn.Dropout(config.embd_pdrop)
        self.h = nn.ModuleList([GPTBlock(config, i) for i in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon, bias=config.bias)
        self.rotary = config.rotary

    def forward(self, idx: Tensor, caches: list | None = None) -> Tensor:
        T = idx.shape[1]
        x = self.wte(idx)
        if not self.rotary:
            if caches is not None and type(caches[0]) is _FixedCache:
                positions = caches[0].position
            else:
                offset = 0 if caches is None else caches[0].offset
                positions = lucid.arange(offset, offset + T, device=idx.device)
            x = x + self.wpe(positions)
        x = self.drop(x)
        for i, block in enumerate(self.h):
            x = block(x, None if caches is None else caches[i])
        return self.ln_f(x)


class GPT(nn.Module):
    r"""A GPT-2-style language model (Radford et al., 2019): token ids in, next-token logits out.

    Token and position embeddings, ``n_layer`` pre-norm blocks of causal
    self-attention and a tanh-GELU MLP, a final LayerNorm, and ``lm_head``,
    whose weight *is* ``transformer.wte.weight`` (weight tying: one Parameter,
    counted once by ``parameters()``, listed under both keys by
    ``state_dict()`` as in Hugging Face). Initialised as GPT-2: every Linear
    and Embedding weight from :math:`\mathcal{N}(0, 0.02^2)`, biases zero, and
    the two residual output projections per block (``attn.c_proj``,
    ``mlp.c_proj``) with std :math:`0.02 / \sqrt{2 n_\text{layer}}`.
    Building even ``gpt2-xl`` evaluates no weights (MLX is lazy), so it is cheap.

    Args:
        config: a :class:`GPTConfig` (default: GPT-2 small, 124,439,808 parameters).

    Shape:
        ``forward(idx, cache=None)``: ``idx`` ``(B, T)`` integer token ids ->
        logits ``(B, T, vocab_size)``. ``cache`` (from :meth:`make_cache`) makes
        the call incremental: ``idx`` holds only the new tokens, which attend to
        everything cached before them, and the cache grows by ``T``.

    Examples:
        >>> import lucid
        >>> from lucid.models import GPT, GPTConfig
        >>> _ = lucid.manual_seed(0)
        >>> model = GPT(GPTConfig(vocab_size=50, n_positions=16, n_embd=32, n_layer=2, n_head=4))
        >>> model(lucid.tensor([[1, 2, 3]])).shape
        (1, 3, 50)
        >>> model.generate(lucid.tensor([[1, 2, 3]]), max_new_tokens=4, temperature=0).shape
        (1, 7)
    """

    def __init__(self, config: GPTConfig | None = None) -> None:
        super().__init__()
        self.config = config = resolve_config(config, GPTConfig, "GPT")
        self.transformer = GPTModel(config)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # weight tying
        self._init_weights()

    def _init_weights(self) -> None:
        std = self.config.initializer_range
        for name, module in self.named_modules():
            if isinstance(module, (nn.Linear, nn.Embedding)) and module is not self.lm_head:
                scale = 1 / math.sqrt(2 * self.config.n_layer) if name.endswith("c_proj") else 1.0
                nn.init.normal_(module.weight, 0.0, std * scale)
                if getattr(module, "bias", None) is not None:
                    nn.init.zeros_(module.bias)

    def make_cache(self, step: int = 256) -> list:
        """One empty :class:`~lucid.nn.KVCache` per block, for incremental decoding with ``forward(idx, cache)``."""
        return [nn.KVCache(step) for _ in range(self.config.n_layer)]

    def _check_input(self, idx, cache, check_length: bool = True) -> int:
        if not isinstance(idx, Tensor):
            raise TypeError(f"GPT: idx must be a Tensor of token ids, got {type(idx).__name__}")
        if idx.dtype not in _INDEX_DTYPES:
            raise TypeError(f"GPT: idx must hold integer token ids, got dtype {idx.dtype}; convert with "
                            ".long() (or lucid.tensor(ids))")
        if idx.ndim != 2 or idx.shape[1] == 0:
            raise ValueError(f"GPT: idx must be (batch, seq) with seq >= 1, got shape {idx.shape}")
        offset = 0
        if cache is not None:
            if not isinstance(cache, (list, tuple)) or len(cache) != self.config.n_layer or \
                    not all(isinstance(c, nn.KVCache) for c in cache):
                raise ValueError(f"GPT: cache must be a list of {self.config.n_layer} KVCache (one per layer, "
                                 "from model.make_cache())")
            offset = cache[0].offset
        n = self.config.n_positions
        if check_length and offset + idx.shape[1] > n:
            raise ValueError(f"GPT: position {offset + idx.shape[1] - 1} is past the model's n_positions={n} "
                             f"(idx of shape {idx.shape} after {offset} cached tokens); crop the input to the "
                             f"last {n} tokens or use a larger n_positions")
        return offset

    def forward(self, idx: Tensor, cache: list | None = None) -> Tensor:
        self._check_input(idx, cache)
        return self.lm_head(self.transformer(idx, cache))

    def generate(self, idx: Tensor, max_new_tokens: int, temperature: float = 1.0, top_k: int | None = None, *,
                 use_cache: bool = True, generator=None) -> Tensor:
        """Extend ``idx`` ``(B, T)`` by ``max_new_tokens`` sampled tokens; returns ``(B, T + max_new_tokens)``.

        Each step samples from ``softmax(logits / temperature)`` restricted to
        the ``top_k`` most likely tokens (all when ``None``); ``temperature=0``
        is greedy decoding (argmax). Sampling is exact (the Gumbel-max trick
        on ``lucid.rand``), so ``lucid.manual_seed`` or ``generator`` make it
        reproducible.

        With ``use_cache`` (default) the prompt runs once and every further
        token costs one step over a :class:`~lucid.nn.KVCache` per layer; the
        total length must then fit in ``n_positions``. That step is compiled
        with :func:`lucid.compile` once per call and replayed for every token
        (with ``rotary=True`` it runs eagerly). Without it each token
        re-runs the whole sequence, cropped to its last ``n_positions`` tokens
        (no length limit, quadratic cost). Both give the same tokens.

        The model runs in eval mode and without gradients (its mode is
        restored afterwards); each new token is evaluated before the next step
        (one sync per token, so the lazy graph never grows with the length).

        Raises:
            TypeError: ``idx`` not integer, or ``max_new_tokens``/``top_k`` not ints.
            ValueError: a negative count or temperature, ``top_k < 1``, or (with the
                cache) a total length past ``n_positions``.
        """
        check_int(max_new_tokens, "max_new_tokens", "GPT.generate", 0)
        if top_k is not None:
            check_int(top_k, "top_k", "GPT.generate", 1)
        if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real) or not temperature >= 0:
            raise ValueError(f"GPT.generate: temperature must be a number >= 0, got {temperature!r}")
        self._check_input(idx, None, check_length=False)
        n = self.config.n_positions
        if use_cache and idx.shape[1] + max_new_tokens - 1 > n:
            raise ValueError(f"GPT.generate: {idx.shape[1]} prompt tokens + {max_new_tokens} new ones need "
                             f"{idx.shape[1] + max_new_tokens - 1} positions, more than n_positions={n}; "
                             "generate fewer tokens or pass use_cache=False (crops the context)")
        if max_new_tokens == 0:
            return idx
        was_training = self.training
        self.eval()
        try:
            with lucid.no_grad():
                if use_cache:
                    return self._generate_cached(idx, max_new_tokens, temperature, top_k, generator)
                return self._generate_uncached(idx, max_new_tokens, temperature, top_k, generator)
        finally:
            self.train(was_training)

    def _generate_cached(self, idx, max_new_tokens, temperature, top_k, generator):
        cache = self.make_cache()
        logits = self(idx, cache)[:, -1, :]
        if not self.config.rotary and max_new_tokens > 1:
            return self._generate_compiled(idx, cache, logits, max_new_tokens, temperature, top_k, generator)
        tokens = [idx]
        for i in range(max_new_tokens):
            nxt = _sample(logits, temperature, top_k, generator).astype(idx.dtype)
            tokens.append(nxt)
            if i + 1 < max_new_tokens:
                logits = self(nxt, cache)[:, -1, :]
            lucid.eval(nxt)
        return lucid.cat(tokens, dim=1)

    def _generate_compiled(self, idx, cache, logits, max_new_tokens, temperature, top_k, generator):
        """After the prompt: each further token is one call of a compiled step (``lucid.compile``).

        The eager loop spends most of a small model's time in Python (every op of
        every layer, per token). Here one step (embed the token, run the blocks,
        sample) is traced once and replayed by MLX. Its shapes must stay fixed,
        so the keys and values live in :class:`_FixedCache` buffers sized for the
        whole generation, and the position is an array: one trace serves every
        token. The random draws are those of the eager loop, so both give the
        same tokens.
        """
        T0 = idx.shape[1]
        length = T0 + max_new_tokens - 1  # positions the last step attends over
        keys, values = [], []
        for c in cache:
            pad = (*c.keys.shape[:-2], length - T0)
            keys.append(lucid.cat([c.keys[..., :T0, :], lucid.zeros(*pad, c.keys.shape[-1], dtype=c.keys.dtype,
                                                                     device=c.keys.device)], dim=-2))
            values.append(lucid.cat([c.values[..., :T0, :], lucid.zeros(*pad, c.values.shape[-1],
                                                                         dtype=c.values.dtype,
                                                                         device=c.values.device)], dim=-2))
        del cache

        def step(token, position, keys, values):
            slots = lucid.arange(length, dtype=lucid.int32, device=token.device)
            write = (slots == position).reshape(length, 1)
            visible = (slots <= position).reshape(1, length)
            caches = [_FixedCache(k, v, position, write, visible) for k, v in zip(keys, values)]
            logits = self.lm_head(self.transformer(token, caches))[:, -1, :]
            nxt = _sample(logits, temperature, top_k, generator).astype(token.dtype)
            return nxt, position + 1, [c.keys for c in caches], [c.values for c in caches]

        # The weights are read by the trace as constants (they cannot change during generation), so
        # the only state is the random key: nothing per parameter is passed in and out per token.
        state = [] if generator is None else [generator]
        compiled = lucid.compile(step, state=state)
        nxt = _sample(logits, temperature, top_k, generator).astype(idx.dtype)
        lucid.eval(nxt)
        tokens = [idx, nxt]
        position = lucid.tensor([T0], dtype=lucid.int32, device=idx.device)
        for _ in range(max_new_tokens - 1):
            nxt, position, keys, values = compiled(nxt, position, keys, values)
            tokens.append(nxt)
            lucid.eval(nxt)
        return lucid.cat(tokens, dim=1)

    def _generate_uncached(self, idx, max_new_tokens, temperature, top_k, generator):
        n = self.config.n_positions
        seq = idx
        for _ in range(max_new_tokens):
            context = seq if seq.shape[1] <= n else seq[:, -n:]
            logits = self(context)[:, -1, :]
            seq = lucid.cat([seq, _sample(logits, temperature, top_k, generator).astype(idx.dtype)], dim=1)
            lucid.eval(seq)
        return seq


class _FixedCache:
    """One layer's keys and values during compiled generation: buffers for every position, fixed in shape.

    ``update`` writes the new token's key and value into the row ``write``
    selects (a ``(L, 1)`` mask, so no shape depends on the position) and returns
    the whole buffers; attention reads them through ``visible`` (``(1, L)``,
    the positions written so far). ``position`` ``(1,)`` is the new token's
    position.
    """

    __slots__ = ("keys", "position", "values", "visible", "write")

    def __init__(self, keys: Tensor, values: Tensor, position: Tensor, write: Tensor, visible: Tensor) -> None:
        self.keys, self.values = keys, values
        self.position, self.write, self.visible = position, write, visible

    def update(self, keys: Tensor, values: Tensor) -> tuple[Tensor, Tensor]:
        self.keys = lucid.where(self.write, keys, self.keys)
        self.values = lucid.where(self.write, values, self.values)
        return self.keys, self.values


def _sample(logits: Tensor, temperature: float, top_k: int | None, generator) -> Tensor:
    """One token id per row of ``logits`` ``(B, V)``, as ``(B, 1)``."""
    if temperature == 0:
        return logits.argmax(dim=-1, keepdim=True)
    logits = logits / temperature
    if top_k is not None and top_k < logits.shape[-1]:
        kth = lucid.topk(logits, top_k, dim=-1)[0][:, -1:]
        logits = lucid.where(logits < kth, float("-inf"), logits)
    # Gumbel-max: argmax(logits + G) with G = -log(-log(U)) is a sample of softmax(logits).
    u = lucid.rand(*logits.shape, generator=generator, device=logits.device)
    return (logits - (-u.log()).log()).argmax(dim=-1, keepdim=True)


@register_model("gpt2", num_params=124_439_808, input_size=(1024,),
                paper="Language Models are Unsupervised Multitask Learners (Radford et al., 2019)")
def gpt2(**overrides) -> GPT:
    """GPT-2 small (12 layers, 768 wide, 12 heads, 124,439,808 parameters), randomly initialised.

    Keyword arguments override :class:`GPTConfig` fields.

    Examples:
        >>> from lucid.models import gpt2
        >>> sum(p.numel() for p in gpt2().parameters())
        124439808
    """
    return GPT(GPTConfig.from_name("gpt2", **overrides))
