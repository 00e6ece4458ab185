"""nn modules: pooling (to be filled)."""

__all__: list = []
