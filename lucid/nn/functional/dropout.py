"""nn functional: dropout (to be filled)."""

__all__: list = []
