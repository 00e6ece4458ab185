"""Mixed precision: ``autocast`` (per-op dtype policy) and ``GradScaler`` (loss scaling).

Examples:
    >>> import lucid
    >>> model = lucid.nn.Linear(4, 2)
    >>> with lucid.amp.autocast(dtype=lucid.bfloat16):
    ...     out = model(lucid.randn(3, 4))
    >>> out.dtype, model.weight.dtype
    (lucid.bfloat16, lucid.float32)
"""

from lucid.amp.autocast_mode import autocast, get_autocast_dtype, is_autocast_enabled
from lucid.amp.grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler", "is_autocast_enabled", "get_autocast_dtype"]
