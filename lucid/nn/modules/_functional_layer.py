"""The base of the layers that are one functional applied with the layer's settings."""

from __future__ import annotations

from lucid._tensor import Tensor
from lucid.nn.functional._kernels import check_layer_input
from lucid.nn.module import Module

__all__ = ["FunctionalLayer"]


class FunctionalLayer(Module):
    """A layer whose ``forward`` is its functional form called with its settings.

    A subclass names the functional and the settings, in the functional's
    argument order, and keeps its own ``__init__`` (the signature users see)::

        class GLU(FunctionalLayer, fn=F.glu, settings=("dim",)):
            def __init__(self, dim: int = -1) -> None:
                super().__init__(dim=dim)

    ``GLU(dim=0)(x)`` is ``F.glu(x, 0)`` and its repr ``GLU(dim=0)``. In the repr
    a setting ``inplace`` is shown only when true and ``training`` (the module's
    mode, passed to functionals such as ``rrelu``) never, as in PyTorch's reprs.
    ``check_input = True`` makes ``forward`` refuse a non-Tensor input first
    (``TypeError`` naming the layer).

    Examples:
        >>> import lucid
        >>> lucid.nn.GLU(dim=0)
        GLU(dim=0)
        >>> lucid.nn.GLU()(lucid.tensor([1.0, 0.0])).tolist()
        [0.5]
    """

    _settings: tuple = ()
    check_input = False

    def __init_subclass__(cls, fn=None, settings=None, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if fn is not None:
            cls._fn = staticmethod(fn)
        if settings is not None:
            cls._settings = tuple(settings)

    def __init__(self, **settings) -> None:
        super().__init__()
        for name, value in settings.items():
            setattr(self, name, value)

    def forward(self, input: Tensor) -> Tensor:
        if self.check_input:
            check_layer_input(self, input)
        return self._fn(input, *[getattr(self, name) for name in self._settings])

    def extra_repr(self) -> str:
        shown = [f"{name}={getattr(self, name)}" for name in self._settings if name not in ("inplace", "training")]
        if "inplace" in self._settings and self.inplace:
            shown.append("inplace=True")
        return ", ".join(shown)
