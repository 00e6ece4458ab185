"""nn modules: vision (to be filled)."""

__all__: list = []
