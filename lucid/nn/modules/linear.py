"""nn modules: linear (to be filled)."""

__all__: list = []
