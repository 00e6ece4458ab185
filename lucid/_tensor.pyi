# Generated from the live lucid.Tensor by `python -m lucid._stubgen` (or `make stub`): do not edit by hand.
# Tensor methods are attached at import time by lucid.ops, so editors and type checkers read them
# from this file; tests/test_tensor_stub.py fails when it and the real methods drift apart.

import builtins
from typing import Any

import mlx.core as _mx
import mlx.core as mx
import numpy as np

__all__ = ["Tensor", "as_array"]


class Tensor:
    """A multi-dimensional array on an MLX device, with reverse-mode autograd."""
    def __init__(self, data, dtype=None, device=None, requires_grad: builtins.bool = False) -> None: ...
    def __and__(self, other): ...
    def __array__(self, dtype=None, copy=None): ...
    __array_priority__: builtins.int
    def __bool__(self) -> builtins.bool: ...
    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """Export the values through DLPack (a sync point: evaluates; see ``lucid.to_dlpack``)."""
    def __dlpack_device__(self):
        """The DLPack device of the values (``(1, 0)``, CPU memory, for MLX's unified memory)."""
    def __eq__(self, other): ...
    def __float__(self) -> builtins.float: ...
    def __ge__(self, other): ...
    def __getitem__(self, key) -> Tensor:
        """``x[key]``: NumPy-style basic, advanced (integer) and boolean-mask indexing; differentiable."""
    def __gt__(self, other): ...
    def __hash__(self, /): ...
    def __iadd__(self, other):
        """In-place form of ``add``: updates ``self``, bumps its version, returns ``self``."""
    def __imul__(self, other):
        """In-place form of ``multiply``: updates ``self``, bumps its version, returns ``self``."""
    def __index__(self) -> builtins.int: ...
    def __int__(self) -> builtins.int: ...
    def __ipow__(self, other):
        """In-place form of ``power``: updates ``self``, bumps its version, returns ``self``."""
    def __isub__(self, other):
        """In-place form of ``sub``: updates ``self``, bumps its version, returns ``self``."""
    def __iter__(self): ...
    def __itruediv__(self, other):
        """In-place form of ``divide``: updates ``self``, bumps its version, returns ``self``."""
    def __le__(self, other): ...
    def __len__(self) -> builtins.int: ...
    def __lshift__(self, other): ...
    def __lt__(self, other): ...
    def __ne__(self, other): ...
    def __or__(self, other): ...
    def __pos__(self): ...
    def __radd__(self, other): ...
    def __rand__(self, other): ...
    def __repr__(self) -> str: ...
    def __rfloordiv__(self, other): ...
    def __rlshift__(self, other): ...
    def __rmatmul__(self, other): ...
    def __rmod__(self, other): ...
    def __rmul__(self, other): ...
    def __ror__(self, other): ...
    def __rpow__(self, other): ...
    def __rrshift__(self, other): ...
    def __rshift__(self, other): ...
    def __rsub__(self, other): ...
    def __rtruediv__(self, other): ...
    def __rxor__(self, other): ...
    def __setitem__(self, key, value) -> None:
        """``x[key] = value``: in place (same Tensor object, version bumped); differentiable in ``x`` and ``value``."""
    def __xor__(self, other): ...
    @property
    def T(self) -> Tensor: ...
    def abs(self) -> Tensor:
        """Elementwise absolute value ``|x|``; the gradient is ``sign(x)`` (0 at 0)."""
    def add(self, other):
        """Elementwise ``input + other`` with broadcasting."""
    def add_(self, other, *, alpha=None) -> Tensor:
        """In place ``self += alpha * other`` (``alpha`` defaults to 1, as in PyTorch)."""
    def addbmm(self, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
        """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``: the batch products summed into one matrix."""
    def addcdiv(self, tensor1, tensor2, *, value=1) -> Tensor:
        """``input + value * tensor1 / tensor2`` (all three broadcast)."""
    def addcmul(self, tensor1, tensor2, *, value=1) -> Tensor:
        """``input + value * tensor1 * tensor2`` (all three broadcast)."""
    def addmm(self, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
        """``beta * input + alpha * (mat1 @ mat2)`` for 2-D ``mat1``, ``mat2``; ``input`` broadcasts."""
    def addmv(self, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
        """``beta * input + alpha * (mat @ vec)`` for a 2-D ``mat`` and 1-D ``vec``."""
    def addr(self, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
        """``beta * input + alpha * outer(vec1, vec2)`` for 1-D ``vec1``, ``vec2``."""
    def all(self, dim=None, keepdim: builtins.bool = False, *, axis=None, keepdims: builtins.bool = False) -> Tensor:
        """True where every element over ``dim`` (an int or tuple; all when omitted) is nonzero; bool result."""
    def allclose(self, other, rtol: builtins.float = 1e-05, atol: builtins.float = 1e-08,
                 equal_nan: builtins.bool = False) -> builtins.bool:
        """True if every element of ``input`` is close to ``other`` (see ``isclose``), with broadcasting."""
    def amax(self, axis=None, keepdims: builtins.bool = False, *, dim=None, keepdim: builtins.bool = False) -> Tensor:
        """The maximum over ``axis`` (``dim``, an int or tuple; all when omitted); ties share the gradient evenly."""
    def amin(self, axis=None, keepdims: builtins.bool = False, *, dim=None, keepdim: builtins.bool = False) -> Tensor:
        """The minimum over ``axis`` (``dim``, an int or tuple; all when omitted); ties share the gradient evenly."""
    def aminmax(self, *, dim=None, keepdim: builtins.bool = False, axis=None, keepdims: builtins.bool = False):
        """The minimum and the maximum in one call: the named tuple ``(min, max)``."""
    def angle(self) -> Tensor:
        """The argument (phase) of each element, in radians in ``(-pi, pi]``."""
    def any(self, dim=None, keepdim: builtins.bool = False, *, axis=None, keepdims: builtins.bool = False) -> Tensor:
        """True where some element over ``dim`` (an int or tuple; all when omitted) is nonzero; bool result."""
    def apply_(self, callable) -> Tensor:
        """Replace each element ``v`` by ``callable(v)`` (in place; a Python call per element)."""
    def arccos(self) -> Tensor:
        r"""Elementwise inverse cosine, in :math:`[0, \pi]`; NaN outside ``[-1, 1]``."""
    def arccosh(self) -> Tensor:
        r"""Elementwise inverse hyperbolic cosine :math:`\ln(x + \sqrt{x^2 - 1})`; NaN below 1."""
    def arcsin(self) -> Tensor:
        r"""Elementwise inverse sine, in :math:`[-\pi/2, \pi/2]`; NaN outside ``[-1, 1]``."""
    def arcsinh(self) -> Tensor:
        r"""Elementwise inverse hyperbolic sine :math:`\ln(x + \sqrt{x^2 + 1})`."""
    def arctan(self) -> Tensor:
        r"""Elementwise inverse tangent, in :math:`(-\pi/2, \pi/2)`."""
    def arctan2(self, other: Tensor) -> Tensor:
        r"""Elementwise :math:`\operatorname{atan2}(y, x)` with ``y = input``, ``x = other``, broadcasting."""
    def arctanh(self) -> Tensor:
        r"""Elementwise inverse hyperbolic tangent :math:`\tfrac12 \ln\frac{1+x}{1-x}`; ``±inf`` at ``±1``."""
    def argmax(self, dim=None, keepdim: builtins.bool = False, *, axis=None, keepdims: builtins.bool = False) -> Tensor:
        """Index (int64) of the maximum along ``dim``, or into the flattened tensor; the first one among ties."""
    def argmin(self, dim=None, keepdim: builtins.bool = False, *, axis=None, keepdims: builtins.bool = False) -> Tensor:
        """Index (int64) of the minimum along ``dim``, or into the flattened tensor; the first one among ties."""
    def argsort(self, dim: builtins.int | None = None, descending: builtins.bool = False, stable: builtins.bool = False,
                *, axis: builtins.int | None = None) -> Tensor:
        """Indices (int64) that sort ``input`` along ``dim`` (default -1; ``axis`` is the NumPy spelling)."""
    def argwhere(self) -> Tensor:
        """``nonzero(input)``: an ``(n, ndim)`` tensor of the non-zero positions (a sync point)."""
    def astype(self, dtype) -> Tensor:
        """Convert to ``dtype``; differentiable between floating dtypes."""
    def backward(self, gradient=None, retain_graph: builtins.bool | None = None, create_graph: builtins.bool = False,
                 inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``."""
    def baddbmm(self, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
        """``beta * input + alpha * bmm(batch1, batch2)`` for 3-D batches."""
    def bernoulli_(self, p: builtins.float = 0.5, *, generator=None) -> Tensor:
        """Fill ``self`` in place with 0/1 samples that are 1 with probability ``p`` (a number)."""
    def bfloat16(self) -> Tensor:
        """This tensor converted to lucid.bfloat16 (``self.astype(lucid.bfloat16)``)."""
    def bincount(self, weights=None, minlength: builtins.int = 0) -> Tensor:
        """How often each value ``0, 1, ...`` occurs in a 1-D non-negative integer tensor (weighted if given)."""
    def bitwise_and(self, other) -> Tensor:
        """Elementwise bitwise AND of bool or integer tensors (``&``)."""
    def bitwise_left_shift(self, other) -> Tensor:
        """Elementwise ``input << other`` on integers."""
    def bitwise_not(self) -> Tensor:
        """Elementwise bitwise NOT (``~``): logical NOT on bool tensors, ``-x - 1`` on signed integers."""
    def bitwise_or(self, other) -> Tensor:
        """Elementwise bitwise OR of bool or integer tensors (``|``)."""
    def bitwise_right_shift(self, other) -> Tensor:
        """Elementwise ``input >> other`` on integers."""
    def bitwise_xor(self, other) -> Tensor:
        """Elementwise bitwise XOR of bool or integer tensors (``^``)."""
    def bmm(self, mat2: Tensor) -> Tensor:
        """Batched matrix product, ``(b, n, m) @ (b, m, p) -> (b, n, p)``; no broadcasting."""
    def bool(self) -> Tensor:
        """This tensor converted to lucid.bool (``self.astype(lucid.bool)``)."""
    def broadcast_to(self, shape) -> Tensor:
        """Broadcast ``input`` to ``shape`` by NumPy's rules (``-1`` keeps a dim); differentiable."""
    def bucketize(self, boundaries: Tensor, *, out_int32: builtins.bool = False,
                  right: builtins.bool = False) -> Tensor:
        """The bucket of each value for sorted 1-D ``boundaries``: ``searchsorted(boundaries, input, right=right)``."""
    def cauchy_(self, median: builtins.float = 0.0, sigma: builtins.float = 1.0, *, generator=None) -> Tensor:
        """Fill ``self`` in place with Cauchy samples ``median + sigma * tan(pi * (u - 1/2))``."""
    def ceil(self) -> Tensor:
        """Elementwise smallest integer ``>= x`` (zero gradient)."""
    def cholesky(self, upper: builtins.bool = False) -> Tensor:
        """The Cholesky factor of a symmetric positive-definite matrix: ``L`` (``A = L L^T``) or ``U`` if ``upper``."""
    def chunk(self, chunks: builtins.int, dim: builtins.int | None = None, *,
              axis: builtins.int | None = None) -> tuple:
        """Split into ``chunks`` pieces of size ``ceil(n / chunks)`` (fewer if they run out), like PyTorch."""
    def clamp_(self, min=None, max=None) -> Tensor:
        """Clamp into ``[min, max]`` in place."""
    def clamp_max_(self, max) -> Tensor:
        """Clamp from above in place (``clamp_(max=max)``)."""
    def clamp_min_(self, min) -> Tensor:
        """Clamp from below in place (``clamp_(min=min)``)."""
    def clip(self, min=None, max=None) -> Tensor:
        r"""Clamp every element into ``[min, max]``: :math:`\min(\max(x, \text{min}), \text{max})`."""
    def clone(self) -> Tensor:
        """A differentiable copy of ``input`` (gradients flow back to it)."""
    def conj(self) -> Tensor:
        """The complex conjugate :math:`x - iy`; a real tensor is returned as it is."""
    def contiguous(self, memory_format: Any = ...) -> Tensor:
        """Return ``input`` itself: Lucid tensors are always read in row-major order (see
        :meth:`Tensor.is_contiguous`)."""
    def copy_(self, src, non_blocking: builtins.bool = False) -> Tensor:
        """Copy ``src`` (broadcast to this shape, cast to this dtype) into ``self``; differentiable in ``src``."""
    def copysign(self, other) -> Tensor:
        """Elementwise ``|input|`` with the sign of ``other`` (its sign bit: ``-0.0`` counts as negative)."""
    def corrcoef(self) -> Tensor:
        """Pearson correlation matrix of the variables in the rows of ``input``; values clipped to ``[-1, 1]``."""
    def cos(self) -> Tensor:
        """Elementwise cosine (radians)."""
    def cosh(self) -> Tensor:
        """Elementwise hyperbolic cosine."""
    def count_nonzero(self, dim=None, *, axis=None) -> Tensor:
        """Number (int64) of nonzero elements over ``dim`` (an int or tuple; all when omitted)."""
    def cov(self, *, correction: builtins.int = 1, fweights=None, aweights=None) -> Tensor:
        """Covariance matrix of the variables in the rows of ``input`` (observations in columns)."""
    def cpu(self) -> Tensor:
        """This tensor on the 'cpu' device (``self.to('cpu')``)."""
    def cross(self, other: Tensor, dim: builtins.int | None = None, *, axis: builtins.int | None = None) -> Tensor:
        """The cross product of 3-vectors along ``dim``; with no ``dim``, the first dimension of size 3."""
    def cube(self) -> Tensor:
        """Elementwise :math:`x^3` (integers stay integers)."""
    def cuda(self) -> Tensor:
        """This tensor on the 'gpu' device (``self.to('gpu')``)."""
    def cummax(self, dim=None, *, axis=None):
        """The running maximum along ``dim`` and where it was reached: ``(values, indices)``."""
    def cummin(self, dim=None, *, axis=None):
        """The running minimum along ``dim`` and where it was reached: ``(values, indices)`` (see :func:`cummax`)."""
    def cumprod(self, dim=None, *, dtype=None, axis=None) -> Tensor:
        """Cumulative product along ``dim`` (required; ``axis`` is the NumPy spelling)."""
    def cumsum(self, dim=None, *, dtype=None, axis=None) -> Tensor:
        """Cumulative sum along ``dim`` (required; ``axis`` is the NumPy spelling)."""
    @property
    def data(self) -> Tensor:
        """A Tensor sharing this one's values, detached from the graph (PyTorch's ``.data``)."""
    @data.setter
    def data(self, value) -> None: ...
    def deg2rad(self) -> Tensor:
        """Degrees to radians, ``x * pi / 180`` (integers give float32)."""
    def det(self) -> Tensor:
        """The determinant of a square matrix or a batch of them (:func:`lucid.linalg.det`)."""
    def detach(self) -> Tensor:
        """A new leaf Tensor with the same values, cut from the graph."""
    @property
    def device(self) -> str: ...
    def diag(self, diagonal: builtins.int = 0) -> Tensor:
        """A 1-D tensor becomes a square matrix with it on diagonal ``diagonal``; a 2-D tensor gives that diagonal."""
    def diag_embed(self, offset: builtins.int = 0, dim1: builtins.int = -2, dim2: builtins.int = -1) -> Tensor:
        """Put the last dim of ``input`` on the ``offset`` diagonal of new ``(dim1, dim2)`` planes."""
    def diagonal(self, offset: builtins.int = 0, dim1: builtins.int = 0, dim2: builtins.int = 1) -> Tensor:
        """The diagonal of the planes ``(dim1, dim2)``, moved to the last dimension (a copy, not a view)."""
    def diff(self, n: builtins.int = 1, dim=-1, prepend=None, append=None, *, axis=None) -> Tensor:
        """The ``n``-th forward difference along ``dim``, after joining ``prepend``/``append`` along it."""
    def digamma(self) -> Tensor:
        r"""Elementwise :math:`\psi(x) = \frac{d}{dx}\ln\Gamma(x)`. Gradient: ``polygamma(1, x)``."""
    def dim(self) -> builtins.int: ...
    def dist(self, other: Tensor, p=2) -> Tensor:
        """The ``p``-norm of ``input - other`` over all elements (the shapes broadcast)."""
    def divide(self, other):
        """Elementwise true division ``input / other`` (integers give float32)."""
    def dot(self, other: Tensor) -> Tensor:
        """Dot product of two 1-D tensors of the same length (a 0-d tensor)."""
    def double(self) -> Tensor:
        """This tensor converted to lucid.float64 (``self.astype(lucid.float64)``)."""
    def dsplit(self, indices_or_sections) -> tuple:
        """Split along depth (dim 2) of a tensor with at least 3 dims; an int must divide it exactly."""
    @property
    def dtype(self): ...
    def element_size(self) -> builtins.int: ...
    def eq(self, other) -> Tensor:
        """Elementwise ``input == other`` as a bool tensor, with broadcasting."""
    def equal(self, other: Tensor) -> builtins.bool:
        """True if both tensors have the same shape and the same values (``torch.equal``)."""
    def erf(self) -> Tensor:
        r"""Elementwise error function :math:`\frac{2}{\sqrt\pi}\int_0^x e^{-t^2} dt`."""
    def erfc(self) -> Tensor:
        r"""Elementwise complementary error function :math:`1 - \operatorname{erf}(x)`, accurate in the upper tail."""
    def erfinv(self) -> Tensor:
        """Elementwise inverse error function on ``(-1, 1)`` (``±inf`` at ``±1``)."""
    def exp(self) -> Tensor:
        """Elementwise exponential :math:`e^x`."""
    def exp2(self) -> Tensor:
        """Elementwise base-2 exponential :math:`2^x`."""
    def expand(self, *sizes) -> Tensor:
        """Broadcast size-1 dims to larger sizes (``-1`` keeps a dim; new dims may be added in front)."""
    def expand_as(self, other: Tensor) -> Tensor:
        """``input.expand(other.shape)``."""
    def expm1(self) -> Tensor:
        """Elementwise :math:`e^x - 1`, accurate for small ``x``."""
    def exponential_(self, lambd: builtins.float = 1.0, *, generator=None) -> Tensor:
        """Fill ``self`` in place with exponential samples of rate ``lambd`` (``-log(1 - u) / lambd``)."""
    def fill_(self, value) -> Tensor:
        """Fill with ``value`` (a number or a one-element Tensor) in place."""
    def flatten(self, start_dim: builtins.int = 0, end_dim: builtins.int = -1) -> Tensor:
        """Merge dims ``start_dim`` .. ``end_dim`` (inclusive) into one; a 0-d tensor becomes shape ``(1,)``."""
    def flip(self, *args, dims=None) -> Tensor: ...
    def fliplr(self) -> Tensor:
        """Reverse dim 1 (left/right) of a tensor with at least 2 dims."""
    def flipud(self) -> Tensor:
        """Reverse dim 0 (up/down) of a tensor with at least 1 dim."""
    def float(self) -> Tensor:
        """This tensor converted to lucid.float32 (``self.astype(lucid.float32)``)."""
    def float_power(self, exponent) -> Tensor:
        """Elementwise ``input ** exponent`` computed in float64 (on the CPU, where MLX has float64)."""
    def floor(self) -> Tensor:
        """Elementwise largest integer ``<= x`` (zero gradient; integers pass through)."""
    def floor_divide(self, other):
        """Elementwise ``floor(input / other)``; not differentiable."""
    def fmax(self, other) -> Tensor:
        """Elementwise maximum that ignores NaN: a NaN loses to a number (NaN only if both are NaN)."""
    def fmin(self, other) -> Tensor:
        """Elementwise minimum that ignores NaN (see :func:`fmax`)."""
    def fmod(self, other):
        """Elementwise C-style remainder with the sign of ``input``."""
    def frac(self) -> Tensor:
        """Elementwise fractional part ``x - trunc(x)`` (sign of ``x``); its gradient is 1."""
    def frexp(self) -> tuple:
        """Split each element into ``mantissa * 2 ** exponent`` with ``0.5 <= |mantissa| < 1``."""
    def gather(self, dim: builtins.int | None = None, index=None, *, axis: builtins.int | None = None) -> Tensor:
        """Pick values along ``dim``: ``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (PyTorch's ``gather``)."""
    def gcd(self, other) -> Tensor:
        """Elementwise greatest common divisor of integer tensors (non-negative; ``gcd(0, 0) = 0``)."""
    def ge(self, other) -> Tensor:
        """Elementwise ``input >= other`` as a bool tensor (``greater_equal``)."""
    def geometric_(self, p: builtins.float, *, generator=None) -> Tensor:
        """Fill ``self`` in place with geometric samples on ``{1, 2, ...}``: trials until the first success."""
    def gpu(self) -> Tensor:
        """This tensor on the 'gpu' device (``self.to('gpu')``)."""
    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient (a Tensor of this shape and dtype), or ``None``."""
    @grad.setter
    def grad(self, value) -> None: ...
    @property
    def grad_fn(self): ...
    def gt(self, other) -> Tensor:
        """Elementwise ``input > other`` as a bool tensor (``greater``)."""
    def half(self) -> Tensor:
        """This tensor converted to lucid.float16 (``self.astype(lucid.float16)``)."""
    def hardshrink(self, lambd: builtins.float = 0.5) -> Tensor:
        """``hardshrink(self, lambd)``: ``x`` where ``|x| > lambd``, else 0."""
    def heaviside(self, values) -> Tensor:
        """The Heaviside step: 0 where ``input < 0``, ``values`` where ``input == 0``, 1 where ``input > 0``."""
    def histc(self, bins: builtins.int = 100, min=0, max=0) -> Tensor:
        """Counts of the elements in ``bins`` equal-width bins over ``[min, max]`` (the data's range when equal)."""
    def hsplit(self, indices_or_sections) -> tuple:
        """Split horizontally: along dim 1 (dim 0 for a 1-D tensor); an int must divide that dim exactly."""
    def hypot(self, other) -> Tensor:
        r"""Elementwise :math:`\sqrt{x^2 + y^2}`, computed without overflow; broadcasting."""
    def i0(self) -> Tensor:
        """Elementwise modified Bessel function of the first kind of order 0, :math:`I_0(x)`. Gradient: :math:`I_1`."""
    @property
    def imag(self) -> Tensor:
        """The imaginary part of a complex tensor (the property ``Tensor.imag``)."""
    def index_add(self, dim=None, index=None, source=None, *, alpha=1, axis=None) -> Tensor:
        """A copy of ``input`` with ``alpha * source`` added at ``index`` along ``dim``; repeats accumulate."""
    def index_copy(self, dim=None, index=None, source=None, *, axis=None) -> Tensor:
        """A copy of ``input`` whose slices at ``index`` along ``dim`` are replaced by those of ``source``."""
    def index_fill(self, dim=None, index=None, value=None, *, axis=None) -> Tensor:
        """A copy of ``input`` with the slices at ``index`` along ``dim`` set to ``value`` (a number or 0-d tensor)."""
    def index_put(self, indices, values, accumulate: builtins.bool = False) -> Tensor:
        """A copy of ``input`` with ``input[indices] = values`` (or ``+=`` with ``accumulate``)."""
    def index_select(self, dim: builtins.int | None = None, index=None, *, axis: builtins.int | None = None) -> Tensor:
        """Pick the entries ``index`` (1-D integers) along ``dim``."""
    def inner(self, other: Tensor) -> Tensor:
        """Inner product over the last dimension (a product when either input is 0-d)."""
    def int(self) -> Tensor:
        """This tensor converted to lucid.int32 (``self.astype(lucid.int32)``)."""
    def inverse(self) -> Tensor:
        """The inverse of a square matrix or a batch of them (:func:`lucid.linalg.inv`)."""
    def is_complex(self) -> builtins.bool:
        """True for complex tensors."""
    def is_contiguous(self, memory_format: Any = ...) -> builtins.bool:
        """Whether ``input`` is laid out in ``memory_format`` (``Tensor.is_contiguous``)."""
    def is_floating_point(self) -> builtins.bool:
        """True for float16, bfloat16, float32 and float64 tensors (not complex ones)."""
    @property
    def is_leaf(self) -> builtins.bool: ...
    def is_nonzero(self) -> builtins.bool:
        """Whether a one-element tensor is non-zero (a Python bool; a sync point)."""
    def isclose(self, other, rtol: builtins.float = 1e-05, atol: builtins.float = 1e-08,
                equal_nan: builtins.bool = False) -> Tensor:
        """Elementwise ``|input - other| <= atol + rtol * |other|`` as a bool tensor, with broadcasting."""
    def isfinite(self) -> Tensor:
        """Elementwise ``x is neither NaN nor infinite`` as a bool tensor (always true for integers)."""
    def isinf(self) -> Tensor:
        """Elementwise ``x is +inf or -inf`` as a bool tensor."""
    def isnan(self) -> Tensor:
        """Elementwise ``x is NaN`` as a bool tensor."""
    def isneginf(self) -> Tensor:
        """Elementwise ``x == -inf`` as a bool tensor."""
    def isposinf(self) -> Tensor:
        """Elementwise ``x == +inf`` as a bool tensor."""
    def isreal(self) -> Tensor:
        """Elementwise: is the value real (a zero imaginary part)? Always True for non-complex tensors."""
    def item(self):
        """The value of a one-element tensor as a Python number (evaluates)."""
    def kron(self, other: Tensor) -> Tensor:
        """Kronecker product; the result has ``max(a.ndim, b.ndim)`` dims, each of size ``a_i * b_i``."""
    def kthvalue(self, k: builtins.int, dim=-1, keepdim: builtins.bool = False, *, axis=None,
                 keepdims: builtins.bool = False):
        """The ``k``-th smallest element along ``dim`` (1-based) and its index: ``(values, indices)``."""
    def lcm(self, other) -> Tensor:
        """Elementwise least common multiple of integer tensors (non-negative; 0 if either is 0)."""
    def ldexp(self, other) -> Tensor:
        r"""Elementwise :math:`x \cdot 2^{\text{other}}` (integers promote to float32); differentiable in both."""
    def le(self, other) -> Tensor:
        """Elementwise ``input <= other`` as a bool tensor (``less_equal``)."""
    def lerp(self, end, weight) -> Tensor:
        """Linear interpolation ``input + weight * (end - input)``; ``weight`` is a number or a tensor (broadcasts)."""
    def lgamma(self) -> Tensor:
        r"""Elementwise :math:`\ln|\Gamma(x)|`; ``inf`` at 0 and the negative integers. Gradient: ``digamma``."""
    def log(self) -> Tensor:
        r"""Elementwise natural logarithm :math:`\ln x` (``-inf`` at 0, NaN below)."""
    def log10(self) -> Tensor:
        r"""Elementwise base-10 logarithm :math:`\log_{10} x`."""
    def log1p(self) -> Tensor:
        r"""Elementwise :math:`\ln(1 + x)`, accurate for small ``x``."""
    def log2(self) -> Tensor:
        r"""Elementwise base-2 logarithm :math:`\log_2 x`."""
    def log_normal_(self, mean: builtins.float = 1.0, std: builtins.float = 2.0, *, generator=None) -> Tensor:
        """Fill ``self`` in place with ``exp(N(mean, std^2))`` samples (PyTorch's ``Tensor.log_normal_``)."""
    def log_softmax(self, dim: builtins.int | None = None, dtype=None, *, axis: builtins.int | None = None) -> Tensor:
        """``log_softmax(self, dim, dtype)`` (see :func:`lucid.nn.functional.log_softmax`)."""
    def logaddexp(self, other) -> Tensor:
        r"""Elementwise :math:`\log(e^x + e^y)`, without overflow; broadcasting."""
    def logaddexp2(self, other) -> Tensor:
        r"""Elementwise :math:`\log_2(2^x + 2^y)`, without overflow; broadcasting."""
    def logcumsumexp(self, dim=None, *, axis=None) -> Tensor:
        """The log of the running sum of exponentials along ``dim``, computed without overflow."""
    def logdet(self) -> Tensor:
        """The natural log of the determinant: NaN where it is negative, ``-inf`` where it is 0."""
    def logical_and(self, other) -> Tensor:
        """Elementwise logical AND; nonzero counts as true."""
    def logical_not(self) -> Tensor:
        """Elementwise logical NOT as a bool tensor; zero counts as false."""
    def logical_or(self, other) -> Tensor:
        """Elementwise logical OR; nonzero counts as true."""
    def logical_xor(self, other) -> Tensor:
        """Elementwise logical XOR; nonzero counts as true."""
    def logit(self, eps: builtins.float | None = None) -> Tensor:
        r"""Elementwise log-odds :math:`\log\frac{x}{1 - x}`, the inverse of ``sigmoid``."""
    def logsumexp(self, dim=None, keepdim: builtins.bool = False, *, axis=None,
                  keepdims: builtins.bool = False) -> Tensor:
        """``log(sum(exp(input)))`` over ``dim`` (an int or tuple; all when omitted), computed stably."""
    def long(self) -> Tensor:
        """This tensor converted to lucid.int64 (``self.astype(lucid.int64)``)."""
    def lt(self, other) -> Tensor:
        """Elementwise ``input < other`` as a bool tensor (``less``)."""
    @property
    def mT(self) -> Tensor: ...
    def map_(self, tensor: Tensor, callable) -> Tensor:
        """Replace each element ``a`` by ``callable(a, b)``, ``b`` the matching element of ``tensor`` (in place)."""
    def masked_fill(self, mask, value) -> Tensor:
        """Replace elements where ``mask`` (broadcast to ``input``'s shape) is True with ``value``."""
    def masked_scatter(self, mask, source: Tensor) -> Tensor:
        """A copy of ``input`` whose positions where ``mask`` is true take ``source``'s elements in order."""
    def masked_select(self, mask) -> Tensor:
        """The elements of ``input`` where ``mask`` is True, as a 1-D tensor (a sync point: data-dependent size)."""
    def matmul(self, other: Tensor) -> Tensor:
        """Matrix product with NumPy/PyTorch semantics (also ``input @ other``)."""
    def matrix_exp(self) -> Tensor:
        """The matrix exponential (:func:`lucid.linalg.matrix_exp`)."""
    def matrix_power(self, n: builtins.int) -> Tensor:
        """The ``n``-th power of a square matrix (negative ``n`` inverts first; :func:`lucid.linalg.matrix_power`)."""
    def max(self, dim=None, keepdim: builtins.bool = False, *, axis=None, keepdims: builtins.bool = False):
        """The maximum: of all elements, or ``(values, indices)`` along ``dim``, or elementwise with a tensor."""
    def maximum(self, other):
        """Elementwise maximum; ties split the gradient equally."""
    def mean(self, axis=None, keepdims: builtins.bool = False, *, dim=None, keepdim: builtins.bool = False,
             dtype=None) -> Tensor:
        """Arithmetic mean over ``axis`` (``dim``); all elements when omitted."""
    def median(self, dim=None, keepdim: builtins.bool = False, *, axis=None, keepdims: builtins.bool = False):
        """The median: the lower of the two middle values for an even count (as in PyTorch, not NumPy)."""
    def min(self, dim=None, keepdim: builtins.bool = False, *, axis=None, keepdims: builtins.bool = False):
        """The minimum: of all elements, or ``(values, indices)`` along ``dim``, or elementwise with a tensor."""
    def minimum(self, other):
        """Elementwise minimum; ties split the gradient equally."""
    def mm(self, mat2: Tensor) -> Tensor:
        """Product of two matrices, ``(n, m) @ (m, p) -> (n, p)``; no broadcasting (see :func:`matmul`)."""
    def mode(self, dim: builtins.int = -1, keepdim: builtins.bool = False, *, axis=None,
             keepdims: builtins.bool = False):
        """The most frequent value along ``dim`` and an index where it occurs: ``(values, indices)``."""
    def moveaxis(self, source, destination) -> Tensor:
        """Move dims ``source`` to positions ``destination`` (ints or tuples); the others keep their order."""
    def msort(self) -> Tensor:
        """The values sorted along the first dimension (``lucid.sort(input, dim=0).values``)."""
    def multinomial(self, num_samples: builtins.int, replacement: builtins.bool = False, *, generator=None) -> Tensor:
        """Draw category indices from the rows of ``input`` (non-negative weights, not necessarily normalised)."""
    def multiply(self, other):
        """Elementwise ``input * other`` with broadcasting."""
    def mv(self, vec: Tensor) -> Tensor:
        """Matrix-vector product, ``(n, m) @ (m,) -> (n,)``."""
    @property
    def mx(self) -> _mx.array:
        """The underlying ``mlx.core.array`` (no copy)."""
    def nan_to_num(self, nan: builtins.float = 0.0, posinf: builtins.float | None = None,
                   neginf: builtins.float | None = None) -> Tensor:
        """Replace NaN by ``nan``, +inf by ``posinf`` and -inf by ``neginf``."""
    def nanmean(self, dim=None, keepdim: builtins.bool = False, *, dtype=None, axis=None,
                keepdims: builtins.bool = False) -> Tensor:
        """The mean of the non-NaN elements (NaN where all are NaN)."""
    def nanmedian(self, dim=None, keepdim: builtins.bool = False, *, axis=None, keepdims: builtins.bool = False):
        """The median of the non-NaN elements (the lower middle one for an even count); NaN if all are NaN."""
    def nanquantile(self, q, dim=None, keepdim: builtins.bool = False, *, interpolation: str = 'linear',
                    keepdims: builtins.bool = False, axis=None) -> Tensor:
        """:func:`quantile` of the non-NaN elements of each slice (NaN where all are NaN)."""
    def nansum(self, dim=None, keepdim: builtins.bool = False, *, dtype=None, axis=None,
               keepdims: builtins.bool = False) -> Tensor:
        """The sum with NaNs counted as zero (their gradient is zero)."""
    def narrow(self, dim: builtins.int | None = None, start: builtins.int | None = None,
               length: builtins.int | None = None, *, axis: builtins.int | None = None) -> Tensor:
        """Elements ``start`` .. ``start + length`` along ``dim``."""
    @property
    def nbytes(self) -> builtins.int: ...
    @property
    def ndim(self) -> builtins.int: ...
    def ne(self, other) -> Tensor:
        """Elementwise ``input != other`` as a bool tensor (``not_equal``)."""
    def neg(self) -> Tensor:
        """Elementwise ``-input``."""
    def new_empty(self, *size, dtype=None, device=None, requires_grad: builtins.bool = False) -> Tensor:
        """An uninitialised (here: zero-filled) tensor of shape ``size`` with this tensor's dtype and device."""
    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad: builtins.bool = False) -> Tensor:
        """``fill_value`` everywhere in shape ``size``, with this tensor's dtype and device (unless given)."""
    def new_ones(self, *size, dtype=None, device=None, requires_grad: builtins.bool = False) -> Tensor:
        """Ones of shape ``size`` with this tensor's dtype and device (unless given)."""
    def new_tensor(self, data, *, dtype=None, device=None, requires_grad: builtins.bool = False) -> Tensor:
        """A new leaf from ``data`` with this tensor's dtype and device (unless given); never shares data."""
    def new_zeros(self, *size, dtype=None, device=None, requires_grad: builtins.bool = False) -> Tensor:
        """Zeros of shape ``size`` with this tensor's dtype and device (unless given)."""
    def nextafter(self, other) -> Tensor:
        """The next floating-point value after ``input`` in the direction of ``other``, elementwise."""
    def nonzero(self, *, as_tuple: builtins.bool = False):
        """Indices of the non-zero elements: an ``(n, ndim)`` int64 tensor, or one 1-D tensor per dim."""
    def norm(self, p='fro', dim=None, keepdim: builtins.bool = False, dtype=None, *, axis=None,
             keepdims: builtins.bool = False) -> Tensor:
        """The norm of a tensor (PyTorch's ``torch.norm``); it is ``lucid.norm`` and ``Tensor.norm``."""
    def normal_(self, mean: builtins.float = 0.0, std: builtins.float = 1.0, *, generator=None) -> Tensor:
        """Fill ``self`` in place with normal samples ``N(mean, std^2)`` (PyTorch's ``Tensor.normal_``)."""
    def numel(self) -> builtins.int: ...
    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (evaluates; bfloat16 comes back as float32)."""
    def outer(self, vec2: Tensor) -> Tensor:
        """Outer product of two 1-D tensors: ``out[i, j] = input[i] * vec2[j]`` (``ger`` is an alias)."""
    def permute(self, *dims) -> Tensor:
        """Reorder dims: output dim ``i`` is input dim ``dims[i]``."""
    def pinverse(self, rcond: builtins.float = 1e-15, hermitian: builtins.bool = False) -> Tensor:
        """The Moore-Penrose pseudo-inverse; singular values below ``rcond * max(S)`` count as zero."""
    def polygamma(self, n: builtins.int) -> Tensor:
        """``x.polygamma(n)`` is ``lucid.polygamma(n, x)`` (PyTorch's method form)."""
    def positive(self) -> Tensor:
        """``+input``: the tensor itself."""
    def power(self, other):
        """Elementwise ``input ** exponent``."""
    def prod(self, axis=None, keepdims: builtins.bool = False, *, dim=None, keepdim: builtins.bool = False,
             dtype=None) -> Tensor:
        """Product over ``axis`` (``dim``); all elements when omitted."""
    def qr(self, some: builtins.bool = True) -> Any:
        """The QR decomposition ``A = Q R``: the named tuple ``(Q, R)``; ``some=False`` gives the complete one."""
    def quantile(self, q, dim=None, keepdim: builtins.bool = False, *, interpolation: str = 'linear',
                 keepdims: builtins.bool = False, axis=None) -> Tensor:
        """The ``q``-th quantiles along ``dim`` (all elements when omitted); NaN where a slice holds a NaN."""
    def rad2deg(self) -> Tensor:
        """Radians to degrees, ``x * 180 / pi`` (integers give float32)."""
    def random_(self, from_: builtins.int = 0, to: builtins.int | None = None, *, generator=None, **kwargs) -> Tensor:
        """Fill ``self`` in place with integers uniform on ``[from, to)`` (PyTorch's ``Tensor.random_``)."""
    def ravel(self) -> Tensor:
        """Flatten to 1-D."""
    @property
    def real(self) -> Tensor:
        """The real part of a complex tensor; a real tensor is returned as it is (PyTorch's rule)."""
    def reciprocal(self) -> Tensor:
        """Elementwise :math:`1 / x` (integers give float32)."""
    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a replacement."""
    def relu(self) -> Tensor:
        """``relu(self)``: ``max(x, 0)`` elementwise (the gradient at 0 is 0)."""
    def remainder(self, other):
        """Elementwise ``input % other`` with the sign of ``other`` (as Python's)."""
    def repeat(self, *sizes) -> Tensor:
        """PyTorch's ``Tensor.repeat``: tile the tensor; ``sizes`` needs at least ``ndim`` entries."""
    def repeat_interleave(self, repeats, dim=None, *, output_size=None, axis=None) -> Tensor:
        """Repeat each element ``repeats`` times along ``dim`` (the flattened tensor when ``dim`` is None)."""
    @property
    def requires_grad(self) -> builtins.bool: ...
    @requires_grad.setter
    def requires_grad(self, flag: builtins.bool) -> None: ...
    def requires_grad_(self, requires_grad: builtins.bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return ``self``."""
    def reshape(self, *shape) -> Tensor:
        """Return the values of ``input`` with a new shape (one size may be ``-1``)."""
    def reshape_as(self, other: Tensor) -> Tensor:
        """``self.reshape(other.shape)``."""
    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
    @property
    def retains_grad(self) -> builtins.bool: ...
    def roll(self, shifts, dims=None) -> Tensor:
        """Shift elements cyclically by ``shifts`` along ``dims`` (the flattened tensor when ``dims`` is None)."""
    def rot90(self, k: builtins.int = 1, dims=(0, 1)) -> Tensor:
        """Rotate by ``k`` quarter turns in the plane of ``dims``, from the first dim towards the second."""
    def round(self, decimals: builtins.int = 0) -> Tensor:
        """Elementwise rounding to ``decimals`` decimal places (zero gradient)."""
    def rsqrt(self) -> Tensor:
        r"""Elementwise reciprocal square root :math:`1 / \sqrt{x}`."""
    def scatter(self, dim: builtins.int | None = None, index=None, src=None, value=None, *, reduce=None,
                axis: builtins.int | None = None) -> Tensor:
        """Write ``src`` (or the number ``value``) into a copy of ``input`` at ``index`` along ``dim``."""
    def scatter_add(self, dim: builtins.int | None = None, index=None, src=None, *,
                    axis: builtins.int | None = None) -> Tensor:
        """Add ``src`` into a copy of ``input`` at ``index`` along ``dim``; repeated indices accumulate."""
    def scatter_reduce(self, dim=None, index=None, src=None, reduce=None, *, include_self: builtins.bool = True,
                       axis=None) -> Tensor:
        """Reduce ``src`` into a copy of ``input`` at ``index`` along ``dim``, with ``"sum"``, ``"prod"``,
        ``"mean"``, ``"amax"`` or ``"amin"``."""
    def select(self, dim: builtins.int | None = None, index: builtins.int | None = None, *,
               axis: builtins.int | None = None) -> Tensor:
        """The slice at ``index`` along ``dim``, with that dim removed (``x.select(1, 2)`` is ``x[:, 2]``)."""
    def sgn(self) -> Tensor:
        """``sign`` extended to complex numbers: ``z / |z|`` (0 at 0); for real tensors the same as :func:`sign`."""
    @property
    def shape(self) -> tuple: ...
    def sigmoid(self) -> Tensor:
        """Elementwise logistic function :math:`1 / (1 + e^{-x})`; the gradient is :math:`y (1 - y)`."""
    def sign(self) -> Tensor:
        """Elementwise sign: -1, 0 or 1 (zero gradient)."""
    def signbit(self) -> Tensor:
        """Elementwise: is the sign bit set? True for negative values and ``-0.0``; a bool tensor."""
    def sin(self) -> Tensor:
        """Elementwise sine (radians)."""
    def sinc(self) -> Tensor:
        r"""Elementwise normalised sinc :math:`\sin(\pi x) / (\pi x)`, 1 at 0 (gradient 0 there)."""
    def sinh(self) -> Tensor:
        """Elementwise hyperbolic sine."""
    def size(self, dim: builtins.int | None = None, *, axis: builtins.int | None = None):
        """The shape (PyTorch's ``size()``), or one dimension's length (``axis`` is the NumPy spelling of ``dim``)."""
    def slogdet(self):
        """The sign and the log of the absolute value of the determinant: the named tuple ``(sign, logabsdet)``."""
    def softmax(self, dim: builtins.int | None = None, dtype=None, *, axis: builtins.int | None = None) -> Tensor:
        """``softmax(self, dim, dtype)`` (see :func:`lucid.nn.functional.softmax`)."""
    def sort(self, dim: builtins.int | None = None, descending: builtins.bool = False, stable: builtins.bool = False, *,
             axis: builtins.int | None = None):
        """Sort along ``dim`` (default -1; NumPy's ``axis``); returns ``(values, indices)`` (indices int64)."""
    def split(self, split_size_or_sections, dim: builtins.int | None = None, *,
              axis: builtins.int | None = None) -> tuple:
        """Split into pieces along ``dim`` (PyTorch's ``split``)."""
    def sqrt(self) -> Tensor:
        r"""Elementwise square root :math:`\sqrt{x}` (its gradient is ``inf`` at 0)."""
    def square(self) -> Tensor:
        """Elementwise :math:`x^2` (integers stay integers)."""
    def squeeze(self, dim=None, *, axis=None) -> Tensor:
        """Remove size-1 dims: all of them, or only those in ``dim`` (an int or tuple; NumPy's ``axis``)."""
    def std(self, axis=None, unbiased=None, keepdims: builtins.bool = False, *, dim=None, correction=None,
            keepdim: builtins.bool = False, ddof=None) -> Tensor:
        """Standard deviation: the square root of :func:`var` (same arguments, ``correction=1`` by default)."""
    def storage_offset(self) -> builtins.int:
        """The offset of the first element in the underlying storage: always 0 (``Tensor.storage_offset``)."""
    def stride(self, dim: builtins.int | None = None, *, axis: builtins.int | None = None):
        """The row-major strides of the logical shape, in elements (``Tensor.stride``)."""
    def sub(self, other):
        """Elementwise ``input - other`` with broadcasting."""
    def sub_(self, other, *, alpha=None) -> Tensor:
        """In place ``self -= alpha * other`` (``alpha`` defaults to 1)."""
    def sum(self, axis=None, keepdims: builtins.bool = False, *, dim=None, keepdim: builtins.bool = False,
            dtype=None) -> Tensor:
        """Sum over ``axis`` (``dim``); all elements when omitted."""
    def svd(self, some: builtins.bool = True, compute_uv: builtins.bool = True):
        """PyTorch's old ``torch.svd``: ``A = U diag(S) V^T``, the named tuple ``(U, S, V)``, ``V`` not ``Vh``."""
    def t(self) -> Tensor:
        """Transpose a tensor of at most 2 dims (PyTorch's ``t()``)."""
    def take(self, index) -> Tensor:
        """Index the flattened ``input`` with ``index`` (any shape; negative indices count from the end)."""
    def take_along_dim(self, indices, dim=None, *, axis=None) -> Tensor:
        """``gather`` with broadcasting of ``input`` and ``indices`` (flattened when ``dim`` is None)."""
    def tan(self) -> Tensor:
        r"""Elementwise tangent (radians); the gradient is :math:`1 + \tan^2 x`."""
    def tanh(self) -> Tensor:
        r"""Elementwise hyperbolic tangent; the gradient is :math:`1 - \tanh^2 x`."""
    def tensor_split(self, indices_or_sections, dim=None, *, axis=None) -> tuple:
        """Split along ``dim`` into ``k`` nearly equal pieces (an int) or at the given indices (a sequence)."""
    def tile(self, dims) -> Tensor:
        """Repeat the whole tensor ``dims[i]`` times along each dim (``dims`` shorter than ndim is left-padded with
        1s)."""
    def to(self, *args, dtype=None, device=None, non_blocking: builtins.bool = False,
           copy: builtins.bool = False) -> Tensor:
        """Move to a device and/or convert to a dtype: ``x.to("cpu")``, ``x.to(lucid.float16)``."""
    def tolist(self):
        """The values as (nested) Python lists (evaluates)."""
    def topk(self, k: builtins.int, dim: builtins.int | None = None, largest: builtins.bool = True,
             sorted: builtins.bool = True, *, axis: builtins.int | None = None):
        """The ``k`` largest (or smallest) entries along ``dim`` (default -1; NumPy's ``axis``): ``(values,
        indices)``."""
    def trace(self) -> Tensor:
        """Sum of the main diagonal of a 2-D tensor (rectangular allowed); integers give int64."""
    def transpose(self, dim0=None, dim1=None) -> Tensor:
        """Swap dims ``dim0`` and ``dim1`` (PyTorch's ``transpose``)."""
    def tril(self, diagonal: builtins.int = 0) -> Tensor:
        """Keep the lower triangle (elements with ``col - row <= diagonal``) of the last two dims, zero the rest."""
    def triu(self, diagonal: builtins.int = 0) -> Tensor:
        """Keep the upper triangle (elements with ``col - row >= diagonal``) of the last two dims, zero the rest."""
    def trunc(self) -> Tensor:
        """Elementwise rounding toward zero (zero gradient)."""
    def type(self, dtype=None, non_blocking: builtins.bool = False) -> str | Tensor:
        """The legacy type name (``"lucid.FloatTensor"``), or a copy converted to ``dtype``."""
    def type_as(self, other: Tensor) -> Tensor:
        """This tensor cast to ``other``'s dtype (itself when the dtypes already match); differentiable."""
    def unbind(self, dim: builtins.int | None = None, *, axis: builtins.int | None = None) -> tuple:
        """Remove dim ``dim`` (default 0; NumPy's ``axis``), returning the slices along it."""
    def unflatten(self, dim: builtins.int | None = None, sizes=None, *, axis: builtins.int | None = None) -> Tensor:
        """Split dim ``dim`` into ``sizes`` (one entry may be ``-1``); the inverse of :func:`flatten`."""
    def unfold(self, dimension: builtins.int, size: builtins.int, step: builtins.int) -> Tensor:
        """Every window of ``size`` elements along ``dimension``, ``step`` apart, as a new last dim."""
    def uniform_(self, from_: builtins.float = 0.0, to: builtins.float = 1.0, *, generator=None, **kwargs) -> Tensor:
        """Fill ``self`` in place with uniform samples from ``[from, to)`` (PyTorch's ``Tensor.uniform_``)."""
    def unique(self, sorted: builtins.bool = True, return_inverse: builtins.bool = False,
               return_counts: builtins.bool = False, dim=None, *, axis=None):
        """The distinct values (sorted), optionally with the inverse indices and the counts."""
    def unique_consecutive(self, return_inverse: builtins.bool = False, return_counts: builtins.bool = False, dim=None,
                           *, axis=None):
        """Collapse each run of equal consecutive values (or slices along ``dim``) to one."""
    def unsqueeze(self, dim: builtins.int | None = None, *, axis: builtins.int | None = None) -> Tensor:
        """Insert a size-1 dim at position ``dim`` (``-1`` appends); ``axis`` is the NumPy spelling."""
    def var(self, axis=None, unbiased=None, keepdims: builtins.bool = False, *, dim=None, correction=None,
            keepdim: builtins.bool = False, ddof=None) -> Tensor:
        """Variance over ``axis`` (``dim``) with Bessel's correction by default."""
    def vdot(self, other: Tensor) -> Tensor:
        """Dot product of two 1-D tensors (for real tensors the same as :func:`dot`)."""
    def view(self, *shape) -> Tensor:
        """Same as :func:`reshape`: Lucid tensors never share storage, so there is no separate view type."""
    def view_as_real(self) -> Tensor:
        """A complex tensor of shape ``S`` as a real one of shape ``(*S, 2)`` (real, imaginary); MLX copies."""
    def vsplit(self, indices_or_sections) -> tuple:
        """Split vertically: along dim 0 of a tensor with at least 2 dims; an int must divide it exactly."""
    def where(self, condition, other) -> Tensor:
        """``x.where(condition, other)`` is ``lucid.where(condition, x, other)`` (PyTorch's method form)."""
    def xlogy(self, other) -> Tensor:
        r"""Elementwise :math:`x \log y`, with 0 where ``x == 0`` (even if ``y`` is 0), broadcasting."""
    def zero_(self) -> Tensor:
        """Fill with zeros in place."""
    def _bump(self, new: Tensor) -> Tensor:
        """Make ``self`` hold ``new``'s value and graph position (the core of every in-place op)."""
    def _check_inplace(self) -> None: ...
    _data: Any
    _device: Any
    _grad: Any
    _hooks: Any
    @classmethod
    def _make(cls, arr: _mx.array, device: str, node=None, idx: builtins.int = 0) -> Tensor: ...
    _node: Any
    _out_idx: Any
    _requires_grad: Any
    _version: Any

    # The same methods under other names.
    __abs__ = abs
    __add__ = add
    __floordiv__ = floor_divide
    __invert__ = bitwise_not
    __matmul__ = matmul
    __mod__ = remainder
    __mul__ = multiply
    __neg__ = neg
    __pow__ = power
    __sub__ = sub
    __truediv__ = divide
    absolute = abs
    acos = arccos
    acosh = arccosh
    asin = arcsin
    asinh = arcsinh
    atan = arctan
    atan2 = arctan2
    atanh = arctanh
    clamp = clip
    clip_ = clamp_
    conj_physical = conj
    div = divide
    fix = trunc
    ger = outer
    greater = gt
    greater_equal = ge
    less = lt
    less_equal = le
    movedim = moveaxis
    mul = multiply
    negative = neg
    not_equal = ne
    pow = power
    subtract = sub
    subtract_ = sub_
    swapaxes = transpose
    swapdims = transpose
    true_divide = divide
    view_as = reshape_as

    # In-place forms: the signature of their method; they update and return ``self``.
    abs_ = abs
    acos_ = arccos
    acosh_ = arccosh
    arccos_ = arccos
    arccosh_ = arccosh
    arcsin_ = arcsin
    arcsinh_ = arcsinh
    arctan_ = arctan
    arctanh_ = arctanh
    asin_ = arcsin
    asinh_ = arcsinh
    atan_ = arctan
    atanh_ = arctanh
    ceil_ = ceil
    cos_ = cos
    cosh_ = cosh
    detach_ = detach
    div_ = divide
    divide_ = divide
    erf_ = erf
    erfinv_ = erfinv
    exp2_ = exp2
    exp_ = exp
    expm1_ = expm1
    fix_ = trunc
    floor_ = floor
    index_add_ = index_add
    index_fill_ = index_fill
    log10_ = log10
    log1p_ = log1p
    log2_ = log2
    log_ = log
    logit_ = logit
    masked_fill_ = masked_fill
    masked_scatter_ = masked_scatter
    mul_ = multiply
    multiply_ = multiply
    nan_to_num_ = nan_to_num
    neg_ = neg
    negative_ = neg
    pow_ = power
    reciprocal_ = reciprocal
    relu_ = relu
    round_ = round
    rsqrt_ = rsqrt
    scatter_ = scatter
    scatter_add_ = scatter_add
    sigmoid_ = sigmoid
    sign_ = sign
    sin_ = sin
    sinh_ = sinh
    sqrt_ = sqrt
    square_ = square
    tan_ = tan
    tanh_ = tanh
    trunc_ = trunc


def as_array(data, dtype=None) -> mx.array:
    """Convert Python scalars, nested lists, NumPy arrays, ``mx.array``s or Tensors to an ``mx.array``."""
