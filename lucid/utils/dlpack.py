"""DLPack exchange: ``from_dlpack`` and ``to_dlpack`` (PyTorch's ``torch.utils.dlpack``).

MLX arrays own their memory and are immutable, so an import copies the data
into a new MLX array (a PyTorch ``from_dlpack`` shares it; sharing matters
there only because the tensors can be written in place). An export hands out
the evaluated MLX buffer; the consumer must not write to it.
"""

from __future__ import annotations

import mlx.core as mx
import numpy as np

from lucid._tensor import Tensor

__all__ = ["from_dlpack", "to_dlpack"]


class _Capsule:
    """Adapts a bare DLPack capsule (the legacy ``to_dlpack`` result) to the ``__dlpack__`` protocol."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, **kwargs):
        return self.capsule

    def __dlpack_device__(self):
        return (1, 0)  # a bare capsule carries no device query: only CPU capsules are readable here


def from_dlpack(ext_tensor) -> Tensor:
    """A Tensor with the values of any DLPack producer (NumPy array, PyTorch CPU tensor, MLX array, capsule).

    The data is copied into a new MLX array, keeping the dtype (float64
    included; NumPy-less dtypes such as bfloat16 go through MLX's own
    importer). A Lucid Tensor gives a detached Tensor on the same array.

    Args:
        ext_tensor: an object with ``__dlpack__`` and ``__dlpack_device__``, or a
            ``"dltensor"`` PyCapsule holding CPU memory.

    Returns:
        Tensor: on the default device (float64 stays on the CPU), ``requires_grad=False``.

    Raises:
        TypeError: ``ext_tensor`` speaks no DLPack.

    Examples:
        >>> import numpy as np
        >>> import lucid
        >>> t = lucid.from_dlpack(np.arange(3.0))
        >>> t.dtype, t.tolist()
        (lucid.float64, [0.0, 1.0, 2.0])
    """
    if isinstance(ext_tensor, Tensor):
        return ext_tensor.detach()
    if isinstance(ext_tensor, mx.array):
        return Tensor(ext_tensor)
    if type(ext_tensor).__name__ == "PyCapsule":
        ext_tensor = _Capsule(ext_tensor)
    if not hasattr(ext_tensor, "__dlpack__"):
        raise TypeError(f"from_dlpack expects an object with __dlpack__ (a NumPy array, a PyTorch tensor, ...) "
                        f"or a DLPack capsule, got {type(ext_tensor).__name__}")
    try:
        nd = np.from_dlpack(ext_tensor)
    except (BufferError, TypeError, RuntimeError):
        # A dtype NumPy lacks (bfloat16) or memory NumPy cannot read: let MLX import it.
        return Tensor(mx.from_dlpack(ext_tensor, copy=True))
    return Tensor(np.array(nd, copy=True))


def to_dlpack(tensor: Tensor):
    """Export a Tensor as a DLPack capsule (a sync point: evaluates it).

    Prefer passing the Tensor itself to the consumer (``np.from_dlpack(t)``,
    ``torch.from_dlpack(t)``): Tensors implement ``__dlpack__``.

    Raises:
        TypeError: ``tensor`` is not a Tensor.

    Examples:
        >>> import lucid
        >>> cap = lucid.to_dlpack(lucid.tensor([1.0, 2.0]))
        >>> lucid.from_dlpack(cap).tolist()
        [1.0, 2.0]
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dlpack expects a lucid.Tensor, got {type(tensor).__name__}")
    return tensor.__dlpack__()
