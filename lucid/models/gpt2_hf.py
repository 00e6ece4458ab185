"""GPT-2 under Hugging Face's names: ``GPT2Config`` and ``GPT2LMHeadModel.from_pretrained(directory)``.

``GPT2LMHeadModel`` *is* :class:`~lucid.models.GPT` (same modules, same
``state_dict`` keys), plus reading and writing a Hugging Face directory. The
one layout difference from a Hugging Face checkpoint: GPT-2's ``Conv1D``
layers store their weights ``(in, out)``; Lucid's ``nn.Linear`` stores
``(out, in)``. ``from_pretrained`` transposes ``attn.c_attn``,
``attn.c_proj``, ``mlp.c_fc`` and ``mlp.c_proj`` weights on load and
``save_pretrained`` transposes them back.
"""

from __future__ import annotations

import dataclasses
import operator
import re
from dataclasses import dataclass, field

from lucid.models._hf import HFConfigMixin, PretrainedMixin
from lucid.models.gpt import GPT, GPTConfig

__all__ = ["GPT2Config", "GPT2LMHeadModel"]

_CONV1D = re.compile(r"transformer\.h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight")
_ATTN_BUFFERS = re.compile(r"transformer\.h\.\d+\.attn\.(bias|masked_bias)")
_TANH_GELUS = ("gelu_new", "gelu_pytorch_tanh")


def _alias(name: str) -> property:
    """A read-only property that reads the field ``name`` under the name other Hugging Face configs use."""
    return property(operator.attrgetter(name), doc=f"``{name}``, under the name other Hugging Face configs use.")


@dataclass
class GPT2Config(HFConfigMixin, GPTConfig):
    """Hugging Face's ``GPT2Config``: :class:`~lucid.models.GPTConfig`'s fields plus the rest of ``config.json``.

    Defaults are GPT-2 small. Besides GPTConfig's fields (``vocab_size``,
    ``n_positions``, ``n_embd``, ``n_layer``, ``n_head``, ``n_inner``, the
    dropouts, ``layer_norm_epsilon``, ``initializer_range``), it holds the
    options of Hugging Face's config that change the computation, checked
    against what Lucid's GPT computes, and keeps every other key of a
    ``config.json`` in ``extra``. ``hidden_size``, ``num_attention_heads``,
    ``num_hidden_layers`` and ``max_position_embeddings`` read the GPT-2 names.

    Attributes:
        activation_function: ``"gelu_new"`` (GPT-2's tanh GELU) or ``"gelu_pytorch_tanh"`` (the same).
        scale_attn_weights: scale scores by ``1/sqrt(head_dim)`` (must be ``True``).
        scale_attn_by_inverse_layer_idx: must be ``False``.
        reorder_and_upcast_attn: accepted and ignored (it changes only the rounding).
        tie_word_embeddings: ``lm_head`` shares ``wte``'s weight (must be ``True``).
        bos_token_id, eos_token_id: GPT-2's ``<|endoftext|>`` (50256).
        extra: the other keys of ``config.json`` (``architectures``, ``n_ctx``, ``summary_*``, ...).

    Raises:
        NotImplementedError: an option Lucid's GPT does not compute (another activation,
            unscaled or layer-scaled attention, untied embeddings).

    Examples:
        >>> from lucid.models import GPT2Config
        >>> cfg = GPT2Config.from_dict({"model_type": "gpt2", "n_layer": 2, "n_embd": 32, "n_head": 4,
        ...                             "n_ctx": 1024})
        >>> cfg.n_layer, cfg.hidden_size, cfg.extra
        (2, 32, {'n_ctx': 1024})
    """

    model_type = "gpt2"

    activation_function: str = "gelu_new"
    scale_attn_weights: bool = True
    scale_attn_by_inverse_layer_idx: bool = False
    reorder_and_upcast_attn: bool = False
    tie_word_embeddings: bool = True
    bos_token_id: int | None = 50256
    eos_token_id: int | None = 50256
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.activation_function not in _TANH_GELUS:
            raise NotImplementedError(f"GPT2Config: activation_function must be one of {list(_TANH_GELUS)} "
                                      f"(GPT-2's tanh GELU), got {self.activation_function!r}")
        unsupported = {"scale_attn_weights": (self.scale_attn_weights, True),
                       "scale_attn_by_inverse_layer_idx": (self.scale_attn_by_inverse_layer_idx, False),
                       "tie_word_embeddings": (self.tie_word_embeddings, True)}
        for name, (value, allowed) in unsupported.items():
            if value is not allowed:
                raise NotImplementedError(f"GPT2Config: Lucid's GPT-2 computes only {name}={allowed}, "
                                          f"got {value!r}")
        self._check_extra()

    hidden_size = _alias("n_embd")
    num_attention_heads = _alias("n_head")
    num_hidden_layers = _alias("n_layer")
    max_position_embeddings = _alias("n_positions")


class GPT2LMHeadModel(PretrainedMixin, GPT):
    """Hugging Face's ``GPT2LMHeadModel``: Lucid's :class:`~lucid.models.GPT` plus ``from_pretrained``.

    Module paths and ``state_dict`` keys are Hugging Face's
    (``transformer.wte.weight``, ``transformer.h.0.attn.c_attn.weight``, ...,
    ``lm_head.weight`` tied to ``transformer.wte.weight``), so
    ``from_pretrained(directory)`` loads a real GPT-2 checkpoint directory
    (``config.json`` plus ``model.safetensors`` or a sharded
    ``model.safetensors.index.json``) by name. It also reads checkpoints
    saved from a bare ``GPT2Model`` (keys without ``transformer.``), with or
    without the ``attn.bias``/``attn.masked_bias`` buffers, and with or
    without ``lm_head.weight`` (tied: ``wte`` is used). ``forward(input_ids)``
    returns the logits ``(B, T, vocab_size)`` as a Tensor (Hugging Face wraps
    them in an output object); :meth:`~lucid.models.GPT.generate` samples.

    Args:
        config: a :class:`GPT2Config` (default: GPT-2 small, 124,439,808
            parameters) or a :class:`~lucid.models.GPTConfig`.

    Examples:
        >>> import lucid, tempfile
        >>> from lucid.models import GPT2Config, GPT2LMHeadModel
        >>> _ = lucid.manual_seed(0)
        >>> model = GPT2LMHeadModel(GPT2Config(vocab_size=50, n_positions=16, n_embd=32, n_layer=2, n_head=4))
        >>> folder = tempfile.mkdtemp()
        >>> model.save_pretrained(folder)   # config.json + model.safetensors, Hugging Face layout
        >>> again = GPT2LMHeadModel.from_pretrained(folder)
        >>> ids = lucid.tensor([[1, 2, 3]])
        >>> bool((again(ids) - model.eval()(ids)).abs().max() < 1e-6)
        True
    """

    config_class = GPT2Config

    def __init__(self, config: GPT2Config | GPTConfig | None = None) -> None:
        if config is None:
            config = GPT2Config()
        elif isinstance(config, GPTConfig) and not isinstance(config, GPT2Config):
            config = GPT2Config(**dataclasses.asdict(config))
        elif not isinstance(config, GPTConfig):
            raise TypeError(f"GPT2LMHeadModel: config must be a GPT2Config, got {type(config).__name__}")
        super().__init__(config)

    @classmethod
    def _from_hf(cls, state: dict, config) -> dict:
        out = {}
        head = None
        for key, value in state.items():
            if key == "lm_head.weight":
                head = value
                continue
            name = key if key.startswith("transformer.") else "transformer." + key
            if _ATTN_BUFFERS.fullmatch(name):
                continue  # the causal mask and its fill value: Lucid's attention needs neither
            if _CONV1D.fullmatch(name) and value.ndim == 2:
                value = value.T  # Conv1D (in, out) -> Linear (out, in)
            out[name] = value
        # NOTE: GPT-2 ties lm_head to wte; a separate lm_head.weight (some files store it) is used only
        # when wte itself is absent.
        if "transformer.wte.weight" not in out and head is not None:
            out["transformer.wte.weight"] = head
        if "transformer.wte.weight" in out:
            out["lm_head.weight"] = out["transformer.wte.weight"]
        return out

    @classmethod
    def _to_hf(cls, state: dict, config) -> dict:
        # Hugging Face's safetensors files leave out the tied lm_head.weight.
        return {k: (v.T if _CONV1D.fullmatch(k) else v) for k, v in state.items() if k != "lm_head.weight"}
