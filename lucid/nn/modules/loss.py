"""nn modules: loss (to be filled)."""

__all__: list = []
