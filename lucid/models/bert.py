"""BERT (Devlin et al., 2019) under Hugging Face's names: ``BertConfig`` and ``BertModel.from_pretrained``.

Module paths and ``state_dict`` keys are those of ``transformers``'
``BertModel`` (``embeddings.word_embeddings.weight``,
``encoder.layer.0.attention.self.query.weight``, ..., ``pooler.dense.weight``),
so a Hugging Face BERT checkpoint directory loads by name; checkpoints of
``BertForPreTraining`` and friends (keys under ``bert.``, heads under
``cls.``) load too, the heads left out with a warning.
"""

from __future__ import annotations

import numbers
import re
import warnings
from dataclasses import dataclass, field

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from lucid._tensor import Tensor
from lucid.models._hf import HFConfigMixin, PretrainedMixin
from lucid.models._layers import resolve_config
from lucid.models._registry import register_model

__all__ = ["BertConfig", "BertModel", "BaseModelOutputWithPooling", "bert_base_uncased"]

_INDEX_DTYPES = (lucid.int64, lucid.int32, lucid.int16, lucid.int8, lucid.uint8, lucid.uint16, lucid.uint32,
                 lucid.uint64)
# Hugging Face's activation names -> Lucid modules. "gelu" is the exact (erf) GELU that BERT uses.
_ACTIVATIONS = {
    "gelu": lambda: nn.GELU(),
    "gelu_new": lambda: nn.GELU(approximate="tanh"),
    "gelu_pytorch_tanh": lambda: nn.GELU(approximate="tanh"),
    "relu": lambda: nn.ReLU(),
    "silu": lambda: nn.SiLU(),
    "swish": lambda: nn.SiLU(),
    "tanh": lambda: nn.Tanh(),
}


@dataclass
class BertConfig(HFConfigMixin):
    """Hugging Face's ``BertConfig``: field names and defaults (BERT-base, uncased vocabulary).

    Attributes:
        vocab_size: token ids (30522).
        hidden_size: model width (768).
        num_hidden_layers: encoder layers (12).
        num_attention_heads: heads per layer (12; must divide ``hidden_size``).
        intermediate_size: feed-forward width (3072).
        hidden_act: feed-forward activation: ``"gelu"`` (exact, erf; BERT's), ``"gelu_new"``,
            ``"gelu_pytorch_tanh"``, ``"relu"``, ``"silu"``/``"swish"`` or ``"tanh"``.
        hidden_dropout_prob: dropout on embeddings and each sublayer's output (0.1).
        attention_probs_dropout_prob: dropout on the attention weights (0.1).
        max_position_embeddings: the longest sequence (512).
        type_vocab_size: segment (token type) ids (2).
        initializer_range: std of the normal initialisation (0.02).
        layer_norm_eps: the LayerNorms' epsilon (1e-12).
        pad_token_id: the padding token, whose embedding row starts at zero (0).
        position_embedding_type: only ``"absolute"`` (learned positions) is computed.
        extra: the other keys of ``config.json`` (``architectures``, ``transformers_version``, ...).

    Raises:
        TypeError: a size that is not an int.
        ValueError: a size below 1, heads that do not divide the width, a dropout outside
            ``[0, 1)``, a non-positive epsilon, or an unknown activation.
        NotImplementedError: relative position embeddings.

    Examples:
        >>> from lucid.models import BertConfig
        >>> BertConfig().layer_norm_eps
        1e-12
        >>> BertConfig.from_dict({"model_type": "bert", "hidden_size": 32, "num_attention_heads": 4}).head_dim
        8
    """

    model_type = "bert"

    vocab_size: int = 30522
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    pad_token_id: int | None = 0
    position_embedding_type: str = "absolute"
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                     "intermediate_size", "max_position_embeddings", "type_vocab_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"BertConfig: {name} must be an int, got {type(value).__name__}")
            if value < 1:
                raise ValueError(f"BertConfig: {name} must be >= 1, got {value}")
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(f"BertConfig: num_attention_heads ({self.num_attention_heads}) must divide "
                             f"hidden_size ({self.hidden_size})")
        for name in ("hidden_dropout_prob", "attention_probs_dropout_prob"):
            p = getattr(self, name)
            if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p < 1:
                raise ValueError(f"BertConfig: {name} must be a probability in [0, 1), got {p!r}")
        eps = self.layer_norm_eps
        if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps > 0:
            raise ValueError(f"BertConfig: layer_norm_eps must be a positive number, got {eps!r}")
        if self.hidden_act not in _ACTIVATIONS:
            raise ValueError(f"BertConfig: unknown hidden_act {self.hidden_act!r}; choose one of "
                             f"{sorted(_ACTIVATIONS)}")
        if self.position_embedding_type != "absolute":
            raise NotImplementedError(f"BertConfig: only position_embedding_type='absolute' is computed, got "
                                      f"{self.position_embedding_type!r}")
        pad = self.pad_token_id
        if pad is not None and (isinstance(pad, bool) or not isinstance(pad, numbers.Integral)
                                or not 0 <= pad < self.vocab_size):
            raise ValueError(f"BertConfig: pad_token_id must be None or an id in [0, {self.vocab_size}), "
                             f"got {pad!r}")
        self._check_extra()

    @property
    def head_dim(self) -> int:
        """``hidden_size // num_attention_heads``."""
        return self.hidden_size // self.num_attention_heads


class BaseModelOutputWithPooling:
    """What :class:`BertModel` returns: ``last_hidden_state`` and ``pooler_output``, by attribute, key or index.

    As Hugging Face's output of the same name: ``out.last_hidden_state``,
    ``out["last_hidden_state"]`` and ``out[0]`` are the same tensor;
    ``pooler_output`` (``None`` without a pooler) is ``out[1]`` when present.
    Unlike Hugging Face's (a dict, whose iteration yields keys), iterating
    yields the values, so ``hidden, pooled = out`` unpacks like a tuple.

    Examples:
        >>> from lucid.models import BaseModelOutputWithPooling
        >>> out = BaseModelOutputWithPooling(last_hidden_state="h", pooler_output="p")
        >>> out[0], out["pooler_output"], out.keys()
        ('h', 'p', ('last_hidden_state', 'pooler_output'))
    """

    __slots__ = ("last_hidden_state", "pooler_output")

    def __init__(self, last_hidden_state, pooler_output=None) -> None:
        self.last_hidden_state = last_hidden_state
        self.pooler_output = pooler_output

    def keys(self) -> tuple:
        """The names of the fields that are not ``None``, in order."""
        return tuple(k for k in self.__slots__ if getattr(self, k) is not None)

    def to_tuple(self) -> tuple:
        """The fields that are not ``None``, in order."""
        return tuple(getattr(self, k) for k in self.keys())

    def __getitem__(self, key):
        if isinstance(key, str):
            if key not in self.keys():
                raise KeyError(f"BaseModelOutputWithPooling has no field {key!r}; fields: {self.keys()}")
            return getattr(self, key)
        return self.to_tuple()[key]

    def __iter__(self):
        return iter(self.to_tuple())

    def __len__(self) -> int:
        return len(self.keys())

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.keys())
        return f"BaseModelOutputWithPooling({inner})"


class BertEmbeddings(nn.Module):
    """Word + position + token-type embeddings, then LayerNorm and dropout."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor, position_ids: Tensor) -> Tensor:
        x = self.word_embeddings(input_ids) + self.position_embeddings(position_ids) + \
            self.token_type_embeddings(token_type_ids)
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    """Bidirectional multi-head attention: ``query``, ``key``, ``value`` projections and the fused kernel."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.num_heads, self.head_dim = config.num_attention_heads, config.head_dim
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout_p = float(config.attention_probs_dropout_prob)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        B, T, C = x.shape
        H, D = self.num_heads, self.head_dim
        q = self.query(x).reshape(B, T, H, D).transpose(1, 2)
        k = self.key(x).reshape(B, T, H, D).transpose(1, 2)
        v = self.value(x).reshape(B, T, H, D).transpose(1, 2)
        p = self.dropout_p if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
        return y.transpose(1, 2).reshape(B, T, C)

    def extra_repr(self) -> str:
        return f"num_heads={self.num_heads}, head_dim={self.head_dim}"


class _AddNorm(nn.Module):
    """``LayerNorm(dropout(dense(h)) + x)``, ``dense`` projecting ``in_features`` to the hidden size."""

    def __init__(self, config: BertConfig, in_features: int) -> None:
        super().__init__()
        self.dense = nn.Linear(in_features, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, h: Tensor, x: Tensor) -> Tensor:
        return self.LayerNorm(self.dropout(self.dense(h)) + x)


class BertSelfOutput(_AddNorm):
    """``LayerNorm(dropout(dense(h)) + x)``: the attention sublayer's projection and residual."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config, config.hidden_size)


class BertAttention(nn.Module):
    """The attention sublayer: ``self`` (the attention) and ``output`` (projection, residual, LayerNorm)."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        return self.output(self.self(x, mask), x)


class BertIntermediate(nn.Module):
    """The feed-forward network's first half: ``act(dense(x))``."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = _ACTIVATIONS[config.hidden_act]()

    def forward(self, x: Tensor) -> Tensor:
        return self.intermediate_act_fn(self.dense(x))


class BertOutput(_AddNorm):
    """The feed-forward network's second half: ``LayerNorm(dropout(dense(h)) + x)``."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config, config.intermediate_size)


class BertLayer(nn.Module):
    """One post-norm encoder layer: attention sublayer, then feed-forward sublayer."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        x = self.attention(x, mask)
        return self.output(self.intermediate(x), x)


class BertEncoder(nn.Module):
    """``num_hidden_layers`` :class:`BertLayer` in ``layer``."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(config) for _ in range(config.num_hidden_layers)])

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        for layer in self.layer:
            x = layer(x, mask)
        return x


class BertPooler(nn.Module):
    """``tanh(dense(h[:, 0]))``: the first token's ([CLS]) hidden state, projected."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, h: Tensor) -> Tensor:
        return self.activation(self.dense(h[:, 0]))


class BertModel(PretrainedMixin, nn.Module):
    r"""BERT's encoder (Devlin et al., 2019), as Hugging Face's ``BertModel``: token ids in, hidden states out.

    Embeddings (word, position, token type; summed, LayerNorm, dropout),
    ``num_hidden_layers`` post-norm layers of bidirectional self-attention
    and a feed-forward network with the exact (erf) GELU, and a pooler
    (``tanh`` of a projection of the first token's state). Module paths and
    ``state_dict`` keys are Hugging Face's, so :meth:`from_pretrained` loads a
    Hugging Face BERT directory by name; checkpoints with a ``bert.`` prefix
    (``BertForPreTraining``, ``BertForMaskedLM``, ...) load too, their
    ``cls.*`` heads left out with a warning, and TensorFlow-era
    ``LayerNorm.gamma``/``beta`` names are renamed. Initialised as Hugging
    Face does: Linear and Embedding weights from :math:`\mathcal{N}(0, 0.02^2)`,
    biases zero, the padding row zero. Building BERT-base (109,482,240
    parameters) evaluates no weights.

    Args:
        config: a :class:`BertConfig` (default: BERT-base).
        add_pooling_layer: build the pooler (default ``True``); without it ``pooler_output`` is ``None``.

    Shape:
        ``forward(input_ids, attention_mask=None, token_type_ids=None, position_ids=None)``:
        ``input_ids`` ``(B, T)`` integer ids; ``attention_mask`` ``(B, T)``, 1 (or ``True``) for
        tokens to attend to and 0 for padding; ``token_type_ids`` ``(B, T)`` segment ids (default
        zeros); ``position_ids`` ``(B, T)`` or ``(T,)`` (default ``0..T-1``). Returns a
        :class:`BaseModelOutputWithPooling`: ``last_hidden_state`` ``(B, T, hidden_size)`` and
        ``pooler_output`` ``(B, hidden_size)``.

    Examples:
        >>> import lucid
        >>> from lucid.models import BertConfig, BertModel
        >>> _ = lucid.manual_seed(0)
        >>> cfg = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        ...                  intermediate_size=64)
        >>> model = BertModel(cfg).eval()
        >>> out = model(lucid.tensor([[2, 7, 9, 0]]), attention_mask=lucid.tensor([[1, 1, 1, 0]]))
        >>> out.last_hidden_state.shape, out.pooler_output.shape
        ((1, 4, 32), (1, 32))
        >>> sum(p.numel() for p in BertModel().parameters())  # BERT-base, built lazily
        109482240
    """

    config_class = BertConfig

    def __init__(self, config: BertConfig | None = None, add_pooling_layer: bool = True) -> None:
        super().__init__()
        self.config = config = resolve_config(config, BertConfig, "BertModel")
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None
        self._init_weights()

    def _init_weights(self) -> None:
        std = self.config.initializer_range
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, 0.0, std)
                if getattr(module, "bias", None) is not None:
                    nn.init.zeros_(module.bias)
                if isinstance(module, nn.Embedding):
                    module._fill_padding_idx_with_zero()

    def _check_ids(self, name: str, ids, shape) -> None:
        if not isinstance(ids, Tensor):
            raise TypeError(f"BertModel: {name} must be a Tensor, got {type(ids).__name__}")
        if ids.dtype not in _INDEX_DTYPES:
            raise TypeError(f"BertModel: {name} must hold integer ids, got dtype {ids.dtype}; convert with .long()")
        if shape is not None and ids.shape != shape:
            raise ValueError(f"BertModel: {name} must have input_ids' shape {shape}, got {ids.shape}")

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None, token_type_ids: Tensor | None = None,
                position_ids: Tensor | None = None) -> BaseModelOutputWithPooling:
        self._check_ids("input_ids", input_ids, None)
        if input_ids.ndim != 2 or input_ids.shape[1] == 0:
            raise ValueError(f"BertModel: input_ids must be (batch, seq) with seq >= 1, got shape {input_ids.shape}")
        B, T = input_ids.shape
        limit = self.config.max_position_embeddings
        if position_ids is None and input_ids.shape[1] > limit:
            raise ValueError(f"BertModel: a sequence of {T} tokens is longer than max_position_embeddings={limit}; "
                             f"truncate input_ids to {limit} tokens")
        if token_type_ids is None:
            token_type_ids = lucid.zeros(B, T, dtype=lucid.int32, device=input_ids.device)
        else:
            self._check_ids("token_type_ids", token_type_ids, (B, T))
        if position_ids is None:
            position_ids = lucid.arange(T, device=input_ids.device)
        elif not isinstance(position_ids, Tensor) or position_ids.shape not in ((B, T), (T,)):
            got = position_ids.shape if isinstance(position_ids, Tensor) else type(position_ids).__name__
            raise ValueError(f"BertModel: position_ids must be a Tensor of shape {(B, T)} or {(T,)}, got {got}")
        mask = None
        if attention_mask is not None:
            if not isinstance(attention_mask, Tensor) or attention_mask.shape != (B, T):
                got = attention_mask.shape if isinstance(attention_mask, Tensor) else type(attention_mask).__name__
                raise ValueError(f"BertModel: attention_mask must be a Tensor of shape {(B, T)} (1 for tokens, "
                                 f"0 for padding), got {got}")
            # NOTE: a boolean mask (True = attend) for every query over the keys; a row whose keys are
            # all padding attends to nothing and gives zeros (Hugging Face's additive mask gives a mean).
            mask = (attention_mask != 0).reshape(B, 1, 1, T)
        hidden = self.encoder(self.embeddings(input_ids, token_type_ids, position_ids), mask)
        pooled = self.pooler(hidden) if self.pooler is not None else None
        return BaseModelOutputWithPooling(hidden, pooled)

    @classmethod
    def _from_hf(cls, state: dict, config) -> dict:
        out, heads = {}, []
        for key, value in state.items():
            name = key[len("bert."):] if key.startswith("bert.") else key
            if name.startswith("cls."):
                heads.append(key)
                continue
            if name in ("embeddings.position_ids", "embeddings.token_type_ids"):
                continue  # index buffers of older checkpoints; Lucid builds them on the fly
            name = re.sub(r"LayerNorm\.gamma$", "LayerNorm.weight", name)
            out[re.sub(r"LayerNorm\.beta$", "LayerNorm.bias", name)] = value
        if heads:
            warnings.warn(f"BertModel.from_pretrained: ignored {len(heads)} tensor(s) of pre-training heads "
                          f"({', '.join(heads[:3])}{', ...' if len(heads) > 3 else ''}); BertModel is the "
                          "encoder only", stacklevel=3)
        return out


@register_model("bert-base-uncased", num_params=109_482_240, input_size=(512,),
                paper="BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding "
                      "(Devlin et al., 2019)")
def bert_base_uncased(**overrides) -> BertModel:
    """BERT-base, uncased vocabulary (12 layers, 768 wide, 12 heads, 109,482,240 parameters), randomly initialised.

    Keyword arguments override :class:`BertConfig` fields. To load the
    published weights, download the Hugging Face directory and call
    :meth:`BertModel.from_pretrained`.

    Examples:
        >>> from lucid.models import create_model
        >>> model = create_model("bert-base-uncased")
        >>> model.config.hidden_size, len(model.encoder.layer)
        (768, 12)
    """
    return BertModel(BertConfig(**overrides))
