"""nn functional: linear (to be filled)."""

__all__: list = []
