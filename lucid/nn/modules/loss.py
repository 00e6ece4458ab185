"""Loss layers: modules over ``lucid.nn.functional``'s losses.

Class weights (``weight``, ``pos_weight``) are registered as buffers, as in
PyTorch, so they follow ``.to()`` and appear in ``state_dict()`` when given.
"""

from __future__ import annotations

from lucid._tensor import Tensor
from lucid.nn import functional as F
from lucid.nn.functional._kernels import check_reduction
from lucid.nn.module import Module

__all__ = ["MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
           "NLLLoss", "KLDivLoss", "MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss",
           "MultiLabelSoftMarginLoss", "CosineEmbeddingLoss", "PoissonNLLLoss", "GaussianNLLLoss", "TripletMarginLoss",
           "TripletMarginWithDistanceLoss", "MultiMarginLoss", "MultiLabelMarginLoss", "CTCLoss"]


class _Loss(Module):
    """A loss layer: checks ``reduction``; ``extra_repr`` lists the settings that differ from their defaults."""

    _reductions: tuple = ()
    #: further settings shown by ``extra_repr`` when they differ from these defaults, in this order
    _defaults: dict = {}

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = check_reduction(reduction, type(self).__name__, self._reductions)

    def extra_repr(self) -> str:
        # Like PyTorch, a loss with default settings prints as ``MSELoss()``.
        parts = [] if self.reduction == "mean" else [f"reduction={self.reduction!r}"]
        for name, default in self._defaults.items():
            value = getattr(self, name)
            if value != default:
                parts.append(f"{name}={value}")
        return ", ".join(parts)


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if weight is not None and not isinstance(weight, Tensor):
            raise TypeError(f"{type(self).__name__}: weight must be a lucid.Tensor or None, "
                            f"got {type(weight).__name__}")
        self.register_buffer("weight", weight)


class _PairMarginLoss(_Loss):
    """A loss of two inputs and a ``1``/``-1`` target with one setting, ``margin``; ``_fn`` is its functional."""

    _defaults = {"margin": 0.0}

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return type(self)._fn(input1, input2, target, self.margin, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``(input - target)^2``, reduced by ``reduction``.

    Examples:
        >>> import lucid
        >>> lucid.nn.MSELoss()(lucid.tensor([1.0, 3.0]), lucid.tensor([1.0, 1.0])).item()
        2.0
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error ``|input - target|``.

    Examples:
        >>> import lucid
        >>> lucid.nn.L1Loss(reduction="sum")(lucid.tensor([1.0, -3.0]), lucid.tensor([0.0, 0.0])).item()
        4.0
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Huber loss: ``0.5 d^2`` for ``|d| < delta``, else ``delta (|d| - 0.5 delta)``.

    Examples:
        >>> import lucid
        >>> lucid.nn.HuberLoss(delta=2.0)
        HuberLoss(delta=2.0)
    """

    _defaults = {"delta": 1.0}

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        if not delta > 0:
            raise ValueError(f"HuberLoss: delta must be positive, got {delta}")
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """Smooth L1: ``0.5 d^2 / beta`` for ``|d| < beta``, else ``|d| - 0.5 beta``.

    Examples:
        >>> import lucid
        >>> lucid.nn.SmoothL1Loss()(lucid.tensor([0.5]), lucid.tensor([0.0])).item()
        0.125
    """

    _defaults = {"beta": 1.0}

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        if not beta >= 0:
            raise ValueError(f"SmoothL1Loss: beta must be non-negative, got {beta}")
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy between probabilities and targets (logs clamped to ``>= -100``).

    Args:
        weight: rescaling of each element, broadcastable to the input.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.

    Examples:
        >>> import lucid
        >>> round(lucid.nn.BCELoss()(lucid.tensor([0.5]), lucid.tensor([0.0])).item(), 4)
        0.6931
    """

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid + binary cross-entropy on logits, numerically stable.

    Args:
        weight: rescaling of each element, broadcastable to the input.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        pos_weight: weight of positive examples per class (broadcast along the last dim).

    Examples:
        >>> import lucid
        >>> round(lucid.nn.BCEWithLogitsLoss()(lucid.tensor([0.0]), lucid.tensor([1.0])).item(), 4)
        0.6931
    """

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__(weight, reduction)
        if pos_weight is not None and not isinstance(pos_weight, Tensor):
            raise TypeError(f"BCEWithLogitsLoss: pos_weight must be a lucid.Tensor or None, "
                            f"got {type(pos_weight).__name__}")
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy between logits and class indices (or class probabilities).

    See :func:`lucid.nn.functional.cross_entropy` for the formula.

    Args:
        weight: ``(C,)`` per-class weights.
        ignore_index: index targets equal to it are skipped (default -100).
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        label_smoothing: in ``[0, 1]``.

    Shape:
        input ``(N, C)`` / ``(N, C, d1, ...)`` / ``(C,)``; target ``(N,)`` /
        ``(N, d1, ...)`` / ``()`` integer indices, or probabilities of the input's shape.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
        >>> x, y = lucid.random.randn(32, 8), lucid.random.randint(0, 4, size=(32,))
        >>> loss = nn.CrossEntropyLoss()(model(x), y)
        >>> loss.backward()
        >>> loss.shape, model[0].weight.grad.shape
        ((), (16, 8))
    """

    _defaults = {"ignore_index": -100, "label_smoothing": 0.0}

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing}")
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices given log-probabilities.

    Examples:
        >>> import lucid
        >>> lp = lucid.tensor([[-0.5, -1.5]])
        >>> lucid.nn.NLLLoss()(lp, lucid.tensor([1])).item()
        1.5
    """

    _defaults = {"ignore_index": -100}

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class KLDivLoss(_Loss):
    """KL divergence ``KL(target || exp(input))`` for log-probability inputs.

    Args:
        reduction: ``'mean'`` (PyTorch's default; warns), ``'batchmean'`` (the true KL),
            ``'sum'`` or ``'none'``.
        log_target: whether the target is given as log-probabilities.

    Examples:
        >>> import lucid
        >>> p = lucid.tensor([[0.25, 0.75]])
        >>> lucid.nn.KLDivLoss(reduction="batchmean")(p.log(), p).item()
        0.0
    """

    _reductions = ("batchmean",)
    _defaults = {"log_target": False}

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class MarginRankingLoss(_PairMarginLoss):
    """``max(0, -y (x1 - x2) + margin)`` (see :func:`lucid.nn.functional.margin_ranking_loss`).

    Examples:
        >>> import lucid
        >>> loss = lucid.nn.MarginRankingLoss(margin=0.5)
        >>> loss(lucid.tensor([1.0]), lucid.tensor([1.0]), lucid.tensor([1.0])).item()
        0.5
    """

    _fn = staticmethod(F.margin_ranking_loss)


class HingeEmbeddingLoss(_Loss):
    """``x`` for ``y = 1``, ``max(0, margin - x)`` for ``y = -1`` (:func:`~lucid.nn.functional.hinge_embedding_loss`).

    Examples:
        >>> import lucid
        >>> lucid.nn.HingeEmbeddingLoss()(lucid.tensor([0.5]), lucid.tensor([-1.0])).item()
        0.5
    """

    _defaults = {"margin": 1.0}

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """``log(1 + exp(-y x))`` (see :func:`lucid.nn.functional.soft_margin_loss`).

    Examples:
        >>> import lucid
        >>> round(lucid.nn.SoftMarginLoss()(lucid.tensor([0.0]), lucid.tensor([-1.0])).item(), 4)
        0.6931
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """One-versus-all logistic loss (see :func:`lucid.nn.functional.multilabel_soft_margin_loss`).

    Examples:
        >>> import lucid
        >>> loss = lucid.nn.MultiLabelSoftMarginLoss()
        >>> round(loss(lucid.tensor([[0.0, 0.0]]), lucid.tensor([[0.0, 1.0]])).item(), 4)
        0.6931
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_soft_margin_loss(input, target, self.weight, reduction=self.reduction)


class CosineEmbeddingLoss(_PairMarginLoss):
    """``1 - cos(x1, x2)`` or ``max(0, cos - margin)`` by target (:func:`~lucid.nn.functional.cosine_embedding_loss`).

    Examples:
        >>> import lucid
        >>> loss = lucid.nn.CosineEmbeddingLoss()
        >>> loss(lucid.tensor([[1.0, 0.0]]), lucid.tensor([[1.0, 0.0]]), lucid.tensor([1.0])).item()
        0.0
    """

    _fn = staticmethod(F.cosine_embedding_loss)


class PoissonNLLLoss(_Loss):
    """Poisson negative log likelihood (see :func:`lucid.nn.functional.poisson_nll_loss`).

    Examples:
        >>> import lucid
        >>> lucid.nn.PoissonNLLLoss()(lucid.tensor([0.0]), lucid.tensor([1.0])).item()
        1.0
    """

    _defaults = {"log_input": True, "full": False, "eps": 1e-8}

    def __init__(self, log_input: bool = True, full: bool = False, eps: float = 1e-8, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        return F.poisson_nll_loss(log_input, target, self.log_input, self.full, self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log likelihood (see :func:`lucid.nn.functional.gaussian_nll_loss`).

    Examples:
        >>> import lucid
        >>> loss = lucid.nn.GaussianNLLLoss()
        >>> loss(lucid.tensor([0.0]), lucid.tensor([2.0]), lucid.tensor([1.0])).item()
        2.0
    """

    _defaults = {"full": False, "eps": 1e-6}

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor) -> Tensor:
        return F.gaussian_nll_loss(input, target, var, self.full, self.eps, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """Triplet loss with the ``p``-norm distance (see :func:`lucid.nn.functional.triplet_margin_loss`).

    Examples:
        >>> import lucid
        >>> loss = lucid.nn.TripletMarginLoss(margin=1.0, eps=0.0)
        >>> loss(lucid.tensor([[0.0]]), lucid.tensor([[1.0]]), lucid.tensor([[3.0]])).item()
        0.0
    """

    _defaults = {"margin": 1.0, "p": 2.0, "eps": 1e-6, "swap": False}

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        if not margin >= 0:
            raise ValueError(f"TripletMarginLoss: margin must be non-negative, got {margin}")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps, self.swap,
                                     reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet loss with any distance (see :func:`lucid.nn.functional.triplet_margin_with_distance_loss`).

    Examples:
        >>> import lucid
        >>> loss = lucid.nn.TripletMarginWithDistanceLoss(distance_function=lambda a, b: (a - b).abs().sum(-1))
        >>> loss(lucid.tensor([[0.0]]), lucid.tensor([[2.0]]), lucid.tensor([[2.5]])).item()
        0.5
    """

    _defaults = {"margin": 1.0, "swap": False}

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        if not margin >= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: margin must be non-negative, got {margin}")
        if distance_function is not None and not callable(distance_function):
            raise TypeError("TripletMarginWithDistanceLoss: distance_function must be callable or None, got "
                            f"{type(distance_function).__name__}")
        self.distance_function = distance_function
        self.margin = margin
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_with_distance_loss(anchor, positive, negative,
                                                   distance_function=self.distance_function, margin=self.margin,
                                                   swap=self.swap, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss (see :func:`lucid.nn.functional.multi_margin_loss`).

    Examples:
        >>> import lucid
        >>> loss = lucid.nn.MultiMarginLoss()
        >>> round(loss(lucid.tensor([[0.1, 0.2, 0.4, 0.8]]), lucid.tensor([3])).item(), 4)
        0.325
    """

    _defaults = {"p": 1, "margin": 1.0}

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        if p not in (1, 2) or isinstance(p, bool):
            raise ValueError(f"MultiMarginLoss: only p = 1 and p = 2 are supported, got {p!r}")
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multi_margin_loss(input, target, self.p, self.margin, self.weight, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss (see :func:`lucid.nn.functional.multilabel_margin_loss`).

    Examples:
        >>> import lucid
        >>> loss = lucid.nn.MultiLabelMarginLoss()
        >>> round(loss(lucid.tensor([[0.1, 0.2, 0.4, 0.8]]), lucid.tensor([[3, 0, -1, 1]])).item(), 4)
        0.85
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class CTCLoss(_Loss):
    """Connectionist temporal classification loss (see :func:`lucid.nn.functional.ctc_loss`).

    Args:
        blank: the blank class. Default 0.
        reduction: ``'mean'`` (default; per-target-length mean), ``'sum'`` or ``'none'``.
        zero_infinity: replace infinite losses (impossible alignments) and their gradients by 0.

    Examples:
        >>> import lucid
        >>> ctc = lucid.nn.CTCLoss()
        >>> lp = lucid.nn.functional.log_softmax(lucid.zeros(2, 1, 2), 2)
        >>> round(ctc(lp, lucid.tensor([[1]]), [2], [1]).item(), 4)
        0.2877
    """

    _defaults = {"blank": 0, "zero_infinity": False}

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths, target_lengths) -> Tensor:
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, reduction=self.reduction,
                          zero_infinity=self.zero_infinity)
