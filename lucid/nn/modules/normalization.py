"""nn modules: normalization (to be filled)."""

__all__: list = []
