"""Dropout layers: active in training mode, the identity after ``.eval()``."""

from __future__ import annotations

from lucid._tensor import Tensor
from lucid.nn import functional as F
from lucid.nn.functional._kernels import SPATIAL, check_p
from lucid.nn.module import Module
from lucid.nn.modules._factory import example_doc, layer_class

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout", "DropPath"]


class _DropoutNd(Module):
    _fn = None

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = check_p(p, type(self).__name__)
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` during training and scale the rest by ``1 / (1 - p)``.

    Args:
        p: drop probability in ``[0, 1]`` (default 0.5).
        inplace: bind the result to the input tensor (API compatibility).

    Raises:
        ValueError: if ``p`` is outside ``[0, 1]``.

    Examples:
        >>> import lucid
        >>> m = lucid.nn.Dropout(0.2)
        >>> m
        Dropout(p=0.2, inplace=False)
        >>> x = lucid.ones(3)
        >>> m.eval()(x) is x
        True
    """

    _fn = staticmethod(F.dropout)


def _channel_dropout(nd: int, shape: str) -> type[_DropoutNd]:
    """Define ``Dropout{nd}d``; its doctest drops channels of a ``shape`` input, which keeps its shape."""
    name, dims = f"Dropout{nd}d", SPATIAL[nd]
    doc = example_doc(f"Zero whole channels of ``(N, C, {dims})`` or ``(C, {dims})`` inputs with probability ``p``."
                      "\n\n    Arguments as :class:`Dropout`.",
                      ">>> import lucid", f">>> lucid.nn.{name}(0.5)(lucid.ones{shape}).shape", shape)
    return layer_class(__name__, name, _DropoutNd, doc, _fn=staticmethod(getattr(F, f"dropout{nd}d")))


Dropout1d = _channel_dropout(1, "(2, 3, 4)")
Dropout2d = _channel_dropout(2, "(2, 3, 4, 4)")
Dropout3d = _channel_dropout(3, "(1, 2, 2, 2, 2)")


class AlphaDropout(_DropoutNd):
    """Dropout that preserves SELU's self-normalising mean and variance.

    Examples:
        >>> import lucid
        >>> lucid.nn.AlphaDropout(0.1)(lucid.ones(2, 3)).shape
        (2, 3)
    """

    _fn = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels of ``(N, C, *)`` inputs.

    Examples:
        >>> import lucid
        >>> lucid.nn.FeatureAlphaDropout(0.1)(lucid.ones(2, 3, 4)).shape
        (2, 3, 4)
    """

    _fn = staticmethod(F.feature_alpha_dropout)


class DropPath(Module):
    """Stochastic depth: drop a residual branch for whole samples with probability ``drop_prob``.

    Args:
        drop_prob: probability of dropping each sample's path, in ``[0, 1]`` (default 0).
        scale_by_keep: scale kept samples by ``1 / (1 - drop_prob)`` (default ``True``).

    Examples:
        >>> import lucid
        >>> lucid.nn.DropPath(0.1)
        DropPath(drop_prob=0.100)
        >>> lucid.nn.DropPath(0.1)(lucid.ones(4, 3)).shape
        (4, 3)
    """

    def __init__(self, drop_prob: float = 0.0, scale_by_keep: bool = True) -> None:
        super().__init__()
        self.drop_prob = check_p(drop_prob, "DropPath", "drop_prob")
        self.scale_by_keep = scale_by_keep

    def forward(self, input: Tensor) -> Tensor:
        return F.drop_path(input, self.drop_prob, self.training, self.scale_by_keep)

    def extra_repr(self) -> str:
        return f"drop_prob={self.drop_prob:0.3f}"
