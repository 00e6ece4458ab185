"""Distance layers: ``CosineSimilarity`` and ``PairwiseDistance``."""

from __future__ import annotations

from lucid._tensor import Tensor
from lucid.nn import functional as F
from lucid.nn.module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """Cosine similarity along ``dim`` (see :func:`lucid.nn.functional.cosine_similarity`).

    Args:
        dim: the vector dim (default 1).
        eps: lower bound of each norm.

    Examples:
        >>> import lucid
        >>> cos = lucid.nn.CosineSimilarity(dim=0)
        >>> cos(lucid.tensor([1.0, 0.0]), lucid.tensor([0.0, 3.0])).item()
        0.0
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, eps={self.eps}"


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` along the last dim (see :func:`lucid.nn.functional.pairwise_distance`).

    Args:
        p: the norm degree (default 2).
        eps: added to the difference.
        keepdim: keep the last dim with size 1.

    Examples:
        >>> import lucid
        >>> d = lucid.nn.PairwiseDistance(eps=0.0)
        >>> d(lucid.tensor([[0.0, 0.0]]), lucid.tensor([[3.0, 4.0]])).tolist()
        [5.0]
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

    def extra_repr(self) -> str:
        return f"p={self.norm}, eps={self.eps}, keepdim={self.keepdim}"
