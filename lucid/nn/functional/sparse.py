"""nn functional: sparse (to be filled)."""

__all__: list = []
