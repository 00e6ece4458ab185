"""Lookup tables: ``Embedding`` and ``EmbeddingBag``."""

from __future__ import annotations

import numbers

import mlx.core as mx

from lucid._tensor import Tensor
from lucid.nn import init
from lucid.nn.functional.embedding_bag import MODES, embedding_bag
from lucid.nn.functional.sparse import _check_padding_idx, embedding
from lucid.nn.module import Module
from lucid.nn.parameter import Parameter
from lucid.ops.creation import empty

__all__ = ["Embedding", "EmbeddingBag"]


def _setup_table(layer: Module, name: str, num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                 scale_grad_by_freq, sparse) -> None:
    """Check and store the settings that ``Embedding`` and ``EmbeddingBag`` share (``name`` is the layer's)."""
    for value, what in ((num_embeddings, "num_embeddings"), (embedding_dim, "embedding_dim")):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(f"{name}: {what} must be a non-negative int, got {value!r}")
    if not isinstance(sparse, bool):
        raise TypeError(f"{name}: sparse must be a bool, got {sparse!r} ({type(sparse).__name__})")
    layer.num_embeddings = int(num_embeddings)
    layer.embedding_dim = int(embedding_dim)
    layer.padding_idx = None if padding_idx is None else _check_padding_idx(padding_idx, layer.num_embeddings, name)
    layer.max_norm = max_norm
    layer.norm_type = norm_type
    layer.scale_grad_by_freq = scale_grad_by_freq
    layer.sparse = sparse


def _max_norm_repr(layer: Module) -> str:
    """The non-default ``max_norm``, ``norm_type`` and ``scale_grad_by_freq`` for a repr, each after ``", "``."""
    s = ""
    if layer.max_norm is not None:
        s += f", max_norm={layer.max_norm}"
    if layer.norm_type != 2:
        s += f", norm_type={layer.norm_type}"
    if layer.scale_grad_by_freq:
        s += ", scale_grad_by_freq=True"
    return s


def _init_weight(layer: Module, name: str, _weight, _freeze: bool, dtype, device) -> None:
    """Set ``layer.weight`` ``(num_embeddings, embedding_dim)``: drawn fresh, or ``_weight`` checked and wrapped."""
    if _weight is None:
        layer.weight = Parameter(empty(layer.num_embeddings, layer.embedding_dim, dtype=dtype, device=device),
                                 requires_grad=not _freeze)
        layer.reset_parameters()
        return
    if not isinstance(_weight, Tensor) or _weight.shape != (layer.num_embeddings, layer.embedding_dim):
        got = _weight.shape if isinstance(_weight, Tensor) else type(_weight).__name__
        raise ValueError(f"{name}: _weight must be a Tensor of shape "
                         f"({layer.num_embeddings}, {layer.embedding_dim}), got {got}")
    layer.weight = Parameter(_weight, requires_grad=not _freeze)


def _reset_weight(layer: Module) -> None:
    """Re-draw ``layer.weight`` from ``N(0, 1)`` and zero its padding row (if any)."""
    init.normal_(layer.weight)
    _zero_padding_row(layer)


def _zero_padding_row(layer: Module) -> None:
    if layer.padding_idx is not None:
        w = layer.weight._data
        row = mx.expand_dims(mx.arange(w.shape[0]) == layer.padding_idx, 1)
        layer.weight._data = mx.where(row, mx.zeros((), dtype=w.dtype), w)
        layer.weight._version += 1


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, looked up by integer index.

    Args:
        num_embeddings: size of the table.
        embedding_dim: size of each vector.
        padding_idx: this row is initialised to zeros and receives no gradient
            (negative values count from the end).
        max_norm: if given, looked-up rows with a larger ``norm_type``-norm are
            rescaled to ``max_norm`` in place (the weight changes, as in PyTorch).
        norm_type: the p of the p-norm for ``max_norm`` (default 2).
        scale_grad_by_freq: scale gradients by the inverse frequency of each index in the batch.
        sparse: accepted for PyTorch compatibility; the weight's gradient is
            dense either way (Lucid has no sparse tensors), zero in the rows
            not looked up. :class:`lucid.optim.SparseAdam` then updates only
            the rows that were used, as PyTorch's does with sparse gradients.
        _weight: an initial ``(num_embeddings, embedding_dim)`` tensor (used by ``from_pretrained``).
        _freeze: create the weight with ``requires_grad=False``.

    Attributes:
        weight: ``(num_embeddings, embedding_dim)``, initialised from ``N(0, 1)``.

    Shape:
        input: integer indices of any shape ``(*)`` -> output ``(*, embedding_dim)``.

    Examples:
        >>> import lucid
        >>> emb = lucid.nn.Embedding(10, 3, padding_idx=0)
        >>> emb
        Embedding(10, 3, padding_idx=0)
        >>> emb(lucid.tensor([[0, 4]])).shape
        (1, 2, 3)
        >>> emb.weight[0].tolist()
        [0.0, 0.0, 0.0]
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Tensor | None = None, _freeze: bool = False,
                 device=None, dtype=None) -> None:
        super().__init__()
        _setup_table(self, "Embedding", num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                     scale_grad_by_freq, sparse)
        _init_weight(self, "Embedding", _weight, _freeze, dtype, device)

    def reset_parameters(self) -> None:
        """Re-draw the weight from ``N(0, 1)`` and zero the padding row."""
        _reset_weight(self)

    def _fill_padding_idx_with_zero(self) -> None:
        _zero_padding_row(self)

    def forward(self, input: Tensor) -> Tensor:
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s + _max_norm_repr(self)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An ``Embedding`` whose weight is ``embeddings`` (values shared, not copied).

        Args:
            embeddings: ``(num_embeddings, embedding_dim)``.
            freeze: keep the weight fixed (``requires_grad=False``; default ``True``).
            padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse: as in the constructor
                (the padding row is not zeroed: the given values are kept).

        Raises:
            ValueError: if ``embeddings`` is not 2-D.

        Examples:
            >>> import lucid
            >>> emb = lucid.nn.Embedding.from_pretrained(lucid.tensor([[1.0, 2.0], [3.0, 4.0]]))
            >>> emb(lucid.tensor([1])).tolist(), emb.weight.requires_grad
            ([[3.0, 4.0]], False)
        """
        if not isinstance(embeddings, Tensor):
            raise TypeError(f"Embedding.from_pretrained: embeddings must be a lucid.Tensor, "
                            f"got {type(embeddings).__name__}")
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape {embeddings.shape}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse, _weight=embeddings, _freeze=freeze)


class EmbeddingBag(Module):
    """A table of embeddings whose lookups are reduced per bag: the sum, mean or max of each bag's rows.

    See :func:`lucid.nn.functional.embedding_bag` for how bags are formed (the
    rows of a 2-D input, or a 1-D input cut at ``offsets``).

    Args:
        num_embeddings: size of the table.
        embedding_dim: size of each vector.
        max_norm, norm_type, scale_grad_by_freq, sparse: as in :class:`Embedding`.
        mode: ``"sum"``, ``"mean"`` (default) or ``"max"``.
        include_last_offset: ``offsets`` has one entry per bag plus the end.
        padding_idx: entries with this index are left out of their bag; its row is initialised to zeros.
        _weight: an initial ``(num_embeddings, embedding_dim)`` tensor (used by ``from_pretrained``).
        _freeze: create the weight with ``requires_grad=False``.

    Attributes:
        weight: ``(num_embeddings, embedding_dim)``, initialised from ``N(0, 1)``.

    Shape:
        input ``(B, N)``, or ``(N,)`` with ``offsets`` ``(B,)`` -> output ``(B, embedding_dim)``.

    Examples:
        >>> import lucid
        >>> bag = lucid.nn.EmbeddingBag(10, 3, mode="sum")
        >>> bag
        EmbeddingBag(10, 3, mode='sum')
        >>> bag(lucid.tensor([1, 2, 4, 5, 4]), lucid.tensor([0, 2])).shape
        (2, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                 _weight: Tensor | None = None, include_last_offset: bool = False, padding_idx: int | None = None,
                 _freeze: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        _setup_table(self, "EmbeddingBag", num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                     scale_grad_by_freq, sparse)
        if mode not in MODES:
            raise ValueError(f"EmbeddingBag: mode must be one of {MODES}, got {mode!r}")
        self.mode = mode
        self.include_last_offset = include_last_offset
        _init_weight(self, "EmbeddingBag", _weight, _freeze, dtype, device)

    def reset_parameters(self) -> None:
        """Re-draw the weight from ``N(0, 1)`` and zero the padding row."""
        _reset_weight(self)

    def forward(self, input: Tensor, offsets: Tensor | None = None,
                per_sample_weights: Tensor | None = None) -> Tensor:
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                             self.mode, self.sparse, per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}{_max_norm_repr(self)}, mode={self.mode!r}"
        if self.include_last_offset:
            s += ", include_last_offset=True"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An ``EmbeddingBag`` whose weight is ``embeddings`` (values shared, not copied).

        Raises:
            ValueError: if ``embeddings`` is not 2-D.

        Examples:
            >>> import lucid
            >>> bag = lucid.nn.EmbeddingBag.from_pretrained(lucid.tensor([[1.0, 2.0], [3.0, 4.0]]))
            >>> bag(lucid.tensor([[0, 1]])).tolist()
            [[2.0, 3.0]]
        """
        if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
            got = embeddings.shape if isinstance(embeddings, Tensor) else type(embeddings).__name__
            raise ValueError(f"EmbeddingBag.from_pretrained: embeddings must be a 2-D Tensor, got {got}")
        rows, cols = embeddings.shape
        return cls(rows, cols, max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq,
                   mode=mode, sparse=sparse, _weight=embeddings, include_last_offset=include_last_offset,
                   padding_idx=padding_idx, _freeze=freeze)
