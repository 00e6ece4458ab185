"""Normalisation layers: ``BatchNorm{1,2,3}d``, ``InstanceNorm{1,2,3}d``, ``LayerNorm``, ``GroupNorm`` and ``RMSNorm``.

Parameter and buffer names follow PyTorch (``weight``, ``bias``,
``running_mean``, ``running_var``, ``num_batches_tracked``), so state dicts
carry over. Running statistics are updated lazily in training mode (new
arrays assigned to the buffers, no evaluation).
"""

from __future__ import annotations

import numbers
import warnings

import mlx.core as mx

from lucid._backend.dtypes import int64
from lucid._backend.evaluation import defer_eval
from lucid._tensor import Tensor
from lucid.nn import init
from lucid.nn.functional import normalization as Fn
from lucid.nn.functional._kernels import SPATIAL, check_layer_input, check_normalized_shape
from lucid.nn.module import Module
from lucid.nn.modules._factory import LayerT, example_doc, layer_class
from lucid.nn.modules._functional_layer import FunctionalLayer
from lucid.nn.parameter import Buffer, Parameter
from lucid.ops import creation

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
           "LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm"]


class _AffineNorm(Module):
    """A normalisation layer with an optional learnt ``weight`` (ones) and ``bias`` (zeros), as in PyTorch."""

    def _affine(self, shape: tuple, weight: bool, bias: bool | None, device, dtype) -> None:
        """Register ``weight`` and ``bias`` of ``shape``, ``None`` where not learnt (``bias=None``: no bias at all)."""
        self.register_parameter(
            "weight", Parameter(creation.ones(*shape, dtype=dtype, device=device)) if weight else None)
        if bias is not None:
            self.register_parameter(
                "bias", Parameter(creation.zeros(*shape, dtype=dtype, device=device)) if bias else None)

    def reset_parameters(self) -> None:
        """Set the weight (if learnt) to ones and the bias (if learnt) to zeros."""
        if self.weight is not None:
            init.ones_(self.weight)
        if getattr(self, "bias", None) is not None:
            init.zeros_(self.bias)


class _NormBase(_AffineNorm):
    """Shared state of batch and instance norm: affine parameters and running statistics."""

    def __init__(self, num_features: int, eps: float, momentum, affine: bool, track_running_stats: bool,
                 device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if isinstance(num_features, bool) or not isinstance(num_features, int) or num_features < 1:
            raise ValueError(f"{name}: num_features must be a positive int, got {num_features!r}")
        if momentum is not None and (isinstance(momentum, bool) or not isinstance(momentum, numbers.Real)):
            raise TypeError(f"{name}: momentum must be a float or None, got {momentum!r}")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self._affine((num_features,), affine, affine, device, dtype)
        if track_running_stats:
            self.running_mean = Buffer(creation.zeros(num_features, dtype=dtype, device=device))
            self.running_var = Buffer(creation.ones(num_features, dtype=dtype, device=device))
            self.num_batches_tracked = Buffer(creation.tensor(0, dtype=int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Zero the running mean and batch count and set the running variance to one."""
        if self.track_running_stats:
            for buf, fill in ((self.running_mean, 0), (self.running_var, 1)):
                buf._data = mx.full(buf._data.shape, fill, dtype=buf._data.dtype)
                buf._version += 1
            self.num_batches_tracked._data = mx.zeros((), dtype=mx.int64)
            self.num_batches_tracked._version += 1

    def reset_parameters(self) -> None:
        """Reset the running statistics, the weight to ones and the bias to zeros."""
        self.reset_running_stats()
        super().reset_parameters()

    def _factor(self):
        """The running-average factor for this step; counts the batch (lazily) when tracking."""
        if not (self.training and self.track_running_stats):
            return 0.0 if self.momentum is None else self.momentum
        nbt = self.num_batches_tracked
        nbt._data = nbt._data + 1
        nbt._version += 1
        if self.momentum is None:  # cumulative moving average: 1 / (batches so far)
            dtype = mx.float64 if self.running_mean._data.dtype == mx.float64 else mx.float32
            return 1.0 / nbt._data.astype(dtype)
        return self.momentum

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    _ndims: tuple = ()  # the accepted input ranks
    _layout = ""  # the accepted input shapes, "{0}" standing for num_features

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        check_layer_input(self, input)
        if input.ndim not in self._ndims or input.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__} expected input of shape {self._layout.format(self.num_features)}, "
                             f"got {input.shape}")
        factor = self._factor()
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        out = Fn.batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                            self.weight, self.bias, use_batch, factor, self.eps)
        if self.training and self.track_running_stats:
            # The running statistics are new lazy arrays now; the next batched
            # evaluation (Optimizer.step, clip functions, lucid.eval) takes them
            # along, so their graph never grows from step to step.
            for buf in (self.running_mean, self.running_var, self.num_batches_tracked):
                defer_eval(buf)
        return out


class _InstanceNorm(_NormBase):
    _nd = 0
    _spatial = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        check_layer_input(self, input)
        nd, name = self._nd, type(self).__name__
        if input.ndim not in (nd + 1, nd + 2):
            raise ValueError(f"{name} expected input of shape (N, {self.num_features}, {self._spatial}) or "
                             f"({self.num_features}, {self._spatial}), got {input.shape}")
        unbatched = input.ndim == nd + 1
        c = input.shape[-nd - 1]
        if c != self.num_features:
            if self.affine or self.track_running_stats:
                raise ValueError(f"{name} expected input of shape (N, {self.num_features}, {self._spatial}), "
                                 f"got {input.shape}")
            warnings.warn(f"{name}: input has {c} channels but num_features={self.num_features}; "
                          "num_features is not used because affine=False", stacklevel=2)
        if unbatched:
            input = input.unsqueeze(0)
        # NOTE: as in PyTorch, instance norm never counts batches; momentum=None means no running update.
        use_input_stats = self.training or not self.track_running_stats
        out = Fn.instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                               use_input_stats, 0.0 if self.momentum is None else self.momentum, self.eps)
        return out.squeeze(0) if unbatched else out


_BATCH_DOC = r"""Batch normalisation over {inputs} inputs (see :func:`lucid.nn.functional.batch_norm`).

    .. math:: y = \frac{{x - \mathrm{{E}}[x]}}{{\sqrt{{\mathrm{{Var}}[x] + \epsilon}}}} \gamma + \beta

    In training the batch statistics are used and the running ones updated:
    ``running = (1 - momentum) running + momentum batch`` (unbiased variance;
    ``momentum=None`` gives a cumulative average). In eval mode the running
    statistics are used.

    Args:
        num_features: the channel count ``C``.
        eps: added to the variance. Default 1e-5.
        momentum: running-average factor, or ``None`` for a cumulative average. Default 0.1.
        affine: learn ``weight`` (gamma, ones) and ``bias`` (beta, zeros). Default True.
        track_running_stats: keep ``running_mean``, ``running_var`` and
            ``num_batches_tracked`` buffers. Default True.
        device, dtype: where and how to create parameters and buffers."""
_INSTANCE_DOC = """Instance normalisation over {inputs} inputs (see :func:`lucid.nn.functional.instance_norm`).

    Each ``(n, c)`` slice is normalised over its spatial dims. Defaults differ
    from BatchNorm: ``affine=False`` and ``track_running_stats=False``.

    Args:
        num_features: the channel count ``C``.
        eps: added to the variance. Default 1e-5.
        momentum: running-average factor (``None``: cumulative). Default 0.1.
        affine: learn per-channel ``weight`` and ``bias``. Default False.
        track_running_stats: keep running statistics and use them in eval mode. Default False.
        device, dtype: where and how to create parameters and buffers."""
_FAMILIES = {"BatchNorm": _BATCH_DOC, "InstanceNorm": _INSTANCE_DOC}


def _norm_layers(base: type[LayerT], stem: str, *examples: str) -> tuple[type[LayerT], ...]:
    """Define ``{stem}1d``, ``2d`` and ``3d`` (``BatchNorm`` or ``InstanceNorm``), each with its doctest block."""
    template = _FAMILIES[stem]
    layers = []
    for nd, example in enumerate(examples, 1):
        if base is _BatchNorm:
            shapes = (["(N, {0})"] if nd == 1 else []) + ["(N, {0}, " + SPATIAL[nd] + ")"]  # BatchNorm1d takes (N, C)
            attrs = {"_ndims": ((2,) if nd == 1 else ()) + (nd + 2,), "_layout": " or ".join(shapes)}
        else:
            shapes, attrs = ["(N, {0}, " + SPATIAL[nd] + ")"], {"_nd": nd, "_spatial": SPATIAL[nd]}
        inputs = " or ".join(f"``{shape.format('C')}``" for shape in shapes)
        doc = example_doc(template.format(inputs=inputs), ">>> import lucid", ">>> import lucid.nn as nn", example)
        layers.append(layer_class(__name__, f"{stem}{nd}d", base, doc, **attrs))
    return tuple(layers)


BatchNorm1d, BatchNorm2d, BatchNorm3d = _norm_layers(_BatchNorm, "BatchNorm", """
    >>> bn = nn.BatchNorm1d(3)
    >>> bn
    BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    >>> list(bn.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    >>> bn(lucid.tensor([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])).shape
    (2, 3)
""", """
    >>> bn = nn.BatchNorm2d(4)
    >>> y = bn(lucid.random.randn(8, 4, 5, 5))
    >>> bn.num_batches_tracked.item()
    1
    >>> bn.eval()(lucid.ones(1, 4, 2, 2)).shape
    (1, 4, 2, 2)
""", """
    >>> nn.BatchNorm3d(2)(lucid.random.randn(2, 2, 3, 3, 3)).shape
    (2, 2, 3, 3, 3)
""")
InstanceNorm1d, InstanceNorm2d, InstanceNorm3d = _norm_layers(_InstanceNorm, "InstanceNorm", """
    >>> nn.InstanceNorm1d(3)
    InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)
    >>> nn.InstanceNorm1d(3)(lucid.random.randn(2, 3, 5)).shape
    (2, 3, 5)
""", """
    >>> nn.InstanceNorm2d(3, affine=True)(lucid.random.randn(2, 3, 4, 4)).shape
    (2, 3, 4, 4)
""", """
    >>> nn.InstanceNorm3d(2)(lucid.random.randn(1, 2, 2, 3, 3)).shape
    (1, 2, 2, 3, 3)
""")


def _check_trailing(module, input, shape) -> None:
    check_layer_input(module, input)
    k = len(shape)
    if input.ndim < k or input.shape[-k:] != shape:
        raise ValueError(f"{type(module).__name__} expected input of shape (*, {', '.join(map(str, shape))}), "
                         f"got {input.shape}")


class LayerNorm(_AffineNorm):
    r"""Layer normalisation over the trailing ``normalized_shape`` dims (see :func:`lucid.nn.functional.layer_norm`).

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma + \beta

    Args:
        normalized_shape: an int or tuple: the trailing input shape.
        eps: added to the variance. Default 1e-5.
        elementwise_affine: learn ``weight`` (ones) and ``bias`` (zeros) of shape ``normalized_shape``. Default True.
        bias: learn the bias (when ``elementwise_affine``). Default True.
        device, dtype: where and how to create the parameters.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> ln = nn.LayerNorm(10)
        >>> ln
        LayerNorm((10,), eps=1e-05, elementwise_affine=True)
        >>> ln(lucid.random.randn(4, 10)).shape
        (4, 10)
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        self.normalized_shape = check_normalized_shape(normalized_shape, "LayerNorm")
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self._affine(self.normalized_shape, elementwise_affine, elementwise_affine and bias, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        _check_trailing(self, input, self.normalized_shape)
        return Fn.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(_AffineNorm):
    """Group normalisation (see :func:`lucid.nn.functional.group_norm`).

    Args:
        num_groups: groups the channels are split into (must divide ``num_channels``).
        num_channels: the channel count ``C``.
        eps: added to the variance. Default 1e-5.
        affine: learn per-channel ``weight`` (ones) and ``bias`` (zeros). Default True.
        device, dtype: where and how to create the parameters.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> gn = nn.GroupNorm(2, 6)
        >>> gn
        GroupNorm(2, 6, eps=1e-05, affine=True)
        >>> gn(lucid.random.randn(3, 6, 4)).shape
        (3, 6, 4)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, device=None,
                 dtype=None):
        super().__init__()
        for v, what in ((num_groups, "num_groups"), (num_channels, "num_channels")):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"GroupNorm: {what} must be a positive int, got {v!r}")
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        self._affine((num_channels,), affine, affine, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        check_layer_input(self, input)
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm expected input of shape (N, {self.num_channels}, *), got {input.shape}")
        return Fn.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class RMSNorm(_AffineNorm):
    r"""Root-mean-square normalisation (see :func:`lucid.nn.functional.rms_norm`).

    .. math:: y = \frac{x}{\sqrt{\mathrm{mean}(x^2) + \epsilon}} \gamma

    Args:
        normalized_shape: an int or tuple: the trailing input shape.
        eps: added to the mean square; ``None`` (default) uses ``finfo(input.dtype).eps``.
        elementwise_affine: learn ``weight`` (ones). Default True.
        device, dtype: where and how to create the parameters.

    Examples:
        >>> import lucid
        >>> import lucid.nn as nn
        >>> nn.RMSNorm([4, 8])
        RMSNorm((4, 8), eps=None, elementwise_affine=True)
        >>> nn.RMSNorm(8)(lucid.random.randn(2, 8)).shape
        (2, 8)
    """

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True, device=None,
                 dtype=None):
        super().__init__()
        self.normalized_shape = check_normalized_shape(normalized_shape, "RMSNorm")
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self._affine(self.normalized_shape, elementwise_affine, None, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        _check_trailing(self, input, self.normalized_shape)
        return Fn.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(FunctionalLayer, fn=Fn.local_response_norm, settings=("size", "alpha", "beta", "k")):
    """Local response normalisation across channels (see :func:`lucid.nn.functional.local_response_norm`).

    Examples:
        >>> import lucid
        >>> lucid.nn.LocalResponseNorm(2)
        LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__(size=size, alpha=alpha, beta=beta, k=k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
