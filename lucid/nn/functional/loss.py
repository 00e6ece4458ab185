"""nn functional: loss (to be filled)."""

__all__: list = []
