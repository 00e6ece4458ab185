"""nn modules: dropout (to be filled)."""

__all__: list = []
