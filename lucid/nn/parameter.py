"""``Parameter`` and ``Buffer``: Tensors that modules register."""

from __future__ import annotations

from lucid._tensor import Tensor, as_array

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A Tensor that is a module's learnable parameter (``requires_grad=True`` by default).

    Assigning one to a ``Module`` attribute registers it, so it appears in
    ``parameters()`` and ``state_dict()``.

    Args:
        data: initial values (a Tensor's values are shared, not copied).
        requires_grad: whether the optimizer should train it.

    Examples:
        >>> import lucid
        >>> p = lucid.nn.Parameter(lucid.zeros(2, 3))
        >>> p.requires_grad, p.shape
        (True, (2, 3))
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            data = as_array([], dtype="float32")
        if isinstance(data, Tensor):
            super().__init__(data._data, device=data.device)
        else:
            super().__init__(data)
        if requires_grad:
            self.requires_grad = True

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Buffer(Tensor):
    """A Tensor that is part of a module's state but not trained (e.g. BatchNorm's running mean).

    Assigning one to a ``Module`` attribute registers it as a buffer; with
    ``persistent=False`` it is left out of ``state_dict()``.

    Examples:
        >>> import lucid
        >>> class Counter(lucid.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.count = lucid.nn.Buffer(lucid.zeros(1))
        >>> list(Counter().state_dict())
        ['count']
    """

    __slots__ = ("persistent",)

    def __init__(self, data, persistent: bool = True):
        if isinstance(data, Tensor):
            super().__init__(data._data, device=data.device)
        else:
            super().__init__(data)
        self.persistent = persistent
