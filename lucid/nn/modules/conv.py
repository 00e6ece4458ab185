"""nn modules: conv (to be filled)."""

__all__: list = []
