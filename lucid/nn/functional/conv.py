"""nn functional: conv (to be filled)."""

__all__: list = []
